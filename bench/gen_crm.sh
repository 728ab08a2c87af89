#!/usr/bin/env bash
# gen_crm.sh — a whole generated CRM for the search and list benchmarks:
#   bench/gen_crm.sh N FILE.db
# N customers in tenant "bench" (persons with Chinese names — surnames by
# frequency, 1–2 character given names, some written in Traditional, some
# Latin names — and organisations), GX_GEN_CONTACTS contacts (default 3N),
# GX_GEN_ACTIVITIES activities (default 10N), 50 sales reps (users sales01 …
# sales50) and relationship-team rows for every customer not in the pool.
# The same rows for the same N on every run. Loaded like gen_customers.sh db:
# a JSON Lines dump read by `guanxi import --all` (rows as they are), then
# `guanxi reindex all` builds the search terms and the name sort keys. Users
# admin (role admin) and sales01 … sales50 have the password $GX_BENCH_PASSWORD
# (default bench-pass-1234).
#   GX_BENCH_BIN    the guanxi binary (default build/release/guanxi, built if missing)
#   GX_GEN_KEEP     keep the dump directory here (for a look at the rows)
#   GX_GEN_NO_INDEX skip the reindex (search then finds nothing)
#   GX_GEN_REINDEX_BATCH customers per reindex transaction (250000): the
#                   terms of a chunk are written sorted at its end, and each
#                   chunk rewrites most of the term index's pages, so few
#                   large chunks are fastest (about 5 KB of memory a customer)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-}; OUT=${2:-}
case $N in '' | *[!0-9]*) echo "usage: bench/gen_crm.sh N FILE.db" >&2; exit 2 ;; esac
[ -n "$OUT" ] || { echo "usage: bench/gen_crm.sh N FILE.db" >&2; exit 2; }
NCONT=${GX_GEN_CONTACTS:-$((3 * N))}
NACT=${GX_GEN_ACTIVITIES:-$((10 * N))}
PW=${GX_BENCH_PASSWORD:-bench-pass-1234}
die() { echo "gen_crm: FAILED: $*" >&2; exit 1; }
GX=${GX_BENCH_BIN:-$ROOT/build/release/guanxi}
[ -x "$GX" ] || make -s --no-print-directory MODE=release build/release/guanxi || die "make build/release/guanxi"
[ -e "$OUT" ] && die "$OUT exists"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gx-gencrm-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
D=${GX_GEN_KEEP:-$TMP/dump}
mkdir -p "$D"
t0=$(date +%s)
# the schema version and a password hash of $PW, from a scratch database
(cd "$TMP" && GUANXI_ADMIN_PASSWORD="gen-$RANDOM-$RANDOM-x" "$GX" init --db "$TMP/gx.db") >"$TMP/init.log" 2>&1 ||
	{ cat "$TMP/init.log" >&2; die "guanxi init"; }
"$GX" user add hashsrc --role sales --password "$PW" --db "$TMP/gx.db" >/dev/null 2>&1 || die "guanxi user add (scratch)"
HASH=$(sqlite3 "$TMP/gx.db" "SELECT password_hash FROM users WHERE username = 'hashsrc'")
SV=$(sqlite3 "$TMP/gx.db" 'SELECT max(version) FROM schema_migrations')
[ -n "$HASH" ] && [ -n "$SV" ] || die "no password hash or schema version"
NOW=2026-11-24T00:00:00.000Z

printf '{"id":1,"slug":"bench","name":"Bench","time_zone":"Asia/Shanghai","currency":"CNY","locale":"zh-CN","settings":"{}","created_at":"%s","updated_at":"%s","disabled_at":null,"version":1}\n' \
	"$NOW" "$NOW" >"$D/tenants.jsonl"
for i in $(seq 1 50); do
	printf '{"tenant_id":1,"id":%d,"username":"sales%02d","display_name":"销售%02d","role":"sales","password_hash":"%s","created_at":"%s","updated_at":"%s","version":1}\n' \
		$((1000 + i)) "$i" "$i" "$HASH" "$NOW" "$NOW"
done >"$D/users.jsonl"

# One awk pass writes customers, contacts, relationships and activities.
# (ids above 2^31 are printed with %.0f: mawk clamps %d there.) An LCG small enough for exact double arithmetic (mawk and gawk agree); its
# low bits repeat, so the high 16 are used.
awk -v n="$N" -v ncont="$NCONT" -v nact="$NACT" -v now="$NOW" -v dir="$D" '
function r(m) { s = (s * 69069 + 1) % 4294967296; return int(s / 65536) % m }
function r32(m) { return (r(65536) * 65536 + r(65536)) % m }
function pick(cum, tot, k,   x, lo, hi, mid) { # index by cumulative weight
	x = r32(tot); lo = 1; hi = k
	while (lo < hi) { mid = int((lo + hi) / 2); if (cum[mid] > x) hi = mid; else lo = mid + 1 }
	return lo
}
function trad(str,   out, i, c) { # character by character, Simplified to Traditional where the table knows
	out = ""
	for (i = 1; i <= length(str); i += 3) { c = substr(str, i, 3); out = out ((c in t2) ? t2[c] : c) }
	return out
}
function person(   sn, g, nm) { # a Chinese name: surname by frequency, 1-2 given characters
	sn = sur[pick(scum, stot, nsur)]
	g = giv[pick(gcum, gtot, ngiv)]
	if (r(100) < 72) g = g giv[pick(gcum, gtot, ngiv)]
	nm = sn g
	if (r(100) < 6) nm = trad(nm)
	return nm
}
function latin() { return fn[r(nfn) + 1] " " ln[r(nln) + 1] }
function mobile() { return "1" mp[r(7) + 1] sprintf("%09d", r32(1000000000)) }
function esc(x) { gsub(/"/, "\\\"", x); return x }
BEGIN {
	# surnames with their share per mille (roughly the 2020 census order), then rare and compound ones
	nsur = split("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 高 罗 郑 梁 谢 宋 唐 许 韩 邓 冯 曹 彭 曾 肖 田 董 潘 袁 蔡 蒋 余 于 杜 叶 程 魏 苏 吕 丁 任 卢 姚 沈 钟 姜 崔 谭 陆 范 汪 廖 石 金 韦 贾 夏 付 方 邹 熊 白 孟 秦 邱 侯 江 尹 薛 闫 段 雷 龙 黎 史 陶 贺 毛 郝 顾 龚 邵 万 覃 武 钱 戴 严 莫 孔 向 常 汤 单 区 仇 查 解 朴 翟 缪 乐 欧阳 司马 诸葛 上官 尉迟 令狐", sur, " ")
	split("71 70 66 54 45 31 22 20 19 18 17 15 14 13 13 12 12 11 11 10 10 10 9 8 8 8 8 7 7 7 7 7 6 6 6 5 5 5 5 5 5 5 5 5 5 5 4 4 4 4 4 4 4 4 4 4 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", sw, " ")
	stot = 0; for (i = 1; i <= nsur; i++) { stot += sw[i]; scum[i] = stot }
	# given-name characters: common ones weighted, then a tail of rare ones
	ngiv = split("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 桂 英 华 玉 兰 萍 红 建 文 辉 力 鹏 宇 浩 婷 雪 琳 晨 欣 怡 子 梓 轩 涵 博 思 雨 嘉 佳 一 诺 俊 峰 斌 飞 凯 鑫 丹 颖 慧 倩 琴 云 龙 凤 海 波 春 林 东 国 志 海 永 庆 荣 亮 成 晓 小 新 雅 天 然 宁 安 乐 长 重 和 朝 行 曦 翊 彧 煜 珏 琰 昶 暄 鋆 淼 骁 晗 璟 瑄 弈 炜 珺 湉 祎 芃 蕤 婕 霁", giv, " ")
	gtot = 0; for (i = 1; i <= ngiv; i++) { w = i <= 40 ? 30 : i <= 100 ? 10 : 1; gtot += w; gcum[i] = gtot }
	nt = split("张 張 陈 陳 刘 劉 杨 楊 黄 黃 赵 趙 吴 吳 郑 鄭 谢 謝 韩 韓 冯 馮 邓 鄧 许 許 罗 羅 孙 孫 马 馬 郭 郭 叶 葉 苏 蘇 吕 呂 卢 盧 钟 鍾 谭 譚 陆 陸 汪 汪 贺 賀 顾 顧 龚 龔 钱 錢 严 嚴 伟 偉 丽 麗 强 強 军 軍 艳 艷 杰 傑 涛 濤 华 華 兰 蘭 红 紅 辉 輝 鹏 鵬 云 雲 龙 龍 凤 鳳 国 國 庆 慶 荣 榮 亮 亮 晓 曉 乐 樂 长 長 东 東 飞 飛 颖 穎 怡 怡 诺 諾 轩 軒 涵 涵", tt, " ")
	for (i = 1; i < nt; i += 2) t2[tt[i]] = tt[i + 1]
	nfn = split("John Mary David Sarah Michael Emma James Olivia Peter Anna José María Zoë Søren Émile François Chloé Lukas Sophie Kenji Anh Minh Raj Priya Ahmed Fatima Olga Ivan Łukasz Noël", fn, " ")
	nln = split("Smith Johnson Brown Müller Schmidt García Martínez López Dubois Lefèvre Rossi Bianchi Nguyen Tanaka Sato Kim Lee Wong Chan Ng Patel Singh Kowalski Nowak Ivanov Petrov Andersen Jensen Álvarez O\047Brien", ln, " ")
	split("3 5 6 7 8 8 9", mp, " ")
	ncity = split("上海 北京 广州 深圳 杭州 苏州 南京 成都 重庆 武汉 西安 天津 青岛 厦门 长沙 郑州 合肥 宁波 无锡 佛山 东莞 济南 大连 沈阳 昆明 福州 南昌 台北 新竹 台中", city, " ")
	split("上海 北京 广东 广东 浙江 江苏 江苏 四川 重庆 湖北 陕西 天津 山东 福建 湖南 河南 安徽 浙江 江苏 广东 广东 山东 辽宁 辽宁 云南 福建 江西 台湾 台湾 台湾", prov, " ")
	nc = split("华 联 恒 通 鑫 源 永 安 长 城 东 方 金 泰 宏 达 瑞 丰 中 兴 百 盛 银 河 晨 光 天 虹 汇 德 昌 行 健 朝 阳 新 海 明 珠 嘉 禾 福 田 锦 江 信 广 同 仁 正 大 夏 远 航 世 创 博 雅 凯 旋 腾 飞 振 富 强 隆 顺 发 万 利 民 和 平 星 辰 精 工 卓 越 宇 宙 龙 凤 麒 麟 凰 松 柏 梅 兰 竹 菊 春 秋 冬 山 水 云 霞 湖", ch, " ")
	nbiz = split("电子科技有限公司 机械设备有限公司 贸易有限公司 医药有限公司 食品有限公司 建材有限公司 百货有限公司 物流有限公司 置业有限公司 软件股份有限公司 商行 实业集团", biz, " ")
	split("电子 机械 批发零售 医药 食品 建材 零售 物流 房地产 软件 零售 制造", ind, " ")
	split("end_customer distributor dealer wholesaler agent other", typ, " ")
	split("lead prospect customer customer customer former", stat, " ")
	split("visit phone phone email email sms video web chat service_centre other", chan, " ")
	nsub = split("初次拜访 电话回访 报价跟进 合同洽谈 售后回访 新品介绍 投诉处理 付款提醒 节日问候 需求调研 样品寄送 年度复盘", subj, " ")
	split("总经理 采购经理 财务 销售总监 技术负责人 行政 董事长 项目经理", title, " ")
	split("owner sales service technical", role, " ")
	cf = dir "/customers.jsonl"; kf = dir "/contacts.jsonl"; rf = dir "/relationships.jsonl"; af = dir "/activities.jsonl"
	s = 20261124
	kid = 0; rid = 0; aid = 0
	for (i = 1; i <= n; i++) {
		id = 1000000000 + i
		c = r(ncity) + 1
		k = r(100)
		if (k < 55) { kind = "person"; nm = person() }
		else if (k < 60) { kind = "person"; nm = latin() }
		else {
			kind = "organisation"
			nm = city[c] ch[r(nc) + 1] ch[r(nc) + 1] ch[r(nc) + 1] biz[r(nbiz) + 1]
		}
		pool = r(100) < 20
		mob = mobile()
		em = r(100) < 60 ? sprintf("c%d@m%d.example.cn", i, i % 997) : ""
		st = stat[r(6) + 1]
		b = r(nbiz) + 1
		printf "{\"tenant_id\":1,\"id\":%d,\"code\":\"C2026%07d\",\"kind\":\"%s\",\"name\":\"%s\",\"type\":\"%s\",\"status\":\"%s\",\"industry\":\"%s\",\"mobile\":\"%s\",\"email\":%s,\"city\":\"%s\",\"province\":\"%s\",\"credit_limit\":%d,\"in_pool\":%d,\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n", \
			id, i, kind, esc(nm), typ[r(6) + 1], st, ind[b], mob, em == "" ? "null" : "\"" em "\"", city[c], prov[c], r(500) * 1000000, pool, now, now > cf
		# contacts: ncont spread over the customers (1 to 2x the mean, exact in total)
		want = int(i * ncont / n) - int((i - 1) * ncont / n)
		first = kid + 1
		for (j = 0; j < want; j++) {
			kid++
			cn = r(100) < 94 ? person() : latin()
			printf "{\"tenant_id\":1,\"id\":%.0f,\"customer_id\":%d,\"name\":\"%s\",\"title\":\"%s\",\"mobile\":\"%s\",\"email\":\"k%d@m%d.example.com\",\"is_primary\":%d,\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n", \
				2000000000 + kid, id, esc(cn), title[r(8) + 1], mobile(), kid, kid % 991, j == 0, now, now > kf
		}
		team = 0
		if (!pool) {
			m = r(3) + 1; u0 = r(50)
			for (j = 0; j < m; j++) {
				rid++; team++
				tm[team] = 1001 + (u0 + j * 17) % 50
				printf "{\"tenant_id\":1,\"id\":%.0f,\"customer_id\":%d,\"user_id\":%d,\"role\":\"%s\",\"since\":\"202%d-0%d-1%d\",\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n", \
					3000000000 + rid, id, tm[team], role[j + 1], r(6) + 1, r(9) + 1, r(9), now, now > rf
			}
		}
		want = int(i * nact / n) - int((i - 1) * nact / n)
		for (j = 0; j < want; j++) {
			aid++
			u = team ? tm[r(team) + 1] : 1001 + r(50)
			ct = kid >= first && r(2) ? sprintf("%.0f", 2000000000 + first + r(kid - first + 1)) : "null"
			printf "{\"tenant_id\":1,\"id\":%.0f,\"customer_id\":%d,\"contact_id\":%s,\"user_id\":%d,\"channel\":\"%s\",\"direction\":\"%s\",\"subject\":\"%s\",\"duration_min\":%d,\"occurred_at\":\"202%d-%02d-%02dT%02d:%02d:00.000Z\",\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n", \
				4000000000 + aid, id, ct, u, chan[r(11) + 1], r(3) ? "outbound" : "inbound", subj[r(nsub) + 1], r(90), 4 + r(3), r(12) + 1, r(28) + 1, r(24), r(60), now, now > af
		}
	}
}'
echo "gen_crm: rows written in $(($(date +%s) - t0)) s"

entry() { printf '{"name":"%s","file":"%s.jsonl","rows":%d,"bytes":%d,"sha256":"%s","columns":%s,"primary_key":%s}' \
	"$1" "$1" "$(wc -l <"$D/$1.jsonl")" "$(wc -c <"$D/$1.jsonl")" "$(sha256sum "$D/$1.jsonl" | cut -c1-64)" "$2" "$3"; }
pk='["tenant_id","id"]'
ROWS=0
for t in tenants users customers contacts relationships activities; do ROWS=$((ROWS + $(wc -l <"$D/$t.jsonl"))); done
printf '{"format":"guanxi-export","format_version":1,"guanxi_version":"bench","schema_version":%d,"backend":"sqlite","tenants":[],"rows":%d,"tables":[%s,%s,%s,%s,%s,%s]}\n' \
	"$SV" "$ROWS" \
	"$(entry tenants '["id","slug","name","time_zone","currency","locale","settings","created_at","updated_at","disabled_at","version"]' '["id"]')" \
	"$(entry users '["tenant_id","id","username","display_name","role","password_hash","created_at","updated_at","version"]' "$pk")" \
	"$(entry customers '["tenant_id","id","code","kind","name","type","status","industry","mobile","email","city","province","credit_limit","in_pool","created_at","updated_at"]' "$pk")" \
	"$(entry contacts '["tenant_id","id","customer_id","name","title","mobile","email","is_primary","created_at","updated_at"]' "$pk")" \
	"$(entry relationships '["tenant_id","id","customer_id","user_id","role","since","created_at","updated_at"]' "$pk")" \
	"$(entry activities '["tenant_id","id","customer_id","contact_id","user_id","channel","direction","subject","duration_min","occurred_at","created_at","updated_at"]' "$pk")" \
	>"$D/manifest.json"
t1=$(date +%s)
"$GX" import --all "$D" --db "$OUT" >"$TMP/load.out" 2>"$TMP/load.err" || { tail -5 "$TMP/load.err" >&2; die "import --all"; }
echo "gen_crm: loaded $ROWS rows in $(($(date +%s) - t1)) s"
"$GX" user add admin --role admin --tenant bench --password "$PW" --db "$OUT" >/dev/null || die "guanxi user add"
if [ -z "${GX_GEN_NO_INDEX:-}" ]; then
	t1=$(date +%s)
	"$GX" reindex all --tenant bench --batch "${GX_GEN_REINDEX_BATCH:-250000}" --db "$OUT" >"$TMP/reindex.out" || die "guanxi reindex"
	echo "gen_crm: reindexed in $(($(date +%s) - t1)) s"
fi
echo "gen_crm: $OUT: $N customers, $NCONT contacts, $NACT activities in tenant bench; users admin, sales01..sales50"
