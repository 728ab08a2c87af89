#!/bin/sh
# Runs every test of `make test` on the ASan+UBSan build: style checks, C unit
# tests, black-box API tests, the kill -9 crash test and a short fuzz run.
# Long fuzzing is `make fuzz`; benchmarks are `make bench`.
set -u
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

step "browser tests (Debian chromium + playwright-core)"
if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error) && node --test tests/e2e/ || status=1
fi

step "fuzz smoke run (make fuzz runs longer)"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} scripts/fuzz.sh || status=1

[ $status -eq 0 ] && printf '\nall tests passed\n' || printf '\nSOME TESTS FAILED\n'
exit $status
