// Q32.32 division for Consensus, whose normalisations are most of an epoch's work: x86-64's
// 128-by-64-bit division (divq), one instruction Swift cannot emit (Swift's
// dividingFullWidth and clang's __int128 division both call the much slower __udivti3), and
// a prepared divisor that needs no division at all.
#ifndef CFIXEDPOINT_H
#define CFIXEDPOINT_H
#include <stdint.h>

/// floor((a << 32) / b) for a >= 0, b > 0 and (a >> 32) < b (so the quotient fits).
static inline uint64_t synod_q32_divide(uint64_t a, uint64_t b) {
#if defined(__x86_64__)
    uint64_t quotient, remainder;
    __asm__("divq %4" : "=a"(quotient), "=d"(remainder) : "a"(a << 32), "d"(a >> 32), "rm"(b));
    (void)remainder;
    return quotient;
#else
    return (uint64_t)(((unsigned __int128)a << 32) / b);
#endif
}


/// A divisor prepared for many Q32.32 divisions by the same `b`: its reciprocal 2^32 / b
/// as a double. A quotient is estimated by one floating multiplication, rounded to the
/// nearest integer, and corrected exactly in integers: no 128-bit arithmetic, no divq
/// (40-90 cycles on many Intel cores).
typedef struct {
    uint64_t divisor;
    double scale;  // 2^32 / divisor, rounded
} synod_q32_divisor;

/// The prepared form of `b` (b > 0).
static inline synod_q32_divisor synod_q32_divisor_make(uint64_t b) {
    synod_q32_divisor d;
    d.divisor = b;
    d.scale = 4294967296.0 / (double)b;
    return d;
}

/// Whether `synod_q32_divide_by` takes `a` for `b`: a >= 0 and a quotient below 2^45, where
/// the estimate's error (at most 2^-51 relative, three roundings) stays under one half.
static inline int synod_q32_divide_by_takes(uint64_t a, uint64_t b) {
    return a <= INT64_MAX && (a >> 13) < b;
}

/// floor((a << 32) / b) for the `b` that `d` was made from, when `synod_q32_divide_by_takes`:
/// the same quotient as `synod_q32_divide(a, b)`.
static inline uint64_t synod_q32_divide_by(uint64_t a, const synod_q32_divisor *d) {
    // q = round(a * 2^32 / b) from the estimate: adding 1.5 * 2^52 leaves the nearest
    // integer in the low mantissa bits (exact below 2^51). The estimate is within 0.52 of the
    // true quotient, so q is floor or floor + 1; the remainder, exact modulo 2^64 and far
    // from wrapping, is negative exactly when q is one too many.
    union { double value; int64_t bits; } t;
    t.value = (double)(int64_t)a * d->scale + 6755399441055744.0;
    uint64_t q = (uint64_t)(t.bits - INT64_C(0x4338000000000000));
    int64_t remainder = (int64_t)((a << 32) - q * d->divisor);
    return q + (uint64_t)(remainder >> 63);
}

#include <stddef.h>

/// Divisors for many columns, side by side (one load reaches four neighbouring columns'):
/// `divisor[j]` is column j's divisor in Q32.32 bits (0: divide unless zero, so keep the
/// value), `scale[j]` its `synod_q32_divisor_make` scale (0 where the divisor is 0).
typedef struct {
    const int64_t *divisor;
    const double *scale;
} synod_q32_columns;

/// Whether this CPU runs the four-lane kernels below (AVX2 and FMA); without, they take nothing.
int synod_q32_vector_available(void);

/// For entries from the first while they come four at a time over consecutive columns and
/// exactly within the kernel's bounds: out = alpha * (x / x_scale[j]) + one_minus_alpha *
/// (y / y_scale[j]) (each divided unless the divisor is 0), written with its column to
/// `out_columns`/`out_values`, added to `sums[j]` and raised into `maxes[j]`. Every result it
/// writes is > 0. Returns how many entries it took (a multiple of four); the caller does the
/// rest, or the next group on its own path and calls again.
size_t synod_q32_scaled_average(const int64_t *columns, const int64_t *x, const int64_t *y, size_t count,
                                int64_t alpha, int64_t one_minus_alpha, synod_q32_columns x_scale,
                                synod_q32_columns y_scale, int64_t *out_columns, int64_t *out_values,
                                int64_t *sums, int64_t *maxes);

/// For entries from the first, as `synod_q32_scaled_average` takes them: values[k] divided by
/// its column's divisor unless that is 0, in place, and `*total` increased by weight[j] times
/// it. Returns how many entries it took.
size_t synod_q32_normalize_dot(const int64_t *columns, int64_t *values, size_t count, synod_q32_columns scale,
                               const int64_t *weight, int64_t *total);

/// For entries from the first, as `synod_q32_scaled_average` takes them, the clip of one row
/// of weights: value = min(weight, threshold[j]) (a weight above a threshold of 0 or less
/// stops the kernel: the scalar path drops it), written to `clipped` and `stake` times it to
/// `staked` (both with the column, the rows sharing their layout, in `out_columns`), that
/// term added to `ranks[j]` and the value to `*trust` (wrapping, as the scalar path adds).
size_t synod_q32_clip(const int64_t *columns, const int64_t *weights, size_t count, const int64_t *threshold,
                      int64_t stake, int64_t *clipped, int64_t *staked, int64_t *out_columns, int64_t *ranks,
                      int64_t *trust);

/// values[k] divided by one divisor (> 0) with scale `scale`, in place, four at a time from the
/// first while each lane is within the kernel's bounds. Returns how many it took.
size_t synod_q32_divide_each(int64_t *values, size_t count, int64_t divisor, double scale);


/// A stored sparse entry as Swift lays out `SparseEntry` (uid, then a u16 value; 16 bytes).
/// Swift checks the layout before handing its rows here.
typedef struct {
    int64_t uid;
    uint16_t value;
} synod_stored_entry;

/// Stored u16 entries read into a row, from the first while they come four at a time over
/// consecutive uids above `*last`, and each is kept: uid != skip, registered[uid] < updated
/// (when `registered` is given) and !masked[uid] (when `masked` is). Each is written as
/// (uid, value << 32), added to `sums[uid]` when given and its raw value to `*total` when
/// given; `*last` becomes the last uid taken. Returns how many it took.
size_t synod_q32_load(const synod_stored_entry *entries, size_t count, int64_t *last, int64_t skip,
                      const uint64_t *registered, uint64_t updated, const uint8_t *masked, int64_t *out_columns,
                      int64_t *out_values, int64_t *sums, int64_t *total);

/// For entries from the first, as `synod_q32_scaled_average` takes them: values[k] divided by
/// its column's divisor unless that is 0, as a stored entry (its column, and its u16
/// proportion floor(x * 65535), clamped) to `out[k]`. Returns how many it took.
size_t synod_q32_proportions(const int64_t *columns, const int64_t *values, size_t count, synod_q32_columns scale,
                             synod_stored_entry *out);

#endif
