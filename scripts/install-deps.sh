#!/usr/bin/env bash
# Installs the Debian packages skr-harness needs, and only those that are missing.
# Idempotent and quiet when everything is present; safe to run on every `make`.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang-format
  libssl-dev libcpp-httplib-dev nlohmann-json3-dev
  libtss2-dev libtss2-tcti-swtpm0 swtpm swtpm-tools tpm2-tools
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  libsqlite3-dev
  openssl
  nodejs  # the AzureSdkJs conformance suite (nodesource's nodejs has the same package name)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Debian's npm only when no npm is on PATH (nodesource's nodejs bundles its own and conflicts).
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing missing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
