// Results read in place: after `synod_call` with SYNOD_RESULTS_IN_PLACE the call's results
// sit on the stack of a thread of their own (S->R), and the host reads the fields it wants
// instead of having every result encoded.
//
// These functions run outside any lua_pcall (the host calls them between operations), so
// they use only API functions that cannot raise: lua_type, lua_to* on values of the right
// type (lua_tolstring on strings only, which converts nothing), lua_rawlen, lua_rawgeti,
// lua_next over keys it returned itself, lua_rawequal, lua_rotate and lua_settop on plain
// values, and lua_checkstack, which reports a failed allocation instead of raising (and
// neither runs plugin code: __gc is refused in a sandbox). No plugin code runs while the
// host reads, so the tables read cannot change under it, and everything read stays
// reachable from the results until `synod_view_end`.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { KIND_UNKNOWN = 0, KIND_ARRAY = 1, KIND_MAP = 2 };

// The tables read so far, by address: the slot that holds each, and whether it crosses as
// an array once that is known. Open addressing; an entry of an earlier call (an older
// generation) counts as empty, so beginning a call clears nothing.
struct synod_view_entry {
    const void *table;
    uint32_t generation;
    int slot;
    int kind;
};

static size_t hash_of(const void *p, size_t capacity) {
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (capacity - 1);
}

// The entry for `table`, or NULL when it has none.
static struct synod_view_entry *entry_of(synod_sandbox *S, const void *table) {
    if (!S->view_entries) return NULL;
    for (size_t i = hash_of(table, S->view_capacity);; i = (i + 1) & (S->view_capacity - 1)) {
        struct synod_view_entry *e = &S->view_entries[i];
        if (e->generation != S->view_generation) return NULL;
        if (e->table == table) return e;
    }
}

// A new entry for `table` (which has none), or NULL when the map cannot grow: the caller
// then does without (a slot more, a classification again), still reading right values.
static struct synod_view_entry *add_entry(synod_sandbox *S, const void *table, int slot) {
    if ((S->view_used + 1) * 2 > S->view_capacity) {
        size_t capacity = S->view_capacity ? S->view_capacity * 2 : 64;
        struct synod_view_entry *grown = calloc(capacity, sizeof *grown);
        if (!grown) return NULL;
        struct synod_view_entry *old = S->view_entries;
        size_t old_capacity = S->view_capacity;
        S->view_entries = grown;
        S->view_capacity = capacity;
        for (size_t i = 0; i < old_capacity; i++)
            if (old[i].generation == S->view_generation) {
                size_t j = hash_of(old[i].table, capacity);
                while (grown[j].generation == S->view_generation) j = (j + 1) & (capacity - 1);
                grown[j] = old[i];
            }
        free(old);
    }
    size_t i = hash_of(table, S->view_capacity);
    while (S->view_entries[i].generation == S->view_generation) i = (i + 1) & (S->view_capacity - 1);
    S->view_entries[i] = (struct synod_view_entry){table, S->view_generation, slot, KIND_UNKNOWN};
    S->view_used++;
    return &S->view_entries[i];
}

int synod_view_begin(synod_sandbox *S, lua_State *L, int count) {
    lua_State *R = S->R;
    lua_settop(R, 0);
    if (!lua_checkstack(R, count + 8)) return 0;
    lua_xmove(L, R, count);
    S->view_count = count;
    S->view_failed = 0;
    S->view_used = 0;
    if (++S->view_generation == 0) {  // wrapped: entries stamped 0 long ago would look new
        if (S->view_entries) memset(S->view_entries, 0, S->view_capacity * sizeof *S->view_entries);
        S->view_generation = 1;
    }
    return 1;
}

void synod_view_end(synod_sandbox *S) {
    if (!S->viewing) return;
    S->viewing = 0;
    S->view_count = 0;
    if (S->L) lua_settop(S->R, 0);
}

int synod_view_count(const synod_sandbox *S) { return S->viewing ? S->view_count : 0; }
int synod_view_failed(const synod_sandbox *S) { return S->view_failed; }

static int failed(synod_sandbox *S) {
    S->view_failed = 1;
    return 0;
}

// Whether the table at `slot` crosses as an array: keys exactly 1..n with n > 0, as the
// encoder decides (bridge.c). Remembered: reading an array element by element classifies
// it once.
static int is_array(synod_sandbox *S, int slot) {
    lua_State *R = S->R;
    const void *table = lua_topointer(R, slot);
    struct synod_view_entry *e = entry_of(S, table);
    if (e && e->kind != KIND_UNKNOWN) return e->kind == KIND_ARRAY;
    lua_Unsigned n = lua_rawlen(R, slot);
    int array = n > 0;
    if (array) {
        lua_Unsigned count = 0;
        lua_pushnil(R);
        while (lua_next(R, slot)) {
            count++;
            if (array && !(lua_type(R, -2) == LUA_TNUMBER && lua_isinteger(R, -2) && lua_tointeger(R, -2) >= 1 &&
                           (lua_Unsigned)lua_tointeger(R, -2) <= n))
                array = 0;
            lua_pop(R, 1);
        }
        if (count != n) array = 0;
    }
    if (!e) e = add_entry(S, table, slot);
    if (e) e->kind = array ? KIND_ARRAY : KIND_MAP;
    return array;
}

static int is_table(synod_sandbox *S, int slot) {
    return S->viewing && slot >= 1 && slot <= lua_gettop(S->R) && lua_type(S->R, slot) == LUA_TTABLE;
}

void synod_describe(lua_State *R, int idx, synod_view_item *out) {
    // An integer, the commonest value read, with two calls into Lua.
    if (lua_isinteger(R, idx)) {
        *out = (synod_view_item){.type = LUA_TNUMBER, .is_integer = 1, .integer = lua_tointeger(R, idx)};
        return;
    }
    memset(out, 0, sizeof *out);
    out->type = lua_type(R, idx);
    switch (out->type) {
    case LUA_TBOOLEAN: out->integer = lua_toboolean(R, idx); break;
    case LUA_TNUMBER: out->number = lua_tonumber(R, idx); break;
    case LUA_TSTRING: out->bytes = lua_tolstring(R, idx, &out->length); break;
    case LUA_TNIL: break;
    default: out->slot = idx; break;
    }
}

// Describes the value on top of the stack and pops it, unless it is a table (or another
// value that needs a slot to be read further or encoded): that stays, or gives way to the
// slot that already holds it, so reading one table again and again takes one slot. A
// string's bytes stay valid once popped: its table still holds it.
static int take_top(synod_sandbox *S, synod_view_item *out) {
    lua_State *R = S->R;
    int top = lua_gettop(R);
    synod_describe(R, top, out);
    if (out->slot == 0) {
        lua_pop(R, 1);
        return 1;
    }
    const void *p = lua_topointer(R, top);
    struct synod_view_entry *e = entry_of(S, p);
    if (e && e->slot > 0) {
        lua_pop(R, 1);
        out->slot = e->slot;
        return 1;
    }
    if (e)
        e->slot = top;
    else
        add_entry(S, p, top);
    return 1;
}

int synod_view_result(synod_sandbox *S, int index, synod_view_item *out) {
    memset(out, 0, sizeof *out);
    out->type = LUA_TNONE;
    if (!S->viewing || index < 0 || index >= S->view_count) return 0;
    synod_describe(S->R, index + 1, out);
    return 1;
}

int synod_view_field(synod_sandbox *S, int slot, const char *key, size_t length, synod_view_item *out) {
    memset(out, 0, sizeof *out);
    out->type = LUA_TNONE;
    if (!is_table(S, slot)) return 0;
    lua_State *R = S->R;
    if (!lua_checkstack(R, 6)) return failed(S);
    lua_pushnil(R);
    while (lua_next(R, slot)) {
        int kt = lua_type(R, -2);
        int match = 0;
        if (kt == LUA_TSTRING) {
            size_t n;
            const char *s = lua_tolstring(R, -2, &n);
            match = n == length && memcmp(s, key, length) == 0;
        } else if (kt == LUA_TNUMBER && lua_isinteger(R, -2)) {
            // Integer keys of a map cross as their decimal text.
            char digits[32];
            int n = snprintf(digits, sizeof digits, "%lld", (long long)lua_tointeger(R, -2));
            match = n > 0 && (size_t)n == length && memcmp(digits, key, length) == 0;
        }
        if (match) {
            // A string key makes a map; an integer one may belong to an array, which has
            // elements, not fields.
            if (kt != LUA_TSTRING && is_array(S, slot)) {
                lua_pop(R, 2);
                return 0;
            }
            // A scalar is read where it is, and goes with its key; a table takes the key's
            // place (then the key goes) to be kept. A string popped here stays alive: the
            // table, kept in its slot, still holds it, and nothing changes the table or runs
            // Lua code while results are read.
            int top = lua_gettop(R);
            synod_describe(R, top, out);
            if (out->slot == 0) {
                lua_settop(R, top - 2);
                return 1;
            }
            lua_rotate(R, -2, 1);
            lua_pop(R, 1);
            return take_top(S, out);
        }
        lua_pop(R, 1);
    }
    return 0;
}

int synod_view_element(synod_sandbox *S, int slot, int64_t index, synod_view_item *out) {
    memset(out, 0, sizeof *out);
    out->type = LUA_TNONE;
    if (!is_table(S, slot) || index < 0) return 0;
    lua_State *R = S->R;
    if (!lua_checkstack(R, 6)) return failed(S);
    if (!is_array(S, slot) || (lua_Unsigned)index >= lua_rawlen(R, slot)) return 0;
    lua_rawgeti(R, slot, (lua_Integer)index + 1);
    return take_top(S, out);
}

int synod_view_encode(synod_sandbox *S, int slot) {
    if (!S->viewing || slot < 1 || slot > lua_gettop(S->R)) {
        synod_buffer_set(&S->err_msg, "no value to read in place", 25);
        return SYNOD_ERR_INTERNAL;
    }
    int status = synod_encode_list(S, S->R, slot, 1, &S->out);
    if (status != SYNOD_OK) S->err_status = status;
    return status;
}
