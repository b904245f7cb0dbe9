// The same operations as the sandbox benchmark, done with the raw Lua C API and no
// sandbox, as the baseline the benchmark compares against.
#ifndef CSANDBOXBASELINE_H
#define CSANDBOXBASELINE_H
#include <stddef.h>
#include <stdint.h>

/// A plain state with the standard libraries and the benchmark's Lua functions.
void *baseline_open(void);
void baseline_close(void *state);
/// Calls Lua `pair(a, b)` (returns {sum=, prod=}) n times, reading both fields back.
int64_t baseline_call_roundtrip(void *state, int n);
/// Runs Lua `call_host(n)`, a loop calling a C function `host_add(i, 2)` n times.
int64_t baseline_host_calls(void *state, int n);
/// Runs Lua `spin(n)`, an arithmetic loop, to measure the hook's cost beside it.
int64_t baseline_spin(void *state, int n);
/// Creates a state with the safe libraries and closes it.
void baseline_create_close(void);
/// Bytes held by a fresh state with the safe libraries opened.
size_t baseline_idle_bytes(void);
/// The benchmark's Lua source, shared with the Synod side.
const char *baseline_lua_source(void);
#endif
