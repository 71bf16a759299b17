#!/usr/bin/env bash
# Installs the Kubernetes manifest validator's npm packages (kubernetes-models,
# @kubernetes-models/keda, yaml; MIT/ISC), pinned with their integrity hashes in
# deploy/k8s/validate/package-lock.json, into deploy/k8s/validate/node_modules with `npm ci`.
# tests/e2e/test_k8s_manifests.py runs the validator on deploy/k8s. Safe to run again: nothing is
# done while node_modules matches the lockfile.
set -euo pipefail

dir="$(cd "$(dirname "$0")/../deploy/k8s/validate" && pwd)"
stamp="$dir/node_modules/.ferry-lock.sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
up_to_date() { [ -s "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }
up_to_date && exit 0

# One install at a time: parallel tests each call this script, and npm ci empties node_modules
# first.
exec 9>"$dir/.npm-ci.lock"
flock 9
up_to_date && exit 0

if ! command -v npm >/dev/null; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "ferry: installing npm (for the Kubernetes manifest validator)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi

# --ignore-scripts: none of these packages needs an install script, so none runs.
(cd "$dir" && npm ci --silent --ignore-scripts --no-audit --no-fund)
echo "$want" > "$stamp"
echo "ferry: Kubernetes manifest validator in $dir/node_modules"
