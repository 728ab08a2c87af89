#!/usr/bin/env bash
# import_export.sh — `make bench` (through scripts/bench.sh) or on its own:
#   1. generates a customer CSV of GX_BENCH_ROWS rows (default 1,000,000),
#      Chinese company names, codes, mobiles, e-mails, amounts;
#   2. imports it end to end with `guanxi import customers` (header mapping,
#      conversion, validation, upsert keys, duplicate check, the search
#      index of ~60 terms per customer, audit, one transaction), and in the
#      same run `sqlite3 .import` of the same file into a bare table: the
#      baseline of "just getting the bytes into SQLite";
#   3. exports every row to CSV and to XLSX with /usr/bin/time -v for the
#      peak RSS (target < 100 MB each).
# Environment: GX_BENCH_ROWS (rows imported), GX_BENCH_EXPORT_ROWS (rows
# exported, default GX_BENCH_ROWS: when larger, the export database is made
# with `guanxi import --all` of a generated dump, which takes a minute where
# an engine import of a million customers takes about an hour on 2 cores;
# when smaller, the import's database is exported whole and the report says
# how many rows that is),
# GX_BENCH_DUPLICATES (report|create, default report: the API's duplicate
# check on every row), GX_BENCH_EXPORT_DB=FILE exports an existing SQLite
# database instead (GX_BENCH_EXPORT_TENANT=SLUG when it has several tenants;
# it must be at this binary's schema version: the CLI migrates what it
# opens, so an older database is refused rather than written to; the export
# only reads, though SQLite may checkpoint its WAL when the last connection
# closes), GX_BENCH_KEEP=1 keeps the temp dir, GX_BENCH_EXCLUDE as for
# scripts/bench.sh. Timings are reported, never judged pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${GX_BENCH_ROWS:-1000000}
XROWS=${GX_BENCH_EXPORT_ROWS:-$ROWS}
XDB_GIVEN=${GX_BENCH_EXPORT_DB:-}
if [ -n "$XDB_GIVEN" ]; then
	[ -f "$XDB_GIVEN" ] || { echo "bench: GX_BENCH_EXPORT_DB: no file $XDB_GIVEN" >&2; exit 2; }
	XROWS=$ROWS # the file to generate: only the import's rows
fi
DUPS=${GX_BENCH_DUPLICATES:-report}
for v in "$ROWS" "$XROWS"; do
	case $v in '' | *[!0-9]*) echo "bench: GX_BENCH_ROWS and GX_BENCH_EXPORT_ROWS are whole numbers" >&2; exit 2 ;; esac
done
die() { echo "bench: FAILED: $*" >&2; exit 1; }
for tool in sqlite3 /usr/bin/time awk; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool (apt-get install sqlite3 time)"
done

echo "bench: building build/release/guanxi"
make -s --no-print-directory MODE=release build/release/guanxi ${GX_BENCH_EXCLUDE:+EXCLUDE="$GX_BENCH_EXCLUDE"} ||
	die "make build/release/guanxi"
GX=$ROOT/build/release/guanxi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gx-bench-io-XXXXXX")
cleanup() { if [ "${GX_BENCH_KEEP:-}" = 1 ]; then echo "bench: kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

# ---- the file --------------------------------------------------------------------------
CSV=$TMP/customers.csv
GEN=$ROWS
[ "$XROWS" -gt "$GEN" ] && GEN=$XROWS
echo "bench: generating $GEN rows"
bench/gen_customers.sh csv "$GEN" "$CSV.all" || die "bench/gen_customers.sh"
if [ "$GEN" -gt "$ROWS" ]; then
	head -n "$((ROWS + 1))" "$CSV.all" >"$CSV"
else
	mv "$CSV.all" "$CSV"
fi
BYTES=$(wc -c <"$CSV")
echo "bench: $CSV: $BYTES bytes"

# ---- baseline: sqlite3 .import into a bare table -------------------------------------------
t0=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$TMP/bare.time" sqlite3 "$TMP/bare.db" ".mode csv" ".import $CSV bare" || die "sqlite3 .import"
t1=$(date +%s.%N)
BASE=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
BASE_CPU=$(awk '{ printf "%.2f", $1 + $2 }' "$TMP/bare.time")
echo "bench: sqlite3 .import: $BASE s ($(sqlite3 "$TMP/bare.db" 'SELECT count(*) FROM bare') rows)"

# ---- guanxi import ---------------------------------------------------------------------------
(cd "$TMP" && GUANXI_ADMIN_PASSWORD="bench-$RANDOM-$RANDOM" "$GX" init --db "$TMP/gx.db") >"$TMP/init.log" 2>&1 ||
	{ cat "$TMP/init.log" >&2; die "guanxi init"; }
t0=$(date +%s.%N)
/usr/bin/time -v -o "$TMP/import.time" "$GX" import customers "$CSV" --db "$TMP/gx.db" --duplicates "$DUPS" \
	>"$TMP/import.out" 2>"$TMP/import.err" || { tail -20 "$TMP/import.err" "$TMP/import.out" >&2; die "guanxi import"; }
t1=$(date +%s.%N)
IMP=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
grep -E '^  rows|encoding' "$TMP/import.out" | sed 's/^/bench: /'
IMP_RSS=$(awk '/Maximum resident/ { print $NF }' "$TMP/import.time")
IMP_CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$TMP/import.time")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
DB_MB=$(du -m "$TMP/gx.db" | cut -f1)
TERMS=$(sqlite3 "$TMP/gx.db" 'SELECT count(*) FROM search_vocab') # the FTS5 index's entries (migration 0011)

# ---- exports ------------------------------------------------------------------------------------
XDB=$TMP/gx.db
if [ -n "$XDB_GIVEN" ]; then
	# never migrate someone's database: the same schema version as this binary, or nothing
	want=$(sqlite3 "$TMP/gx.db" 'SELECT max(version) FROM schema_migrations')
	have=$(sqlite3 -readonly "$XDB_GIVEN" 'SELECT max(version) FROM schema_migrations' 2>/dev/null || echo "?")
	[ "$have" = "$want" ] || die "$XDB_GIVEN is at schema version $have, this binary at $want: exporting would migrate it (make one with bench/gen_customers.sh db N FILE)"
	XDB=$XDB_GIVEN
elif [ "$XROWS" -gt "$ROWS" ]; then
	# a database of XROWS customers through the exit door: a generated
	# export --all directory loaded by import --all (bench/gen_customers.sh)
	echo "bench: making a database of $XROWS customers with import --all"
	rm -f "$CSV.all"
	XDB=$TMP/export.db
	GX_BENCH_BIN=$GX bench/gen_customers.sh db "$XROWS" "$XDB" >/dev/null || die "bench/gen_customers.sh db"
fi
# the rows the exports write (the import's database holds what the import created)
XROWS=$(sqlite3 -readonly "$XDB" "SELECT count(*) FROM customers WHERE deleted_at IS NULL${GX_BENCH_EXPORT_TENANT:+ AND tenant_id = (SELECT id FROM tenants WHERE slug = '$GX_BENCH_EXPORT_TENANT')}")
echo "bench: exporting $XROWS customers of $XDB"
run_export() {
	local out=$1
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -v -o "$TMP/export.time" "$GX" export customers "$TMP/$out" --db "$XDB" --lang zh-CN ${GX_BENCH_EXPORT_TENANT:+--tenant "$GX_BENCH_EXPORT_TENANT"} \
		2>"$TMP/export.err" || { cat "$TMP/export.err" >&2; die "guanxi export $out"; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
	echo " $(awk '/Maximum resident/ { print $NF }' "$TMP/export.time") $(wc -c <"$TMP/$out") $(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$TMP/export.time")"
}
read -r CSV_S CSV_RSS CSV_BYTES CSV_CPU < <(run_export out.csv)
CSV_ROWS=$(($(sqlite3 "$TMP/bare.db" ".mode csv" ".import $TMP/out.csv re" "SELECT count(*) FROM re")))
read -r XLSX_S XLSX_RSS XLSX_BYTES XLSX_CPU < <(run_export out.xlsx)
XLOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report -------------------------------------------------------------------------------------
awk -v rows="$ROWS" -v bytes="$BYTES" -v base="$BASE" -v imp="$IMP" -v icpu="$IMP_CPU" -v bcpu="$BASE_CPU" -v load="$LOAD" -v irss="$IMP_RSS" -v dbmb="$DB_MB" -v terms="$TERMS" \
	-v cs="$CSV_S" -v crss="$CSV_RSS" -v cb="$CSV_BYTES" -v crows="$CSV_ROWS" -v xs="$XLSX_S" -v xrss="$XLSX_RSS" -v xb="$XLSX_BYTES" \
	-v dups="$DUPS" -v xrows="$XROWS" -v ccpu="$CSV_CPU" -v xcpu="$XLSX_CPU" -v xload="$XLOAD" '
function verdict(ok) { return ok ? "ok" : "MISSED" }
BEGIN {
	r = (base > 0) ? imp / base : 0
	printf "\n%-44s %12s %14s %12s\n", "import of " rows " customers (" int(bytes / 1048576) " MB CSV)", "seconds", "rows/s", "peak RSS"
	printf "%-44s %12.2f %14.0f %12s\n", "sqlite3 .import into a bare table", base, rows / base, "-"
	printf "%-44s %12.2f %14.0f %9.1f MB\n", "guanxi import customers (duplicates=" dups ")", imp, rows / imp, irss / 1024
	printf "%-44s %12.2f %14.0f   (user + system; load average %s)\n", "  CPU seconds of the import", icpu, rows / icpu, load
	printf "%-44s %11.1fx   target <= 3x  %s\n", "ratio guanxi / sqlite3 .import", r, verdict(r <= 3)
	if (bcpu > 0)
		printf "%-44s %11.1fx   (CPU seconds: %.2f / %.2f)\n", "ratio of CPU seconds", icpu / bcpu, icpu, bcpu
	printf "%-44s %9d MB, %d search terms (%.0f per customer)\n", "database after the import", dbmb, terms, terms / rows
	printf "\n%-44s %12s %14s %12s   (load average %s)\n", "export of " xrows " customers", "seconds", "rows/s", "peak RSS", xload
	printf "%-44s %12.2f %14.0f %9.1f MB   target < 100 MB  %s   (%d MB, %d records read back; %.2f CPU s)\n", "CSV", cs, xrows / cs, crss / 1024, verdict(crss / 1024 < 100), cb / 1048576, crows, ccpu
	printf "%-44s %12.2f %14.0f %9.1f MB   target < 100 MB  %s   (%d MB; %.2f CPU s)\n", "XLSX", xs, xrows / xs, xrss / 1024, verdict(xrss / 1024 < 100), xb / 1048576, xcpu
}'
