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
# an engine import of a million customers takes about an hour on 2 cores),
# GX_BENCH_DUPLICATES (report|create, default report: the API's duplicate
# check on every row), GX_BENCH_KEEP=1 keeps the temp dir, GX_BENCH_EXCLUDE
# as for scripts/bench.sh. Timings are reported, never judged pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${GX_BENCH_ROWS:-1000000}
XROWS=${GX_BENCH_EXPORT_ROWS:-$ROWS}
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
awk -v n="$GEN" 'BEGIN {
	split("上海 北京 广州 深圳 杭州 苏州 南京 成都 重庆 武汉 西安 天津 青岛 厦门 长沙 郑州 合肥 宁波 无锡 佛山 东莞 济南 大连 沈阳 昆明 福州 南昌 台北 新竹 台中", city, " ")
	split("上海 北京 广东 广东 浙江 江苏 江苏 四川 重庆 湖北 陕西 天津 山东 福建 湖南 河南 安徽 浙江 江苏 广东 广东 山东 辽宁 辽宁 云南 福建 江西 台湾 台湾 台湾", prov, " ")
	nc = split("华 联 恒 通 鑫 源 永 安 长 城 东 方 金 泰 宏 达 瑞 丰 中 兴 百 盛 银 河 晨 光 天 虹 汇 德 昌 行 健 朝 阳 新 海 明 珠 嘉 禾 福 田 锦 江 信 广 同 仁 正 大 夏 远 航 世 创 博 雅 凯 旋 腾 飞 振 富 强 隆 顺 发 万 利 民 和 平 星 辰 精 工 卓 越 宇 宙 龙 凤 麒 麟 凰 松 柏 梅 兰 竹 菊 春 秋 冬 山 水 云 霞 湖", ch, " ") # one character each: awk counts bytes
	split("电子科技有限公司 机械设备有限公司 贸易有限公司 医药有限公司 食品有限公司 建材有限公司 百货有限公司 物流有限公司 置业有限公司 软件股份有限公司", biz, " ")
	split("电子 机械 批发零售 医药 食品 建材 零售 物流 房地产 软件", ind, " ")
	split("end_customer 经销商 代理商 批发商 终端客户", typ, " ")
	print "客户编号,客户名称,客户类型,手机,邮箱,城市,省份,行业,信用额度,付款条件,备注"
	s = 20261124 # an LCG small enough for exact double arithmetic; its low bits repeat: the high ones are used
	for (i = 1; i <= n; i++) {
		s = (s * 69069 + 1) % 4294967296; c = int(s / 65536) % 30 + 1
		s = (s * 69069 + 1) % 4294967296; a = int(s / 65536) % nc
		s = (s * 69069 + 1) % 4294967296; b = int(s / 65536) % nc
		s = (s * 69069 + 1) % 4294967296; d = int(s / 65536) % nc
		s = (s * 69069 + 1) % 4294967296; k = int(s / 65536) % 10 + 1
		name = city[c] ch[a + 1] ch[b + 1] ch[d + 1] biz[k]
		printf "B%07d,%s,%s,13%09d,c%d@b%d.example.cn,%s,%s,%s,\"%d,000.00\",月结%d天,第%d号客户\n", i, name, typ[i % 5 + 1], i, i, i % 997, city[c], prov[c], ind[k], i % 50 + 1, (i % 3 + 1) * 30, i
	}
}' >"$CSV.all"
if [ "$GEN" -gt "$ROWS" ]; then
	head -n "$((ROWS + 1))" "$CSV.all" >"$CSV"
else
	mv "$CSV.all" "$CSV"
fi
BYTES=$(wc -c <"$CSV")
echo "bench: $CSV: $BYTES bytes"

# ---- baseline: sqlite3 .import into a bare table -------------------------------------------
t0=$(date +%s.%N)
sqlite3 "$TMP/bare.db" ".mode csv" ".import $CSV bare" || die "sqlite3 .import"
t1=$(date +%s.%N)
BASE=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
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
DB_MB=$(du -m "$TMP/gx.db" | cut -f1)
TERMS=$(sqlite3 "$TMP/gx.db" 'SELECT count(*) FROM search_terms')

# ---- exports ------------------------------------------------------------------------------------
XDB=$TMP/gx.db
if [ "$XROWS" -gt "$ROWS" ]; then
	# a database of XROWS customers through the exit door: a generated
	# export --all directory (tenants and customers) loaded by import --all
	echo "bench: making a database of $XROWS customers with import --all"
	mkdir -p "$TMP/dump"
	NOW=2026-11-24T00:00:00.000Z
	printf '{"id":1,"slug":"bench","name":"Bench","time_zone":"Asia/Shanghai","currency":"CNY","locale":"zh-CN","settings":"{}","created_at":"%s","updated_at":"%s","disabled_at":null,"version":1}\n' \
		"$NOW" "$NOW" >"$TMP/dump/tenants.jsonl"
	awk -v n="$XROWS" -v now="$NOW" -F, 'NR > 1 && NR <= n + 1 {
		gsub(/"/, "", $9) # "12,000.00" is split at its comma: $9 holds the thousands
		printf "{\"tenant_id\":1,\"id\":%d,\"code\":\"%s\",\"name\":\"%s\",\"mobile\":\"%s\",\"email\":\"%s\",\"city\":\"%s\",\"province\":\"%s\",\"industry\":\"%s\",\"credit_limit\":%d,\"payment_terms\":\"%s\",\"notes\":\"%s\",\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n", \
			1000000000 + NR, $1, $2, $4, $5, $6, $7, $8, ($9 + 0) * 100000, $11, $12, now, now
	}' "$CSV.all" >"$TMP/dump/customers.jsonl"
	rm -f "$CSV.all"
	[ "$(wc -l <"$TMP/dump/customers.jsonl")" -eq "$XROWS" ] || die "GX_BENCH_EXPORT_ROWS is larger than the generated file"
	cols='["tenant_id","id","code","name","mobile","email","city","province","industry","credit_limit","payment_terms","notes","created_at","updated_at"]'
	tcols='["id","slug","name","time_zone","currency","locale","settings","created_at","updated_at","disabled_at","version"]'
	entry() { printf '{"name":"%s","file":"%s.jsonl","rows":%d,"bytes":%d,"sha256":"%s","columns":%s,"primary_key":%s}' \
		"$1" "$1" "$(wc -l <"$TMP/dump/$1.jsonl")" "$(wc -c <"$TMP/dump/$1.jsonl")" "$(sha256sum "$TMP/dump/$1.jsonl" | cut -c1-64)" "$2" "$3"; }
	SV=$(sqlite3 "$TMP/gx.db" 'SELECT max(version) FROM schema_migrations')
	printf '{"format":"guanxi-export","format_version":1,"guanxi_version":"bench","schema_version":%d,"backend":"sqlite","tenants":[],"rows":%d,"tables":[%s,%s]}\n' \
		"$SV" "$((XROWS + 1))" "$(entry tenants "$tcols" '["id"]')" "$(entry customers "$cols" '["tenant_id","id"]')" >"$TMP/dump/manifest.json"
	XDB=$TMP/export.db
	"$GX" import --all "$TMP/dump" --db "$XDB" >"$TMP/load.out" 2>"$TMP/load.err" || { tail -5 "$TMP/load.err" >&2; die "import --all"; }
	rm -rf "$TMP/dump"
fi
run_export() {
	local out=$1
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -v -o "$TMP/export.time" "$GX" export customers "$TMP/$out" --db "$XDB" --lang zh-CN \
		2>"$TMP/export.err" || { cat "$TMP/export.err" >&2; die "guanxi export $out"; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
	echo " $(awk '/Maximum resident/ { print $NF }' "$TMP/export.time") $(wc -c <"$TMP/$out")"
}
read -r CSV_S CSV_RSS CSV_BYTES < <(run_export out.csv)
CSV_ROWS=$(($(sqlite3 "$TMP/bare.db" ".mode csv" ".import $TMP/out.csv re" "SELECT count(*) FROM re")))
read -r XLSX_S XLSX_RSS XLSX_BYTES < <(run_export out.xlsx)

# ---- report -------------------------------------------------------------------------------------
awk -v rows="$ROWS" -v bytes="$BYTES" -v base="$BASE" -v imp="$IMP" -v irss="$IMP_RSS" -v dbmb="$DB_MB" -v terms="$TERMS" \
	-v cs="$CSV_S" -v crss="$CSV_RSS" -v cb="$CSV_BYTES" -v crows="$CSV_ROWS" -v xs="$XLSX_S" -v xrss="$XLSX_RSS" -v xb="$XLSX_BYTES" \
	-v dups="$DUPS" -v xrows="$XROWS" '
function verdict(ok) { return ok ? "ok" : "MISSED" }
BEGIN {
	r = (base > 0) ? imp / base : 0
	printf "\n%-44s %12s %14s %12s\n", "import of " rows " customers (" int(bytes / 1048576) " MB CSV)", "seconds", "rows/s", "peak RSS"
	printf "%-44s %12.2f %14.0f %12s\n", "sqlite3 .import into a bare table", base, rows / base, "-"
	printf "%-44s %12.2f %14.0f %9.1f MB\n", "guanxi import customers (duplicates=" dups ")", imp, rows / imp, irss / 1024
	printf "%-44s %11.1fx   target <= 3x  %s\n", "ratio guanxi / sqlite3 .import", r, verdict(r <= 3)
	printf "%-44s %9d MB, %d search terms (%.0f per customer)\n", "database after the import", dbmb, terms, terms / rows
	printf "\n%-44s %12s %14s %12s\n", "export of " xrows " customers", "seconds", "rows/s", "peak RSS"
	printf "%-44s %12.2f %14.0f %9.1f MB   target < 100 MB  %s   (%d MB, %d records read back)\n", "CSV", cs, xrows / cs, crss / 1024, verdict(crss / 1024 < 100), cb / 1048576, crows
	printf "%-44s %12.2f %14.0f %9.1f MB   target < 100 MB  %s   (%d MB)\n", "XLSX", xs, xrows / xs, xrss / 1024, verdict(xrss / 1024 < 100), xb / 1048576
}'
