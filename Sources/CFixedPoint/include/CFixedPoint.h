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

#endif
