#!/usr/bin/env bash
# Installs the Debian packages Sluice builds, runs and tests with. Idempotent and quick when
# everything is already there (no apt-get update unless something is missing).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libboost1.81-all-dev librocksdb-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libssl-dev
  libnghttp2-dev libgtest-dev libgmock-dev clang-format
  python3 python3-boto3 python3-cbor2 awscli
  golang-go golang-github-aws-aws-sdk-go-v2-dev
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
