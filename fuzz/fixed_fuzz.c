// Fuzz target: Consensus's Q32.32 division kernels (CFixedPoint.h, and the four-lane form in
// kernels.c) against the definition in 128-bit integers. Weights and stakes that peers set reach these through an epoch, so
// every numerator and divisor the kernels accept must give the exact quotient, and the
// shifts inside must stay defined (UBSan).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "CFixedPoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 16) return 0;
    uint64_t a, b;
    memcpy(&a, data, 8);
    memcpy(&b, data + 8, 8);
    // The kernels' domain, as FixedDivisor and Fixed's `/` guard it: a >= 0 and b > 0 as
    // Int64, and a quotient that fits (a >> 32 < b).
    a &= INT64_MAX;
    b &= INT64_MAX;
    if (b == 0) return 0;
    // The four-lane kernel: any numerators (the next 24 bytes, or neighbours of a), one
    // divisor; every lane it takes must hold the exact quotient, whatever it refuses.
    int64_t lanes[4] = {(int64_t)a, (int64_t)(a - 1), (int64_t)(a + 1), (int64_t)(a >> 7)};
    for (size_t i = 1; i < 4 && 16 + 8 * i <= size; i++) memcpy(&lanes[i], data + 8 + 8 * i, 8);
    int64_t original[4];
    memcpy(original, lanes, sizeof lanes);
    synod_q32_divisor prepared = synod_q32_divisor_make(b);
    size_t taken = synod_q32_divide_each(lanes, 4, (int64_t)b, prepared.scale);
    for (size_t i = 0; i < taken; i++) {
        if (original[i] < 0) abort();
        unsigned __int128 quotient = ((unsigned __int128)(uint64_t)original[i] << 32) / b;
        if ((unsigned __int128)(uint64_t)lanes[i] != quotient) abort();
    }
    for (size_t i = taken; i < 4; i++)
        if (lanes[i] != original[i]) abort();

    if ((a >> 32) >= b) return 0;
    uint64_t expected = (uint64_t)(((unsigned __int128)a << 32) / b);
    if (synod_q32_divide(a, b) != expected) abort();
    if (!synod_q32_divide_by_takes(a, b)) return 0;
    synod_q32_divisor d = synod_q32_divisor_make(b);
    if (synod_q32_divide_by(a, &d) != expected) abort();
    return 0;
}
