#!/usr/bin/env bash
# Installs Ferry's build and runtime dependencies from Debian's archive; safe to run again.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev clang-format
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev catch2 libcli11-dev libsimdjson-dev libhowardhinnant-date-dev tzdata
  libcpp-httplib-dev libssl-dev openssl zlib1g-dev libbrotli-dev chromium prometheus
  libopencv-dnn-dev python3-onnx python3-opencv
  python3 python3-zmq python3-msgpack python3-pytest python3-yaml python3-croniter python3-jsonschema
  python3-sklearn python3-numpy python3-pil tesseract-ocr-eng python3-tesserocr fonts-dejavu-core
  tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa wamerican wngerman wfrench wspanish
  dpkg-dev python3-pip python3-setuptools python3-wheel python3-venv systemd iproute2 nftables
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "ferry: all build dependencies are installed"
  bash "$(dirname "$0")/fetch-openapi-schema.sh"
  bash "$(dirname "$0")/fetch-k8s-validator.sh"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "ferry: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
  SUDO="sudo"
fi

echo "ferry: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
bash "$(dirname "$0")/fetch-openapi-schema.sh"
bash "$(dirname "$0")/fetch-k8s-validator.sh"
