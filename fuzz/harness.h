// Shared by the C fuzz targets: a real Synod sandbox (the prelude plugins get, the limits
// of sandbox/limits.json scaled down so a run stays fast), opened once per process.
#ifndef SYNOD_FUZZ_HARNESS_H
#define SYNOD_FUZZ_HARNESS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CLuaShim.h"

static void fuzz_log(void *host, int level, const char *text, size_t length) {
    (void)host, (void)level, (void)text, (void)length;
}

static int fuzz_host(void *host, int id, int count, synod_sandbox *S) {
    (void)host, (void)id, (void)count;
    static const char message[] = "no host functions in the fuzzer";
    synod_set_host_result(S, (const uint8_t *)message, sizeof message - 1);
    return 1;
}

// The prelude's path comes from the build (the repository's sandbox/prelude.lua).
static char *fuzz_read_prelude(size_t *length) {
    FILE *f = fopen(SYNOD_PRELUDE_PATH, "rb");
    if (!f) {
        fprintf(stderr, "fuzz: cannot read %s\n", SYNOD_PRELUDE_PATH);
        abort();
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (fread(text, 1, (size_t)size, f) != (size_t)size) abort();
    fclose(f);
    text[size] = 0;
    *length = (size_t)size;
    return text;
}

static synod_limits fuzz_limits(void) {
    synod_limits limits = {
        .memory_bytes = 32u << 20,
        .instructions = 2000000,
        .timeout_seconds = 2,
        .max_value_depth = 64,
        .max_value_bytes = 1u << 20,
        .max_output_bytes = 4096,
    };
    return limits;
}

static synod_sandbox *fuzz_open(const synod_library *libraries, size_t count) {
    static char *prelude = NULL;
    static size_t prelude_length = 0;
    if (!prelude) prelude = fuzz_read_prelude(&prelude_length);
    synod_limits limits = fuzz_limits();
    synod_sandbox *S =
        synod_open(&limits, "fuzz", prelude, prelude_length, libraries, count, NULL, fuzz_log, fuzz_host);
    if (!S || synod_open_status(S) != SYNOD_OK) {
        fprintf(stderr, "fuzz: the sandbox does not open\n");
        abort();
    }
    return S;
}
#endif
