// libFuzzer target: the Lua `tensor` API driven by generated scripts. The input bytes
// choose a sequence of tensor operations (constructors, methods, metamethods, operators)
// and their arguments from sizes and numbers at the edges (0, -1, 2^24, 2^32, 2^62 + 1,
// maxinteger, NaN, ±inf, …). Each statement runs under pcall, so one refusal does not end
// the script. Sanitizers (address, undefined) turn any memory or UB bug into a crash;
// Lua errors are expected and fine.
#include <stdint.h>

#include "CTensorLua.h"
#include "harness.h"

static const char *sizes[] = {
    "0", "1", "2", "3", "5", "8", "64", "-1", "(1 << 24)", "((1 << 24) + 1)", "(1 << 31)", "(1 << 32)",
    "((1 << 62) + 1)", "math.maxinteger", "math.mininteger", "4096",
};
static const char *numbers[] = {
    "0", "-0.0", "1", "-1", "0.5", "2.5", "1e30", "-1e-30", "(0/0)", "(1/0)", "(-1/0)", "3", "1e-45", "65504",
    "math.pi", "2",
};

// Statement templates: %t a tensor slot, %s a size, %n a number, %k a slot index to write.
static const char *templates[] = {
    "T[%k] = tensor.zeros(%s)",
    "T[%k] = tensor.zeros(%s, %s)",
    "T[%k] = tensor.ones(%s, %s)",
    "T[%k] = tensor.full(%n, %s)",
    "T[%k] = tensor.full(%n, %s, %s)",
    "T[%k] = tensor.from({%n, %n, %n})",
    "T[%k] = tensor.from({{%n, %n}, {%n, %n}})",
    "T[%k] = tensor.from({{%n}, {%n, %n}})",
    "T[%k] = tensor.from(%t)",
    "T[%k] = tensor.range(%n, %n, %n)",
    "T[%k] = tensor.random(%s, %s)",
    "T[%k] = tensor.random(%s, %s, %s)",
    "T[%k] = tensor.where(%t, %t, %n)",
    "T[%k] = tensor.where(%t, %n, %t)",
    "local a, b = %t:shape() X = (a or 0) + (b or 0)",
    "X = %t:numel() + #%t",
    "X = %t:get(%s)",
    "X = %t:get(%s, %s)",
    "%t:set(%s, %n)",
    "%t:set(%s, %s, %n)",
    "T[%k] = %t:row(%s)",
    "T[%k] = %t:col(%s)",
    "T[%k] = %t[%s]",
    "%t[%s] = %n",
    "%t[%s] = %t",
    "X = %t:totable()",
    "T[%k] = %t:clone()",
    "T[%k] = %t:add(%t)",
    "T[%k] = %t:sub(%n)",
    "T[%k] = %t:mul(%t)",
    "T[%k] = %t:div(%t)",
    "T[%k] = %t:pow(%n)",
    "T[%k] = %t + %t",
    "T[%k] = %n - %t",
    "T[%k] = %t * %n",
    "T[%k] = %t / %t",
    "T[%k] = -%t",
    "T[%k] = %t ^ %n",
    "T[%k] = %t:neg():abs():exp()",
    "T[%k] = %t:log()",
    "T[%k] = %t:sqrt()",
    "T[%k] = %t:clamp(%n, %n)",
    "T[%k] = %t:gt(%t)",
    "T[%k] = %t:le(%n)",
    "T[%k] = %t:eq(%t):ne(%n)",
    "T[%k] = %t:ema(%t, %n)",
    "T[%k] = %t:ema(nil, %n)",
    "X = %t:sum()",
    "X = %t:sum(%s)",
    "X = %t:mean(%s)",
    "X = %t:mean()",
    "X = %t:min() + %t:max()",
    "X = %t:argmin()",
    "X = %t:argmax()",
    "X = %t:norm(%n)",
    "T[%k] = %t:normalize()",
    "T[%k] = %t:softmax(%n)",
    "X = %t:dot(%t)",
    "T[%k] = %t:cosine(%t)",
    "T[%k] = %t:cosine_rows(%t)",
    "T[%k] = %t:unit()",
    "T[%k] = %t:rank(true)",
    "T[%k], T[%k] = %t:topk(%s)",
    "T[%k] = %t:argsort(true)",
    "T[%k] = %t:rank()",
    "T[%k] = %t:t()",
    "T[%k] = %t:matmul(%t)",
    "T[%k] = %t:mv(%t)",
    "X = tostring(%t)",
    "X = tensor.istensor(%t)",
};

#define SLOTS 8
#define MAX_STATEMENTS 48

typedef struct cursor {
    const uint8_t *data;
    size_t size, at;
} cursor;

static unsigned next(cursor *c) { return c->at < c->size ? c->data[c->at++] : 0; }

static void append(char **out, size_t *length, size_t *capacity, const char *text) {
    size_t n = strlen(text);
    if (*length + n + 1 > *capacity) {
        *capacity = (*length + n + 1) * 2;
        *out = realloc(*out, *capacity);
    }
    memcpy(*out + *length, text, n + 1);
    *length += n;
}

static char *generate(const uint8_t *data, size_t size, size_t *length) {
    cursor c = {data, size, 0};
    size_t capacity = 4096;
    char *out = malloc(capacity);
    *length = 0;
    out[0] = 0;
    append(&out, length, &capacity,
           "local T = { tensor.zeros(3), tensor.ones(2, 2), tensor.range(1, 4), tensor.zeros(0, 3),"
           " tensor.from({{1, 2, 3}}), tensor.zeros(3, 0), tensor.ones(1), tensor.from({-1, 0, 1}) }\n"
           "local X\n");
    for (int statement = 0; statement < MAX_STATEMENTS && c.at < c.size; statement++) {
        const char *t = templates[next(&c) % (sizeof templates / sizeof templates[0])];
        append(&out, length, &capacity, "pcall(function() ");
        for (const char *p = t; *p; p++) {
            char piece[64];
            if (*p == '%' && p[1]) {
                p++;
                switch (*p) {
                case 't': snprintf(piece, sizeof piece, "T[%u]", next(&c) % SLOTS + 1); break;
                case 'k': snprintf(piece, sizeof piece, "%u", next(&c) % SLOTS + 1); break;
                case 's': snprintf(piece, sizeof piece, "%s", sizes[next(&c) % 16]); break;
                case 'n': snprintf(piece, sizeof piece, "%s", numbers[next(&c) % 16]); break;
                default: piece[0] = *p, piece[1] = 0;
                }
            } else {
                piece[0] = *p, piece[1] = 0;
            }
            append(&out, length, &capacity, piece);
        }
        append(&out, length, &capacity, " end)\n");
    }
    append(&out, length, &capacity, "return true\n");
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static synod_sandbox *S = NULL;
    static unsigned runs = 0;
    if (!S || ++runs % 256 == 0) {
        // A fresh state now and then: garbage from earlier inputs must not hide bugs.
        if (S) synod_close(S);
        synod_library tensor = {"tensor", synod_luaopen_tensor};
        S = fuzz_open(&tensor, 1);
    }
    size_t length;
    char *script = generate(data, size, &length);
    if (getenv("SYNOD_FUZZ_PRINT")) fputs(script, stderr);
    int ref = 0;
    if (synod_load(S, script, length, "=fuzz.lua", &ref) == SYNOD_OK) {
        synod_call(S, ref, NULL, NULL, 0, 0, NULL);
        synod_unref(S, ref);
    }
    free(script);
    return 0;
}
