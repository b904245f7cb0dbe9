// Debian's libssl-dev: the parts of libcrypto Synod uses (Ed25519 through EVP, SHA-256,
// BLAKE2b-512, the system random source).
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
