#!/usr/bin/env bash
# Installs everything FactoryCI needs to build, run and test, from Debian
# packages, the browser tests' one npm package (tests/webui) and the S3
# store tests' S3-compatible server (tests/blobs). Safe to
# run again: apt-get and npm skip what is already there.
#   scripts/setup.sh           build + run + test dependencies
#   scripts/setup.sh --runtime only what building and running the server needs
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libsimdjson-dev libcli11-dev libfmt-dev libspdlog-dev
  libboost-dev libboost-system-dev
  libsqlite3-dev libmariadb-dev libpq-dev
  libssl-dev libcurl4-openssl-dev libyaml-cpp-dev libzstd-dev libarchive-dev libxml2-dev
  libre2-dev bubblewrap libhowardhinnant-date-dev tzdata
)
test_packages=(
  clang-14 libclang-rt-14-dev
  mariadb-server postgresql
  lighttpd tmux wrk procps curl
  podman runc busybox-static
  socat openssl zstd
  chromium nodejs python3-pytest
)
# The tests need some kubectl; a machine may have one from another package
# (google-cloud-sdk's kubectl), which Debian's kubernetes-client conflicts with.
command -v kubectl >/dev/null || test_packages+=(kubernetes-client)
# Debian's npm, unless the nodejs installed brings its own (NodeSource's
# does, and conflicts with Debian's).
command -v npm >/dev/null || test_packages+=(npm)

packages=("${build_packages[@]}")
[ "${1:-}" = "--runtime" ] || packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: done"
fi

# The browser tests' driver (tests/webui/package-lock.json); Debian's
# chromium is the browser, so playwright downloads none.
if [ "${1:-}" != "--runtime" ] && [ ! -d tests/webui/node_modules/playwright-core ]; then
  echo "setup: installing tests/webui's npm packages"
  (cd tests/webui && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# The S3 store's tests run s3rver, an S3-compatible server, on loopback
# (tests/blobs/package-lock.json; docs/storage.md, "Blobs").
if [ "${1:-}" != "--runtime" ] && [ ! -d tests/blobs/node_modules/s3rver ]; then
  echo "setup: installing tests/blobs' npm packages"
  (cd tests/blobs && npm ci --no-audit --no-fund --loglevel=error)
fi
