#!/usr/bin/env bash
# Sets everything up and runs every test:
#   1. the release build's tests (all components),
#   2. the core libraries' tests again under AddressSanitizer + UBSan.
# Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

scripts/build.sh build
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DFACTORY_SANITIZE=ON -DFACTORY_ONLY_CORE=ON

# Throwaway MariaDB and PostgreSQL for the storage suite; required, not skipped.
# (A failed start inside eval "$(...)" would go unnoticed: check it first.)
databases=$(scripts/test-databases.sh start) || { echo "test.sh: the test databases did not start" >&2; exit 1; }
eval "$databases"
trap 'scripts/test-databases.sh stop' EXIT
export FACTORY_TEST_MYSQL_URL FACTORY_TEST_POSTGRES_URL FACTORY_TEST_DB_DIR FACTORY_TEST_REQUIRE_DATABASES=1
# Every test talks to servers on loopback: never through a proxy the
# machine may be set to use (the HTTP clients, ours and curl, honour them).
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"

passed=0
failed=0
skipped=0
run_suite() {  # run_suite NAME BUILD_DIR
  local log
  log=$(mktemp)
  echo "== $1"
  set +e
  ctest --test-dir "$2" -j2 --output-on-failure --timeout 300 2>&1 | tee "$log"
  set -e
  local line total fail
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "$1: ctest printed no summary"; failed=$((failed + 1)); rm -f "$log"; return
  fi
  fail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  # CTest counts a skipped test (the browser tests without Chromium) as not
  # failed; it is not a pass either.
  skip=$(grep -c ' (Skipped)$' "$log" || true)
  passed=$((passed + total - fail - skip))
  failed=$((failed + fail))
  skipped=$((skipped + skip))
  rm -f "$log"
}
run_suite "release build" build
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_suite "sanitizer build (core libraries)" build-asan

[ "$skipped" -eq 0 ] || echo "skipped: $skipped (listed above under \"The following tests did not run\")"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
