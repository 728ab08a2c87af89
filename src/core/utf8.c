/* utf8.c — strict UTF-8 validation (RFC 3629). */
#include "core/utf8.h"

#include <stdint.h>
#include <string.h>

bool gx_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	while (s < end) {
		if (end - s >= 8) { /* eight ASCII bytes, none of them NUL, at a time */
			const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
			uint64_t x;
			memcpy(&x, s, 8);
			/* zero exactly when every byte is 0x01..0x7F: the lowest NUL
			 * or high byte sets its top bit, and only a NUL borrows */
			if (!((((x - ones) & ~x) | x) & highs)) {
				s += 8;
				continue;
			}
		}
		unsigned c = *s;
		if (c == 0)
			return false;
		if (c < 0x80) {
			s++;
			continue;
		}
		int len;
		unsigned cp, min;
		if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; min = 0x80; }
		else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; min = 0x800; }
		else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; min = 0x10000; }
		else return false;
		if (end - s < len)
			return false;
		for (int i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += len;
	}
	return true;
}

size_t gx_utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if ((*(const unsigned char *)s & 0xc0) != 0x80)
			n++;
	return n;
}

/* East Asian Wide (W) and Fullwidth (F) ranges of Unicode's
 * EastAsianWidth.txt, coarsened to the blocks that hold them. */
static bool wide(unsigned c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) ||
	       (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	       (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	       (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	       (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd);
}

static bool combining(unsigned c)
{
	return (c >= 0x0300 && c <= 0x036f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff) ||
	       (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe20 && c <= 0xfe2f) || c == 0x200b || c == 0x200d;
}

size_t gx_utf8_width(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t w = 0;
	while (*s) {
		unsigned c = *s, n = 1;
		if (c >= 0xf0 && s[1] && s[2] && s[3]) {
			c = ((c & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
			n = 4;
		} else if (c >= 0xe0 && s[1] && s[2]) {
			c = ((c & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
			n = 3;
		} else if (c >= 0xc0 && s[1]) {
			c = ((c & 0x1fu) << 6) | (s[1] & 0x3fu);
			n = 2;
		}
		w += wide(c) ? 2 : combining(c) ? 0 : 1;
		s += n;
	}
	return w;
}

void gx_print_padded(FILE *f, const char *s, size_t columns)
{
	fputs(s, f);
	for (size_t w = gx_utf8_width(s); w < columns; w++)
		fputc(' ', f);
}
