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

/*
 * The badge: 480 x 180, the QR code on the right (one <path> of unit
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
	int revoked = htq_mark_revoked(m), x, y, w;
	char shortt[40];
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
	w = qr->width + 8;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" "
	    "height=\"180\" viewBox=\"0 0 480 180\" role=\"img\" "
	    "aria-labelledby=\"t d\">\n<title id=\"t\">HTQ quality mark ");
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
	fprintf(f, "<rect width=\"480\" height=\"180\" fill=\"#ffffff\" "
	    "stroke=\"#0b0c0c\" stroke-width=\"4\"/>\n"
	    "<rect x=\"2\" y=\"2\" width=\"300\" height=\"40\" fill=\"%s\"/>\n"
	    "<g font-family=\"Arial, Helvetica, sans-serif\" fill=\"#0b0c0c\">\n"
	    "<text x=\"14\" y=\"30\" font-size=\"20\" font-weight=\"bold\" "
	    "fill=\"#ffffff\">HTQ QUALITY MARK</text>\n"
	    "<text x=\"14\" y=\"70\" font-size=\"18\" font-weight=\"bold\">",
	    revoked ? "#942514" : "#00703c");
	htq_put_esc(f, id);
	fputs("</text>\n<text x=\"14\" y=\"98\" font-size=\"15\">", f);
	if (title != NULL && strlen(title) > 34) {
		/* shorten on a UTF-8 character boundary */
		size_t n = 31;

		while (n > 0 && ((unsigned char)title[n] & 0xC0) == 0x80)
			n--;
		snprintf(shortt, sizeof(shortt), "%.*s...", (int)n, title);
		htq_put_esc(f, shortt);
	} else
		htq_put_esc(f, title);
	fprintf(f, " (level %lld)</text>\n", htq_mark_level(m));
	fprintf(f, "<text x=\"14\" y=\"140\" font-size=\"22\" "
	    "font-weight=\"bold\">%s</text>\n", revoked ? "REVOKED" :
	    "CURRENT");
	fputs("<text x=\"14\" y=\"160\" font-size=\"13\">Scan or visit "
	    "/verify to check</text>\n", f);
	if (fpr != NULL && fpr[0] != '\0') {
		fputs("<text x=\"14\" y=\"174\" font-size=\"9\">Ledger key ",
		    f);
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
