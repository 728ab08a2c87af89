/* csvread.c — streaming CSV reader: raw bytes -> encoding detection ->
 * UTF-8 conversion -> line-aware pieces -> libcsv -> bounded record buffer ->
 * caller's callback. */
#include "io/csvread.h"

#include "core/err.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libcsv is fed at most this many bytes between two checks of its field
 * buffer, so an over-long field costs at most max_field + PIECE of memory. */
#define PIECE (64u * 1024u)
#define CSV_BLK_MIN (16u * 1024u)
#define CSV_BLK_MAX (1024u * 1024u)
#define READ_CHUNK (64u * 1024u)

enum { ST_SNIFF, ST_RUN, ST_DONE, ST_FAILED };

struct gx_csv_reader {
	struct gx_csv_opts o;
	struct gx_csv_handler h;
	int state;
	int stop; /* first non-zero callback or internal code */

	unsigned char *sniff; /* raw input held until detection */
	size_t nsniff;

	enum gx_encoding enc;
	int conf;
	char delim;
	struct gx_enc_conv *conv;

	struct csv_parser p;
	int p_ready;
	int idle;       /* libcsv's pstate between records (read after csv_init) */
	uint64_t line;  /* line of the next byte, 1-based */
	int prev_cr;    /* last byte was CR: a following LF ends no new line */
	int midline;    /* bytes seen since the last line end */
	uint64_t rec_line;
	uint64_t index;

	/* the record being assembled: field contents, NUL-separated */
	char *rbuf;
	size_t rlen, rcap, content;
	size_t *foff, *flen;
	size_t nf, fcap;
	struct gx_csv_field *fv;
	size_t fvcap;
	enum gx_csv_row_kind err; /* 0, or the first problem of this record */
	uint64_t err_off;

	uint64_t nrecords, nerrors;
	size_t peak;
};

/* ---------------------------------------------------------------------------
 * Delimiter detection
 * ------------------------------------------------------------------------- */

#define SNIFF_RECORDS 20

void gx_csv_detect_delim(const char *s, size_t len, bool at_eof, bool prefer_tab, char *out)
{
	static const char cands[] = {',', ';', '\t', '|'};
	enum { NC = sizeof cands };
	int best = -1, best_score = 0;
	size_t best_mode = 0;
	int rank[NC];
	/* preference for ties: comma, semicolon, tab, pipe — or tab first */
	for (int c = 0; c < NC; c++)
		rank[c] = c;
	if (prefer_tab)
		rank[2] = -1;
	if (!out)
		return;
	for (int c = 0; c < NC; c++) {
		size_t counts[SNIFF_RECORDS], nrec = 0, count = 0;
		int in_quote = 0, field_start = 1, content = 0;
		char d = cands[c];
		for (size_t i = 0; i < len && nrec < SNIFF_RECORDS; i++) {
			char ch = s[i];
			if (in_quote) {
				if (ch == '"') {
					if (i + 1 < len && s[i + 1] == '"')
						i++;
					else
						in_quote = 0;
				}
				continue;
			}
			if (ch == '"' && field_start) {
				in_quote = 1;
				field_start = 0;
				content = 1;
			} else if (ch == d) {
				count++;
				field_start = 1;
			} else if (ch == '\r' || ch == '\n') {
				if (content || count)
					counts[nrec++] = count;
				count = 0;
				content = 0;
				field_start = 1;
			} else if ((ch == ' ' || ch == '\t') && field_start) {
				continue;
			} else {
				field_start = 0;
				content = 1;
			}
		}
		if (at_eof && !in_quote && (content || count) && nrec < SNIFF_RECORDS)
			counts[nrec++] = count;
		/* the most common non-zero count, and how many records share it */
		size_t mode = 0, agree = 0;
		for (size_t i = 0; i < nrec; i++) {
			if (counts[i] == 0)
				continue;
			size_t same = 0;
			for (size_t j = 0; j < nrec; j++)
				same += counts[j] == counts[i];
			if (same > agree || (same == agree && counts[i] > mode)) {
				agree = same;
				mode = counts[i];
			}
		}
		if (!nrec || !agree)
			continue;
		int score = (int)(agree * 1000 / nrec);
		if (best < 0 || score > best_score ||
		    (score == best_score && (mode > best_mode ||
					     (mode == best_mode && rank[c] < rank[best])))) {
			best = c;
			best_score = score;
			best_mode = mode;
		}
	}
	*out = best < 0 ? ',' : cands[best];
}

/* ---------------------------------------------------------------------------
 * Records
 * ------------------------------------------------------------------------- */

static const char *row_message(enum gx_csv_row_kind k)
{
	switch (k) {
	case GX_CSV_ROW_TOO_BIG: return "record too large";
	case GX_CSV_ROW_COLUMNS: return "too many columns";
	case GX_CSV_ROW_ENCODING: return "invalid byte sequence for the file's encoding";
	case GX_CSV_ROW_NUL: return "NUL byte in text (binary data)";
	case GX_CSV_ROW_QUOTE: return "quoted field not closed before end of file";
	}
	return "bad record";
}

static void set_err(struct gx_csv_reader *r, enum gx_csv_row_kind k, uint64_t off)
{
	if (!r->err) {
		r->err = k;
		r->err_off = off;
	}
}

static void track_peak(struct gx_csv_reader *r)
{
	size_t m = r->p.entry_size + r->rcap + r->fcap * 2 * sizeof(size_t) +
		   r->fvcap * sizeof(struct gx_csv_field);
	if (m > r->peak)
		r->peak = m;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return GX_ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static void on_field(void *data, size_t len, void *ud)
{
	struct gx_csv_reader *r = ud;
	if (r->err || r->stop)
		return;
	if (r->nf >= r->o.max_columns) {
		set_err(r, GX_CSV_ROW_COLUMNS, UINT64_MAX);
		return;
	}
	if (len > r->o.max_field || r->content + len > r->o.max_record) {
		set_err(r, GX_CSV_ROW_TOO_BIG, UINT64_MAX);
		return;
	}
	size_t fcap = r->fcap;
	if (grow((void **)&r->rbuf, &r->rcap, r->rlen + len + 1, 1) ||
	    grow((void **)&r->foff, &fcap, r->nf + 1, sizeof(size_t)) ||
	    grow((void **)&r->flen, &r->fcap, r->nf + 1, sizeof(size_t))) {
		r->stop = GX_ENOMEM;
		return;
	}
	if (len)
		memcpy(r->rbuf + r->rlen, data, len);
	r->rbuf[r->rlen + len] = '\0';
	r->foff[r->nf] = r->rlen;
	r->flen[r->nf] = len;
	r->nf++;
	r->rlen += len + 1;
	r->content += len;
}

static void reset_record(struct gx_csv_reader *r)
{
	r->nf = 0;
	r->rlen = 0;
	r->content = 0;
	r->err = 0;
	r->err_off = UINT64_MAX;
}

static void on_row(int c, void *ud)
{
	struct gx_csv_reader *r = ud;
	if (r->stop) {
		reset_record(r);
		return;
	}
	uint64_t idx = r->index++;
	int rc = 0;
	if (r->err) {
		struct gx_csv_row_error e = {
			.kind = r->err,
			.code = (r->err == GX_CSV_ROW_TOO_BIG || r->err == GX_CSV_ROW_COLUMNS)
					? GX_ETOOBIG
					: GX_EINVAL,
			.line = r->rec_line,
			.index = idx,
			.offset = r->err_off,
			.message = row_message(r->err),
		};
		r->nerrors++;
		if (r->h.error)
			rc = r->h.error(r->h.ud, &e);
	} else {
		if (grow((void **)&r->fv, &r->fvcap, r->nf + 1, sizeof *r->fv)) {
			r->stop = GX_ENOMEM;
			reset_record(r);
			return;
		}
		bool blank = true;
		for (size_t i = 0; i < r->nf; i++) {
			r->fv[i].data = r->rbuf + r->foff[i];
			r->fv[i].len = r->flen[i];
			if (r->flen[i])
				blank = false;
		}
		struct gx_csv_record rec = {
			.fields = r->fv,
			.nfields = r->nf,
			.line = r->rec_line,
			.index = idx,
			.blank = blank,
		};
		r->nrecords++;
		rc = r->h.record(r->h.ud, &rec);
	}
	if (rc)
		r->stop = rc < 0 ? rc : GX_EINVAL;
	reset_record(r);
}

/* ---------------------------------------------------------------------------
 * UTF-8 text into libcsv
 * ------------------------------------------------------------------------- */

/* Feeds UTF-8 text to libcsv in pieces that end at a CR or LF (so a piece
 * holds the end of at most one record, and the line a record starts on is
 * the line of the first piece fed while libcsv was between records) or
 * after PIECE bytes (so an over-long field is caught before it grows far). */
static int csv_push(struct gx_csv_reader *r, const char *s, size_t n)
{
	while (n > 0 && !r->stop) {
		size_t lim = n < PIECE ? n : PIECE, k = 0;
		char term = 0;
		while (k < lim) {
			char ch = s[k++];
			if (ch == '\n' || ch == '\r') {
				term = ch;
				break;
			}
			if (ch == '\0')
				set_err(r, GX_CSV_ROW_NUL, UINT64_MAX);
		}
		if (r->p.pstate == r->idle)
			r->rec_line = r->line;
		if (csv_parse(&r->p, s, k, on_field, on_row, r) != k)
			return r->stop = GX_ENOMEM;
		/* Over the limit: the record is already lost, so keep libcsv's
		 * parsing state (quotes, record end) but drop what it has
		 * buffered of the field. One byte stays so that its "remove the
		 * closing quote" step after a quote still has a byte to remove. */
		if (r->p.entry_pos > r->o.max_field ||
		    r->content + r->p.entry_pos > r->o.max_record) {
			set_err(r, GX_CSV_ROW_TOO_BIG, UINT64_MAX);
			if (r->p.entry_pos > 1) {
				r->p.entry_pos = 1;
				r->p.spaces = 0;
			}
		}
		size_t blk = r->p.entry_size;
		blk = blk < CSV_BLK_MIN ? CSV_BLK_MIN : blk > CSV_BLK_MAX ? CSV_BLK_MAX : blk;
		csv_set_blk_size(&r->p, blk);
		track_peak(r);
		if (term == '\n') {
			if (!r->prev_cr)
				r->line++;
			r->prev_cr = 0;
			r->midline = 0;
		} else if (term == '\r') {
			r->line++;
			r->prev_cr = 1;
			r->midline = 0;
		} else {
			r->prev_cr = 0;
			r->midline = 1;
		}
		s += k;
		n -= k;
	}
	return r->stop;
}

static int conv_out(void *ud, const char *s, size_t n)
{
	return csv_push(ud, s, n);
}

static int conv_bad(void *ud, uint64_t off, size_t n)
{
	struct gx_csv_reader *r = ud;
	set_err(r, GX_CSV_ROW_ENCODING, off);
	/* A stand-in keeps the row where the bad bytes were (an empty line
	 * would vanish); the row is reported as an error, never delivered. */
	return csv_push(r, "\xEF\xBF\xBD", 3);
}

/* ---------------------------------------------------------------------------
 * Reader
 * ------------------------------------------------------------------------- */

int gx_csv_reader_new(struct gx_csv_reader **out, const struct gx_csv_opts *opts,
		      const struct gx_csv_handler *h)
{
	if (!out || !h || !h->record)
		return GX_EINVAL;
	*out = NULL;
	struct gx_csv_opts o = opts ? *opts : (struct gx_csv_opts){0};
	if (!o.max_record)
		o.max_record = GX_CSV_DEFAULT_MAX_RECORD;
	if (!o.max_field || o.max_field > o.max_record)
		o.max_field = o.max_record;
	if (!o.max_columns)
		o.max_columns = GX_CSV_DEFAULT_MAX_COLUMNS;
	if (!o.sniff_bytes)
		o.sniff_bytes = GX_CSV_DEFAULT_SNIFF;
	if (o.delim && o.delim != ',' && o.delim != ';' && o.delim != '\t' && o.delim != '|')
		return GX_EINVAL;
	if (o.encoding != GX_ENC_AUTO && !*gx_enc_name(o.encoding))
		return GX_EINVAL;
	struct gx_csv_reader *r = calloc(1, sizeof *r);
	if (!r)
		return GX_ENOMEM;
	r->o = o;
	r->h = *h;
	r->state = ST_SNIFF;
	r->line = 1;
	r->rec_line = 1;
	r->err_off = UINT64_MAX;
	*out = r;
	return 0;
}

void gx_csv_reader_free(struct gx_csv_reader *r)
{
	if (!r)
		return;
	if (r->p_ready)
		csv_free(&r->p);
	gx_enc_conv_free(r->conv);
	free(r->sniff);
	free(r->rbuf);
	free(r->foff);
	free(r->flen);
	free(r->fv);
	free(r);
}

struct grow_buf {
	char *data;
	size_t len, cap;
	int oom;
};

static int gb_add(struct grow_buf *b, const char *s, size_t n)
{
	size_t cap = b->cap;
	if (grow((void **)&b->data, &cap, b->len + n + 1, 1)) {
		b->oom = 1;
		return GX_ENOMEM;
	}
	b->cap = cap;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

static int sample_out(void *ud, const char *s, size_t n)
{
	return gb_add(ud, s, n);
}

static int sample_bad(void *ud, uint64_t off, size_t n)
{
	return gb_add(ud, "?", 1);
}

/* Decides encoding and delimiter from the sniffed bytes, then starts the
 * pipeline and pushes those bytes through it. */
static int start(struct gx_csv_reader *r, bool at_eof)
{
	int rc;
	if (r->o.encoding == GX_ENC_AUTO) {
		struct gx_enc_guess g;
		rc = gx_enc_detect(r->sniff, r->nsniff, at_eof, &g);
		if (rc)
			return rc;
		r->enc = g.enc;
		r->conf = g.confidence;
	} else {
		r->enc = r->o.encoding;
		r->conf = 100;
	}
	r->delim = r->o.delim;
	if (!r->delim) {
		struct grow_buf b = {0};
		struct gx_enc_conv *c;
		rc = gx_enc_conv_new(&c, r->enc, sample_out, sample_bad, &b);
		if (rc)
			return rc;
		rc = gx_enc_conv_feed(c, r->sniff, r->nsniff);
		if (!rc && at_eof)
			rc = gx_enc_conv_finish(c);
		gx_enc_conv_free(c);
		if (rc) {
			free(b.data);
			return rc;
		}
		gx_csv_detect_delim(b.data ? b.data : "", b.len, at_eof,
				    r->enc == GX_ENC_UTF16LE || r->enc == GX_ENC_UTF16BE,
				    &r->delim);
		free(b.data);
	}
	rc = gx_enc_conv_new(&r->conv, r->enc, conv_out, conv_bad, r);
	if (rc)
		return rc;
	if (csv_init(&r->p, 0) != 0)
		return GX_ENOMEM;
	r->p_ready = 1;
	r->idle = r->p.pstate;
	csv_set_delim(&r->p, (unsigned char)r->delim);
	csv_set_blk_size(&r->p, CSV_BLK_MIN);
	r->state = ST_RUN;
	rc = gx_enc_conv_feed(r->conv, r->sniff, r->nsniff);
	free(r->sniff);
	r->sniff = NULL;
	r->nsniff = 0;
	return rc;
}

static int fail(struct gx_csv_reader *r, int rc)
{
	r->state = ST_FAILED;
	if (!r->stop)
		r->stop = rc;
	return rc;
}

int gx_csv_reader_feed(struct gx_csv_reader *r, const void *data, size_t len)
{
	const unsigned char *d = data;
	int rc;
	if (!r || (!data && len))
		return GX_EINVAL;
	if (r->state == ST_FAILED)
		return r->stop ? r->stop : GX_EINVAL;
	if (r->state == ST_DONE)
		return GX_EINVAL;
	if (len == 0)
		return 0;
	if (r->state == ST_SNIFF) {
		size_t room = r->o.sniff_bytes - r->nsniff, take = len < room ? len : room;
		if (!r->sniff) {
			r->sniff = malloc(r->o.sniff_bytes);
			if (!r->sniff)
				return fail(r, GX_ENOMEM);
		}
		memcpy(r->sniff + r->nsniff, d, take);
		r->nsniff += take;
		d += take;
		len -= take;
		if (r->nsniff < r->o.sniff_bytes)
			return 0;
		rc = start(r, false);
		if (rc)
			return fail(r, rc);
	}
	rc = len ? gx_enc_conv_feed(r->conv, d, len) : 0;
	return rc ? fail(r, rc) : 0;
}

int gx_csv_reader_finish(struct gx_csv_reader *r)
{
	int rc;
	if (!r)
		return GX_EINVAL;
	if (r->state == ST_FAILED)
		return r->stop ? r->stop : GX_EINVAL;
	if (r->state == ST_DONE)
		return 0;
	if (r->state == ST_SNIFF) {
		rc = start(r, true);
		if (rc)
			return fail(r, rc);
	}
	rc = gx_enc_conv_finish(r->conv);
	if (rc)
		return fail(r, rc);
	if (r->p.quoted) {
		/* A closed quote still waits for its delimiter: a line end
		 * settles it. If the quote is still open after that, the file
		 * was cut inside a quoted field. */
		if (csv_parse(&r->p, "\n", 1, on_field, on_row, r) != 1)
			return fail(r, GX_ENOMEM);
		if (r->p.quoted) {
			r->err = GX_CSV_ROW_QUOTE;
			r->err_off = UINT64_MAX;
			on_row(-1, r);
			csv_fini(&r->p, NULL, NULL, NULL);
		}
	} else {
		csv_fini(&r->p, on_field, on_row, r);
	}
	if (r->stop)
		return fail(r, r->stop);
	r->state = ST_DONE;
	return 0;
}

void gx_csv_reader_info(const struct gx_csv_reader *r, struct gx_csv_info *info)
{
	if (!r || !info)
		return;
	info->encoding = r->enc;
	info->enc_confidence = r->conf;
	info->delim = r->delim;
	info->records = r->nrecords;
	info->errors = r->nerrors;
	info->lines = r->line - 1 + (r->midline ? 1 : 0);
	info->peak_memory = r->peak;
}

/* ---------------------------------------------------------------------------
 * Sources
 * ------------------------------------------------------------------------- */

int gx_csv_read(gx_csv_source_fn src, void *src_ud, const struct gx_csv_opts *opts,
		const struct gx_csv_handler *h, struct gx_csv_info *info)
{
	if (!src)
		return GX_EINVAL;
	struct gx_csv_reader *r;
	int rc = gx_csv_reader_new(&r, opts, h);
	if (rc)
		return rc;
	char *buf = malloc(READ_CHUNK);
	if (!buf) {
		gx_csv_reader_free(r);
		return GX_ENOMEM;
	}
	for (;;) {
		size_t got = 0;
		rc = src(src_ud, buf, READ_CHUNK, &got);
		if (rc || got == 0)
			break;
		rc = gx_csv_reader_feed(r, buf, got > READ_CHUNK ? READ_CHUNK : got);
		if (rc)
			break;
	}
	if (!rc)
		rc = gx_csv_reader_finish(r);
	gx_csv_reader_info(r, info);
	free(buf);
	gx_csv_reader_free(r);
	return rc;
}

static int fd_source(void *ud, void *buf, size_t cap, size_t *got)
{
	int fd = *(int *)ud;
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n >= 0) {
			*got = (size_t)n;
			return 0;
		}
		if (errno != EINTR)
			return GX_EIO;
	}
}

int gx_csv_read_file(const char *path, const struct gx_csv_opts *opts,
		     const struct gx_csv_handler *h, struct gx_csv_info *info)
{
	if (!path)
		return GX_EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? GX_ENOTFOUND : GX_EIO;
	int rc = gx_csv_read(fd_source, &fd, opts, h, info);
	close(fd);
	return rc;
}

struct mem_src {
	const unsigned char *p;
	size_t left;
};

static int mem_source(void *ud, void *buf, size_t cap, size_t *got)
{
	struct mem_src *m = ud;
	size_t n = m->left < cap ? m->left : cap;
	if (n)
		memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	*got = n;
	return 0;
}

int gx_csv_read_mem(const void *data, size_t len, const struct gx_csv_opts *opts,
		    const struct gx_csv_handler *h, struct gx_csv_info *info)
{
	if (!data && len)
		return GX_EINVAL;
	struct mem_src m = {data, len};
	return gx_csv_read(mem_source, &m, opts, h, info);
}
