// Matrix products through BLAS: a hand-written GEMM would be slower and no more exact.
#include <cblas.h>

#include "CTensor.h"

void synod_t_matmul(const float *a, const float *b, size_t n, size_t m, size_t p, float *out) {
    if (n == 0 || p == 0) return;
    if (m == 0) {
        for (size_t i = 0; i < n * p; i++) out[i] = 0;
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)p, (int)m, 1.0f, a, (int)m, b,
                (int)p, 0.0f, out, (int)p);
}

void synod_t_mv(const float *a, const float *v, size_t n, size_t m, float *out) {
    if (n == 0) return;
    if (m == 0) {
        for (size_t i = 0; i < n; i++) out[i] = 0;
        return;
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)m, 1.0f, a, (int)m, v, 1, 0.0f, out, 1);
}
