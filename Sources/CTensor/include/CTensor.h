// CTensor: Float32 kernels for Synod's tensors.
//
// Why C: each loop is compiled several times (AVX-512, AVX2 and baseline x86-64) and the
// best clone is chosen when the process starts, as numpy does; Swift has no per-function
// target selection. Determinism: reductions use a fixed order that does not depend on the
// clone chosen (16 lanes, blocks of 1024, block sums in double), and floating-point
// contraction (FMA) is off, so one build gives the same bits on every x86-64 machine.
// Matrix products go to BLAS (OpenBLAS), whose results may differ between machines.
#ifndef CTENSOR_H
#define CTENSOR_H

#include <stddef.h>
#include <stdint.h>

typedef enum synod_binary_op {
    SYNOD_ADD = 0, SYNOD_SUB = 1, SYNOD_MUL = 2, SYNOD_DIV = 3, SYNOD_POW = 4,
} synod_binary_op;

typedef enum synod_unary_op {
    SYNOD_NEG = 0, SYNOD_ABS = 1, SYNOD_EXP = 2, SYNOD_LOG = 3, SYNOD_SQRT = 4,
} synod_unary_op;

typedef enum synod_compare_op {
    SYNOD_GT = 0, SYNOD_GE = 1, SYNOD_LT = 2, SYNOD_LE = 3, SYNOD_EQ = 4, SYNOD_NE = 5,
} synod_compare_op;

/// Memory for tensor data: 64-byte aligned; 4 MiB and more as transparent huge pages
/// (as numpy does), which makes first-touch page faults 512 times rarer.
float *synod_t_alloc(size_t count);
void synod_t_free(float *p);

/// Sum of `a` and whether any element is negative or NaN (one pass, for normalize).
double synod_t_sum_checked(const float *a, size_t n, int *bad);

/// out[i] = a[i] op b[i]
void synod_t_binary(synod_binary_op op, const float *a, const float *b, float *out, size_t n);
/// out[i] = a[i] op s, or s op a[i] when `scalar_first` is nonzero.
void synod_t_scalar(synod_binary_op op, const float *a, float s, int scalar_first, float *out, size_t n);
void synod_t_unary(synod_unary_op op, const float *a, float *out, size_t n);
/// exp, also reporting (nonzero) whether a finite input overflowed to +inf.
int synod_t_exp_checked(const float *a, float *out, size_t n);
void synod_t_clamp(const float *a, float lo, float hi, float *out, size_t n);
/// out[i] = a[i] cmp b[i] (b may be NULL: compare with s) as 1 or 0.
void synod_t_compare(synod_compare_op op, const float *a, const float *b, float s, float *out, size_t n);
/// out[i] = mask[i] != 0 ? a[i] : b[i]; a or b NULL means the scalar sa or sb.
void synod_t_where(const float *mask, const float *a, float sa, const float *b, float sb, float *out, size_t n);
/// out[i] = alpha * x[i] + (1 - alpha) * prev[i]
void synod_t_ema(const float *x, const float *prev, float alpha, float *out, size_t n);
void synod_t_fill(float *out, float v, size_t n);

/// Index of the first element that is NaN or infinite in `out` while every input at that
/// index was finite (b may be NULL), or -1. Used to refuse NaN/Inf introduced by an op.
int64_t synod_t_first_introduced_nonfinite(const float *a, const float *b, const float *out, size_t n);
/// Whether any element of `out` is NaN or infinite where the inputs were finite (one
/// vectorised pass; find the index with synod_t_first_introduced_nonfinite).
int synod_t_any_introduced_nonfinite(const float *a, const float *b, const float *out, size_t n);
/// Whether any element is NaN (one vectorised pass).
int synod_t_any_nan(const float *a, size_t n);
/// Index of the first NaN, or -1.
int64_t synod_t_first_nan(const float *a, size_t n);
/// Index of the first negative element, or -1.
int64_t synod_t_first_negative(const float *a, size_t n);

double synod_t_sum(const float *a, size_t n);
double synod_t_sum_squares(const float *a, size_t n);
double synod_t_sum_abs(const float *a, size_t n);
double synod_t_dot(const float *a, const float *b, size_t n);
/// Min or max (NaN if any element is NaN); index is 0-based, first occurrence.
float synod_t_min(const float *a, size_t n, int64_t *index);
float synod_t_max(const float *a, size_t n, int64_t *index);
float synod_t_max_abs(const float *a, size_t n);
double synod_t_sum_pow_abs(const float *a, float p, size_t n);

/// Row sums (length rows) and column sums (length cols) of a row-major matrix.
void synod_t_row_sums(const float *a, size_t rows, size_t cols, float *out);
void synod_t_col_sums(const float *a, size_t rows, size_t cols, float *out);

/// out = softmax(a / temperature), computed stably.
void synod_t_softmax(const float *a, float temperature, float *out, size_t n);
/// Cosine similarity of each row of m (rows x d) with v (d); 0 where a norm is 0.
void synod_t_row_cosine(const float *m, size_t rows, size_t d, const float *v, float *out);

/// The k largest values, largest first, ties by lower index; indices 0-based.
void synod_t_topk(const float *a, size_t n, size_t k, float *values, int64_t *indices);
/// Stable ascending (or descending) order; NaNs last. indices 0-based.
void synod_t_argsort(const float *a, size_t n, int descending, int64_t *indices);

void synod_t_transpose(const float *a, size_t rows, size_t cols, float *out);
/// out (n x p) = a (n x m) * b (m x p), through BLAS.
void synod_t_matmul(const float *a, const float *b, size_t n, size_t m, size_t p, float *out);
/// out (n) = a (n x m) * v (m), through BLAS.
void synod_t_mv(const float *a, const float *v, size_t n, size_t m, float *out);

/// Uniform floats in [0, 1) from a seed; the same on every machine (splitmix64).
void synod_t_random(uint64_t seed, float *out, size_t n);

#endif
