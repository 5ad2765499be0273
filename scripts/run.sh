#!/usr/bin/env bash
# Sets everything up, builds `factory`, and runs the server in the
# foreground on 127.0.0.1:8080 with its data in ./factory-data (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --runtime
scripts/build.sh build -DFACTORY_TESTS=OFF
cat <<BANNER

== FactoryCI server: http://127.0.0.1:8080 (data in ./factory-data)
   The admin API token is written on first start; read it with
     cat factory-data/admin.token
   then, for example:
     curl -H "Authorization: Bearer \$(cat factory-data/admin.token)" http://127.0.0.1:8080/api/v1/projects

BANNER
exec build/factory server --data-dir factory-data
