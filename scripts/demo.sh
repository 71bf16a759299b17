#!/usr/bin/env bash
# The demo: install what is missing, build, train a digit classifier on scikit-learn's bundled
# data, and classify 10,000 held-out digit images through a whole pipeline on this machine —
# embedded broker, two Python worker processes, batches of 64, progress, then the summary with
# throughput, latency percentiles and accuracy. Safe to run again; everything lands in demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
# ferry_worker from this checkout: the build's pytest collection imports it, as do the workers.
export PYTHONPATH="$(pwd)/py_workers${PYTHONPATH:+:$PYTHONPATH}"

jobs="${FERRY_DEMO_JOBS:-10000}"
out="demo-out"
py=/usr/bin/python3
mkdir -p "$out"

echo "ferry demo: installing what is missing and building (log: $out/build.log)"
if ! bash scripts/build.sh >"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log" >&2
  echo "ferry demo: the build failed; the whole log is $out/build.log" >&2
  exit 1
fi

echo "ferry demo: training the digits model and writing ${jobs} jobs from the held-out split"
export FERRY_MODEL_DIR="${FERRY_MODEL_DIR:-$(pwd)/$out/models}"
"$py" examples/digits/train.py --model-dir "$FERRY_MODEL_DIR"
"$py" examples/digits/make_input.py --count "$jobs" --output "$out/digits-jobs.jsonl"

# On a terminal progress is a live line, so the log can stay quiet; in a pipe it is the log.
log_level=info
[ -t 2 ] && log_level=warn
echo "ferry demo: ${jobs} digit jobs through an embedded broker and 2 Python worker processes"
build/ferry --log-level "$log_level" run config/digits.yaml --input "$out/digits-jobs.jsonl" \
  --output "$out/digits-results.jsonl" --summary-json "$out/digits-summary.json"
echo "ferry demo: results in $out/digits-results.jsonl, summary in $out/digits-summary.json"
echo "ferry demo: OCR next? bash scripts/demo-ocr.sh"
