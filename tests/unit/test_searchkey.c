/* test_searchkey.c — search keys: folding, terms, query plans and ranking,
 * checked against a simulated term index (exact and prefix-range lookups). */
#include "gx_test.h"

#include "core/err.h"
#include "core/utf8.h"
#include "text/searchkey.h"
#include "text/text_impl.h"

#include <pthread.h>
#include <stdbool.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

/* ---- a simulated index -------------------------------------------------------
 * One record's terms, as the store's table would hold them; lookups use the
 * same predicates as the SQL: term = ? or term >= ? AND term < ?. */

struct idx {
	int n;
	char t[4 * GX_SK_TERMS_MAX][GX_SK_TERM_MAX + 1];
};

static int collect(const char *term, size_t len, void *ud)
{
	struct idx *x = ud;
	ASSERT_TRUE(len > 0 && len <= GX_SK_TERM_MAX);
	ASSERT_EQ_INT(strlen(term), len);
	ASSERT_TRUE(gx_utf8_valid(term, len));
	for (int i = 0; i < x->n; i++)
		if (strcmp(x->t[i], term) == 0)
			return 0; /* another field's term: the table's key dedups */
	ASSERT_TRUE(x->n < (int)(sizeof x->t / sizeof x->t[0]));
	memcpy(x->t[x->n++], term, len + 1);
	return 0;
}

/* Adds the terms of one field of the record. */
static void idx_add(struct idx *x, const char *text, unsigned flags)
{
	ASSERT_EQ_INT(gx_searchkey_terms(text, flags, collect, x), 0);
}

static bool idx_has(const struct idx *x, const char *term)
{
	for (int i = 0; i < x->n; i++)
		if (strcmp(x->t[i], term) == 0)
			return true;
	return false;
}

/* Whether the record is found by q: every condition holds for some term. */
static bool found(const struct idx *x, const char *q)
{
	struct gx_sk_query plan;
	ASSERT_EQ_INT(gx_searchkey_query(q, &plan), 0);
	if (plan.n == 0)
		return false;
	for (int i = 0; i < plan.n; i++) {
		const struct gx_sk_cond *c = &plan.cond[i];
		bool ok = false;
		for (int k = 0; k < x->n; k++) {
			const char *t = x->t[k];
			bool meant = c->prefix ?
				strncmp(t, c->term, strlen(c->term)) == 0 :
				strcmp(t, c->term) == 0;
			/* the SQL range must agree with the meaning */
			bool range = strcmp(t, c->term) >= 0 &&
				     (!c->upper[0] || strcmp(t, c->upper) < 0);
			if (meant != range)
				GX_FAIL("range [%s, %s) disagrees on %s", c->term,
					c->upper, t);
			ok |= meant;
		}
		if (!ok)
			return false;
	}
	return true;
}

static void idx_one(struct idx *x, const char *text, unsigned flags)
{
	x->n = 0;
	idx_add(x, text, flags);
}

#define FOUND(x, q)                                                           \
	do {                                                                  \
		if (!found((x), (q)))                                         \
			GX_FAIL("expected a match for query \"%s\"", (q));    \
	} while (0)
#define NOT_FOUND(x, q)                                                       \
	do {                                                                  \
		if (found((x), (q)))                                          \
			GX_FAIL("expected no match for query \"%s\"", (q));   \
	} while (0)

/* Frees the pooled handles and, under ASan, checks for leaks now: tests end
 * with _exit(), which skips LeakSanitizer's own check. */
static void done(void)
{
	gx_text_shutdown();
#if defined(__SANITIZE_ADDRESS__)
	ASSERT_EQ_INT(__lsan_do_recoverable_leak_check(), 0);
#endif
}

static struct idx *idx_new(void)
{
	struct idx *x = calloc(1, sizeof *x);
	ASSERT_TRUE(x != NULL);
	return x;
}

/* ---- matching ---------------------------------------------------------------- */

GX_TEST(searchkey_zhangsan)
{
	struct idx *x = idx_new();
	idx_one(x, "张三", GX_SK_PERSON_NAME);
	const char *yes[] = {"张三", "張三", "zhangsan", "zs", "zhang", "san",
			     "三", "张", "張", "zhangs", "ZhangSan", "zhang san",
			     "ＺＨＡＮＧ", " zs "};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		FOUND(x, yes[i]);
	const char *no[] = {"zhangshan", "ls", "李", "李四", "张三丰", "zsf",
			    "sz", "zhangsanfeng", "三张"};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		NOT_FOUND(x, no[i]);

	/* family and given name joined with a space */
	idx_one(x, "张 三", GX_SK_PERSON_NAME);
	FOUND(x, "张三");
	FOUND(x, "zs");
	FOUND(x, "zhangsan");
	FOUND(x, "张 三");

	idx_one(x, "李四", GX_SK_PERSON_NAME);
	NOT_FOUND(x, "zs");
	NOT_FOUND(x, "张三");
	FOUND(x, "ls");
	FOUND(x, "lisi");
	free(x);
	done();
}

GX_TEST(searchkey_traditional_record)
{
	struct idx *x = idx_new();
	idx_one(x, "張三豐", GX_SK_PERSON_NAME); /* stored in Traditional */
	FOUND(x, "张三丰");
	FOUND(x, "張三豐");
	FOUND(x, "zhangsanfeng");
	FOUND(x, "sanfeng");
	FOUND(x, "zsf");
	FOUND(x, "丰");
	free(x);
	done();
}

GX_TEST(searchkey_polyphone_chongqing)
{
	struct idx *x = idx_new();
	idx_one(x, "重庆百货", 0);
	const char *yes[] = {"chongqing", "zhongqing", "chongqingbaihuo",
			     "cqbh", "zqbh", "baihuo", "重庆", "百货", "重庆百货",
			     "重慶百貨"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		FOUND(x, yes[i]);
	NOT_FOUND(x, "chongqin baihuo x");
	NOT_FOUND(x, "chengqing");

	idx_one(x, "中国银行长沙分行", 0);
	FOUND(x, "yinhang");
	FOUND(x, "changsha");
	FOUND(x, "fenhang");
	FOUND(x, "zhongguoyinhang");
	idx_one(x, "音乐之声", 0);
	FOUND(x, "yinyue");
	idx_one(x, "快乐购", 0);
	FOUND(x, "kuailegou");
	idx_one(x, "厦门航空", 0);
	FOUND(x, "xiamen");
	free(x);
	done();
}

GX_TEST(searchkey_surnames)
{
	struct idx *x = idx_new();
	idx_one(x, "单雄信", GX_SK_PERSON_NAME);
	FOUND(x, "shan");
	FOUND(x, "shanxiongxin");
	FOUND(x, "sxx");
	FOUND(x, "dan"); /* the reading people get wrong still finds it */
	FOUND(x, "xiongxin");

	struct {
		const char *name, *reading;
	} cases[] = {
		{"曾国藩", "zengguofan"}, {"区小姐", "ouxiaojie"},
		{"仇英", "qiuying"},      {"查良镛", "zhaliangyong"},
		{"解缙", "xiejin"},       {"朴槿惠", "piaojinhui"},
		{"盖聂", "genie"},        {"尉缭", "yuliao"},
		{"翟天临", "zhaitianlin"}, {"覃小红", "qinxiaohong"},
		{"缪可", "miaoke"},       {"万峰", "wanfeng"},
		{"尉迟恭", "yuchigong"},  {"万俟卨", "moqixie"},
		{"长孙无忌", "zhangsunwuji"}, {"乐毅", "yueyi"},
		{"吕布", "lvbu"},         {"吕布", "lubu"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		idx_one(x, cases[i].name, GX_SK_PERSON_NAME);
		if (!found(x, cases[i].reading))
			GX_FAIL("%s not found by %s", cases[i].name,
				cases[i].reading);
	}
	/* surname-only readings stay off ordinary words */
	struct {
		const char *word, *reading;
	} words[] = {
		{"区域", "ou"}, {"仇人", "qiu"}, {"朴素", "piao"},
		{"查询", "zha"}, {"盖子", "ge"}, {"覃思", "qin"},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		idx_one(x, words[i].word, 0);
		NOT_FOUND(x, words[i].reading);
	}
	/* not a person: no surname reading for the first character */
	idx_one(x, "区小姐", 0);
	NOT_FOUND(x, "ouxiaojie");
	FOUND(x, "quxiaojie");
	free(x);
	done();
}

GX_TEST(searchkey_latin)
{
	struct idx *x = idx_new();
	idx_one(x, "José García", GX_SK_PERSON_NAME);
	const char *yes[] = {"jose", "JOSE", "José", "garcia", "garcía",
			     "jose garc", "GARC", "Jos"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		FOUND(x, yes[i]);
	NOT_FOUND(x, "josef");
	NOT_FOUND(x, "maria");
	idx_one(x, "Straße Søren Łódź ÆSIR", 0);
	FOUND(x, "strasse");
	FOUND(x, "soren");
	FOUND(x, "lodz");
	FOUND(x, "aesir");
	FOUND(x, "straße");
	idx_one(x, "Jean-Pierre O'Brien", GX_SK_PERSON_NAME);
	FOUND(x, "jean-pierre");
	FOUND(x, "jeanpierre");
	FOUND(x, "pierre");
	FOUND(x, "obrien");
	FOUND(x, "o'brien");
	free(x);
	done();
}

GX_TEST(searchkey_phone)
{
	struct idx *x = idx_new();
	idx_one(x, "138 0013 8000", GX_SK_PHONE);
	const char *yes[] = {"13800138000", "8000", "138 0013 8000",
			     "138-0013-8000", "+86 138 0013 8000",
			     "0086 13800138000", "(138) 0013-8000", "1380013",
			     "0138000", "138"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		FOUND(x, yes[i]);
	NOT_FOUND(x, "13800138001");
	NOT_FOUND(x, "9000");
	idx_one(x, "+86 138-0013-8000 / 010-6552 9988", GX_SK_PHONE);
	FOUND(x, "13800138000");
	FOUND(x, "65529988");
	FOUND(x, "9988");
	FOUND(x, "010-65529988");
	free(x);
	done();
}

GX_TEST(searchkey_email_and_code)
{
	struct idx *x = idx_new();
	idx_one(x, "Zhang.San@Example.com", GX_SK_EMAIL);
	ASSERT_TRUE(idx_has(x, "zhang.san"));   /* local part */
	ASSERT_TRUE(idx_has(x, "example.com")); /* domain */
	const char *yes[] = {"zhang.san@example.com", "ZHANG.SAN@EXAMPLE.COM",
			     "zhang.san@", "zhang.san", "zhangsan", "zhang",
			     "example.com", "example"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		FOUND(x, yes[i]);
	NOT_FOUND(x, "li.si@example.com");
	NOT_FOUND(x, "zhang.san@example.org");

	idx_one(x, "KH-2024-0015", GX_SK_CODE);
	const char *codes[] = {"KH-2024-0015", "kh20240015", "kh2024", "0015",
			       "2024", "20240015", "240015", "kh"};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		FOUND(x, codes[i]);
	NOT_FOUND(x, "kh-2025");
	NOT_FOUND(x, "0016");
	free(x);
	done();
}

GX_TEST(searchkey_mixed_and_fields)
{
	struct idx *x = idx_new();
	idx_one(x, "张三 ABC Trading", 0);
	FOUND(x, "张 abc");
	FOUND(x, "abc 张三");
	FOUND(x, "张abc");
	FOUND(x, "trad zhangsan");
	NOT_FOUND(x, "张 xyz");
	/* a record's fields share one set of terms */
	x->n = 0;
	idx_add(x, "张三", GX_SK_PERSON_NAME);
	idx_add(x, "13800138000", GX_SK_PHONE);
	idx_add(x, "zs@example.com", GX_SK_EMAIL);
	FOUND(x, "张三 8000");
	FOUND(x, "zs example");
	NOT_FOUND(x, "李四 8000");
	free(x);
	done();
}

/* ---- terms ------------------------------------------------------------------- */

GX_TEST(searchkey_terms_of_a_name)
{
	struct idx *x = idx_new();
	idx_one(x, "张三", GX_SK_PERSON_NAME);
	const char *want[] = {"张三", "张", "三", "zhangsan", "san", "zs"};
	ASSERT_EQ_INT(x->n, 6);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!idx_has(x, want[i]))
			GX_FAIL("term %s missing", want[i]);
	/* the whole folded text comes first */
	ASSERT_EQ_STR(x->t[0], "张三");
	idx_one(x, "", 0);
	ASSERT_EQ_INT(x->n, 0);
	idx_one(x, "  ,.;  ", 0);
	ASSERT_EQ_INT(x->n, 1); /* the whole text ",.;" only */
	free(x);
	done();
}

GX_TEST(searchkey_variants_capped)
{
	struct idx *x = idx_new();
	/* every character polyphonic: the product is in the thousands */
	idx_one(x, "行长乐单曾会传调参便和朝", 0);
	int heads = 0;
	for (int i = 0; i < x->n; i++) {
		const char *t = x->t[i];
		size_t n = strlen(t);
		/* spellings from the first syllable: start with xing/hang/heng */
		if (n > 20 && (strncmp(t, "xing", 4) == 0 ||
			       strncmp(t, "hang", 4) == 0 ||
			       strncmp(t, "heng", 4) == 0))
			heads++;
	}
	ASSERT_TRUE(heads >= 2);
	ASSERT_TRUE(heads <= GX_SK_VARIANTS_MAX);
	ASSERT_TRUE(x->n <= GX_SK_TERMS_MAX);
	/* the primary spelling and each single alternative are there */
	FOUND(x, "hangzhang");
	FOUND(x, "xingchang");
	free(x);
	done();
}

static int stop_at_three(const char *term, size_t len, void *ud)
{
	int *n = ud;
	return ++*n == 3 ? 7 : 0;
}

GX_TEST(text_init)
{
	ASSERT_EQ_INT(gx_text_init(), 0);
	ASSERT_EQ_INT(gx_text_init(), 0); /* reuses the pooled handles */
	done();
	ASSERT_EQ_INT(gx_text_init(), 0); /* reopens after shutdown */
	done();
}

GX_TEST(searchkey_callback_stops)
{
	int n = 0;
	ASSERT_EQ_INT(gx_searchkey_terms("张三丰", 0, stop_at_three, &n), 7);
	ASSERT_EQ_INT(n, 3);
	done();
}

/* ---- query plans --------------------------------------------------------------- */

static void expect_plan(const char *q, int n, const char *const *terms,
			const bool *prefix)
{
	struct gx_sk_query p;
	ASSERT_EQ_INT(gx_searchkey_query(q, &p), 0);
	if (p.n != n)
		GX_FAIL("query \"%s\": %d conditions, expected %d", q, p.n, n);
	for (int i = 0; i < n; i++) {
		bool seen = false;
		for (int k = 0; k < p.n; k++)
			seen |= strcmp(p.cond[k].term, terms[i]) == 0 &&
				p.cond[k].prefix == prefix[i];
		if (!seen)
			GX_FAIL("query \"%s\": no %s condition on \"%s\"", q,
				prefix[i] ? "prefix" : "exact", terms[i]);
	}
	ASSERT_TRUE(!p.truncated);
}

GX_TEST(searchkey_query_plans)
{
	expect_plan("张三丰", 2, (const char *[]){"张三", "三丰"},
		    (bool[]){false, false});
	expect_plan("zhangs", 1, (const char *[]){"zhangs"}, (bool[]){true});
	expect_plan("張", 1, (const char *[]){"张"}, (bool[]){false});
	expect_plan("13800138000", 1, (const char *[]){"13800138000"},
		    (bool[]){true});
	expect_plan("138 0013-8000", 1, (const char *[]){"13800138000"},
		    (bool[]){true});
	expect_plan("张 abc", 2, (const char *[]){"张", "abc"},
		    (bool[]){false, true});
	expect_plan("A@B.cn", 1, (const char *[]){"a@b.cn"}, (bool[]){true});
	expect_plan("张三 张三", 1, (const char *[]){"张三"}, (bool[]){false});
	expect_plan("", 0, NULL, NULL);
	expect_plan("  ", 0, NULL, NULL);
	expect_plan("，。！", 0, NULL, NULL);

	/* exact conditions come before prefixes */
	struct gx_sk_query p;
	ASSERT_EQ_INT(gx_searchkey_query("ab 张三", &p), 0);
	ASSERT_EQ_INT(p.n, 2);
	ASSERT_EQ_STR(p.cond[0].term, "张三");

	/* bounds: prefix upper = last code point + 1; exact = term + U+0001 */
	ASSERT_EQ_INT(gx_searchkey_query("abc", &p), 0);
	ASSERT_EQ_STR(p.cond[0].upper, "abd");
	ASSERT_EQ_INT(gx_searchkey_query("zz", &p), 0);
	ASSERT_EQ_STR(p.cond[0].upper, "z{");
	ASSERT_EQ_INT(gx_searchkey_query("张", &p), 0);
	ASSERT_EQ_STR(p.cond[0].upper, "张\x01");
	ASSERT_EQ_INT(gx_searchkey_query("ab张", &p), 0);
	for (int i = 0; i < p.n; i++)
		ASSERT_TRUE(gx_utf8_valid(p.cond[i].upper,
					  strlen(p.cond[i].upper)));

	/* a long query keeps the most selective conditions */
	ASSERT_EQ_INT(gx_searchkey_query("中华人民共和国中央人民政府 a b c", &p), 0);
	ASSERT_EQ_INT(p.n, GX_SK_QUERY_MAX);
	ASSERT_TRUE(p.truncated);
	for (int i = 0; i < p.n; i++)
		ASSERT_TRUE(!p.cond[i].prefix);
	done();
}

GX_TEST(searchkey_upper_bound_utf8)
{
	/* the last character's code point + 1 stays valid UTF-8 across
	 * encoding-length boundaries */
	struct {
		const char *q, *upper;
	} cases[] = {
		{"a\x7f", NULL},          /* controls fold away */
		{"\xc3\xbf", "\xc4\x80"},  /* ÿ U+00FF -> U+0100 (folds to y) */
		{"\xdf\xbf", "\xe0\xa0\x80"}, /* U+07FF -> U+0800 */
		{"\xed\x9f\xbf", "\xee\x80\x80"}, /* U+D7FF -> U+E000 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct gx_sk_query p;
		ASSERT_EQ_INT(gx_searchkey_query(cases[i].q, &p), 0);
		for (int k = 0; k < p.n; k++) {
			const struct gx_sk_cond *c = &p.cond[k];
			ASSERT_TRUE(gx_utf8_valid(c->upper, strlen(c->upper)));
			ASSERT_TRUE(strcmp(c->term, c->upper) < 0);
		}
	}
	done();
}

/* ---- folding ------------------------------------------------------------------- */

static void expect_fold(const char *in, const char *want)
{
	char out[256];
	size_t n = 0;
	ASSERT_EQ_INT(gx_text_fold(in, out, sizeof out, &n), 0);
	ASSERT_EQ_STR(out, want);
	ASSERT_EQ_INT(n, strlen(want));
}

GX_TEST(text_fold)
{
	expect_fold("José García", "jose garcia");
	expect_fold("  Straße\t\n ÆSIR  ", "strasse aesir");
	expect_fold("張三豐", "张三丰");
	expect_fold("國際貿易有限公司", "国际贸易有限公司");
	expect_fold("ＡＢＣ　１２３", "abc 123"); /* full-width, ideographic space */
	expect_fold("Søren Łódź", "soren lodz");
	expect_fold("ﬁle Ⅻ ①", "file xii 1");
	expect_fold("e\xcc\x81", "e"); /* decomposed accent */
	expect_fold("が", "が");       /* Japanese voicing is not an accent */
	expect_fold("Ὀδυσσεύς", "ὀδυσσεύσ"); /* Greek keeps its marks */
	expect_fold("", "");
	expect_fold("a\xc2\xad" "b", "ab"); /* soft hyphen is ignorable */

	char small[4];
	ASSERT_EQ_INT(gx_text_fold("abcdef", small, sizeof small, NULL),
		      GX_ETOOBIG);
	ASSERT_EQ_INT(gx_text_fold(NULL, small, sizeof small, NULL), GX_EINVAL);
	done();
}

/* ---- sort keys --------------------------------------------------------------------- */

static void sortkey(const char *s, char *out)
{
	ASSERT_EQ_INT(gx_text_sortkey(s, out, GX_TEXT_SORTKEY_MAX), 0);
	for (const char *p = out; *p; p++)
		ASSERT_TRUE((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
	ASSERT_EQ_INT(strlen(out) % 2, 0);
}

GX_TEST(text_sortkey_pinyin_order)
{
	/* expected order: digits, Han by pinyin, then Latin (ICU "zh") */
	const char *order[] = {"1号", "阿", "安", "曾", "李", "欧阳", "王",
			       "张", "张三", "张四", "赵", "alice", "Bob",
			       "Émile", "zhang", "Zoe"};
	int n = (int)(sizeof order / sizeof order[0]);
	char prev[GX_TEXT_SORTKEY_MAX], cur[GX_TEXT_SORTKEY_MAX];
	sortkey(order[0], prev);
	for (int i = 1; i < n; i++) {
		sortkey(order[i], cur);
		if (strcmp(prev, cur) >= 0)
			GX_FAIL("%s should sort before %s", order[i - 1],
				order[i]);
		memcpy(prev, cur, sizeof cur);
	}
	char a[GX_TEXT_SORTKEY_MAX], b[GX_TEXT_SORTKEY_MAX];
	sortkey("", a); /* level separators only: before everything */
	sortkey("1", b);
	ASSERT_TRUE(strcmp(a, b) < 0);
	/* Traditional sorts by its pinyin too */
	sortkey("張", a);
	sortkey("赵", b);
	ASSERT_TRUE(strcmp(a, b) < 0);

	/* cut keys keep a consistent order */
	char s1[9], s2[9];
	ASSERT_EQ_INT(gx_text_sortkey("张三丰", s1, sizeof s1), 0);
	ASSERT_EQ_INT(gx_text_sortkey("赵四", s2, sizeof s2), 0);
	ASSERT_EQ_INT(strlen(s1), 8);
	ASSERT_TRUE(strcmp(s1, s2) <= 0);
	ASSERT_EQ_INT(gx_text_sortkey("x", s1, 2), GX_EINVAL);

	char v[64];
	ASSERT_EQ_INT(gx_text_sortkey_version(v, sizeof v), 0);
	ASSERT_TRUE(strncmp(v, "icu-", 4) == 0);
	ASSERT_EQ_INT(gx_text_sortkey_version(v, 4), GX_ETOOBIG);
	done();
}

/* ---- ranking ---------------------------------------------------------------------- */

static int rank(const char *q, const struct gx_sk_record *r)
{
	int v = -1;
	ASSERT_EQ_INT(gx_searchkey_rank(q, r, &v), 0);
	return v;
}

GX_TEST(searchkey_rank)
{
	struct gx_sk_record r = {
		.name = "张三丰",
		.name_flags = GX_SK_PERSON_NAME,
		.code = "KH-2024-0015",
		.phone = "138 0013 8000",
		.email = "zsf@wudang.cn",
	};
	ASSERT_EQ_INT(rank("KH-2024-0015", &r), GX_SK_RANK_EXACT_KEY);
	ASSERT_EQ_INT(rank("kh20240015", &r), GX_SK_RANK_EXACT_KEY);
	ASSERT_EQ_INT(rank("13800138000", &r), GX_SK_RANK_EXACT_KEY);
	ASSERT_EQ_INT(rank("+86 138 0013 8000", &r), GX_SK_RANK_EXACT_KEY);
	ASSERT_EQ_INT(rank("zsf@wudang.cn", &r), GX_SK_RANK_EXACT_KEY);
	ASSERT_EQ_INT(rank("张三丰", &r), GX_SK_RANK_EXACT_NAME);
	ASSERT_EQ_INT(rank("張三豐", &r), GX_SK_RANK_EXACT_NAME);
	ASSERT_EQ_INT(rank("zhangsanfeng", &r), GX_SK_RANK_EXACT_NAME);
	ASSERT_EQ_INT(rank("zhang san feng", &r), GX_SK_RANK_EXACT_NAME);
	ASSERT_EQ_INT(rank("张三", &r), GX_SK_RANK_PREFIX);
	ASSERT_EQ_INT(rank("zhangs", &r), GX_SK_RANK_PREFIX);
	ASSERT_EQ_INT(rank("zs", &r), GX_SK_RANK_PREFIX);
	ASSERT_EQ_INT(rank("kh2024", &r), GX_SK_RANK_PREFIX);
	ASSERT_EQ_INT(rank("sanfeng", &r), GX_SK_RANK_NAME);
	ASSERT_EQ_INT(rank("三丰", &r), GX_SK_RANK_NAME);
	ASSERT_EQ_INT(rank("wudang", &r), GX_SK_RANK_OTHER);
	ASSERT_EQ_INT(rank("8000", &r), GX_SK_RANK_OTHER);
	ASSERT_EQ_INT(rank("李四", &r), GX_SK_RANK_NONE);
	ASSERT_EQ_INT(rank("", &r), GX_SK_RANK_NONE);

	struct gx_sk_record latin = {.name = "José García"};
	ASSERT_EQ_INT(rank("jose garcia", &latin), GX_SK_RANK_EXACT_NAME);
	ASSERT_EQ_INT(rank("jos", &latin), GX_SK_RANK_PREFIX);
	ASSERT_EQ_INT(rank("garcia", &latin), GX_SK_RANK_NAME);
	struct gx_sk_record empty = {0};
	ASSERT_EQ_INT(rank("x", &empty), GX_SK_RANK_NONE);
	done();
}

/* Printable ASCII is folded without ICU (searchkey.c, fold): the whole-text
 * term must be what gx_text_fold gives, for random and chosen strings. */
static int first_term(const char *term, size_t len, void *ud)
{
	memcpy(ud, term, len + 1);
	return 1; /* stop */
}

GX_TEST(searchkey_ascii_fold_same_as_icu)
{
	const char *chosen[] = {"  Jean-Pierre   O'Brien ", "KH-2024-0015", "Zhang.San@Example.COM",
				"+86 (138) 0013-8000", "~!@#$%^&*()_+`-=[]{}|;:,./<>?", "ABC xyz 123", "a", " "};
	uint32_t seed = 2026;
	for (int i = 0; i < 2000; i++) {
		char in[48];
		if (i < (int)(sizeof chosen / sizeof chosen[0])) {
			snprintf(in, sizeof in, "%s", chosen[i]);
		} else {
			seed = seed * 1103515245u + 12345u;
			size_t n = (seed >> 16) % 40;
			for (size_t k = 0; k < n; k++) {
				seed = seed * 1103515245u + 12345u;
				/* spaces are frequent: runs of them matter */
				in[k] = (seed >> 16) % 4 == 0 ? ' ' : (char)(0x20 + (seed >> 16) % 95);
			}
			in[n] = '\0';
		}
		char icu[256] = "", term[GX_SK_TERM_MAX + 1] = "";
		ASSERT_EQ_INT(gx_text_fold(in, icu, sizeof icu, NULL), 0);
		ASSERT_TRUE(gx_searchkey_terms(in, 0, first_term, term) >= 0);
		if (strcmp(icu, term) != 0)
			GX_FAIL("fold of '%s': ICU '%s', fast '%s'", in, icu, term);
	}
	done();
}

/* ---- bad and extreme input ---------------------------------------------------------- */

static int never(const char *term, size_t len, void *ud)
{
	GX_FAIL("no term expected, got %s", term);
	return 0;
}

GX_TEST(searchkey_invalid_utf8)
{
	const char *bad[] = {"\xff", "ab\xc3\x28", "\xc0\xaf", "\xed\xa0\x80",
			     "\xe5\xbc", "\xf4\x90\x80\x80", "张\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char out[64];
		struct gx_sk_query p;
		int rk;
		ASSERT_EQ_INT(gx_searchkey_terms(bad[i], 0, never, NULL),
			      GX_EINVAL);
		ASSERT_EQ_INT(gx_searchkey_query(bad[i], &p), GX_EINVAL);
		ASSERT_EQ_INT(gx_text_fold(bad[i], out, sizeof out, NULL),
			      GX_EINVAL);
		ASSERT_EQ_INT(gx_text_sortkey(bad[i], out, sizeof out),
			      GX_EINVAL);
		ASSERT_EQ_INT(gx_searchkey_rank(bad[i], &(struct gx_sk_record){0},
						&rk),
			      GX_EINVAL);
		struct gx_sk_record r = {.name = bad[i]};
		ASSERT_EQ_INT(gx_searchkey_rank("x", &r, &rk), GX_EINVAL);
	}
	ASSERT_EQ_INT(gx_searchkey_terms(NULL, 0, never, NULL), GX_EINVAL);
	ASSERT_EQ_INT(gx_searchkey_terms("x", 0, NULL, NULL), GX_EINVAL);
	ASSERT_EQ_INT(gx_searchkey_query(NULL, &(struct gx_sk_query){0}),
		      GX_EINVAL);
	done();
}

GX_TEST(searchkey_long_input)
{
	/* 200 KB of names, Latin words and digits */
	size_t cap = 200 * 1024;
	char *s = malloc(cap + 1);
	ASSERT_TRUE(s != NULL);
	const char *unit = "重庆百货张三丰 José 138-0013-8000 ";
	size_t ul = strlen(unit), n = 0;
	while (n + ul <= cap) {
		memcpy(s + n, unit, ul);
		n += ul;
	}
	s[n] = '\0';
	struct idx *x = idx_new();
	idx_one(x, s, GX_SK_PERSON_NAME | GX_SK_PHONE | GX_SK_EMAIL | GX_SK_CODE);
	ASSERT_TRUE(x->n > 0 && x->n <= GX_SK_TERMS_MAX);
	FOUND(x, "chongqing");
	FOUND(x, "jose");

	/* one run of 10 000 Han characters */
	n = 0;
	while (n + 3 <= 30000) {
		memcpy(s + n, "张", 3);
		n += 3;
	}
	s[n] = '\0';
	idx_one(x, s, 0);
	ASSERT_TRUE(x->n <= GX_SK_TERMS_MAX);
	FOUND(x, "张张");
	FOUND(x, "zhangzhang");

	struct gx_sk_query p;
	ASSERT_EQ_INT(gx_searchkey_query(s, &p), 0);
	ASSERT_TRUE(p.n >= 1 && p.n <= GX_SK_QUERY_MAX);
	for (int i = 0; i < p.n; i++)
		ASSERT_TRUE(strlen(p.cond[i].term) <= GX_SK_TERM_MAX);

	/* one 100 000-letter word: terms and prefixes are cut at 64 bytes */
	memset(s, 'a', 100000);
	s[100000] = '\0';
	idx_one(x, s, 0);
	ASSERT_TRUE(idx_has(x, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	FOUND(x, s);

	/* a cut must not split a character */
	n = 0;
	s[n++] = 'a';
	while (n + 3 <= 300) {
		memcpy(s + n, "张", 3);
		n += 3;
	}
	s[n] = '\0';
	idx_one(x, s, 0);
	ASSERT_TRUE(idx_has(x, "a"));

	char out[16];
	ASSERT_EQ_INT(gx_text_fold(s, out, sizeof out, NULL), GX_ETOOBIG);
	char *huge = malloc(GX_TEXT_INPUT_MAX + 2);
	ASSERT_TRUE(huge != NULL);
	memset(huge, 'b', GX_TEXT_INPUT_MAX + 1);
	huge[GX_TEXT_INPUT_MAX + 1] = '\0';
	ASSERT_EQ_INT(gx_text_fold(huge, out, sizeof out, NULL), GX_ETOOBIG);
	ASSERT_EQ_INT(gx_text_sortkey(huge, out, sizeof out), GX_ETOOBIG);
	ASSERT_EQ_INT(gx_text_sortkey(s, out, sizeof out), 0);
	ASSERT_EQ_INT(strlen(out), 14);
	free(huge);
	free(s);
	free(x);
	done();
}

/* ---- the tables ------------------------------------------------------------------------ */

static void check_table(const struct gx_polyphone *t, size_t n)
{
	ASSERT_TRUE(n > 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && t[i - 1].cp >= t[i].cp)
			GX_FAIL("table not sorted at U+%04X", (unsigned)t[i].cp);
		const char *r = t[i].readings;
		ASSERT_TRUE(r[0] >= 'a' && r[0] <= 'z');
		for (const char *p = r; *p; p++)
			ASSERT_TRUE((*p >= 'a' && *p <= 'z') ||
				    (*p == ' ' && p[1] >= 'a' && p[1] <= 'z'));
		ASSERT_TRUE(gx_polyphone_find(t, n, t[i].cp) == r);
	}
	ASSERT_TRUE(gx_polyphone_find(t, n, 0x41) == NULL);
}

GX_TEST(searchkey_polyphone_tables)
{
	check_table(gx_polyphones, gx_polyphones_n);
	check_table(gx_surnames, gx_surnames_n);
	ASSERT_TRUE(gx_polyphones_n >= 300);
	ASSERT_EQ_STR(gx_polyphone_find(gx_surnames, gx_surnames_n, 0x5355),
		      "shan"); /* 单 */
}

/* ---- threads ----------------------------------------------------------------------------- */

static const char *const thread_names[] = {"张三", "重庆百货", "单雄信",
					   "José García", "欧阳娜娜", "KH-01"};

struct sig {
	char s[4096];
	size_t n;
};

static int sign(const char *term, size_t len, void *ud)
{
	struct sig *g = ud;
	if (g->n + len + 1 < sizeof g->s) {
		memcpy(g->s + g->n, term, len);
		g->n += len;
		g->s[g->n++] = '|';
		g->s[g->n] = '\0';
	}
	return 0;
}

static struct sig expected[sizeof thread_names / sizeof thread_names[0]];

static void *worker(void *arg)
{
	long bad = 0;
	for (int it = 0; it < 50; it++) {
		for (size_t i = 0; i < sizeof thread_names / sizeof thread_names[0]; i++) {
			struct sig g = {.n = 0};
			gx_searchkey_terms(thread_names[i], GX_SK_PERSON_NAME, sign, &g);
			bad += strcmp(g.s, expected[i].s) != 0;
			struct gx_sk_query q;
			bad += gx_searchkey_query("張三 zs", &q) != 0 || q.n != 2;
			char k[GX_TEXT_SORTKEY_MAX];
			bad += gx_text_sortkey(thread_names[i], k, sizeof k) != 0;
		}
	}
	return (void *)bad;
}

GX_TEST(searchkey_threads)
{
	for (size_t i = 0; i < sizeof thread_names / sizeof thread_names[0]; i++)
		ASSERT_EQ_INT(gx_searchkey_terms(thread_names[i], GX_SK_PERSON_NAME,
						 sign, &expected[i]),
			      0);
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		ASSERT_EQ_INT(pthread_create(&t[i], NULL, worker, NULL), 0);
	long bad = 0;
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	ASSERT_EQ_INT(bad, 0);
	done();
}
