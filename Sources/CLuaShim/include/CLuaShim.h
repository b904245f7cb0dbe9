// CLuaShim: the only C that touches a lua_State on behalf of Synod.
//
// Why it exists: Lua reports errors with longjmp. A longjmp across a Swift frame skips
// ARC releases and defers and corrupts the process, and with a memory cap almost every
// Lua API call can raise. So every operation on a sandbox enters Lua through lua_pcall
// from C, Swift host functions are reached through a C trampoline that raises the Lua
// error only after Swift has returned, and Swift sees plain status codes and buffers.
//
// Values cross the boundary in a small tagged binary format (see `synod_tag`), encoded
// and decoded on the C side under lua_pcall, so Swift never reads a Lua stack. Results
// may instead be read in place (`synod_view_*`), by C functions that cannot raise.
#ifndef CLUASHIM_H
#define CLUASHIM_H

#include <stddef.h>
#include <stdint.h>
#include <lua5.4/lua.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Opaque sandbox: one lua_State plus its limits, budgets and buffers.
typedef struct synod_sandbox synod_sandbox;

/// Outcome of an operation. Values match `SandboxError.Kind` on the Swift side.
typedef enum synod_status {
    SYNOD_OK = 0,
    SYNOD_ERR_SYNTAX = 1,
    SYNOD_ERR_RUNTIME = 2,
    SYNOD_ERR_MEMORY = 3,
    SYNOD_ERR_INSTRUCTIONS = 4,
    SYNOD_ERR_TIMEOUT = 5,
    SYNOD_ERR_FORBIDDEN = 6,
    SYNOD_ERR_INTERRUPTED = 7,
    SYNOD_ERR_VALUE = 8,
    SYNOD_ERR_INTERNAL = 9,
} synod_status;

/// Tags of the value bridge format. Integers are little-endian; lengths are uint32.
/// A value list is a uint32 count followed by that many values.
typedef enum synod_tag {
    SYNOD_TAG_NIL = 0,
    SYNOD_TAG_FALSE = 1,
    SYNOD_TAG_TRUE = 2,
    SYNOD_TAG_INTEGER = 3,   // int64
    SYNOD_TAG_NUMBER = 4,    // IEEE double
    SYNOD_TAG_STRING = 5,    // uint32 length, bytes
    SYNOD_TAG_ARRAY = 6,     // uint32 count, values
    SYNOD_TAG_MAP = 7,       // uint32 count, (uint32 length, key bytes, value) pairs
    SYNOD_TAG_FUNCTION = 8,  // uint32 length, description bytes (Lua -> host only)
} synod_tag;

/// A value read where it lies (a result read in place, a host function's argument): its Lua
/// type (LUA_TNONE when there is none) and, for scalars, its contents; a table (or function)
/// among results has a slot to read it further by. A string's bytes are valid until
/// `synod_view_end` (for a result) or the host function returns (for an argument).
typedef struct synod_view_item {
    int type;
    int slot;
    int is_integer;
    int64_t integer;  // integers; 0 or 1 for booleans
    double number;    // floats
    const char *bytes;
    size_t length;
} synod_view_item;

/// Limits applied to every operation on a sandbox. Zero means "no limit" for the
/// instruction and time budgets only; the others must be positive.
typedef struct synod_limits {
    size_t memory_bytes;          // cap of the custom allocator
    uint64_t instructions;        // VM instructions per operation (count hook)
    double timeout_seconds;       // wall-clock deadline per operation
    uint32_t max_value_depth;     // nesting of values crossing into the host
    size_t max_value_bytes;       // encoded size of values crossing into the host
    size_t max_output_bytes;      // print/warn bytes per operation before truncation
} synod_limits;

/// Receives `print` and `warn` output (level 0 = print, 1 = warn, 2 = notice from the
/// sandbox itself). Must not call back into the sandbox.
typedef void (*synod_log_fn)(void *host, int level, const char *text, size_t length);

/// Runs host function `function_id`, called from Lua with `argument_count` arguments (read
/// with `synod_host_argument`). Returns 0 after writing its results (`synod_host_result_*`),
/// 1 after setting an error message with `synod_set_host_result` (raw UTF-8 text), or 2 for
/// a 'forbidden' error. Must not call back into the sandbox.
typedef int (*synod_host_fn)(void *host, int function_id, int argument_count, synod_sandbox *sandbox);

/// A native library offered to plugins as a global table (for example `tensor`): `open`
/// runs under lua_pcall in the new state and must push one table.
typedef struct synod_library {
    const char *name;
    lua_CFunction open;
} synod_library;

/// Creates a sandbox, runs `prelude` (trusted Lua that builds the plugin environment) and
/// adds each library's table to that environment. Returns NULL only if the process is
/// out of memory. Check `synod_open_status`.
synod_sandbox *synod_open(const synod_limits *limits, const char *name, const char *prelude,
                          size_t prelude_length, const synod_library *libraries,
                          size_t library_count, void *host, synod_log_fn log,
                          synod_host_fn call);
/// Status of `synod_open`; on failure the error accessors describe it.
int synod_open_status(const synod_sandbox *S);
/// Closes the Lua state and frees its memory but keeps the structure, so that a
/// concurrent `synod_interrupt` stays harmless. Later operations must not be started.
void synod_close_state(synod_sandbox *S);
/// Closes the state (if still open) and frees the structure. Safe after any error.
void synod_close(synod_sandbox *S);
/// Replaces the limits used by the next operations.
void synod_set_limits(synod_sandbox *S, const synod_limits *limits);
/// Asks the running (or next) operation to stop. Safe to call from any thread.
void synod_interrupt(synod_sandbox *S);
/// Bytes currently allocated by the state (and charged to it by the host).
size_t synod_memory_used(const synod_sandbox *S);
/// Highest `synod_memory_used` seen since the sandbox opened.
size_t synod_memory_peak(const synod_sandbox *S);
/// Starts measuring the peak again from the bytes held now (per call, say).
void synod_memory_peak_reset(synod_sandbox *S);
/// Instructions (and pattern-matching steps) charged to the last operation.
uint64_t synod_instructions_used(const synod_sandbox *S);
/// Charges host-side work to the current operation (for host functions).
/// Returns nonzero if the budget is now exhausted.
int synod_charge(synod_sandbox *S, uint64_t instructions);

/* ---------- for native libraries (C functions running inside a sandbox) ---------- */

/// Charges `instructions` of work done in C to the running operation; raises the
/// operation's limit error (from C, so never across Swift) when a budget runs out.
void synod_lua_charge(lua_State *L, uint64_t instructions);
/// Call before allocating a large object (a tensor): when no freed block of that size is
/// at hand, collects garbage first, so loops of large results reuse warm memory instead
/// of growing the heap until the collector's next cycle.
void synod_lua_prepare_large(lua_State *L, size_t bytes);
/// Bytes the sandbox may still allocate before its memory cap.
size_t synod_lua_memory_available(lua_State *L);
/// Raises a memory error with a specific message (printf formats; reported with kind `memory`).
int synod_lua_memory_error(lua_State *L, const char *fmt, ...);

/// Compiles a text chunk. On success stores a registry reference to the function.
int synod_load(synod_sandbox *S, const char *source, size_t length, const char *chunkname,
               int *out_ref);
/// What `synod_call` does with a call's results.
typedef enum synod_results {
    SYNOD_RESULTS_ENCODE = 0,      // encoded to the output buffer
    SYNOD_RESULTS_KEEP_FIRST = 1,  // the first stored as a new reference in `*out_ref` (0 for nil)
    SYNOD_RESULTS_IN_PLACE = 2,    // kept for `synod_view_*` until `synod_view_end`
} synod_results;

/// Calls the referenced function (or, when `global` is non-NULL, that global) with the
/// encoded argument list; `results` is a `synod_results`.
int synod_call(synod_sandbox *S, int ref, const char *global, const uint8_t *args,
               size_t length, int results, int *out_ref);
/// Reads field `key` of the referenced table (or a global when ref is 0). With `keep_ref`
/// the value is stored as a reference (0 for nil); otherwise it is encoded to the output.
int synod_get(synod_sandbox *S, int ref, const char *key, int keep_ref, int *out_ref);
/// Sets a global to an encoded value (a list of exactly one value).
int synod_set_global(synod_sandbox *S, const char *name, const uint8_t *value, size_t length);
/// Sets a global to the referenced value (a table or function kept inside the sandbox).
int synod_set_global_ref(synod_sandbox *S, const char *name, int ref);
/// Defines global `name` as a function that calls the host with `function_id`.
int synod_register(synod_sandbox *S, const char *name, int function_id);
/// Releases a reference made by `synod_load`, `synod_call` or `synod_get`.
void synod_unref(synod_sandbox *S, int ref);
/// When nonzero, functions met while encoding become descriptions instead of errors.
void synod_describe_functions(synod_sandbox *S, int enabled);

/// The encoded results of the last successful operation.
const uint8_t *synod_output(const synod_sandbox *S, size_t *length);
/// Called from inside `synod_host_fn` to hand an error message back.
int synod_set_host_result(synod_sandbox *S, const uint8_t *bytes, size_t length);

/// Called from inside `synod_host_fn` to write results, in order, without a copy: numbers
/// go straight to Lua, other values are appended encoded (one value per call). Each returns
/// 0 when there is no memory for the result.
int synod_host_result_integer(synod_sandbox *S, int64_t value);
int synod_host_result_number(synod_sandbox *S, double value);
int synod_host_result_encoded(synod_sandbox *S, const uint8_t *bytes, size_t length);

/// Called from inside `synod_host_fn`: argument `index` (0-based) read where it lies, as a
/// `synod_view_item` (LUA_TNONE past the last). Returns 0 when there is no such argument.
int synod_host_argument(synod_sandbox *S, int index, synod_view_item *out);
/// Called from inside `synod_host_fn`: argument `index` when it is an integer (returns 1),
/// the commonest argument read with two calls into Lua; 0 for anything else.
int synod_host_integer(synod_sandbox *S, int index, int64_t *out);
/// Called from inside `synod_host_fn`: all arguments encoded as a value list (once per
/// call). Returns SYNOD_OK, or SYNOD_ERR_VALUE with the reason as the error message when
/// one cannot cross (a function, say).
int synod_host_encode_arguments(synod_sandbox *S, const uint8_t **bytes, size_t *length);

/* ---------- results read in place (after SYNOD_RESULTS_IN_PLACE) ---------- */

/// How many results the call returned (0 when none are being read).
int synod_view_count(const synod_sandbox *S);
/// Result `index` (0-based). Returns 0 when there is none.
int synod_view_result(synod_sandbox *S, int index, synod_view_item *out);
/// Field `key` of the table at `slot` (an integer key matches its decimal text; arrays have
/// no fields). Returns 0 when absent, and when reading needed memory it could not have:
/// `synod_view_failed` then says so.
int synod_view_field(synod_sandbox *S, int slot, const char *key, size_t length, synod_view_item *out);
/// Element `index` (0-based) of the array at `slot`. Returns 0 as `synod_view_field` does.
int synod_view_element(synod_sandbox *S, int slot, int64_t index, synod_view_item *out);
/// Nonzero when a read since the call could not get the memory it needed.
int synod_view_failed(const synod_sandbox *S);
/// Encodes the value at `slot` to the output buffer as a list of one (what `synod_call`
/// would have encoded). Returns SYNOD_OK or SYNOD_ERR_VALUE, with the error accessors set.
int synod_view_encode(synod_sandbox *S, int slot);
/// Ends reading: the results are released, and the sandbox takes operations again.
void synod_view_end(synod_sandbox *S);

/// The last error: message without location, the location's chunk and line (line 0 when
/// unknown), and a short traceback (may be empty).
const char *synod_error_message(const synod_sandbox *S, size_t *length);
const char *synod_error_chunk(const synod_sandbox *S);
int synod_error_line(const synod_sandbox *S);
const char *synod_error_traceback(const synod_sandbox *S, size_t *length);

#ifdef __cplusplus
}
#endif
#endif
