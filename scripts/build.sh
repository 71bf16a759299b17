#!/usr/bin/env bash
# Installs what is missing, then configures and builds Ferry with the `dev` preset into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs="${FERRY_BUILD_JOBS:-$(nproc)}"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
echo "ferry: built $(pwd)/build/ferry"
