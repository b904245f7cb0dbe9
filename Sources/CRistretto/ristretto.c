// ristretto255 (RFC 9496) over edwards25519 in extended coordinates, field elements in
// radix 2^51. Only what a joint variable-time multiplication needs: decode, encode,
// addition, doubling, and Straus' method over width-w non-adjacent forms (one doubling per
// bit, about one addition per w + 1 bits of each scalar).
#include "CRistretto.h"

#include <pthread.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef struct { uint64_t v[5]; } fe;
typedef struct { fe x, y, z, t; } point;

static const uint64_t mask51 = (1ULL << 51) - 1;

static uint64_t load64(const uint8_t *s) {
    uint64_t r = 0;
    for (int i = 7; i >= 0; i--) r = (r << 8) | s[i];
    return r;
}

static void fe_frombytes(fe *h, const uint8_t s[32]) {
    h->v[0] = load64(s) & mask51;
    h->v[1] = (load64(s + 6) >> 3) & mask51;
    h->v[2] = (load64(s + 12) >> 6) & mask51;
    h->v[3] = (load64(s + 19) >> 1) & mask51;
    h->v[4] = (load64(s + 24) >> 12) & mask51;
}

static void fe_carry(fe *h) {
    uint64_t c;
    c = h->v[0] >> 51; h->v[0] &= mask51; h->v[1] += c;
    c = h->v[1] >> 51; h->v[1] &= mask51; h->v[2] += c;
    c = h->v[2] >> 51; h->v[2] &= mask51; h->v[3] += c;
    c = h->v[3] >> 51; h->v[3] &= mask51; h->v[4] += c;
    c = h->v[4] >> 51; h->v[4] &= mask51; h->v[0] += c * 19;
    c = h->v[0] >> 51; h->v[0] &= mask51; h->v[1] += c;
}

// The canonical 32 bytes (value below p).
static void fe_tobytes(uint8_t s[32], const fe *f) {
    fe h = *f;
    fe_carry(&h);
    fe_carry(&h);
    // h < 2^255 + small: subtract p if h >= p, by adding 19 and looking at bit 255.
    uint64_t q = (h.v[0] + 19) >> 51;
    q = (h.v[1] + q) >> 51;
    q = (h.v[2] + q) >> 51;
    q = (h.v[3] + q) >> 51;
    q = (h.v[4] + q) >> 51;
    h.v[0] += 19 * q;
    uint64_t c;
    c = h.v[0] >> 51; h.v[0] &= mask51; h.v[1] += c;
    c = h.v[1] >> 51; h.v[1] &= mask51; h.v[2] += c;
    c = h.v[2] >> 51; h.v[2] &= mask51; h.v[3] += c;
    c = h.v[3] >> 51; h.v[3] &= mask51; h.v[4] += c;
    h.v[4] &= mask51;
    uint64_t w0 = h.v[0] | (h.v[1] << 51);
    uint64_t w1 = (h.v[1] >> 13) | (h.v[2] << 38);
    uint64_t w2 = (h.v[2] >> 26) | (h.v[3] << 25);
    uint64_t w3 = (h.v[3] >> 39) | (h.v[4] << 12);
    uint64_t w[4] = {w0, w1, w2, w3};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 8; b++) s[8 * i + b] = (uint8_t)(w[i] >> (8 * b));
}

static void fe_add(fe *h, const fe *f, const fe *g) {
    for (int i = 0; i < 5; i++) h->v[i] = f->v[i] + g->v[i];
    fe_carry(h);
}

// f − g + 4p, so no limb goes negative for carried inputs.
static void fe_sub(fe *h, const fe *f, const fe *g) {
    h->v[0] = f->v[0] + 0x1FFFFFFFFFFFB4ULL - g->v[0];
    for (int i = 1; i < 5; i++) h->v[i] = f->v[i] + 0x1FFFFFFFFFFFFCULL - g->v[i];
    fe_carry(h);
}

// The same without carrying, for results that only go on into a multiplication. Every
// summand and subtrahend given to these is carried (limbs below 2^52) or the lazy sum of
// two carried values (below 2^53, so 4p's limbs still cover it): results stay below
// 2^53.2, and a multiplication of two such keeps its 128-bit sums below 2^113 and its
// final carry times 19 below 2^62.
static void fe_add_lazy(fe *h, const fe *f, const fe *g) {
    for (int i = 0; i < 5; i++) h->v[i] = f->v[i] + g->v[i];
}

static void fe_sub_lazy(fe *h, const fe *f, const fe *g) {
    h->v[0] = f->v[0] + 0x1FFFFFFFFFFFB4ULL - g->v[0];
    for (int i = 1; i < 5; i++) h->v[i] = f->v[i] + 0x1FFFFFFFFFFFFCULL - g->v[i];
}

static void fe_neg(fe *h, const fe *f) {
    fe zero = {{0, 0, 0, 0, 0}};
    fe_sub(h, &zero, f);
}

static void fe_mul(fe *h, const fe *f, const fe *g) {
    const uint64_t *a = f->v, *b = g->v;
    uint64_t b1 = b[1] * 19, b2 = b[2] * 19, b3 = b[3] * 19, b4 = b[4] * 19;
    u128 r0 = (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 + (u128)a[3] * b2 + (u128)a[4] * b1;
    u128 r1 = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 + (u128)a[3] * b3 + (u128)a[4] * b2;
    u128 r2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b4 + (u128)a[4] * b3;
    u128 r3 = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] + (u128)a[4] * b4;
    u128 r4 = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] + (u128)a[4] * b[0];
    uint64_t c;
    r1 += (uint64_t)(r0 >> 51); h->v[0] = (uint64_t)r0 & mask51;
    r2 += (uint64_t)(r1 >> 51); h->v[1] = (uint64_t)r1 & mask51;
    r3 += (uint64_t)(r2 >> 51); h->v[2] = (uint64_t)r2 & mask51;
    r4 += (uint64_t)(r3 >> 51); h->v[3] = (uint64_t)r3 & mask51;
    c = (uint64_t)(r4 >> 51); h->v[4] = (uint64_t)r4 & mask51;
    h->v[0] += c * 19;
    c = h->v[0] >> 51; h->v[0] &= mask51; h->v[1] += c;
}

// Squaring: the cross products are shared (15 multiplications instead of 25).
static void fe_sq(fe *h, const fe *f) {
    const uint64_t *a = f->v;
    uint64_t a0_2 = a[0] * 2, a1_2 = a[1] * 2, a1_38 = a[1] * 38, a2_38 = a[2] * 38, a3_38 = a[3] * 38,
             a3_19 = a[3] * 19, a4_19 = a[4] * 19;
    u128 r0 = (u128)a[0] * a[0] + (u128)a1_38 * a[4] + (u128)a2_38 * a[3];
    u128 r1 = (u128)a0_2 * a[1] + (u128)a2_38 * a[4] + (u128)a3_19 * a[3];
    u128 r2 = (u128)a0_2 * a[2] + (u128)a[1] * a[1] + (u128)a3_38 * a[4];
    u128 r3 = (u128)a0_2 * a[3] + (u128)a1_2 * a[2] + (u128)a4_19 * a[4];
    u128 r4 = (u128)a0_2 * a[4] + (u128)a1_2 * a[3] + (u128)a[2] * a[2];
    uint64_t c;
    r1 += (uint64_t)(r0 >> 51); h->v[0] = (uint64_t)r0 & mask51;
    r2 += (uint64_t)(r1 >> 51); h->v[1] = (uint64_t)r1 & mask51;
    r3 += (uint64_t)(r2 >> 51); h->v[2] = (uint64_t)r2 & mask51;
    r4 += (uint64_t)(r3 >> 51); h->v[3] = (uint64_t)r3 & mask51;
    c = (uint64_t)(r4 >> 51); h->v[4] = (uint64_t)r4 & mask51;
    h->v[0] += c * 19;
    c = h->v[0] >> 51; h->v[0] &= mask51; h->v[1] += c;
}

static void fe_sqn(fe *h, const fe *f, int n) {
    fe_sq(h, f);
    for (int i = 1; i < n; i++) fe_sq(h, h);
}

static int fe_isnegative(const fe *f) {
    uint8_t s[32];
    fe_tobytes(s, f);
    return s[0] & 1;
}

static int fe_iszero(const fe *f) {
    uint8_t s[32];
    fe_tobytes(s, f);
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++) acc |= s[i];
    return acc == 0;
}

static int fe_equal(const fe *f, const fe *g) {
    fe d;
    fe_sub(&d, f, g);
    return fe_iszero(&d);
}

static void fe_abs(fe *h, const fe *f) {
    if (fe_isnegative(f)) fe_neg(h, f);
    else *h = *f;
}

// z^((p-5)/8) = z^(2^252 - 3).
static void fe_pow22523(fe *out, const fe *z) {
    fe t0, t1, t2;
    fe_sq(&t0, z);
    fe_sqn(&t1, &t0, 2);
    fe_mul(&t1, z, &t1);
    fe_mul(&t0, &t0, &t1);
    fe_sq(&t0, &t0);
    fe_mul(&t0, &t1, &t0);
    fe_sqn(&t1, &t0, 5);
    fe_mul(&t0, &t1, &t0);
    fe_sqn(&t1, &t0, 10);
    fe_mul(&t1, &t1, &t0);
    fe_sqn(&t2, &t1, 20);
    fe_mul(&t1, &t2, &t1);
    fe_sqn(&t1, &t1, 10);
    fe_mul(&t0, &t1, &t0);
    fe_sqn(&t1, &t0, 50);
    fe_mul(&t1, &t1, &t0);
    fe_sqn(&t2, &t1, 100);
    fe_mul(&t1, &t2, &t1);
    fe_sqn(&t1, &t1, 50);
    fe_mul(&t0, &t1, &t0);
    fe_sqn(&t0, &t0, 2);
    fe_mul(out, &t0, z);
}

static const uint8_t bytes_d[32] = {0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41,
                                    0x41, 0x4d, 0x0a, 0x70, 0x00, 0x98, 0xe8, 0x79, 0x77, 0x79, 0x40,
                                    0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
static const uint8_t bytes_d2[32] = {0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83,
                                     0x82, 0x9a, 0x14, 0xe0, 0x00, 0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80,
                                     0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24};
static const uint8_t bytes_sqrt_m1[32] = {0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f,
                                          0xad, 0x06, 0x18, 0x43, 0x2f, 0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00,
                                          0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b};
static const uint8_t bytes_invsqrt_a_minus_d[32] = {
    0xea, 0x40, 0x5d, 0x80, 0xaa, 0xfd, 0xc8, 0x99, 0xbe, 0x72, 0x41, 0x5a, 0x17, 0x16, 0x2f, 0x9d,
    0x40, 0xd8, 0x01, 0xfe, 0x91, 0x7b, 0xc2, 0x16, 0xa2, 0xfc, 0xaf, 0xcf, 0x05, 0x89, 0x6c, 0x78};
// RFC 9496's encoding of the base point B.
static const uint8_t bytes_base[32] = {0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84, 0xa9,
                                       0x61, 0xc5, 0x00, 0x51, 0x5f, 0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82,
                                       0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d, 0x2d, 0x76};

// RFC 9496 SQRT_RATIO_M1(u, v): (was_square, |sqrt(u/v)| or |sqrt(i·u/v)|).
static int sqrt_ratio_m1(fe *r, const fe *u, const fe *v) {
    fe sqrt_m1, v3, v7, t, check, neg_u, neg_u_i;
    fe_frombytes(&sqrt_m1, bytes_sqrt_m1);
    fe_sq(&v3, v);
    fe_mul(&v3, &v3, v);
    fe_sq(&v7, &v3);
    fe_mul(&v7, &v7, v);
    fe_mul(&t, u, &v7);
    fe_pow22523(&t, &t);
    fe_mul(&t, &t, &v3);
    fe_mul(r, &t, u);  // r = u·v³·(u·v⁷)^((p−5)/8)
    fe_sq(&check, r);
    fe_mul(&check, &check, v);
    fe_neg(&neg_u, u);
    fe_mul(&neg_u_i, &neg_u, &sqrt_m1);
    int correct = fe_equal(&check, u);
    int flipped = fe_equal(&check, &neg_u);
    int flipped_i = fe_equal(&check, &neg_u_i);
    if (flipped || flipped_i) fe_mul(r, r, &sqrt_m1);
    fe_abs(r, r);
    return correct || flipped;
}

static int decode(point *p, const uint8_t s_bytes[32]) {
    // Canonical and non-negative: the bytes re-encode to themselves, and bit 0 is clear.
    fe s;
    fe_frombytes(&s, s_bytes);
    uint8_t check[32];
    fe_tobytes(check, &s);
    if (memcmp(check, s_bytes, 32) != 0 || (s_bytes[0] & 1)) return -1;
    fe one = {{1, 0, 0, 0, 0}}, d, ss, u1, u2, u2_sq, v, t, invsqrt, den_x, den_y;
    fe_frombytes(&d, bytes_d);
    fe_sq(&ss, &s);
    fe_sub(&u1, &one, &ss);
    fe_add(&u2, &one, &ss);
    fe_sq(&u2_sq, &u2);
    fe_sq(&t, &u1);
    fe_mul(&t, &t, &d);
    fe_neg(&t, &t);
    fe_sub(&v, &t, &u2_sq);  // v = −d·u1² − u2²
    fe_mul(&t, &v, &u2_sq);
    int was_square = sqrt_ratio_m1(&invsqrt, &one, &t);
    fe_mul(&den_x, &invsqrt, &u2);
    fe_mul(&den_y, &invsqrt, &den_x);
    fe_mul(&den_y, &den_y, &v);
    fe_add(&t, &s, &s);
    fe_mul(&t, &t, &den_x);
    fe_abs(&p->x, &t);
    fe_mul(&p->y, &u1, &den_y);
    p->z = one;
    fe_mul(&p->t, &p->x, &p->y);
    if (!was_square || fe_isnegative(&p->t) || fe_iszero(&p->y)) return -1;
    return 0;
}

static void encode(uint8_t out[32], const point *p) {
    fe sqrt_m1, invsqrt_a_minus_d, u1, u2, t, invsqrt, den1, den2, z_inv, ix, iy, enchanted, x, y, den_inv, one;
    fe_frombytes(&sqrt_m1, bytes_sqrt_m1);
    fe_frombytes(&invsqrt_a_minus_d, bytes_invsqrt_a_minus_d);
    one = (fe){{1, 0, 0, 0, 0}};
    fe_add(&u1, &p->z, &p->y);
    fe_sub(&t, &p->z, &p->y);
    fe_mul(&u1, &u1, &t);
    fe_mul(&u2, &p->x, &p->y);
    fe_sq(&t, &u2);
    fe_mul(&t, &t, &u1);
    sqrt_ratio_m1(&invsqrt, &one, &t);
    fe_mul(&den1, &invsqrt, &u1);
    fe_mul(&den2, &invsqrt, &u2);
    fe_mul(&z_inv, &den1, &den2);
    fe_mul(&z_inv, &z_inv, &p->t);
    fe_mul(&ix, &p->x, &sqrt_m1);
    fe_mul(&iy, &p->y, &sqrt_m1);
    fe_mul(&enchanted, &den1, &invsqrt_a_minus_d);
    fe_mul(&t, &p->t, &z_inv);
    int rotate = fe_isnegative(&t);
    x = rotate ? iy : p->x;
    y = rotate ? ix : p->y;
    den_inv = rotate ? enchanted : den2;
    fe_mul(&t, &x, &z_inv);
    if (fe_isnegative(&t)) fe_neg(&y, &y);
    fe_sub(&t, &p->z, &y);
    fe_mul(&t, &den_inv, &t);
    fe_abs(&t, &t);
    fe_tobytes(out, &t);
}

// A point as additions take it: (Y + X, Y − X, 2d·T, 2Z), so adding it costs eight
// multiplications and subtracting it the same (−(X, Y, Z, T) = (−X, Y, Z, −T): the first
// two swap and 2d·T changes sign).
typedef struct { fe yplusx, yminusx, t2d, z2; } cached;

static void to_cached(cached *c, const point *p, const fe *d2) {
    fe_add(&c->yplusx, &p->y, &p->x);
    fe_sub(&c->yminusx, &p->y, &p->x);
    fe_mul(&c->t2d, &p->t, d2);
    fe_add(&c->z2, &p->z, &p->z);
}

// r = p + q, or p − q when `negative` (add-2008-hwcd-3 with a = −1). r may be p.
static void add_cached(point *r, const point *p, const cached *q, int negative) {
    fe a, b, c, d, e, f, g, h;
    fe_sub_lazy(&a, &p->y, &p->x);
    fe_mul(&a, &a, negative ? &q->yplusx : &q->yminusx);
    fe_add_lazy(&b, &p->y, &p->x);
    fe_mul(&b, &b, negative ? &q->yminusx : &q->yplusx);
    fe_mul(&c, &p->t, &q->t2d);
    fe_mul(&d, &p->z, &q->z2);
    fe_sub_lazy(&e, &b, &a);
    fe_add_lazy(&h, &b, &a);
    if (negative) {
        fe_add_lazy(&f, &d, &c);
        fe_sub_lazy(&g, &d, &c);
    } else {
        fe_sub_lazy(&f, &d, &c);
        fe_add_lazy(&g, &d, &c);
    }
    fe_mul(&r->x, &e, &f);
    fe_mul(&r->y, &g, &h);
    fe_mul(&r->t, &e, &h);
    fe_mul(&r->z, &f, &g);
}

// Doubling (dbl-2008-hwcd with a = −1) up to its four factors: X3 = E·F, Y3 = G·H,
// Z3 = F·G, T3 = E·H.
static void double_factors(const point *p, fe *e, fe *f, fe *g, fe *h) {
    fe a, b, c, t, ab, ac, zero = {{0, 0, 0, 0, 0}};
    fe_sq(&a, &p->x);
    fe_sq(&b, &p->y);
    fe_sq(&c, &p->z);
    fe_add_lazy(&c, &c, &c);  // C = 2Z²
    fe_add(&t, &p->x, &p->y);
    fe_sq(e, &t);
    fe_add_lazy(&ab, &a, &b);
    fe_add_lazy(&ac, &a, &c);
    fe_sub_lazy(e, e, &ab);     // E = (X + Y)² − A − B = 2XY
    fe_sub_lazy(g, &b, &a);     // G = −A + B
    fe_sub_lazy(f, &b, &ac);    // F = G − C
    fe_sub_lazy(h, &zero, &ab); // H = −A − B
}

// Doubling that skips T (one multiplication) when the result is only doubled again.
static void point_double_xyz(point *r, const point *p) {
    fe e, f, g, h;
    double_factors(p, &e, &f, &g, &h);
    fe_mul(&r->x, &e, &f);
    fe_mul(&r->y, &g, &h);
    fe_mul(&r->z, &f, &g);
}

static void point_double(point *r, const point *p) {
    fe e, f, g, h;
    double_factors(p, &e, &f, &g, &h);
    fe_mul(&r->x, &e, &f);
    fe_mul(&r->y, &g, &h);
    fe_mul(&r->t, &e, &h);
    fe_mul(&r->z, &f, &g);
}

// The odd multiples P, 3P, …, (2·count − 1)·P, ready for additions.
static void odd_multiples(cached *table, int count, const point *p, const fe *d2) {
    point twice, multiple = *p;
    cached step;
    point_double(&twice, p);
    to_cached(&step, &twice, d2);
    to_cached(&table[0], p, d2);
    for (int i = 1; i < count; i++) {
        add_cached(&multiple, &multiple, &step, 0);
        to_cached(&table[i], &multiple, d2);
    }
}

// The width-w non-adjacent form of a scalar below 2^255 (32 bytes, little-endian): the
// scalar is the sum of digits[i]·2^i, every digit 0 or odd with |digit| < 2^(w−1), and any
// w consecutive digits hold at most one that is not 0. So a w-bit window of additions
// shrinks to one addition per w + 1 bits on average, from a table of 2^(w−2) odd multiples.
static void naf(int8_t digits[256], const uint8_t scalar[32], int w) {
    uint64_t x[5] = {load64(scalar), load64(scalar + 8), load64(scalar + 16), load64(scalar + 24), 0};
    const int64_t window = (int64_t)1 << w, half = (int64_t)1 << (w - 1);
    for (int i = 0; i < 256; i++) {
        int64_t digit = 0;
        if (x[0] & 1) {
            digit = (int64_t)(x[0] & (uint64_t)(window - 1));
            if (digit >= half) digit -= window;
            // x −= digit: the low w bits become 0 (no borrow: they held the digit's bits);
            // a negative digit adds, carrying upward.
            if (digit > 0) {
                x[0] -= (uint64_t)digit;
            } else {
                uint64_t carry = (uint64_t)(-digit);
                for (int k = 0; k < 5 && carry; k++) {
                    x[k] += carry;
                    carry = x[k] < carry;
                }
            }
        }
        digits[i] = (int8_t)digit;
        for (int k = 0; k < 4; k++) x[k] = (x[k] >> 1) | (x[k + 1] << 63);
        x[4] >>= 1;
    }
}

// The base point's odd multiples B, 3B, …, 127B (width-8 digits), made once: B is fixed.
enum { base_width = 8, point_width = 5 };
static cached base_table[1 << (base_width - 2)];
static pthread_once_t base_table_once = PTHREAD_ONCE_INIT;

static void make_base_table(void) {
    point base;
    fe d2;
    fe_frombytes(&d2, bytes_d2);
    decode(&base, bytes_base);
    odd_multiples(base_table, 1 << (base_width - 2), &base, &d2);
}

static void add_digit(point *q, const cached *table, int digit) {
    if (digit > 0) add_cached(q, q, &table[digit / 2], 0);
    else if (digit < 0) add_cached(q, q, &table[-digit / 2], 1);
}

// a·B + b·P from the top digit down: one doubling per bit, and an addition per non-zero
// digit of either scalar (width-8 digits for a, whose table is made once; width-5 for b,
// whose eight odd multiples of P are made per call). A doubling computes T only when an
// addition or the encoding reads it.
int synod_ristretto255_double_scalarmult_vartime(uint8_t out[32], const uint8_t a[32], const uint8_t encoded[32],
                                                 const uint8_t b[32]) {
    point p;
    if (decode(&p, encoded) != 0) return -1;
    pthread_once(&base_table_once, make_base_table);
    fe d2;
    fe_frombytes(&d2, bytes_d2);
    cached table_p[1 << (point_width - 2)];
    odd_multiples(table_p, 1 << (point_width - 2), &p, &d2);
    int8_t da[256], db[256];
    naf(da, a, base_width);
    naf(db, b, point_width);
    int top = 255;
    while (top >= 0 && da[top] == 0 && db[top] == 0) top--;
    fe zero = {{0, 0, 0, 0, 0}}, one = {{1, 0, 0, 0, 0}};
    point q = {zero, one, one, zero};
    for (int i = top; i >= 0; i--) {
        if (i != top) {
            if (da[i] || db[i] || i == 0) point_double(&q, &q);
            else point_double_xyz(&q, &q);
        }
        add_digit(&q, base_table, da[i]);
        add_digit(&q, table_p, db[i]);
    }
    encode(out, &q);
    return 0;
}
