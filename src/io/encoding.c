/* encoding.c — encoding detection (BOM, UTF-16 NUL pattern, UTF-8, scored
 * GB18030 / Big5 / Windows-1252) and streaming conversion to UTF-8 with iconv. */
#include "io/encoding.h"

#include "core/err.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Only this much of a sample is examined by gx_enc_detect. */
#define DETECT_MAX (256u * 1024u)

/* ---------------------------------------------------------------------------
 * Frequent characters. The Simplified list is the ~1,000 most frequent
 * characters of general Chinese text (as in the usual character-frequency
 * lists) plus the characters of company names, addresses, place names,
 * common surnames and given names, CRM column headers and CJK punctuation;
 * the Traditional list is what OpenCC (s2t and s2tw) makes of it, less the
 * characters already in the first list and those Big5 cannot encode. A
 * correct decoding of Chinese text finds most of its characters here; the
 * wrong one of GB18030/Big5 produces mostly characters that are not.
 * ------------------------------------------------------------------------- */
static const char common_simplified[] =
	"的一是不了在人有我他这个们中来上大为和国地到以说"
	"时要就出会可也你对生能而子那得于着下自之年过发后"
	"作里用道行所然家种事成方多经么去法学如都同现当没"
	"动面起看定天分还进好小部其些主样理心她本前开但因"
	"只从想实日军者意无力它与长把机十民第公此已工使情"
	"明性知全三又关点正业外将两高间由问很最重并物手应"
	"战向头文体政美相见被利什二等产或新己制身果加西斯"
	"月话合回特代内信表化老给世位次度门任常先海通教儿"
	"原东声提立及比员解水名真论处走义各入几口认条平系"
	"气题活尔更别打女变四神总何电数安少报才结反受目太"
	"量再感建务做接必场件计管期市直德资命山金指克许统"
	"区保至队形社便空决治展马科司五基眼书非则听白却界"
	"达光放强即像难且权思王象完设式色路记南品住告类求"
	"据程北边死张该交规万取拉格望觉术领共确传师观清今"
	"切院让识候带导争运笑飞风步改收根干造言联持组每济"
	"车亲极林服快办议往元英士证近失转夫令准布始怎呢存"
	"未远叫台单影具罗字爱击流备兵连调深商算质团集百需"
	"价花党华城石级整府离况亚请技际约示复病息究线似官"
	"火断精满支视消越器容照须九增研写称企八功吗包片史"
	"委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历"
	"首医局突专费号尽另周较注语仅考落青随选列武红响虽"
	"推势参希古众构房半节土投某案黑维革划敌致陈律足态"
	"护七兴派孩验责营星够章音跟志底站严巴例防族供效续"
	"施留讲型料终答紧黄绝奇察母京段依批群项故按河米围"
	"江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值"
	"仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状"
	"率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁"
	"益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险"
	"待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙"
	"树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担"
	"州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降"
	"阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追"
	"帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶"
	"块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟"
	"登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮"
	"露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑"
	"梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩"
	"短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽"
	"巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额"
	"含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣"
	"择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借"
	"君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇"
	"肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握"
	"戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘"
	"亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞"
	"努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震"
	"弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页"
	"杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培"
	"迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵咨询饰餐饮汽械"
	"纺鞋帽刷媒券牧渔讯仪塑胶钢铝玻璃陶瓷泥橡码津庆圳"
	"杭沈滨浩肥厦昌昆乌锡莞珠惠嘉绍泉潍坊徐盐桃竹隆屏"
	"宜莲澳巷栋幢邮箱址账董郭梁韩冯邓曹彭肖袁潘蒋蔡杜"
	"魏吕姚卢姜崔谭汪廖贾韦邹孟熊秦邱尹薛闫侯黎贺郝龚"
	"邵覃戴孔汤芳娜敏磊勇艳娟涛霞桂萍辉鹏峰婷琳晨欣怡"
	"佳俊，。、；：？！“”‘’（）《》【】…—·";

static const char common_traditional[] =
	"這個們來國說時會對於過發後種經麼學現當沒動還進樣"
	"開從實軍無與長機關點業將兩間問並應戰頭體見產話內"
	"給門兒東聲員論處義幾認條氣題爾別變總電數報結務場"
	"計資許統區隊決馬書則聽卻達強難權設記類據邊張該規"
	"萬覺術領確傳師觀讓識帶導爭運飛風乾聯組濟車親極辦"
	"議證轉準遠臺單羅愛擊備連調質團價黨華級離況亞請際"
	"約覆線斷滿視須寫稱嗎輕農裝廣顯標談喫圖歷醫專費號"
	"盡較語僅隨選紅響雖勢參構節維劃敵陳態護興驗責營夠"
	"嚴續講終緊黃絕項圍織鬥雙紀採舉殺蘇訴細願錢網熱屬"
	"臉職樂剛狀獨彈創錯蘭試腦預誰陽繼驚傷藥適衛險陸習"
	"勞財環納歡獲負雲龍樹層衝範異漢簡擔靜積餘檢靈協佔"
	"徵揮勝階審堅媽劉讀壓銀買養懷執亂幫歲優鐵稅藝陣腳"
	"惡塊頓島託戶評寶釋顧貨歐換聞壞討麗監臨艦魚雜誤灣"
	"減編測敗夢溫劍漸貴槍樓縣畫遺祕謝魯慮銷鍾詩趕劇損"
	"舊錄葉鄉禮婦歸飯額順輸搖脫補謂療澤滅筆鮮詞聖擇尋"
	"廠煙諾倫奧賣載宮陰園謀榮孫頂鎮練爺館礎寧紙諸訓莊"
	"絲戲隱訪軟薩夥盤擴蓋穩億擁楊齊賽虛購揚綠貿畢輪庫"
	"跡競棄偉緩潛閃燈針絡純頁傑築鄭貝吳圓殘誠寬擺毀趙"
	"諮詢飾飲紡漁訊儀膠鋼鋁碼慶濱廈烏錫紹濰鹽蓮棟郵賬"
	"韓馮鄧蔣呂盧譚賈韋鄒閆賀龔湯豔濤輝鵬為裡眾";

/* ---------------------------------------------------------------------------
 * UTF-8
 * ------------------------------------------------------------------------- */

/* Checks the sequence at s[0..n): its length when valid, 0 when valid so far
 * but cut short by n, or minus the length of its maximal invalid subpart. */
static int u8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	int len;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c == 0xE0)
		len = 3, lo = 0xA0;
	else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
		len = 3;
	else if (c == 0xED)
		len = 3, hi = 0x9F; /* no surrogates */
	else if (c == 0xF0)
		len = 4, lo = 0x90;
	else if (c >= 0xF1 && c <= 0xF3)
		len = 4;
	else if (c == 0xF4)
		len = 4, hi = 0x8F; /* nothing above U+10FFFF */
	else
		return -1;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		unsigned b = s[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
			return -i;
	}
	return len;
}

size_t gx_enc_utf8_valid_prefix(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		int r = u8_seq(p + i, n - i);
		if (r <= 0)
			break;
		i += (size_t)r;
	}
	return i;
}

/* Decodes one code point of valid UTF-8 at s (n > 0); *adv gets its length. */
static unsigned u8_decode(const unsigned char *s, size_t n, size_t *adv)
{
	int r = u8_seq(s, n);
	if (r <= 0) {
		*adv = 1;
		return 0xFFFD;
	}
	*adv = (size_t)r;
	switch (r) {
	case 1: return s[0];
	case 2: return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
	case 3: return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
	default:
		return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) |
		       ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
	}
}

/* ---------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------- */

const char *gx_enc_name(enum gx_encoding enc)
{
	switch (enc) {
	case GX_ENC_UTF8: return "UTF-8";
	case GX_ENC_UTF16LE: return "UTF-16LE";
	case GX_ENC_UTF16BE: return "UTF-16BE";
	case GX_ENC_GB18030: return "GB18030";
	case GX_ENC_BIG5: return "BIG5";
	case GX_ENC_CP1252: return "WINDOWS-1252";
	case GX_ENC_AUTO: break;
	}
	return "";
}

int gx_enc_from_name(const char *name, enum gx_encoding *out)
{
	static const struct {
		const char *name;
		enum gx_encoding enc;
	} names[] = {
		{"auto", GX_ENC_AUTO},         {"utf-8", GX_ENC_UTF8},
		{"utf8", GX_ENC_UTF8},         {"utf-8-sig", GX_ENC_UTF8},
		{"ascii", GX_ENC_UTF8},        {"us-ascii", GX_ENC_UTF8},
		{"utf-16le", GX_ENC_UTF16LE},  {"utf16le", GX_ENC_UTF16LE},
		{"utf-16", GX_ENC_UTF16LE},    {"unicode", GX_ENC_UTF16LE},
		{"utf-16be", GX_ENC_UTF16BE},  {"utf16be", GX_ENC_UTF16BE},
		{"gb18030", GX_ENC_GB18030},   {"gbk", GX_ENC_GB18030},
		{"gb2312", GX_ENC_GB18030},    {"cp936", GX_ENC_GB18030},
		{"ms936", GX_ENC_GB18030},     {"windows-936", GX_ENC_GB18030},
		{"euc-cn", GX_ENC_GB18030},    {"big5", GX_ENC_BIG5},
		{"big-5", GX_ENC_BIG5},        {"cp950", GX_ENC_BIG5},
		{"big5-hkscs", GX_ENC_BIG5},   {"windows-1252", GX_ENC_CP1252},
		{"cp1252", GX_ENC_CP1252},     {"latin1", GX_ENC_CP1252},
		{"iso-8859-1", GX_ENC_CP1252}, {"latin-1", GX_ENC_CP1252},
	};
	if (!name || !out)
		return GX_EINVAL;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].enc;
			return 0;
		}
	}
	return GX_EINVAL;
}

/* ---------------------------------------------------------------------------
 * Detection
 * ------------------------------------------------------------------------- */

#define CJK_FIRST 0x4E00u
#define CJK_LAST 0x9FFFu

struct common_set {
	unsigned char cjk[(CJK_LAST - CJK_FIRST + 1) / 8 + 1];
	unsigned other[64]; /* punctuation outside the CJK block */
	size_t nother;
};

static void common_add(struct common_set *s, const char *list)
{
	const unsigned char *p = (const unsigned char *)list;
	size_t n = strlen(list), i = 0;
	while (i < n) {
		size_t adv;
		unsigned cp = u8_decode(p + i, n - i, &adv);
		i += adv;
		if (cp >= CJK_FIRST && cp <= CJK_LAST)
			s->cjk[(cp - CJK_FIRST) / 8] |= (unsigned char)(1u << ((cp - CJK_FIRST) % 8));
		else if (s->nother < sizeof s->other / sizeof s->other[0])
			s->other[s->nother++] = cp;
	}
}

static int common_has(const struct common_set *s, unsigned cp)
{
	if (cp >= CJK_FIRST && cp <= CJK_LAST)
		return (s->cjk[(cp - CJK_FIRST) / 8] >> ((cp - CJK_FIRST) % 8)) & 1;
	if (cp == 0x3000 || (cp >= 0xFF01 && cp <= 0xFF5E))
		return 1; /* ideographic space, full-width ASCII */
	for (size_t i = 0; i < s->nother; i++)
		if (s->other[i] == cp)
			return 1;
	return 0;
}

/* Non-ASCII characters that are plausible in Western text when isolated. */
static int latin_plausible(unsigned cp)
{
	static const unsigned sym[] = {
		0x00A0, 0x00A1, 0x00A3, 0x00A9, 0x00AA, 0x00AE, 0x00B0, 0x00B1,
		0x00B4, 0x00B7, 0x00BA, 0x00BF, 0x0152, 0x0153, 0x0160, 0x0161,
		0x0178, 0x017D, 0x017E, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C,
		0x201D, 0x2022, 0x2026, 0x20AC,
	};
	if (cp >= 0xC0 && cp <= 0xFF && cp != 0xD7 && cp != 0xF7)
		return 1;
	for (size_t i = 0; i < sizeof sym / sizeof sym[0]; i++)
		if (sym[i] == cp)
			return 1;
	return 0;
}

struct cand_stats {
	size_t nonascii, hits, invalid;
};

/* Decodes buf strictly with iconv into a fresh UTF-8 buffer, counting
 * invalid sequences (each skipped by `unit` bytes). *out is malloc'ed. */
static int decode_strict(const char *charset, const unsigned char *buf, size_t len,
			 bool at_eof, size_t unit, char **out, size_t *outlen,
			 size_t *invalid)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return GX_EUNSUPPORTED;
	size_t cap = len * 3 + 16, bad = 0;
	char *o = malloc(cap);
	if (!o) {
		iconv_close(cd);
		return GX_ENOMEM;
	}
	char *inp = (char *)buf, *outp = o;
	size_t inleft = len, outleft = cap - 1;
	while (inleft > 0) {
		size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
		if (r != (size_t)-1)
			break;
		if (errno == EILSEQ) {
			size_t skip = unit < inleft ? unit : inleft;
			inp += skip;
			inleft -= skip;
			bad++;
			iconv(cd, NULL, NULL, NULL, NULL);
		} else if (errno == EINVAL) {
			if (at_eof)
				bad++;
			break;
		} else {
			break; /* E2BIG cannot happen with 3x room; stop */
		}
	}
	iconv_close(cd);
	*outp = '\0';
	*out = o;
	*outlen = (size_t)(outp - o);
	*invalid = bad;
	return 0;
}

static int score_of(const struct cand_stats *s)
{
	if (s->nonascii == 0)
		return s->invalid ? 0 : 1000;
	long long v = ((long long)s->hits * 1000 - (long long)s->invalid * 4000) /
		      (long long)s->nonascii;
	return v < 0 ? 0 : (int)v;
}

static int score_cjk(const char *charset, const struct common_set *cs,
		     const unsigned char *buf, size_t len, bool at_eof, int *score)
{
	char *u;
	size_t ulen, bad;
	int rc = decode_strict(charset, buf, len, at_eof, 1, &u, &ulen, &bad);
	if (rc)
		return rc;
	struct cand_stats st = {0, 0, bad};
	const unsigned char *p = (const unsigned char *)u;
	for (size_t i = 0; i < ulen;) {
		size_t adv;
		unsigned cp = u8_decode(p + i, ulen - i, &adv);
		i += adv;
		if (cp < 0x80)
			continue;
		st.nonascii++;
		st.hits += (size_t)common_has(cs, cp);
	}
	free(u);
	*score = score_of(&st);
	return 0;
}

static int score_latin(const unsigned char *buf, size_t len, bool at_eof, int *score)
{
	char *u;
	size_t ulen, bad;
	int rc = decode_strict("WINDOWS-1252", buf, len, at_eof, 1, &u, &ulen, &bad);
	if (rc)
		return rc;
	struct cand_stats st = {0, 0, bad};
	const unsigned char *p = (const unsigned char *)u;
	/* A run of consecutive non-ASCII characters longer than two is what a
	 * CJK double-byte text looks like in Windows-1252; real Western text
	 * has accented letters alone or in pairs between ASCII letters. */
	for (size_t i = 0; i < ulen;) {
		size_t adv;
		unsigned cp = u8_decode(p + i, ulen - i, &adv);
		if (cp < 0x80) {
			i += adv;
			continue;
		}
		size_t run = 0, plaus = 0;
		while (i < ulen) {
			cp = u8_decode(p + i, ulen - i, &adv);
			if (cp < 0x80)
				break;
			i += adv;
			run++;
			plaus += (size_t)latin_plausible(cp);
		}
		st.nonascii += run;
		if (run <= 2)
			st.hits += plaus;
	}
	free(u);
	*score = score_of(&st);
	return 0;
}

static int is_utf16(const unsigned char *b, size_t len, bool at_eof, const char *cs)
{
	char *u;
	size_t ulen, bad;
	if (decode_strict(cs, b, len, at_eof, 2, &u, &ulen, &bad) != 0)
		return 0;
	free(u);
	return bad == 0;
}

int gx_enc_detect(const void *buf, size_t len, bool at_eof, struct gx_enc_guess *g)
{
	const unsigned char *b = buf;
	if (!g || (!buf && len))
		return GX_EINVAL;
	memset(g, 0, sizeof *g);
	g->enc = GX_ENC_UTF8;
	g->confidence = 100;
	if (len > DETECT_MAX) {
		len = DETECT_MAX;
		at_eof = false;
	}
	if (len >= 4 && ((b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0) ||
			 (b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)))
		return GX_EUNSUPPORTED; /* UTF-32 */
	if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
		g->bom_len = 3;
		return 0;
	}
	if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
		g->enc = GX_ENC_UTF16LE;
		g->bom_len = 2;
		return 0;
	}
	if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
		g->enc = GX_ENC_UTF16BE;
		g->bom_len = 2;
		return 0;
	}
	if (len >= 4 && b[0] == 0x84 && b[1] == 0x31 && b[2] == 0x95 && b[3] == 0x33) {
		g->enc = GX_ENC_GB18030;
		g->bom_len = 4;
		return 0;
	}
	/* Files that are not text at all: zip (xlsx, docx), OLE2 (xls), PDF. */
	if ((len >= 4 && memcmp(b, "PK\003\004", 4) == 0) ||
	    (len >= 8 && memcmp(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) ||
	    (len >= 5 && memcmp(b, "%PDF-", 5) == 0))
		return GX_EUNSUPPORTED;

	size_t zeven = 0, zodd = 0;
	for (size_t i = 0; i < len; i++)
		if (b[i] == 0)
			(i & 1) ? zodd++ : zeven++;
	if (zeven + zodd > 0) {
		/* UTF-16 text has its ASCII (delimiters, line ends, digits) as a
		 * zero byte on one parity: odd offsets for LE, even for BE. */
		size_t pairs = len / 2;
		if (zodd * 10 >= pairs && zeven * 20 <= zodd &&
		    is_utf16(b, len, at_eof, "UTF-16LE")) {
			g->enc = GX_ENC_UTF16LE;
			g->confidence = 90;
			return 0;
		}
		if (zeven * 10 >= pairs && zodd * 20 <= zeven &&
		    is_utf16(b, len, at_eof, "UTF-16BE")) {
			g->enc = GX_ENC_UTF16BE;
			g->confidence = 90;
			return 0;
		}
		/* A few stray NULs are row errors for the reader; many are a
		 * binary file. */
		size_t z = zeven + zodd;
		if ((z * 100 > len && z >= 4) || z > 64)
			return GX_EUNSUPPORTED;
	}

	size_t ok = gx_enc_utf8_valid_prefix(b, len);
	if (ok == len || (!at_eof && u8_seq(b + ok, len - ok) == 0))
		return 0;
	/* UTF-8 with a few bad bytes (a damaged or hand-edited file) stays
	 * UTF-8 so the bad rows are reported; legacy CJK text almost never
	 * forms valid multibyte UTF-8 sequences, so 8 valid per invalid one is
	 * far beyond what it produces by chance. */
	size_t vmb = 0, inv = 0;
	for (size_t i = ok; i < len;) {
		if (b[i] < 0x80) {
			i++;
			continue;
		}
		int r = u8_seq(b + i, len - i);
		if (r > 0) {
			vmb++;
			i += (size_t)r;
		} else if (r == 0) {
			inv += at_eof;
			break;
		} else {
			inv++;
			i += (size_t)-r;
		}
	}
	for (size_t i = 0; i < ok; i++)
		vmb += (b[i] & 0xC0) == 0xC0; /* lead bytes of the valid prefix */
	if (vmb >= 4 && vmb >= 8 * inv) {
		g->confidence = 60;
		return 0;
	}

	struct common_set *cs = calloc(1, sizeof *cs);
	if (!cs)
		return GX_ENOMEM;
	common_add(cs, common_simplified);
	common_add(cs, common_traditional);
	int sg = 0, sb = 0, sl = 0, rc;
	rc = score_cjk("GB18030", cs, b, len, at_eof, &sg);
	if (!rc)
		rc = score_cjk("BIG5", cs, b, len, at_eof, &sb);
	if (!rc)
		rc = score_latin(b, len, at_eof, &sl);
	free(cs);
	if (rc)
		return rc;
	g->score_gb18030 = sg;
	g->score_big5 = sb;
	g->score_cp1252 = sl;
	int best = sg, second;
	g->enc = GX_ENC_GB18030;
	if (sb > best) {
		best = sb;
		g->enc = GX_ENC_BIG5;
	}
	if (sl > best) {
		best = sl;
		g->enc = GX_ENC_CP1252;
	}
	second = g->enc == GX_ENC_GB18030 ? (sb > sl ? sb : sl)
		 : g->enc == GX_ENC_BIG5  ? (sg > sl ? sg : sl)
					  : (sg > sb ? sg : sb);
	int conf = best / 10;
	if (best - second < 200)
		conf = conf * (best - second) / 200;
	g->confidence = conf < 0 ? 0 : conf > 100 ? 100 : conf;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Streaming conversion
 * ------------------------------------------------------------------------- */

#define CONV_OBUF 16384
#define CONV_CARRY 64

struct gx_enc_conv {
	enum gx_encoding enc;
	iconv_t cd;          /* (iconv_t)-1 for UTF-8, which is validated here */
	size_t unit;         /* bytes skipped after an invalid sequence */
	uint64_t offset;     /* input offset of the next unconsumed byte */
	unsigned char carry[CONV_CARRY];
	size_t ncarry;       /* incomplete sequence held over from the last feed */
	int started;         /* something was emitted or reported */
	gx_enc_out_fn out;
	gx_enc_bad_fn bad;
	void *ud;
	char obuf[CONV_OBUF];
};

int gx_enc_conv_new(struct gx_enc_conv **out, enum gx_encoding enc,
		    gx_enc_out_fn out_fn, gx_enc_bad_fn bad_fn, void *ud)
{
	if (!out || !out_fn || !bad_fn || enc == GX_ENC_AUTO || !*gx_enc_name(enc))
		return GX_EINVAL;
	*out = NULL;
	struct gx_enc_conv *c = calloc(1, sizeof *c);
	if (!c)
		return GX_ENOMEM;
	c->enc = enc;
	c->cd = (iconv_t)-1;
	c->unit = (enc == GX_ENC_UTF16LE || enc == GX_ENC_UTF16BE) ? 2 : 1;
	c->out = out_fn;
	c->bad = bad_fn;
	c->ud = ud;
	if (enc != GX_ENC_UTF8) {
		c->cd = iconv_open("UTF-8", gx_enc_name(enc));
		if (c->cd == (iconv_t)-1) {
			free(c);
			return errno == ENOMEM ? GX_ENOMEM : GX_EUNSUPPORTED;
		}
	}
	*out = c;
	return 0;
}

void gx_enc_conv_free(struct gx_enc_conv *c)
{
	if (!c)
		return;
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	free(c);
}

uint64_t gx_enc_conv_offset(const struct gx_enc_conv *c)
{
	return c ? c->offset + c->ncarry : 0;
}

/* Delivers converted text, dropping a byte-order mark (U+FEFF) that is the
 * first character of the stream. Output always holds whole characters. */
static int emit(struct gx_enc_conv *c, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (!c->started) {
		c->started = 1;
		if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
			if (n == 0)
				return 0;
		}
	}
	return c->out(c->ud, s, n);
}

static int report(struct gx_enc_conv *c, uint64_t off, size_t n)
{
	c->started = 1;
	return c->bad(c->ud, off, n);
}

/* Converts b[0..n) whose first byte is at input offset c->offset; stops
 * before an incomplete sequence at the end unless final (then reported).
 * *used gets the bytes consumed; c->offset is advanced by them. */
static int process(struct gx_enc_conv *c, const unsigned char *b, size_t n,
		   int final, size_t *used)
{
	size_t pos = 0;
	int rc = 0;
	if (c->cd == (iconv_t)-1) {
		size_t run = 0;
		while (pos < n) {
			if (b[pos] < 0x80) {
				pos++;
				continue;
			}
			int r = u8_seq(b + pos, n - pos);
			if (r > 0) {
				pos += (size_t)r;
				continue;
			}
			rc = emit(c, (const char *)b + run, pos - run);
			if (rc)
				break;
			if (r == 0 && !final)
				break;
			size_t skip = r == 0 ? n - pos : (size_t)-r;
			rc = report(c, c->offset + pos, skip);
			pos += skip;
			run = pos;
			if (rc)
				break;
		}
		if (!rc && pos == n)
			rc = emit(c, (const char *)b + run, pos - run);
	} else {
		while (pos < n && !rc) {
			char *inp = (char *)b + pos, *outp = c->obuf;
			size_t inleft = n - pos, outleft = sizeof c->obuf;
			size_t r = iconv(c->cd, &inp, &inleft, &outp, &outleft);
			int e = errno;
			pos = (size_t)((const unsigned char *)inp - b);
			rc = emit(c, c->obuf, (size_t)(outp - c->obuf));
			if (rc || r != (size_t)-1)
				break;
			if (e == E2BIG)
				continue;
			if (e == EINVAL && !final)
				break;
			size_t skip = e == EILSEQ ? (c->unit < n - pos ? c->unit : n - pos) : n - pos;
			rc = report(c, c->offset + pos, skip);
			pos += skip;
			iconv(c->cd, NULL, NULL, NULL, NULL);
		}
	}
	c->offset += pos;
	*used = pos;
	return rc;
}

int gx_enc_conv_feed(struct gx_enc_conv *c, const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t used;
	int rc;
	if (!c || (!in && len))
		return GX_EINVAL;
	if (len == 0)
		return 0;
	if (c->ncarry) {
		/* Finish the held-over sequence with a few bytes of the new
		 * input: convert carry + prefix, then resume in the input at
		 * whatever that consumed beyond the carry. */
		unsigned char tmp[CONV_CARRY * 2];
		size_t k = len < CONV_CARRY ? len : CONV_CARRY;
		memcpy(tmp, c->carry, c->ncarry);
		memcpy(tmp + c->ncarry, p, k);
		size_t had = c->ncarry;
		c->ncarry = 0;
		rc = process(c, tmp, had + k, 0, &used);
		if (rc)
			return rc;
		if (used < had) {
			/* Still incomplete: everything is held over. */
			c->ncarry = had + k - used;
			memcpy(c->carry, tmp + used, c->ncarry);
			return 0;
		}
		p += used - had;
		len -= used - had;
	}
	rc = process(c, p, len, 0, &used);
	if (rc)
		return rc;
	if (len - used > CONV_CARRY) /* cannot happen: sequences are <= 4 bytes */
		return GX_EINVAL;
	memcpy(c->carry, p + used, len - used);
	c->ncarry = len - used;
	return 0;
}

int gx_enc_conv_finish(struct gx_enc_conv *c)
{
	if (!c)
		return GX_EINVAL;
	size_t used, n = c->ncarry;
	unsigned char tmp[CONV_CARRY];
	memcpy(tmp, c->carry, n);
	c->ncarry = 0;
	return n ? process(c, tmp, n, 1, &used) : 0;
}

/* ---------------------------------------------------------------------------
 * One-shot conversion
 * ------------------------------------------------------------------------- */

int gx_enc_convert_take(const char *from, const void *in, size_t len,
			char **out, size_t *outlen, size_t *bad_offset)
{
	if (!from || !out || !outlen || (!in && len))
		return GX_EINVAL;
	*out = NULL;
	*outlen = 0;
	iconv_t cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return errno == ENOMEM ? GX_ENOMEM : GX_EUNSUPPORTED;
	size_t cap = len * 4 + 16; /* any charset -> UTF-8 is at most 4x (+ state) */
	char *o = malloc(cap);
	if (!o) {
		iconv_close(cd);
		return GX_ENOMEM;
	}
	char *inp = (char *)in, *outp = o;
	size_t inleft = len, outleft = cap - 1;
	int rc = 0;
	size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
	if (r == (size_t)-1) {
		rc = errno == E2BIG ? GX_ETOOBIG : GX_EINVAL;
	} else if (iconv(cd, NULL, NULL, &outp, &outleft) == (size_t)-1) {
		rc = GX_EINVAL; /* stateful charset left in a shifted state */
	}
	iconv_close(cd);
	if (rc) {
		if (bad_offset)
			*bad_offset = (size_t)(inp - (char *)in);
		free(o);
		return rc;
	}
	*outp = '\0';
	*out = o;
	*outlen = (size_t)(outp - o);
	return 0;
}
