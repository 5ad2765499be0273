#!/usr/bin/env bash
# Sets everything up, builds `factory`, and shows it at work on the example
# configuration shipped in examples/hello.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --runtime
scripts/build.sh build -DFACTORY_TESTS=OFF
echo
echo "== build/factory hcl2json examples/hello/.factory/ci.hcl"
build/factory hcl2json examples/hello/.factory/ci.hcl
