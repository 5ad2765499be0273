#!/usr/bin/env bash
# Sets everything up, builds `factory`, and runs the server (REST API and web
# UI) in the foreground on 127.0.0.1:8080 with its data in ./factory-data
# (Ctrl-C stops it). Its last start-up line is the web UI's URL and how to
# sign in.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --runtime
scripts/build.sh build -DFACTORY_TESTS=OFF
cat <<BANNER

== FactoryCI server: http://127.0.0.1:8080 (data in ./factory-data)
   Web UI: open http://127.0.0.1:8080/ and sign in with the admin API token,
   written on first start; read it with
     cat factory-data/admin.token
   The REST API takes the same token, for example:
     curl -H "Authorization: Bearer \$(cat factory-data/admin.token)" http://127.0.0.1:8080/api/v1/projects
   The server's last start-up line says where the web UI is again.

BANNER
exec build/factory server --data-dir factory-data
