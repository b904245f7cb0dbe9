// Lua 5.4 patterns for string.find/match/gmatch/gsub, written for the sandbox so that
// matching charges its work to the instruction budget. The stock matcher runs in C
// where no hook fires: ("a"):rep(400):find(".-.-.-.-b$") backtracks for seconds, and a
// deadline could never stop it. Semantics follow the Lua 5.4 reference manual, §6.4.1.
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>

#include "internal.h"

#define MAX_CAPTURES 32
#define CAPTURE_OPEN (-1)
#define CAPTURE_POSITION (-2)
#define MAX_RECURSION 200
#define STEPS_PER_CHARGE 4096
#define SPECIALS "^$*+?.([%-"

typedef struct matcher {
    lua_State *L;
    const char *src, *src_end;  // subject
    const char *pat_end;
    int recursion_left;
    int level;                  // captures opened so far
    uint32_t steps;             // work not yet charged
    struct {
        const char *start;
        ptrdiff_t len;
    } cap[MAX_CAPTURES];
} matcher;

static void step(matcher *m) {
    if (++m->steps >= STEPS_PER_CHARGE) {
        uint32_t n = m->steps;
        m->steps = 0;
        synod_charge_or_raise(m->L, n);
    }
}

static void settle(matcher *m) {
    uint32_t n = m->steps;
    m->steps = 0;
    if (n) synod_charge_or_raise(m->L, n);
}

static int class_matches(int c, int cls) {
    int r;
    switch (tolower(cls)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    default: return cls == c;
    }
    r = r != 0;
    return isupper(cls) ? !r : r;
}

// Returns the end of the single-character class starting at p.
static const char *class_end(matcher *m, const char *p) {
    char c = *p++;
    if (c == '%') {
        if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (*p == '^') p++;
        // The first character of a set is literal even when it is ']'.
        do {
            if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (missing ']')");
            c = *p++;
            if (c == '%' && p < m->pat_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

// p points at '[' and close at the matching ']'.
static int set_matches(int c, const char *p, const char *close) {
    int want = 1;
    p++;
    if (*p == '^') {
        want = 0;
        p++;
    }
    while (p < close) {
        if (*p == '%' && p + 1 < close) {
            if (class_matches(c, (unsigned char)p[1])) return want;
            p += 2;
        } else if (p + 2 < close && p[1] == '-') {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return want;
            p += 3;
        } else {
            if ((unsigned char)*p == c) return want;
            p++;
        }
    }
    return !want;
}

static int single_matches(matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return class_matches(c, (unsigned char)p[1]);
    case '[': return set_matches(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match(matcher *m, const char *s, const char *p);

static const char *match_balance(matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pat_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != p[0]) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < m->src_end) {
        step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *expand_greedy(matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t n = 0;
    while (single_matches(m, s + n, p, ep)) {
        step(m);
        n++;
    }
    for (; n >= 0; n--) {
        step(m);
        const char *r = match(m, s + n, ep + 1);
        if (r) return r;
    }
    return NULL;
}

static const char *expand_lazy(matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        step(m);
        const char *r = match(m, s, ep + 1);
        if (r) return r;
        if (!single_matches(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *open_capture(matcher *m, const char *s, const char *p, ptrdiff_t kind) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->cap[m->level].start = s;
    m->cap[m->level].len = kind;
    m->level++;
    const char *r = match(m, s, p);
    if (!r) m->level--;
    return r;
}

static const char *close_capture(matcher *m, const char *s, const char *p) {
    int l = -1;
    for (int i = m->level - 1; i >= 0; i--)
        if (m->cap[i].len == CAPTURE_OPEN) {
            l = i;
            break;
        }
    if (l < 0) luaL_error(m->L, "invalid pattern capture");
    m->cap[l].len = s - m->cap[l].start;
    const char *r = match(m, s, p);
    if (!r) m->cap[l].len = CAPTURE_OPEN;
    return r;
}

static const char *match_backref(matcher *m, const char *s, int digit) {
    int l = digit - '1';
    if (l < 0 || l >= m->level || m->cap[l].len == CAPTURE_OPEN)
        luaL_error(m->L, "invalid capture index %%%d", l + 1);
    size_t len = (size_t)m->cap[l].len;
    if ((size_t)(m->src_end - s) >= len && memcmp(m->cap[l].start, s, len) == 0) return s + len;
    return NULL;
}

static const char *match(matcher *m, const char *s, const char *p) {
    if (m->recursion_left-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        step(m);
        if (p >= m->pat_end) break;
        if (*p == '(') {
            s = p[1] == ')' ? open_capture(m, s, p + 2, CAPTURE_POSITION)
                            : open_capture(m, s, p + 1, CAPTURE_OPEN);
            break;
        }
        if (*p == ')') {
            s = close_capture(m, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == m->pat_end) {
            if (s != m->src_end) s = NULL;
            break;
        }
        if (*p == '%' && p[1] == 'b') {
            s = match_balance(m, s, p + 2);
            if (!s) break;
            p += 4;
            continue;
        }
        if (*p == '%' && p[1] == 'f') {
            p += 2;
            if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
            const char *ep = class_end(m, p);
            int prev = s == m->src ? 0 : (unsigned char)s[-1];
            int cur = s < m->src_end ? (unsigned char)*s : 0;
            if (!set_matches(prev, p, ep - 1) && set_matches(cur, p, ep - 1)) {
                p = ep;
                continue;
            }
            s = NULL;
            break;
        }
        if (*p == '%' && isdigit((unsigned char)p[1])) {
            s = match_backref(m, s, p[1]);
            if (!s) break;
            p += 2;
            continue;
        }
        const char *ep = class_end(m, p);
        char suffix = ep < m->pat_end ? *ep : '\0';
        if (!single_matches(m, s, p, ep)) {
            if (suffix == '*' || suffix == '?' || suffix == '-') {
                p = ep + 1;
                continue;
            }
            s = NULL;
            break;
        }
        if (suffix == '?') {
            const char *r = match(m, s + 1, ep + 1);
            if (r) {
                s = r;
                break;
            }
            p = ep + 1;
            continue;
        }
        if (suffix == '+') {
            s = expand_greedy(m, s + 1, p, ep);
            break;
        }
        if (suffix == '*') {
            s = expand_greedy(m, s, p, ep);
            break;
        }
        if (suffix == '-') {
            s = expand_lazy(m, s, p, ep);
            break;
        }
        s++;
        p = ep;
    }
    m->recursion_left++;
    return s;
}

static void matcher_init(matcher *m, lua_State *L, const char *s, size_t ls, const char *p,
                         size_t lp) {
    m->L = L;
    m->src = s;
    m->src_end = s + ls;
    m->pat_end = p + lp;
    m->recursion_left = MAX_RECURSION;
    m->level = 0;
    m->steps = 0;
}

static void matcher_reset(matcher *m) {
    m->level = 0;
    m->recursion_left = MAX_RECURSION;
}

static void push_capture(matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->cap[i].len;
    if (len == CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (len == CAPTURE_POSITION)
        lua_pushinteger(m->L, (lua_Integer)(m->cap[i].start - m->src) + 1);
    else
        lua_pushlstring(m->L, m->cap[i].start, (size_t)len);
}

// Pushes all captures (or the whole match when there are none and s is given).
static int push_captures(matcher *m, const char *s, const char *e) {
    int n = (m->level == 0 && s) ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

// Converts a 1-based, possibly negative start position into [1, len + 1] or beyond.
static size_t start_position(lua_Integer pos, size_t len) {
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)len) return 1;
    return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++)
        if (strchr(SPECIALS, p[i]) && p[i] != '\0') return 1;
    return 0;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls);
    if (init > ls + 1) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        // glibc's memmem is linear (two-way), unlike a naive search.
        synod_charge_or_raise(L, (ls - init + 1) / 64 + 1);
        const char *hit = lp == 0 ? s + init - 1 : memmem(s + init - 1, ls - init + 1, p, lp);
        if (!hit) {
            luaL_pushfail(L);
            return 1;
        }
        lua_pushinteger(L, (lua_Integer)(hit - s) + 1);
        lua_pushinteger(L, (lua_Integer)(hit - s + lp));
        return 2;
    }
    matcher m;
    int anchored = lp > 0 && *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    matcher_init(&m, L, s, ls, p, lp);
    const char *start = s + init - 1;
    do {
        matcher_reset(&m);
        const char *e = match(&m, start, p);
        if (e) {
            settle(&m);
            if (find) {
                lua_pushinteger(L, (lua_Integer)(start - s) + 1);
                lua_pushinteger(L, (lua_Integer)(e - s));
                return push_captures(&m, NULL, NULL) + 2;
            }
            return push_captures(&m, start, e);
        }
        step(&m);
    } while (start++ < m.src_end && !anchored);
    settle(&m);
    luaL_pushfail(L);
    return 1;
}

int synod_str_find(lua_State *L) { return find_or_match(L, 1); }
int synod_str_match(lua_State *L) { return find_or_match(L, 0); }

/* gmatch: upvalues are the subject, the pattern and a userdata with the positions. */
typedef struct gmatch_state {
    size_t next;       // offset where the next search starts
    size_t last_end;   // end offset of the last match, or SIZE_MAX
} gmatch_state;

static int gmatch_next(lua_State *L) {
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
    matcher m;
    matcher_init(&m, L, s, ls, p, lp);
    for (const char *start = s + g->next; start <= m.src_end; start++) {
        matcher_reset(&m);
        const char *e = match(&m, start, p);
        if (e && (size_t)(e - s) != g->last_end) {
            g->next = g->last_end = (size_t)(e - s);
            settle(&m);
            return push_captures(&m, start, e);
        }
        step(&m);
    }
    settle(&m);
    g->next = ls + 1;
    return 0;
}

int synod_str_gmatch(lua_State *L) {
    size_t ls;
    luaL_checklstring(L, 1, &ls);
    luaL_checkstring(L, 2);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls);
    lua_settop(L, 2);
    gmatch_state *g = lua_newuserdatauv(L, sizeof *g, 0);
    g->next = init > ls + 1 ? ls + 1 : init - 1;
    if (init > ls + 1) g->next = ls + 1;
    g->last_end = (size_t)-1;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

static void add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    if (kind == LUA_TSTRING || kind == LUA_TNUMBER) {
        size_t lr;
        const char *r = lua_tolstring(L, 3, &lr);
        const char *end = r + lr;
        for (const char *q = r; q < end; q++) {
            if (*q != '%') {
                luaL_addchar(b, *q);
                continue;
            }
            q++;
            if (q < end && *q == '%') {
                luaL_addchar(b, '%');
            } else if (q < end && isdigit((unsigned char)*q)) {
                if (*q == '0') {
                    luaL_addlstring(b, s, (size_t)(e - s));
                } else {
                    push_capture(m, *q - '1', s, e);
                    luaL_tolstring(L, -1, NULL);
                    lua_remove(L, -2);
                    luaL_addvalue(b);
                }
            } else {
                luaL_error(L, "invalid use of '%%' in replacement string");
            }
        }
        return;
    }
    if (kind == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        int n = push_captures(m, s, e);
        lua_pushvalue(L, 3);
        lua_insert(L, -n - 1);
        lua_call(L, n, 1);
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    } else {
        luaL_addvalue(b);
    }
}

int synod_str_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int kind = lua_type(L, 3);
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION ||
                            kind == LUA_TTABLE,
                     3, "string/function/table");
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    int anchored = lp > 0 && *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    lua_settop(L, 3);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    matcher m;
    matcher_init(&m, L, s, ls, p, lp);
    const char *src = s, *last = NULL;
    lua_Integer n = 0;
    while (n < max) {
        matcher_reset(&m);
        const char *e = match(&m, src, p);
        if (e && e != last) {
            n++;
            add_replacement(&m, &b, src, e, kind);
            src = last = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        step(&m);
        if (anchored) break;
    }
    settle(&m);
    luaL_addlstring(&b, src, (size_t)(m.src_end - src));
    luaL_pushresult(&b);
    lua_pushinteger(L, n);
    return 2;
}
