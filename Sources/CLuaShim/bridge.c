// The value bridge: Lua values <-> the tagged binary format read by Swift.
// Encoding never raises (it reports SYNOD_ERR_VALUE with a path to the bad value);
// decoding runs under lua_pcall and may raise memory errors.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct path_step {
    int is_index;        // array position, or a map key still on the Lua stack
    lua_Integer index;
    int key_slot;
} path_step;

// Reused for every encoding of a sandbox (allocated once: it is large). The path to the
// value being encoded is kept as cheap steps and only spelled out when encoding fails.
struct synod_encoder {
    synod_sandbox *S;
    lua_State *L;
    synod_buffer *out;
    const void *tables[1001];  // tables on the current path, for cycle detection
    path_step step[1001];
    uint32_t depth;            // depth of the value being encoded
    int root;                  // 0: a single value ("$"); n: the n-th of several ("$n")
    int failed;
};
typedef struct synod_encoder encoder;

static void spell_path(encoder *e, char *out, size_t size) {
    size_t len = (size_t)snprintf(out, size, e->root ? "$%d" : "$", e->root);
    for (uint32_t i = 0; i < e->depth && len < size; i++) {
        path_step *st = &e->step[i];
        lua_State *L = e->L;
        if (st->is_index)
            len += (size_t)snprintf(out + len, size - len, "[%lld]", (long long)st->index);
        else if (lua_type(L, st->key_slot) == LUA_TSTRING)
            len += (size_t)snprintf(out + len, size - len, ".%.60s", lua_tostring(L, st->key_slot));
        else if (lua_type(L, st->key_slot) == LUA_TNUMBER && lua_isinteger(L, st->key_slot))
            len += (size_t)snprintf(out + len, size - len, "[%lld]", (long long)lua_tointeger(L, st->key_slot));
        else
            len += (size_t)snprintf(out + len, size - len, "[%s]", luaL_typename(L, st->key_slot));
    }
}

static void fail(encoder *e, const char *fmt, const char *detail) {
    if (e->failed) return;
    e->failed = 1;
    char text[900], what[300], path[512];
    snprintf(what, sizeof what, fmt, detail ? detail : "");
    spell_path(e, path, sizeof path);
    snprintf(text, sizeof text, "%s (at %s)", what, path);
    synod_buffer_set(&e->S->err_msg, text, strlen(text));
}

static void put_slow(encoder *e, const void *bytes, size_t n) {
    if (e->failed) return;
    if (e->out->length + n > e->S->max_value_bytes) {
        char limit[64];
        snprintf(limit, sizeof limit, "%zu", e->S->max_value_bytes);
        fail(e, "value too large: more than %s bytes would cross into the host", limit);
        return;
    }
    if (!synod_buffer_reserve(e->out, n)) {
        fail(e, "out of memory while encoding a value%s", "");
        return;
    }
    memcpy(e->out->bytes + e->out->length, bytes, n);
    e->out->length += n;
}

// Fast path when the value fits in the buffer and under the size cap.
static inline void put(encoder *e, const void *bytes, size_t n) {
    synod_buffer *b = e->out;
    if (b->length + n <= b->capacity && b->length + n <= e->S->max_value_bytes && !e->failed) {
        memcpy(b->bytes + b->length, bytes, n);
        b->length += n;
        return;
    }
    put_slow(e, bytes, n);
}

static inline void store_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void store_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_u8(encoder *e, uint8_t v) { put(e, &v, 1); }
static inline void put_u32(encoder *e, uint32_t v) {
    uint8_t b[4];
    store_u32(b, v);
    put(e, b, 4);
}
static inline void put_u64(encoder *e, uint64_t v) {
    uint8_t b[8];
    store_u64(b, v);
    put(e, b, 8);
}
static void put_bytes(encoder *e, uint8_t tag, const char *s, size_t len) {
    if (len > UINT32_MAX) {
        fail(e, "string too long to cross into the host%s", "");
        return;
    }
    if (tag) put_u8(e, tag);
    put_u32(e, (uint32_t)len);
    put(e, s, len);
}

static void encode_value(encoder *e, int idx, uint32_t depth);

static void encode_table(encoder *e, int idx, uint32_t depth) {
    lua_State *L = e->L;
    const void *self = lua_topointer(L, idx);
    for (uint32_t i = 0; i < depth; i++)
        if (e->tables[i] == self) {
            fail(e, "cycle: a table contains itself%s", "");
            return;
        }
    if (depth >= e->S->max_depth) {
        char limit[32];
        snprintf(limit, sizeof limit, "%u", e->S->max_depth);
        fail(e, "value nested too deeply: more than %s levels", limit);
        return;
    }
    if (!lua_checkstack(L, 4)) {
        fail(e, "out of stack space while encoding a value%s", "");
        return;
    }
    e->tables[depth] = self;
    // An array is a table whose keys are exactly 1..n with n > 0: only then is a counting
    // pass needed. Other tables are encoded in one pass, the count patched afterwards.
    lua_Unsigned n = lua_rawlen(L, idx);
    lua_Unsigned count = 0;
    int array = n > 0;
    if (array) {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            count++;
            if (array && !(lua_type(L, -2) == LUA_TNUMBER && lua_isinteger(L, -2) &&
                           lua_tointeger(L, -2) >= 1 && (lua_Unsigned)lua_tointeger(L, -2) <= n))
                array = 0;
            lua_pop(L, 1);
        }
        if (count != n) array = 0;
    }
    if (array) {
        put_u8(e, SYNOD_TAG_ARRAY);
        put_u32(e, (uint32_t)n);
        for (lua_Unsigned i = 1; i <= n && !e->failed; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i);
            e->step[depth] = (path_step){1, (lua_Integer)i, 0};
            encode_value(e, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
        }
        return;
    }
    put_u8(e, SYNOD_TAG_MAP);
    size_t count_at = e->out->length;
    put_u32(e, 0);
    count = 0;
    lua_pushnil(L);
    while (!e->failed && lua_next(L, idx)) {
        if (++count > UINT32_MAX) {
            fail(e, "table too large to cross into the host%s", "");
            break;
        }
        int key = lua_gettop(L) - 1;
        e->step[depth] = (path_step){0, 0, key};
        e->depth = depth + 1;
        int kt = lua_type(L, key);
        if (kt == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, key, &len);
            put_bytes(e, 0, s, len);
        } else if (kt == LUA_TNUMBER && lua_isinteger(L, key)) {
            char digits[32];
            int len = snprintf(digits, sizeof digits, "%lld", (long long)lua_tointeger(L, key));
            put_bytes(e, 0, digits, (size_t)len);
        } else {
            fail(e, "a table key of type %s cannot cross into the host (use string or integer keys)",
                 luaL_typename(L, key));
        }
        encode_value(e, key + 1, depth + 1);
        lua_pop(L, 1);
    }
    if (!e->failed) {
        uint8_t *c = e->out->bytes + count_at;
        c[0] = count & 0xff, c[1] = (count >> 8) & 0xff, c[2] = (count >> 16) & 0xff, c[3] = (count >> 24) & 0xff;
    }
}

static void encode_value(encoder *e, int idx, uint32_t depth) {
    lua_State *L = e->L;
    if (e->failed) return;
    e->depth = depth;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: put_u8(e, SYNOD_TAG_NIL); break;
    case LUA_TBOOLEAN: put_u8(e, lua_toboolean(L, idx) ? SYNOD_TAG_TRUE : SYNOD_TAG_FALSE); break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            put_u8(e, SYNOD_TAG_INTEGER);
            put_u64(e, (uint64_t)lua_tointeger(L, idx));
        } else {
            double d = (double)lua_tonumber(L, idx);
            uint64_t bits;
            memcpy(&bits, &d, 8);
            put_u8(e, SYNOD_TAG_NUMBER);
            put_u64(e, bits);
        }
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        put_bytes(e, SYNOD_TAG_STRING, s, len);
        break;
    }
    case LUA_TTABLE: encode_table(e, idx, depth); break;
    case LUA_TFUNCTION:
        if (e->S->describe_functions) {
            lua_Debug ar;
            char text[300];
            lua_pushvalue(L, idx);
            lua_getinfo(L, ">S", &ar);
            if (ar.linedefined > 0)
                snprintf(text, sizeof text, "function: %s:%d", ar.short_src, ar.linedefined);
            else
                snprintf(text, sizeof text, "function: builtin");
            put_bytes(e, SYNOD_TAG_FUNCTION, text, strlen(text));
            break;
        }
        fail(e, "a function cannot cross into the host%s", "");
        break;
    default:
        fail(e, "a %s value cannot cross into the host", luaL_typename(L, idx));
        break;
    }
}

/* A short list of nil, booleans and numbers only — most host-function arguments, many
 * results — written straight out without the encoder's path bookkeeping, in the same
 * bytes. 0 (nothing written) when a value is anything else: the encoder then runs. */
static int encode_scalars(synod_sandbox *S, lua_State *L, int first, int count, synod_buffer *b) {
    if (count < 0 || count > 16) return 0;
    size_t need = 4 + 9 * (size_t)count;
    if (need > S->max_value_bytes || !synod_buffer_reserve(b, need)) return 0;
    uint8_t *p = b->bytes;
    store_u32(p, (uint32_t)count);
    size_t at = 4;
    for (int i = first; i < first + count; i++) {
        // Integers first, the commonest argument: two calls into Lua instead of three.
        if (lua_isinteger(L, i)) {
            p[at] = SYNOD_TAG_INTEGER;
            store_u64(p + at + 1, (uint64_t)lua_tointeger(L, i));
            at += 9;
            continue;
        }
        switch (lua_type(L, i)) {
        case LUA_TNIL: p[at++] = SYNOD_TAG_NIL; break;
        case LUA_TBOOLEAN: p[at++] = lua_toboolean(L, i) ? SYNOD_TAG_TRUE : SYNOD_TAG_FALSE; break;
        case LUA_TNUMBER: {
            double d = (double)lua_tonumber(L, i);
            uint64_t bits;
            memcpy(&bits, &d, 8);
            p[at] = SYNOD_TAG_NUMBER;
            store_u64(p + at + 1, bits);
            at += 9;
            break;
        }
        default: return 0;
        }
    }
    b->length = at;
    return 1;
}

int synod_encode_list(synod_sandbox *S, lua_State *L, int first, int count, synod_buffer *b) {
    b->length = 0;
    if (encode_scalars(S, L, first, count, b)) return SYNOD_OK;
    if (!S->encoder && !(S->encoder = malloc(sizeof(encoder)))) {
        synod_buffer_set(&S->err_msg, "out of memory while encoding a value", 36);
        return SYNOD_ERR_VALUE;
    }
    encoder *e = S->encoder;
    e->S = S;
    e->L = L;
    e->out = b;
    e->failed = 0;
    e->depth = 0;
    e->root = 0;
    put_u32(e, (uint32_t)count);
    int top = lua_gettop(L);
    for (int i = 0; i < count && !e->failed; i++) {
        e->root = count > 1 ? i + 1 : 0;  // several results: "$2" is the second
        encode_value(e, first + i, 0);
    }
    lua_settop(L, top);
    return e->failed ? SYNOD_ERR_VALUE : SYNOD_OK;
}

/* ---------- decoding ---------- */

typedef struct decoder {
    lua_State *L;
    const uint8_t *p, *end;
} decoder;

static void need(decoder *d, size_t n) {
    if ((size_t)(d->end - d->p) < n) luaL_error(d->L, "malformed value from the host (truncated)");
}
static uint32_t get_u32(decoder *d) {
    need(d, 4);
    uint32_t v = (uint32_t)d->p[0] | (uint32_t)d->p[1] << 8 | (uint32_t)d->p[2] << 16 |
                 (uint32_t)d->p[3] << 24;
    d->p += 4;
    return v;
}
static uint64_t get_u64(decoder *d) {
    need(d, 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)d->p[i] << (8 * i);
    d->p += 8;
    return v;
}

static void decode_value(decoder *d, int depth) {
    lua_State *L = d->L;
    if (depth > 1000) luaL_error(L, "value from the host nested too deeply");
    // A value takes one slot, which its caller made sure of (the list's count, or the three
    // a table reserves for itself, a key and a value): only tables ask for more.
    need(d, 1);
    uint8_t tag = *d->p++;
    switch (tag) {
    case SYNOD_TAG_NIL: lua_pushnil(L); break;
    case SYNOD_TAG_FALSE: lua_pushboolean(L, 0); break;
    case SYNOD_TAG_TRUE: lua_pushboolean(L, 1); break;
    case SYNOD_TAG_INTEGER: lua_pushinteger(L, (lua_Integer)get_u64(d)); break;
    case SYNOD_TAG_NUMBER: {
        uint64_t bits = get_u64(d);
        double v;
        memcpy(&v, &bits, 8);
        lua_pushnumber(L, (lua_Number)v);
        break;
    }
    case SYNOD_TAG_STRING:
    case SYNOD_TAG_FUNCTION: {
        uint32_t len = get_u32(d);
        need(d, len);
        lua_pushlstring(L, (const char *)d->p, len);
        d->p += len;
        break;
    }
    case SYNOD_TAG_ARRAY: {
        uint32_t n = get_u32(d);
        luaL_checkstack(L, 3, "value from the host nested too deeply");
        lua_createtable(L, n > 1u << 20 ? 1 << 20 : (int)n, 0);
        for (uint32_t i = 1; i <= n; i++) {
            decode_value(d, depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i);
        }
        break;
    }
    case SYNOD_TAG_MAP: {
        uint32_t n = get_u32(d);
        luaL_checkstack(L, 3, "value from the host nested too deeply");
        lua_createtable(L, 0, n > 1u << 20 ? 1 << 20 : (int)n);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t len = get_u32(d);
            need(d, len);
            lua_pushlstring(L, (const char *)d->p, len);
            d->p += len;
            decode_value(d, depth + 1);
            lua_rawset(L, -3);
        }
        break;
    }
    default: luaL_error(L, "malformed value from the host (tag %d)", tag);
    }
}

int synod_decode_list(lua_State *L, const uint8_t *bytes, size_t length) {
    if (bytes == NULL || length == 0) return 0;
    decoder d = {L, bytes, bytes + length};
    uint32_t n = get_u32(&d);
    luaL_checkstack(L, n > 200 ? 200 : (int)n + 1, "too many values from the host");
    for (uint32_t i = 0; i < n; i++) {
        if (i >= 200) luaL_checkstack(L, 1, "too many values from the host");
        decode_value(&d, 0);
    }
    return (int)n;
}

/* ---------- host-function results, written in place ---------- */

// A count (patched at the end) and the values in the bridge's format: what a host function
// hands back, written straight into the sandbox's result buffer.
static uint8_t *host_result_room(synod_sandbox *S, size_t n) {
    synod_buffer *b = &S->host_result;
    if (S->host_buffered == UINT32_MAX) return NULL;  // the format's count is 32 bits
    if (b->length == 0) {
        if (n > SIZE_MAX - 4 || !synod_buffer_reserve(b, 4 + n)) return NULL;
        memset(b->bytes, 0, 4);
        b->length = 4;
    } else if (!synod_buffer_reserve(b, n)) {
        return NULL;
    }
    uint8_t *p = b->bytes + b->length;
    b->length += n;
    S->host_buffered++;
    return p;
}

// A number result goes straight onto the calling Lua stack while nothing is buffered ahead
// of it (keeping the results' order) and the room the trampoline made lasts: pushing a
// number allocates nothing, so it cannot raise.
static int push_direct(synod_sandbox *S) {
    return S->in_host && S->host_result.length == 0 && S->host_pushed < SYNOD_HOST_DIRECT;
}

int synod_host_result_integer(synod_sandbox *S, int64_t value) {
    if (push_direct(S)) {
        lua_pushinteger(S->host_L, value);
        S->host_pushed++;
        return 1;
    }
    uint8_t *p = host_result_room(S, 9);
    if (!p) return 0;
    p[0] = SYNOD_TAG_INTEGER;
    store_u64(p + 1, (uint64_t)value);
    return 1;
}

int synod_host_result_number(synod_sandbox *S, double value) {
    if (push_direct(S)) {
        lua_pushnumber(S->host_L, value);
        S->host_pushed++;
        return 1;
    }
    uint8_t *p = host_result_room(S, 9);
    if (!p) return 0;
    uint64_t bits;
    memcpy(&bits, &value, 8);
    p[0] = SYNOD_TAG_NUMBER;
    store_u64(p + 1, bits);
    return 1;
}

int synod_host_result_encoded(synod_sandbox *S, const uint8_t *bytes, size_t length) {
    uint8_t *p = host_result_room(S, length);
    if (!p) return 0;
    if (length) memcpy(p, bytes, length);
    return 1;
}

void synod_host_results_seal(synod_sandbox *S) {
    if (S->host_result.length >= 4) store_u32(S->host_result.bytes, S->host_buffered);
}

int synod_host_argument(synod_sandbox *S, int index, synod_view_item *out) {
    if (!S->in_host || index < 0 || index >= S->host_args) {
        memset(out, 0, sizeof *out);
        out->type = LUA_TNONE;
        return 0;
    }
    synod_describe(S->host_L, index + 1, out);
    return 1;
}

int synod_host_integer(synod_sandbox *S, int index, int64_t *out) {
    if (!S->in_host || index < 0 || index >= S->host_args || !lua_isinteger(S->host_L, index + 1)) return 0;
    *out = lua_tointeger(S->host_L, index + 1);
    return 1;
}

int synod_host_encode_arguments(synod_sandbox *S, const uint8_t **bytes, size_t *length) {
    if (!S->in_host) return SYNOD_ERR_INTERNAL;
    if (!S->host_encoded) {
        if (synod_encode_list(S, S->host_L, 1, S->host_args, &S->scratch) != SYNOD_OK) return SYNOD_ERR_VALUE;
        S->host_encoded = 1;
    }
    *bytes = S->scratch.bytes;
    *length = S->scratch.length;
    return SYNOD_OK;
}
