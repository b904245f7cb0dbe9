// One instruction Swift cannot emit: x86-64's 128-by-64-bit division (divq). Swift's
// dividingFullWidth and clang's __int128 division both call the much slower __udivti3.
// Used by Consensus for Q32.32 division, which dominates an epoch's normalisations.
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


/// A divisor prepared for many Q32.32 divisions: division by an invariant integer
/// (Möller and Granlund, "Improved division by invariant integers", 2011, algorithm 4).
/// One 128-by-64 division makes the reciprocal; each quotient after it costs two
/// multiplications and at most two corrections, and is exactly the one divq gives.
typedef struct {
    uint64_t normalized;  // the divisor shifted left until its top bit is set
    uint64_t reciprocal;  // floor((2^128 - 1) / normalized) - 2^64
    unsigned shift;       // how far it was shifted
} synod_q32_divisor;

/// The prepared form of `b` (b > 0).
static inline synod_q32_divisor synod_q32_divisor_make(uint64_t b) {
    synod_q32_divisor d;
    d.shift = (unsigned)__builtin_clzll(b);
    d.normalized = b << d.shift;
    // floor((2^128 - 1) / d) - 2^64 = floor(((~d) · 2^64 + (2^64 - 1)) / d): the high word
    // ~d is below d (d's top bit is set), so the quotient fits in 64 bits.
#if defined(__x86_64__)
    uint64_t remainder;
    __asm__("divq %4" : "=a"(d.reciprocal), "=d"(remainder) : "a"(UINT64_MAX), "d"(~d.normalized), "rm"(d.normalized));
    (void)remainder;
#else
    d.reciprocal = (uint64_t)((((unsigned __int128)~d.normalized) << 64 | UINT64_MAX) / d.normalized);
#endif
    return d;
}

/// floor((a << 32) / b) for the `b` that `d` was made from, a >= 0 and (a >> 32) < b:
/// the same quotient as `synod_q32_divide(a, b)`.
static inline uint64_t synod_q32_divide_by(uint64_t a, const synod_q32_divisor *d) {
    // The 96-bit numerator a · 2^32, shifted as the divisor was: (u1, u0), u1 < normalized.
    unsigned __int128 n = ((unsigned __int128)a << 32) << d->shift;
    uint64_t u1 = (uint64_t)(n >> 64);
    uint64_t u0 = (uint64_t)n;
    unsigned __int128 q = (unsigned __int128)d->reciprocal * u1;
    q += ((unsigned __int128)(u1 + 1) << 64) | u0;
    uint64_t q1 = (uint64_t)(q >> 64);
    uint64_t q0 = (uint64_t)q;
    uint64_t r = u0 - q1 * d->normalized;
    // The two corrections, without branches: which way they go is data, not pattern, and
    // a mispredicted branch costs more than the whole division.
    uint64_t over = -(uint64_t)(r > q0);
    q1 += over;
    r += d->normalized & over;
    q1 += (uint64_t)(r >= d->normalized);
    return q1;
}

#endif
