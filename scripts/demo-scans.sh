#!/usr/bin/env bash
# The day's-scans demo: install what is missing, build, render today's scans (pages of printed
# lines in English, German, French and Spanish), then run the two-stage pipeline — Tesseract reads
# each page into lines, a trained character n-gram model tags each line's language — and score
# the tags against the rendered truth. Safe to run again; output lands in demo-out/scans/.
set -euo pipefail
cd "$(dirname "$0")/.."
# ferry_worker from this checkout: the build's pytest collection imports it, as do the workers.
export PYTHONPATH="$(pwd)/py_workers${PYTHONPATH:+:$PYTHONPATH}"

pages="${FERRY_SCANS_PAGES:-20}"
min_accuracy="${FERRY_SCANS_MIN_ACCURACY:-0.9}"
today="$(date -u +%F)"
out="demo-out/scans"
mkdir -p "$out"

echo "ferry scans demo: installing what is missing and building (log: $out/build.log)"
if ! bash scripts/build.sh >"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log" >&2
  echo "ferry scans demo: the build failed; the whole log is $out/build.log" >&2
  exit 1
fi

echo "ferry scans demo: rendering ${pages} pages for ${today}"
rm -rf "${out:?}/${today}"
/usr/bin/python3 examples/scans/render.py --out-dir "$out" --date "$today" --pages "$pages"
ln -sfn "$today" "$out/today"  # config/scans.yaml's default input

log_level=info
[ -t 2 ] && log_level=warn
echo "ferry scans demo: OCR (2 Tesseract processes) then language tags (1 tagger process)"
build/ferry --log-level "$log_level" run config/scans.yaml --input "$out/$today" \
  --output "$out/scans-results.jsonl" --summary-json "$out/scans-summary.json"
/usr/bin/python3 examples/scans/check.py --results "$out/scans-results.jsonl" \
  --truth "$out/${today}.truth.jsonl" --min-accuracy "$min_accuracy"
echo "ferry scans demo: results in $out/scans-results.jsonl, summary in $out/scans-summary.json"
