#!/usr/bin/env bash
# A real project's second build: `npm ci` of bench/npm-project (108 packages
# in its package-lock.json, from the npm registry) run by `factory run` with
# a cache of ~/.npm keyed on hashfiles("package-lock.json"), as
# docs/configuration.md shows. Cold: an empty cache folder (every package is
# downloaded); warm: the folder the cold run filled (the cache is restored,
# npm installs from it). Each round uses a new cache folder; the build runs
# in the sandbox, whose home starts empty each time, so npm's own cache never
# carries over otherwise.
#
# Usage: bench/npm_cache.sh [FACTORY_BINARY] [ROUNDS]   (defaults: build/factory, 3)
# Needs npm and network access to the npm registry. Prints each round's
# times, the medians and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
factory=$(realpath "${1:-build/factory}")
rounds=${2:-3}

work=$(mktemp -d /tmp/npm-cache-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
mkdir -p "$repo/.factory"
cp bench/npm-project/package.json bench/npm-project/package-lock.json "$repo/"
cat > "$repo/.factory/ci.hcl" <<'HCL'
pipeline "install" {
  stage "deps" {
    exec "npm-ci" {
      run = "npm ci --no-audit --no-fund --loglevel=error && node -e 'require(\"express\"); require(\"axios\")'"
      cache "npm" {
        key          = "npm-${hashfiles("package-lock.json")}"
        paths        = ["~/.npm"]
        restore_keys = ["npm-"]
      }
    }
  }
}
HCL

# Seconds of one `factory run` with the cache folder $1; its cache lines go to stderr.
timed_run() {
  local start end output
  start=$(date +%s.%N)
  output=$("$factory" run "$repo" --branch main --cache-dir "$1" 2>&1) || { echo "$output" >&2; exit 1; }
  end=$(date +%s.%N)
  grep -o 'cache npm: [a-z ,]*[a-z]' <<<"$output" | sed 's/^/    /' >&2
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

echo "npm ci of $(python3 -c 'import json,sys; print(sum(1 for k in json.load(open(sys.argv[1]))["packages"] if k))' \
  bench/npm-project/package-lock.json) packages; $rounds rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)"
colds=() warms=()
for round in $(seq 1 "$rounds"); do
  cache=$work/cache-$round
  echo "round $round: cold" >&2
  cold=$(timed_run "$cache")
  echo "round $round: warm" >&2
  warm=$(timed_run "$cache")
  printf 'round %d: cold %.2f s, warm %.2f s (cache %s)\n' "$round" "$cold" "$warm" "$(du -sh "$cache/blobs" | cut -f1)"
  colds+=("$cold") warms+=("$warm")
done
cold=$(printf '%s\n' "${colds[@]}" | median)
warm=$(printf '%s\n' "${warms[@]}" | median)
printf 'median: cold %.2f s, warm %.2f s, cold/warm %.2f\n' "$cold" "$warm" "$(awk -v c="$cold" -v w="$warm" 'BEGIN { print c / w }')"
