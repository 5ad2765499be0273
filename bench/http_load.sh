#!/usr/bin/env bash
# Load-tests an HTTP server with wrk: keep-alive, 64 connections, 2 threads, 10 s.
#   bench/http_load.sh PORT PATH COMMAND [ARGS...]
# Starts COMMAND (which must listen on 127.0.0.1:PORT), waits for GET /healthz,
# reports its idle resident memory, runs wrk against PATH, prints requests/s
# and the 99th percentile latency, and stops COMMAND.
# HEADER (environment) adds a request header. Lines "name=value" the server
# prints on stdout replace {name} in PATH and HEADER.
# Examples (Release build):
#   bench/http_load.sh 8089 '/project?id=42' build-release/bench/http_bare_server 8089
#   HEADER='Authorization: Bearer {token}' bench/http_load.sh 8089 '/project?id={project}' \
#     build-release/bench/http_api_server "$(mktemp -d)" 8089
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 PORT PATH COMMAND [ARGS...]" >&2
  exit 2
fi
port=$1 path=$2
shift 2
connections=${CONNECTIONS:-64} threads=${THREADS:-2} duration=${DURATION:-10s}
header=${HEADER:-}

output=$(mktemp)
"$@" >"$output" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -f "$output"' EXIT

for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { echo "server exited before answering" >&2; exit 1; }
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "server did not answer /healthz" >&2; exit 1; }

while IFS='=' read -r name value; do
  [ -n "$name" ] && [ -n "$value" ] || continue
  path=${path//"{$name}"/$value}
  header=${header//"{$name}"/$value}
done < <(grep -E '^[a-z_]+=' "$output" || true)

wrk_options=(-t"$threads" -c"$connections" -d"$duration" --latency)
[ -z "$header" ] || wrk_options+=(-H "$header")
idle_rss_kb=$(ps -o rss= -p "$server" | tr -d ' ')
report=$(wrk "${wrk_options[@]}" "http://127.0.0.1:$port$path")
busy_rss_kb=$(ps -o rss= -p "$server" | tr -d ' ')

echo "$report"
echo "---"
echo "requests/s: $(awk '/^Requests\/sec:/ {print $2}' <<<"$report")"
echo "p99 latency: $(awk '$1 == "99%" {print $2}' <<<"$report")"
echo "non-2xx responses: $(awk '/Non-2xx/ {print $NF}' <<<"$report" | grep . || echo 0)"
echo "idle RSS: $((idle_rss_kb / 1024)) MB (${idle_rss_kb} kB); after load: $((busy_rss_kb / 1024)) MB"
