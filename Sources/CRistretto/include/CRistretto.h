// Variable-time a·B + b·P on ristretto255, for sr25519 verification. libsodium offers
// ristretto255 only through constant-time single multiplications; verification works on
// public data, so it can take schnorrkel's shortcut: one joint, variable-time pass.
#ifndef CRISTRETTO_H
#define CRISTRETTO_H
#include <stdint.h>

/// out = a·B + b·P, where B is ristretto255's base point, P the point encoded in `point`,
/// and `a`, `b` 32-byte little-endian scalars (below 2^253). Variable time: public inputs
/// only. Returns 0, or -1 when `point` is not a valid canonical encoding.
int synod_ristretto255_double_scalarmult_vartime(uint8_t out[32], const uint8_t a[32], const uint8_t point[32],
                                                 const uint8_t b[32]);

#endif
