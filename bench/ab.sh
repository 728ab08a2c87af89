#!/usr/bin/env bash
# ab.sh — same-run A/B of two guanxi binaries: server CPU per request of the
# authenticated GET /api/v1/users/{id}, the two servers (and bare_mhd serving
# the same bytes) measured in turn, round after round, so that the machine's
# load weighs on all of them alike. Prints each round (server CPU per request
# and req/s) and the medians.
#
#   bench/ab.sh OLD_BINARY NEW_BINARY [ROUNDS (5)] [SECONDS (4)]
#
# Build the two binaries first (e.g. `git archive OLD | tar -x -C DIR` and
# `make MODE=release` there). wrk -t2 -c32 with a 1 s warm-up per run, as
# scripts/bench.sh; needs wrk and curl, and build/bench/bare_mhd (bench.sh
# builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/ab.sh OLD_BINARY NEW_BINARY [ROUNDS] [SECONDS]" >&2; exit 2; }
A=$(realpath "$1") B=$(realpath "$2")
ROUNDS=${3:-5} SECS=${4:-4}
BARE=$PWD/build/bench/bare_mhd
[ -x "$BARE" ] || { echo "ab: build build/bench/bare_mhd first (scripts/bench.sh does)" >&2; exit 1; }
HZ=$(getconf CLK_TCK)
T=$(mktemp -d "${TMPDIR:-/tmp}/gx-ab-XXXXXX")
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
port_of() { # log file -> the port the server logged
	local p=""
	for _ in $(seq 100); do
		p=$(sed -n 's/.*(port \([0-9][0-9]*\),.*/\1/p' "$1" 2>/dev/null | head -n 1)
		[ -n "$p" ] && [ "$p" != 0 ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

# name binary: a fresh database, a server, a login; sets URL_name, PID_name, TOK_name
start() {
	local n=$1 bin=$2 d=$T/$1 pw
	pw="ab-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	mkdir -p "$d"
	(cd "$d" && GUANXI_ADMIN_PASSWORD=$pw exec "$bin" init --db "$d/a.db") >"$d/init.log" 2>&1
	(cd "$d" && exec "$bin" serve --db "$d/a.db" --listen 127.0.0.1:0 --log-level info) 2>"$d/log" &
	local pid=$!
	PIDS="$PIDS $pid"
	local port login tok uid
	port=$(port_of "$d/log") || { echo "ab: $bin did not start" >&2; exit 1; }
	login=$(curl -sS --max-time 10 -H 'Content-Type: application/json' \
		-d "{\"username\":\"admin\",\"password\":\"$pw\"}" "http://127.0.0.1:$port/api/v1/auth/login")
	tok=$(printf '%s' "$login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	uid=$(printf '%s' "$login" | sed -n 's/.*"user":{"id":\([0-9][0-9]*\).*/\1/p')
	if [ -z "$tok" ] || [ -z "$uid" ]; then
		echo "ab: no login: $login" >&2
		exit 1
	fi
	printf -v "URL_$n" '%s' "http://127.0.0.1:$port/api/v1/users/$uid"
	printf -v "PID_$n" '%s' "$pid"
	printf -v "TOK_$n" '%s' "$tok"
	curl -sS --max-time 10 -o "$d/body.json" -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/api/v1/users/$uid"
}
start A "$A"
start B "$B"
"$BARE" --listen 127.0.0.1:0 --body "$T/A/body.json" 2>"$T/bare.log" &
PID_bare=$!
PIDS="$PIDS $PID_bare"
# shellcheck disable=SC2034 # read through ${!u} and ${!t} below
URL_bare=http://127.0.0.1:$(port_of "$T/bare.log")/api/v1/users/1
# shellcheck disable=SC2034
TOK_bare=none

echo "ab: A=$A"
echo "ab: B=$B"
echo "ab: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	line="round $r:"
	for n in bare A B; do
		u=URL_$n p=PID_$n t=TOK_$n
		wrk -t2 -c32 -d1s -H "Authorization: Bearer ${!t}" "${!u}" >/dev/null
		c0=$(cpu "${!p}")
		wrk -t2 -c32 -d"${SECS}"s -H "Authorization: Bearer ${!t}" "${!u}" >"$T/wrk"
		c1=$(cpu "${!p}")
		if grep -q 'Non-2xx' "$T/wrk"; then echo "ab: $n answered non-2xx" >&2; exit 1; fi
		req=$(awk '/requests in/ { print $1 }' "$T/wrk")
		rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$T/wrk")
		us=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v n="$req" 'BEGIN { printf "%.2f", c * 1e6 / hz / n }')
		echo "$n $us $rps" >>"$T/results"
		line="$line $n ${us} us ${rps}/s"
	done
	echo "$line"
done
echo "ab: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in bare A B; do
	awk -v n=$n '$1 == n { print $2 }' "$T/results" | sort -n |
		awk -v n=$n '{ a[NR] = $1 } END { printf "%-4s median %.2f us/request (min %.2f, max %.2f)", n, a[int((NR + 1) / 2)], a[1], a[NR] }'
	awk -v n=$n '$1 == n { print $3 }' "$T/results" | sort -n |
		awk '{ a[NR] = $1 } END { printf ", %.0f req/s (min %.0f, max %.0f)\n", a[int((NR + 1) / 2)], a[1], a[NR] }'
done
