#!/usr/bin/env bash
# Installs what Sluice needs from Debian, and the JS SDK the integration tests drive it with (npm
# ci in tests/integration/js, pinned by its package-lock.json). Idempotent and quick when
# everything is already there (no apt-get update unless something is missing; no npm unless the
# lock file changed).
#
#   scripts/install-deps.sh            everything: build, run, test and benchmark
#   scripts/install-deps.sh --build    only what building and running the broker needs
#                                      (scripts/run.sh: no test clients, Go or Node)
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0
[ "${1:-}" = "--build" ] && build_only=1

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libboost1.81-all-dev librocksdb-dev nlohmann-json3-dev libsimdjson-dev libspdlog-dev libfmt-dev libssl-dev
  libnghttp2-dev
)
if [ "$build_only" = 0 ]; then
  packages+=(
    libgtest-dev libgmock-dev clang-format nghttp2-client
    clang libclang-rt-14-dev
    python3 python3-boto3 python3-cbor2 awscli
    golang-go golang-github-aws-aws-sdk-go-v2-dev
  )
  # Node.js for the JS SDK tests: Debian's, unless a node is already installed some other way.
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ "$build_only" = 1 ] && exit 0

# npm ci wipes and reinstalls node_modules; skip it when the installed tree matches the lock
# (npm writes node_modules/.package-lock.json after every install).
js_dir=tests/integration/js
installed_lock="$js_dir/node_modules/.package-lock.json"
if [ ! -f "$installed_lock" ] || [ "$js_dir/package-lock.json" -nt "$installed_lock" ]; then
  echo "Installing the JS SDK for the integration tests (npm ci in $js_dir)"
  (cd "$js_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
