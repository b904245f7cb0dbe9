// libFuzzer target: the value bridge between the host and Lua. Arbitrary bytes are
// decoded as a value list into a real sandbox (as the host sets a global), the value is
// returned through Lua and encoded back, and the encoding decoded again: it must give the
// same bytes (the format is canonical for what Lua can hold), and nothing may crash,
// read out of bounds or overflow on the way. The value is also returned to be read in
// place (`synod_view_*`): every field and element the encoding holds must read the same.
#include <stdint.h>

#include "harness.h"

static uint32_t take_u32(const uint8_t **p) {
    uint32_t v = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 | (uint32_t)(*p)[3] << 24;
    *p += 4;
    return v;
}

static void disagree(const char *what) {
    fprintf(stderr, "bridge: reading in place disagrees with the encoding: %s\n", what);
    abort();
}

// Walks one encoded value (well formed: Synod's encoder wrote it) beside the same value
// read in place.
static void walk(synod_sandbox *S, const uint8_t **p, const synod_view_item *item) {
    uint8_t tag = *(*p)++;
    switch (tag) {
    case SYNOD_TAG_NIL:
        if (item->type != LUA_TNIL) disagree("nil");
        break;
    case SYNOD_TAG_FALSE:
    case SYNOD_TAG_TRUE:
        if (item->type != LUA_TBOOLEAN || item->integer != (tag == SYNOD_TAG_TRUE)) disagree("boolean");
        break;
    case SYNOD_TAG_INTEGER:
    case SYNOD_TAG_NUMBER: {
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++) bits |= (uint64_t)(*p)[i] << (8 * i);
        *p += 8;
        uint64_t seen;
        if (tag == SYNOD_TAG_INTEGER) seen = (uint64_t)item->integer;
        else memcpy(&seen, &item->number, 8);
        if (item->type != LUA_TNUMBER || item->is_integer != (tag == SYNOD_TAG_INTEGER) || seen != bits)
            disagree("number");
        break;
    }
    case SYNOD_TAG_STRING: {
        uint32_t n = take_u32(p);
        if (item->type != LUA_TSTRING || item->length != n || memcmp(item->bytes, *p, n) != 0) disagree("string");
        *p += n;
        break;
    }
    case SYNOD_TAG_ARRAY: {
        uint32_t n = take_u32(p);
        if (item->type != LUA_TTABLE) disagree("array");
        synod_view_item child;
        for (uint32_t i = 0; i < n; i++) {
            if (!synod_view_element(S, item->slot, i, &child)) disagree("missing element");
            walk(S, p, &child);
        }
        if (synod_view_element(S, item->slot, n, &child) || synod_view_field(S, item->slot, "1", 1, &child))
            disagree("array past its end, or with fields");
        break;
    }
    case SYNOD_TAG_MAP: {
        uint32_t n = take_u32(p);
        if (item->type != LUA_TTABLE) disagree("map");
        synod_view_item child;
        if (synod_view_element(S, item->slot, 0, &child)) disagree("map with elements");
        for (uint32_t i = 0; i < n; i++) {
            uint32_t length = take_u32(p);
            if (!synod_view_field(S, item->slot, (const char *)*p, length, &child)) disagree("missing field");
            *p += length;
            walk(S, p, &child);
        }
        break;
    }
    default: disagree("tag");
    }
}

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
    // In place: the same value, read field by field and element by element.
    if (synod_call(S, ref, NULL, NULL, 0, SYNOD_RESULTS_IN_PLACE, NULL) == SYNOD_OK) {
        const uint8_t *p = copy;
        if (synod_view_count(S) != (int)take_u32(&p)) disagree("count");
        synod_view_item item;
        if (!synod_view_result(S, 0, &item)) disagree("no result");
        walk(S, &p, &item);
        if (synod_view_failed(S)) disagree("a read failed");
        if (item.slot && synod_view_encode(S, item.slot) == SYNOD_OK) {
            size_t again;
            synod_output(S, &again);
            if (again != first_length) disagree("encoding in place changed the length");
        }
        synod_view_end(S);
    }
    free(copy);
    return 0;
}
