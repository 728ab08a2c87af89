#!/usr/bin/env bash
# bulk_insert.sh — issue 3: customers per second inserted through the
# storage layer in bulk (bench/bulk_insert.c: the entity engine's create with
# hooks, audit and ~65 search terms per customer in one FTS5 document, one
# transaction; no CSV parsing, mapping or duplicate check), against
# `sqlite3 .import` of the same rows into a bare table in the same run.
# Environment: GX_BENCH_ROWS (default 200,000), GX_BENCH_KEEP=1 keeps the
# temp dir. Timings are reported, never judged pass/fail; CPU seconds are
# printed beside wall seconds (the machine is shared) with the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${GX_BENCH_ROWS:-200000}
case $ROWS in '' | *[!0-9]*) echo "bench: GX_BENCH_ROWS is a whole number" >&2; exit 2 ;; esac
die() { echo "bench: FAILED: $*" >&2; exit 1; }
for tool in sqlite3 /usr/bin/time; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool (apt-get install sqlite3 time)"
done

echo "bench: building build/release/libguanxi.a, guanxi and build/bench/bulk_insert"
make -s --no-print-directory MODE=release build/release/libguanxi.a build/release/guanxi || die "make"
mkdir -p build/bench
BIN=build/bench/bulk_insert
# linked with the allocator the release binary uses (jemalloc when installed)
if [ ! -x "$BIN" ] || [ bench/bulk_insert.c -nt "$BIN" ] || [ bench/bulk_insert.sh -nt "$BIN" ] || [ build/release/libguanxi.a -nt "$BIN" ]; then
	# shellcheck disable=SC2046
	cc -std=c17 -D_GNU_SOURCE -O2 -g -Isrc $(pkg-config --cflags jansson sqlite3 icu-uc opencc) bench/bulk_insert.c \
		build/release/libguanxi.a $(pkg-config --libs libmicrohttpd jansson sqlite3 libsodium icu-uc icu-i18n opencc libcurl xlsxwriter libical libpq) \
		-lcsv -lm -lpthread $(pkg-config --libs jemalloc 2>/dev/null) -o "$BIN" || die "cannot compile bench/bulk_insert.c"
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gx-bench-bulk-XXXXXX")
cleanup() { if [ "${GX_BENCH_KEEP:-}" = 1 ]; then echo "bench: kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT
bench/gen_customers.sh csv "$ROWS" "$TMP/customers.csv" || die "bench/gen_customers.sh"

t0=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$TMP/bare.time" sqlite3 "$TMP/bare.db" ".mode csv" ".import $TMP/customers.csv bare" ||
	die "sqlite3 .import"
t1=$(date +%s.%N)
BASE=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
BASE_CPU=$(awk '{ printf "%.2f", $1 + $2 }' "$TMP/bare.time")

(cd "$TMP" && GUANXI_ADMIN_PASSWORD="bench-$RANDOM-$RANDOM" "$ROOT/build/release/guanxi" init --db "$TMP/gx.db") >"$TMP/init.log" 2>&1 ||
	{ cat "$TMP/init.log" >&2; die "guanxi init"; }
cp "$TMP/gx.db" "$TMP/gx2.db"
read -r _ N _ W _ C _ _ _ _ < <("$BIN" "$TMP/gx.db" "$TMP/customers.csv") || die "bulk_insert"
read -r _ N2 _ W2 _ C2 _ _ _ _ < <("$BIN" "$TMP/gx2.db" "$TMP/customers.csv" --savepoints) || die "bulk_insert --savepoints"
# the index's entries: one per term of a customer (FTS5 on SQLite, migration 0011)
TERMS=$(sqlite3 "$TMP/gx.db" 'SELECT count(*) FROM search_vocab')
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v rows="$ROWS" -v base="$BASE" -v bcpu="$BASE_CPU" -v n="$N" -v w="$W" -v c="$C" -v n2="$N2" -v w2="$W2" -v c2="$C2" -v terms="$TERMS" -v load="$LOAD" '
BEGIN {
	printf "\n%-52s %9s %9s %12s %12s\n", "bulk insert of " rows " customers (load " load ")", "wall s", "CPU s", "rows/s", "rows/CPU s"
	printf "%-52s %9.2f %9.2f %12.0f %12.0f\n", "sqlite3 .import into a bare table", base, bcpu, rows / base, (bcpu > 0 ? rows / bcpu : 0)
	printf "%-52s %9.2f %9.2f %12.0f %12.0f   target >= 50000  %s\n", "engine create, search index (FTS5)", w, c, n / w, n / c, ((n / w >= 50000) ? "ok" : "MISSED")
	printf "%-52s %9.2f %9.2f %12.0f %12.0f\n", "  the same with a savepoint per row (as the import)", w2, c2, n2 / w2, n2 / c2
	printf "%-52s %11.1fx wall, %.1fx CPU\n", "ratio engine / sqlite3 .import", w / base, (bcpu > 0 ? c / bcpu : 0)
	printf "%-52s %d (%.0f per customer)\n", "search terms", terms, terms / n
}'
