// Debian's libsodium-dev: Ed25519 signature verification, measured faster than OpenSSL's
// on this hardware (see Benchmarks/WireBenchmark).
#include <sodium.h>
