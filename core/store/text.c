/*
 * text.c - client text in messages and records.
 *
 * An error message that quotes what a client sent must stay valid UTF-8
 * however it is cut, or Jansson will not encode the answer; and a title
 * or a name that reaches a public page, a badge or the ledger must not
 * carry characters that change how the text around it is shown.  Both
 * rest on the ledger's strict UTF-8 decoder, aud_utf8_char (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 */
#include <string.h>

#include "store.h"
#include "aud.h"

/* 1 when the n bytes at s are the start of a sequence longer than n. */
static int
utf8_prefix(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n >= len)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

char *
htq_clip(char *dst, size_t dstsz, const char *src, size_t max)
{
	const unsigned char *s = (const unsigned char *)src;
	uint32_t cp;
	size_t i = 0, o = 0, n, len;

	if (dstsz == 0)
		return dst;
	len = strnlen(src, max);
	if (len > dstsz - 1)
		len = dstsz - 1;
	/*
	 * o never passes i (a bad byte becomes one '?'), so dst may be src:
	 * fcx_error and htq_refuse mend what vsnprintf cut in place.
	 */
	while (i < len) {
		if ((n = aud_utf8_char(s + i, s + len, &cp)) == 0) {
			/* A character the cut split ends the text; any other
			 * bad byte is shown as '?'. */
			if (utf8_prefix(s + i, len - i))
				break;
			dst[o++] = '?';
			i++;
			continue;
		}
		memmove(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return dst;
}

/*
 * The characters text shown to others may not carry: C0 and C1 controls
 * (tab and newline allowed in multi-line text), DEL, the noncharacters
 * (U+FDD0..U+FDEF and the last two of every plane), and the
 * bidirectional formatting characters, which reorder what follows them
 * on a page (a title that reads backwards, a name that hides another).
 */
static int
forbidden(uint32_t c, int multiline)
{
	if (c < 0x20)
		return !(multiline && (c == '\t' || c == '\n'));
	if (c >= 0x7f && c <= 0x9f)
		return 1;
	if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
		return 1;
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

int
htq_text_valid(const char *s, int multiline)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	uint32_t cp;
	size_t n;

	if (s == NULL)
		return 0;
	for (end = p + strlen(s); p < end; p += n)
		if ((n = aud_utf8_char(p, end, &cp)) == 0 ||
		    forbidden(cp, multiline))
			return 0;
	return 1;
}
