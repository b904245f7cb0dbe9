// Float32 kernels. Loops are written so the compiler vectorises them without
// reassociating anything: reductions keep 16 independent lanes, combined in a fixed
// order, so every clone (AVX-512, AVX2, baseline) produces the same bits.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "CTensor.h"

#if defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

#define LANES 16
#define BLOCK 1024

/* ---------- memory ---------- */

float *synod_t_alloc(size_t count) {
    size_t bytes = (count ? count : 1) * sizeof(float);
    if (bytes >= (4u << 20)) {
        size_t rounded = (bytes + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
        float *p = aligned_alloc(2u << 20, rounded);
        if (p) madvise(p, rounded, MADV_HUGEPAGE);
        return p;
    }
    return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

void synod_t_free(float *p) { free(p); }

/* ---------- elementwise ---------- */

CLONES void synod_t_binary(synod_binary_op op, const float *a, const float *b, float *out, size_t n) {
    switch (op) {
    case SYNOD_ADD: for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i]; break;
    case SYNOD_SUB: for (size_t i = 0; i < n; i++) out[i] = a[i] - b[i]; break;
    case SYNOD_MUL: for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i]; break;
    case SYNOD_DIV: for (size_t i = 0; i < n; i++) out[i] = a[i] / b[i]; break;
    case SYNOD_POW: for (size_t i = 0; i < n; i++) out[i] = powf(a[i], b[i]); break;
    }
}

CLONES void synod_t_scalar(synod_binary_op op, const float *a, float s, int scalar_first, float *out, size_t n) {
    switch (op) {
    case SYNOD_ADD: for (size_t i = 0; i < n; i++) out[i] = a[i] + s; break;
    case SYNOD_MUL: for (size_t i = 0; i < n; i++) out[i] = a[i] * s; break;
    case SYNOD_SUB:
        if (scalar_first) for (size_t i = 0; i < n; i++) out[i] = s - a[i];
        else for (size_t i = 0; i < n; i++) out[i] = a[i] - s;
        break;
    case SYNOD_DIV:
        if (scalar_first) for (size_t i = 0; i < n; i++) out[i] = s / a[i];
        else for (size_t i = 0; i < n; i++) out[i] = a[i] / s;
        break;
    case SYNOD_POW:
        if (scalar_first) for (size_t i = 0; i < n; i++) out[i] = powf(s, a[i]);
        else if (s == 2.0f) for (size_t i = 0; i < n; i++) out[i] = a[i] * a[i];
        else if (s == 0.5f) for (size_t i = 0; i < n; i++) out[i] = sqrtf(a[i]);
        else for (size_t i = 0; i < n; i++) out[i] = powf(a[i], s);
        break;
    }
}

// exp by range reduction (x = k ln 2 + r) and a degree-6 polynomial (the Cephes
// coefficients), branch-free so it vectorises; about 1 ulp. Results below the smallest
// normal float flush to 0; above 88.72 they are +inf; NaN stays NaN. 2^k is applied as
// two halves so that both stay normal floats over the whole range (k in [-126, 128]).
static inline float exp_kernel(float x) {
    const float log2e = 1.44269504088896341f;
    const float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
    const float hi = 88.72283935546875f, lo = -87.33654475f;
    float xc = x > hi ? hi : (x < lo ? lo : x);
    // NaN passes the clamp; converting it to an integer below would be undefined
    // behaviour (found by the tensor fuzzer), so it is computed as 0 and replaced at the end.
    xc = xc == xc ? xc : 0.0f;
    float t = xc * log2e;
    // Round to nearest by adding and removing 1.5 * 2^23 (valid for |t| < 2^22).
    float kf = (t + 12582912.0f) - 12582912.0f;
    int32_t k = (int32_t)kf;
    float r = xc - kf * ln2_hi;
    r = r - kf * ln2_lo;
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * z + r + 1.0f;
    int32_t k1 = k >> 1, k2 = k - k1;
    union { int32_t i; float f; } s1 = {.i = (k1 + 127) << 23}, s2 = {.i = (k2 + 127) << 23};
    float y = (p * s1.f) * s2.f;
    y = x > hi ? INFINITY : y;
    y = x < lo ? 0.0f : y;
    return x != x ? x : y;
}

CLONES void synod_t_unary(synod_unary_op op, const float *a, float *out, size_t n) {
    switch (op) {
    case SYNOD_NEG: for (size_t i = 0; i < n; i++) out[i] = -a[i]; break;
    case SYNOD_ABS: for (size_t i = 0; i < n; i++) out[i] = fabsf(a[i]); break;
    case SYNOD_EXP: for (size_t i = 0; i < n; i++) out[i] = exp_kernel(a[i]); break;
    case SYNOD_LOG: for (size_t i = 0; i < n; i++) out[i] = logf(a[i]); break;
    case SYNOD_SQRT: for (size_t i = 0; i < n; i++) out[i] = sqrtf(a[i]); break;
    }
}

CLONES int synod_t_exp_checked(const float *a, float *out, size_t n) {
    int flag = 0;
    for (size_t i = 0; i < n; i++) {
        float x = a[i];
        out[i] = exp_kernel(x);
        flag |= (x > 88.72283935546875f) & (x < INFINITY);
    }
    return flag;
}

CLONES void synod_t_clamp(const float *a, float lo, float hi, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = a[i] < lo ? lo : a[i];
        out[i] = v > hi ? hi : v;
    }
}

CLONES void synod_t_compare(synod_compare_op op, const float *a, const float *b, float s, float *out, size_t n) {
    if (b) {
        switch (op) {
        case SYNOD_GT: for (size_t i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1.0f : 0.0f; break;
        case SYNOD_GE: for (size_t i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1.0f : 0.0f; break;
        case SYNOD_LT: for (size_t i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1.0f : 0.0f; break;
        case SYNOD_LE: for (size_t i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1.0f : 0.0f; break;
        case SYNOD_EQ: for (size_t i = 0; i < n; i++) out[i] = a[i] == b[i] ? 1.0f : 0.0f; break;
        case SYNOD_NE: for (size_t i = 0; i < n; i++) out[i] = a[i] != b[i] ? 1.0f : 0.0f; break;
        }
    } else {
        switch (op) {
        case SYNOD_GT: for (size_t i = 0; i < n; i++) out[i] = a[i] > s ? 1.0f : 0.0f; break;
        case SYNOD_GE: for (size_t i = 0; i < n; i++) out[i] = a[i] >= s ? 1.0f : 0.0f; break;
        case SYNOD_LT: for (size_t i = 0; i < n; i++) out[i] = a[i] < s ? 1.0f : 0.0f; break;
        case SYNOD_LE: for (size_t i = 0; i < n; i++) out[i] = a[i] <= s ? 1.0f : 0.0f; break;
        case SYNOD_EQ: for (size_t i = 0; i < n; i++) out[i] = a[i] == s ? 1.0f : 0.0f; break;
        case SYNOD_NE: for (size_t i = 0; i < n; i++) out[i] = a[i] != s ? 1.0f : 0.0f; break;
        }
    }
}

CLONES void synod_t_where(const float *mask, const float *a, float sa, const float *b, float sb, float *out,
                          size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = a ? a[i] : sa;
        float y = b ? b[i] : sb;
        out[i] = mask[i] != 0.0f ? x : y;
    }
}

CLONES void synod_t_ema(const float *x, const float *prev, float alpha, float *out, size_t n) {
    float beta = 1.0f - alpha;
    for (size_t i = 0; i < n; i++) out[i] = alpha * x[i] + beta * prev[i];
}

CLONES void synod_t_fill(float *out, float v, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = v;
}

static inline int finite_f(float x) { return x - x == 0.0f; }

int64_t synod_t_first_introduced_nonfinite(const float *a, const float *b, const float *out, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!finite_f(out[i]) && finite_f(a[i]) && (!b || finite_f(b[i]))) return (int64_t)i;
    return -1;
}

CLONES int synod_t_any_introduced_nonfinite(const float *a, const float *b, const float *out, size_t n) {
    int flag = 0;
    if (b) {
        for (size_t i = 0; i < n; i++) flag |= (!finite_f(out[i])) & finite_f(a[i]) & finite_f(b[i]);
    } else {
        for (size_t i = 0; i < n; i++) flag |= (!finite_f(out[i])) & finite_f(a[i]);
    }
    return flag;
}

CLONES int synod_t_any_nan(const float *a, size_t n) {
    int flag = 0;
    for (size_t i = 0; i < n; i++) flag |= a[i] != a[i];
    return flag;
}

int64_t synod_t_first_nan(const float *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] != a[i]) return (int64_t)i;
    return -1;
}

int64_t synod_t_first_negative(const float *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] < 0.0f) return (int64_t)i;
    return -1;
}

/* ---------- reductions ---------- */

// Every reduction: 16 float lanes over blocks of 1024 elements, lanes combined in a
// fixed pairwise tree, block results accumulated in double.
static inline double combine_lanes(const float acc[LANES]) {
    float s8[8], s4[4], s2[2];
    for (int j = 0; j < 8; j++) s8[j] = acc[j] + acc[j + 8];
    for (int j = 0; j < 4; j++) s4[j] = s8[j] + s8[j + 4];
    for (int j = 0; j < 2; j++) s2[j] = s4[j] + s4[j + 2];
    return (double)(s2[0] + s2[1]);
}

#define REDUCE(NAME, ARGS, EXPR)                                                         \
    CLONES double NAME ARGS {                                                            \
        double total = 0;                                                                \
        size_t i = 0;                                                                    \
        while (i < n) {                                                                  \
            size_t end = i + BLOCK < n ? i + BLOCK : n;                                  \
            float acc[LANES] = {0};                                                      \
            for (; i + LANES <= end; i += LANES)                                         \
                for (int j = 0; j < LANES; j++) {                                        \
                    size_t k = i + (size_t)j;                                            \
                    acc[j] += (EXPR);                                                    \
                }                                                                        \
            for (int j = 0; i < end; i++, j++) {                                         \
                size_t k = i;                                                            \
                acc[j] += (EXPR);                                                        \
            }                                                                            \
            total += combine_lanes(acc);                                                 \
        }                                                                                \
        return total;                                                                    \
    }

REDUCE(synod_t_sum, (const float *a, size_t n), a[k])
REDUCE(synod_t_sum_squares, (const float *a, size_t n), a[k] * a[k])
REDUCE(synod_t_sum_abs, (const float *a, size_t n), fabsf(a[k]))
REDUCE(synod_t_dot, (const float *a, const float *b, size_t n), a[k] * b[k])

CLONES double synod_t_sum_checked(const float *a, size_t n, int *bad) {
    double total = 0;
    int flag = 0;
    size_t i = 0;
    while (i < n) {
        size_t end = i + BLOCK < n ? i + BLOCK : n;
        float acc[LANES] = {0};
        int neg[LANES] = {0};
        for (; i + LANES <= end; i += LANES)
            for (int j = 0; j < LANES; j++) {
                float x = a[i + (size_t)j];
                acc[j] += x;
                neg[j] |= !(x >= 0.0f);  // true for negatives and NaN
            }
        for (int j = 0; i < end; i++, j++) {
            acc[j] += a[i];
            neg[j] |= !(a[i] >= 0.0f);
        }
        for (int j = 0; j < LANES; j++) flag |= neg[j];
        total += combine_lanes(acc);
    }
    *bad = flag;
    return total;
}

double synod_t_sum_pow_abs(const float *a, float p, size_t n) {
    double total = 0;
    for (size_t i = 0; i < n; i++) total += pow(fabs((double)a[i]), (double)p);
    return total;
}

float synod_t_min(const float *a, size_t n, int64_t *index) {
    int64_t best = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] != a[i]) {
            *index = (int64_t)i;
            return a[i];
        }
        if (a[i] < a[best]) best = (int64_t)i;
    }
    *index = n ? best : -1;
    return n ? a[best] : NAN;
}

float synod_t_max(const float *a, size_t n, int64_t *index) {
    int64_t best = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] != a[i]) {
            *index = (int64_t)i;
            return a[i];
        }
        if (a[i] > a[best]) best = (int64_t)i;
    }
    *index = n ? best : -1;
    return n ? a[best] : NAN;
}

CLONES float synod_t_max_abs(const float *a, size_t n) {
    float m = 0;
    for (size_t i = 0; i < n; i++) {
        float v = fabsf(a[i]);
        m = v > m ? v : m;
    }
    return m;
}

void synod_t_row_sums(const float *a, size_t rows, size_t cols, float *out) {
    for (size_t r = 0; r < rows; r++) out[r] = (float)synod_t_sum(a + r * cols, cols);
}

CLONES void synod_t_col_sums(const float *a, size_t rows, size_t cols, float *out) {
    // Rows are added in order, each column in double: the same order on every clone.
    double *acc = calloc(cols ? cols : 1, sizeof(double));
    if (!acc) {
        // No scratch: sum column by column (slower, same order, same result). Every output
        // is still written, so no stale heap memory can reach the caller.
        for (size_t c = 0; c < cols; c++) {
            double s = 0;
            for (size_t r = 0; r < rows; r++) s += (double)a[r * cols + c];
            out[c] = (float)s;
        }
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        const float *row = a + r * cols;
        for (size_t c = 0; c < cols; c++) acc[c] += (double)row[c];
    }
    for (size_t c = 0; c < cols; c++) out[c] = (float)acc[c];
    free(acc);
}

/* ---------- scoring helpers ---------- */

CLONES static void exp_shifted(const float *a, float shift, float scale, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = exp_kernel((a[i] - shift) * scale);
}

void synod_t_softmax(const float *a, float temperature, float *out, size_t n) {
    if (n == 0) return;
    int64_t at;
    float m = synod_t_max(a, n, &at);
    exp_shifted(a, m, 1.0f / temperature, out, n);
    float s = (float)synod_t_sum(out, n);
    synod_t_scalar(SYNOD_MUL, out, 1.0f / s, 0, out, n);
}

void synod_t_row_cosine(const float *m, size_t rows, size_t d, const float *v, float *out) {
    double vn = sqrt(synod_t_sum_squares(v, d));
    for (size_t r = 0; r < rows; r++) {
        const float *row = m + r * d;
        double rn = sqrt(synod_t_sum_squares(row, d));
        out[r] = (rn == 0 || vn == 0) ? 0.0f : (float)(synod_t_dot(row, v, d) / (rn * vn));
    }
}

/* ---------- selection and sorting ---------- */

// "x ranks above y": larger value first, NaN last, ties by lower index.
static inline int above(float x, int64_t ix, float y, int64_t iy) {
    int xn = x != x, yn = y != y;
    if (xn != yn) return yn;
    if (!xn && x != y) return x > y;
    return ix < iy;
}

static inline void swap_at(float *values, int64_t *indices, size_t i, size_t j) {
    float tv = values[i];
    values[i] = values[j];
    values[j] = tv;
    int64_t ti = indices[i];
    indices[i] = indices[j];
    indices[j] = ti;
}

// Restores the heap below p: the root holds the element every other one ranks above.
static void sift_down(float *values, int64_t *indices, size_t p, size_t size) {
    for (;;) {
        size_t l = 2 * p + 1, r = l + 1, w = p;
        if (l < size && above(values[w], indices[w], values[l], indices[l])) w = l;
        if (r < size && above(values[w], indices[w], values[r], indices[r])) w = r;
        if (w == p) return;
        swap_at(values, indices, p, w);
        p = w;
    }
}

void synod_t_topk(const float *a, size_t n, size_t k, float *values, int64_t *indices) {
    if (k > n) k = n;
    if (k == 0) return;
    // A heap of the k best seen so far, the worst of them at the root: O(n log k).
    size_t size = 0;
    for (size_t i = 0; i < n; i++) {
        float x = a[i];
        if (size == k) {
            if (!above(x, (int64_t)i, values[0], indices[0])) continue;
            values[0] = x;
            indices[0] = (int64_t)i;
            sift_down(values, indices, 0, size);
            continue;
        }
        size_t c = size++;
        values[c] = x;
        indices[c] = (int64_t)i;
        while (c > 0) {
            size_t p = (c - 1) / 2;
            if (!above(values[p], indices[p], values[c], indices[c])) break;
            swap_at(values, indices, p, c);
            c = p;
        }
    }
    // Move the root (the worst) to the back until the heap is empty: best ends up first.
    for (size_t end = size; end > 1; end--) {
        swap_at(values, indices, 0, end - 1);
        sift_down(values, indices, 0, end - 1);
    }
}

typedef struct sort_ctx {
    const float *a;
    int descending;
} sort_ctx;

// Merge sort of indices: stable, O(n log n) worst case, no recursion depth issues.
static int before(const sort_ctx *c, int64_t x, int64_t y) {
    float vx = c->a[x], vy = c->a[y];
    int xn = vx != vx, yn = vy != vy;
    if (xn || yn) return !xn && yn;  // NaN last, and stable among NaNs
    return c->descending ? vx > vy : vx < vy;
}

void synod_t_argsort(const float *a, size_t n, int descending, int64_t *indices) {
    for (size_t i = 0; i < n; i++) indices[i] = (int64_t)i;
    if (n < 2) return;
    int64_t *tmp = malloc(n * sizeof(int64_t));
    if (!tmp) return;
    sort_ctx c = {a, descending};
    int64_t *src = indices, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = before(&c, src[j], src[i]) ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        int64_t *t = src; src = dst; dst = t;
    }
    if (src != indices) memcpy(indices, src, n * sizeof(int64_t));
    free(tmp);
}

/* ---------- matrices ---------- */

void synod_t_transpose(const float *a, size_t rows, size_t cols, float *out) {
    const size_t T = 32;
    for (size_t r0 = 0; r0 < rows; r0 += T)
        for (size_t c0 = 0; c0 < cols; c0 += T) {
            size_t r1 = r0 + T < rows ? r0 + T : rows, c1 = c0 + T < cols ? c0 + T : cols;
            for (size_t r = r0; r < r1; r++)
                for (size_t c = c0; c < c1; c++) out[c * rows + r] = a[r * cols + c];
        }
}

/* ---------- random ---------- */

void synod_t_random(uint64_t seed, float *out, size_t n) {
    uint64_t state = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        out[i] = (float)(z >> 40) * (1.0f / 16777216.0f);
    }
}
