#!/usr/bin/env bash
# gen_customers.sh — generated customers for the benchmarks (realistic
# Chinese company names, codes, mobiles, e-mails, cities, amounts; the same
# rows for the same N on every run):
#   bench/gen_customers.sh csv N FILE.csv   a customer CSV with Chinese headers
#                                            (what `guanxi import customers` reads)
#   bench/gen_customers.sh db N FILE.db     a database of N customers in tenant
#                                            "bench", loaded with `guanxi import
#                                            --all` of a generated dump (about a
#                                            minute for a million), and a user
#                                            `admin` (role admin) with the password
#                                            $GX_BENCH_PASSWORD (default bench-pass-1234)
# The db form writes the rows as they are, without the search index (search
# finds none of them: reindex or import through the engine for that).
# GX_BENCH_BIN: the guanxi binary (default build/release/guanxi, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-}; N=${2:-}; OUT=${3:-}
case $MODE in csv | db) ;; *) echo "usage: bench/gen_customers.sh csv|db N FILE" >&2; exit 2 ;; esac
case $N in '' | *[!0-9]*) echo "gen_customers: N must be a whole number" >&2; exit 2 ;; esac
[ -n "$OUT" ] || { echo "gen_customers: no output file" >&2; exit 2; }
die() { echo "gen_customers: FAILED: $*" >&2; exit 1; }

gen_csv() { # gen_csv N
	awk -v n="$N" 'BEGIN {
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
	}'
}

if [ "$MODE" = csv ]; then
	gen_csv "$N" >"$OUT"
	exit 0
fi

GX=${GX_BENCH_BIN:-$ROOT/build/release/guanxi}
[ -x "$GX" ] || make -s --no-print-directory MODE=release build/release/guanxi || die "make build/release/guanxi"
[ -e "$OUT" ] && die "$OUT exists"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gx-gen-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
XROWS=$N
gen_csv "$N" >"$TMP/customers.csv"
CSV=$TMP/customers.csv
mkdir -p "$TMP/dump"
# the schema version the dump claims: this binary's, read from a scratch database
(cd "$TMP" && GUANXI_ADMIN_PASSWORD="gen-$RANDOM-$RANDOM" "$GX" init --db "$TMP/gx.db") >"$TMP/init.log" 2>&1 ||
	{ cat "$TMP/init.log" >&2; die "guanxi init"; }
NOW=2026-11-24T00:00:00.000Z
printf '{"id":1,"slug":"bench","name":"Bench","time_zone":"Asia/Shanghai","currency":"CNY","locale":"zh-CN","settings":"{}","created_at":"%s","updated_at":"%s","disabled_at":null,"version":1}\n' \
	"$NOW" "$NOW" >"$TMP/dump/tenants.jsonl"
awk -v n="$XROWS" -v now="$NOW" -F, 'NR > 1 && NR <= n + 1 {
	gsub(/"/, "", $9) # "12,000.00" is split at its comma: $9 holds the thousands
	printf "{\"tenant_id\":1,\"id\":%d,\"code\":\"%s\",\"name\":\"%s\",\"mobile\":\"%s\",\"email\":\"%s\",\"city\":\"%s\",\"province\":\"%s\",\"industry\":\"%s\",\"credit_limit\":%d,\"payment_terms\":\"%s\",\"notes\":\"%s\",\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n", \
		1000000000 + NR, $1, $2, $4, $5, $6, $7, $8, ($9 + 0) * 100000, $11, $12, now, now
}' "$CSV" >"$TMP/dump/customers.jsonl"
[ "$(wc -l <"$TMP/dump/customers.jsonl")" -eq "$XROWS" ] || die "GX_BENCH_EXPORT_ROWS is larger than the generated file"
cols='["tenant_id","id","code","name","mobile","email","city","province","industry","credit_limit","payment_terms","notes","created_at","updated_at"]'
tcols='["id","slug","name","time_zone","currency","locale","settings","created_at","updated_at","disabled_at","version"]'
entry() { printf '{"name":"%s","file":"%s.jsonl","rows":%d,"bytes":%d,"sha256":"%s","columns":%s,"primary_key":%s}' \
	"$1" "$1" "$(wc -l <"$TMP/dump/$1.jsonl")" "$(wc -c <"$TMP/dump/$1.jsonl")" "$(sha256sum "$TMP/dump/$1.jsonl" | cut -c1-64)" "$2" "$3"; }
SV=$(sqlite3 "$TMP/gx.db" 'SELECT max(version) FROM schema_migrations')
printf '{"format":"guanxi-export","format_version":1,"guanxi_version":"bench","schema_version":%d,"backend":"sqlite","tenants":[],"rows":%d,"tables":[%s,%s]}\n' \
	"$SV" "$((XROWS + 1))" "$(entry tenants "$tcols" '["id"]')" "$(entry customers "$cols" '["tenant_id","id"]')" >"$TMP/dump/manifest.json"
"$GX" import --all "$TMP/dump" --db "$OUT" >"$TMP/load.out" 2>"$TMP/load.err" || { tail -5 "$TMP/load.err" >&2; die "import --all"; }
"$GX" user add admin --role admin --tenant bench --password "${GX_BENCH_PASSWORD:-bench-pass-1234}" --db "$OUT" >/dev/null ||
	die "guanxi user add"
echo "gen_customers: $OUT: $N customers in tenant bench, user admin"
