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
day="$(TZ=Europe/Berlin date +%F)"  # {date} of config/scans.yaml is read in its schedule's zone
out="demo-out/scans"
mkdir -p "$out"

echo "ferry scans demo: installing what is missing and building (log: $out/build.log)"
if ! bash scripts/build.sh >"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log" >&2
  echo "ferry scans demo: the build failed; the whole log is $out/build.log" >&2
  exit 1
fi

echo "ferry scans demo: rendering ${pages} pages for ${day}"
rm -rf "${out:?}/${day}" "$out/results-${day}.jsonl" "$out/state"
/usr/bin/python3 examples/scans/render.py --out-dir "$out" --date "$day" --pages "$pages"

# The service runs the pipeline every night at 02:30 (Europe/Berlin); the demo triggers tonight's
# run now instead of waiting for it, through the same broker port the pools and producers use.
log_level=info
[ -t 2 ] && log_level=warn
echo "ferry scans demo: ferry serve config/scans-service.yaml (log: $out/serve.log)"
build/ferry --log-level "$log_level" serve config/scans-service.yaml >"$out/serve.out" 2>"$out/serve.log" &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q '^ferry serve:' "$out/serve.out" 2>/dev/null && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$out/serve.log" >&2; exit 1; }
  sleep 0.1
done
endpoint="$(sed -n 's/^ferry serve: producers=\([^ ]*\).*/\1/p' "$out/serve.out")"
build/ferry trigger scans --broker "$endpoint"
echo "ferry scans demo: OCR (2 Tesseract processes) then language tags (1 tagger process)"
ended() {
  build/ferry runs scans --broker "$endpoint" --json | /usr/bin/python3 -c '
import json, sys
runs = json.load(sys.stdin)["pipelines"][0]["runs"]
sys.exit(0 if runs and runs[-1]["state"] not in ("running", "pending") else 1)'
}
until ended; do sleep 1; done
build/ferry runs scans --broker "$endpoint"
kill -TERM "$serve_pid"
wait "$serve_pid" || true
trap - EXIT
/usr/bin/python3 examples/scans/check.py --results "$out/results-${day}.jsonl" \
  --truth "$out/${day}.truth.jsonl" --min-accuracy "$min_accuracy"
echo "ferry scans demo: results in $out/results-${day}.jsonl; run history: $out/state/runs/scans.jsonl"
