#!/usr/bin/env bash
# Webhook intake under load: wrk POSTs signed 7 KB push deliveries, each with
# a delivery id of its own, to `factory server` on SQLite (pool provisioner
# and no agent, so workflows stay queued), and prints requests/s, latency
# percentiles, the newest workflow and the server's memory before and after.
#   bench/webhook_load.sh [FACTORY_BINARY]      (default build-release/factory)
# CONNECTIONS, THREADS and DURATION (environment) tune wrk: 64, 2, 10s.
set -euo pipefail
cd "$(dirname "$0")/.."
factory=${1:-build-release/factory}
connections=${CONNECTIONS:-64} threads=${THREADS:-2} duration=${DURATION:-10s}
port=${PORT:-8097}
secret=webhook-load-secret

work=$(mktemp -d)
"$factory" server --data-dir "$work/data" --listen "127.0.0.1:$port" --provisioner pool --log-level warn \
  >"$work/server.out" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(cat "$work/data/admin.token")
api() { curl -fs -H "Authorization: Bearer $token" -H "Content-Type: application/json" "$@"; }
project=$(api -X POST "http://127.0.0.1:$port/api/v1/projects" \
  -d "{\"owner\": \"acme\", \"name\": \"rocket\", \"url\": \"https://github.com/acme/rocket\", \"webhook_secret\": \"$secret\"}" |
  grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)  # the project's; the owner's comes later

# A push shaped like GitHub's, padded with changed paths to about 7 KB.
sha=0123456789abcdef0123456789abcdef01234567
paths=$(for i in $(seq 1 290); do printf '"src/module%03d/file.c",' "$i"; done)
cat >"$work/push.json" <<JSON
{"ref": "refs/heads/main", "before": "0000000000000000000000000000000000000000", "after": "$sha",
 "repository": {"full_name": "acme/rocket", "html_url": "https://github.com/acme/rocket",
                "clone_url": "https://github.com/acme/rocket.git", "ssh_url": "git@github.com:acme/rocket.git"},
 "head_commit": {"id": "$sha"},
 "commits": [{"id": "$sha", "added": [${paths%,}], "modified": [], "removed": []}]}
JSON
signature=$(openssl dgst -sha256 -hmac "$secret" <"$work/push.json" | sed 's/^.* //')

cat >"$work/deliveries.lua" <<LUA
local body = io.open("$work/push.json"):read("*a")
local threads = 0
function setup(thread) threads = threads + 1; thread:set("prefix", "t" .. threads .. "-") end
local count = 0
function request()
  count = count + 1
  return wrk.format("POST", "/hooks/github", {
    ["Content-Type"] = "application/json", ["X-GitHub-Event"] = "push",
    ["X-Hub-Signature-256"] = "sha256=$signature", ["X-GitHub-Delivery"] = prefix .. count }, body)
end
LUA

# The server's CPU time (user + system, in clock ticks) from /proc.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }

echo "payload: $(wc -c <"$work/push.json") bytes; server RSS before: $(ps -o rss= -p "$server") KB"
ticks_before=$(cpu_ticks)
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/deliveries.lua" "http://127.0.0.1:$port" |
  tee "$work/wrk.out" | grep -E "requests in|Requests/sec|Non-2xx|Socket errors|^ +(50|90|99)%|Latency "
ticks=$(($(cpu_ticks) - ticks_before))
requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
# wrk shares the machine's cores; this is what each delivery cost the server.
awk -v ticks="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
  'BEGIN {printf "server CPU: %.1f s, %.0f us per delivery\n", ticks / hz, ticks / hz / n * 1e6}'
newest=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/projects/$project/workflows?limit=1")
echo "newest workflow: ${newest:0:120}…"
echo "server RSS after: $(ps -o rss= -p "$server") KB"
echo "SQLite database and log: $(du -sk "$work"/data/*.db* | awk '{printf "%s %d KB  ", $2, $1}' | sed "s|$work/data/||g")"
