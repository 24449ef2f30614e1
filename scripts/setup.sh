#!/usr/bin/env bash
# Installs everything workspaced needs to build, test and benchmark, from
# Debian's packages only. Idempotent: when every package is present it makes no
# network call and returns in well under a second.
set -euo pipefail

# Build and run-time libraries.
PKGS_BUILD=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev
  libpq-dev
  protobuf-compiler libprotobuf-dev libgrpc++-dev protobuf-compiler-grpc
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Tools the black-box tests and benchmarks drive.
PKGS_TEST=(curl jq sqlite3 openssl procps postgresql pgbouncer util-linux)
# The portal's browser tests drive Debian's Chromium headless (tests/portal).
PKGS_TEST+=(chromium fonts-dejavu-core)
PKGS_BENCH=(nginx-light wrk util-linux)
# The fuzz targets (scripts/fuzz.sh): Debian's clang and its libFuzzer runtime.
PKGS_FUZZ=(clang libclang-rt-14-dev)

want=("${PKGS_BUILD[@]}" "${PKGS_TEST[@]}" "${PKGS_FUZZ[@]}")
# The OpenAPI linter runs on Node.js; use the machine's if it has one (the
# project's images ship a newer one than Debian's), else Debian's.
if ! command -v npm >/dev/null 2>&1; then want+=(nodejs npm); fi
if [[ "${1:-}" == "--bench" ]]; then want+=("${PKGS_BENCH[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The portal's bundler and browser-test driver (npm, pinned; no network once
# installed).
bash "$(dirname "$0")/install-portal.sh"
