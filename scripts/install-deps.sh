#!/usr/bin/env bash
# Installs what actorprint needs to build and test, from Debian's packages (Debian 12).
# Usage: scripts/install-deps.sh [--dev]   (--dev adds benchmark and fuzzing tools)
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libsqlite3-dev sqlite3 zlib1g-dev libbz2-dev libzstd-dev libsimdjson-dev libxxhash-dev libssl-dev
  libpcre2-dev libjansson-dev libcairo2-dev libmaxminddb-dev libmicrohttpd-dev curl
  gzip bzip2 zstd openssh-client
)
if [[ "${1:-}" == "--dev" || -n "${CI:-}" ]]; then
  packages+=(clang libclang-rt-14-dev libjansson-dev libjson-c-dev hyperfine time libmaxmind-db-writer-perl cmark-gfm python3 libxml2-utils)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The export tests validate JSON against schemas with ajv (npm; tests/validate/package-lock.json).
if [[ "${1:-}" == "--dev" || -n "${CI:-}" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  here=$(cd "$(dirname "$0")/.." && pwd)
  if [[ ! -d "$here/tests/validate/node_modules/ajv" ]]; then
    (cd "$here/tests/validate" && npm ci --no-audit --no-fund --silent)
  fi
fi
