/* encoding.h — detect the character encoding of imported text (BOMs, UTF-16 by
 * NUL pattern, UTF-8, else GB18030 / Big5 / Windows-1252 by scoring) and
 * convert it to UTF-8 in chunks, reporting every invalid byte sequence. */
#ifndef GX_IO_ENCODING_H
#define GX_IO_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gx_encoding {
	GX_ENC_AUTO = 0, /* "detect it" in options; never a detection result */
	GX_ENC_UTF8,
	GX_ENC_UTF16LE,
	GX_ENC_UTF16BE,
	GX_ENC_GB18030, /* also GBK and GB2312, which it contains */
	GX_ENC_BIG5,
	GX_ENC_CP1252, /* Windows-1252 (Western Excel, Salesforce Data Loader) */
};

struct gx_enc_guess {
	enum gx_encoding enc;
	size_t bom_len; /* bytes of byte-order mark at the start, 0 if none */
	int confidence; /* 0..100; below 50 a person should confirm */
	/* Per-mille scores of the legacy candidates (0 when not scored), for
	 * diagnostics and tests: GB18030, Big5, Windows-1252. */
	int score_gb18030, score_big5, score_cp1252;
};

/* Guesses the encoding of buf[0..len), normally the first 64 KiB of a file;
 * at_eof says the buffer is the whole file (otherwise a multibyte sequence cut
 * at the end is not held against a candidate). Rules, in order: a BOM (UTF-8,
 * UTF-16LE/BE, GB18030); known binary signatures (zip/xlsx, OLE/xls, PDF) and
 * NUL-heavy data that is not UTF-16 (over 64 NULs, or over 1% and at least 4)
 * are refused; NUL bytes on one parity only mean UTF-16 without BOM; valid
 * UTF-8 (pure ASCII included, and UTF-8 with at most one invalid sequence per
 * 8 valid multibyte ones, so that damaged rows are reported); otherwise each of
 * GB18030, Big5 and Windows-1252 decodes the sample strictly and is scored
 * by the share of its non-ASCII characters that are plausible (frequent
 * Simplified/Traditional characters and CJK punctuation for the CJK
 * encodings, isolated Latin letters for Windows-1252) minus invalid sequences;
 * the best score wins, ties going to GB18030 then Big5.
 * Errors: GX_EUNSUPPORTED for binary data or UTF-32, GX_EINVAL for NULL args.
 * No allocation survives the call. */
int gx_enc_detect(const void *buf, size_t len, bool at_eof, struct gx_enc_guess *out);

/* The iconv name of an encoding ("UTF-8", "GB18030", ...); static string,
 * "" for GX_ENC_AUTO. */
const char *gx_enc_name(enum gx_encoding enc);

/* Parses a user- or file-supplied charset name (case-insensitive: utf-8, utf8,
 * gbk, gb2312, gb18030, cp936, big5, big5-hkscs, cp950, utf-16le, utf-16be,
 * windows-1252, cp1252, latin1, iso-8859-1, auto). GX_EINVAL if unknown. */
int gx_enc_from_name(const char *name, enum gx_encoding *out);

/* Receives converted UTF-8 (whole characters only); return 0 to go on or a
 * negative GX_E* code to stop, which the feeding call then returns. */
typedef int (*gx_enc_out_fn)(void *ud, const char *utf8, size_t len);
/* Told about an invalid or truncated sequence of len bytes at input byte
 * offset (from the start of the stream), after all output before it has been
 * delivered; the bytes are skipped, never replaced. Same return convention. */
typedef int (*gx_enc_bad_fn)(void *ud, uint64_t offset, size_t len);

struct gx_enc_conv;

/* Creates a streaming converter from enc to UTF-8 that calls out with the
 * converted text and bad for each invalid sequence. A byte-order mark at the
 * very start of the stream is removed. Multibyte sequences split across
 * feeds are carried over. The caller owns *out (gx_enc_conv_free).
 * Errors: GX_EINVAL (GX_ENC_AUTO or bad args), GX_EUNSUPPORTED (iconv lacks
 * the encoding), GX_ENOMEM. */
int gx_enc_conv_new(struct gx_enc_conv **out, enum gx_encoding enc,
		    gx_enc_out_fn out_fn, gx_enc_bad_fn bad_fn, void *ud);
/* Converts the next len bytes. Returns 0, or the first non-zero value returned
 * by a callback (the converter must then not be fed again). */
int gx_enc_conv_feed(struct gx_enc_conv *c, const void *in, size_t len);
/* Ends the stream: a sequence still incomplete is reported to bad. Returns 0
 * or a callback's code. */
int gx_enc_conv_finish(struct gx_enc_conv *c);
/* Input bytes consumed so far (the offset of the next byte). */
uint64_t gx_enc_conv_offset(const struct gx_enc_conv *c);
/* Frees the converter; accepts NULL. */
void gx_enc_conv_free(struct gx_enc_conv *c);

/* Converts a whole buffer from the iconv charset `from` (any name iconv
 * knows, e.g. "SHIFT_JIS" from a vCard CHARSET parameter) to UTF-8 strictly.
 * On success *out is a NUL-terminated string the caller frees (it may contain
 * NULs if the input did) and *outlen its length. A leading BOM is kept.
 * Errors: GX_EINVAL for an invalid or truncated sequence (its byte offset in
 * *bad_offset when bad_offset is not NULL), GX_EUNSUPPORTED for an unknown
 * charset, GX_ENOMEM. */
int gx_enc_convert_take(const char *from, const void *in, size_t len,
			char **out, size_t *outlen, size_t *bad_offset);

/* Length of the valid UTF-8 prefix of s[0..n) (NUL bytes allowed; no
 * overlongs, surrogates or code points above U+10FFFF). */
size_t gx_enc_utf8_valid_prefix(const void *s, size_t n);

#endif
