// The Lua binding of Synod's tensors. Model: Torch7's Tensor, kept small. Indices are
// 1-based like Lua. Errors are raised here, in C, with the plugin's line.
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>

#include "CLuaShim.h"
#include "CTensor.h"
#include "CTensorLua.h"

#define TENSOR "synod.tensor"
/// Largest tensor: indices returned as floats stay exact (2^24), and 64 MiB of data.
#define MAX_ELEMENTS ((int64_t)1 << 24)

typedef struct tensor {
    int64_t rows;    // vectors: the length
    int64_t cols;    // vectors: 0
    int64_t matrix;  // 1 for a matrix (which may have 0 rows or 0 columns), 0 for a vector
    float data[];
} tensor;

// lua_pushfstring knows only a few formats (no %lld, %g, %.1f): format here, raise there.
static int fail(lua_State *L, const char *fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return luaL_error(L, "%s", text);
}

static inline int64_t numel(const tensor *t) { return t->matrix ? t->rows * t->cols : t->rows; }
static inline int is_matrix(const tensor *t) { return t->matrix != 0; }

static void charge(lua_State *L, int64_t elements) { synod_lua_charge(L, (uint64_t)(elements / 8 + 1)); }

static const char *shape_text(const tensor *t, char *buf, size_t size) {
    if (is_matrix(t))
        snprintf(buf, size, "(%lld×%lld)", (long long)t->rows, (long long)t->cols);
    else
        snprintf(buf, size, "(%lld)", (long long)t->rows);
    return buf;
}

static tensor *check(lua_State *L, int idx) { return luaL_checkudata(L, idx, TENSOR); }
static tensor *test(lua_State *L, int idx) { return luaL_testudata(L, idx, TENSOR); }

// Every tensor a plugin can make passes here. Each dimension is bounded before the
// product is formed (2^24 × 2^24 fits in 63 bits), so no shape can wrap around to a small
// allocation with large bounds. The data is fully written by every caller before Lua
// sees the tensor.
static tensor *push_shaped(lua_State *L, int64_t rows, int64_t cols, int matrix) {
    if (rows < 0 || cols < 0) fail(L, "tensor sizes must not be negative");
    if (rows > MAX_ELEMENTS || cols > MAX_ELEMENTS)
        fail(L, "tensor of %lld×%lld elements is too large (at most %lld)", (long long)rows,
             (long long)(matrix ? cols : 1), (long long)MAX_ELEMENTS);
    int64_t n = matrix ? rows * cols : rows;
    if (n > MAX_ELEMENTS)
        fail(L, "tensor of %lld elements is too large (at most %lld)", (long long)n, (long long)MAX_ELEMENTS);
    size_t bytes = sizeof(tensor) + (size_t)n * sizeof(float);
    synod_lua_prepare_large(L, bytes);
    size_t free_bytes = synod_lua_memory_available(L);
    if (bytes + 64 > free_bytes) {
        // Garbage may hold the room: collect once before refusing (as Lua itself would).
        synod_lua_charge(L, 16384);
        lua_gc(L, LUA_GCCOLLECT);
        free_bytes = synod_lua_memory_available(L);
    }
    if (bytes + 64 > free_bytes)
        synod_lua_memory_error(L, "tensor of %lld elements needs %.1f MiB, but only %.1f MiB of the "
                                  "sandbox's memory is free; use smaller tensors or raise the limit",
                               (long long)n, (double)bytes / 1048576.0, (double)free_bytes / 1048576.0);
    tensor *t = lua_newuserdatauv(L, bytes, 0);
    t->rows = rows;
    t->cols = matrix ? cols : 0;
    t->matrix = matrix != 0;
    luaL_setmetatable(L, TENSOR);
    return t;
}

static tensor *push_vector(lua_State *L, int64_t n) { return push_shaped(L, n, 0, 0); }
static tensor *push_matrix(lua_State *L, int64_t rows, int64_t cols) { return push_shaped(L, rows, cols, 1); }
static tensor *push_like(lua_State *L, const tensor *a) { return push_shaped(L, a->rows, a->cols, (int)a->matrix); }

static int64_t check_size(lua_State *L, int idx, const char *what) {
    lua_Integer v = luaL_checkinteger(L, idx);
    if (v < 0) fail(L, "%s must not be negative (got %lld)", what, (long long)v);
    return (int64_t)v;
}

static void same_shape(lua_State *L, const tensor *a, const tensor *b) {
    // The kind counts too: a vector of 3 and a 3×0 matrix hold different numbers of floats.
    if (a->matrix != b->matrix || a->rows != b->rows || a->cols != b->cols) {
        char x[64], y[64];
        fail(L, "tensor shapes differ: %s and %s", shape_text(a, x, sizeof x), shape_text(b, y, sizeof y));
    }
}

static void need_vector(lua_State *L, const tensor *t, const char *op) {
    if (is_matrix(t)) {
        char s[64];
        fail(L, "%s needs a vector, got a matrix %s", op, shape_text(t, s, sizeof s));
    }
}

static int64_t check_index(lua_State *L, int idx, int64_t size, const char *what) {
    lua_Integer i = luaL_checkinteger(L, idx);
    if (i < 1 || i > size)
        fail(L, "%s %lld out of range (1..%lld)", what, (long long)i, (long long)size);
    return (int64_t)i - 1;
}

/* ---------- construction ---------- */

// Reads `n [, m]` at stack index `first`: a vector of n, or an n×m matrix.
static tensor *push_read_shape(lua_State *L, int first) {
    int64_t rows = check_size(L, first, "size");
    if (lua_isnoneornil(L, first + 1)) return push_vector(L, rows);
    return push_matrix(L, rows, check_size(L, first + 1, "size"));
}

// Pushes a tensor of the shape given at stack index `first` (n [, m]), filled with v.
static int push_filled(lua_State *L, int first, float v) {
    tensor *t = push_read_shape(L, first);
    charge(L, numel(t));
    synod_t_fill(t->data, v, (size_t)numel(t));
    return 1;
}

static int t_zeros(lua_State *L) { return push_filled(L, 1, 0.0f); }
static int t_ones(lua_State *L) { return push_filled(L, 1, 1.0f); }
static int t_full(lua_State *L) { return push_filled(L, 2, (float)luaL_checknumber(L, 1)); }

static float element_of(lua_State *L, int idx, const char *where, lua_Integer i) {
    int isnum;
    lua_Number v = lua_tonumberx(L, idx, &isnum);
    if (!isnum)
        fail(L, "tensor.from: %s %lld is a %s, expected a number", where, (long long)i, luaL_typename(L, idx));
    return (float)v;
}

static int t_from(lua_State *L) {
    tensor *src = test(L, 1);
    if (src) {
        tensor *t = push_like(L, src);
        charge(L, numel(t));
        memcpy(t->data, src->data, (size_t)numel(t) * sizeof(float));
        return 1;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer rows = (lua_Integer)lua_rawlen(L, 1);
    charge(L, rows);
    if (rows > 0 && lua_rawgeti(L, 1, 1) == LUA_TTABLE) {
        lua_Integer cols = (lua_Integer)lua_rawlen(L, -1);
        lua_pop(L, 1);
        if (cols == 0) return fail(L, "tensor.from: row 1 is empty");
        tensor *t = push_matrix(L, rows, cols);
        charge(L, numel(t));
        for (lua_Integer r = 1; r <= rows; r++) {
            if (lua_rawgeti(L, 1, r) != LUA_TTABLE)
                return fail(L, "tensor.from: row %lld is a %s, expected a table of numbers", (long long)r,
                                  luaL_typename(L, -1));
            if ((lua_Integer)lua_rawlen(L, -1) != cols)
                return fail(L, "tensor.from: row %lld has %lld values, expected %lld", (long long)r,
                                  (long long)lua_rawlen(L, -1), (long long)cols);
            for (lua_Integer c = 1; c <= cols; c++) {
                lua_rawgeti(L, -1, c);
                t->data[(r - 1) * cols + (c - 1)] = element_of(L, -1, "element", (r - 1) * cols + c);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        return 1;
    }
    if (rows > 0) lua_pop(L, 1);
    tensor *t = push_vector(L, rows);
    for (lua_Integer i = 1; i <= rows; i++) {
        lua_rawgeti(L, 1, i);
        t->data[i - 1] = element_of(L, -1, "element", i);
        lua_pop(L, 1);
    }
    return 1;
}

static int t_range(lua_State *L) {
    lua_Number a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2), step = luaL_optnumber(L, 3, 1);
    if (step == 0) return fail(L, "tensor.range: step must not be 0");
    lua_Number count = floor((b - a) / step) + 1;
    if (count < 0 || count != count) count = 0;
    if (count > (lua_Number)MAX_ELEMENTS)
        return fail(L, "tensor.range: %.0f elements is too large (at most %lld)", (double)count,
                    (long long)MAX_ELEMENTS);
    tensor *t = push_vector(L, (int64_t)count);
    charge(L, numel(t));
    for (int64_t i = 0; i < t->rows; i++) t->data[i] = (float)(a + (lua_Number)i * step);
    return 1;
}

static int t_random(lua_State *L) {
    int n = lua_gettop(L);
    if (n < 2) return fail(L, "tensor.random needs a seed: tensor.random(n [, m], seed)");
    lua_Integer seed = luaL_checkinteger(L, n);
    tensor *t = n >= 3 ? push_matrix(L, check_size(L, 1, "size"), check_size(L, 2, "size"))
                       : push_vector(L, check_size(L, 1, "size"));
    charge(L, numel(t));
    synod_t_random((uint64_t)seed, t->data, (size_t)numel(t));
    return 1;
}

static int t_istensor(lua_State *L) {
    lua_pushboolean(L, test(L, 1) != NULL);
    return 1;
}

/* ---------- inspection ---------- */

static int m_shape(lua_State *L) {
    tensor *t = check(L, 1);
    lua_pushinteger(L, t->rows);
    if (!is_matrix(t)) return 1;
    lua_pushinteger(L, t->cols);
    return 2;
}

static int m_len(lua_State *L) {
    lua_pushinteger(L, check(L, 1)->rows);
    return 1;
}

static int m_numel(lua_State *L) {
    lua_pushinteger(L, numel(check(L, 1)));
    return 1;
}

static int m_get(lua_State *L) {
    tensor *t = check(L, 1);
    if (is_matrix(t)) {
        int64_t i = check_index(L, 2, t->rows, "row");
        int64_t j = check_index(L, 3, t->cols, "column");
        lua_pushnumber(L, t->data[i * t->cols + j]);
    } else {
        lua_pushnumber(L, t->data[check_index(L, 2, t->rows, "index")]);
    }
    return 1;
}

static int m_set(lua_State *L) {
    tensor *t = check(L, 1);
    if (is_matrix(t)) {
        int64_t i = check_index(L, 2, t->rows, "row");
        int64_t j = check_index(L, 3, t->cols, "column");
        t->data[i * t->cols + j] = (float)luaL_checknumber(L, 4);
    } else {
        t->data[check_index(L, 2, t->rows, "index")] = (float)luaL_checknumber(L, 3);
    }
    lua_settop(L, 1);
    return 1;
}

static tensor *copy_row(lua_State *L, const tensor *t, int64_t i) {
    tensor *r = push_vector(L, t->cols);
    memcpy(r->data, t->data + i * t->cols, (size_t)t->cols * sizeof(float));
    return r;
}

static int m_row(lua_State *L) {
    tensor *t = check(L, 1);
    if (!is_matrix(t)) return fail(L, "row needs a matrix");
    copy_row(L, t, check_index(L, 2, t->rows, "row"));
    return 1;
}

static int m_col(lua_State *L) {
    tensor *t = check(L, 1);
    if (!is_matrix(t)) return fail(L, "col needs a matrix");
    int64_t j = check_index(L, 2, t->cols, "column");
    tensor *c = push_vector(L, t->rows);
    charge(L, t->rows);
    for (int64_t i = 0; i < t->rows; i++) c->data[i] = t->data[i * t->cols + j];
    return 1;
}

static int m_totable(lua_State *L) {
    tensor *t = check(L, 1);
    charge(L, numel(t));
    if (!is_matrix(t)) {
        lua_createtable(L, (int)t->rows, 0);
        for (int64_t i = 0; i < t->rows; i++) {
            lua_pushnumber(L, t->data[i]);
            lua_rawseti(L, -2, i + 1);
        }
        return 1;
    }
    lua_createtable(L, (int)t->rows, 0);
    for (int64_t i = 0; i < t->rows; i++) {
        lua_createtable(L, (int)t->cols, 0);
        for (int64_t j = 0; j < t->cols; j++) {
            lua_pushnumber(L, t->data[i * t->cols + j]);
            lua_rawseti(L, -2, j + 1);
        }
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static void add_number(luaL_Buffer *b, float v) {
    char s[32];
    snprintf(s, sizeof s, "%.6g", (double)v);
    luaL_addstring(b, s);
}

static void add_values(luaL_Buffer *b, const float *d, int64_t n) {
    luaL_addchar(b, '[');
    for (int64_t i = 0; i < n; i++) {
        if (n > 8 && i == 3) {
            luaL_addstring(b, ", …");
            i = n - 3;
        }
        if (i > 0) luaL_addstring(b, ", ");
        add_number(b, d[i]);
    }
    luaL_addchar(b, ']');
}

static int m_tostring(lua_State *L) {
    tensor *t = check(L, 1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char s[64];
    luaL_addstring(&b, "tensor");
    luaL_addstring(&b, shape_text(t, s, sizeof s));
    luaL_addstring(&b, ": ");
    if (!is_matrix(t)) {
        add_values(&b, t->data, t->rows);
    } else {
        luaL_addchar(&b, '[');
        for (int64_t i = 0; i < t->rows; i++) {
            if (t->rows > 4 && i == 2) {
                luaL_addstring(&b, ", …");
                i = t->rows - 2;
            }
            if (i > 0) luaL_addstring(&b, ", ");
            add_values(&b, t->data + i * t->cols, t->cols);
        }
        luaL_addchar(&b, ']');
    }
    luaL_pushresult(&b);
    return 1;
}

static int m_clone(lua_State *L) {
    tensor *t = check(L, 1);
    tensor *c = push_like(L, t);
    charge(L, numel(t));
    memcpy(c->data, t->data, (size_t)numel(t) * sizeof(float));
    return 1;
}

/* ---------- arithmetic ---------- */

static const char *op_names[] = {"addition", "subtraction", "multiplication", "division", "pow"};

static void refuse_introduced(lua_State *L, const char *what, const tensor *a, const tensor *b, const tensor *out) {
    if (!synod_t_any_introduced_nonfinite(a->data, b ? b->data : NULL, out->data, (size_t)numel(out))) return;
    int64_t bad = synod_t_first_introduced_nonfinite(a->data, b ? b->data : NULL, out->data, (size_t)numel(out));
    if (bad < 0) return;
    float v = out->data[bad];
    fail(L, "%s produced %s at index %lld (from %g); the result must stay finite", what,
               v != v ? "NaN" : (v > 0 ? "inf" : "-inf"), (long long)bad + 1, (double)a->data[bad]);
}

static int arith(lua_State *L, synod_binary_op op) {
    tensor *a = test(L, 1), *b = test(L, 2);
    tensor *out;
    if (a && b) {
        same_shape(L, a, b);
        out = push_like(L, a);
        charge(L, numel(a));
        synod_t_binary(op, a->data, b->data, out->data, (size_t)numel(a));
    } else if (a) {
        float s = (float)luaL_checknumber(L, 2);
        out = push_like(L, a);
        charge(L, numel(a));
        synod_t_scalar(op, a->data, s, 0, out->data, (size_t)numel(a));
    } else {
        b = check(L, 2);
        float s = (float)luaL_checknumber(L, 1);
        out = push_like(L, b);
        charge(L, numel(b));
        synod_t_scalar(op, b->data, s, 1, out->data, (size_t)numel(b));
        a = b;
        b = NULL;
    }
    if (op == SYNOD_DIV || op == SYNOD_POW) refuse_introduced(L, op_names[op], a, b, out);
    return 1;
}

static int m_add(lua_State *L) { return arith(L, SYNOD_ADD); }
static int m_sub(lua_State *L) { return arith(L, SYNOD_SUB); }
static int m_mul(lua_State *L) { return arith(L, SYNOD_MUL); }
static int m_div(lua_State *L) { return arith(L, SYNOD_DIV); }
static int m_pow(lua_State *L) { return arith(L, SYNOD_POW); }

static int unary(lua_State *L, synod_unary_op op, const char *name) {
    tensor *a = check(L, 1);
    tensor *out = push_like(L, a);
    charge(L, numel(a));
    if (op == SYNOD_EXP) {
        // One pass computes and checks: only an overflow needs the slower search for where.
        if (synod_t_exp_checked(a->data, out->data, (size_t)numel(a))) refuse_introduced(L, name, a, NULL, out);
        return 1;
    }
    synod_t_unary(op, a->data, out->data, (size_t)numel(a));
    if (op == SYNOD_LOG || op == SYNOD_SQRT) refuse_introduced(L, name, a, NULL, out);
    return 1;
}

static int m_neg(lua_State *L) { return unary(L, SYNOD_NEG, "neg"); }
static int m_abs(lua_State *L) { return unary(L, SYNOD_ABS, "abs"); }
static int m_exp(lua_State *L) { return unary(L, SYNOD_EXP, "exp"); }
static int m_log(lua_State *L) { return unary(L, SYNOD_LOG, "log"); }
static int m_sqrt(lua_State *L) { return unary(L, SYNOD_SQRT, "sqrt"); }

static int m_clamp(lua_State *L) {
    tensor *a = check(L, 1);
    float lo = (float)luaL_optnumber(L, 2, -HUGE_VAL), hi = (float)luaL_optnumber(L, 3, HUGE_VAL);
    if (lo > hi) return fail(L, "clamp: lower bound %g is above upper bound %g", (double)lo, (double)hi);
    tensor *out = push_like(L, a);
    charge(L, numel(a));
    synod_t_clamp(a->data, lo, hi, out->data, (size_t)numel(a));
    return 1;
}

static int compare(lua_State *L, synod_compare_op op) {
    tensor *a = check(L, 1), *b = test(L, 2);
    float s = 0;
    if (b) same_shape(L, a, b);
    else s = (float)luaL_checknumber(L, 2);
    tensor *out = push_like(L, a);
    charge(L, numel(a));
    synod_t_compare(op, a->data, b ? b->data : NULL, s, out->data, (size_t)numel(a));
    return 1;
}

static int m_gt(lua_State *L) { return compare(L, SYNOD_GT); }
static int m_ge(lua_State *L) { return compare(L, SYNOD_GE); }
static int m_lt(lua_State *L) { return compare(L, SYNOD_LT); }
static int m_le(lua_State *L) { return compare(L, SYNOD_LE); }
static int m_eq(lua_State *L) { return compare(L, SYNOD_EQ); }
static int m_ne(lua_State *L) { return compare(L, SYNOD_NE); }

static int t_where(lua_State *L) {
    tensor *mask = check(L, 1), *a = test(L, 2), *b = test(L, 3);
    float sa = 0, sb = 0;
    if (a) same_shape(L, mask, a);
    else sa = (float)luaL_checknumber(L, 2);
    if (b) same_shape(L, mask, b);
    else sb = (float)luaL_checknumber(L, 3);
    tensor *out = push_like(L, mask);
    charge(L, numel(mask));
    synod_t_where(mask->data, a ? a->data : NULL, sa, b ? b->data : NULL, sb, out->data, (size_t)numel(mask));
    return 1;
}

static int m_ema(lua_State *L) {
    tensor *x = check(L, 1);
    float alpha = (float)luaL_checknumber(L, 3);
    if (!(alpha >= 0 && alpha <= 1)) return fail(L, "ema: alpha must be between 0 and 1 (got %g)", (double)alpha);
    tensor *out = push_like(L, x);
    charge(L, numel(x));
    if (lua_isnil(L, 2)) {
        memcpy(out->data, x->data, (size_t)numel(x) * sizeof(float));
        return 1;
    }
    tensor *prev = check(L, 2);
    same_shape(L, x, prev);
    synod_t_ema(x->data, prev->data, alpha, out->data, (size_t)numel(x));
    return 1;
}

/* ---------- reductions ---------- */

static int reduce_dim(lua_State *L, tensor *t, int mean) {
    lua_Integer dim = luaL_checkinteger(L, 2);
    if (!is_matrix(t)) {
        if (dim != 1) return fail(L, "dimension %lld out of range for a vector (1)", (long long)dim);
        lua_pushnumber(L, synod_t_sum(t->data, (size_t)t->rows) / (mean && t->rows ? (double)t->rows : 1.0));
        return 1;
    }
    charge(L, numel(t));
    if (dim == 1) {  // over rows: one value per column
        tensor *out = push_vector(L, t->cols);
        synod_t_col_sums(t->data, (size_t)t->rows, (size_t)t->cols, out->data);
        if (mean && t->rows) synod_t_scalar(SYNOD_DIV, out->data, (float)t->rows, 0, out->data, (size_t)t->cols);
        return 1;
    }
    if (dim == 2) {  // over columns: one value per row
        tensor *out = push_vector(L, t->rows);
        synod_t_row_sums(t->data, (size_t)t->rows, (size_t)t->cols, out->data);
        if (mean && t->cols) synod_t_scalar(SYNOD_DIV, out->data, (float)t->cols, 0, out->data, (size_t)t->rows);
        return 1;
    }
    return fail(L, "dimension %lld out of range for a matrix (1 or 2)", (long long)dim);
}

static int m_sum(lua_State *L) {
    tensor *t = check(L, 1);
    if (!lua_isnoneornil(L, 2)) return reduce_dim(L, t, 0);
    charge(L, numel(t));
    lua_pushnumber(L, (lua_Number)(float)synod_t_sum(t->data, (size_t)numel(t)));
    return 1;
}

static int m_mean(lua_State *L) {
    tensor *t = check(L, 1);
    if (!lua_isnoneornil(L, 2)) return reduce_dim(L, t, 1);
    int64_t n = numel(t);
    if (n == 0) return fail(L, "mean of an empty tensor");
    charge(L, n);
    lua_pushnumber(L, (lua_Number)(float)(synod_t_sum(t->data, (size_t)n) / (double)n));
    return 1;
}

static int extreme(lua_State *L, int want_max, int want_index) {
    tensor *t = check(L, 1);
    int64_t n = numel(t);
    if (n == 0) return fail(L, "%s of an empty tensor", want_max ? "max" : "min");
    charge(L, n);
    int64_t at;
    float v = want_max ? synod_t_max(t->data, (size_t)n, &at) : synod_t_min(t->data, (size_t)n, &at);
    if (!want_index) {
        lua_pushnumber(L, v);
        return 1;
    }
    if (is_matrix(t)) {
        lua_pushinteger(L, at / t->cols + 1);
        lua_pushinteger(L, at % t->cols + 1);
        return 2;
    }
    lua_pushinteger(L, at + 1);
    return 1;
}

static int m_min(lua_State *L) { return extreme(L, 0, 0); }
static int m_max(lua_State *L) { return extreme(L, 1, 0); }
static int m_argmin(lua_State *L) { return extreme(L, 0, 1); }
static int m_argmax(lua_State *L) { return extreme(L, 1, 1); }

static int m_norm(lua_State *L) {
    tensor *t = check(L, 1);
    lua_Number p = luaL_optnumber(L, 2, 2);
    size_t n = (size_t)numel(t);
    charge(L, (int64_t)n);
    double r;
    if (p == 2) r = sqrt(synod_t_sum_squares(t->data, n));
    else if (p == 1) r = synod_t_sum_abs(t->data, n);
    else if (isinf(p) && p > 0) r = synod_t_max_abs(t->data, n);
    else if (p > 0) r = pow(synod_t_sum_pow_abs(t->data, (float)p, n), 1.0 / p);
    else return fail(L, "norm: p must be positive (got %g)", (double)p);
    lua_pushnumber(L, (lua_Number)(float)r);
    return 1;
}

/* ---------- scoring helpers ---------- */

static void normalize_into(lua_State *L, const float *src, float *dst, int64_t n, int64_t row) {
    int flagged;
    double s = synod_t_sum_checked(src, (size_t)n, &flagged);
    if (flagged) {  // the slow path only finds and names the bad entry
        int64_t bad = synod_t_first_nan(src, (size_t)n);
        if (bad >= 0) fail(L, "normalize: NaN at index %lld", (long long)(row * n + bad + 1));
        bad = synod_t_first_negative(src, (size_t)n);
        fail(L, "normalize: negative entry %g at index %lld; weights must be ≥ 0 (clamp or shift them first)",
             (double)src[bad], (long long)(row * n + bad + 1));
    }
    if (s == 0) {
        synod_t_fill(dst, 0.0f, (size_t)n);  // all-zero stays all-zero: nothing to share
    } else if (isinf(s)) {
        fail(L, "normalize: the entries sum to infinity");
    } else {
        synod_t_scalar(SYNOD_DIV, src, (float)s, 0, dst, (size_t)n);
    }
}

static int m_normalize(lua_State *L) {
    tensor *t = check(L, 1);
    tensor *out = push_like(L, t);
    charge(L, 2 * numel(t));
    if (!is_matrix(t)) {
        normalize_into(L, t->data, out->data, t->rows, 0);
    } else {
        for (int64_t i = 0; i < t->rows; i++)
            normalize_into(L, t->data + i * t->cols, out->data + i * t->cols, t->cols, i);
    }
    return 1;
}

static int m_softmax(lua_State *L) {
    tensor *t = check(L, 1);
    lua_Number temperature = luaL_optnumber(L, 2, 1);
    if (!(temperature > 0)) return fail(L, "softmax: temperature must be positive (got %g)", (double)temperature);
    if (synod_t_any_nan(t->data, (size_t)numel(t)))
        return fail(L, "softmax: NaN at index %lld", (long long)synod_t_first_nan(t->data, (size_t)numel(t)) + 1);
    tensor *out = push_like(L, t);
    charge(L, 3 * numel(t));
    int64_t rows = is_matrix(t) ? t->rows : 1, cols = is_matrix(t) ? t->cols : t->rows;
    for (int64_t i = 0; i < rows; i++)
        synod_t_softmax(t->data + i * cols, (float)temperature, out->data + i * cols, (size_t)cols);
    // A temperature so small that 1/temperature overflows, or a row of only -inf, has no
    // softmax: say so rather than hand back NaN.
    if (synod_t_any_nan(out->data, (size_t)numel(out)))
        return fail(L, "softmax: the result is not finite (temperature %g is too small, or a row is all -inf)",
                    (double)temperature);
    return 1;
}

static int m_dot(lua_State *L) {
    tensor *a = check(L, 1), *b = check(L, 2);
    need_vector(L, a, "dot");
    same_shape(L, a, b);
    charge(L, numel(a));
    lua_pushnumber(L, (lua_Number)(float)synod_t_dot(a->data, b->data, (size_t)a->rows));
    return 1;
}

// Each row (or the vector) scaled to unit length; a zero row stays zero.
static int m_unit(lua_State *L) {
    tensor *t = check(L, 1);
    tensor *out = push_like(L, t);
    charge(L, 2 * numel(t));
    int64_t rows = is_matrix(t) ? t->rows : 1, d = is_matrix(t) ? t->cols : t->rows;
    for (int64_t i = 0; i < rows; i++) {
        const float *src = t->data + i * d;
        float *dst = out->data + i * d;
        double norm = sqrt(synod_t_sum_squares(src, (size_t)d));
        if (!isfinite(norm)) return fail(L, "unit: row %lld has a NaN or infinite entry", (long long)(i + 1));
        for (int64_t j = 0; j < d; j++) dst[j] = norm > 0 ? (float)(src[j] / norm) : 0.0f;
    }
    return 1;
}

// The cosine of each row of a with the same row of b (matrices of one shape), one per row.
static int m_cosine_rows(lua_State *L) {
    tensor *a = check(L, 1), *b = check(L, 2);
    if (!is_matrix(a) || !is_matrix(b)) return fail(L, "cosine_rows: both tensors must be matrices (rows of vectors)");
    same_shape(L, a, b);
    charge(L, 3 * numel(a));
    tensor *out = push_vector(L, a->rows);
    for (int64_t i = 0; i < a->rows; i++)
        synod_t_row_cosine(a->data + i * a->cols, 1, (size_t)a->cols, b->data + i * b->cols, out->data + i);
    return 1;
}

static int m_cosine(lua_State *L) {
    tensor *a = check(L, 1), *v = check(L, 2);
    need_vector(L, v, "cosine (its argument)");
    int64_t d = is_matrix(a) ? a->cols : a->rows;
    if (d != v->rows) {
        char x[64], y[64];
        return fail(L, "cosine: tensor shapes differ: %s and %s", shape_text(a, x, sizeof x),
                          shape_text(v, y, sizeof y));
    }
    charge(L, 2 * numel(a));
    if (!is_matrix(a)) {
        float r;
        synod_t_row_cosine(a->data, 1, (size_t)d, v->data, &r);
        lua_pushnumber(L, r);
        return 1;
    }
    tensor *out = push_vector(L, a->rows);
    synod_t_row_cosine(a->data, (size_t)a->rows, (size_t)d, v->data, out->data);
    return 1;
}

// Index scratch pushed as userdata: charged to the sandbox's memory cap like any tensor
// (n ≤ MAX_ELEMENTS, so the byte count cannot overflow), and freed by the collector.
static int64_t *scratch_indices(lua_State *L, int64_t n) {
    return lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof(int64_t), 0);
}

static int m_topk(lua_State *L) {
    tensor *t = check(L, 1);
    need_vector(L, t, "topk");
    int64_t k = check_size(L, 2, "k");
    if (k > t->rows) k = t->rows;
    tensor *values = push_vector(L, k);
    tensor *indices = push_vector(L, k);
    charge(L, t->rows * 2);
    int64_t *idx = scratch_indices(L, k);
    synod_t_topk(t->data, (size_t)t->rows, (size_t)k, values->data, idx);
    for (int64_t i = 0; i < k; i++) indices->data[i] = (float)(idx[i] + 1);
    lua_pop(L, 1);
    return 2;
}

static int sort_like(lua_State *L, int rank) {
    tensor *t = check(L, 1);
    need_vector(L, t, rank ? "rank" : "argsort");
    int descending = lua_toboolean(L, 2);
    tensor *out = push_vector(L, t->rows);
    charge(L, t->rows * 16);
    int64_t *idx = scratch_indices(L, t->rows);
    synod_t_argsort(t->data, (size_t)t->rows, descending, idx);
    // rank: competition ranking — equal values share the best rank among them (1, 2, 2, 4),
    // so ties never depend on position.
    float rank_of_run = 1;
    for (int64_t i = 0; i < t->rows; i++) {
        if (rank) {
            if (i == 0 || t->data[idx[i]] != t->data[idx[i - 1]]) rank_of_run = (float)(i + 1);
            out->data[idx[i]] = rank_of_run;
        } else {
            out->data[i] = (float)(idx[i] + 1);
        }
    }
    lua_pop(L, 1);
    return 1;
}

static int m_argsort(lua_State *L) { return sort_like(L, 0); }
static int m_rank(lua_State *L) { return sort_like(L, 1); }

/* ---------- matrices ---------- */

static int m_transpose(lua_State *L) {
    tensor *t = check(L, 1);
    if (!is_matrix(t)) return m_clone(L);
    tensor *out = push_matrix(L, t->cols, t->rows);
    charge(L, numel(t));
    synod_t_transpose(t->data, (size_t)t->rows, (size_t)t->cols, out->data);
    return 1;
}

static int m_matmul(lua_State *L) {
    tensor *a = check(L, 1), *b = check(L, 2);
    if (!is_matrix(a) || !is_matrix(b) || a->cols != b->rows) {
        char x[64], y[64];
        return fail(L, "matmul: shapes %s and %s do not chain (need n×m and m×p)", shape_text(a, x, sizeof x),
                          shape_text(b, y, sizeof y));
    }
    tensor *out = push_matrix(L, a->rows, b->cols);
    charge(L, a->rows * a->cols * b->cols / 8);
    synod_t_matmul(a->data, b->data, (size_t)a->rows, (size_t)a->cols, (size_t)b->cols, out->data);
    return 1;
}

static int m_mv(lua_State *L) {
    tensor *a = check(L, 1), *v = check(L, 2);
    if (!is_matrix(a) || is_matrix(v) || a->cols != v->rows) {
        char x[64], y[64];
        return fail(L, "mv: shapes %s and %s do not chain (need n×m and m)", shape_text(a, x, sizeof x),
                          shape_text(v, y, sizeof y));
    }
    tensor *out = push_vector(L, a->rows);
    charge(L, numel(a));
    synod_t_mv(a->data, v->data, (size_t)a->rows, (size_t)a->cols, out->data);
    return 1;
}

/* ---------- indexing metamethods ---------- */

static int mt_index(lua_State *L) {
    tensor *t = check(L, 1);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        int64_t i = check_index(L, 2, t->rows, is_matrix(t) ? "row" : "index");
        if (is_matrix(t)) copy_row(L, t, i);
        else lua_pushnumber(L, t->data[i]);
        return 1;
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
}

static int mt_newindex(lua_State *L) {
    tensor *t = check(L, 1);
    if (lua_type(L, 2) != LUA_TNUMBER) return fail(L, "tensors have no fields to set (use t[i] = number)");
    int64_t i = check_index(L, 2, t->rows, is_matrix(t) ? "row" : "index");
    if (!is_matrix(t)) {
        t->data[i] = (float)luaL_checknumber(L, 3);
        return 0;
    }
    tensor *row = test(L, 3);
    if (row) {
        if (is_matrix(row) || row->rows != t->cols)
            return fail(L, "row %lld needs %lld values", (long long)i + 1, (long long)t->cols);
        memcpy(t->data + i * t->cols, row->data, (size_t)t->cols * sizeof(float));
    } else {
        synod_t_fill(t->data + i * t->cols, (float)luaL_checknumber(L, 3), (size_t)t->cols);
    }
    return 0;
}

int synod_luaopen_tensor(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"shape", m_shape},       {"numel", m_numel},     {"get", m_get},         {"set", m_set},
        {"row", m_row},           {"col", m_col},         {"totable", m_totable}, {"clone", m_clone},
        {"add", m_add},           {"sub", m_sub},         {"mul", m_mul},         {"div", m_div},
        {"pow", m_pow},           {"neg", m_neg},         {"abs", m_abs},         {"exp", m_exp},
        {"log", m_log},           {"sqrt", m_sqrt},       {"clamp", m_clamp},     {"gt", m_gt},
        {"ge", m_ge},             {"lt", m_lt},           {"le", m_le},           {"eq", m_eq},
        {"ne", m_ne},             {"ema", m_ema},         {"sum", m_sum},         {"mean", m_mean},
        {"min", m_min},           {"max", m_max},         {"argmin", m_argmin},   {"argmax", m_argmax},
        {"norm", m_norm},         {"normalize", m_normalize}, {"softmax", m_softmax}, {"dot", m_dot},
        {"cosine", m_cosine},     {"cosine_rows", m_cosine_rows}, {"unit", m_unit}, {"topk", m_topk},       {"argsort", m_argsort}, {"rank", m_rank},
        {"t", m_transpose},       {"transpose", m_transpose}, {"matmul", m_matmul}, {"mv", m_mv},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__add", m_add}, {"__sub", m_sub}, {"__mul", m_mul}, {"__div", m_div}, {"__unm", m_neg},
        {"__pow", m_pow}, {"__len", m_len}, {"__tostring", m_tostring}, {"__newindex", mt_newindex},
        {NULL, NULL},
    };
    static const luaL_Reg module[] = {
        {"new", t_zeros},    {"zeros", t_zeros}, {"ones", t_ones},     {"full", t_full},
        {"from", t_from},    {"range", t_range}, {"random", t_random}, {"where", t_where},
        {"istensor", t_istensor}, {NULL, NULL},
    };
    luaL_newmetatable(L, TENSOR);
    luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_pushcclosure(L, mt_index, 1);
    lua_setfield(L, -2, "__index");
    // Plugins cannot fetch or replace the metatable (and so cannot reach its functions).
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    luaL_newlib(L, module);
    return 1;
}
