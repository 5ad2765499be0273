#!/usr/bin/env bash
# Start latency: from a push webhook's sending to the first execution's
# process starting, with the local provisioner and a small repository served
# over smart HTTP (lighttpd + `git http-backend`) on loopback, as forges
# serve it. The webhooks are sent one after another, each after the previous
# workflow ended. In the same run, `git fetch --depth 1` alone is timed
# against the same server (once after each workflow): that time is the git
# server's, not ours, and "own share" is the total minus its median (or,
# less sensitive to other load on the machine, minus the fetch timed right
# after each workflow).
#
# Usage: bench/start_latency.sh [FACTORY_BINARY] [WEBHOOKS]
# (defaults: build-release/factory, 200). Needs lighttpd, git, curl, openssl,
# jq, python3. Prints percentiles and where the time goes.
set -euo pipefail
cd "$(dirname "$0")/.."
factory=$(realpath "${1:-build-release/factory}")
webhooks=${2:-200}
secret=start-latency-secret

work=$(mktemp -d /tmp/start-latency.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost \
  GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The repository: one execution that records when its process started.
mkdir -p "$work/repo/.factory" "$work/starts"
cat > "$work/repo/.factory/ci.hcl" <<EOF
pipeline "start" {
  stage "only" {
    exec "stamp" {
      run = "date +%s%N > $work/starts/\$FACTORY_WORKFLOW_ID"
    }
  }
}
EOF
echo "a small repository" > "$work/repo/README"
git -C "$work/repo" init -q -b main && git -C "$work/repo" add . && git -C "$work/repo" commit -qm "first commit"
sha=$(git -C "$work/repo" rev-parse HEAD)
mkdir -p "$work/git/acme"
git clone -q --bare "$work/repo" "$work/git/acme/hello.git"
git -C "$work/git/acme/hello.git" config uploadpack.allowFilter true

# Smart HTTP on loopback.
git_port=$(free_port)
cat > "$work/lighttpd.conf" <<EOF
server.document-root = "$work/git"
server.bind = "127.0.0.1"
server.port = $git_port
server.errorlog = "$work/lighttpd.log"
server.modules = ("mod_alias", "mod_cgi", "mod_setenv")
alias.url = ("/git" => "/usr/lib/git-core/git-http-backend")
\$HTTP["url"] =~ "^/git" {
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "$work/git", "GIT_HTTP_EXPORT_ALL" => "",
                            "GIT_CONFIG_GLOBAL" => "/dev/null")
}
EOF
lighttpd -D -f "$work/lighttpd.conf" &
pids+=($!)
repo_url="http://127.0.0.1:$git_port/git/acme/hello.git"
until git ls-remote "$repo_url" >/dev/null 2>&1; do sleep 0.05; done

# The server, on a throwaway data directory.
"$factory" server --data-dir "$work/data" --listen 127.0.0.1:0 --provisioner local > "$work/server.out" 2> "$work/server.err" &
pids+=($!)
until grep -q "^listening on " "$work/server.out" 2>/dev/null; do sleep 0.05; done
api=$(sed -n 's/^listening on //p' "$work/server.out")
token=$(cat "$work/data/admin.token")
curl -sf -X POST "$api/api/v1/projects" -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
  -d "{\"owner\": \"acme\", \"name\": \"hello\", \"url\": \"$repo_url\", \"webhook_secret\": \"$secret\"}" >/dev/null

# The same push each time, delivered under distinct ids.
push="{\"ref\": \"refs/heads/main\", \"after\": \"$sha\", \"head_commit\": {\"id\": \"$sha\"},
 \"repository\": {\"full_name\": \"acme/hello\", \"html_url\": \"https://github.com/acme/hello\",
                \"clone_url\": \"https://github.com/acme/hello.git\", \"ssh_url\": \"git@github.com:acme/hello.git\"},
 \"commits\": [{\"added\": [\".factory/ci.hcl\"], \"modified\": [], \"removed\": []}]}"
signature=$(printf '%s' "$push" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')

workflow_ended() {
  curl -sf -H "Authorization: Bearer $token" "$api/api/v1/workflows/$1" |
    jq -e '.status | IN("success", "failure", "error", "cancelled", "skipped")' >/dev/null
}

# Nothing between taking the time and the request's first byte may start a
# process (a fork costs milliseconds here): the webhook goes out through
# bash's own /dev/tcp, and the waits below read a FIFO nobody writes to
# instead of running `sleep`.
host_port=${api#http://}
send_webhook() {  # DELIVERY_ID: sets `sent` (µs since the epoch) and `answer`
  local request connection
  printf -v request '%s\r\n' "POST /hooks/github HTTP/1.1" "Host: $host_port" "Connection: close" \
    "X-GitHub-Event: push" "X-GitHub-Delivery: $1" "X-Hub-Signature-256: sha256=$signature" \
    "Content-Type: application/json" "Content-Length: ${#push}" ""
  request+=$push
  exec {connection}<>"/dev/tcp/${host_port%:*}/${host_port#*:}"
  sent=${EPOCHREALTIME/./}
  printf '%s' "$request" >&$connection
  answer=$(cat <&$connection)
  exec {connection}>&-
}
mkfifo "$work/never"
exec {never}<>"$work/never"
pause() { read -r -t "$1" -u "$never" || true; }

echo "workflow send_us" > "$work/sent"
echo "fetch_us" > "$work/fetches"
for ((i = 1; i <= webhooks; i++)); do
  send_webhook "latency-$i"
  workflow=$(sed -n 's/.*"id":"\([^"]*\)".*"outcome":"queued".*/\1/p' <<<"$answer")
  [[ -n $workflow ]] || { echo "webhook $i was not queued: $answer" >&2; exit 1; }
  echo "$workflow $sent" >> "$work/sent"
  until [[ -s $work/starts/$workflow ]]; do pause 0.002; done
  until workflow_ended "$workflow"; do pause 0.01; done

  rm -rf "$work/fetch" && git init -q "$work/fetch"
  began=${EPOCHREALTIME/./}
  git -C "$work/fetch" fetch -q --depth 1 "$repo_url" "$sha"
  ended=${EPOCHREALTIME/./}
  echo $((ended - began)) >> "$work/fetches"
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $webhooks webhooks"
WORK=$work API=$api TOKEN=$token python3 - <<'EOF'
import glob, json, os, re, statistics, urllib.request
from datetime import datetime

work, api, token = os.environ["WORK"], os.environ["API"], os.environ["TOKEN"]

def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

def unix_us(iso):
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1_000_000)

def workflow(id):
    request = urllib.request.Request(f"{api}/api/v1/workflows/{id}", headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(request))

agent_line = re.compile(r"start of workflow (\S+): (.*) \(unix us (\d+) to (\d+)\)")
agents = {}
for log in glob.glob(f"{work}/data.work/*.log"):
    for line in open(log):
        if found := agent_line.search(line):
            laps = {name: int(ms) * 1000 for name, ms in re.findall(r"([^,]+?) (\d+) ms", found[2])}
            agents[found[1]] = (laps, int(found[3]), int(found[4]))

rows = [line.split() for line in open(f"{work}/sent").read().splitlines()[1:]]
fetches = [int(line) for line in open(f"{work}/fetches").read().splitlines()[1:]]
totals, phases = [], {}
for id, sent in rows:
    sent = int(sent)
    started = int(open(f"{work}/starts/{id}").read()) // 1000
    totals.append(started - sent)
    view = workflow(id)
    laps, agent_began, agent_ended = agents[id]
    steps = {"webhook → queued": unix_us(view["created_at"]) - sent,
             "queued → claimed for an agent": unix_us(view["started_at"]) - unix_us(view["created_at"]),
             "agent process start": agent_began - unix_us(view["started_at"])}
    steps.update({f"agent: {name.strip()}": us for name, us in laps.items()})
    steps["execution process start"] = started - agent_ended
    for name, us in steps.items():
        phases.setdefault(name, []).append(us)

fetch = statistics.median(fetches)
own = [total - fetch for total in totals]
# The machine may be shared: a workflow slowed by others' load has a fetch
# timed right after it that was likely slowed as much.
own_paired = [total - fetch for total, fetch in zip(totals, fetches)]
def line(name, values):
    ms = lambda us: f"{us / 1000:7.1f}"
    return f"{name:34} p50 {ms(percentile(values, 50))}  p90 {ms(percentile(values, 90))}  " \
           f"p99 {ms(percentile(values, 99))}  max {ms(max(values))}  ms"
print(line("total (webhook → process)", totals))
print(line("git fetch --depth 1 alone", fetches))
print(line("own share (total − median fetch)", own))
print(line("own share (total − next fetch)", own_paired))
print("where the time goes (server times have ms precision):")
for name, values in phases.items():
    print("  " + line(name, values))
EOF
