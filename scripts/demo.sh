#!/usr/bin/env bash
# The demo: install what is missing, build, train a digit classifier on scikit-learn's bundled
# data, and classify 10,000 held-out digit images through a whole pipeline on this machine —
# embedded broker, two Python worker processes, batches of 64, progress, then the summary with
# throughput, latency percentiles and accuracy. Safe to run again; everything lands in demo-out/.
# FERRY_DEMO_POOL=native runs the same jobs through the native pool instead: the MLP exported to
# ONNX, served by `ferry worker` with no Python (config/digits-native.yaml).
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
case "${FERRY_DEMO_POOL:-python}" in
  python) config=digits; pool="2 Python worker processes" ;;
  native) config=digits-native; pool="2 native worker processes (ONNX, OpenCV DNN)" ;;
  *) echo "ferry demo: FERRY_DEMO_POOL is '${FERRY_DEMO_POOL}': use python or native" >&2; exit 2 ;;
esac
echo "ferry demo: ${jobs} digit jobs through an embedded broker and ${pool}"
build/ferry --log-level "$log_level" run "config/${config}.yaml" --input "$out/digits-jobs.jsonl" \
  --output "$out/${config}-results.jsonl" --summary-json "$out/${config}-summary.json"
echo "ferry demo: results in $out/${config}-results.jsonl, summary in $out/${config}-summary.json"
echo "ferry demo: OCR next? bash scripts/demo-ocr.sh"
