/*
 * badge.c - the SVG badge an awarding body embeds: the mark's facts and
 * status in words, with a QR code of its verify page (libqrencode).
 * Everything taken from the mark is escaped (htq_put_esc, pages.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "pages.h"

/* Characters of a wrapped line: the title (15 px) and the awarding body
 * (13 px) in the 290 px left of the QR code. */
#define TITLE_CHARS	36
#define BODY_CHARS	42
#define MAX_LINES	12

struct lines {
	const char	*start[MAX_LINES];
	int		 len[MAX_LINES];	/* bytes */
	int		 n;
};

/* Bytes of the UTF-8 character at s (1 for a stray byte). */
static int
u8len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1, i;

	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

/*
 * Wrap s into lines of at most width characters, at spaces; a word
 * longer than a line is cut at a character boundary.  Never drops text:
 * beyond MAX_LINES the last line takes the rest.
 */
static void
wrap(const char *s, int width, struct lines *l)
{
	const char *p, *brk;
	int chars;

	l->n = 0;
	while (s != NULL && *s == ' ')
		s++;
	while (s != NULL && *s != '\0') {
		if (l->n == MAX_LINES - 1) {
			l->start[l->n] = s;
			l->len[l->n++] = (int)strlen(s);
			return;
		}
		brk = NULL;
		for (p = s, chars = 0; *p != '\0' && chars < width; chars++) {
			if (*p == ' ')
				brk = p;
			p += u8len(p);
		}
		if (*p == '\0' || *p == ' ')
			brk = p;
		else if (brk == NULL)
			brk = p;	/* one long word: cut it */
		l->start[l->n] = s;
		l->len[l->n++] = (int)(brk - s);
		s = brk;
		while (*s == ' ')
			s++;
	}
}

/* Where the lines go; returns the badge's height. */
static int
layout(const json_t *m, char *title, size_t titlesz, struct lines *tl,
    struct lines *bl)
{
	const char *t = htq_jstr(m, "qualification", "title");
	int y;

	/* "(level 4)" kept on one line: a no-break space (U+00A0) */
	snprintf(title, titlesz, "%s (level\xc2\xa0%lld)", t != NULL ? t : "",
	    htq_mark_level(m));
	wrap(title, TITLE_CHARS, tl);
	wrap(htq_jstr(m, "awarding_body", "name"), BODY_CHARS, bl);
	/* id at 70; title lines 18 apart from 94; the body 16 apart after
	 * 6 more; status, "scan", key below */
	y = 94 + 18 * (tl->n - 1) + 6 + 16 * (bl->n > 0 ? bl->n : 0) + 34 + 20 +
	    14 + 6;
	return y > 180 ? y : 180;
}

int
htq_badge_height(const json_t *m)
{
	struct lines tl, bl;
	char title[HTQ_MAX_TITLE + 64];

	return layout(m, title, sizeof(title), &tl, &bl);
}

static void
put_lines(FILE *f, const struct lines *l, int y, int step, const char *attrs)
{
	char buf[HTQ_MAX_TITLE + 64];
	int i;

	for (i = 0; i < l->n; i++, y += step) {
		fprintf(f, "<text x=\"14\" y=\"%d\" %s>", y, attrs);
		snprintf(buf, sizeof(buf), "%.*s", l->len[i], l->start[i]);
		htq_put_esc(f, buf);
		fputs("</text>\n", f);
	}
}

/*
 * The badge: 480 wide, 180 high or more (the whole title and the
 * awarding body, wrapped), the QR code on the right (one <path> of unit
 * squares, 4 modules of quiet zone), title and description for screen
 * readers, and the status in words ("CURRENT" / "REVOKED"), never by
 * colour alone; and the fingerprint of the ledger key the verify page
 * trusts (pages.h), so that the key a page carries can be compared with
 * the one printed where the badge is shown.
 */
int
htq_badge_svg(const json_t *m, const char *url, const char *fpr,
    char **out, size_t *len)
{
	const char *id = htq_jstr(m, "id", NULL), *title = htq_jstr(m,
	    "qualification", "title"), *body = htq_jstr(m, "awarding_body",
	    "name");
	int revoked = htq_mark_revoked(m), x, y, w, h;
	char full[HTQ_MAX_TITLE + 64];
	struct lines tl, bl;
	QRcode *qr;
	FILE *f;

	*out = NULL;
	if ((qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL)
		return HTQ_ENOMEM;
	if ((f = open_memstream(out, len)) == NULL) {
		QRcode_free(qr);
		return HTQ_ENOMEM;
	}
	h = layout(m, full, sizeof(full), &tl, &bl);
	w = qr->width + 8;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" "
	    "height=\"%d\" viewBox=\"0 0 480 %d\" role=\"img\" "
	    "aria-labelledby=\"t d\">\n<title id=\"t\">HTQ quality mark ", h, h);
	htq_put_esc(f, id);
	fprintf(f, ": %s</title>\n<desc id=\"d\">", revoked ? "REVOKED" :
	    "current");
	htq_put_esc(f, title);
	fputs(", awarded to ", f);
	htq_put_esc(f, body);
	fprintf(f, ". Status: %s. Verify at ", revoked ? "REVOKED" :
	    "current");
	htq_put_esc(f, url);
	if (fpr != NULL && fpr[0] != '\0') {
		fputs(". Ledger key fingerprint ", f);
		htq_put_esc(f, fpr);
	}
	fputs("</desc>\n", f);
	fprintf(f, "<rect width=\"480\" height=\"%d\" fill=\"#ffffff\" "
	    "stroke=\"#0b0c0c\" stroke-width=\"4\"/>\n"
	    "<rect x=\"2\" y=\"2\" width=\"300\" height=\"40\" fill=\"%s\"/>\n"
	    "<g font-family=\"Arial, Helvetica, sans-serif\" fill=\"#0b0c0c\">\n"
	    "<text x=\"14\" y=\"30\" font-size=\"20\" font-weight=\"bold\" "
	    "fill=\"#ffffff\">HTQ QUALITY MARK</text>\n"
	    "<text x=\"14\" y=\"70\" font-size=\"18\" font-weight=\"bold\">",
	    h, revoked ? "#942514" : "#00703c");
	htq_put_esc(f, id);
	fputs("</text>\n", f);
	/* the whole title, wrapped (class "title": one <text> a line) */
	put_lines(f, &tl, 94, 18, "font-size=\"15\" class=\"title\"");
	y = 94 + 18 * (tl.n - 1) + 6 + 16;
	put_lines(f, &bl, y, 16, "font-size=\"13\" class=\"body\"");
	y += 16 * (bl.n > 0 ? bl.n - 1 : 0) + 34;
	fprintf(f, "<text x=\"14\" y=\"%d\" font-size=\"22\" "
	    "font-weight=\"bold\">%s</text>\n", y, revoked ? "REVOKED" :
	    "CURRENT");
	fprintf(f, "<text x=\"14\" y=\"%d\" font-size=\"13\">Scan or visit "
	    "/verify to check</text>\n", y + 20);
	if (fpr != NULL && fpr[0] != '\0') {
		fprintf(f, "<text x=\"14\" y=\"%d\" font-size=\"9\">Ledger key ",
		    y + 34);
		htq_put_esc(f, fpr);
		fputs("</text>\n", f);
	}
	fputs("</g>\n", f);
	fprintf(f, "<svg x=\"310\" y=\"10\" width=\"160\" height=\"160\" "
	    "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" "
	    "aria-hidden=\"true\" class=\"qr\">\n<rect width=\"%d\" "
	    "height=\"%d\" fill=\"#ffffff\"/>\n<path fill=\"#000000\" d=\"",
	    w, w, w, w);
	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				fprintf(f, "M%d %dh1v1h-1z", x + 4, y + 4);
	fputs("\"/>\n</svg>\n</svg>\n", f);
	QRcode_free(qr);
	return htq_markup_finish(f, out, len);
}
