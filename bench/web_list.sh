#!/usr/bin/env bash
# web_list.sh — how soon the customer list page (/customers) is usable in a
# real browser on a database of a million customers, and, as the baseline in
# the same run, the same page on a database with none. Uses the release
# binary (which embeds web/dist), bench/gen_customers.sh for the databases
# and bench/web_list.mjs (chromium through tests/e2e's playwright-core) for
# the timings. Reports figures; never judges them.
#   GX_BENCH_CUSTOMERS  customers in the big database (1000000)
#   GX_BENCH_DB         reuse this database file (generation takes a minute or more)
#   GX_BENCH_RUNS       page loads per database (7)
#   GX_BENCH_BIN        use this binary instead of building build/release/guanxi
#   GX_BENCH_PASSWORD   the admin's password in those databases (bench-pass-1234)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${GX_BENCH_CUSTOMERS:-1000000}
RUNS=${GX_BENCH_RUNS:-7}
PW=${GX_BENCH_PASSWORD:-bench-pass-1234}
export GX_BENCH_PASSWORD=$PW
if [ -n "${GX_BENCH_BIN:-}" ]; then
	GX=$GX_BENCH_BIN
else
	[ -d web/dist ] || (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
	make -s --no-print-directory MODE=release build/release/guanxi
	GX=$ROOT/build/release/guanxi
fi
export GX_BENCH_BIN=$GX
[ -d tests/e2e/node_modules/playwright-core ] || (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
TMP=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

DB=${GX_BENCH_DB:-$TMP/big.db}
if [ ! -s "$DB" ]; then
	echo "web_list: generating $N customers ..."
	start=$(date +%s)
	bench/gen_customers.sh db "$N" "$DB" >/dev/null
	echo "web_list: generated in $(( $(date +%s) - start )) s; database $(du -h "$DB" | cut -f1)"
fi
bench/gen_customers.sh db 0 "$TMP/empty.db" >/dev/null

serve() { # db → sets PID, BASE
	"$GX" serve --db "$1" --listen 127.0.0.1:0 --log-level warn 2> "$TMP/serve.log" &
	PID=$!
	PORT=""
	for _ in $(seq 1 100); do
		PORT=$(ss -ltnp 2>/dev/null | awk -v p="pid=$PID," '$0 ~ p {split($4,a,":"); print a[length(a)]}' | head -1)
		[ -n "$PORT" ] && break
		sleep 0.1
	done
	[ -n "$PORT" ] || { echo "web_list: the server did not start"; cat "$TMP/serve.log"; exit 1; }
	BASE=http://127.0.0.1:$PORT
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; PID=""; }

echo "web_list: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before"
for which in empty big; do
	if [ $which = empty ]; then serve "$TMP/empty.db"; label="empty db  "; else serve "$DB"; label="$N customers"; fi
	# one untimed load warms the server's page cache and statement cache
	GX_SERVER_PID=$PID node bench/web_list.mjs "$BASE" bench admin "$PW" 1 warm-up >/dev/null
	GX_SERVER_PID=$PID node bench/web_list.mjs "$BASE" bench admin "$PW" "$RUNS" "$label"
	stop
	echo "web_list: load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
