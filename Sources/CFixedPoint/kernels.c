// Four-lane (AVX2 + FMA) forms of the epoch's two hottest sweeps, for runs of entries whose
// columns are consecutive (a dense row is one such run). Each kernel takes groups of four
// entries while every lane meets the conditions under which its exact integer arithmetic
// agrees bit for bit with the scalar Q32.32 code, and stops at the first group that does
// not: the caller finishes that group on its scalar path and calls again. Without AVX2 and
// FMA (checked once, at load) the kernels take nothing.
#include "CFixedPoint.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

static int vector_available;

__attribute__((constructor)) static void detect_vector(void) {
    __builtin_cpu_init();
    vector_available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int synod_q32_vector_available(void) { return vector_available; }

#define VECTOR __attribute__((target("avx2,fma"))) static inline

// 2^52 as a double and as its bits: an integer below 2^52 or'ed into the mantissa of 2^52 is
// that double plus 2^52 (AVX2 has no 64-bit integer <-> double conversion).
#define TWO52_BITS 0x4330000000000000LL

VECTOR __m256d to_double(__m256i a) {
    return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(a, _mm256_set1_epi64x(TWO52_BITS))),
                         _mm256_set1_pd(4503599627370496.0));
}

VECTOR __m256i to_integer(__m256d a) {
    return _mm256_xor_si256(_mm256_castpd_si256(_mm256_add_pd(a, _mm256_set1_pd(4503599627370496.0))),
                            _mm256_set1_epi64x(TWO52_BITS));
}

/// Lanes (all bits) where a < bound, for non-negative a and bound (signed compare is exact).
VECTOR __m256i below(__m256i a, int64_t bound) { return _mm256_cmpgt_epi64(_mm256_set1_epi64x(bound), a); }

/// Whether every lane of `mask` is set.
VECTOR int all(__m256i mask) { return _mm256_movemask_pd(_mm256_castsi256_pd(mask)) == 0xf; }

/// floor(a * 2^32 / b) in each lane, or a where b is 0 (`divideUnlessZero`), when `ok`
/// comes back set: 0 <= a < 2^52; b >= 0 and either below 2^53 or a multiple of 2^10 (a
/// double holds it exactly: a column sum of stored u16 bonds, multiples of 2^32, may pass
/// 2^53); and (a >> 13) < b where b > 0 (a quotient below 2^45, the scalar reciprocal's own
/// condition). The estimate a * (2^32 / b) is within 0.52 of the quotient, so rounded it is
/// the floor or one more; the remainder q * b - a * 2^32 is an integer of magnitude at most
/// b and, like b, below 2^53 or a multiple of 2^10 below 2^63: a double holds it, so one
/// fused multiply-add gives it exactly, and the quotient is one too many exactly when it is
/// positive.
VECTOR __m256i divide(__m256i a, __m256i b, __m256d scale, __m256i *ok) {
    __m256i zero = _mm256_setzero_si256();
    __m256i bIsZero = _mm256_cmpeq_epi64(b, zero);
    __m256i lanesOk = _mm256_and_si256(_mm256_cmpgt_epi64(a, _mm256_set1_epi64x(-1)), below(a, 1LL << 52));
    __m256i exact = _mm256_or_si256(below(b, 1LL << 53),
                                    _mm256_cmpeq_epi64(_mm256_and_si256(b, _mm256_set1_epi64x(1023)), zero));
    lanesOk = _mm256_and_si256(lanesOk, _mm256_and_si256(_mm256_cmpgt_epi64(b, _mm256_set1_epi64x(-1)), exact));
    __m256i fits = _mm256_or_si256(bIsZero, _mm256_cmpgt_epi64(b, _mm256_srli_epi64(a, 13)));
    *ok = _mm256_and_si256(lanesOk, fits);

    __m256d ad = to_double(a);
    // b's two halves, each exact, added: exact whenever b is (the lanes kept).
    __m256d bd = _mm256_fmadd_pd(to_double(_mm256_srli_epi64(b, 32)), _mm256_set1_pd(4294967296.0),
                                 to_double(_mm256_and_si256(b, _mm256_set1_epi64x(0xffffffffLL))));
    __m256d round = _mm256_set1_pd(6755399441055744.0); // 1.5 * 2^52: adding it rounds to an integer
    __m256d q = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(ad, scale), round), round);
    __m256d r = _mm256_fmadd_pd(q, bd, _mm256_mul_pd(ad, _mm256_set1_pd(-4294967296.0)));
    q = _mm256_sub_pd(q, _mm256_and_pd(_mm256_cmp_pd(r, _mm256_setzero_pd(), _CMP_GT_OQ), _mm256_set1_pd(1.0)));
    return _mm256_blendv_epi8(to_integer(q), a, bIsZero);
}

/// floor(x * y / 2^32) in each lane for x, y >= 0 with x * y < 2^95 (the caller checks): with
/// x = xh 2^32 + xl, the product is xl yl + (xh yl + xl yh) 2^32 + xh yh 2^64, each part one
/// 32 x 32-bit multiplication, and every part of the floor-shifted sum at most the result.
VECTOR __m256i multiply(__m256i x, __m256i y) {
    __m256i xh = _mm256_srli_epi64(x, 32);
    __m256i yh = _mm256_srli_epi64(y, 32);
    __m256i low = _mm256_srli_epi64(_mm256_mul_epu32(x, y), 32);
    __m256i middle = _mm256_add_epi64(_mm256_mul_epu32(xh, y), _mm256_mul_epu32(x, yh));
    return _mm256_add_epi64(_mm256_add_epi64(low, middle), _mm256_slli_epi64(_mm256_mul_epu32(xh, yh), 32));
}

/// Four values from `values` divided by columns j..j + 3 of `scale` (`divide`'s conditions in `ok`).
VECTOR __m256i divide_by_columns(const int64_t *values, synod_q32_columns scale, int64_t j, __m256i *ok) {
    return divide(_mm256_loadu_si256((const __m256i *)values), _mm256_loadu_si256((const __m256i *)(scale.divisor + j)),
                  _mm256_loadu_pd(scale.scale + j), ok);
}

/// Whether the four columns from `columns` are j, j + 1, j + 2, j + 3.
VECTOR int consecutive(const int64_t *columns) {
    __m256i c = _mm256_loadu_si256((const __m256i *)columns);
    __m256i expected = _mm256_add_epi64(_mm256_set1_epi64x(columns[0]), _mm256_setr_epi64x(0, 1, 2, 3));
    return all(_mm256_cmpeq_epi64(c, expected));
}

__attribute__((target("avx2,fma"))) static size_t scaled_average_avx2(
    const int64_t *columns, const int64_t *x, const int64_t *y, size_t count, int64_t alpha,
    int64_t one_minus_alpha, synod_q32_columns x_scale, synod_q32_columns y_scale, int64_t *out_columns,
    int64_t *out_values, int64_t *sums, int64_t *maxes) {
    __m256i a = _mm256_set1_epi64x(alpha);
    __m256i b = _mm256_set1_epi64x(one_minus_alpha);
    size_t k = 0;
    for (; k + 4 <= count; k += 4) {
        if (!consecutive(columns + k)) break;
        int64_t j = columns[k];
        __m256i xOk, yOk;
        __m256i xq = divide_by_columns(x + k, x_scale, j, &xOk);
        __m256i yq = divide_by_columns(y + k, y_scale, j, &yOk);
        __m256i value = _mm256_add_epi64(multiply(a, xq), multiply(b, yq));
        __m256i sum = _mm256_loadu_si256((const __m256i *)(sums + j));
        // Every quotient a factor of a 33-bit product, every result kept (> 0), every sum far
        // from saturating: then the scalar code's saturating steps are plain ones.
        __m256i ok = _mm256_and_si256(_mm256_and_si256(xOk, yOk),
                                      _mm256_and_si256(below(xq, 1LL << 33), below(yq, 1LL << 33)));
        ok = _mm256_and_si256(ok, _mm256_cmpgt_epi64(value, _mm256_setzero_si256()));
        ok = _mm256_and_si256(ok, _mm256_and_si256(_mm256_cmpgt_epi64(sum, _mm256_set1_epi64x(-1)),
                                                   below(sum, 1LL << 62)));
        if (!all(ok)) break;
        __m256i top = _mm256_loadu_si256((const __m256i *)(maxes + j));
        _mm256_storeu_si256((__m256i *)(sums + j), _mm256_add_epi64(sum, value));
        _mm256_storeu_si256((__m256i *)(maxes + j), _mm256_blendv_epi8(top, value, _mm256_cmpgt_epi64(value, top)));
        _mm256_storeu_si256((__m256i *)(out_columns + k), _mm256_loadu_si256((const __m256i *)(columns + k)));
        _mm256_storeu_si256((__m256i *)(out_values + k), value);
    }
    return k;
}

__attribute__((target("avx2,fma"))) static size_t normalize_dot_avx2(const int64_t *columns, int64_t *values,
                                                                     size_t count, synod_q32_columns scale,
                                                                     const int64_t *weight, int64_t *total) {
    __m256i sum = _mm256_setzero_si256();
    int64_t start = *total;
    size_t k = 0;
    // Each term is below 2^35, so a total below 2^62 at the start stays far from saturating
    // over any row (at most 2^16 entries).
    if (start < 0 || start >= 1LL << 62) return 0;
    for (; k + 4 <= count; k += 4) {
        if (!consecutive(columns + k)) break;
        int64_t j = columns[k];
        __m256i ok;
        __m256i q = divide_by_columns(values + k, scale, j, &ok);
        __m256i w = _mm256_loadu_si256((const __m256i *)(weight + j));
        ok = _mm256_and_si256(ok, _mm256_and_si256(below(q, 1LL << 33), below(w, 1LL << 33)));
        ok = _mm256_and_si256(ok, _mm256_cmpgt_epi64(w, _mm256_set1_epi64x(-1)));
        if (!all(ok)) break;
        _mm256_storeu_si256((__m256i *)(values + k), q);
        sum = _mm256_add_epi64(sum, multiply(w, q));
    }
    int64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, sum);
    *total = start + lanes[0] + lanes[1] + lanes[2] + lanes[3];
    return k;
}

__attribute__((target("avx2,fma"))) static size_t clip_avx2(const int64_t *columns, const int64_t *weights,
                                                            size_t count, const int64_t *threshold, int64_t stake,
                                                            int64_t *clipped, int64_t *staked, int64_t *out_columns,
                                                            int64_t *ranks, int64_t *trust) {
    __m256i s = _mm256_set1_epi64x(stake);
    __m256i zero = _mm256_setzero_si256();
    __m256i rowTrust = zero;
    size_t k = 0;
    for (; k + 4 <= count; k += 4) {
        if (!consecutive(columns + k)) break;
        int64_t j = columns[k];
        __m256i v = _mm256_loadu_si256((const __m256i *)(weights + k));
        __m256i t = _mm256_loadu_si256((const __m256i *)(threshold + j));
        __m256i clips = _mm256_cmpgt_epi64(v, t);
        // A weight over a threshold of 0 or less is dropped: the scalar path's to keep columns.
        __m256i dropped = _mm256_andnot_si256(_mm256_cmpgt_epi64(t, zero), clips);
        __m256i value = _mm256_blendv_epi8(v, t, clips);
        __m256i ok = _mm256_andnot_si256(dropped, _mm256_and_si256(_mm256_cmpgt_epi64(value, _mm256_set1_epi64x(-1)),
                                                                   below(value, 1LL << 33)));
        if (!all(ok)) break;
        __m256i term = multiply(s, value);
        __m256i rank = _mm256_loadu_si256((const __m256i *)(ranks + j));
        _mm256_storeu_si256((__m256i *)(ranks + j), _mm256_add_epi64(rank, term));
        rowTrust = _mm256_add_epi64(rowTrust, value);
        __m256i c = _mm256_loadu_si256((const __m256i *)(columns + k));
        _mm256_storeu_si256((__m256i *)(out_columns + k), c);
        _mm256_storeu_si256((__m256i *)(clipped + k), value);
        _mm256_storeu_si256((__m256i *)(staked + k), term);
    }
    int64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, rowTrust);
    *trust += lanes[0] + lanes[1] + lanes[2] + lanes[3];
    return k;
}

__attribute__((target("avx2,fma"))) static size_t divide_each_avx2(int64_t *values, size_t count, int64_t divisor,
                                                                   double scale) {
    __m256i b = _mm256_set1_epi64x(divisor);
    __m256d d = _mm256_set1_pd(scale);
    size_t k = 0;
    for (; k + 4 <= count; k += 4) {
        __m256i ok;
        __m256i q = divide(_mm256_loadu_si256((const __m256i *)(values + k)), b, d, &ok);
        if (!all(ok)) break;
        _mm256_storeu_si256((__m256i *)(values + k), q);
    }
    return k;
}

__attribute__((target("avx2,fma"))) static size_t proportions_avx2(const int64_t *columns, const int64_t *values,
                                                                   size_t count, synod_q32_columns scale,
                                                                   synod_stored_entry *out) {
    size_t k = 0;
    for (; k + 4 <= count; k += 4) {
        if (!consecutive(columns + k)) break;
        int64_t j = columns[k];
        __m256i ok;
        __m256i q = divide_by_columns(values + k, scale, j, &ok);
        if (!all(_mm256_and_si256(ok, below(q, 1LL << 33)))) break;
        // (q * 65535 in Q32.32) >> 32: at most 65535 for q <= 2^32, clamped above as the scalar is.
        __m256i p = _mm256_srli_epi64(multiply(q, _mm256_set1_epi64x(65535LL << 32)), 32);
        __m256i top = _mm256_set1_epi64x(65535);
        p = _mm256_blendv_epi8(p, top, _mm256_cmpgt_epi64(p, top));
        // (uid, value) pairs, two per store; a value's 8 bytes (with the entry's padding) hold it.
        __m256i uid = _mm256_loadu_si256((const __m256i *)(columns + k));
        __m256i even = _mm256_unpacklo_epi64(uid, p);  // (uid0, p0), (uid2, p2)
        __m256i odd = _mm256_unpackhi_epi64(uid, p);   // (uid1, p1), (uid3, p3)
        _mm256_storeu_si256((__m256i *)(out + k), _mm256_permute2x128_si256(even, odd, 0x20));
        _mm256_storeu_si256((__m256i *)(out + k + 2), _mm256_permute2x128_si256(even, odd, 0x31));
    }
    return k;
}

__attribute__((target("avx2,fma"))) static size_t load_avx2(const synod_stored_entry *entries, size_t count,
                                                            int64_t *last, int64_t skip, const uint64_t *registered,
                                                            uint64_t updated, const uint8_t *masked,
                                                            int64_t *out_columns, int64_t *out_values, int64_t *sums,
                                                            int64_t *total) {
    __m256i sign = _mm256_set1_epi64x(INT64_MIN);
    __m256i flippedUpdated = _mm256_xor_si256(_mm256_set1_epi64x((int64_t)updated), sign);
    __m256i rowSum = _mm256_setzero_si256();
    int64_t previous = *last;
    size_t k = 0;
    for (; k + 4 <= count; k += 4) {
        // Two entries per load: (uid, value) (uid, value), the values' unused bytes masked off.
        __m256i front = _mm256_loadu_si256((const __m256i *)(entries + k));
        __m256i back = _mm256_loadu_si256((const __m256i *)(entries + k + 2));
        __m256i uid = _mm256_permute4x64_epi64(_mm256_unpacklo_epi64(front, back), 0xd8);
        __m256i value = _mm256_and_si256(_mm256_permute4x64_epi64(_mm256_unpackhi_epi64(front, back), 0xd8),
                                         _mm256_set1_epi64x(0xffff));
        int64_t j = entries[k].uid;
        __m256i expected = _mm256_add_epi64(_mm256_set1_epi64x(j), _mm256_setr_epi64x(0, 1, 2, 3));
        if (j <= previous || !all(_mm256_cmpeq_epi64(uid, expected))) break;
        if (skip >= j && skip <= j + 3) break;
        if (registered) {
            // updated > registered[uid], unsigned: both flipped into signed order.
            __m256i r = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(registered + j)), sign);
            if (!all(_mm256_cmpgt_epi64(flippedUpdated, r))) break;
        }
        if (masked) {
            uint32_t four;
            memcpy(&four, masked + j, 4);
            if (four != 0) break;
        }
        __m256i fixed = _mm256_slli_epi64(value, 32);
        if (sums) {
            __m256i sum = _mm256_loadu_si256((const __m256i *)(sums + j));
            // Far from saturating (each value is below 2^48): the scalar sum's saturation never acts.
            if (!all(_mm256_and_si256(_mm256_cmpgt_epi64(sum, _mm256_set1_epi64x(-1)), below(sum, 1LL << 62)))) break;
            _mm256_storeu_si256((__m256i *)(sums + j), _mm256_add_epi64(sum, fixed));
        }
        _mm256_storeu_si256((__m256i *)(out_columns + k), uid);
        _mm256_storeu_si256((__m256i *)(out_values + k), fixed);
        rowSum = _mm256_add_epi64(rowSum, value);
        previous = j + 3;
    }
    int64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, rowSum);
    if (total) *total += lanes[0] + lanes[1] + lanes[2] + lanes[3];
    *last = previous;
    return k;
}

size_t synod_q32_scaled_average(const int64_t *columns, const int64_t *x, const int64_t *y, size_t count,
                                int64_t alpha, int64_t one_minus_alpha, synod_q32_columns x_scale,
                                synod_q32_columns y_scale, int64_t *out_columns, int64_t *out_values,
                                int64_t *sums, int64_t *maxes) {
    if (!vector_available || alpha < 0 || alpha >= 1LL << 33 || one_minus_alpha < 0 ||
        one_minus_alpha >= 1LL << 33)
        return 0;
    return scaled_average_avx2(columns, x, y, count, alpha, one_minus_alpha, x_scale, y_scale, out_columns,
                               out_values, sums, maxes);
}

size_t synod_q32_normalize_dot(const int64_t *columns, int64_t *values, size_t count, synod_q32_columns scale,
                               const int64_t *weight, int64_t *total) {
    if (!vector_available) return 0;
    return normalize_dot_avx2(columns, values, count, scale, weight, total);
}

size_t synod_q32_clip(const int64_t *columns, const int64_t *weights, size_t count, const int64_t *threshold,
                      int64_t stake, int64_t *clipped, int64_t *staked, int64_t *out_columns, int64_t *ranks,
                      int64_t *trust) {
    if (!vector_available || stake < 0 || stake >= 1LL << 33) return 0;
    return clip_avx2(columns, weights, count, threshold, stake, clipped, staked, out_columns, ranks, trust);
}

size_t synod_q32_divide_each(int64_t *values, size_t count, int64_t divisor, double scale) {
    if (!vector_available) return 0;
    return divide_each_avx2(values, count, divisor, scale);
}

size_t synod_q32_proportions(const int64_t *columns, const int64_t *values, size_t count, synod_q32_columns scale,
                             synod_stored_entry *out) {
    if (!vector_available) return 0;
    return proportions_avx2(columns, values, count, scale, out);
}

size_t synod_q32_load(const synod_stored_entry *entries, size_t count, int64_t *last, int64_t skip,
                      const uint64_t *registered, uint64_t updated, const uint8_t *masked, int64_t *out_columns,
                      int64_t *out_values, int64_t *sums, int64_t *total) {
    if (!vector_available) return 0;
    return load_avx2(entries, count, last, skip, registered, updated, masked, out_columns, out_values, sums, total);
}

#else

int synod_q32_vector_available(void) { return 0; }

size_t synod_q32_scaled_average(const int64_t *columns, const int64_t *x, const int64_t *y, size_t count,
                                int64_t alpha, int64_t one_minus_alpha, synod_q32_columns x_scale,
                                synod_q32_columns y_scale, int64_t *out_columns, int64_t *out_values,
                                int64_t *sums, int64_t *maxes) {
    return 0;
}

size_t synod_q32_normalize_dot(const int64_t *columns, int64_t *values, size_t count, synod_q32_columns scale,
                               const int64_t *weight, int64_t *total) {
    return 0;
}

size_t synod_q32_clip(const int64_t *columns, const int64_t *weights, size_t count, const int64_t *threshold,
                      int64_t stake, int64_t *clipped, int64_t *staked, int64_t *out_columns, int64_t *ranks,
                      int64_t *trust) {
    return 0;
}

size_t synod_q32_divide_each(int64_t *values, size_t count, int64_t divisor, double scale) { return 0; }

size_t synod_q32_proportions(const int64_t *columns, const int64_t *values, size_t count, synod_q32_columns scale,
                             synod_stored_entry *out) {
    return 0;
}

size_t synod_q32_load(const synod_stored_entry *entries, size_t count, int64_t *last, int64_t skip,
                      const uint64_t *registered, uint64_t updated, const uint8_t *masked, int64_t *out_columns,
                      int64_t *out_values, int64_t *sums, int64_t *total) {
    return 0;
}

#endif
