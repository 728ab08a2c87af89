/* test_vcard.c — tests of src/io/vcard: the real Apple, Google, Outlook,
 * Android and Japanese cards, CJK names, charsets, quoted-printable, escapes,
 * huge photos, dates, and the 3.0/4.0 writer (folding, round trips). */
#include "gx_test.h"

#include "core/err.h"
#include "io/encoding.h"
#include "io/vcard.h"

#include <iconv.h>
#include <sys/resource.h>

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

#define MAXCARDS 16

struct cards {
	struct gx_vcard c[MAXCARDS];
	size_t n;
	size_t nerr;
	char errprop[8][48];
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static struct gx_vcard_value *dup_values(const struct gx_vcard_value *v, size_t n)
{
	struct gx_vcard_value *d = calloc(n ? n : 1, sizeof *d);
	for (size_t i = 0; i < n; i++) {
		d[i].value = dup_or_null(v[i].value);
		d[i].types = v[i].types;
	}
	return d;
}

static void copy_card(struct gx_vcard *d, const struct gx_vcard *s)
{
	*d = *s;
	d->fn = dup_or_null(s->fn);
	d->family = dup_or_null(s->family);
	d->given = dup_or_null(s->given);
	d->additional = dup_or_null(s->additional);
	d->prefix = dup_or_null(s->prefix);
	d->suffix = dup_or_null(s->suffix);
	d->org = dup_or_null(s->org);
	d->org_unit = dup_or_null(s->org_unit);
	d->title = dup_or_null(s->title);
	d->bday = dup_or_null(s->bday);
	d->note = dup_or_null(s->note);
	d->uid = dup_or_null(s->uid);
	d->tel = dup_values(s->tel, s->ntel);
	d->email = dup_values(s->email, s->nemail);
	d->url = dup_values(s->url, s->nurl);
	d->adr = calloc(s->nadr ? s->nadr : 1, sizeof *d->adr);
	for (size_t i = 0; i < s->nadr; i++) {
		const struct gx_vcard_adr *a = &s->adr[i];
		d->adr[i] = (struct gx_vcard_adr){
			dup_or_null(a->po_box),   dup_or_null(a->extended), dup_or_null(a->street),
			dup_or_null(a->locality), dup_or_null(a->region),   dup_or_null(a->postcode),
			dup_or_null(a->country),  a->types};
	}
}

static int on_card(void *ud, const struct gx_vcard *c)
{
	struct cards *k = ud;
	if (k->n < MAXCARDS)
		copy_card(&k->c[k->n], c);
	k->n++;
	return 0;
}

static int on_error(void *ud, const struct gx_vcard_error *e)
{
	struct cards *k = ud;
	if (k->nerr < 8)
		snprintf(k->errprop[k->nerr], sizeof k->errprop[0], "%s", e->property);
	k->nerr++;
	ASSERT_TRUE(e->message && *e->message);
	return 0;
}

static struct cards *cards_new(void)
{
	struct cards *k = calloc(1, sizeof *k);
	ASSERT_TRUE(k);
	return k;
}

static void cards_free(struct cards *k)
{
	for (size_t i = 0; i < k->n && i < MAXCARDS; i++)
		gx_vcard_clear(&k->c[i]);
	free(k);
}

static struct cards *parse(const char *s, size_t n, const struct gx_vcard_opts *o)
{
	struct cards *k = cards_new();
	struct gx_vcard_handler h = {on_card, on_error, k};
	uint64_t count = 0;
	ASSERT_EQ_INT(gx_vcard_parse_mem(s, n, o, &h, &count), 0);
	ASSERT_EQ_INT(count, k->n);
	return k;
}

static struct cards *parse_str(const char *s)
{
	return parse(s, strlen(s), NULL);
}

static struct cards *parse_real(const char *name, size_t want_cards)
{
	char path[1024];
	const char *d = gx_test_data_dir();
	if (!d)
		GX_FAIL("shared data folder not found (set GX_SHARED_DATA)");
	snprintf(path, sizeof path, "%s/interop/vcard/%s", d, name);
	struct cards *k = cards_new();
	struct gx_vcard_handler h = {on_card, on_error, k};
	ASSERT_EQ_INT(gx_vcard_parse_file(path, NULL, &h, NULL), 0);
	ASSERT_EQ_INT(k->n, want_cards);
	return k;
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

/* ---------------------------------------------------------------------------
 * Real cards
 * ------------------------------------------------------------------------- */

GX_TEST(vcard_real_gmail)
{
	struct cards *k = parse_real("ezvcard_John_Doe_GMAIL.vcf", 1);
	struct gx_vcard *c = &k->c[0];
	ASSERT_EQ_INT(c->version, 30);
	ASSERT_EQ_STR(c->fn, "Mr. John Richter, James Doe Sr.");
	ASSERT_EQ_STR(c->family, "Doe");
	ASSERT_EQ_STR(c->given, "John");
	ASSERT_EQ_STR(c->additional, "Richter, James"); /* escaped comma */
	ASSERT_EQ_STR(c->prefix, "Mr.");
	ASSERT_EQ_STR(c->org, "IBM");
	ASSERT_EQ_STR(c->title, "Money Counter");
	ASSERT_EQ_STR(c->bday, "1980-03-22");
	ASSERT_EQ_INT(c->ntel, 2);
	ASSERT_EQ_STR(c->tel[0].value, "905-555-1234");
	ASSERT_EQ_INT(c->tel[0].types, GX_VCARD_CELL);
	ASSERT_EQ_STR(c->email[0].value, "john.doe@ibm.com");
	ASSERT_EQ_INT(c->email[0].types, GX_VCARD_INTERNET | GX_VCARD_HOME);
	ASSERT_EQ_STR(c->url[0].value, "http://www.ibm.com"); /* "http\://" */
	ASSERT_EQ_INT(c->nadr, 1);
	ASSERT_EQ_STR(c->adr[0].extended,
		      "Crescent moon drive\n555-asd\nNice Area, Albaney, New York 12345\n"
		      "United States of America");
	ASSERT_TRUE(strstr(c->note, "CONTRIBUTORS \"AS IS\" AND"));
	ASSERT_TRUE(strstr(c->note, "SERVICES; LOSS OF USE, DATA, OR PROFITS;"));
	ASSERT_TRUE(strstr(c->note, "DAMAGE.\nFavotire Color: Blue"));
	ASSERT_TRUE(c->skipped >= 4); /* X-PHONETIC-*, X-ABDATE, X-ABLabel ... */
	ASSERT_EQ_INT(k->nerr, 0);
	cards_free(k);
}

GX_TEST(vcard_real_iphone_photo_skipped)
{
	struct cards *k = parse_real("ezvcard_John_Doe_IPHONE.vcf", 1);
	struct gx_vcard *c = &k->c[0];
	ASSERT_EQ_STR(c->fn, "Mr. John Richter James Doe Sr.");
	ASSERT_EQ_STR(c->org, "IBM");
	ASSERT_EQ_STR(c->org_unit, "Accounting");
	ASSERT_EQ_INT(c->ntel, 7);
	ASSERT_EQ_INT(c->tel[0].types, GX_VCARD_CELL | GX_VCARD_VOICE | GX_VCARD_PREF);
	ASSERT_EQ_INT(c->tel[3].types, GX_VCARD_HOME | GX_VCARD_FAX);
	ASSERT_EQ_STR(c->tel[6].value, "905-222-1234"); /* item2.TEL: group dropped */
	ASSERT_EQ_INT(c->nadr, 2);
	ASSERT_EQ_STR(c->adr[1].street, "Street4\nBuilding 6\nFloor 8");
	ASSERT_EQ_STR(c->bday, "2012-06-06");
	ASSERT_EQ_INT(k->nerr, 0);
	cards_free(k);
}

GX_TEST(vcard_real_outlook_21)
{
	struct cards *k = parse_real("ezvcard_outlook-2003.vcf", 1);
	struct gx_vcard *c = &k->c[0];
	ASSERT_EQ_INT(c->version, 21);
	ASSERT_EQ_STR(c->fn, "John Doe III");
	ASSERT_EQ_STR(c->org, "Company, The");
	ASSERT_EQ_STR(c->org_unit, "TheDepartment");
	/* quoted-printable with a soft break inside =0D=0A */
	ASSERT_EQ_STR(c->note, "This is the note field!!\nSecond line\n\nThird line is empty\n");
	ASSERT_EQ_INT(c->ntel, 4);
	ASSERT_EQ_INT(c->tel[2].types, GX_VCARD_CELL | GX_VCARD_VOICE);
	ASSERT_EQ_STR(c->email[0].value, "jdoe@hotmail.com");
	ASSERT_EQ_INT(c->email[0].types, GX_VCARD_PREF | GX_VCARD_INTERNET);
	ASSERT_EQ_STR(c->bday, "1980-03-21");
	ASSERT_EQ_STR(c->adr[0].extended, "TheOffice");
	cards_free(k);

	/* base64 KEY and PHOTO blocks of 2.1, ended by blank lines */
	k = parse_real("ezvcard_outlook-2007.vcf", 1);
	c = &k->c[0];
	ASSERT_EQ_STR(c->fn, "Mr. Michael Angstadt Jr.");
	ASSERT_EQ_STR(c->email[0].value, "mike.angstadt@gmail.com");
	ASSERT_EQ_STR(c->bday, "1922-03-10");
	ASSERT_TRUE(strstr(c->note, "This is the NOTE field\t\nI assume"));
	ASSERT_EQ_INT(c->ntel, 4);
	ASSERT_EQ_INT(k->nerr, 0);
	cards_free(k);

	k = parse_real("ezvcard_John_Doe_MS_OUTLOOK.vcf", 1);
	ASSERT_EQ_STR(k->c[0].additional, "Richter,James");
	ASSERT_EQ_INT(k->c[0].nadr, 2);
	ASSERT_EQ_STR(k->c[0].adr[0].street, "Cresent moon drive");
	ASSERT_EQ_STR(k->c[0].email[0].value, "john.doe@ibm.cm");
	cards_free(k);
}

GX_TEST(vcard_real_android_multi)
{
	struct cards *k = parse_real("ezvcard_John_Doe_ANDROID.vcf", 6);
	ASSERT_EQ_STR(k->c[0].email[0].value, "john.doe@company.com");
	ASSERT_TRUE(k->c[0].fn == NULL);
	ASSERT_EQ_STR(k->c[2].fn, "Ñ Ñ Ñ Ñ Ñ ");
	ASSERT_EQ_STR(k->c[3].fn, "Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ"); /* QP soft breaks */
	ASSERT_TRUE(strchr(k->c[3].note, '\n')); /* two NOTEs joined */
	ASSERT_EQ_INT(k->c[3].ntel, 4);
	ASSERT_EQ_INT(k->c[4].nurl, 2);
	/* the ORG with a stray =80 byte is reported, the card still comes */
	ASSERT_EQ_INT(k->nerr, 1);
	ASSERT_EQ_STR(k->errprop[0], "ORG");
	cards_free(k);
}

GX_TEST(vcard_real_japanese_shift_jis)
{
	struct cards *k = parse_real("aosp_v21_japanese_2.vcf", 1);
	struct gx_vcard *c = &k->c[0];
	ASSERT_EQ_STR(c->fn, "安藤 ロイド 1");
	ASSERT_EQ_STR(c->family, "安藤");
	ASSERT_EQ_STR(c->given, "ロイド1");
	ASSERT_EQ_STR(c->adr[0].extended, "東京都渋谷区桜丘町26-1セルリアンタワー6階");
	ASSERT_EQ_STR(c->adr[0].postcode, "150-8512");
	ASSERT_EQ_STR(c->note, "メモ");
	cards_free(k);
	/* Shift_JIS with '\' (0x5C) as a trail byte before ';' */
	k = parse_real("aosp_v30_japanese.vcf", 1);
	ASSERT_EQ_STR(k->c[0].fn, "伊能 圭一 伊予");
	ASSERT_EQ_STR(k->c[0].family, "伊能");
	ASSERT_EQ_STR(k->c[0].given, "圭一");
	ASSERT_EQ_STR(k->c[0].additional, "伊予");
	cards_free(k);
	k = parse_real("aosp_v21_multiple_entry.vcf", 3);
	ASSERT_EQ_STR(k->c[2].family, "安藤ロイド5");
	ASSERT_EQ_INT(k->c[0].ntel, 4);
	ASSERT_EQ_INT(k->c[0].tel[3].types, GX_VCARD_HOME | GX_VCARD_FAX);
	cards_free(k);
}

GX_TEST(vcard_real_v40_and_cjk_org)
{
	struct cards *k = parse_real("ezvcard_rfc6350-example.vcf", 1);
	struct gx_vcard *c = &k->c[0];
	ASSERT_EQ_INT(c->version, 40);
	ASSERT_EQ_STR(c->bday, "--02-03");
	ASSERT_EQ_STR(c->tel[0].value, "+1-418-656-9254;ext=102");
	ASSERT_EQ_INT(c->tel[0].types, GX_VCARD_WORK | GX_VCARD_VOICE | GX_VCARD_PREF);
	ASSERT_EQ_INT(c->tel[1].types & GX_VCARD_CELL, GX_VCARD_CELL);
	ASSERT_EQ_STR(c->adr[0].locality, "Quebec");
	ASSERT_EQ_STR(c->suffix, "ing. jr,M.Sc.");
	cards_free(k);

	k = parse_real("metowolf_vcards_sf-express_zh.vcf", 1);
	c = &k->c[0];
	ASSERT_TRUE(c->fn == NULL && c->family == NULL);
	ASSERT_EQ_STR(c->org, "顺丰速运");
	ASSERT_EQ_STR(c->tel[0].value, "95338");
	char *name;
	ASSERT_EQ_INT(gx_vcard_display_name_take(c, &name), 0);
	ASSERT_EQ_STR(name, "顺丰速运");
	free(name);
	cards_free(k);

	k = parse_real("vobject_vcard40_multilang_ja.vcf", 1);
	ASSERT_EQ_STR(k->c[0].fn, "Yamada Taro"); /* the first of the ALTID set */
	cards_free(k);
	k = parse_real("aosp_v40_sort_as.vcf", 1);
	ASSERT_EQ_STR(k->c[0].org, "グーグル");
	ASSERT_EQ_STR(k->c[0].org_unit, "検索部門");
	cards_free(k);
}

GX_TEST(vcard_real_all_files_parse)
{
	static const struct {
		const char *name;
		size_t cards;
	} files[] = {
		{"aosp_v21_japanese_1.vcf", 1},
		{"aosp_v21_winmo_65.vcf", 1},
		{"aosp_v30_ios_613_multiline.vcf", 1},
		{"ezvcard_John_Doe_BLACK_BERRY.vcf", 1},
		{"ezvcard_John_Doe_EVOLUTION.vcf", 1},
		{"ezvcard_John_Doe_LOTUS_NOTES.vcf", 1},
		{"ezvcard_John_Doe_MAC_ADDRESS_BOOK.vcf", 1},
		{"ezvcard_gmail-single2.vcf", 1},
		{"ezvcard_thunderbird-MoreFunctionsForAddressBook-extension.vcf", 1},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct cards *k = parse_real(files[i].name, files[i].cards);
		for (size_t j = 0; j < k->n; j++) {
			/* every card written back parses to the same name */
			char *out, *a = NULL, *b = NULL;
			size_t len;
			ASSERT_EQ_INT(gx_vcard_format_take(&k->c[j], 30, &out, &len), 0);
			struct cards *k2 = parse(out, len, NULL);
			ASSERT_EQ_INT(k2->n, 1);
			gx_vcard_display_name_take(&k->c[j], &a);
			gx_vcard_display_name_take(&k2->c[0], &b);
			ASSERT_EQ_STR(nz(a), nz(b));
			ASSERT_EQ_INT(k2->c[0].ntel, k->c[j].ntel);
			ASSERT_EQ_INT(k2->c[0].nemail, k->c[j].nemail);
			free(a);
			free(b);
			free(out);
			cards_free(k2);
		}
		cards_free(k);
	}
	struct cards *k = parse_real("aosp_v21_winmo_65.vcf", 1);
	ASSERT_EQ_STR(k->c[0].fn, "Example"); /* the bad AGENT line is tolerated */
	cards_free(k);
	k = parse_real("ezvcard_gmail-single2.vcf", 1);
	ASSERT_EQ_INT(k->c[0].ntel, 11);
	ASSERT_EQ_INT(k->c[0].nemail, 5);
	ASSERT_EQ_INT(k->c[0].nadr, 5);
	ASSERT_EQ_STR(k->c[0].bday, "1912-06-23");
	cards_free(k);
}

/* ---------------------------------------------------------------------------
 * Generated cards
 * ------------------------------------------------------------------------- */

GX_TEST(vcard_chinese_21_qp_charsets)
{
	/* Chinese Outlook / feature phones: GB2312 or Big5 bytes, QP-encoded */
	iconv_t cd = iconv_open("GBK", "UTF-8");
	char in[] = "张三", out[16], *ip = in, *op = out;
	size_t il = strlen(in), ol = sizeof out;
	ASSERT_TRUE(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
	iconv_close(cd);
	char qp[64] = "";
	for (char *p = out; p < op; p++)
		snprintf(qp + strlen(qp), sizeof qp - strlen(qp), "=%02X", (unsigned char)*p);
	char card[512];
	snprintf(card, sizeof card,
		 "BEGIN:VCARD\r\nVERSION:2.1\r\n"
		 "N;CHARSET=GB2312;ENCODING=QUOTED-PRINTABLE:=D5=C5;=C8=FD\r\n"
		 "FN;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:%s\r\n"
		 "ORG;CHARSET=BIG5;ENCODING=QUOTED-PRINTABLE:=A5=78=C6=57=B9=71=A4=6C;=B7=7E=B0=C8=B3=A1\r\n"
		 "TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E9=94=80=E5=94=AE=E7=BB=8F=E7=90=86\r\n"
		 "TEL;CELL:13800138000\r\nEND:VCARD\r\n",
		 qp);
	struct cards *k = parse_str(card);
	ASSERT_EQ_INT(k->nerr, 0);
	ASSERT_EQ_STR(k->c[0].family, "张");
	ASSERT_EQ_STR(k->c[0].given, "三");
	ASSERT_EQ_STR(k->c[0].fn, "张三");
	ASSERT_EQ_STR(k->c[0].org, "台灣電子");
	ASSERT_EQ_STR(k->c[0].org_unit, "業務部");
	ASSERT_EQ_STR(k->c[0].title, "销售经理");
	cards_free(k);

	/* raw GBK bytes without CHARSET: guessed; an unknown CHARSET: reported */
	const char *raw = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:\xC0\xEE\xCB\xC4\r\n"
			  "NOTE;CHARSET=X-NOPE:abc\r\nEND:VCARD\r\n";
	k = parse_str(raw);
	ASSERT_EQ_STR(k->c[0].fn, "李四");
	ASSERT_EQ_INT(k->nerr, 1);
	ASSERT_EQ_STR(k->errprop[0], "NOTE");
	ASSERT_TRUE(k->c[0].note == NULL);
	cards_free(k);
}

GX_TEST(vcard_escapes_and_structured)
{
	const char *s = "BEGIN:VCARD\nVERSION:3.0\n"
			"N:O\\;Brien;Seán\\, Jr;;;\n"
			"FN:Seán O\\;Brien\\, Jr\n"
			"ORG:上海华为技术有限公司\\, 研发中心;软件部\n"
			"NOTE:line1\\nline2\\Nline3 \\\\ backslash\\, comma\\; semi \\q kept\n"
			"ADR;TYPE=work:;;浦东新区张江路1号\\;A座;上海;上海;201203;中国\n"
			"EMAIL;TYPE=work:mailto:li.si@huawei.com\n"
			"TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+86-138-0013-8000\n"
			"END:VCARD\n";
	struct cards *k = parse_str(s);
	struct gx_vcard *c = &k->c[0];
	ASSERT_EQ_STR(c->family, "O;Brien");
	ASSERT_EQ_STR(c->given, "Seán, Jr");
	ASSERT_EQ_STR(c->fn, "Seán O;Brien, Jr");
	ASSERT_EQ_STR(c->org, "上海华为技术有限公司, 研发中心");
	ASSERT_EQ_STR(c->org_unit, "软件部");
	ASSERT_EQ_STR(c->note, "line1\nline2\nline3 \\ backslash, comma; semi \\q kept");
	ASSERT_EQ_STR(c->adr[0].street, "浦东新区张江路1号;A座");
	ASSERT_EQ_STR(c->adr[0].postcode, "201203");
	ASSERT_EQ_INT(c->adr[0].types, GX_VCARD_WORK);
	ASSERT_EQ_STR(c->email[0].value, "li.si@huawei.com");
	ASSERT_EQ_STR(c->tel[0].value, "+86-138-0013-8000");
	ASSERT_EQ_INT(c->tel[0].types, GX_VCARD_CELL | GX_VCARD_VOICE);
	/* written and read back, everything survives */
	char *out;
	size_t len;
	ASSERT_EQ_INT(gx_vcard_format_take(c, 30, &out, &len), 0);
	ASSERT_TRUE(strstr(out, "N:O\\;Brien;Seán\\, Jr;;;\r\n"));
	struct cards *k2 = parse(out, len, NULL);
	struct gx_vcard *d = &k2->c[0];
	ASSERT_EQ_STR(d->family, c->family);
	ASSERT_EQ_STR(d->given, c->given);
	ASSERT_EQ_STR(d->fn, c->fn);
	ASSERT_EQ_STR(d->org, c->org);
	ASSERT_EQ_STR(d->note, c->note);
	ASSERT_EQ_STR(d->adr[0].street, c->adr[0].street);
	ASSERT_EQ_INT(d->tel[0].types, c->tel[0].types);
	free(out);
	cards_free(k2);
	cards_free(k);
}

GX_TEST(vcard_birthday_forms)
{
	static const struct {
		const char *line, *want;
	} t[] = {
		{"BDAY:19800322", "1980-03-22"},
		{"BDAY:1980-03-22", "1980-03-22"},
		{"BDAY;VALUE=date:1980-03-22T00:00:00Z", "1980-03-22"},
		{"BDAY:1980/3/2", "1980-03-02"},
		{"BDAY:1985年11月5日", "1985-11-05"},
		{"BDAY:--0315", "--03-15"},
		{"BDAY:--03-15", "--03-15"},
		{"BDAY;X-APPLE-OMIT-YEAR=1604:1604-02-29", "--02-29"},
		{"BDAY:2000-02-29", "2000-02-29"},
		{"BDAY:1900-02-29", NULL},
		{"BDAY:1980-13-01", NULL},
		{"BDAY;VALUE=text:circa 1800", NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char card[256];
		snprintf(card, sizeof card, "BEGIN:VCARD\nVERSION:3.0\nFN:x\n%s\nEND:VCARD\n", t[i].line);
		struct cards *k = parse_str(card);
		ASSERT_EQ_INT(k->n, 1);
		if (t[i].want) {
			ASSERT_EQ_STR(k->c[0].bday, t[i].want);
			ASSERT_EQ_INT(k->nerr, 0);
		} else {
			ASSERT_TRUE(k->c[0].bday == NULL);
			ASSERT_EQ_INT(k->nerr, 1);
		}
		cards_free(k);
	}
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void put(char *s, size_t *k, size_t cap, const char *p, size_t n)
{
	ASSERT_TRUE(*k + n <= cap);
	memcpy(s + *k, p, n);
	*k += n;
}

#define PUTS(s, k, cap, lit) put(s, k, cap, lit, sizeof lit - 1)

GX_TEST(vcard_huge_photo_skipped)
{
	/* three photos of about 16 MB: folded (3.0), on one line (4.0 style),
	 * and a 2.1 block of unindented base64 lines ended by a blank line;
	 * fed in 64 KiB chunks through a reader with the default 1 MiB limit */
	size_t mb = 1 << 20, total = 56 * mb, k = 0;
	char *s = malloc(total);
	ASSERT_TRUE(s);
	PUTS(s, &k, total, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:张伟\r\nPHOTO;ENCODING=b;TYPE=JPEG:");
	for (size_t i = 0; i < 16 * mb / 79; i++)
		PUTS(s, &k, total,
		     "/9j/4AAQSkZJRgABAQAAAQABAAD/4QBYRXhpZgAATU0AKgAAAAgAAgESAAMAAAABAAEAAIdpAAQA\r\n ");
	PUTS(s, &k, total, "AAAA\r\nTEL;TYPE=CELL:13912345678\r\nPHOTO:data:image/png;base64,");
	ASSERT_TRUE(k + 16 * mb <= total);
	memset(s + k, 'Q', 16 * mb);
	k += 16 * mb;
	PUTS(s, &k, total, "\r\nEMAIL:zhang.wei@example.cn\r\nLOGO;ENCODING=BASE64;TYPE=GIF:\r\n");
	for (size_t i = 0; i < 16 * mb / 66; i++)
		PUTS(s, &k, total,
		     "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7R0lGODlhAQ\r\n");
	PUTS(s, &k, total, "\r\nTITLE:经理\r\nEND:VCARD\r\n");

	long before = maxrss_kb();
	struct cards *cs = cards_new();
	struct gx_vcard_handler h = {on_card, on_error, cs};
	struct gx_vcard_reader *r;
	ASSERT_EQ_INT(gx_vcard_reader_new(&r, NULL, &h), 0);
	for (size_t i = 0; i < k; i += 65536)
		ASSERT_EQ_INT(gx_vcard_reader_feed(r, s + i, k - i < 65536 ? k - i : 65536), 0);
	ASSERT_EQ_INT(gx_vcard_reader_finish(r), 0);
	ASSERT_EQ_INT(gx_vcard_reader_count(r), 1);
	gx_vcard_reader_free(r);
	long grew = maxrss_kb() - before;
	ASSERT_EQ_INT(cs->n, 1);
	ASSERT_EQ_INT(cs->nerr, 0);
	ASSERT_EQ_STR(cs->c[0].fn, "张伟");
	ASSERT_EQ_STR(cs->c[0].tel[0].value, "13912345678");
	ASSERT_EQ_STR(cs->c[0].email[0].value, "zhang.wei@example.cn");
	ASSERT_EQ_STR(cs->c[0].title, "经理");
	ASSERT_EQ_INT(cs->c[0].skipped, 3);
	if (grew > 16 * 1024)
		GX_FAIL("resident memory grew by %ld KiB skipping 48 MB of photos", grew);
	cards_free(cs);
	free(s);
}

GX_TEST(vcard_long_property_and_truncation)
{
	/* a NOTE over max_line is reported and skipped; the card survives */
	char s[2048];
	size_t k = (size_t)snprintf(s, sizeof s, "BEGIN:VCARD\nVERSION:3.0\nFN:王芳\nNOTE:");
	memset(s + k, 'n', 600);
	k += 600;
	k += (size_t)snprintf(s + k, sizeof s - k, "\nTEL:1\nEND:VCARD\nBEGIN:VCARD\nFN:cut off\nTEL:2\n");
	struct gx_vcard_opts o = {.max_line = 256};
	struct cards *c = parse(s, k, &o);
	ASSERT_EQ_INT(c->n, 1);
	ASSERT_EQ_STR(c->c[0].fn, "王芳");
	ASSERT_TRUE(c->c[0].note == NULL);
	ASSERT_EQ_STR(c->c[0].tel[0].value, "1");
	ASSERT_EQ_INT(c->nerr, 2); /* the long NOTE, and the unterminated card */
	ASSERT_EQ_STR(c->errprop[1], "END");
	cards_free(c);
}

GX_TEST(vcard_unknown_nested_and_junk)
{
	const char *s = "junk before\r\n"
			"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Lin;Mei\r\n"
			"AGENT:\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nFN:Assistant\r\nTEL:999\r\nEND:VCARD\r\n"
			"X-WEIRD;FOO=bar:whatever\r\nno colon on this line\r\n"
			"TEL;WORK;VOICE:021-12345678\r\nEND:VCARD\r\n"
			"stray text\r\nEND:VCARD\r\n";
	struct cards *k = parse_str(s);
	ASSERT_EQ_INT(k->n, 1);
	ASSERT_EQ_STR(k->c[0].family, "Lin");
	ASSERT_TRUE(k->c[0].fn == NULL);
	ASSERT_EQ_INT(k->c[0].ntel, 1);
	ASSERT_EQ_STR(k->c[0].tel[0].value, "021-12345678");
	ASSERT_EQ_INT(k->nerr, 1); /* the line without a colon */
	cards_free(k);
}

GX_TEST(vcard_byte_at_a_time)
{
	const char *s = "BEGIN:VCARD\r\r\nVERSION:3.0\r\nFN:陳\r\n 怡君\r\n"
			"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=E5=A4=87=\r\n=E6=B3=A8\r\n"
			"END:VCARD\r\n";
	struct cards *k = cards_new();
	struct gx_vcard_handler h = {on_card, on_error, k};
	struct gx_vcard_reader *r;
	ASSERT_EQ_INT(gx_vcard_reader_new(&r, NULL, &h), 0);
	for (size_t i = 0; s[i]; i++)
		ASSERT_EQ_INT(gx_vcard_reader_feed(r, s + i, 1), 0);
	ASSERT_EQ_INT(gx_vcard_reader_finish(r), 0);
	gx_vcard_reader_free(r);
	ASSERT_EQ_INT(k->n, 1);
	ASSERT_EQ_STR(k->c[0].fn, "陳怡君");
	ASSERT_EQ_STR(k->c[0].note, "备注");
	cards_free(k);
}

/* ---------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------- */

static void check_folding(const char *out, size_t len)
{
	const char *p = out, *end = out + len;
	while (p < end) {
		const char *nl = strstr(p, "\r\n");
		ASSERT_TRUE(nl);
		size_t n = (size_t)(nl - p);
		if (n > 75)
			GX_FAIL("line of %zu octets: %.*s", n, (int)n, p);
		/* each physical line is valid UTF-8 on its own */
		ASSERT_EQ_INT(gx_enc_utf8_valid_prefix(p, n), n);
		p = nl + 2;
	}
}

GX_TEST(vcard_write_folding_cjk)
{
	struct gx_vcard_value tel[] = {{"+86 138 0013 8000", GX_VCARD_CELL | GX_VCARD_PREF},
				       {"021-5080 1234", GX_VCARD_WORK | GX_VCARD_VOICE}};
	struct gx_vcard_value email[] = {{"zhang.xiaoming@example.com.cn", GX_VCARD_WORK}};
	struct gx_vcard_adr adr[] = {{NULL, "B座1201室", "中国（上海）自由贸易试验区张江路665号", "上海市",
				      "上海", "201203", "中国", GX_VCARD_WORK}};
	struct gx_vcard c = {
		.family = "张",
		.given = "小明",
		.org = "上海张江高科技园区开发股份有限公司",
		.org_unit = "国际业务部",
		.title = "高级客户经理",
		.bday = "--08-15",
		.note = "重要客户。每年春节前拜访一次，喜欢喝龙井茶。\n第二行备注，包含逗号, 分号; 和反斜杠\\。"
			"这一段很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。",
		.tel = tel,
		.ntel = 2,
		.email = email,
		.nemail = 1,
		.adr = adr,
		.nadr = 1,
	};
	for (int v = 30; v <= 40; v += 10) {
		char *out;
		size_t len;
		ASSERT_EQ_INT(gx_vcard_format_take(&c, v, &out, &len), 0);
		ASSERT_EQ_INT(strlen(out), len);
		check_folding(out, len);
		ASSERT_TRUE(strstr(out, "FN:张小明\r\n")); /* CJK names without a space */
		if (v == 30) {
			ASSERT_TRUE(strstr(out, "BDAY;X-APPLE-OMIT-YEAR=1604:1604-08-15\r\n"));
			ASSERT_TRUE(strstr(out, "TEL;TYPE=CELL,PREF:+86 138 0013 8000\r\n"));
		} else {
			ASSERT_TRUE(strstr(out, "BDAY:--0815\r\n"));
			ASSERT_TRUE(strstr(out, "TEL;TYPE=cell;PREF=1:+86 138 0013 8000\r\n"));
		}
		struct cards *k = parse(out, len, NULL);
		struct gx_vcard *d = &k->c[0];
		ASSERT_EQ_INT(d->version, v);
		ASSERT_EQ_STR(d->fn, "张小明");
		ASSERT_EQ_STR(d->family, "张");
		ASSERT_EQ_STR(d->given, "小明");
		ASSERT_EQ_STR(d->org, c.org);
		ASSERT_EQ_STR(d->org_unit, c.org_unit);
		ASSERT_EQ_STR(d->title, c.title);
		ASSERT_EQ_STR(d->bday, "--08-15");
		ASSERT_EQ_STR(d->note, c.note);
		ASSERT_EQ_INT(d->ntel, 2);
		ASSERT_EQ_INT(d->tel[0].types, GX_VCARD_CELL | GX_VCARD_PREF);
		ASSERT_EQ_STR(d->adr[0].street, adr[0].street);
		ASSERT_EQ_STR(d->adr[0].extended, "B座1201室");
		ASSERT_EQ_STR(d->email[0].value, email[0].value);
		cards_free(k);
		free(out);
	}
	/* a 3-byte character straddling octet 75 is never split */
	struct gx_vcard l = {.fn = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa张三李四"};
	char *out;
	size_t len;
	ASSERT_EQ_INT(gx_vcard_format_take(&l, 30, &out, &len), 0);
	check_folding(out, len);
	/* "FN:" + 70 a = 73 octets; 张 would end at 76, so the line breaks before it */
	ASSERT_TRUE(strstr(out, "aaaa\r\n 张三李四\r\n"));
	free(out);
}

GX_TEST(vcard_write_rejects_bad_input)
{
	struct gx_vcard c = {.fn = "bad \xFF utf8"};
	char *out;
	size_t len;
	ASSERT_EQ_INT(gx_vcard_format_take(&c, 30, &out, &len), GX_EINVAL);
	c.fn = "ok";
	ASSERT_EQ_INT(gx_vcard_format_take(&c, 21, &out, &len), GX_EINVAL);
	c.bday = "not a date";
	ASSERT_EQ_INT(gx_vcard_format_take(&c, 30, &out, &len), GX_EINVAL);
	c.bday = "1990/7/1"; /* normalised on the way out */
	ASSERT_EQ_INT(gx_vcard_format_take(&c, 40, &out, &len), 0);
	ASSERT_TRUE(strstr(out, "BDAY:19900701\r\n"));
	free(out);
	/* an empty card still has N and FN */
	struct gx_vcard e = {0};
	ASSERT_EQ_INT(gx_vcard_format_take(&e, 30, &out, &len), 0);
	ASSERT_EQ_STR(out, "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:\r\nEND:VCARD\r\n");
	free(out);
}

struct fields {
	char buf[1024];
};

static int collect_field(void *ud, const char *field, const char *value)
{
	struct fields *f = ud;
	size_t n = strlen(f->buf);
	snprintf(f->buf + n, sizeof f->buf - n, "%s=%s|", field, value);
	return 0;
}

GX_TEST(vcard_display_name_and_contact_fields)
{
	struct gx_vcard_value tel[] = {{"010-1", GX_VCARD_HOME | GX_VCARD_FAX},
				       {"010-2", GX_VCARD_WORK},
				       {"139-1", GX_VCARD_CELL},
				       {"139-2", GX_VCARD_CELL | GX_VCARD_PREF}};
	struct gx_vcard_value email[] = {{"a@x.cn", 0}, {"b@x.cn", GX_VCARD_PREF}};
	struct gx_vcard c = {.family = "王", .given = "小红", .org = "小米科技", .title = "采购",
			     .bday = "1990-01-02", .tel = tel, .ntel = 4, .email = email, .nemail = 2};
	char *n;
	ASSERT_EQ_INT(gx_vcard_display_name_take(&c, &n), 0);
	ASSERT_EQ_STR(n, "王小红");
	free(n);
	struct fields f = {""};
	ASSERT_EQ_INT(gx_vcard_contact_fields(&c, collect_field, &f), 0);
	ASSERT_EQ_STR(f.buf, "name=王小红|first_name=小红|last_name=王|title=采购|phone=010-2|"
			     "mobile=139-2|email=b@x.cn|birthday=1990-01-02|customer_name=小米科技|");
	struct gx_vcard w = {.family = "Doe", .given = "John"};
	ASSERT_EQ_INT(gx_vcard_display_name_take(&w, &n), 0);
	ASSERT_EQ_STR(n, "John Doe");
	free(n);
	struct gx_vcard o = {.family = "O’Brien", .given = "Seán"};
	ASSERT_EQ_INT(gx_vcard_display_name_take(&o, &n), 0);
	ASSERT_EQ_STR(n, "Seán O’Brien"); /* typographic apostrophe is not CJK */
	free(n);
	struct gx_vcard none = {0};
	ASSERT_EQ_INT(gx_vcard_display_name_take(&none, &n), GX_ENOTFOUND);
}
