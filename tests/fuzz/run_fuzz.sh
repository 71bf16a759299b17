#!/usr/bin/env bash
# Runs the fuzz_decode libFuzzer target for a time budget from a fresh corpus seeded with
# every case of schemas/vectors; fails on any crash, leak, sanitizer report or property break.
# Usage: tests/fuzz/run_fuzz.sh BUILD-FUZZ/tests/fuzz/fuzz_decode [SECONDS=60]
set -euo pipefail

binary=${1:?usage: run_fuzz.sh PATH/TO/fuzz_decode [SECONDS]}
seconds=${2:-60}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
python=/usr/bin/python3

if [[ ! -x "$binary" ]]; then
    echo "run_fuzz.sh: fuzzer binary not found or not executable: $binary" >&2
    echo "run_fuzz.sh: build it from $repo with:" >&2
    echo "    cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_decode" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"

# Seeds in the fuzzer's input format: header frame (7 bytes) followed by the body frame; cases
# with another frame count contribute their frames concatenated.
"$python" - "$repo/schemas/vectors" "$work/corpus" <<'PY'
import json, pathlib, sys
vectors, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
count = 0
for path in sorted(vectors.glob("*.json")):
    for case in json.loads(path.read_text()):
        data = b"".join(bytes.fromhex(f) for f in case["frames"])
        (corpus / f"{path.stem}-{case['name']}").write_bytes(data)
        count += 1
if count == 0:
    sys.exit("run_fuzz.sh: no vectors found in " + str(vectors))
print(f"run_fuzz.sh: seeded {count} inputs from {vectors}")
PY

echo "run_fuzz.sh: fuzzing $binary for ${seconds}s"
status=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
    >"$work/log" 2>&1 || status=$?
tail -n 25 "$work/log"

reports='ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: |round-trip property broken'
if [[ $status -ne 0 ]] || grep -Eq "$reports" "$work/log"; then
    echo "run_fuzz.sh: FAILED (exit status $status); crashing inputs (hex):" >&2
    for artifact in "$work"/artifacts/*; do
        [[ -e "$artifact" ]] || continue
        echo "  $(basename "$artifact"): $(od -An -v -tx1 "$artifact" | tr -d ' \n')" >&2
    done
    exit 1
fi
echo "run_fuzz.sh: no crash, leak or sanitizer report in ${seconds}s"
