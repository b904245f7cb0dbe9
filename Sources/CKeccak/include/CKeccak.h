// The Keccak-f[1600] permutation, for STROBE-128 under Merlin transcripts (sr25519). No
// library on Debian exposes the raw permutation (OpenSSL and libsodium hide it behind
// SHA-3): this is it, checked against OpenSSL's SHA3-256 by the tests.
#ifndef CKECCAK_H
#define CKECCAK_H
#include <stdint.h>

/// Applies Keccak-f[1600] (24 rounds) to a 200-byte state of little-endian 64-bit lanes.
void synod_keccak_f1600(uint8_t state[200]);

#endif
