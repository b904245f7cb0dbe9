// Private to CLuaShim: the sandbox structure and the helpers its files share.
#ifndef CLUASHIM_INTERNAL_H
#define CLUASHIM_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>
#include "CLuaShim.h"

/// Instructions between two runs of the count hook: the granularity of the budget.
#define SYNOD_HOOK_PERIOD 1024
/// Nesting allowed for coroutine.close (Lua 5.4.4 overflows the C stack on long chains).
#define SYNOD_MAX_CLOSE_DEPTH 64

/// Number results a host function may push straight onto the Lua stack (bridge.c).
#define SYNOD_HOST_DIRECT 8
/// Freed large blocks kept for reuse within one operation (see sandbox_alloc).
#define SYNOD_BLOCK_CACHE 8
typedef struct synod_cached_block {
    void *ptr;
    size_t size;
} synod_cached_block;

typedef struct synod_buffer {
    uint8_t *bytes;
    size_t length;
    size_t capacity;
} synod_buffer;

struct synod_sandbox {
    lua_State *L;
    char name[64];
    int open_status;

    /* memory */
    size_t mem_used, mem_limit, mem_peak;
    synod_cached_block cache[SYNOD_BLOCK_CACHE];
    size_t cached_bytes;
    uint64_t large_allocated;    /* bytes of large blocks ever allocated */
    uint64_t large_at_collect;   /* large_allocated at the last synod_lua_prepare_large GC */
    int mem_refused;           /* the allocator refused during this operation */

    /* budgets */
    uint64_t instr_limit, instr_used;
    double timeout;
    uint64_t deadline_ns;      /* 0: none */
    int killed;                /* 0, or the SYNOD_ERR_* that stopped this operation */
    _Atomic int interrupt;
    int close_depth;
    int close_refused;         /* a coroutine.close chain went too deep */

    /* values crossing into the host */
    uint32_t max_depth;
    size_t max_value_bytes;
    int describe_functions;

    /* print/warn */
    size_t output_limit, output_used;
    int output_truncated;

    /* host */
    void *host;
    synod_log_fn log;
    synod_host_fn call;
    int in_host;
    int in_operation;
    /* the running host call (set by the trampoline) */
    lua_State *host_L;         /* the calling thread: arguments in slots 1...host_args */
    int host_args;
    int host_encoded;          /* the arguments are encoded in `scratch` */
    int host_pushed;           /* number results pushed straight onto host_L */
    uint32_t host_buffered;    /* results in `host_result` after them */

    /* the last error */
    int err_status;
    synod_buffer err_msg;
    synod_buffer traceback;
    synod_buffer forbidden_msg; /* text of the last 'forbidden' error raised */
    synod_buffer memory_msg;    /* text of the last memory error raised by a library */
    char err_chunk[256];
    int err_line;
    /* where the hook last saw the plugin running: the location of memory errors, which
       Lua raises without calling the message handler */
    char sample_chunk[256];
    int sample_line;
    unsigned hook_ticks;

    struct synod_encoder *encoder; /* reused by every encoding (bridge.c) */

    /* results read in place (view.c) */
    lua_State *R;              /* a thread whose stack holds them, anchored in the registry */
    int viewing;               /* from a call in place until synod_view_end */
    int view_count;            /* results, in R's slots 1...view_count */
    int view_failed;           /* a read could not grow R's stack */
    struct synod_view_entry *view_entries; /* tables read: their slot and kind (view.c) */
    size_t view_capacity, view_used;
    uint32_t view_generation;  /* of this call's entries */

    /* buffers */
    synod_buffer out;        /* encoded results of the last operation */
    synod_buffer host_result;
    synod_buffer scratch;    /* encoded arguments for host functions */
};

/* sandbox.c */
synod_sandbox *synod_from_state(lua_State *L);
uint64_t synod_now_ns(void);
int synod_buffer_reserve(synod_buffer *b, size_t extra);
int synod_buffer_append(synod_buffer *b, const void *bytes, size_t length);
void synod_buffer_set(synod_buffer *b, const void *bytes, size_t length);
/// Charges `n` units of work and raises the matching error when a budget is exhausted.
void synod_charge_or_raise(lua_State *L, uint64_t n);
/// Raises a 'forbidden' error with the caller's location. Never returns.
int synod_forbid(lua_State *L, const char *fmt, ...);

/* stdlib.c */
/// Pushes a table of the sandboxed replacements for the standard functions.
void synod_push_host_table(lua_State *L);
/// Pushes the sandbox's own tostring of the value at `idx` (no addresses). May run
/// __tostring metamethods (under the budget).
const char *synod_tolstring(lua_State *L, int idx, size_t *len);

/* pattern.c */
int synod_str_find(lua_State *L);
int synod_str_match(lua_State *L);
int synod_str_gmatch(lua_State *L);
int synod_str_gsub(lua_State *L);

/* bridge.c */
/// Encodes stack values [first, first+count) as a value list into `b`. Returns SYNOD_OK
/// or SYNOD_ERR_VALUE with the reason in S->err_msg. Never raises.
int synod_encode_list(synod_sandbox *S, lua_State *L, int first, int count, synod_buffer *b);
/// Pushes the values of an encoded value list; returns how many. Raises on bad input.
int synod_decode_list(lua_State *L, const uint8_t *bytes, size_t length);

/// Writes the count of the results a host function buffered (after those pushed straight).
void synod_host_results_seal(synod_sandbox *S);

/* view.c */
/// Describes the value at `idx` (positive) of L: its type and, for scalars, its contents.
/// Never raises.
void synod_describe(lua_State *L, int idx, synod_view_item *out);
/// Moves the top `count` values of L (a call's results) to the results thread. Returns 0
/// when its stack cannot grow. Runs inside an operation.
int synod_view_begin(synod_sandbox *S, lua_State *L, int count);

#endif
