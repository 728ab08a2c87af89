#!/usr/bin/env bash
# searchkey_terms.sh — the search-term generation of an import alone
# (bench/searchkey_terms.c: gx_searchkey_terms over each generated
# customer's name, code, mobile and e-mail; no database), CPU seconds and a
# checksum of the terms. GX_BENCH_ROWS (default 200,000); GX_BENCH_CALLGRIND=1
# runs it under callgrind instead (instruction counts, survive the load; use
# fewer rows, e.g. 20,000). GX_BENCH_LIB: another build's libguanxi.a (to
# compare builds: same checksum, fewer instructions).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${GX_BENCH_ROWS:-200000}
case $ROWS in '' | *[!0-9]*) echo "bench: GX_BENCH_ROWS is a whole number" >&2; exit 2 ;; esac
die() { echo "bench: FAILED: $*" >&2; exit 1; }
LIB=${GX_BENCH_LIB:-build/release/libguanxi.a}
if [ -z "${GX_BENCH_LIB:-}" ]; then
	make -s --no-print-directory MODE=release build/release/libguanxi.a || die "make"
fi
mkdir -p build/bench
BIN=build/bench/searchkey_terms-$(cksum <"$LIB" | cut -d' ' -f1)
if [ ! -x "$BIN" ] || [ bench/searchkey_terms.c -nt "$BIN" ]; then
	# shellcheck disable=SC2046
	cc -std=c17 -D_GNU_SOURCE -O2 -g -Isrc bench/searchkey_terms.c "$LIB" \
		$(pkg-config --libs libmicrohttpd jansson sqlite3 libsodium icu-uc icu-i18n opencc libcurl xlsxwriter libical libpq) \
		-lcsv -lm -lpthread -o "$BIN" || die "cannot compile bench/searchkey_terms.c"
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gx-bench-terms-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
bench/gen_customers.sh csv "$ROWS" "$TMP/customers.csv" || die "bench/gen_customers.sh"
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${GX_BENCH_CALLGRIND:-}" = 1 ]; then
	valgrind --tool=callgrind --toggle-collect=terms_loop --callgrind-out-file="$TMP/cg.out" "$BIN" "$TMP/customers.csv" 2>"$TMP/cg.err" ||
		{ tail "$TMP/cg.err" >&2; die "callgrind"; }
	grep -E 'Collected' "$TMP/cg.err" | sed 's/^==[0-9]*== /bench: instructions: /'
	callgrind_annotate "$TMP/cg.out" 2>/dev/null | sed -n '1,40p' | grep -E '^ *[0-9,]+ ' | head -25
else
	"$BIN" "$TMP/customers.csv"
fi
