#!/usr/bin/env bash
# The OCR demo: install what is missing, build, render 200 text lines of known content to PNG
# (DejaVu Sans), and read them back with Tesseract through a whole pipeline — embedded broker,
# two worker processes with one Tesseract engine each — then the summary with throughput,
# latency percentiles and character accuracy. Safe to run again; output lands in demo-out/ocr/.
set -euo pipefail
cd "$(dirname "$0")/.."
# ferry_worker from this checkout: the build's pytest collection imports it, as do the workers.
export PYTHONPATH="$(pwd)/py_workers${PYTHONPATH:+:$PYTHONPATH}"

count="${FERRY_OCR_JOBS:-200}"
out="demo-out/ocr"
mkdir -p "$out"

echo "ferry ocr demo: installing what is missing and building (log: $out/build.log)"
if ! bash scripts/build.sh >"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log" >&2
  echo "ferry ocr demo: the build failed; the whole log is $out/build.log" >&2
  exit 1
fi

echo "ferry ocr demo: rendering ${count} text lines to PNG"
/usr/bin/python3 examples/ocr/render.py --count "$count" --out-dir "$out"

log_level=info
[ -t 2 ] && log_level=warn
echo "ferry ocr demo: ${count} images through an embedded broker and 2 Tesseract worker processes"
build/ferry --log-level "$log_level" run config/ocr.yaml --input "$out/ocr-jobs.jsonl" \
  --output "$out/ocr-results.jsonl" --summary-json "$out/ocr-summary.json"
echo "ferry ocr demo: results in $out/ocr-results.jsonl, summary in $out/ocr-summary.json"
