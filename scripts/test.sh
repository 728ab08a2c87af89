#!/bin/sh
# Runs every test of `make test` on the ASan+UBSan build: style checks, C unit
# tests, black-box API tests, the kill -9 crash test and a short fuzz run;
# then, when PostgreSQL is installed, the unit and API tests again against a
# throwaway cluster. Long fuzzing is `make fuzz`; benchmarks are `make bench`.
set -u
unset GX_TEST_PG_URL # the first passes are SQLite's; the PostgreSQL pass sets its own
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export GX_BIN=build/asan/guanxi
status=0
step() { printf '\n== %s\n' "$1"; }

step "style"
scripts/style.sh || status=1

step "build (ASan+UBSan, -Wall -Wextra -Werror)"
make -s MODE=asan build/asan/guanxi build/asan/unit_tests || exit 1

step "release build (-O2 finds warnings -O1 does not)"
make -s MODE=release build/release/guanxi || status=1

step "C unit tests"
build/asan/unit_tests || status=1

step "API tests and crash test (node --test)"
node --test --test-concurrency=2 tests/api/ tests/crash/ || status=1

step "PostgreSQL: unit and API tests again on a throwaway cluster (scripts/pg.sh)"
# A cluster of our own in a temp dir on a free loopback port, stopped by PID
# when this script exits, however it exits.
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  PGTMP=$(mktemp -d /tmp/gx-pg.XXXXXX)
  chmod 755 "$PGTMP" # the cluster's owner (postgres when run as root) must reach it
  trap 'scripts/pg.sh stop "$PGTMP/db" || true; rm -rf "$PGTMP"' EXIT
  PGPORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  if url=$(scripts/pg.sh start "$PGTMP/db" "$PGPORT"); then
    GX_TEST_PG_URL=$url build/asan/unit_tests || status=1
    GX_TEST_PG_URL=$url node --test --test-concurrency=2 tests/api/ || status=1
  else
    echo "cannot start PostgreSQL"; status=1
  fi
else
  echo "skipped: PostgreSQL is not installed (scripts/deps.sh test installs it)"
fi

step "browser tests (Debian chromium + playwright-core)"
if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error) && node --test tests/e2e/ || status=1
fi

step "OpenAPI description checked by an independent validator (npm, tests/openapi)"
(cd tests/openapi && npm ci --no-audit --no-fund --loglevel=error) && node --test tests/openapi/ || status=1

step "fuzz smoke run (make fuzz runs longer)"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} scripts/fuzz.sh || status=1

[ $status -eq 0 ] && printf '\nall tests passed\n' || printf '\nSOME TESTS FAILED\n'
exit $status
