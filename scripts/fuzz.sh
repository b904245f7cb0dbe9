#!/usr/bin/env bash
# Builds the libFuzzer targets with address and undefined-behaviour sanitizers and runs
# each for a bounded time on its committed seed corpus (fuzz/corpus/<target>) plus a
# working corpus under .build-fuzz/ (not committed).
#
#   scripts/fuzz.sh [seconds per target] [target …]    targets: tensor bridge json btauth
#
# FUZZ_SEED fixes libFuzzer's random seed (CI sets 1, so a short run is repeatable);
# unset, every run explores differently.
#
# Prints each target's executions, coverage (libFuzzer's "cov" edges and "ft" features)
# and corpus size; exits non-zero on the first crash, leak or sanitizer report, leaving the
# reproducer in .build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(tensor bridge json btauth fixed)

OUT=.build-fuzz
mkdir -p "$OUT/obj" "$OUT/artifacts" "$OUT/modules/CLuaShim"
CC="${CC:-clang}"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
LUA_CFLAGS="$(pkg-config --cflags lua5.4)"
LIBS="$(pkg-config --libs lua5.4 openblas) -lm"
INCLUDES="-I Sources/CLuaShim/include -I Sources/CLuaShim -I Sources/CTensor/include -I Sources/CTensorLua/include -I fuzz"

# The C the targets drive, instrumented for coverage and sanitizers (no main of its own).
objects=()
for source in Sources/CLuaShim/*.c Sources/CTensor/*.c Sources/CTensorLua/*.c; do
    object="$OUT/obj/$(basename "$(dirname "$source")")-$(basename "$source" .c).o"
    extra=""
    [[ "$source" == Sources/CTensor/* ]] && extra="-O2 -ffp-contract=off" || extra="-O1"
    if [ ! -f "$object" ] || [ "$source" -nt "$object" ]; then
        $CC -c $SAN -fsanitize=fuzzer-no-link $extra $LUA_CFLAGS $INCLUDES "$source" -o "$object"
    fi
    objects+=("$object")
done
PRELUDE="-DSYNOD_PRELUDE_PATH=\"$(pwd)/sandbox/prelude.lua\""

build_c() {  # name
    # (ld.gold warns about ASan symbols it cannot export: harmless, filtered.)
    $CC $SAN -fsanitize=fuzzer -O1 $PRELUDE $LUA_CFLAGS $INCLUDES "fuzz/$1_fuzz.c" "${objects[@]}" $LIBS -o "$OUT/$1-fuzz" 2>&1 \
        | { grep -v "Cannot export local symbol" || true; }
}

# Swift targets: the Wire and LuaSandbox sources they exercise, compiled with swiftc's
# fuzzer and address sanitizer (no package dependencies needed for these files).
cat > "$OUT/modules/CLuaShim/module.modulemap" <<MAP
module CLuaShim {
    header "$(pwd)/Sources/CLuaShim/include/CLuaShim.h"
    link "lua5.4"
    export *
}
MAP
SWIFTC="${SWIFTC:-swiftc}"
SWIFT_SAN="-sanitize=fuzzer,address -parse-as-library -g -Onone"
build_json() {
    # JSONSyntax (the axon's validator, its own module as in the package) and LuaValue's
    # JSON reading and writing, with the value bridge into a real sandbox and back.
    $SWIFTC $SWIFT_SAN -module-name StrictJSON -emit-module -emit-module-path "$OUT/modules/StrictJSON.swiftmodule" \
        -emit-library -static Sources/StrictJSON/JSONSyntax.swift -o "$OUT/libStrictJSON.a"
    $SWIFTC $SWIFT_SAN -module-name JSONFuzz $LUA_CFLAGS -I "$OUT/modules" -I "$OUT/modules/CLuaShim" \
        -Xcc -I -Xcc Sources/CLuaShim/include \
        Sources/LuaSandbox/SandboxLimits.swift Sources/LuaSandbox/Generated/SandboxDefinition.swift \
        Sources/LuaSandbox/LuaValue.swift Sources/LuaSandbox/LuaValue+JSON.swift \
        Sources/LuaSandbox/LuaValue+JSONParsing.swift Sources/LuaSandbox/LuaValue+Bridge.swift \
        Sources/LuaSandbox/SandboxError.swift fuzz/json_fuzz.swift \
        "${objects[@]}" "$OUT/libStrictJSON.a" -Xlinker -lopenblas -Xlinker -llua5.4 -o "$OUT/json-fuzz"
}
build_btauth() {
    # Wire's keys (ed25519 and sr25519, with Keccak-f from C), btauth/1 and what they use.
    mkdir -p "$OUT/modules/CKeccak"
    cat > "$OUT/modules/CKeccak/module.modulemap" <<MAP
module CKeccak {
    header "$(pwd)/Sources/CKeccak/include/CKeccak.h"
    export *
}
MAP
    mkdir -p "$OUT/modules/CRistretto"
    cat > "$OUT/modules/CRistretto/module.modulemap" <<MAP
module CRistretto {
    header "$(pwd)/Sources/CRistretto/include/CRistretto.h"
    export *
}
MAP
    $CC -c $SAN -fsanitize=fuzzer-no-link -O2 -I Sources/CKeccak/include Sources/CKeccak/keccak.c -o "$OUT/obj/keccak.o"
    $CC -c $SAN -fsanitize=fuzzer-no-link -O2 -I Sources/CRistretto/include Sources/CRistretto/ristretto.c \
        -o "$OUT/obj/ristretto.o"
    $SWIFTC $SWIFT_SAN -module-name BTAuthFuzz -I Sources/CLibCrypto -I Sources/CSodium -I "$OUT/modules/CKeccak" \
        -I "$OUT/modules/CRistretto" \
        Sources/Wire/Auth/*.swift Sources/Wire/Keys/*.swift Sources/Wire/Keys/Generated/*.swift \
        Sources/Wire/Sr25519/*.swift Sources/Wire/Signer/PayloadSigner.swift \
        Sources/Wire/Support/Hex.swift Sources/Wire/Support/Base58.swift Sources/Wire/Support/WireError.swift \
        Sources/Wire/Support/SHA256.swift Sources/Wire/Support/PrivateFiles.swift fuzz/btauth_fuzz.swift \
        "$OUT/obj/keccak.o" "$OUT/obj/ristretto.o" -lcrypto -lsodium -o "$OUT/btauth-fuzz"
}

build_fixed() {
    # Consensus's Q32.32 division kernels (a header only).
    $CC $SAN -fsanitize=fuzzer -O1 -I Sources/CFixedPoint/include fuzz/fixed_fuzz.c Sources/CFixedPoint/kernels.c -o "$OUT/fixed-fuzz"
}

status=0
for target in "${TARGETS[@]}"; do
    case "$target" in
        tensor|bridge) build_c "$target" ;;
        json) build_json ;;
        btauth) build_btauth ;;
        fixed) build_fixed ;;
        *) echo "unknown fuzz target: $target" >&2; exit 2 ;;
    esac
    mkdir -p "$OUT/corpus-$target"
    echo "== fuzz $target: ${SECONDS_PER_TARGET}s"
    log="$OUT/$target.log"
    if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$OUT/$target-fuzz" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
        ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$target-" \
        "$OUT/corpus-$target" "fuzz/corpus/$target" >"$log" 2>&1; then
        tail -60 "$log"
        echo "fuzz $target: FAILED (reproducer in $OUT/artifacts/)"
        status=1
        break
    fi
    # The last status line and the final statistics: executions, coverage, corpus.
    grep -E "^#[0-9]+.*(DONE|pulse|NEW|REDUCE)" "$log" | tail -1 || true
    grep -E "stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$log" || true
done
exit $status
