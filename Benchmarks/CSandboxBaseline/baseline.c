#include "CSandboxBaseline.h"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <stdlib.h>

static const char *baseline_source =
    "function pair(a, b) return { sum = a + b, prod = a * b } end\n"
    "function call_host(n) local s = 0 for i = 1, n do s = s + host_add(i, 2) end return s end\n"
    "function spin(n) local s = 0 for i = 1, n do s = s + i % 7 end return s end\n";

static int host_add(lua_State *L) {
    lua_pushinteger(L, luaL_checkinteger(L, 1) + luaL_checkinteger(L, 2));
    return 1;
}

void *baseline_open(void) {
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_register(L, "host_add", host_add);
    if (luaL_dostring(L, baseline_source) != LUA_OK) abort();
    return L;
}

void baseline_close(void *state) { lua_close(state); }

int64_t baseline_call_roundtrip(void *state, int n) {
    lua_State *L = state;
    int64_t check = 0;
    for (int i = 0; i < n; i++) {
        lua_getglobal(L, "pair");
        lua_pushinteger(L, i);
        lua_pushinteger(L, 3);
        if (lua_pcall(L, 2, 1, 0) != LUA_OK) abort();
        lua_getfield(L, -1, "sum");
        lua_getfield(L, -2, "prod");
        check += lua_tointeger(L, -2) + lua_tointeger(L, -1);
        lua_pop(L, 3);
    }
    return check;
}

static int64_t call_loop(lua_State *L, const char *fn, int n) {
    lua_getglobal(L, fn);
    lua_pushinteger(L, n);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) abort();
    int64_t r = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return r;
}

int64_t baseline_host_calls(void *state, int n) { return call_loop(state, "call_host", n); }
int64_t baseline_spin(void *state, int n) { return call_loop(state, "spin", n); }

static void open_safe(lua_State *L) {
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},
        {LUA_OSLIBNAME, luaopen_os},     {NULL, NULL},
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
}

void baseline_create_close(void) {
    lua_State *L = luaL_newstate();
    open_safe(L);
    lua_close(L);
}

static size_t counted;
static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    if (ptr == NULL) osize = 0;
    counted = counted - osize + nsize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

size_t baseline_idle_bytes(void) {
    counted = 0;
    lua_State *L = lua_newstate(counting_alloc, NULL);
    open_safe(L);
    lua_gc(L, LUA_GCCOLLECT);
    size_t bytes = counted;
    lua_close(L);
    return bytes;
}

const char *baseline_lua_source(void) { return baseline_source; }
