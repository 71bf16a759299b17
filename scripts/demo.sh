#!/usr/bin/env bash
# The demo: install what is missing, build, and run a whole pipeline on this machine —
# embedded broker, two Python worker processes, 10,000 jobs, progress, summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

jobs="${FERRY_DEMO_JOBS:-10000}"
out="demo-out"
mkdir -p "$out"
/usr/bin/env awk -v n="$jobs" 'BEGIN {
  for (i = 1; i <= n; i++)
    printf("{\"id\": \"job-%06d\", \"payload\": {\"n\": %d, \"text\": \"hello from job %d\"}}\n", i, i, i)
}' > "$out/echo-jobs.jsonl"

echo "ferry demo: ${jobs} echo jobs through an embedded broker and 2 Python worker processes"
build/ferry run config/echo.yaml --input "$out/echo-jobs.jsonl" --output "$out/echo-results.jsonl" \
  --summary-json "$out/echo-summary.json"
echo "ferry demo: results in $out/echo-results.jsonl, summary in $out/echo-summary.json"
