#!/usr/bin/env bash
# pg.sh — guanxi on PostgreSQL beside guanxi on SQLite, in the same run on the
# same machine with the same binary:
#   1. the foundation's API benchmark (scripts/bench.sh): wrk against the
#      authenticated GET /api/v1/users/{id};
#   2. the customer search benchmark (bench/typeahead.sh): the type-ahead
#      GET /api/v1/customers?q=...&limit=20 on GX_BENCH_CUSTOMERS customers
#      made with `guanxi demo --light` on SQLite and moved to PostgreSQL with
#      `guanxi copy-data` (whose time is reported too).
# PostgreSQL is a throwaway cluster (scripts/pg.sh: loopback, temp dir,
# fsync=off, stopped by PID at the end). Prints both and the ratio
# PostgreSQL / SQLite; reports figures, never judges them.
#   GX_BENCH_CUSTOMERS   customers for the search benchmark (100000)
#   GX_BENCH_DURATION    seconds per API measurement (10)
#   GX_BENCH_WARMUP      seconds of warm-up before each API measurement (2)
#   GX_BENCH_ROUNDS      API rounds, SQLite and PostgreSQL in turn; medians (3)
#   GX_BENCH_THREADS / GX_BENCH_CONNS   wrk -t / -c of the API benchmark (2 / 32)
#   GX_BENCH_SEARCH_DURATION  seconds per search query, 1 connection (5)
#   GX_BENCH_SKIP_SEARCH=1    the API benchmark only
#   GX_BENCH_KEEP=1      keep the temp dir (logs, databases, wrk output)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
N=${GX_BENCH_CUSTOMERS:-100000}
DURATION=${GX_BENCH_DURATION:-10}
WARMUP=${GX_BENCH_WARMUP:-2}
ROUNDS=${GX_BENCH_ROUNDS:-3}
WRK_T=${GX_BENCH_THREADS:-2}
WRK_C=${GX_BENCH_CONNS:-32}
SDUR=${GX_BENCH_SEARCH_DURATION:-5}
for v in N DURATION WARMUP ROUNDS WRK_T WRK_C SDUR; do
	case ${!v} in '' | *[!0-9]*) echo "bench/pg: $v must be a whole number" >&2; exit 2 ;; esac
done
die() { echo "bench/pg: FAILED: $*" >&2; exit 1; }

ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || die "PostgreSQL is not installed (scripts/deps.sh test)"
command -v wrk >/dev/null 2>&1 || die "wrk is not installed (scripts/deps.sh test)"
echo "bench/pg: building build/release/guanxi"
true
GX=$ROOT/build/pgrel/guanxi

# ---- temp dir, servers, clean-up ----------------------------------------------------------
TMP=$(mktemp -d /tmp/gx-benchpg-XXXXXX)
chmod 755 "$TMP" # the cluster's owner (postgres when run as root) must reach it
GX_PID=""
stop_guanxi() {
	[ -n "$GX_PID" ] || return 0
	kill -TERM "$GX_PID" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$GX_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$GX_PID" 2>/dev/null || true
	wait "$GX_PID" 2>/dev/null || true
	GX_PID=""
}
cleanup() {
	stop_guanxi
	scripts/pg.sh stop "$TMP/pg" || true
	if [ "${GX_BENCH_KEEP:-}" = 1 ]; then echo "bench/pg: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PGPORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
PGURL=$(scripts/pg.sh start "$TMP/pg" "$PGPORT") || die "cannot start PostgreSQL"
PGPID=$(head -n 1 "$TMP/pg/postmaster.pid")
PGVER=$(cat "$TMP/pg/PG_VERSION")
schema_url() { echo "$PGURL?options=-csearch_path%3D$1"; }

PW="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

# CPU ticks (user+system) of processes: guanxi, or guanxi and every
# postgres process of the cluster (the postmaster's children)
cpu_ticks() {
	local p t=0 v
	for p in "$@"; do
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
pg_pids() {
	local f
	echo "$PGPID"
	for f in /proc/[0-9]*/stat; do
		[ "$(sed 's/.*) //' "$f" 2>/dev/null | awk '{ print $2 }')" = "$PGPID" ] || continue
		f=${f#/proc/}
		echo "${f%/stat}"
	done
}

# start_guanxi DB: serve on a free port; sets BASE, TOKEN, USER_ID
start_guanxi() {
	(cd "$TMP" && exec "$GX" serve --db "$1" --listen 127.0.0.1:0 --log-level info --job-interval 86400) \
		2>"$TMP/guanxi.log" &
	GX_PID=$!
	local port=""
	for _ in $(seq 300); do
		port=$(sed -n 's/.*(port \([0-9][0-9]*\),.*/\1/p' "$TMP/guanxi.log" 2>/dev/null | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$GX_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$port" ] || { tail -n 20 "$TMP/guanxi.log" >&2; die "guanxi serve --db $1 did not start"; }
	BASE=http://127.0.0.1:$port
	local login
	login=$(curl -sS --max-time 10 -H 'Content-Type: application/json' \
		-d "{\"username\":\"admin\",\"password\":\"$PW\"}" "$BASE/api/v1/auth/login") || die "login failed"
	TOKEN=$(printf '%s' "$login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	USER_ID=$(printf '%s' "$login" | sed -n 's/.*"user":{"id":\([0-9][0-9]*\).*/\1/p')
	[ -n "$TOKEN" ] && [ -n "$USER_ID" ] || die "login answered no token: $login"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# wrk's latency ("1.23ms", "850.00us", "1.20s") in ms
to_ms() { awk -v v="$1" 'BEGIN { u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
	printf "%.3f", (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : (u == "m") ? v * 60000 : v }'; }

echo "bench/pg: $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -n): $(nproc) cores, load average" \
	"$(cut -d' ' -f1 /proc/loadavg); PostgreSQL $PGVER (scripts/pg.sh cluster, fsync=off), SQLite $(sqlite3 --version | cut -d' ' -f1)"

# ---- 1. the API benchmark --------------------------------------------------------------------
(cd "$TMP" && GUANXI_ADMIN_PASSWORD=$PW "$GX" init --db "$TMP/api.db") >"$TMP/init.log" 2>&1 ||
	{ cat "$TMP/init.log" >&2; die "guanxi init (SQLite)"; }
(cd "$TMP" && GUANXI_ADMIN_PASSWORD=$PW "$GX" init --db "$(schema_url api)") >>"$TMP/init.log" 2>&1 ||
	{ cat "$TMP/init.log" >&2; die "guanxi init (PostgreSQL)"; }

# api_run NAME DB: one measured wrk run; appends "req/s p99-ms guanxi-us/req all-us/req" to NAME.res
api_run() {
	local name=$1 db=$2 out=$TMP/$1.wrk.$round
	start_guanxi "$db"
	local url=$BASE/api/v1/users/$USER_ID auth="Authorization: Bearer $TOKEN"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" "$url")" = 200 ] || die "GET $url on $name"
	[ "$WARMUP" -gt 0 ] && { timeout $((WARMUP + 30)) wrk -t"$WRK_T" -c"$WRK_C" -d"${WARMUP}s" -H "$auth" "$url" >/dev/null || die "wrk warm-up on $name"; }
	local pids="$GX_PID" g0 a0 g1 a1
	[ "$name" = postgres ] && pids="$GX_PID $(pg_pids | tr '\n' ' ')"
	# shellcheck disable=SC2086
	g0=$(cpu_ticks "$GX_PID") a0=$(cpu_ticks $pids)
	timeout $((DURATION + 30)) wrk -t"$WRK_T" -c"$WRK_C" -d"${DURATION}s" --latency -H "$auth" "$url" >"$out" || die "wrk on $name"
	# shellcheck disable=SC2086
	g1=$(cpu_ticks "$GX_PID") a1=$(cpu_ticks $pids)
	grep -q 'Non-2xx' "$out" && { cat "$out" >&2; die "$name answered errors during the run"; }
	stop_guanxi
	awk -v g=$((g1 - g0)) -v a=$((a1 - a0)) -v hz="$HZ" '
		/ requests in / { n = $1 }
		/Requests\/sec:/ { rps = $2 }
		/^ *99%/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
			ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
		END { if (rps == "" || n < 1) exit 1
			printf "%.0f %.3f %.1f %.1f\n", rps, ms, g * 1e6 / hz / n, a * 1e6 / hz / n }' "$out" >>"$TMP/$name.res" ||
		die "could not read wrk's output ($out)"
}

echo "bench/pg: API: wrk -t$WRK_T -c$WRK_C -d${DURATION}s --latency after ${WARMUP}s warm-up, $ROUNDS round(s) of SQLite then PostgreSQL"
for round in $(seq "$ROUNDS"); do
	api_run sqlite "$TMP/api.db"
	api_run postgres "$(schema_url api)"
	echo "bench/pg: round $round/$ROUNDS (req/s, p99 ms, guanxi CPU us/req, guanxi+db CPU us/req):" \
		"SQLite $(tail -n 1 "$TMP/sqlite.res"), PostgreSQL $(tail -n 1 "$TMP/postgres.res")"
done
med() { cut -d' ' -f"$2" "$TMP/$1.res" | median; }
API_REPORT=$(awk -v sr="$(med sqlite 1)" -v sp="$(med sqlite 2)" -v sg="$(med sqlite 3)" -v sa="$(med sqlite 4)" \
	-v pr="$(med postgres 1)" -v pp="$(med postgres 2)" -v pg="$(med postgres 3)" -v pa="$(med postgres 4)" \
	-v rounds="$ROUNDS" 'BEGIN {
	printf "%-34s %10s %10s %14s %14s\n", "GET /api/v1/users/{id}, median of " rounds, "req/s", "p99", "guanxi CPU/req", "+db CPU/req"
	printf "%-34s %10.0f %7.2f ms %11.1f us %11.1f us\n", "SQLite", sr, sp, sg, sa
	printf "%-34s %10.0f %7.2f ms %11.1f us %11.1f us\n", "PostgreSQL", pr, pp, pg, pa
	printf "%-34s %9.2fx %9.2fx %13.2fx %13.2fx\n", "PostgreSQL / SQLite", (sr ? pr / sr : 0), (sp ? pp / sp : 0), (sg ? pg / sg : 0), (sa ? pa / sa : 0)
}')

# ---- 2. the customer search benchmark ----------------------------------------------------------
SEARCH_REPORT=""
if [ "${GX_BENCH_SKIP_SEARCH:-}" != 1 ]; then
	(cd "$TMP" && GUANXI_ADMIN_PASSWORD=$PW "$GX" init --db "$TMP/search.db") >>"$TMP/init.log" 2>&1 || die "guanxi init (search)"
	echo "bench/pg: search: generating $N customers on SQLite (guanxi demo --light) ..."
	t0=$(date +%s.%N)
	(cd "$TMP" && "$GX" demo --db "$TMP/search.db" --customers "$N" --light) >"$TMP/demo.log" 2>&1 || { tail "$TMP/demo.log" >&2; die "guanxi demo"; }
	t1=$(date +%s.%N)
	echo "bench/pg: search: copying it to PostgreSQL (guanxi copy-data) ..."
	(cd "$TMP" && "$GX" copy-data --from "$TMP/search.db" --to "$(schema_url search)") >"$TMP/copy.log" 2>&1 ||
		{ tail -n 30 "$TMP/copy.log" >&2; die "guanxi copy-data"; }
	t2=$(date +%s.%N)
	ROWS=$(sed -n 's/.*copied \([0-9]*\) rows.*/\1/p' "$TMP/copy.log")
	GEN=$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v rows="$ROWS" -v dbk="$(du -k "$TMP/search.db" | cut -f1)" 'BEGIN {
		printf "generated in %.0f s (SQLite file %.0f MB); copy-data to PostgreSQL: %d rows in %.0f s (%.0f rows/s), every row checked", b - a, dbk / 1024, rows, c - b, rows / (c - b) }')
	echo "bench/pg: search: $GEN"
	enc() { node -e 'console.log(encodeURIComponent(process.argv[1]))' "$1"; }
	QUERIES=(zs 张 王芳 zhang wangfang 上海华联 13800 C2026000123 contact123@demo)
	# search_run NAME DB: p50 p99 req/s per query into NAME.search
	search_run() {
		start_guanxi "$2"
		: >"$TMP/$1.search"
		local q url out
		for q in "" "${QUERIES[@]}"; do
			if [ -z "$q" ]; then url="$BASE/api/v1/users/$USER_ID"; else url="$BASE/api/v1/customers?q=$(enc "$q")&limit=20"; fi
			curl -sf -H "Authorization: Bearer $TOKEN" "$url" >"$TMP/q.json" || die "GET $url on $1"
			out=$(wrk -t1 -c1 -d"${SDUR}s" --latency -H "Authorization: Bearer $TOKEN" "$url" 2>&1)
			echo "$out" | grep -q 'Non-2xx' && die "$1 answered errors for q=$q"
			printf '%s %s %s %s\n' "$(grep -o '"id":' "$TMP/q.json" | wc -l)" \
				"$(to_ms "$(echo "$out" | awk '$1=="50%"{print $2}')")" \
				"$(to_ms "$(echo "$out" | awk '$1=="99%"{print $2}')")" \
				"$(echo "$out" | awk '/Requests\/sec/{print $2}')" >>"$TMP/$1.search"
		done
		stop_guanxi
	}
	echo "bench/pg: search: wrk -t1 -c1 -d${SDUR}s per query, SQLite then PostgreSQL"
	search_run sqlite "$TMP/search.db"
	search_run postgres "$(schema_url search)"
	SEARCH_REPORT=$(
		printf '%-30s %5s | %9s %9s %8s | %9s %9s %8s | %6s\n' "customers: $N" "hits" "SQLite p50" "p99" "req/s" "PG p50" "p99" "req/s" "PG/SQ"
		i=0
		for q in "" "${QUERIES[@]}"; do
			i=$((i + 1))
			s=$(sed -n "${i}p" "$TMP/sqlite.search") p=$(sed -n "${i}p" "$TMP/postgres.search")
			if [ -z "$q" ]; then name="baseline GET /users/{id}"; else name="q=$q"; fi
			# shellcheck disable=SC2086
			set -- $s $p
			awk -v name="$name" -v h="$1" -v s50="$2" -v s99="$3" -v sr="$4" -v h2="$5" -v p50="$6" -v p99="$7" -v pr="$8" 'BEGIN {
				printf "%-30s %5s | %7.2fms %7.2fms %8.0f | %7.2fms %7.2fms %8.0f | %5.2fx%s\n", name, h, s50, s99, sr, p50, p99, pr, (s50 > 0 ? p50 / s50 : 0), (h == h2 ? "" : "  (hits differ: " h2 ")") }'
		done
		echo "(PG/SQ: PostgreSQL p50 over SQLite p50; each query at 1 connection, the client on the same cores)"
	)
fi

# ---- report ----------------------------------------------------------------------------------
echo
echo "$API_REPORT"
if [ -n "$SEARCH_REPORT" ]; then
	echo
	echo "customer search: $GEN"
	echo "$SEARCH_REPORT"
fi
echo
echo "note: the client (wrk) and PostgreSQL share the machine's $(nproc) cores with guanxi; '+db CPU/req'"
echo "adds the PostgreSQL processes' CPU time (nothing for SQLite, which runs inside guanxi)."
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
