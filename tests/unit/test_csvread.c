/* test_csvread.c — tests of src/io: encoding detection and conversion, the
 * streaming CSV reader (encodings, delimiters, limits, broken files) and the
 * header mapping, on generated files and the real interop exports. */
#include "gx_test.h"

#include "core/err.h"
#include "io/csvmap.h"
#include "io/csvread.h"
#include "io/encoding.h"

#include <iconv.h>
#include <stdint.h>
#include <sys/resource.h>

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

#define MAXREC 600
#define MAXF 64

struct rec {
	char *f[MAXF];
	size_t nf;
	uint64_t line, index;
};

struct rerr {
	enum gx_csv_row_kind kind;
	uint64_t line, index, offset;
};

struct got {
	struct rec r[MAXREC];
	size_t n;
	struct rerr e[64];
	size_t ne;
	int stop_after; /* stop (GX_ECONFLICT) after this many records, 0 = never */
};

static int on_rec(void *ud, const struct gx_csv_record *rec)
{
	struct got *g = ud;
	if (g->n < MAXREC) {
		struct rec *r = &g->r[g->n];
		r->nf = rec->nfields;
		r->line = rec->line;
		r->index = rec->index;
		for (size_t i = 0; i < rec->nfields && i < MAXF; i++) {
			ASSERT_EQ_INT(strlen(rec->fields[i].data), rec->fields[i].len);
			r->f[i] = strdup(rec->fields[i].data);
		}
	}
	g->n++;
	if (g->stop_after && g->n == (size_t)g->stop_after)
		return GX_ECONFLICT;
	return 0;
}

static int on_err(void *ud, const struct gx_csv_row_error *e)
{
	struct got *g = ud;
	if (g->ne < 64)
		g->e[g->ne] = (struct rerr){e->kind, e->line, e->index, e->offset};
	g->ne++;
	ASSERT_TRUE(e->message && *e->message);
	return 0;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n && i < MAXREC; i++)
		for (size_t j = 0; j < g->r[i].nf && j < MAXF; j++)
			free(g->r[i].f[j]);
	free(g);
}

static struct got *got_new(void)
{
	struct got *g = calloc(1, sizeof *g);
	ASSERT_TRUE(g);
	return g;
}

static const char *tmpfile_path(const char *name)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", gx_test_tmpdir(), name);
	return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ASSERT_TRUE(f);
	ASSERT_EQ_INT(fwrite(data, 1, len, f), len);
	ASSERT_EQ_INT(fclose(f), 0);
}

/* Converts UTF-8 text to charset with iconv(3); returns malloc'ed bytes. */
static char *encode(const char *charset, const char *utf8, size_t *outlen)
{
	iconv_t cd = iconv_open(charset, "UTF-8");
	ASSERT_TRUE(cd != (iconv_t)-1);
	size_t inleft = strlen(utf8), cap = inleft * 4 + 16, outleft = cap;
	char *out = malloc(cap), *inp = (char *)utf8, *outp = out;
	ASSERT_TRUE(out);
	ASSERT_TRUE(iconv(cd, &inp, &inleft, &outp, &outleft) != (size_t)-1);
	iconv_close(cd);
	*outlen = cap - outleft;
	return out;
}

/* Writes utf8 to a file in charset, after the bom bytes (may be NULL). */
static const char *write_encoded(const char *name, const char *charset, const char *bom,
				 size_t bomlen, const char *utf8)
{
	size_t n;
	char *b = encode(charset, utf8, &n);
	char *all = malloc(n + bomlen);
	ASSERT_TRUE(all);
	if (bomlen)
		memcpy(all, bom, bomlen);
	memcpy(all + bomlen, b, n);
	const char *path = tmpfile_path(name);
	write_file(path, all, n + bomlen);
	free(b);
	free(all);
	return path;
}

static int read_path(const char *path, const struct gx_csv_opts *o, struct got *g,
		     struct gx_csv_info *info)
{
	struct gx_csv_handler h = {on_rec, on_err, g};
	return gx_csv_read_file(path, o, &h, info);
}

static int read_mem(const char *data, size_t len, const struct gx_csv_opts *o, struct got *g,
		    struct gx_csv_info *info)
{
	struct gx_csv_handler h = {on_rec, on_err, g};
	return gx_csv_read_mem(data, len, o, &h, info);
}

/* Real Chinese companies and addresses used across tests. */
static const char *const cn_text =
	"客户名称,联系人,电话,地址,备注\r\n"
	"华为技术有限公司,张三,0755-28780808,\"广东省深圳市龙岗区坂田华为基地\",\"战略客户,年采购额大\"\r\n"
	"阿里巴巴（中国）有限公司,李四,0571-85022088,浙江省杭州市余杭区文一西路969号,\r\n"
	"\"腾讯科技（深圳）有限公司\",王五,0755-86013388,\"深圳市南山区海天二路33号\n腾讯滨海大厦\",多行地址\r\n"
	"北京字节跳动科技有限公司,赵六,010-58341000,北京市海淀区知春路甲48号,\r\n";

static const char *const tw_text =
	"客戶名稱,聯絡人,電話,地址,備註\r\n"
	"台灣積體電路製造股份有限公司,陳大文,03-5636688,新竹科學園區力行六路8號,晶圓代工\r\n"
	"鴻海精密工業股份有限公司,林小明,02-22683466,新北市土城區自由街2號,\r\n"
	"聯發科技股份有限公司,黃志偉,03-5670766,\"新竹科學園區篤行一路1號\",\"重要客戶,請優先\"\r\n";

static void check_cn(const struct got *g)
{
	ASSERT_EQ_INT(g->ne, 0);
	ASSERT_EQ_INT(g->n, 5);
	ASSERT_EQ_INT(g->r[0].nf, 5);
	ASSERT_EQ_STR(g->r[0].f[0], "客户名称");
	ASSERT_EQ_STR(g->r[1].f[0], "华为技术有限公司");
	ASSERT_EQ_STR(g->r[1].f[3], "广东省深圳市龙岗区坂田华为基地");
	ASSERT_EQ_STR(g->r[1].f[4], "战略客户,年采购额大");
	ASSERT_EQ_STR(g->r[2].f[0], "阿里巴巴（中国）有限公司");
	ASSERT_EQ_STR(g->r[2].f[4], "");
	ASSERT_EQ_STR(g->r[3].f[3], "深圳市南山区海天二路33号\n腾讯滨海大厦");
	ASSERT_EQ_STR(g->r[4].f[0], "北京字节跳动科技有限公司");
	ASSERT_EQ_INT(g->r[3].line, 4);
	ASSERT_EQ_INT(g->r[4].line, 6); /* the quoted newline took a line */
	for (size_t i = 0; i < 5; i++) {
		ASSERT_EQ_INT(g->r[i].nf, 5);
		ASSERT_EQ_INT(g->r[i].index, i);
	}
}

/* ---------------------------------------------------------------------------
 * Encoding detection and conversion
 * ------------------------------------------------------------------------- */

GX_TEST(enc_detect_boms_and_utf8)
{
	struct gx_enc_guess g;
	ASSERT_EQ_INT(gx_enc_detect("\xEF\xBB\xBF" "a,b", 6, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_UTF8);
	ASSERT_EQ_INT(g.bom_len, 3);
	ASSERT_EQ_INT(gx_enc_detect("\xFF\xFE" "a\0", 4, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_UTF16LE);
	ASSERT_EQ_INT(gx_enc_detect("\xFE\xFF\0a", 4, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_UTF16BE);
	ASSERT_EQ_INT(gx_enc_detect("\xFF\xFE\0\0", 4, true, &g), GX_EUNSUPPORTED);
	ASSERT_EQ_INT(gx_enc_detect("PK\003\004xxxx", 8, false, &g), GX_EUNSUPPORTED);
	ASSERT_EQ_INT(gx_enc_detect("plain,ascii\n", 12, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_UTF8);
	/* a UTF-8 character cut by the end of a sample is not held against it */
	ASSERT_EQ_INT(gx_enc_detect("名称,\xE5\x9C", 9, false, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_UTF8);
	ASSERT_EQ_INT(gx_enc_detect("", 0, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_UTF8);
}

GX_TEST(enc_detect_gbk_big5_cp1252)
{
	struct gx_enc_guess g;
	size_t n;
	char *b = encode("GBK", cn_text, &n);
	ASSERT_EQ_INT(gx_enc_detect(b, n, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_GB18030);
	ASSERT_TRUE(g.score_gb18030 > g.score_big5 + 300);
	ASSERT_TRUE(g.confidence >= 50);
	free(b);
	b = encode("BIG5", tw_text, &n);
	ASSERT_EQ_INT(gx_enc_detect(b, n, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_BIG5);
	ASSERT_TRUE(g.score_big5 > g.score_gb18030 + 300);
	ASSERT_TRUE(g.confidence >= 50);
	free(b);
	/* short Simplified and Traditional samples, names only */
	b = encode("GB18030", "张伟,上海市浦东新区\n", &n);
	ASSERT_EQ_INT(gx_enc_detect(b, n, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_GB18030);
	free(b);
	b = encode("BIG5", "陳怡君,臺北市大安區\n", &n);
	ASSERT_EQ_INT(gx_enc_detect(b, n, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_BIG5);
	free(b);
	b = encode("WINDOWS-1252", "name,city\nCrédito Inmobiliario,São Paulo\nPébéo,Gießen\n", &n);
	ASSERT_EQ_INT(gx_enc_detect(b, n, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_CP1252);
	free(b);
}

GX_TEST(enc_detect_utf16_without_bom)
{
	struct gx_enc_guess g;
	size_t n;
	char *b = encode("UTF-16LE", "客户名称\t电话\r\n华为\t0755\r\n", &n);
	ASSERT_EQ_INT(gx_enc_detect(b, n, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_UTF16LE);
	ASSERT_EQ_INT(g.bom_len, 0);
	free(b);
	b = encode("UTF-16BE", "name\tphone\r\n华为\t0755\r\n", &n);
	ASSERT_EQ_INT(gx_enc_detect(b, n, true, &g), 0);
	ASSERT_EQ_INT(g.enc, GX_ENC_UTF16BE);
	free(b);
	/* NULs everywhere, not on one parity: binary */
	unsigned char junk[512];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)((i * 37) % 5 == 0 ? 0 : (i * 131) % 251 + 1);
	ASSERT_EQ_INT(gx_enc_detect(junk, sizeof junk, true, &g), GX_EUNSUPPORTED);
}

GX_TEST(enc_names)
{
	enum gx_encoding e;
	ASSERT_EQ_INT(gx_enc_from_name("GBK", &e), 0);
	ASSERT_EQ_INT(e, GX_ENC_GB18030);
	ASSERT_EQ_INT(gx_enc_from_name("big5", &e), 0);
	ASSERT_EQ_INT(e, GX_ENC_BIG5);
	ASSERT_EQ_INT(gx_enc_from_name("UTF-16", &e), 0);
	ASSERT_EQ_INT(e, GX_ENC_UTF16LE);
	ASSERT_EQ_INT(gx_enc_from_name("klingon", &e), GX_EINVAL);
	ASSERT_EQ_STR(gx_enc_name(GX_ENC_GB18030), "GB18030");
}

struct conv_out {
	char buf[4096];
	size_t len;
	uint64_t bad[16];
	size_t nbad;
};

static int co_out(void *ud, const char *s, size_t n)
{
	struct conv_out *c = ud;
	ASSERT_TRUE(c->len + n < sizeof c->buf);
	ASSERT_EQ_INT(gx_enc_utf8_valid_prefix(s, n), n); /* whole characters only */
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

static int co_bad(void *ud, uint64_t off, size_t n)
{
	struct conv_out *c = ud;
	if (c->nbad < 16)
		c->bad[c->nbad] = off;
	c->nbad++;
	return 0;
}

/* Converts data with every split into pieces of `step` bytes. */
static void convert_steps(enum gx_encoding enc, const char *data, size_t n, size_t step,
			  struct conv_out *out)
{
	struct gx_enc_conv *c;
	memset(out, 0, sizeof *out);
	ASSERT_EQ_INT(gx_enc_conv_new(&c, enc, co_out, co_bad, out), 0);
	for (size_t i = 0; i < n; i += step)
		ASSERT_EQ_INT(gx_enc_conv_feed(c, data + i, n - i < step ? n - i : step), 0);
	ASSERT_EQ_INT(gx_enc_conv_finish(c), 0);
	ASSERT_EQ_INT(gx_enc_conv_offset(c), n);
	gx_enc_conv_free(c);
}

GX_TEST(enc_conv_streaming_split_sequences)
{
	static const struct {
		enum gx_encoding enc;
		const char *charset;
	} e[] = {
		{GX_ENC_GB18030, "GB18030"}, {GX_ENC_BIG5, "BIG5"}, {GX_ENC_UTF16LE, "UTF-16LE"},
		{GX_ENC_UTF16BE, "UTF-16BE"}, {GX_ENC_UTF8, "UTF-8"},
	};
	const char *text = "台北市信義區,上海华为 𠮷 end\n";
	const char *gbtext = "上海华为技术有限公司 𠮷 €\n"; /* 4-byte GB18030 forms too */
	for (size_t k = 0; k < sizeof e / sizeof e[0]; k++) {
		const char *t = e[k].enc == GX_ENC_GB18030 ? gbtext
				: e[k].enc == GX_ENC_BIG5   ? "台北市信義區,臺灣\n"
							    : text;
		size_t n;
		char *b = encode(e[k].charset, t, &n);
		for (size_t step = 1; step <= 7; step++) {
			struct conv_out out;
			convert_steps(e[k].enc, b, n, step, &out);
			ASSERT_EQ_INT(out.nbad, 0);
			ASSERT_EQ_STR(out.buf, t);
		}
		free(b);
	}
	/* the BOM is dropped, wherever the feed splits it */
	struct conv_out out;
	convert_steps(GX_ENC_UTF8, "\xEF\xBB\xBF" "abc", 6, 1, &out);
	ASSERT_EQ_STR(out.buf, "abc");
	convert_steps(GX_ENC_UTF16LE, "\xFF\xFE" "a\0", 4, 1, &out);
	ASSERT_EQ_STR(out.buf, "a");
}

GX_TEST(enc_conv_reports_invalid_offsets)
{
	struct conv_out out;
	/* UTF-8: a stray continuation byte at 3, a truncated sequence at the end */
	convert_steps(GX_ENC_UTF8, "abc\x80" "de\xE4\xB8", 8, 3, &out);
	ASSERT_EQ_STR(out.buf, "abcde");
	ASSERT_EQ_INT(out.nbad, 2);
	ASSERT_EQ_INT(out.bad[0], 3);
	ASSERT_EQ_INT(out.bad[1], 6);
	/* GBK: 0xFF is never valid */
	size_t n;
	char *b = encode("GBK", "华为", &n);
	char buf[32];
	memcpy(buf, b, n);
	buf[n] = (char)0xFF;
	memcpy(buf + n + 1, b, n);
	convert_steps(GX_ENC_GB18030, buf, 2 * n + 1, 2, &out);
	ASSERT_EQ_STR(out.buf, "华为华为");
	ASSERT_EQ_INT(out.nbad, 1);
	ASSERT_EQ_INT(out.bad[0], n);
	free(b);
	/* UTF-16LE: an odd trailing byte */
	convert_steps(GX_ENC_UTF16LE, "a\0b", 3, 1, &out);
	ASSERT_EQ_STR(out.buf, "a");
	ASSERT_EQ_INT(out.nbad, 1);
	ASSERT_EQ_INT(out.bad[0], 2);
	/* one-shot conversion with an arbitrary iconv charset */
	char *o;
	size_t ol, bad = 99;
	ASSERT_EQ_INT(gx_enc_convert_take("SHIFT_JIS", "\x88\xC0\x93\xA1", 4, &o, &ol, NULL), 0);
	ASSERT_EQ_STR(o, "安藤");
	free(o);
	ASSERT_EQ_INT(gx_enc_convert_take("GBK", "ab\xFF", 3, &o, &ol, &bad), GX_EINVAL);
	ASSERT_EQ_INT(bad, 2);
	ASSERT_EQ_INT(gx_enc_convert_take("NO-SUCH-CHARSET", "a", 1, &o, &ol, NULL),
		      GX_EUNSUPPORTED);
}

/* ---------------------------------------------------------------------------
 * CSV reader: encodings
 * ------------------------------------------------------------------------- */

/* Writes utf8 to name in charset (after bom), reads it back with the
 * encoding detected, and checks that encoding was found: the records. */
static struct got *read_encoded(const char *name, const char *charset, const char *bom,
				size_t bomlen, const char *utf8, enum gx_encoding want,
				struct gx_csv_info *info)
{
	struct got *g = got_new();
	const char *p = write_encoded(name, charset, bom, bomlen, utf8);
	ASSERT_EQ_INT(read_path(p, NULL, g, info), 0);
	ASSERT_EQ_INT(info->encoding, want);
	return g;
}

GX_TEST(csv_utf8_quotes_newlines_commas)
{
	struct got *g = got_new();
	struct gx_csv_info info;
	ASSERT_EQ_INT(read_mem(cn_text, strlen(cn_text), NULL, g, &info), 0);
	check_cn(g);
	ASSERT_EQ_INT(info.encoding, GX_ENC_UTF8);
	ASSERT_EQ_INT(info.delim, ',');
	ASSERT_EQ_INT(info.records, 5);
	ASSERT_EQ_INT(info.errors, 0);
	ASSERT_EQ_INT(info.lines, 6);
	got_free(g);
}

GX_TEST(csv_utf8_bom)
{
	struct gx_csv_info info;
	struct got *g = read_encoded("bom.csv", "UTF-8", "\xEF\xBB\xBF", 3, cn_text, GX_ENC_UTF8, &info);
	check_cn(g); /* the first header has no BOM left in it */
	got_free(g);
}

GX_TEST(csv_gbk_file)
{
	struct gx_csv_info info;
	struct got *g = read_encoded("gbk.csv", "GBK", NULL, 0, cn_text, GX_ENC_GB18030, &info);
	check_cn(g);
	got_free(g);
}

GX_TEST(csv_big5_file)
{
	struct gx_csv_info info;
	struct got *g = read_encoded("big5.csv", "BIG5", NULL, 0, tw_text, GX_ENC_BIG5, &info);
	ASSERT_EQ_INT(g->ne, 0);
	ASSERT_EQ_INT(g->n, 4);
	ASSERT_EQ_STR(g->r[0].f[0], "客戶名稱");
	ASSERT_EQ_STR(g->r[1].f[0], "台灣積體電路製造股份有限公司");
	ASSERT_EQ_STR(g->r[1].f[3], "新竹科學園區力行六路8號");
	ASSERT_EQ_STR(g->r[3].f[4], "重要客戶,請優先");
	ASSERT_EQ_STR(g->r[2].f[1], "林小明");
	got_free(g);
}

GX_TEST(csv_utf16le_unicode_text)
{
	/* Excel "Unicode text": UTF-16LE with BOM, tab-separated */
	const char *text = "客户名称\t电话\t城市\r\n"
			   "中国石油化工股份有限公司\t010-59960114\t北京\r\n"
			   "\"招商银行股份有限公司\"\t0755-83198888\t深圳\r\n";
	struct gx_csv_info info;
	struct got *g = read_encoded("u16.txt", "UTF-16LE", "\xFF\xFE", 2, text, GX_ENC_UTF16LE, &info);
	ASSERT_EQ_INT(info.delim, '\t');
	ASSERT_EQ_INT(g->ne, 0);
	ASSERT_EQ_INT(g->n, 3);
	ASSERT_EQ_STR(g->r[0].f[0], "客户名称");
	ASSERT_EQ_STR(g->r[1].f[0], "中国石油化工股份有限公司");
	ASSERT_EQ_STR(g->r[2].f[0], "招商银行股份有限公司");
	ASSERT_EQ_STR(g->r[2].f[2], "深圳");
	got_free(g);

	/* and without BOM, big-endian */
	g = read_encoded("u16be.txt", "UTF-16BE", NULL, 0, text, GX_ENC_UTF16BE, &info);
	ASSERT_EQ_INT(g->n, 3);
	ASSERT_EQ_STR(g->r[1].f[1], "010-59960114");
	got_free(g);
}

GX_TEST(csv_byte_at_a_time_matches_whole)
{
	/* feeding one byte at a time exercises every split of every sequence */
	static const char *const cs[] = {"UTF-8", "GBK", "UTF-16LE"};
	for (size_t k = 0; k < 3; k++) {
		size_t n;
		char *b = encode(cs[k], cn_text, &n);
		struct got *g = got_new();
		struct gx_csv_handler h = {on_rec, on_err, g};
		struct gx_csv_opts o = {.sniff_bytes = 40};
		struct gx_csv_reader *r;
		ASSERT_EQ_INT(gx_csv_reader_new(&r, &o, &h), 0);
		for (size_t i = 0; i < n; i++)
			ASSERT_EQ_INT(gx_csv_reader_feed(r, b + i, 1), 0);
		ASSERT_EQ_INT(gx_csv_reader_finish(r), 0);
		check_cn(g);
		gx_csv_reader_free(r);
		got_free(g);
		free(b);
	}
}

GX_TEST(csv_explicit_encoding_and_delimiter)
{
	size_t n;
	char *b = encode("GBK", "名称|电话\n华为|0755\n", &n);
	struct got *g = got_new();
	struct gx_csv_opts o = {.encoding = GX_ENC_GB18030, .delim = '|'};
	struct gx_csv_info info;
	ASSERT_EQ_INT(read_mem(b, n, &o, g, &info), 0);
	ASSERT_EQ_INT(info.enc_confidence, 100);
	ASSERT_EQ_INT(g->n, 2);
	ASSERT_EQ_STR(g->r[1].f[0], "华为");
	ASSERT_EQ_STR(g->r[1].f[1], "0755");
	got_free(g);
	free(b);
	struct gx_csv_reader *r;
	struct gx_csv_handler h = {on_rec, NULL, NULL};
	o.delim = 'x';
	ASSERT_EQ_INT(gx_csv_reader_new(&r, &o, &h), GX_EINVAL);
}

/* ---------------------------------------------------------------------------
 * CSV reader: delimiters
 * ------------------------------------------------------------------------- */

GX_TEST(csv_semicolon_and_tab)
{
	const char *semi = "Name;Amount;City\n\"Müller; GmbH\";1,5;Köln\nDupont;2,75;\"Paris, 8e\"\n";
	struct got *g = got_new();
	struct gx_csv_info info;
	ASSERT_EQ_INT(read_mem(semi, strlen(semi), NULL, g, &info), 0);
	ASSERT_EQ_INT(info.delim, ';');
	ASSERT_EQ_INT(g->n, 3);
	ASSERT_EQ_STR(g->r[1].f[0], "Müller; GmbH");
	ASSERT_EQ_STR(g->r[1].f[1], "1,5");
	ASSERT_EQ_STR(g->r[2].f[2], "Paris, 8e");
	got_free(g);

	const char *tab = "客户名称\t地址\t备注\n华为\t深圳市龙岗区, 坂田\t\"含,逗号\"\n腾讯\t深圳市南山区\t\n";
	g = got_new();
	ASSERT_EQ_INT(read_mem(tab, strlen(tab), NULL, g, &info), 0);
	ASSERT_EQ_INT(info.delim, '\t');
	ASSERT_EQ_INT(g->n, 3);
	ASSERT_EQ_STR(g->r[1].f[1], "深圳市龙岗区, 坂田");
	ASSERT_EQ_STR(g->r[1].f[2], "含,逗号");
	ASSERT_EQ_STR(g->r[2].f[2], "");
	got_free(g);

	char d;
	gx_csv_detect_delim("a,b,c\n1,2,3\n", 12, true, false, &d);
	ASSERT_EQ_INT(d, ',');
	/* delimiters inside quotes do not count */
	gx_csv_detect_delim("\"a;b;c\",d\n\"1;2\",3\n", 18, true, false, &d);
	ASSERT_EQ_INT(d, ',');
	gx_csv_detect_delim("single column\nvalue\n", 20, true, false, &d);
	ASSERT_EQ_INT(d, ',');
	gx_csv_detect_delim("a\tb,c\n", 6, true, true, &d);
	ASSERT_EQ_INT(d, '\t');
}

/* ---------------------------------------------------------------------------
 * CSV reader: broken input and limits
 * ------------------------------------------------------------------------- */

GX_TEST(csv_truncated_quote_at_eof)
{
	const char *t = "name,notes\n华为,ok\n腾讯,\"unterminated\nquote runs to the end";
	struct got *g = got_new();
	ASSERT_EQ_INT(read_mem(t, strlen(t), NULL, g, NULL), 0);
	ASSERT_EQ_INT(g->n, 2);
	ASSERT_EQ_INT(g->ne, 1);
	ASSERT_EQ_INT(g->e[0].kind, GX_CSV_ROW_QUOTE);
	ASSERT_EQ_INT(g->e[0].line, 3);
	ASSERT_EQ_INT(g->e[0].index, 2);
	got_free(g);
	/* a closed quote at EOF without a line end is fine */
	const char *ok = "a,b\n1,\"x\"";
	g = got_new();
	ASSERT_EQ_INT(read_mem(ok, strlen(ok), NULL, g, NULL), 0);
	ASSERT_EQ_INT(g->ne, 0);
	ASSERT_EQ_INT(g->n, 2);
	ASSERT_EQ_STR(g->r[1].f[1], "x");
	got_free(g);
}

GX_TEST(csv_nul_bytes)
{
	/* a text file with junk in one row: that row is an error */
	const char t[] = "name,phone\n华为,0755\nbad\0row,1\n腾讯,0755\n";
	struct got *g = got_new();
	ASSERT_EQ_INT(read_mem(t, sizeof t - 1, NULL, g, NULL), 0);
	ASSERT_EQ_INT(g->n, 3);
	ASSERT_EQ_INT(g->ne, 1);
	ASSERT_EQ_INT(g->e[0].kind, GX_CSV_ROW_NUL);
	ASSERT_EQ_INT(g->e[0].line, 3);
	ASSERT_EQ_STR(g->r[2].f[0], "腾讯");
	ASSERT_EQ_INT(g->r[2].line, 4);
	got_free(g);
	/* a binary file is refused whole */
	unsigned char junk[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 24);
		if (i % 7 == 0)
			junk[i] = 0;
	}
	const char *p = tmpfile_path("junk.csv");
	write_file(p, junk, sizeof junk);
	g = got_new();
	ASSERT_EQ_INT(read_path(p, NULL, g, NULL), GX_EUNSUPPORTED);
	ASSERT_EQ_INT(g->n, 0);
	got_free(g);
	/* an .xlsx renamed .csv too */
	g = got_new();
	ASSERT_EQ_INT(read_mem("PK\003\004\024\0\006\0", 8, NULL, g, NULL), GX_EUNSUPPORTED);
	got_free(g);
}

GX_TEST(csv_invalid_encoding_row)
{
	/* GBK file with one corrupt byte: that row is reported with its offset */
	size_t n1, n2;
	char *a = encode("GBK", "名称,电话\n华为,0755\n", &n1);
	char *b = encode("GBK", "腾讯,0755\n字节跳动,010\n", &n2);
	char *all = malloc(n1 + n2 + 8);
	memcpy(all, a, n1);
	memcpy(all + n1, "bad\xFF,1\n", 7);
	memcpy(all + n1 + 7, b, n2);
	struct got *g = got_new();
	struct gx_csv_opts o = {.encoding = GX_ENC_GB18030};
	ASSERT_EQ_INT(read_mem(all, n1 + n2 + 7, &o, g, NULL), 0);
	ASSERT_EQ_INT(g->n, 4);
	ASSERT_EQ_INT(g->ne, 1);
	ASSERT_EQ_INT(g->e[0].kind, GX_CSV_ROW_ENCODING);
	ASSERT_EQ_INT(g->e[0].line, 3);
	ASSERT_EQ_INT(g->e[0].offset, n1 + 3);
	ASSERT_EQ_STR(g->r[2].f[0], "腾讯");
	ASSERT_EQ_INT(g->r[2].line, 4);
	got_free(g);
	/* a bad byte alone on its line still makes a row error on that line */
	memcpy(all + n1, "\xFF\n", 2);
	g = got_new();
	ASSERT_EQ_INT(read_mem(all, n1 + 2, &o, g, NULL), 0);
	ASSERT_EQ_INT(g->ne, 1);
	ASSERT_EQ_INT(g->e[0].line, 3);
	got_free(g);
	free(a);
	free(b);
	free(all);
}

GX_TEST(csv_column_and_record_limits)
{
	struct got *g = got_new();
	const char *t = "a,b,c\n1,2,3,4,5\nx,y\n";
	struct gx_csv_opts o = {.max_columns = 3};
	ASSERT_EQ_INT(read_mem(t, strlen(t), &o, g, NULL), 0);
	ASSERT_EQ_INT(g->n, 2);
	ASSERT_EQ_INT(g->ne, 1);
	ASSERT_EQ_INT(g->e[0].kind, GX_CSV_ROW_COLUMNS);
	ASSERT_EQ_INT(g->e[0].line, 2);
	got_free(g);

	/* many small fields over max_record, and a quoted field with newlines
	 * over max_field: both rows go, the line count stays right */
	char buf[4096];
	size_t k = (size_t)snprintf(buf, sizeof buf, "h1,h2\n");
	for (int i = 0; i < 60; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "abcdefghij,");
	k += (size_t)snprintf(buf + k, sizeof buf - k, "end\n\"");
	for (int i = 0; i < 30; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "line %02d of a long quoted cell\n", i);
	k += (size_t)snprintf(buf + k, sizeof buf - k, "\",x\nlast,row\n");
	g = got_new();
	o = (struct gx_csv_opts){.max_record = 400, .max_field = 300};
	ASSERT_EQ_INT(read_mem(buf, k, &o, g, NULL), 0);
	ASSERT_EQ_INT(g->ne, 2);
	ASSERT_EQ_INT(g->e[0].kind, GX_CSV_ROW_TOO_BIG);
	ASSERT_EQ_INT(g->e[0].line, 2);
	ASSERT_EQ_INT(g->e[1].kind, GX_CSV_ROW_TOO_BIG);
	ASSERT_EQ_INT(g->e[1].line, 3);
	ASSERT_EQ_INT(g->n, 2);
	ASSERT_EQ_STR(g->r[1].f[0], "last");
	ASSERT_EQ_INT(g->r[1].line, 34);
	got_free(g);
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

GX_TEST(csv_huge_record_bounded_memory)
{
	/* a 50 MB line between two good rows, and a 20 MB quoted field that
	 * spans lines: both are reported and skipped, and memory stays near
	 * the 1 MiB limit instead of growing with the line */
	const char *p = tmpfile_path("huge.csv");
	FILE *f = fopen(p, "wb");
	ASSERT_TRUE(f);
	fputs("客户名称,备注\n华为,first\n", f);
	size_t chunk = 1 << 20;
	char *blk = malloc(chunk);
	ASSERT_TRUE(blk);
	memset(blk, 'x', chunk);
	for (int i = 0; i < 50; i++)
		ASSERT_EQ_INT(fwrite(blk, 1, chunk, f), chunk);
	fputs(",tail\n腾讯,\"", f);
	for (size_t i = 0; i < chunk; i += 1000)
		blk[i] = '\n';
	for (int i = 0; i < 20; i++)
		ASSERT_EQ_INT(fwrite(blk, 1, chunk, f), chunk);
	fputs("\",after\n字节跳动,last\n", f);
	ASSERT_EQ_INT(fclose(f), 0);
	free(blk);

	long before = maxrss_kb();
	struct got *g = got_new();
	struct gx_csv_info info;
	ASSERT_EQ_INT(read_path(p, NULL, g, &info), 0);
	long grew_kb = maxrss_kb() - before;
	ASSERT_EQ_INT(g->ne, 2);
	ASSERT_EQ_INT(g->e[0].kind, GX_CSV_ROW_TOO_BIG);
	ASSERT_EQ_INT(g->e[0].line, 3);
	ASSERT_EQ_INT(g->e[1].kind, GX_CSV_ROW_TOO_BIG);
	ASSERT_EQ_INT(g->e[1].line, 4);
	ASSERT_EQ_INT(g->n, 3);
	ASSERT_EQ_STR(g->r[2].f[0], "字节跳动");
	ASSERT_EQ_INT(g->r[2].line, 5 + 20 * ((chunk + 999) / 1000));
	ASSERT_TRUE(info.peak_memory < 4u * 1024 * 1024);
	if (grew_kb > 32 * 1024)
		GX_FAIL("resident memory grew by %ld KiB reading a 70 MB file", grew_kb);
	got_free(g);
}

GX_TEST(csv_callback_stops_read)
{
	struct got *g = got_new();
	g->stop_after = 2;
	ASSERT_EQ_INT(read_mem(cn_text, strlen(cn_text), NULL, g, NULL), GX_ECONFLICT);
	ASSERT_EQ_INT(g->n, 2);
	got_free(g);
}

GX_TEST(csv_blank_lines_and_line_endings)
{
	const char *t = "a,b\r\n\r\n1,2\r\n   \n,\r3,4\n";
	struct got *g = got_new();
	ASSERT_EQ_INT(read_mem(t, strlen(t), NULL, g, NULL), 0);
	ASSERT_EQ_INT(g->n, 4);
	ASSERT_EQ_INT(g->r[1].line, 3);
	ASSERT_EQ_INT(g->r[2].line, 5); /* "," — two empty fields */
	ASSERT_EQ_INT(g->r[2].nf, 2);
	ASSERT_EQ_INT(g->r[3].line, 6); /* after a lone CR */
	ASSERT_EQ_STR(g->r[3].f[1], "4");
	got_free(g);
}

/* ---------------------------------------------------------------------------
 * Header mapping
 * ------------------------------------------------------------------------- */

static struct gx_csvmap *map_of(enum gx_csvmap_target t, const char *const *h, size_t n,
				const struct gx_csvmap_rule *rules, size_t nrules, int want_rc)
{
	struct gx_csv_field f[64];
	for (size_t i = 0; i < n; i++)
		f[i] = (struct gx_csv_field){h[i], strlen(h[i])};
	struct gx_csvmap *m = NULL;
	ASSERT_EQ_INT(gx_csvmap_build(&m, t, f, n, rules, nrules), want_rc);
	return m;
}

static const char *field_at(const struct gx_csvmap *m, size_t i)
{
	return m->cols[i].field ? m->cols[i].field : "(none)";
}

GX_TEST(csvmap_normalize)
{
	char k[64];
	size_t n;
	const char *h = "\xEF\xBB\xBF Billing_Street ";
	ASSERT_EQ_INT(gx_csvmap_normalize(h, strlen(h), k, sizeof k, &n), 0);
	ASSERT_EQ_STR(k, "billingstreet");
	h = "＊客户名称：";
	ASSERT_EQ_INT(gx_csvmap_normalize(h, strlen(h), k, sizeof k, NULL), 0);
	ASSERT_EQ_STR(k, "客户名称");
	h = "Ｅ－ｍａｉｌ";
	ASSERT_EQ_INT(gx_csvmap_normalize(h, strlen(h), k, sizeof k, NULL), 0);
	ASSERT_EQ_STR(k, "email");
	h = "State / Region";
	ASSERT_EQ_INT(gx_csvmap_normalize(h, strlen(h), k, sizeof k, NULL), 0);
	ASSERT_EQ_STR(k, "state/region");
	ASSERT_EQ_INT(gx_csvmap_normalize("abcdef", 6, k, 4, NULL), GX_ETOOBIG);
	ASSERT_EQ_STR(gx_csvmap_lookup(GX_CSVMAP_CUSTOMER, "客戶名稱"), "name");
	ASSERT_EQ_STR(gx_csvmap_lookup(GX_CSVMAP_CONTACT, "客戶名稱"), "customer_name");
	ASSERT_TRUE(gx_csvmap_lookup(GX_CSVMAP_CUSTOMER, "职位") == NULL);
}

GX_TEST(csvmap_chinese_headers)
{
	const char *simp[] = {"客户编号", "客户名称", "联系人", "手机", "电话", "邮箱", "地址",
			      "城市", "省份", "邮编", "网站", "行业", "备注", "税号", "开户行",
			      "银行账号", "信用额度", "付款条件", "客户类型", "来源", "生日"};
	struct gx_csvmap *m = map_of(GX_CSVMAP_CUSTOMER, simp, 21, NULL, 0, 0);
	const char *want[] = {"code", "name", "(none)", "mobile", "phone", "email", "address",
			      "city", "province", "postcode", "website", "industry", "notes",
			      "tax_id", "bank_account", "bank_account", "credit_limit",
			      "payment_terms", "type", "source", "(none)"};
	for (size_t i = 0; i < 21; i++)
		ASSERT_EQ_STR(field_at(m, i), want[i]);
	ASSERT_EQ_INT(m->nambiguous, 0);
	ASSERT_EQ_INT(m->cols[2].status, GX_CSVMAP_UNMAPPED);
	gx_csvmap_free(m);

	const char *trad[] = {"客戶名稱", "聯絡人", "職稱", "手機", "電子郵件", "郵遞區號",
			      "網站", "行業", "備註", "統一編號", "生日"};
	m = map_of(GX_CSVMAP_CONTACT, trad, 11, NULL, 0, 0);
	const char *want2[] = {"customer_name", "name", "title", "mobile", "email", "(none)",
			       "(none)", "(none)", "notes", "(none)", "birthday"};
	for (size_t i = 0; i < 11; i++)
		ASSERT_EQ_STR(field_at(m, i), want2[i]);
	gx_csvmap_free(m);
	m = map_of(GX_CSVMAP_CUSTOMER, trad, 11, NULL, 0, 0);
	ASSERT_EQ_STR(field_at(m, 0), "name");
	ASSERT_EQ_STR(field_at(m, 5), "postcode");
	ASSERT_EQ_STR(field_at(m, 9), "tax_id");
	ASSERT_EQ_INT(m->source, GX_CSVMAP_SRC_GENERIC);
	gx_csvmap_free(m);
}

GX_TEST(csvmap_duplicates_and_ambiguity)
{
	const char *h[] = {"名称", "电话", "客户名称", "电话 ", "联系电话", "备注", "说明", ""};
	struct gx_csvmap *m = map_of(GX_CSVMAP_CUSTOMER, h, 8, NULL, 0, 0);
	/* 客户名称 is a stronger synonym than the generic 名称 */
	ASSERT_EQ_STR(field_at(m, 2), "name");
	ASSERT_EQ_INT(m->cols[0].status, GX_CSVMAP_AMBIGUOUS);
	ASSERT_EQ_INT(m->cols[0].conflict, 2);
	ASSERT_EQ_STR(field_at(m, 1), "phone");
	ASSERT_EQ_INT(m->cols[3].status, GX_CSVMAP_DUPLICATE);
	ASSERT_EQ_INT(m->cols[3].conflict, 1);
	ASSERT_EQ_INT(m->cols[4].status, GX_CSVMAP_AMBIGUOUS);
	ASSERT_EQ_INT(m->cols[4].conflict, 1);
	/* notes takes several columns */
	ASSERT_EQ_STR(field_at(m, 5), "notes");
	ASSERT_EQ_STR(field_at(m, 6), "notes");
	ASSERT_EQ_INT(m->cols[7].status, GX_CSVMAP_EMPTY);
	ASSERT_EQ_INT(m->nduplicate, 1);
	ASSERT_EQ_INT(m->nambiguous, 2);
	ASSERT_EQ_INT(gx_csvmap_column(m, "phone"), 1);
	gx_csvmap_free(m);
}

GX_TEST(csvmap_explicit_rules)
{
	const char *h[] = {"公司", "Tel", "Custom 1", "手机", "电话"};
	struct gx_csvmap_rule rules[] = {
		{-1, "custom_1", "tags"},  /* by header, compared normalised */
		{4, NULL, "mobile"},       /* by column: beats the synonym of 手机 */
		{-1, "手机", NULL},         /* leave out */
	};
	struct gx_csvmap *m = map_of(GX_CSVMAP_CUSTOMER, h, 5, rules, 3, 0);
	ASSERT_EQ_STR(field_at(m, 0), "name");
	ASSERT_EQ_STR(field_at(m, 1), "phone");
	ASSERT_EQ_STR(field_at(m, 2), "tags");
	ASSERT_EQ_INT(m->cols[2].status, GX_CSVMAP_EXPLICIT);
	ASSERT_EQ_INT(m->cols[3].status, GX_CSVMAP_IGNORED);
	ASSERT_EQ_STR(field_at(m, 4), "mobile");
	gx_csvmap_free(m);
	struct gx_csvmap_rule bad_field[] = {{0, NULL, "no_such_field"}};
	ASSERT_TRUE(map_of(GX_CSVMAP_CUSTOMER, h, 5, bad_field, 1, GX_EINVAL) == NULL);
	struct gx_csvmap_rule bad_col[] = {{9, NULL, "name"}};
	ASSERT_TRUE(map_of(GX_CSVMAP_CUSTOMER, h, 5, bad_col, 1, GX_EINVAL) == NULL);
	struct gx_csvmap_rule twice[] = {{0, NULL, "name"}, {2, NULL, "name"}};
	ASSERT_TRUE(map_of(GX_CSVMAP_CUSTOMER, h, 5, twice, 2, GX_ECONFLICT) == NULL);
	/* an explicit mapping wins over a synonym on the same field */
	struct gx_csvmap_rule over[] = {{2, NULL, "phone"}};
	m = map_of(GX_CSVMAP_CUSTOMER, h, 5, over, 1, 0);
	ASSERT_EQ_STR(field_at(m, 2), "phone");
	ASSERT_EQ_INT(m->cols[1].status, GX_CSVMAP_AMBIGUOUS);
	ASSERT_EQ_INT(m->cols[1].conflict, 2);
	gx_csvmap_free(m);
}

GX_TEST(csvmap_hubspot_and_salesforce_labels)
{
	const char *hs[] = {"Record ID", "Company name", "Company owner", "Create Date",
			    "Phone Number", "Last Activity Date", "City", "Country/Region",
			    "Industry", "State/Region", "Website URL"};
	struct gx_csvmap *m = map_of(GX_CSVMAP_CUSTOMER, hs, 11, NULL, 0, 0);
	const char *want[] = {"code", "name", "(none)", "(none)", "phone", "(none)", "city",
			      "country", "industry", "province", "website"};
	for (size_t i = 0; i < 11; i++)
		ASSERT_EQ_STR(field_at(m, i), want[i]);
	ASSERT_EQ_INT(m->source, GX_CSVMAP_SRC_HUBSPOT);
	gx_csvmap_free(m);

	const char *hsc[] = {"Record ID", "First Name", "Last Name", "Email", "Phone Number",
			     "Mobile Phone Number", "Job Title", "Associated Company",
			     "Primary Associated Company ID"};
	m = map_of(GX_CSVMAP_CONTACT, hsc, 9, NULL, 0, 0);
	const char *want2[] = {"(none)", "first_name", "last_name", "email", "phone", "mobile",
			       "title", "customer_name", "customer_code"};
	for (size_t i = 0; i < 9; i++)
		ASSERT_EQ_STR(field_at(m, i), want2[i]);
	gx_csvmap_free(m);

	/* Salesforce report labels and Contact API names */
	const char *sf[] = {"Account Name", "Billing Street", "Billing City",
			    "Billing State/Province", "Billing Zip/Postal Code", "Billing Country",
			    "Account Number", "Type", "Description"};
	m = map_of(GX_CSVMAP_CUSTOMER, sf, 9, NULL, 0, 0);
	const char *want3[] = {"name", "address", "city", "province", "postcode", "country",
			       "code", "type", "notes"};
	for (size_t i = 0; i < 9; i++)
		ASSERT_EQ_STR(field_at(m, i), want3[i]);
	ASSERT_EQ_INT(m->source, GX_CSVMAP_SRC_SALESFORCE);
	gx_csvmap_free(m);
	const char *sfc[] = {"AccountId", "FirstName", "LastName", "Title", "Phone",
			     "MobilePhone", "Email", "Birthdate", "Account.Name"};
	m = map_of(GX_CSVMAP_CONTACT, sfc, 9, NULL, 0, 0);
	const char *want4[] = {"customer_code", "first_name", "last_name", "title", "phone",
			       "mobile", "email", "birthday", "customer_name"};
	for (size_t i = 0; i < 9; i++)
		ASSERT_EQ_STR(field_at(m, i), want4[i]);
	gx_csvmap_free(m);
}

/* ---------------------------------------------------------------------------
 * Real exports
 * ------------------------------------------------------------------------- */

static const char *interop(const char *rel)
{
	static char path[1024];
	const char *d = gx_test_data_dir();
	if (!d)
		GX_FAIL("shared data folder not found (set GX_SHARED_DATA)");
	snprintf(path, sizeof path, "%s/interop/%s", d, rel);
	return path;
}

GX_TEST(csv_real_salesforce_accounts)
{
	struct got *g = got_new();
	struct gx_csv_info info;
	ASSERT_EQ_INT(read_path(interop("salesforce/sf_dataloader_account_export.csv"), NULL, g,
				&info),
		      0);
	ASSERT_EQ_INT(info.encoding, GX_ENC_CP1252);
	ASSERT_EQ_INT(info.delim, ',');
	ASSERT_EQ_INT(g->ne, 0);
	ASSERT_EQ_INT(g->n, 424); /* header + 423 accounts */
	int found_credito = 0, found_degree = 0, found_japanese = 0;
	for (size_t i = 0; i < g->n; i++) {
		ASSERT_EQ_INT(g->r[i].nf, 38);
		ASSERT_EQ_INT(g->r[i].line, i + 1);
		if (strcmp(g->r[i].f[3], "Crédito Inmobiliario Terras") == 0)
			found_credito = 1;
		if (strstr(g->r[i].f[6], "26 5º"))
			found_degree = 1;
		if (strstr(g->r[i].f[3], "?????"))
			found_japanese = 1;
	}
	ASSERT_TRUE(found_credito);
	ASSERT_TRUE(found_degree);
	ASSERT_TRUE(found_japanese);

	struct gx_csv_field hdr[38];
	for (size_t i = 0; i < 38; i++)
		hdr[i] = (struct gx_csv_field){g->r[0].f[i], strlen(g->r[0].f[i])};
	struct gx_csvmap *m;
	ASSERT_EQ_INT(gx_csvmap_build(&m, GX_CSVMAP_CUSTOMER, hdr, 38, NULL, 0), 0);
	ASSERT_EQ_INT(m->source, GX_CSVMAP_SRC_SALESFORCE);
	ASSERT_EQ_INT(gx_csvmap_column(m, "name"), 3);
	ASSERT_EQ_INT(gx_csvmap_column(m, "type"), 4);
	ASSERT_EQ_INT(gx_csvmap_column(m, "address"), 6);
	ASSERT_EQ_INT(gx_csvmap_column(m, "city"), 7);
	ASSERT_EQ_INT(gx_csvmap_column(m, "province"), 8);
	ASSERT_EQ_INT(gx_csvmap_column(m, "postcode"), 9);
	ASSERT_EQ_INT(gx_csvmap_column(m, "country"), 10);
	ASSERT_EQ_INT(gx_csvmap_column(m, "phone"), 16);
	ASSERT_EQ_INT(gx_csvmap_column(m, "code"), 18); /* ACCOUNTNUMBER beats ID */
	ASSERT_EQ_INT(m->cols[0].status, GX_CSVMAP_AMBIGUOUS);
	ASSERT_EQ_INT(gx_csvmap_column(m, "website"), 19);
	ASSERT_EQ_INT(gx_csvmap_column(m, "industry"), 21);
	ASSERT_EQ_INT(gx_csvmap_column(m, "notes"), 26);
	ASSERT_EQ_INT(m->cols[11].status, GX_CSVMAP_UNMAPPED); /* SHIPPINGSTREET */
	ASSERT_EQ_INT(m->nduplicate, 0);
	gx_csvmap_free(m);
	got_free(g);
}

GX_TEST(csv_real_salesforce_opportunities)
{
	struct got *g = got_new();
	struct gx_csv_info info;
	ASSERT_EQ_INT(read_path(interop("salesforce/sf_dataloader_opportunity_export.csv"), NULL,
				g, &info),
		      0);
	ASSERT_EQ_INT(info.encoding, GX_ENC_UTF8);
	ASSERT_EQ_INT(g->ne, 0);
	ASSERT_EQ_INT(g->n, 39);
	ASSERT_EQ_STR(g->r[0].f[2], "ACCOUNTID");
	ASSERT_EQ_STR(g->r[1].f[3], "George Foundation - 5000 Widgets");
	ASSERT_EQ_STR(g->r[1].f[5], "Closed Won");
	for (size_t i = 0; i < g->n; i++)
		ASSERT_EQ_INT(g->r[i].nf, 31);
	got_free(g);
}

struct failing_src {
	const char *data;
	size_t len, calls;
};

static int failing_source(void *ud, void *buf, size_t cap, size_t *got)
{
	struct failing_src *s = ud;
	if (s->calls++ > 0)
		return GX_EIO;
	*got = s->len < cap ? s->len : cap;
	memcpy(buf, s->data, *got);
	return 0;
}

GX_TEST(csv_source_error_and_wrong_encoding)
{
	/* a source failing after the first chunk: its code comes back */
	struct failing_src fs = {cn_text, strlen(cn_text), 0};
	struct got *g = got_new();
	struct gx_csv_handler h = {on_rec, on_err, g};
	ASSERT_EQ_INT(gx_csv_read(failing_source, &fs, NULL, &h, NULL), GX_EIO);
	got_free(g);
	/* a GBK file read as UTF-8 by the user's choice: every row with Chinese
	 * text is an encoding error, none is delivered as mojibake */
	size_t n;
	char *b = encode("GBK", cn_text, &n);
	g = got_new();
	struct gx_csv_opts o = {.encoding = GX_ENC_UTF8};
	ASSERT_EQ_INT(read_mem(b, n, &o, g, NULL), 0);
	ASSERT_EQ_INT(g->n, 0);
	ASSERT_EQ_INT(g->ne, 5);
	ASSERT_EQ_INT(g->e[0].kind, GX_CSV_ROW_ENCODING);
	ASSERT_EQ_INT(g->e[0].offset, 0);
	ASSERT_EQ_INT(g->e[4].line, 6);
	got_free(g);
	free(b);
}
