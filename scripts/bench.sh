#!/usr/bin/env bash
# bench.sh — `make bench`: wrk against guanxi's authenticated GET /api/v1/users/{id}
# and, in the same run with the same settings, against two baselines serving the
# same bytes: a bare libmicrohttpd handler (bench/bare_mhd.c, the ceiling of our
# HTTP layer) and nginx with a static file (the machine's ceiling).
#
# Environment (all optional):
#   GX_BENCH_DURATION  seconds measured per run (10)
#   GX_BENCH_WARMUP    seconds of warm-up before each run, not measured (2)
#   GX_BENCH_ROUNDS    rounds; each round runs nginx, bare, guanxi in turn and
#                      the table shows the median of the rounds (3)
#   GX_BENCH_THREADS / GX_BENCH_CONNS   wrk -t / -c (2 / 32)
#   GX_BENCH_EXCLUDE   folders to leave out of the build (passed as make EXCLUDE=)
#   GX_BENCH_KEEP=1    keep the temp dir (logs, database, wrk output)
#   GX_BENCH_API_ONLY=1  stop after this API benchmark (skip bench/pg.sh and
#                      bench/import_export.sh, which take many minutes)
# Timings are reported, never judged pass/fail: the exit status is non-zero
# only when something could not be built, started or measured. At the end,
# with the three servers stopped, it runs bench/pg.sh (SQLite against
# PostgreSQL) when PostgreSQL is installed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${GX_BENCH_DURATION:-10}
WARMUP=${GX_BENCH_WARMUP:-2}
ROUNDS=${GX_BENCH_ROUNDS:-3}
WRK_T=${GX_BENCH_THREADS:-2}
WRK_C=${GX_BENCH_CONNS:-32}
for v in DURATION WARMUP ROUNDS WRK_T WRK_C; do
	case ${!v} in '' | *[!0-9]*) echo "bench: $v must be a whole number" >&2; exit 2 ;; esac
done
if [ "$ROUNDS" -lt 1 ] || [ "$ROUNDS" -gt 20 ]; then
	echo "bench: GX_BENCH_ROUNDS must be 1..20" >&2
	exit 2
fi

die() { echo "bench: FAILED: $*" >&2; exit 1; }

# ---- tools ---------------------------------------------------------------------------
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
if [ -n "$missing" ]; then
	echo "bench: installing missing Debian packages:$missing"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---- build ---------------------------------------------------------------------------
echo "bench: building build/release/guanxi and build/bench/bare_mhd"
if [ -n "${GX_BENCH_EXCLUDE:-}" ]; then
	make -s --no-print-directory MODE=release build/release/guanxi EXCLUDE="$GX_BENCH_EXCLUDE" || die "make build/release/guanxi"
else
	make -s --no-print-directory build/release/guanxi MODE=release || die "make build/release/guanxi"
fi
GX=$ROOT/build/release/guanxi
BARE=$ROOT/build/bench/bare_mhd
mkdir -p build/bench
# always rebuilt (a second): with the allocator guanxi is linked with (the
# Makefile's jemalloc when installed), so that it stays a fair ceiling
# shellcheck disable=SC2046
cc -O2 bench/bare_mhd.c $(pkg-config --cflags --libs libmicrohttpd) $(pkg-config --libs jemalloc 2>/dev/null) \
	-o "$BARE" || die "cannot compile bench/bare_mhd.c"
for b in "$GX" "$BARE"; do
	if ldd "$b" 2>/dev/null | grep -q libjemalloc; then alloc=jemalloc; else alloc=glibc; fi
	echo "bench: $(basename "$b") allocates with $alloc"
done

# ---- temp dir and clean-up -------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gx-bench-XXXXXX")
GX_PID="" BARE_PID="" NGINX_PID=""
stop_servers() {
	local pid
	for pid in $GX_PID $BARE_PID $NGINX_PID; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $GX_PID $BARE_PID $NGINX_PID; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	GX_PID="" BARE_PID="" NGINX_PID=""
}
cleanup() {
	stop_servers
	if [ "${GX_BENCH_KEEP:-}" = 1 ]; then
		echo "bench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until the server with pid $1 logs "(port N" in file $2; prints N.
wait_port() {
	local pid=$1 log=$2 port=""
	for _ in $(seq 100); do
		port=$(sed -n 's/.*(port \([0-9][0-9]*\),.*/\1/p' "$log" 2>/dev/null | head -n 1)
		[ -n "$port" ] && [ "$port" != 0 ] && { echo "$port"; return 0; }
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# CPU time (user+system, in clock ticks) used so far by the given processes,
# all their threads included. Field 2 of /proc/PID/stat may hold spaces, so
# count fields after its closing parenthesis: utime and stime are the 12th
# and 13th there.
cpu_ticks() {
	local p t=0 v
	for p in "$@"; do
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---- guanxi ----------------------------------------------------------------------------
# guanxi runs in $TMP so that no ./guanxi.conf of the checkout applies; the
# flags set what the figures depend on (flags win over GUANXI_* variables).
PW="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
(cd "$TMP" && GUANXI_ADMIN_PASSWORD=$PW exec "$GX" init --db "$TMP/bench.db") >"$TMP/init.log" 2>&1 ||
	{ cat "$TMP/init.log" >&2 || true; die "guanxi init"; }
(cd "$TMP" && exec "$GX" serve --db "$TMP/bench.db" --listen 127.0.0.1:0 --log-level info) 2>"$TMP/guanxi.log" &
GX_PID=$!
GX_PORT=$(wait_port "$GX_PID" "$TMP/guanxi.log") ||
	{ tail -n 20 "$TMP/guanxi.log" >&2 || true; die "guanxi did not start (log above)"; }
sleep 0.5 # let it settle before reading its idle RSS
GX_RSS_START=$(rss_kb "$GX_PID")
GX_URL_BASE=http://127.0.0.1:$GX_PORT

LOGIN=$(curl -sS --max-time 10 -H 'Content-Type: application/json' \
	-d "{\"username\":\"admin\",\"password\":\"$PW\"}" "$GX_URL_BASE/api/v1/auth/login") ||
	die "login request failed"
TOKEN=$(printf '%s' "$LOGIN" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
USER_ID=$(printf '%s' "$LOGIN" | sed -n 's/.*"user":{"id":\([0-9][0-9]*\).*/\1/p')
if [ -z "$TOKEN" ] || [ -z "$USER_ID" ]; then
	die "login answered no token/user id: $LOGIN"
fi
GX_URL=$GX_URL_BASE/api/v1/users/$USER_ID
AUTH="Authorization: Bearer $TOKEN"
code=$(curl -sS --max-time 10 -o "$TMP/body.json" -w '%{http_code}' -H "$AUTH" "$GX_URL") ||
	die "GET $GX_URL failed"
[ "$code" = 200 ] || die "GET /api/v1/users/$USER_ID answered $code: $(cat "$TMP/body.json")"
BODY_BYTES=$(wc -c <"$TMP/body.json")

# ---- bare libmicrohttpd --------------------------------------------------------------------
"$BARE" --listen 127.0.0.1:0 --body "$TMP/body.json" 2>"$TMP/bare.log" &
BARE_PID=$!
BARE_PORT=$(wait_port "$BARE_PID" "$TMP/bare.log") ||
	{ cat "$TMP/bare.log" >&2 || true; die "bare_mhd did not start (log above)"; }
BARE_URL=http://127.0.0.1:$BARE_PORT/api/v1/users/$USER_ID

# ---- nginx -------------------------------------------------------------------------------
mkdir -p "$TMP/www" "$TMP/tmp"
cp "$TMP/body.json" "$TMP/www/body.json"
NGINX_PORT=""
for _ in $(seq 20); do
	port=$((20000 + RANDOM % 40000))
	# a port someone answers on is taken; try another
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
	sed -e "s|@DIR@|$TMP|g; s|@PORT@|$port|g; s|@USER@|$(id -un)|g; s|@GROUP@|$(id -gn)|g" \
		bench/nginx.conf.in >"$TMP/nginx.conf"
	"$NGINX" -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" \
		>"$TMP/nginx-stdout.log" 2>&1 &
	NGINX_PID=$!
	for _ in $(seq 50); do
		kill -0 "$NGINX_PID" 2>/dev/null || break
		curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$port/" && { NGINX_PORT=$port; break; }
		sleep 0.1
	done
	[ -n "$NGINX_PORT" ] && break
	kill -TERM "$NGINX_PID" 2>/dev/null || true
	wait "$NGINX_PID" 2>/dev/null || true
	NGINX_PID=""
	grep -q 'Address already in use' "$TMP/nginx-error.log" "$TMP/nginx-stdout.log" 2>/dev/null || break
done
if [ -z "$NGINX_PORT" ]; then
	cat "$TMP/nginx-error.log" "$TMP/nginx-stdout.log" >&2 2>/dev/null || true
	die "nginx did not start (log above)"
fi
NGINX_URL=http://127.0.0.1:$NGINX_PORT/api/v1/users/$USER_ID
# nginx's work is done in its worker processes, the children of the master
NGINX_WORKERS=""
for f in /proc/[0-9]*/stat; do
	[ "$(sed 's/.*) //' "$f" 2>/dev/null | awk '{ print $2 }')" = "$NGINX_PID" ] || continue
	w=${f#/proc/}
	NGINX_WORKERS="$NGINX_WORKERS ${w%/stat}"
done
[ -n "$NGINX_WORKERS" ] || die "cannot find nginx's worker processes"

# The three must serve the very same bytes.
for u in "$BARE_URL" "$NGINX_URL"; do
	curl -sS --max-time 5 -o "$TMP/check.json" "$u" || die "GET $u failed"
	cmp -s "$TMP/body.json" "$TMP/check.json" || die "$u does not serve the same body as guanxi"
done

# ---- measure -----------------------------------------------------------------------------
# run_wrk NAME URL PIDS [HEADER]: warm-up, then a measured run; appends
# "req/s p99-ms server-CPU-us-per-request" to $TMP/NAME.res
run_wrk() {
	local name=$1 url=$2 pids=$3 out=$TMP/$1.wrk.$round cpu0 cpu1
	local -a hdr=()
	[ -n "${4:-}" ] && hdr=(-H "$4")
	if [ "$WARMUP" -gt 0 ]; then
		timeout $((WARMUP + 30)) wrk -t"$WRK_T" -c"$WRK_C" -d"${WARMUP}s" "${hdr[@]}" "$url" >/dev/null ||
			die "wrk warm-up against $name failed"
	fi
	# shellcheck disable=SC2086
	cpu0=$(cpu_ticks $pids)
	timeout $((DURATION + 30)) wrk -t"$WRK_T" -c"$WRK_C" -d"${DURATION}s" --latency "${hdr[@]}" "$url" >"$out" ||
		die "wrk against $name failed"
	# shellcheck disable=SC2086
	cpu1=$(cpu_ticks $pids)
	if grep -q 'Non-2xx' "$out"; then
		cat "$out" >&2
		die "$name answered errors during the run (wrk output above)"
	fi
	grep -q 'Socket errors' "$out" && echo "bench: note: $name: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
	awk -v ticks=$((cpu1 - cpu0)) -v hz="$HZ" '
		/ requests in / { n = $1 }
		/Requests\/sec:/ { rps = $2 }
		/^ *99%/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
			ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : (u == "m") ? v * 60000 : v }
		END { if (rps == "" || ms == "" || n < 1) exit 1
			printf "%.0f %.3f %.1f\n", rps, ms, ticks * 1e6 / hz / n }' "$out" >>"$TMP/$name.res" ||
		die "could not read wrk's output for $name ($out)"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

CORES=$(nproc 2>/dev/null || echo '?')
LOAD=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -n): $CORES cores, load average $LOAD before the run"
echo "bench: wrk -t$WRK_T -c$WRK_C -d${DURATION}s --latency after a ${WARMUP}s warm-up, $ROUNDS round(s) of nginx, bare, guanxi"
echo "bench: body $BODY_BYTES bytes (GET /api/v1/users/$USER_ID)"
for round in $(seq "$ROUNDS"); do
	run_wrk nginx "$NGINX_URL" "$NGINX_WORKERS"
	run_wrk bare "$BARE_URL" "$BARE_PID"
	run_wrk guanxi "$GX_URL" "$GX_PID" "$AUTH"
	echo "bench: round $round/$ROUNDS (req/s, p99 ms, server CPU us/req): nginx $(tail -n 1 "$TMP/nginx.res")," \
		"bare $(tail -n 1 "$TMP/bare.res"), guanxi $(tail -n 1 "$TMP/guanxi.res"); load $(cut -d' ' -f1 /proc/loadavg)"
done
kill -0 "$GX_PID" 2>/dev/null || { GX_BENCH_KEEP=1; die "guanxi died during the run (see $TMP/guanxi.log)"; }
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) after the run"
sleep 1 # idle again
GX_RSS_END=$(rss_kb "$GX_PID")
GX_HWM=$(hwm_kb "$GX_PID")

# med NAME COLUMN: the median over the rounds of one column of $TMP/NAME.res
med() { cut -d' ' -f"$2" "$TMP/$1.res" | median; }
nginx_rps=$(med nginx 1) nginx_p99=$(med nginx 2) nginx_cpu=$(med nginx 3)
bare_rps=$(med bare 1) bare_p99=$(med bare 2) bare_cpu=$(med bare 3)
guanxi_rps=$(med guanxi 1) guanxi_p99=$(med guanxi 2) guanxi_cpu=$(med guanxi 3)

# ---- report ------------------------------------------------------------------------------
awk -v nr="$nginx_rps" -v np="$nginx_p99" -v nc="$nginx_cpu" \
	-v br="$bare_rps" -v bp="$bare_p99" -v bc="$bare_cpu" \
	-v gr="$guanxi_rps" -v gp="$guanxi_p99" -v gc="$guanxi_cpu" \
	-v rs="$GX_RSS_START" -v re="$GX_RSS_END" -v hwm="$GX_HWM" \
	-v c="$WRK_C" -v rounds="$ROUNDS" -v cores="$CORES" -v load="$LOAD" '
function verdict(ok) { return ok ? "ok" : "MISSED" }
BEGIN {
	printf "\n%-32s %10s %10s %16s\n", "median of " rounds " round" (rounds > 1 ? "s" : ""), "req/s", "p99", "server CPU/req"
	printf "%-32s %10.0f %7.2f ms %13.1f us\n", "nginx static file", nr, np, nc
	printf "%-32s %10.0f %7.2f ms %13.1f us\n", "bare libmicrohttpd handler", br, bp, bc
	printf "%-32s %10.0f %7.2f ms %13.1f us\n\n", "guanxi GET /api/v1/users/{id}", gr, gp, gc
	g = (br > 0) ? gr / br : 0; b = (nr > 0) ? br / nr : 0
	printf "%-32s %10s   %s\n", "measure", "value", "target"
	printf "%-32s %9.2fx   >= 0.70x  %s\n", "guanxi / bare req/s", g, verdict(g >= 0.7)
	printf "%-32s %9.2fx   (for information)\n", "bare / nginx req/s", b
	printf "%-32s %9.2fx   (for information: bare CPU/req over guanxi CPU/req)\n", "guanxi / bare by server CPU", (gc > 0) ? bc / gc : 0
	printf "%-32s %7.2f ms   < 5 ms at %d connections  %s\n", "guanxi p99 latency", gp, c, verdict(gp < 5)
	printf "%-32s %7.1f MB   < 30 MB  %s\n", "guanxi idle RSS after start-up", rs / 1024, verdict(rs / 1024 < 30)
	printf "%-32s %7.1f MB   < 30 MB  %s\n", "guanxi idle RSS after the run", re / 1024, verdict(re / 1024 < 30)
	printf "%-32s %7.1f MB   (peak; login hashes with argon2id, 64 MB)\n", "guanxi VmHWM", hwm / 1024
	printf "\nnote: wrk runs on the same %s cores as the server it measures, so each server\n", cores
	printf "shares the CPU with its client: absolute req/s are lower than with a separate\n"
	printf "client machine; the ratios compare like with like. Other load on the machine\n"
	printf "(see the load average above) lowers req/s; server CPU/req (user+system time\n"
	printf "of the server processes divided by requests served) is less sensitive to it.\n"
	if (load + 0 > cores / 4)
		printf "\nWARNING: the machine was busy before the run (load average %s on %s cores):\n" \
			"req/s and p99 above are lower than this machine can do; run again when idle.\n", load, cores
}'
echo "guanxi request log: $(wc -l <"$TMP/guanxi.log") lines ($(du -k "$TMP/guanxi.log" | cut -f1) KiB) written to a file during the run"
stop_servers # before the next benchmark, so that they do not hold memory or ports meanwhile
[ "${GX_BENCH_API_ONLY:-}" = 1 ] && exit 0
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then echo; bench/pg.sh; else echo "bench: PostgreSQL is not installed: bench/pg.sh skipped"; fi
GX_BENCH_ROWS=200000 GX_BENCH_EXPORT_ROWS=1000000 "$ROOT"/bench/import_export.sh
