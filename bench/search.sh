#!/usr/bin/env bash
# search.sh — customer search and list pages at GX_BENCH_CUSTOMERS customers
# (default 1,000,000, with 3 contacts and 10 activities each: bench/gen_crm.sh).
# For each kind of request, at 1 and at 8 concurrent connections: p50 and p99
# latency (wrk), req/s, and the server's CPU time per request (from
# /proc/PID/stat, which survives a busy machine better than latency), with
# GET /api/v1/users/{id} as the same-run baseline. The queries are drawn from
# the generated data (a list per kind, cycled through by wrk). Reports
# figures; never judges them.
#   GX_BENCH_CUSTOMERS  customers to generate (1000000)
#   GX_BENCH_DB         use (or make) this database file (generation takes long)
#   GX_BENCH_DURATION   seconds per measurement (5)
#   GX_BENCH_CONNS      connection counts to measure ("1 8")
#   GX_BENCH_ONLY       only the kinds whose name matches this regex
#   GX_BENCH_BIN        use this binary instead of building build/release/guanxi
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${GX_BENCH_CUSTOMERS:-1000000}
DUR=${GX_BENCH_DURATION:-5}
CONNS=${GX_BENCH_CONNS:-1 8}
ONLY=${GX_BENCH_ONLY:-.}
PW=${GX_BENCH_PASSWORD:-bench-pass-1234}
if [ -n "${GX_BENCH_BIN:-}" ]; then
	GX=$GX_BENCH_BIN
else
	make -s --no-print-directory MODE=release build/release/guanxi
	GX=$ROOT/build/release/guanxi
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gx-search-XXXXXX")
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
DB=${GX_BENCH_DB:-$TMP/search.db}
if [ ! -s "$DB" ]; then
	echo "search: generating $N customers (bench/gen_crm.sh) ..."
	GX_BENCH_BIN=$GX GX_BENCH_PASSWORD=$PW bench/gen_crm.sh "$N" "$DB"
fi
NC=$(sqlite3 "$DB" "SELECT count(*) FROM customers")
# the search index's entries (a term of a customer): FTS5 on SQLite (migration 0011)
NT=$(sqlite3 "$DB" "SELECT count(*) FROM search_vocab")
"$GX" serve --db "$DB" --listen 127.0.0.1:0 --log-level warn 2>"$TMP/serve.log" &
PID=$!
for _ in $(seq 1 200); do
	PORT=$(ss -ltnp 2>/dev/null | awk -v p="pid=$PID," '$0 ~ p {split($4,a,":"); print a[length(a)]}' | head -1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "${PORT:-}" ] || { echo "search: the server did not start"; cat "$TMP/serve.log"; exit 1; }
BASE=http://127.0.0.1:$PORT
login() {
	curl -sf -XPOST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"$PW\",\"tenant\":\"bench\"}"
}
LOGIN=$(login admin)
TOKEN=$(echo "$LOGIN" | sed -E 's/.*"token":"([^"]+)".*/\1/')
UID_=$(echo "$LOGIN" | sed -E 's/.*"user":\{"id":([0-9]+).*/\1/')
STOKEN=$(login sales01 | sed -E 's/.*"token":"([^"]+)".*/\1/')

# ---- the queries, from the data (every k-th row: the same picks on every run),
# from the reindexed customers (name_sort set: all, once gen_crm.sh is done)
q() { sqlite3 "$DB" "$1"; }
I="deleted_at IS NULL AND name_sort IS NOT NULL"
P="kind = 'person' AND $I"
TRAD="'張','陳','劉','楊','黃','趙','吳','鄭','謝','韓','馮','鄧','許','羅','孫','馬','葉','蘇','呂','盧','鍾','譚','陸','賀','顧','龔','錢','嚴'"
RARE="'曦','翊','彧','煜','珏','琰','昶','暄','鋆','淼','骁','晗','璟','瑄','弈','炜','珺','湉','祎','芃','蕤','婕','霁'"
COMMON="'王','李','张','刘','陈'"
declare -A QS
QS[zh2_common]=$(q "SELECT name FROM customers WHERE $P AND length(name) = 2 AND substr(name, 1, 1) IN ($COMMON) AND id % 7 = 0 LIMIT 40")
QS[zh3_common]=$(q "SELECT name FROM customers WHERE $P AND length(name) = 3 AND substr(name, 1, 1) IN ($COMMON) AND id % 7 = 0 LIMIT 40")
QS[zh2_rare]=$(q "SELECT name FROM customers WHERE $P AND length(name) = 2 AND substr(name, 2, 1) IN ($RARE) LIMIT 40")
QS[zh3_rare]=$(q "SELECT name FROM customers WHERE $P AND length(name) = 3 AND (substr(name, 2, 1) IN ($RARE) OR substr(name, 3, 1) IN ($RARE)) LIMIT 40")
QS[traditional]=$(q "SELECT name FROM customers WHERE $P AND substr(name, 1, 1) IN ($TRAD) AND id % 3 = 0 LIMIT 40")
# full pinyin of a name: the longest all-letter term of a person customer
# (the document's tokens are "<tag>c<term>", separated by U+001F; the tag
# is digits, so the first "c" ends the head)
QS[pinyin_full]=$(q "WITH RECURSIVE c AS (SELECT id FROM customers c WHERE $P AND length(c.name) IN (2, 3) AND c.id % 11 = 0 LIMIT 40),
  s(id, tok, rest) AS (SELECT c.id, NULL, f.terms || char(31) FROM c JOIN search_fts f ON f.rowid = c.id
    UNION ALL SELECT id, substr(rest, 1, instr(rest, char(31)) - 1), substr(rest, instr(rest, char(31)) + 1) FROM s WHERE rest <> ''),
  t(id, term) AS (SELECT id, substr(tok, instr(tok, 'c') + 1) FROM s WHERE tok IS NOT NULL)
  SELECT (SELECT term FROM t WHERE t.id = c.id AND term NOT GLOB '*[^a-z]*' AND length(term) >= 6 ORDER BY length(term) DESC, term LIMIT 1) FROM c" | grep -v '^$' || true)
QS[initials_zs]=zs
QS[initials_zsf]=zsf
QS[initials_wxm]=wxm
QS[phone_tail4]=$(q "SELECT substr(mobile, -4) FROM customers WHERE $I AND id % 13 = 0 LIMIT 40")
QS[phone_tail7]=$(q "SELECT substr(mobile, -7) FROM customers WHERE $I AND id % 13 = 0 LIMIT 40")
QS[code_exact]=$(q "SELECT code FROM customers WHERE $I AND id % 17 = 0 LIMIT 40")
QS[latin_name]=$(q "SELECT CASE WHEN id % 2 THEN name ELSE substr(name, instr(name, ' ') + 1) END FROM customers WHERE $P AND name GLOB '[A-Z]*' AND id % 5 = 0 LIMIT 40")
enc() { python3 -c 'import sys,urllib.parse
for l in sys.stdin.read().splitlines():
    if l: print(urllib.parse.quote(l))'; }

# a wrk script that cycles through the request paths in file $1
lua() {
	{
		echo 'local paths = {}'
		while IFS= read -r p; do printf 'paths[#paths + 1] = "%s"\n' "$p"; done <"$1"
		echo 'local i = 0'
		echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
	} >"$1.lua"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
TCK=$(getconf CLK_TCK)
measure() { # name pathsfile conns token
	local out p50 p99 rps reqs t0 t1 thr
	lua "$2"
	thr=$(($3 < 2 ? 1 : 2))
	t0=$(cpu_ticks)
	out=$(wrk -t"$thr" -c"$3" -d"${DUR}s" --latency -s "$2.lua" -H "Authorization: Bearer $4" "$BASE" 2>&1)
	t1=$(cpu_ticks)
	p50=$(echo "$out" | awk '$1=="50%"{print $2}')
	p99=$(echo "$out" | awk '$1=="99%"{print $2}')
	rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
	reqs=$(echo "$out" | awk '/requests in/{print $1}')
	non2xx=$(echo "$out" | awk '/Non-2xx/{print $NF}')
	printf '%-26s %3s %9s %9s %9s %8s %s\n' "$1" "$3" "$p50" "$p99" "$rps" \
		"$(awk -v t="$((t1 - t0))" -v r="${reqs:-0}" -v hz="$TCK" 'BEGIN{printf "%.2f", r ? t * 1000 / hz / r : 0}')" \
		"${non2xx:+($non2xx non-2xx)}"
}
hits() { # pathsfile token: the mean number of items of the first 5 paths
	local n=0 s=0 c
	while IFS= read -r p && [ $n -lt 5 ]; do
		c=$(curl -sf -H "Authorization: Bearer $2" "$BASE$p" | grep -o '"code":' | wc -l)
		s=$((s + c)); n=$((n + 1))
	done <"$1"
	echo $((n ? s / n : 0))
}

echo "search: $NC customers ($(q "SELECT count(*) FROM customers WHERE name_sort IS NOT NULL") reindexed), $(q "SELECT count(*) FROM contacts") contacts, $NT search terms; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk ${DUR}s per line; the client shares the machine's cores. ms CPU = server CPU time per request."
printf '%-26s %3s %9s %9s %9s %8s\n' "request" "c" "p50" "p99" "req/s" "ms CPU"
echo "/api/v1/users/$UID_" >"$TMP/baseline"
for c in $CONNS; do measure "baseline GET /users/{id}" "$TMP/baseline" "$c" "$TOKEN"; done
for k in zh2_common zh3_common zh2_rare zh3_rare traditional pinyin_full initials_zs initials_zsf initials_wxm \
	phone_tail4 phone_tail7 code_exact latin_name; do
	[[ $k =~ $ONLY ]] || continue
	[ -n "${QS[$k]}" ] || { echo "$k: no queries drawn"; continue; }
	echo "${QS[$k]}" | enc | sed 's|^|/api/v1/customers?limit=20\&q=|' >"$TMP/$k"
	h=$(hits "$TMP/$k" "$TOKEN")
	for c in $CONNS; do measure "q $k ($(wc -l <"$TMP/$k")q, ~${h} hits)" "$TMP/$k" "$c" "$TOKEN"; done
done
LIST='/api/v1/customers?filter%5Bstatus%5D=customer&sort=name&limit=50'
echo "$LIST" >"$TMP/list1"
NEXT=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE$LIST" | sed -E 's/.*"next_cursor":"([^"]*)".*/\1/')
echo "$LIST&cursor=$NEXT" >"$TMP/list2"
SNEXT=$(curl -sf -H "Authorization: Bearer $STOKEN" "$BASE$LIST" | sed -E 's/.*"next_cursor":"([^"]*)".*/\1/')
echo "$LIST&cursor=$SNEXT" >"$TMP/list2s"
echo '/api/v1/customers?limit=50' >"$TMP/list0"
if [[ list =~ $ONLY ]]; then
	for c in $CONNS; do measure "list status+sort=name p1" "$TMP/list1" "$c" "$TOKEN"; done
	for c in $CONNS; do measure "list ... page 2 (cursor)" "$TMP/list2" "$c" "$TOKEN"; done
	for c in $CONNS; do measure "list ... as sales rep p1" "$TMP/list1" "$c" "$STOKEN"; done
	for c in $CONNS; do measure "list ... as sales rep p2" "$TMP/list2s" "$c" "$STOKEN"; done
	for c in $CONNS; do measure "list, no filter (newest)" "$TMP/list0" "$c" "$TOKEN"; done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
