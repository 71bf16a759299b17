#!/usr/bin/env bash
# The whole test suite: install, build (dev, asan, fuzz), run the sanitizer suite, then every
# test of both languages through one ctest run whose closing line counts them all.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${FERRY_BUILD_JOBS:-$(nproc)}"

bash scripts/install-deps.sh

echo "== build: asan (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
echo "== tests: asan (C++)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j "$jobs" --timeout 300

echo "== build: fuzz (clang + libFuzzer)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target fuzz_decode

echo "== build: dev"
cmake --preset dev -DFERRY_FUZZ_BINARY="$PWD/build-fuzz/tests/fuzz/fuzz_decode" >/dev/null
cmake --build --preset dev -j "$jobs"
echo "== tests: everything (C++, Python, contract, fuzz, end to end)"
ctest --preset dev -j "$jobs" --timeout 600
