// Sandboxed replacements for the standard functions a plugin may use. The prelude
// (sandbox/prelude.lua) receives them as the `host` table and builds the environment.
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ---------- tostring without addresses ---------- */

// Addresses help an attacker defeat ASLR; a keyed mix gives each object a stable,
// distinct identity without revealing where it lives.
static uint64_t mix_identity(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p ^ 0x9e3779b97f4a7c15ull;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

const char *synod_tolstring(lua_State *L, int idx, size_t *len) {
    idx = lua_absindex(L, idx);
    int t = lua_type(L, idx);
    int has_meta = luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL;
    if (has_meta) lua_pop(L, 1);
    if (has_meta || t == LUA_TNUMBER || t == LUA_TSTRING || t == LUA_TBOOLEAN || t == LUA_TNIL)
        return luaL_tolstring(L, idx, len);
    const char *kind = luaL_typename(L, idx);
    int named = luaL_getmetafield(L, idx, "__name") == LUA_TSTRING;
    if (named) kind = lua_tostring(L, -1);
    char text[128];
    snprintf(text, sizeof text, "%s: 0x%08llx", kind,
             (unsigned long long)(mix_identity(lua_topointer(L, idx)) & 0xffffffffffull));
    if (named) lua_pop(L, 1);
    lua_pushstring(L, text);
    return lua_tolstring(L, -1, len);
}

static int sb_tostring(lua_State *L) {
    luaL_checkany(L, 1);
    synod_tolstring(L, 1, NULL);
    return 1;
}

/* ---------- print / warn ---------- */

static void emit(lua_State *L, int level, const char *text, size_t len) {
    synod_sandbox *S = synod_from_state(L);
    if (!S->log) return;
    if (S->output_used >= S->output_limit) {
        if (!S->output_truncated) {
            S->output_truncated = 1;
            char note[160];
            int n = snprintf(note, sizeof note,
                             "[output truncated: more than %zu bytes printed in one call]",
                             S->output_limit);
            S->log(S->host, 2, note, (size_t)n);
        }
        return;
    }
    size_t room = S->output_limit - S->output_used;
    if (len > room) len = room;
    S->output_used += len;
    S->log(S->host, level, text, len);
}

static int sb_print(lua_State *L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = synod_tolstring(L, i, &len);
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_addlstring(&b, s, len);
        lua_pop(L, 1);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    emit(L, 0, s, len);
    return 0;
}

static int sb_warn(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checkstring(L, 1);
    for (int i = 2; i <= n; i++) luaL_checkstring(L, i);
    lua_concat(L, n);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len > 0 && s[0] == '@') return 0;  // control messages ("@on", "@off") are ignored
    emit(L, 1, s, len);
    return 0;
}

/* ---------- pcall / xpcall ---------- */

// After a kill, the error must keep propagating: re-raise instead of returning false.
static int finish_pcall(lua_State *L, int status, lua_KContext extra) {
    if (synod_from_state(L)->killed) return lua_error(L);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int sb_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
    return finish_pcall(L, status, 0);
}

// Wraps the plugin's message handler: after a kill the error came from the hook, where
// hooks are off, so the plugin's handler must not run at all (it could loop forever).
static int guarded_handler(lua_State *L) {
    if (synod_from_state(L)->killed) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sb_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);  // [f, handler, true, f, args...]
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
    return finish_pcall(L, status, 2);
}

/* ---------- load ---------- */

typedef struct reader_state {
    int first;
    int refused;  /* the reader raised a 'forbidden' error, which lua_load catches */
} reader_state;

// Reads pieces from the plugin's reader function, charging their length (the parser
// runs without hooks) and refusing a binary signature in the first piece.
static const char *budget_reader(lua_State *L, void *ud, size_t *size) {
    reader_state *r = ud;
    luaL_checkstack(L, 2, "too many nested functions");
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        *size = 0;
        return NULL;
    }
    if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
    lua_replace(L, 5);  // keeps the piece alive while the parser reads it
    const char *piece = lua_tolstring(L, 5, size);
    if (r->first && *size > 0 && piece[0] == LUA_SIGNATURE[0]) {
        r->refused = 1;
        synod_forbid(L, "load: binary (precompiled) chunks are refused in the sandbox");
    }
    if (*size > 0) r->first = 0;
    synod_charge_or_raise(L, *size / 4 + 1);
    return piece;
}

static int sb_load(lua_State *L) {
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    const char *mode = luaL_optstring(L, 3, "t");
    if (strchr(mode, 't') == NULL)
        return synod_forbid(L, "load: mode '%s' is refused; the sandbox loads text chunks only", mode);
    if (lua_gettop(L) >= 4) {
        lua_pushglobaltable(L);
        int same = lua_rawequal(L, 4, -1);
        lua_pop(L, 1);
        if (!same)
            return synod_forbid(L, "load: a custom environment is refused; chunks always run in "
                                   "the plugin's own environment");
    }
    int status;
    if (s != NULL) {
        const char *name = luaL_optstring(L, 2, s);
        if (len > 0 && s[0] == LUA_SIGNATURE[0])
            return synod_forbid(L, "load: binary (precompiled) chunks are refused in the sandbox");
        synod_charge_or_raise(L, len / 4 + 1);
        status = luaL_loadbufferx(L, s, len, name, "t");
    } else {
        const char *name = luaL_optstring(L, 2, "=(load)");
        luaL_checktype(L, 1, LUA_TFUNCTION);
        lua_settop(L, 5);  // slot 5 holds the current piece
        reader_state r = {1, 0};
        status = lua_load(L, budget_reader, &r, name, "t");
        if (r.refused) return lua_error(L);
    }
    if (synod_from_state(L)->killed) return lua_error(L);
    if (status == LUA_OK) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

/* ---------- metatables and the collector ---------- */

static int sb_setmetatable(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    int t = lua_type(L, 2);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int has_gc = lua_rawget(L, 2) != LUA_TNIL;
        lua_pop(L, 1);
        if (has_gc)
            return synod_forbid(L, "setmetatable: '__gc' finalizers are refused in the sandbox "
                                   "(they would run outside the instruction budget); release "
                                   "resources explicitly or with a to-be-closed variable");
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int sb_collectgarbage(lua_State *L) {
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return synod_forbid(L, "collectgarbage('%s') is refused in the sandbox; only "
                               "collectgarbage('count') is available", opt);
    int kb = lua_gc(L, LUA_GCCOUNT, 0);
    int b = lua_gc(L, LUA_GCCOUNTB, 0);
    lua_pushnumber(L, (lua_Number)kb + ((lua_Number)b / 1024));
    return 1;
}

/* ---------- coroutines ---------- */

// A coroutine can end with up to one hook period of uncounted instructions, so each
// creation is charged that much up front.
static int sb_charged_create(lua_State *L) {
    synod_charge_or_raise(L, SYNOD_HOOK_PERIOD);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sb_resume(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    // resume reports a killed coroutine as (false, err): the kill must not stop there.
    if (synod_from_state(L)->killed) return lua_error(L);
    return lua_gettop(L);
}

// Lua 5.4.4 overflows the C stack when coroutine.close runs __close handlers that close
// further coroutines in a long chain; bound the nesting.
static int refuse_close_chain(lua_State *L) {
    synod_from_state(L)->close_refused = 1;
    return synod_forbid(L, "coroutine.close nested more than %d deep (through __close handlers) "
                           "is refused in the sandbox", SYNOD_MAX_CLOSE_DEPTH);
}

static int sb_close(lua_State *L) {
    synod_sandbox *S = synod_from_state(L);
    if (S->close_depth >= SYNOD_MAX_CLOSE_DEPTH) return refuse_close_chain(L);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    S->close_depth++;
    int status = lua_pcall(L, n, LUA_MULTRET, 0);
    S->close_depth--;
    if (status != LUA_OK || S->killed) return lua_error(L);
    // close() reports a failing __close handler as (false, err); the refusal must not
    // stop there, or the chain would simply continue from the next link.
    if (S->close_refused) return refuse_close_chain(L);
    return lua_gettop(L);
}

/* ---------- string.format, table.sort ---------- */

// string.format would print addresses for %p and for %s of tables and functions.
static int sb_format(lua_State *L) {
    size_t len;
    const char *fmt = luaL_checklstring(L, 1, &len);
    const char *end = fmt + len;
    int arg = 1;
    for (const char *p = fmt; p < end; p++) {
        if (*p != '%') continue;
        if (++p >= end) break;
        if (*p == '%') continue;
        arg++;
        while (p < end && strchr("-+ #0123456789.", *p)) p++;
        if (p >= end) break;
        if (*p == 'p')
            return synod_forbid(L, "string.format: '%%p' (addresses) is refused in the sandbox");
        if (*p == 's' && arg <= lua_gettop(L)) {
            int t = lua_type(L, arg);
            if (t != LUA_TSTRING && t != LUA_TNUMBER) {
                synod_tolstring(L, arg, NULL);
                lua_replace(L, arg);
            }
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

// The default comparator runs in C without hooks: charge n log n comparisons first.
static int sb_sort(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    double n = (double)lua_rawlen(L, 1);
    if (n > 1) synod_charge_or_raise(L, (uint64_t)(n * log2(n)));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

/* ---------- forbidden names ---------- */

// __index of the environment (and of the library copies): a name listed in the
// upvalue table raises a 'forbidden' error that says why; any other name is nil.
static int forbidden_index(lua_State *L) {
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TSTRING) return 0;
    return synod_forbid(L, "'%s%s' is not available in the Synod sandbox: %s",
                        lua_tostring(L, lua_upvalueindex(2)), lua_tostring(L, 2),
                        lua_tostring(L, -1));
}

static int sb_forbidding(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *prefix = luaL_optstring(L, 2, "");
    lua_settop(L, 1);
    lua_pushstring(L, prefix);
    lua_pushcclosure(L, forbidden_index, 2);
    return 1;
}

/* ---------- errors located at the plugin's line ---------- */

// Calls the Lua function in upvalue 1 and prefixes an error message with the caller's
// location. Host checks written in Lua need this: `return subnet {...}` is a tail call,
// which erases the plugin's frame for a Lua callee, but a C function in tail position
// still sees it at level 1.
static int located_call(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    if (lua_pcall(L, n, LUA_MULTRET, 0) != LUA_OK) {
        if (!synod_from_state(L)->killed && lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return lua_gettop(L);
}

static int sb_located(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    lua_pushcclosure(L, located_call, 1);
    return 1;
}

/* ---------- the host table ---------- */

static void wrap_original(lua_State *L, const char *lib, const char *fn, lua_CFunction wrapper,
                          const char *as) {
    lua_getglobal(L, lib);
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, -2, as);
}

void synod_push_host_table(lua_State *L) {
    static const luaL_Reg plain[] = {
        {"tostring", sb_tostring},         {"print", sb_print},
        {"warn", sb_warn},                 {"pcall", sb_pcall},
        {"xpcall", sb_xpcall},             {"load", sb_load},
        {"setmetatable", sb_setmetatable}, {"collectgarbage", sb_collectgarbage},
        {"forbidding", sb_forbidding},     {"find", synod_str_find},
        {"match", synod_str_match},        {"gmatch", synod_str_gmatch},
        {"gsub", synod_str_gsub},          {"located", sb_located},
        {NULL, NULL},
    };
    lua_newtable(L);
    luaL_setfuncs(L, plain, 0);
    wrap_original(L, "coroutine", "create", sb_charged_create, "create");
    wrap_original(L, "coroutine", "wrap", sb_charged_create, "wrap");
    wrap_original(L, "coroutine", "resume", sb_resume, "resume");
    wrap_original(L, "coroutine", "close", sb_close, "close");
    wrap_original(L, "string", "format", sb_format, "format");
    wrap_original(L, "table", "sort", sb_sort, "sort");
}
