#!/usr/bin/env bash
# typeahead.sh — the customer type-ahead (`GET /api/v1/customers?q=...&limit=20`)
# on a database of GX_BENCH_CUSTOMERS customers (default 1,000,000; made with
# `guanxi demo --light`, through the real engine: search terms, audit), and in
# the same run the single-record read `GET /api/v1/users/{id}` as the baseline.
# Prints p50/p99 latency and req/s of each query at 1 connection, and the
# ratio to the baseline. Reports figures; never judges them.
#   GX_BENCH_CUSTOMERS  customers to generate (1000000)
#   GX_BENCH_DB         reuse this database file (generation takes long)
#   GX_BENCH_DURATION   seconds per measurement (5)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${GX_BENCH_CUSTOMERS:-1000000}
DUR=${GX_BENCH_DURATION:-5}
#   GX_BENCH_BIN        use this binary instead of building build/release/guanxi
if [ -n "${GX_BENCH_BIN:-}" ]; then
	GX=$GX_BENCH_BIN
else
	make -s --no-print-directory MODE=release build/release/guanxi
	GX=$ROOT/build/release/guanxi
fi
TMP=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; [ -z "${GX_BENCH_KEEP:-}" ] && rm -rf "$TMP"; }
trap cleanup EXIT
PW=bench-pass-1234
DB=${GX_BENCH_DB:-$TMP/typeahead.db}
if [ ! -s "$DB" ]; then
	"$GX" init --db "$DB" --admin-password "$PW" >/dev/null
	echo "typeahead: generating $N customers (guanxi demo --light) ..."
	start=$(date +%s)
	"$GX" demo --db "$DB" --customers "$N" --light > "$TMP/demo.log"
	echo "typeahead: generated in $(( $(date +%s) - start )) s; database $(du -h "$DB" | cut -f1)"
fi
"$GX" serve --db "$DB" --listen 127.0.0.1:0 --log-level warn 2> "$TMP/serve.log" &
PID=$!
# the port is in the first line (printed at info level: look for it, else ask ss)
for _ in $(seq 1 100); do
	PORT=$(ss -ltnp 2>/dev/null | awk -v p="pid=$PID," '$0 ~ p {split($4,a,":"); print a[length(a)]}' | head -1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "${PORT:-}" ] || { echo "typeahead: the server did not start"; cat "$TMP/serve.log"; exit 1; }
BASE=http://127.0.0.1:$PORT
LOGIN=$(curl -sf -XPOST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
	-d "{\"username\":\"admin\",\"password\":\"$PW\"}")
TOKEN=$(echo "$LOGIN" | sed -E 's/.*"token":"([^"]+)".*/\1/')
UID_=$(echo "$LOGIN" | sed -E 's/.*"user":\{"id":([0-9]+).*/\1/')
measure() { # name url
	out=$(wrk -t1 -c1 -d"${DUR}s" --latency -H "Authorization: Bearer $TOKEN" "$2" 2>&1)
	p50=$(echo "$out" | awk '$1=="50%"{print $2}')
	p99=$(echo "$out" | awk '$1=="99%"{print $2}')
	rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
	printf '%-28s %10s %10s %10s\n' "$1" "$p50" "$p99" "$rps"
}
enc() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$1"; }
echo
echo "customers: $N   (wrk -t1 -c1, ${DUR}s each; the client shares the machine's 2 cores)"
printf '%-28s %10s %10s %10s\n' "request" "p50" "p99" "req/s"
measure "baseline GET /users/{id}" "$BASE/api/v1/users/$UID_"
for q in zs 张 王芳 zhang wangfang 上海华联 13800 C2026000123 contact123@demo; do
	curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/customers?q=$(enc "$q")&limit=20" > "$TMP/q.json" || true
	hits=$(grep -o '"id":' "$TMP/q.json" | wc -l)
	measure "q=$q ($hits hits)" "$BASE/api/v1/customers?q=$(enc "$q")&limit=20"
done
measure "list, no q (first page)" "$BASE/api/v1/customers?limit=20"
