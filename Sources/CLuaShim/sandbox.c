// The sandbox: state creation, the capped allocator, the budget hook, protected entry
// points for every host operation, and error capture.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"

/* ---------- small helpers ---------- */

uint64_t synod_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

synod_sandbox *synod_from_state(lua_State *L) {
    // Every thread inherits the main thread's extra space, so this works in coroutines.
    return *(synod_sandbox **)lua_getextraspace(L);
}

int synod_buffer_reserve(synod_buffer *b, size_t extra) {
    // Sizes come from plugins and peers: a sum that would wrap is refused, not wrapped.
    if (extra > SIZE_MAX - b->length) return 0;
    if (b->length + extra <= b->capacity) return 1;
    size_t cap = b->capacity ? b->capacity : 256;
    while (cap < b->length + extra) {
        if (cap > SIZE_MAX / 2) return 0;
        cap *= 2;
    }
    uint8_t *p = realloc(b->bytes, cap);
    if (!p) return 0;
    b->bytes = p;
    b->capacity = cap;
    return 1;
}

int synod_buffer_append(synod_buffer *b, const void *bytes, size_t length) {
    if (!synod_buffer_reserve(b, length + 1)) return 0;
    if (length) memcpy(b->bytes + b->length, bytes, length);
    b->length += length;
    b->bytes[b->length] = 0;  // keeps text buffers NUL-terminated for C readers
    return 1;
}

void synod_buffer_set(synod_buffer *b, const void *bytes, size_t length) {
    b->length = 0;
    if (!synod_buffer_append(b, bytes, length)) b->length = 0;
}

static void buffer_free(synod_buffer *b) {
    free(b->bytes);
    b->bytes = NULL;
    b->length = b->capacity = 0;
}

static void set_message(synod_sandbox *S, const char *fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof text) n = sizeof text - 1;
    synod_buffer_set(&S->err_msg, text, (size_t)n);
}

/* ---------- memory ---------- */

// The allocator every Lua allocation goes through. When ptr is NULL, osize is a type
// tag rather than a size. Refusing returns NULL; Lua then collects and retries once,
// and finally raises a memory error the plugin may catch (its CPU budget still holds).
/* Large blocks (tensors, big strings) get two treatments. They are kept in a small
   per-sandbox cache when Lua frees them, so a loop of tensor operations reuses warm
   memory instead of paying mmap, page faults and munmap for every result; the cache is
   emptied after each operation, so an idle sandbox holds nothing extra. And fresh ones
   are asked for as transparent huge pages (fewer, cheaper page faults), as numpy does. */
#define LARGE_BLOCK (512 * 1024)
#define HUGE_BLOCK (4 * 1024 * 1024)

static void *large_alloc(size_t size) {
    if (size < HUGE_BLOCK) return malloc(size);
    size_t rounded = (size + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
    void *p = aligned_alloc(2u << 20, rounded);
    if (p) madvise(p, rounded, MADV_HUGEPAGE);
    return p;
}

static void *cache_take(synod_sandbox *S, size_t size) {
    // Most recently freed first: its memory is the warmest.
    for (int i = SYNOD_BLOCK_CACHE - 1; i >= 0; i--) {
        synod_cached_block *b = &S->cache[i];
        if (b->ptr && b->size >= size && b->size - size <= size / 8) {
            void *p = b->ptr;
            S->cached_bytes -= b->size;
            b->ptr = NULL;
            return p;
        }
    }
    return NULL;
}

static int cache_put(synod_sandbox *S, void *ptr, size_t size) {
    if (S->cached_bytes + size > S->mem_limit / 2) return 0;
    for (int i = 0; i < SYNOD_BLOCK_CACHE; i++) {
        if (!S->cache[i].ptr) {
            // Keep the order "most recent last" for cache_take.
            memmove(&S->cache[i], &S->cache[i + 1], (size_t)(SYNOD_BLOCK_CACHE - 1 - i) * sizeof S->cache[0]);
            S->cache[SYNOD_BLOCK_CACHE - 1] = (synod_cached_block){ptr, size};
            S->cached_bytes += size;
            return 1;
        }
    }
    return 0;
}

static void cache_clear(synod_sandbox *S) {
    // Runs after every operation, and the cache is usually empty: no calls to free(NULL).
    for (int i = 0; i < SYNOD_BLOCK_CACHE; i++)
        if (S->cache[i].ptr) {
            free(S->cache[i].ptr);
            S->cache[i].ptr = NULL;
        }
    S->cached_bytes = 0;
}

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    synod_sandbox *S = ud;
    if (ptr == NULL) osize = 0;
    if (nsize == 0) {
        if (!(osize >= LARGE_BLOCK && cache_put(S, ptr, osize))) free(ptr);
        S->mem_used -= osize;
        return NULL;
    }
    if (nsize > osize && S->mem_used + (nsize - osize) > S->mem_limit) {
        // Each refusal costs Lua a full emergency collection; charge it, so a loop that
        // catches memory errors runs out of instructions instead of hogging the CPU.
        S->mem_refused = 1;
        S->instr_used += 16 * SYNOD_HOOK_PERIOD;
        return NULL;
    }
    void *p = NULL;
    if (ptr == NULL && nsize >= LARGE_BLOCK) {
        S->large_allocated += nsize;
        p = cache_take(S, nsize);
        if (!p) p = large_alloc(nsize);
    } else {
        p = realloc(ptr, nsize);
    }
    if (p == NULL) {
        S->mem_refused = 1;
        return NULL;
    }
    S->mem_used = S->mem_used - osize + nsize;
    if (S->mem_used > S->mem_peak) S->mem_peak = S->mem_used;
    return p;
}

static int sandbox_panic(lua_State *L) {
    // Every entry is protected, so reaching here is a bug in Synod, never a plugin's doing.
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    fprintf(stderr, "synod: unprotected Lua error (bug in the sandbox host): %s\n", msg);
    abort();
}

/* ---------- budgets ---------- */

static void sandbox_hook(lua_State *L, lua_Debug *ar);

static const char *kill_reason(synod_sandbox *S, char *buf, size_t size) {
    switch (S->killed) {
    case SYNOD_ERR_INSTRUCTIONS:
        snprintf(buf, size,
                 "instruction limit exceeded: the call ran more than %llu instructions; "
                 "make the work smaller, move loops into tensor operations, or raise the limit",
                 (unsigned long long)S->instr_limit);
        break;
    case SYNOD_ERR_TIMEOUT:
        snprintf(buf, size,
                 "time limit exceeded: the call ran longer than %.3g s; "
                 "make the work smaller or raise the limit",
                 S->timeout);
        break;
    default:
        snprintf(buf, size, "interrupted: the host stopped this call");
        break;
    }
    return buf;
}

// Marks the operation killed and raises its error. Once killed, every later instruction
// in any thread fails too (the hook re-arms with count 1), so neither pcall loops nor
// error handlers can keep the plugin running.
static int raise_killed(lua_State *L, lua_Debug *ar) {
    synod_sandbox *S = synod_from_state(L);
    lua_sethook(L, sandbox_hook, LUA_MASKCOUNT, 1);
    char reason[300];
    kill_reason(S, reason, sizeof reason);
    if (ar != NULL && lua_getinfo(L, "Sl", ar) && ar->currentline > 0) {
        if (S->err_line == 0) {
            snprintf(S->err_chunk, sizeof S->err_chunk, "%s", ar->short_src);
            S->err_line = ar->currentline;
        }
        lua_pushfstring(L, "%s:%d: %s", ar->short_src, ar->currentline, reason);
    } else {
        luaL_where(L, 1);
        lua_pushstring(L, reason);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int over_budget(synod_sandbox *S) {
    if (S->killed) return 1;
    if (S->instr_limit && S->instr_used > S->instr_limit) {
        S->killed = SYNOD_ERR_INSTRUCTIONS;
    } else if (atomic_load_explicit(&S->interrupt, memory_order_relaxed)) {
        S->killed = SYNOD_ERR_INTERRUPTED;
    } else if (S->deadline_ns && synod_now_ns() > S->deadline_ns) {
        S->killed = SYNOD_ERR_TIMEOUT;
    }
    return S->killed != 0;
}

static void sandbox_hook(lua_State *L, lua_Debug *ar) {
    synod_sandbox *S = synod_from_state(L);
    if (!S->killed) {
        int count = lua_gethookcount(L);
        S->instr_used += (uint64_t)count;
        // A thread left at count 1 by an earlier kill goes back to the normal period.
        if (count != SYNOD_HOOK_PERIOD) lua_sethook(L, sandbox_hook, LUA_MASKCOUNT, SYNOD_HOOK_PERIOD);
        if ((S->hook_ticks++ & 3) == 0 && lua_getinfo(L, "Sl", ar) && ar->currentline > 0) {
            snprintf(S->sample_chunk, sizeof S->sample_chunk, "%s", ar->short_src);
            S->sample_line = ar->currentline;
        }
        if (!over_budget(S)) return;
    }
    raise_killed(L, ar);
}

void synod_charge_or_raise(lua_State *L, uint64_t n) {
    synod_sandbox *S = synod_from_state(L);
    S->instr_used += n;
    if (over_budget(S)) raise_killed(L, NULL);
}

int synod_charge(synod_sandbox *S, uint64_t instructions) {
    S->instr_used += instructions;
    return over_budget(S);
}

void synod_lua_charge(lua_State *L, uint64_t instructions) { synod_charge_or_raise(L, instructions); }

void synod_lua_prepare_large(lua_State *L, size_t bytes) {
    synod_sandbox *S = synod_from_state(L);
    if (bytes < LARGE_BLOCK) return;
    for (int i = 0; i < SYNOD_BLOCK_CACHE; i++) {
        synod_cached_block *b = &S->cache[i];
        if (b->ptr && b->size >= bytes && b->size - bytes <= bytes / 8) return;
    }
    // Only large blocks made since the last such collection can have died since: with
    // fewer bytes than this one, collecting could not provide a block of this size.
    if (S->large_allocated - S->large_at_collect < bytes) return;
    // No warm block: dead large objects are likely waiting for the collector (which would
    // let the heap double first). Collect now, so this allocation can reuse one of them.
    synod_charge_or_raise(L, 4096);
    lua_gc(L, LUA_GCCOLLECT);
    S->large_at_collect = S->large_allocated;
}

size_t synod_lua_memory_available(lua_State *L) {
    synod_sandbox *S = synod_from_state(L);
    return S->mem_used >= S->mem_limit ? 0 : S->mem_limit - S->mem_used;
}

int synod_lua_memory_error(lua_State *L, const char *fmt, ...) {
    synod_sandbox *S = synod_from_state(L);
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);  // full printf formats, unlike lua_pushfstring
    va_end(ap);
    luaL_where(L, 1);
    lua_pushstring(L, text);
    lua_concat(L, 2);
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    synod_buffer_set(&S->memory_msg, msg, len);
    return lua_error(L);
}

int synod_forbid(lua_State *L, const char *fmt, ...) {
    synod_sandbox *S = synod_from_state(L);
    va_list ap;
    luaL_where(L, 1);
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_concat(L, 2);
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    synod_buffer_set(&S->forbidden_msg, msg, len);
    return lua_error(L);
}

/* ---------- error capture ---------- */

// Message handler of every host entry. It must not fail, so it uses no Lua allocation:
// it records the first Lua frame's location and a short traceback in C buffers and
// returns the error object unchanged. It never runs plugin code (no __tostring).
static int message_handler(lua_State *L) {
    synod_sandbox *S = synod_from_state(L);
    lua_Debug ar;
    S->traceback.length = 0;
    int found = 0, shown = 0;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sln", &ar)) break;
        int is_lua = ar.currentline > 0;
        if (is_lua && !found && S->err_line == 0) {
            snprintf(S->err_chunk, sizeof S->err_chunk, "%s", ar.short_src);
            S->err_line = ar.currentline;
            found = 1;
        }
        if (!is_lua) continue;
        if (shown == 10) {
            synod_buffer_append(&S->traceback, "\n...", 4);
            break;
        }
        char line[400];
        int n;
        if (ar.name)
            n = snprintf(line, sizeof line, "%s%s:%d: in %s '%s'", shown ? "\n" : "", ar.short_src,
                         ar.currentline, *ar.namewhat ? ar.namewhat : "function", ar.name);
        else if (*ar.what == 'm')
            n = snprintf(line, sizeof line, "%s%s:%d: in main chunk", shown ? "\n" : "",
                         ar.short_src, ar.currentline);
        else
            n = snprintf(line, sizeof line, "%s%s:%d: in function <%s:%d>", shown ? "\n" : "",
                         ar.short_src, ar.currentline, ar.short_src, ar.linedefined);
        if (n > 0) synod_buffer_append(&S->traceback, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        shown++;
    }
    return 1;
}

static void capture_error_message(synod_sandbox *S, lua_State *L, int idx) {
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        synod_buffer_set(&S->err_msg, s, len);
        break;
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            set_message(S, "%lld", (long long)lua_tointeger(L, idx));
        else
            set_message(S, "%.14g", (double)lua_tonumber(L, idx));
        break;
    case LUA_TNIL:
        set_message(S, "error raised with a nil value (pass a message to error())");
        break;
    default:
        // Calling __tostring here would run plugin code outside any budget guarantee.
        set_message(S, "error object is a %s value (the host does not call its __tostring; "
                       "raise a string)", luaL_typename(L, idx));
        break;
    }
}

typedef struct operation {
    lua_CFunction body;
    void *args;
} operation;

static int run_body(lua_State *L) {
    operation *op = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_pushlightuserdata(L, op->args);
    return op->body(L);
}

// Runs `body` under lua_pcall with the message handler, fresh budgets and the current
// limits, then classifies the outcome. Nothing in here may raise.
static int run_protected(synod_sandbox *S, lua_CFunction body, void *args) {
    lua_State *L = S->L;
    if (S->in_operation) {
        set_message(S, "the sandbox is already running an operation (host functions must not "
                       "call back into their sandbox)");
        S->err_status = SYNOD_ERR_INTERNAL;
        return SYNOD_ERR_INTERNAL;
    }
    if (S->viewing) {
        set_message(S, "the sandbox's last results are being read in place; use the sandbox "
                       "again after the closure that reads them returns");
        S->err_status = SYNOD_ERR_INTERNAL;
        return SYNOD_ERR_INTERNAL;
    }
    S->in_operation = 1;
    S->killed = 0;
    S->instr_used = 0;
    S->mem_refused = 0;
    S->output_used = 0;
    S->output_truncated = 0;
    S->close_depth = 0;
    S->close_refused = 0;
    S->err_line = 0;
    S->err_chunk[0] = 0;
    S->sample_line = 0;
    S->hook_ticks = 0;
    S->err_msg.length = 0;
    S->traceback.length = 0;
    S->forbidden_msg.length = 0;
    S->memory_msg.length = 0;
    S->out.length = 0;
    S->deadline_ns = S->timeout > 0 ? synod_now_ns() + (uint64_t)(S->timeout * 1e9) : 0;
    lua_sethook(L, sandbox_hook, LUA_MASKCOUNT, SYNOD_HOOK_PERIOD);

    operation op = {body, args};
    int base = lua_gettop(L);
    int status;
    if (!lua_checkstack(L, 4)) {
        status = LUA_ERRMEM;
        lua_pushnil(L);
    } else {
        lua_pushcfunction(L, message_handler);
        lua_pushcfunction(L, run_body);
        lua_pushlightuserdata(L, &op);
        status = lua_pcall(L, 1, 0, base + 1);
    }

    int result;
    if (status == LUA_OK) {
        result = SYNOD_OK;
    } else if (S->killed) {
        result = S->killed;
        char reason[300];
        kill_reason(S, reason, sizeof reason);
        synod_buffer_set(&S->err_msg, reason, strlen(reason));
    } else {
        capture_error_message(S, L, -1);
        if (S->memory_msg.length && S->err_msg.length &&
            strstr((const char *)S->err_msg.bytes, (const char *)S->memory_msg.bytes)) {
            // A native library refused an allocation with its own, more precise message.
            result = SYNOD_ERR_MEMORY;
        } else if (status == LUA_ERRMEM || (S->mem_refused && S->err_msg.length &&
                                     strstr((const char *)S->err_msg.bytes, "not enough memory"))) {
            result = SYNOD_ERR_MEMORY;
            if (S->err_line == 0 && S->sample_line > 0) {
                memcpy(S->err_chunk, S->sample_chunk, sizeof S->err_chunk);
                S->err_line = S->sample_line;
            }
            set_message(S, "memory limit exceeded: the sandbox may use at most %zu bytes "
                           "(%.1f MiB); free tables you no longer need, or raise the limit",
                        S->mem_limit, (double)S->mem_limit / 1048576.0);
        } else if (S->forbidden_msg.length && S->err_msg.length &&
                   strstr((const char *)S->err_msg.bytes, (const char *)S->forbidden_msg.bytes)) {
            result = SYNOD_ERR_FORBIDDEN;
        } else {
            result = SYNOD_ERR_RUNTIME;
        }
    }
    lua_settop(L, base);
    cache_clear(S);
    S->err_status = result;
    if (result == SYNOD_OK) S->err_line = 0;
    atomic_store(&S->interrupt, 0);
    S->in_operation = 0;
    return result;
}

/* ---------- open / close ---------- */

typedef struct open_args {
    const char *prelude;
    size_t prelude_length;
    const synod_library *libraries;
    size_t library_count;
} open_args;

/* The prelude, compiled once per process. Parsing its source was most of the cost of a new
 * sandbox; loading the compiled chunk skips the parser. The chunk is dumped by this process
 * from the host's own source (never from a plugin: plugins may load text chunks only) and
 * keeps its debug information, so errors still name sandbox/prelude.lua and a line. It is
 * kept for the one source it was compiled from; another source compiles anew. */
static pthread_mutex_t prelude_lock = PTHREAD_MUTEX_INITIALIZER;
static synod_buffer prelude_source_seen;
static synod_buffer prelude_compiled;

static int dump_writer(lua_State *L, const void *p, size_t size, void *ud) {
    (void)L;
    return synod_buffer_append(ud, p, size) ? 0 : 1;
}

/* Pushes the prelude's main function: from the compiled copy when it is this source's. */
static void load_prelude(lua_State *L, const char *source, size_t length) {
    const char *name = "=sandbox/prelude.lua";
    pthread_mutex_lock(&prelude_lock);
    int cached = prelude_compiled.length > 0 && prelude_source_seen.length == length &&
                 memcmp(prelude_source_seen.bytes, source, length) == 0;
    int status;
    if (cached) {
        status = luaL_loadbufferx(L, (const char *)prelude_compiled.bytes, prelude_compiled.length,
                                  name, "b");
        pthread_mutex_unlock(&prelude_lock);
        if (status != LUA_OK) lua_error(L);
        return;
    }
    pthread_mutex_unlock(&prelude_lock);
    if (luaL_loadbufferx(L, source, length, name, "t") != LUA_OK) lua_error(L);
    synod_buffer compiled = {0};
    if (lua_dump(L, dump_writer, &compiled, 0) == 0 && compiled.length > 0) {
        pthread_mutex_lock(&prelude_lock);
        prelude_source_seen.length = 0;
        prelude_compiled.length = 0;
        if (!synod_buffer_append(&prelude_source_seen, source, length) ||
            !synod_buffer_append(&prelude_compiled, compiled.bytes, compiled.length)) {
            prelude_source_seen.length = 0;
            prelude_compiled.length = 0;
        }
        pthread_mutex_unlock(&prelude_lock);
    }
    free(compiled.bytes);
}

static int op_open(lua_State *L) {
    open_args *a = lua_touserdata(L, 1);
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},         {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_TABLIBNAME, luaopen_table},   {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math},   {LUA_UTF8LIBNAME, luaopen_utf8},
        {LUA_OSLIBNAME, luaopen_os},       {NULL, NULL},
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    // The prelude builds the plugin environment from the full libraries and the host's
    // wrappers; what it returns becomes the state's only globals table.
    load_prelude(L, a->prelude, a->prelude_length);
    lua_pushglobaltable(L);
    synod_push_host_table(L);
    lua_call(L, 2, 1);
    if (!lua_istable(L, -1)) return luaL_error(L, "sandbox/prelude.lua must return a table");
    for (size_t i = 0; i < a->library_count; i++) {
        lua_pushcfunction(L, a->libraries[i].open);
        lua_call(L, 0, 1);
        if (!lua_istable(L, -1))
            return luaL_error(L, "the native library '%s' did not return a table", a->libraries[i].name);
        lua_setfield(L, -2, a->libraries[i].name);
    }
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    // The thread that holds results read in place; nothing reachable from plugin code
    // leads to it.
    synod_sandbox *S = synod_from_state(L);
    S->R = lua_newthread(L);
    luaL_ref(L, LUA_REGISTRYINDEX);
    // The loaded-modules table still holds the full libraries (os, and the originals);
    // drop it so nothing reachable from the registry leads back to them.
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}

static void apply_limits(synod_sandbox *S, const synod_limits *limits) {
    S->mem_limit = limits->memory_bytes;
    S->instr_limit = limits->instructions;
    S->timeout = limits->timeout_seconds;
    S->max_depth = limits->max_value_depth ? limits->max_value_depth : 1;
    if (S->max_depth > 1000) S->max_depth = 1000;
    S->max_value_bytes = limits->max_value_bytes;
    S->output_limit = limits->max_output_bytes;
}

synod_sandbox *synod_open(const synod_limits *limits, const char *name, const char *prelude,
                          size_t prelude_length, const synod_library *libraries,
                          size_t library_count, void *host, synod_log_fn log,
                          synod_host_fn call) {
    synod_sandbox *S = calloc(1, sizeof *S);
    if (!S) return NULL;
    apply_limits(S, limits);
    snprintf(S->name, sizeof S->name, "%s", name ? name : "sandbox");
    S->host = host;
    S->log = log;
    S->call = call;
    atomic_init(&S->interrupt, 0);
    S->L = lua_newstate(sandbox_alloc, S);
    if (!S->L) {
        S->open_status = SYNOD_ERR_MEMORY;
        set_message(S, "could not create a Lua state within %zu bytes", S->mem_limit);
        return S;
    }
    *(synod_sandbox **)lua_getextraspace(S->L) = S;
    lua_atpanic(S->L, sandbox_panic);
    open_args a = {prelude, prelude_length, libraries, library_count};
    S->open_status = run_protected(S, op_open, &a);
    return S;
}

int synod_open_status(const synod_sandbox *S) { return S->open_status; }

void synod_close_state(synod_sandbox *S) {
    if (!S || !S->L) return;
    // No plugin code runs here: __gc is refused, and the main thread holds no pending
    // to-be-closed variables between operations.
    lua_close(S->L);
    S->L = NULL;
    S->R = NULL;
    S->viewing = 0;
    cache_clear(S);
    buffer_free(&S->out);
    buffer_free(&S->host_result);
    buffer_free(&S->scratch);
}

void synod_close(synod_sandbox *S) {
    if (!S) return;
    synod_close_state(S);
    buffer_free(&S->err_msg);
    buffer_free(&S->traceback);
    buffer_free(&S->forbidden_msg);
    buffer_free(&S->memory_msg);
    free(S->encoder);
    free(S->view_entries);
    free(S);
}

void synod_set_limits(synod_sandbox *S, const synod_limits *limits) { apply_limits(S, limits); }
void synod_interrupt(synod_sandbox *S) { atomic_store(&S->interrupt, 1); }
size_t synod_memory_used(const synod_sandbox *S) { return S->mem_used; }
size_t synod_memory_peak(const synod_sandbox *S) { return S->mem_peak; }
void synod_memory_peak_reset(synod_sandbox *S) { S->mem_peak = S->mem_used; }
uint64_t synod_instructions_used(const synod_sandbox *S) { return S->instr_used; }
void synod_describe_functions(synod_sandbox *S, int enabled) { S->describe_functions = enabled; }

const uint8_t *synod_output(const synod_sandbox *S, size_t *length) {
    *length = S->out.length;
    return S->out.bytes;
}

int synod_set_host_result(synod_sandbox *S, const uint8_t *bytes, size_t length) {
    S->host_result.length = 0;
    return synod_buffer_append(&S->host_result, bytes, length);
}

const char *synod_error_message(const synod_sandbox *S, size_t *length) {
    *length = S->err_msg.length;
    return S->err_msg.bytes ? (const char *)S->err_msg.bytes : "";
}
const char *synod_error_chunk(const synod_sandbox *S) { return S->err_chunk; }
int synod_error_line(const synod_sandbox *S) { return S->err_line; }
const char *synod_error_traceback(const synod_sandbox *S, size_t *length) {
    *length = S->traceback.length;
    return S->traceback.bytes ? (const char *)S->traceback.bytes : "";
}

/* ---------- operations ---------- */

typedef struct load_args {
    const char *source;
    size_t length;
    const char *chunkname;
    int ref;
    int syntax;
} load_args;

static int op_load(lua_State *L) {
    load_args *a = lua_touserdata(L, 1);
    if (a->length > 0 && a->source[0] == LUA_SIGNATURE[0])
        return synod_forbid(L, "%s: binary (precompiled) chunks are refused; load Lua source text",
                            a->chunkname + (a->chunkname[0] == '@' || a->chunkname[0] == '='));
    // The parser runs in C where no hook fires: charge its input up front.
    synod_charge_or_raise(L, a->length / 4);
    int status = luaL_loadbufferx(L, a->source, a->length, a->chunkname, "t");
    if (status != LUA_OK) {
        if (status == LUA_ERRSYNTAX) a->syntax = 1;
        return lua_error(L);
    }
    a->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int synod_load(synod_sandbox *S, const char *source, size_t length, const char *chunkname,
               int *out_ref) {
    load_args a = {source, length, chunkname, LUA_NOREF, 0};
    int status = run_protected(S, op_load, &a);
    if (status == SYNOD_ERR_RUNTIME && a.syntax) status = S->err_status = SYNOD_ERR_SYNTAX;
    *out_ref = status == SYNOD_OK ? a.ref : LUA_NOREF;
    return status;
}

typedef struct call_args {
    int ref;
    const char *global;
    const uint8_t *args;
    size_t length;
    int keep_ref;
    int out_ref;
    int value_status;
} call_args;

static void push_target(lua_State *L, int ref, const char *global) {
    if (global) {
        lua_getglobal(L, global);
    } else {
        lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    }
}

static int op_call(lua_State *L) {
    synod_sandbox *S = synod_from_state(L);
    call_args *a = lua_touserdata(L, 1);
    lua_settop(L, 0);
    push_target(L, a->ref, a->global);
    if (lua_isnil(L, 1)) {
        if (a->global) return luaL_error(L, "no global function '%s' is defined", a->global);
        return luaL_error(L, "attempt to call a released reference");
    }
    int nargs = synod_decode_list(L, a->args, a->length);
    lua_call(L, nargs, LUA_MULTRET);
    int nres = lua_gettop(L);
    if (a->keep_ref == SYNOD_RESULTS_KEEP_FIRST) {
        lua_settop(L, 1);
        a->out_ref = lua_isnil(L, 1) ? 0 : luaL_ref(L, LUA_REGISTRYINDEX);
    } else if (a->keep_ref == SYNOD_RESULTS_IN_PLACE) {
        if (!synod_view_begin(S, L, nres))
            return luaL_error(L, "not enough memory to keep the call's %d results", nres);
    } else {
        a->value_status = synod_encode_list(S, L, 1, nres, &S->out);
    }
    return 0;
}

static int finish_value_status(synod_sandbox *S, int status, int value_status) {
    if (status == SYNOD_OK && value_status != SYNOD_OK) {
        S->err_status = value_status;
        return value_status;
    }
    return status;
}

int synod_call(synod_sandbox *S, int ref, const char *global, const uint8_t *args,
               size_t length, int keep_ref, int *out_ref) {
    call_args a = {ref, global, args, length, keep_ref, 0, SYNOD_OK};
    int status = run_protected(S, op_call, &a);
    status = finish_value_status(S, status, a.value_status);
    if (out_ref) *out_ref = status == SYNOD_OK ? a.out_ref : 0;
    if (keep_ref == SYNOD_RESULTS_IN_PLACE && status == SYNOD_OK) S->viewing = 1;
    return status;
}

typedef struct get_args {
    int ref;
    const char *key;
    int keep_ref;
    int out_ref;
    int value_status;
} get_args;

static int op_get(lua_State *L) {
    synod_sandbox *S = synod_from_state(L);
    get_args *a = lua_touserdata(L, 1);
    lua_settop(L, 0);
    if (a->ref == 0) {
        lua_getglobal(L, a->key);
    } else {
        lua_rawgeti(L, LUA_REGISTRYINDEX, a->ref);
        if (!lua_istable(L, 1))
            return luaL_error(L, "cannot read field '%s' of a %s value", a->key, luaL_typename(L, 1));
        lua_getfield(L, 1, a->key);
        lua_remove(L, 1);
    }
    if (a->keep_ref) {
        a->out_ref = lua_isnil(L, 1) ? 0 : luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
        a->value_status = synod_encode_list(S, L, 1, 1, &S->out);
    }
    return 0;
}

int synod_get(synod_sandbox *S, int ref, const char *key, int keep_ref, int *out_ref) {
    get_args a = {ref, key, keep_ref, 0, SYNOD_OK};
    int status = run_protected(S, op_get, &a);
    status = finish_value_status(S, status, a.value_status);
    if (out_ref) *out_ref = status == SYNOD_OK ? a.out_ref : 0;
    return status;
}

typedef struct set_args {
    const char *name;
    const uint8_t *value;
    size_t length;
} set_args;

static int op_set_global(lua_State *L) {
    set_args *a = lua_touserdata(L, 1);
    lua_settop(L, 0);
    int n = synod_decode_list(L, a->value, a->length);
    if (n != 1) return luaL_error(L, "expected exactly one value, got %d", n);
    lua_setglobal(L, a->name);
    return 0;
}

int synod_set_global(synod_sandbox *S, const char *name, const uint8_t *value, size_t length) {
    set_args a = {name, value, length};
    return run_protected(S, op_set_global, &a);
}

typedef struct set_ref_args {
    const char *name;
    int ref;
} set_ref_args;

static int op_set_global_ref(lua_State *L) {
    set_ref_args *a = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->ref);
    lua_setglobal(L, a->name);
    return 0;
}

int synod_set_global_ref(synod_sandbox *S, const char *name, int ref) {
    set_ref_args a = {name, ref};
    return run_protected(S, op_set_global_ref, &a);
}

/* ---------- host functions ---------- */

static int host_trampoline(lua_State *L) {
    synod_sandbox *S = synod_from_state(L);
    int id = (int)lua_tointeger(L, lua_upvalueindex(1));
    if (S->in_host) return luaL_error(L, "host functions cannot be re-entered");
    int n = lua_gettop(L);
    // Room for number results pushed straight from the host (synod_host_result_integer).
    luaL_checkstack(L, SYNOD_HOST_DIRECT, "no stack room for a host function's results");
    // The host reads the arguments where they are (synod_host_argument), and has them
    // encoded only when it asks for whole values.
    S->host_L = L;
    S->host_args = n;
    S->host_encoded = 0;
    S->host_pushed = 0;
    S->host_buffered = 0;
    S->in_host = 1;
    S->host_result.length = 0;
    int rc = S->call(S->host, id, n, S);
    S->in_host = 0;
    if (rc != 0) {
        lua_pushlstring(L, (const char *)S->host_result.bytes, S->host_result.length);
        if (rc == 2) return synod_forbid(L, "%s", lua_tostring(L, -1));
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    // Host work may have been charged to the budget.
    synod_charge_or_raise(L, 0);
    // Numbers pushed straight, then whatever was buffered after them.
    int pushed = S->host_pushed;
    if (S->host_result.length == 0) return pushed;
    synod_host_results_seal(S);
    return pushed + synod_decode_list(L, S->host_result.bytes, S->host_result.length);
}

typedef struct register_args {
    const char *name;
    int id;
} register_args;

static int op_register(lua_State *L) {
    register_args *a = lua_touserdata(L, 1);
    lua_pushinteger(L, a->id);
    lua_pushcclosure(L, host_trampoline, 1);
    lua_setglobal(L, a->name);
    return 0;
}

int synod_register(synod_sandbox *S, const char *name, int function_id) {
    register_args a = {name, function_id};
    return run_protected(S, op_register, &a);
}

typedef struct unref_args {
    int ref;
} unref_args;

static int op_unref(lua_State *L) {
    unref_args *a = lua_touserdata(L, 1);
    luaL_unref(L, LUA_REGISTRYINDEX, a->ref);
    return 0;
}

void synod_unref(synod_sandbox *S, int ref) {
    if (ref <= 0 || !S->L) return;
    unref_args a = {ref};
    // Releasing is bookkeeping, not an operation the caller asked about: keep the
    // figures of the last real operation.
    uint64_t used = S->instr_used;
    run_protected(S, op_unref, &a);
    S->instr_used = used;
}
