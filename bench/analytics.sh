#!/usr/bin/env bash
# analytics.sh — customer analytics at scale (issue 4's benchmark), in one run:
#   1. a database of GX_BENCH_CUSTOMERS customers (default 1,000,000) made by
#      bench/gen_customers.sh (tenant bench, codes B0000001.., user admin);
#   2. GX_BENCH_TRANSACTIONS purchases for them (default 10,000,000) made by
#      bench/gen_transactions.c: log-normal purchases per customer, three
#      years, 120 products in 8 categories, 45 % of the customers stop, 3 %
#      returns; a CSV in time order;
#   3. `guanxi import transactions` of that file (rows/s; target >= 200k/s);
#   4. the baseline: one full scan, SELECT count(*), sum(amount) FROM
#      transactions (sqlite3, the second of two runs: the cache is warm, as
#      it is for the steps it is compared with);
#   5. `guanxi analytics rebuild` (statistics from scratch + RFM + CLV
#      scoring; target <= 3x the scan), `guanxi analytics refit` (BG/NBD and
#      Gamma-Gamma on every customer, target < 5 s, then a scoring pass) and
#      `guanxi analytics score` (the scoring pass alone);
#   6. GET /api/v1/customers/{id}/insights from the release binary, logged in
#      as admin, with wrk over random customer ids: one connection (latency)
#      and GX_BENCH_CONNS connections (throughput); p50/p99 (target p99 < 5 ms),
#      after GX_BENCH_WARMUP seconds (3) of the same requests, not counted: the
#      caches warm, as for the scan (on a database just copied or written,
#      the first reads wait for the disk: p99 50 ms instead of 3-4 ms).
# Each step's wall, user and system time and peak RSS come from
# /usr/bin/time -v; the load average is printed beside them (the machine is
# shared: CPU time is the steadier figure).
# Environment: GX_BENCH_CUSTOMERS, GX_BENCH_TRANSACTIONS (smaller scales for
# quick loops), GX_BENCH_CUSTOMERS_DB (a database made by gen_customers.sh
# db for the same count, copied instead of generated), GX_BENCH_DURATION
# (seconds of wrk per run, 10), GX_BENCH_CONNS (8), GX_BENCH_STEPS (the steps
# to run, default "import scan rebuild refit score insights"),
# GX_BENCH_WARMUP (seconds of insights requests before the measured runs),
# GX_BENCH_BIN (the guanxi binary; default build/release/guanxi, built),
# GX_BENCH_KEEP=1 keeps the temp dir. Timings are reported, never judged.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NC=${GX_BENCH_CUSTOMERS:-1000000}
NT=${GX_BENCH_TRANSACTIONS:-10000000}
DURATION=${GX_BENCH_DURATION:-10}
WARMUP=${GX_BENCH_WARMUP:-3}
CONNS=${GX_BENCH_CONNS:-8}
STEPS=" ${GX_BENCH_STEPS:-import rebuild refit score insights} "
for v in NC NT DURATION WARMUP CONNS; do
	case ${!v} in '' | *[!0-9]*) echo "bench: $v must be a whole number" >&2; exit 2 ;; esac
done
[ "$NT" -ge "$NC" ] || { echo "bench: GX_BENCH_TRANSACTIONS must be >= GX_BENCH_CUSTOMERS" >&2; exit 2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }
for tool in sqlite3 /usr/bin/time awk cc curl wrk; do
	command -v "$tool" >/dev/null 2>&1 || die "needs $tool (apt-get install sqlite3 time gcc curl wrk)"
done
load() { cut -d' ' -f1-3 /proc/loadavg; }

GX=${GX_BENCH_BIN:-$ROOT/build/release/guanxi}
if [ -z "${GX_BENCH_BIN:-}" ]; then
	echo "bench: building build/release/guanxi"
	make -s --no-print-directory MODE=release build/release/guanxi || die "make build/release/guanxi"
fi
export GX_BENCH_BIN=$GX
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gx-bench-an-XXXXXX")
GX_PID=""
cleanup() {
	if [ -n "$GX_PID" ]; then
		kill -TERM "$GX_PID" 2>/dev/null || true
		wait "$GX_PID" 2>/dev/null || true
	fi
	if [ "${GX_BENCH_KEEP:-}" = 1 ]; then echo "bench: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cc -O2 -std=c17 -o "$TMP/gen_transactions" bench/gen_transactions.c -lm || die "cc bench/gen_transactions.c"

# ---- the data ----------------------------------------------------------------------------
DB=$TMP/bench.db
if [ -n "${GX_BENCH_CUSTOMERS_DB:-}" ]; then
	cp "$GX_BENCH_CUSTOMERS_DB" "$DB" || die "cp $GX_BENCH_CUSTOMERS_DB"
	have=$(sqlite3 "$DB" 'SELECT count(*) FROM customers')
	[ "$have" = "$NC" ] || die "GX_BENCH_CUSTOMERS_DB has $have customers, not $NC"
else
	echo "bench: generating $NC customers (bench/gen_customers.sh db)"
	bench/gen_customers.sh db "$NC" "$DB" >/dev/null || die "bench/gen_customers.sh"
fi
CSV=$TMP/transactions.csv
if [[ $STEPS == *" import "* ]]; then
	echo "bench: generating $NT transactions"
	"$TMP/gen_transactions" "$NC" "$NT" >"$CSV" || die "gen_transactions"
	echo "bench: $CSV: $(wc -c <"$CSV") bytes; load average $(load)"
fi

# Runs one step under /usr/bin/time -v and prints a line with its figures:
#   step NAME  wall W s  cpu U+S s  peak RSS M MiB  load L
# The step's own output goes to $TMP/NAME.out; the wall time to $TMP/NAME.wall.
step() {
	local name=$1
	shift
	local l0
	l0=$(load)
	/usr/bin/time -v -o "$TMP/$name.time" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" ||
		{ tail -n 20 "$TMP/$name.err" "$TMP/$name.out" >&2; die "$name"; }
	awk -v name="$name" -v l0="$l0" -v l1="$(load)" -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
		/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
		END {
			printf "bench: %-8s wall %7.2f s  cpu %7.2f+%.2f s  peak RSS %6.0f MiB  load %s -> %s\n", name, w, u, s, r / 1024, l0, l1
			print w > "'"$TMP/$name.wall"'"
		}' "$TMP/$name.time"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

# ---- import --------------------------------------------------------------------------------
cd "$TMP" # no guanxi.conf of the checkout applies
do_import() {
	step import "$GX" import transactions "$CSV" --tenant bench --db "$DB"
	cat "$TMP/import.out"
	echo "bench: import: $(awk -v n="$NT" -v w="$(cat "$TMP/import.wall")" 'BEGIN { printf "%.0f", n / w }') rows/s (target >= 200000)"
}

# ---- the scan baseline (always, after the import) ------------------------------------------
SCAN=""
do_scan() {
	N_TX=$(sqlite3 "$DB" 'SELECT count(*) FROM transactions')
	[ "$N_TX" = "$NT" ] || die "the database holds $N_TX transactions, not $NT"
	SCAN_SQL='SELECT count(*), sum(amount) FROM transactions'
	sqlite3 "$DB" "$SCAN_SQL" >/dev/null # warms the cache
	step scan sqlite3 "$DB" "$SCAN_SQL"
	echo "bench: scan: $(cat "$TMP/scan.out")"
	SCAN=$(cat "$TMP/scan.wall")
}

# ---- rebuild, refit, score -------------------------------------------------------------------
do_analytics() {
	step "$1" "$GX" analytics "$1" --tenant bench --db "$DB"
	cat "$TMP/$1.out"
	echo "bench: $1 / scan = $(ratio "$(cat "$TMP/$1.wall")" "$SCAN")"
}
do_rows() {
	echo "bench: rows: $(sqlite3 "$DB" "SELECT (SELECT count(*) FROM customer_stats) || ' customer_stats, ' ||
	(SELECT count(*) FROM customer_months) || ' customer_months, ' || (SELECT count(*) FROM customer_products) ||
	' customer_products; segments: ' || coalesce((SELECT group_concat(coalesce(segment, 'none') || ' ' || n, ', ')
	FROM (SELECT segment, count(*) n FROM customer_stats GROUP BY segment ORDER BY n DESC)), 'none') || '; declining: ' ||
	(SELECT count(*) FROM customer_stats WHERE decline = 1) || '; mean P(alive) ' ||
	coalesce((SELECT round(avg(p_alive), 3) FROM customer_stats), 'none (no fit yet)')")"
}

# ---- insights --------------------------------------------------------------------------------
do_insights() {
	"$GX" serve --db "$DB" --listen 127.0.0.1:0 --log-level info 2>"$TMP/serve.log" &
	GX_PID=$!
	PORT=""
	for _ in $(seq 300); do
		PORT=$(sed -n 's/.*(port \([0-9][0-9]*\),.*/\1/p' "$TMP/serve.log" 2>/dev/null | head -n 1)
		[ -n "$PORT" ] && [ "$PORT" != 0 ] && break
		kill -0 "$GX_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$PORT" ] && [ "$PORT" != 0 ] || { tail -n 20 "$TMP/serve.log" >&2; die "guanxi serve did not start"; }
	BASE=http://127.0.0.1:$PORT
	LOGIN=$(curl -sS --max-time 10 -H 'Content-Type: application/json' -H 'X-Tenant: bench' \
		-d "{\"username\":\"admin\",\"password\":\"${GX_BENCH_PASSWORD:-bench-pass-1234}\",\"tenant\":\"bench\"}" \
		"$BASE/api/v1/auth/login") || die "login request failed"
	TOKEN=$(printf '%s' "$LOGIN" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	[ -n "$TOKEN" ] || die "login answered no token: $LOGIN"
	MIN_ID=$(sqlite3 "$DB" 'SELECT min(id) FROM customers')
	code=$(curl -sS --max-time 10 -o "$TMP/insights.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		"$BASE/api/v1/customers/$MIN_ID/insights") || die "GET insights failed"
	[ "$code" = 200 ] || die "GET /api/v1/customers/$MIN_ID/insights answered $code: $(head -c 300 "$TMP/insights.json")"
	echo "bench: insights: one answer is $(wc -c <"$TMP/insights.json") bytes"
	# random customer ids (the generated ids are consecutive)
	cat >"$TMP/insights.lua" <<-EOF
		math.randomseed(20261124)
		request = function()
		  local id = $MIN_ID + math.random(0, $NC - 1)
		  return wrk.format("GET", "/api/v1/customers/" .. id .. "/insights", {["Authorization"] = "Bearer $TOKEN"})
		end
		done = function(summary, latency, requests)
		  io.write(string.format("p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  %d requests  %d errors (status %d)\n",
		    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
		    latency.max / 1000, summary.requests, summary.errors.status + summary.errors.timeout, summary.errors.status))
		end
	EOF
	if [ "$WARMUP" -gt 0 ]; then
		wrk -t 1 -c 1 -d "${WARMUP}s" -s "$TMP/insights.lua" "$BASE" >"$TMP/wrk-warmup.out" 2>&1 || die "wrk (warm-up)"
		echo "bench: insights, warm-up ($WARMUP s, not counted): $(grep '^p50' "$TMP/wrk-warmup.out")"
	fi
	for c in 1 "$CONNS"; do
		t=$((c < 2 ? 1 : 2))
		l0=$(load)
		t0=$(awk '{ print $14 + $15 }' "/proc/$GX_PID/stat")
		wrk -t "$t" -c "$c" -d "${DURATION}s" -s "$TMP/insights.lua" "$BASE" >"$TMP/wrk-$c.out" 2>&1 || die "wrk"
		t1=$(awk '{ print $14 + $15 }' "/proc/$GX_PID/stat")
		req=$(awk '/requests in/ { print $1 }' "$TMP/wrk-$c.out")
		echo "bench: insights, $c connection(s): $(grep '^p50' "$TMP/wrk-$c.out"); $(awk '/Requests\/sec/ { print $2 }' "$TMP/wrk-$c.out") req/s;" \
			"server CPU $(awk -v t="$((t1 - t0))" -v r="$req" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", r ? t * 1000 / hz / r : 0 }') ms/request; load $l0 -> $(load)"
	done
	echo "bench: server peak RSS $(awk '/^VmHWM:/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$GX_PID/status")"
	kill -TERM "$GX_PID" 2>/dev/null || true
	wait "$GX_PID" 2>/dev/null || true
	GX_PID=""
}

# the steps in the order given (the scan right after the import, or first)
[[ $STEPS == *" import "* ]] || do_scan
for s in $STEPS; do
	case $s in
	import) do_import; do_scan ;;
	rebuild | refit | score) do_analytics "$s" ;;
	insights) do_insights ;;
	scan) ;;
	*) die "unknown step $s" ;;
	esac
done
do_rows
echo "bench: done; load average $(load)"
