/*
 * pages.c - the static public face of a quality mark as HTML: the
 * /verify/<id> page and the /register pages state the facts with no
 * JavaScript at all (badge.c draws the SVG badge).  publish.c writes them
 * into <datadir>/public after the commit that changes a mark.
 *
 * Everything taken from a mark is escaped for XML/HTML here, once
 * (put_esc); the pages link their scripts and styles by the hashed names
 * of build/www/assets-manifest.json, so the page's CSP ("script-src
 * 'self'", no inline script or style) holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "publish.h"
#include "pages.h"

/* Write s escaped for XML text and attribute values. */
void
htq_put_esc(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

long long
htq_mark_level(const json_t *m)
{
	const json_t *l = json_object_get(json_object_get(m, "qualification"),
	    "level");

	return json_is_integer(l) ? (long long)json_integer_value(l) : 0;
}

int
htq_mark_revoked(const json_t *m)
{
	const char *s = htq_jstr(m, "status", NULL);

	return s != NULL && strcmp(s, "revoked") == 0;
}

/* The words for a code in table (pairs, ending in NULL); any other code
 * as it is, NULL as NULL. */
static const char *
words_of(const char *const (*table)[2], const char *code)
{
	if (code == NULL)
		return NULL;
	for (; (*table)[0] != NULL; table++)
		if (strcmp((*table)[0], code) == 0)
			return (*table)[1];
	return code;
}

/* Readable revocation reasons (the stored code stays in the bundle). */
static const char *const reasons[][2] = {
	{ "qualification_withdrawn", "qualification withdrawn" },
	{ "standard_withdrawn", "standard withdrawn" },
	{ "non_compliance", "non-compliance" },
	{ NULL, NULL } };

const char *
htq_reason_text(const char *r)
{
	return r == NULL ? "" : words_of(reasons, r);
}

/*
 * The words the pages use for the signed values (web/js/markcheck.js
 * dayText and typeText follow the same rules, for the facts a verify
 * page shows as proved, which it compares with this page's; days are
 * htq_day_text's, core/store/clock.c).
 */
static const char *const types[][2] = {
	{ "HNC", "Higher National Certificate (HNC)" },
	{ "HND", "Higher National Diploma (HND)" },
	{ "foundation_degree", "Foundation degree" },
	{ "other", "Another type" },
	{ NULL, NULL } };

const char *
htq_type_text(const char *type)
{
	return words_of(types, type);
}

int
htq_markup_finish(FILE *f, char **out, size_t *len)
{
	(void)len;		/* set by fclose (open_memstream) */
	if (ferror(f)) {
		fclose(f);
		free(*out);
		*out = NULL;
		return HTQ_ENOMEM;
	}
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return HTQ_ENOMEM;
	}
	return HTQ_OK;
}

/* The served name of a logical asset ("js/verify.js"). */
static void
put_asset(FILE *f, const json_t *assets, const char *logical)
{
	const char *h = json_string_value(json_object_get(assets, logical));

	fputs("/assets/", f);
	htq_put_esc(f, h != NULL ? h : logical);
}

static const char *const markers[] = { "<!--htq:title-->",
    "<!--htq:head-->", "<!--htq:main-->" };

/*
 * The site's assets and page shell (pages.h).  A shell without its three
 * markers, in order, is not used.
 */
void
htq_site_load(struct htq_site *site, const char *datadir)
{
	char path[4096 + 64], *c;
	FILE *f;
	long n;
	size_t i;

	memset(site, 0, sizeof(*site));
	snprintf(path, sizeof(path), "%s/www/assets-manifest.json", datadir);
	site->assets = json_load_file(path, 0, NULL);
	snprintf(path, sizeof(path), "%s/www/_shell/public.html", datadir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    n < 256 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
	    (site->shell = malloc((size_t)n + 1)) != NULL &&
	    fread(site->shell, 1, (size_t)n, f) == (size_t)n) {
		site->shell[n] = '\0';
		site->part[0] = site->shell;
		for (c = site->shell, i = 0; i < 3; i++) {
			if ((c = strstr(c, markers[i])) == NULL)
				break;
			*c = '\0';
			c += strlen(markers[i]);
			site->part[i + 1] = c;
		}
		if (i < 3) {
			free(site->shell);
			site->shell = NULL;
		}
	} else {
		free(site->shell);
		site->shell = NULL;
	}
	fclose(f);
}

void
htq_site_free(struct htq_site *site)
{
	json_decref(site->assets);
	free(site->shell);
	memset(site, 0, sizeof(*site));
}

/* The page up to <main>'s content: the site's shell, with the title and
 * the page's stylesheet and script; a plain one without it. */
static void
page_head(FILE *f, const struct htq_site *site, const char *title,
    const char *script)
{
	const json_t *assets = site != NULL ? site->assets : NULL;

	if (site != NULL && site->shell != NULL) {
		fputs(site->part[0], f);
		htq_put_esc(f, title);
		fputs(" – HTQ quality marks – GOV.UK", f);
		fputs(site->part[1], f);
		if (script != NULL) {
			fputs("<script type=\"module\" src=\"", f);
			put_asset(f, assets, script);
			fputs("\"></script>\n", f);
		}
		fputs(site->part[2], f);
		return;
	}
	fputs("<!doctype html>\n<html lang=\"en\" class=\"govuk-template\">\n"
	    "<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>", f);
	htq_put_esc(f, title);
	fputs(" – HTQ quality marks</title>\n<link rel=\"stylesheet\" href=\"",
	    f);
	put_asset(f, assets, "govuk/govuk-frontend.min.css");
	fputs("\">\n<link rel=\"stylesheet\" href=\"", f);
	put_asset(f, assets, "portal.css");
	fputs("\">\n<link rel=\"stylesheet\" href=\"", f);
	put_asset(f, assets, "css/public.css");
	fputs("\">\n", f);
	if (script != NULL) {
		fputs("<script type=\"module\" src=\"", f);
		put_asset(f, assets, script);
		fputs("\"></script>\n", f);
	}
	fputs("</head>\n<body class=\"govuk-template__body\">\n"
	    "<a href=\"#main-content\" class=\"govuk-skip-link\">Skip to main "
	    "content</a>\n<header class=\"govuk-header\"><div class=\""
	    "govuk-header__container govuk-width-container\">"
	    "<p class=\"govuk-body\"><a href=\"/\" class=\"govuk-link\">HTQ "
	    "approvals</a></p></div></header>\n"
	    "<div class=\"govuk-width-container\">\n<main class=\""
	    "govuk-main-wrapper\" id=\"main-content\">\n", f);
}

static void
page_foot(FILE *f, const struct htq_site *site)
{
	if (site != NULL && site->shell != NULL) {
		fputs(site->part[3], f);
		return;
	}
	fputs("</main>\n</div>\n<footer class=\"govuk-footer\"><div class=\""
	    "govuk-width-container\"><p class=\"govuk-body-s\">Every award "
	    "and revocation is recorded in a public, signed <a class=\""
	    "govuk-footer__link\" href=\"/ledger\">ledger</a>.</p></div>"
	    "</footer>\n</body>\n</html>\n", f);
}

static void
row(FILE *f, const char *fact, const char *key, const char *value)
{
	fputs("<div class=\"govuk-summary-list__row\" data-fact=\"", f);
	htq_put_esc(f, fact);
	fputs("\"><dt class=\"govuk-summary-list__key\">", f);
	htq_put_esc(f, key);
	fputs("</dt><dd class=\"govuk-summary-list__value\">", f);
	htq_put_esc(f, value != NULL ? value : "—");
	fputs("</dd></div>\n", f);
}

/*
 * The page's trust policy as a JSON data block (not executed, so the
 * CSP's script-src does not govern it; verify.js reads it): '<' is
 * written as \u003c so that nothing in it can end the element.
 */
static void
put_policy(FILE *f, const struct htq_policy *pol)
{
	char *j, *c;

	if (pol == NULL || pol->json == NULL ||
	    (j = json_dumps(pol->json, JSON_COMPACT | JSON_ESCAPE_SLASH)) ==
	    NULL)
		return;
	fputs("<script type=\"application/json\" id=\"htq-policy\">", f);
	for (c = j; *c != '\0'; c++)
		if (*c == '<')
			fputs("\\u003c", f);
		else
			fputc(*c, f);
	fputs("</script>\n", f);
	free(j);
}

/*
 * The verify page.  The facts are what this website publishes, said as
 * such: the status reads "Not yet checked" until verify.js has proved
 * the mark in the browser and replaced it (and the facts) with what the
 * signed ledger entries say, so a page whose script did not run never
 * claims more than the website's word.  The policy (the log's origin and
 * keys) is written into the page when it is published; its newest key's
 * fingerprint is printed, as on the badge.
 */
int
htq_verify_html(const json_t *m, const struct htq_site *site,
    const struct htq_policy *pol, char **out, size_t *len)
{
	const char *id = htq_jstr(m, "id", NULL);
	const json_t *r = json_object_get(m, "revoked");
	int revoked = htq_mark_revoked(m);
	char level[32], std[400], title[64], day[HTQ_DAY_TEXT];
	FILE *f;

	*out = NULL;
	if ((f = open_memstream(out, len)) == NULL)
		return HTQ_ENOMEM;
	snprintf(title, sizeof(title), "Quality mark %s", id ? id : "");
	page_head(f, site, title, "js/verify.js");
	fputs("<span class=\"govuk-caption-l\">Quality mark</span>\n"
	    "<h1 class=\"govuk-heading-l\" id=\"mark-id\">", f);
	htq_put_esc(f, id);
	fputs("</h1>\n<p class=\"govuk-body\" id=\"mark-status\">Status: "
	    "<strong class=\"govuk-tag govuk-tag--grey\">Not yet checked"
	    "</strong></p>\n<p class=\"govuk-body\" id=\"listed-status\">"
	    "This website lists it as ", f);
	fputs(revoked ? "revoked" : "current", f);
	fputs(". Nothing on this page is proved until the check below has "
	    "run.</p>\n", f);
	if (json_is_object(r)) {
		fputs("<div class=\"govuk-warning-text\" id=\"listed-revocation\">"
		    "<span class=\"govuk-warning-text__icon\" aria-hidden=\"true\">"
		    "!</span><strong class=\"govuk-warning-text__text\"><span "
		    "class=\"govuk-visually-hidden\">Warning</span>This website "
		    "says this quality mark was revoked on ", f);
		htq_put_esc(f, htq_day_text(htq_jstr(r, "date", NULL), day));
		fputs(": ", f);
		htq_put_esc(f, htq_reason_text(htq_jstr(r, "reason", NULL)));
		fputs(".</strong></div>\n", f);
	}
	fputs("<h2 class=\"govuk-heading-m\">What was approved</h2>\n"
	    "<p class=\"govuk-body\" id=\"facts-source\">As published by this "
	    "website (not yet checked).</p>\n"
	    "<dl class=\"govuk-summary-list\" id=\"facts\">\n", f);
	row(f, "qualification", "Qualification", htq_jstr(m, "qualification",
	    "title"));
	row(f, "qualification_type", "Qualification type",
	    htq_type_text(htq_jstr(m, "qualification", "type")));
	snprintf(level, sizeof(level), "%lld", htq_mark_level(m));
	row(f, "level", "Level", level);
	row(f, "qan", "Qualification number (QAN)", htq_jstr(m,
	    "qualification", "qan"));
	row(f, "awarding_body", "Awarding body", htq_jstr(m, "awarding_body",
	    "name"));
	snprintf(std, sizeof(std), "%s %s (version %s)",
	    htq_jstr(m, "standard", "ref") ? htq_jstr(m, "standard", "ref") : "",
	    htq_jstr(m, "standard", "title") ? htq_jstr(m, "standard", "title") : "",
	    htq_jstr(m, "standard", "version") ? htq_jstr(m, "standard", "version") :
	    "");
	row(f, "standard", "Occupational standard", std);
	row(f, "route", "Route", htq_jstr(m, "route", NULL));
	row(f, "awarded", "Awarded", htq_day_text(htq_jstr(m, "awarded",
	    NULL), day));
	row(f, "first_teaching", "First teaching", htq_day_text(htq_jstr(m,
	    "first_teaching", NULL), day));
	row(f, "review_by", "Review by", htq_day_text(htq_jstr(m,
	    "review_by", NULL), day));
	row(f, "status", "Listed as", revoked ? "Revoked" : "Current");
	if (json_is_object(r)) {
		row(f, "revoked_on", "Revoked on", htq_day_text(htq_jstr(r,
		    "date", NULL), day));
		row(f, "reason", "Reason", htq_reason_text(htq_jstr(r, "reason",
		    NULL)));
		if (htq_jstr(r, "note", NULL) != NULL)
			row(f, "note", "Details", htq_jstr(r, "note", NULL));
	}
	fputs("</dl>\n<h2 class=\"govuk-heading-m\">Check it yourself</h2>\n"
	    "<p class=\"govuk-body\">Your browser checks this quality mark "
	    "against the public, signed ledger: the ledger key written into "
	    "this page when it was published, the award's signed entry and its "
	    "place in the ledger, and every later entry for a revocation. It "
	    "does not take the website's word for the proof bundle, the "
	    "ledger files or the facts above: each is checked against that "
	    "key. It does trust that this page carries the right key: compare "
	    "the fingerprint below with one you got elsewhere (the badge, the "
	    "awarding body, a partner), or use the <a class=\"govuk-link\" "
	    "href=\"/htq-verifier.html\" download>standalone verifier</a>: one "
	    "HTML file that checks a bundle file on your own computer, with no "
	    "network, with the key written into it.</p>\n", f);
	if (pol != NULL && pol->fingerprint[0] != '\0') {
		fputs("<p class=\"govuk-body\">Ledger key fingerprint: <code "
		    "id=\"key-fingerprint\">", f);
		htq_put_esc(f, pol->fingerprint);
		fputs("</code></p>\n", f);
	}
	fputs("<div id=\"verify\" data-mark=\"", f);
	htq_put_esc(f, id);
	fputs("\"><p class=\"govuk-body\" id=\"verify-nojs\">Not yet checked: "
	    "checking in the browser needs JavaScript. Without it, download "
	    "the <a class=\"govuk-link\" href=\"/api/v1/marks/", f);
	htq_put_esc(f, id);
	fputs("\">proof bundle</a> and check it with <code>htq-verify mark"
	    "</code> or the standalone verifier.</p></div>\n"
	    "<h2 class=\"govuk-heading-m\">Badge</h2>\n"
	    "<p class=\"govuk-body\"><img class=\"htq-badge\" src=\"/marks/", f);
	htq_put_esc(f, id);
	fputs("/badge.svg\" alt=\"Quality mark badge for ", f);
	htq_put_esc(f, id);
	fprintf(f, "\" width=\"480\" height=\"%d\"></p>\n",
	    htq_badge_height(m));
	put_policy(f, pol);
	page_foot(f, site);
	return htq_markup_finish(f, out, len);
}

/* s as a query string value: unreserved bytes as they are, the rest
 * percent-encoded (so the result needs no HTML escaping). */
static void
put_qval(FILE *f, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *c;

	for (c = (const unsigned char *)s; *c != '\0'; c++)
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
		    *c == '.' || *c == '~')
			fputc(*c, f);
		else
			fprintf(f, "%%%c%c", hex[*c >> 4], hex[*c & 15]);
}

/* The address of page n of the register: the static pages, or the same
 * search's page n. */
static void
register_href(FILE *f, const struct htq_register_filter *q, size_t n)
{
	const struct {
		const char *name, *val;
	} p[] = {
		{ "q", q ? q->q : NULL },
		{ "awarding_body", q ? q->awarding_body : NULL },
		{ "route", q ? q->route : NULL },
		{ "standard", q ? q->standard : NULL },
		{ "status", q ? q->status : NULL },
	};
	size_t i;
	char sep = '?';

	if (q == NULL) {
		if (n <= 1)
			fputs("/register", f);
		else
			fprintf(f, "/register/%zu", n);
		return;
	}
	fputs("/register/search", f);
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		if (p[i].val == NULL || p[i].val[0] == '\0')
			continue;
		fprintf(f, "%s%s=", sep == '?' ? "?" : "&amp;", p[i].name);
		put_qval(f, p[i].val);
		sep = '&';
	}
	if (n > 1)
		fprintf(f, "%spage=%zu", sep == '?' ? "?" : "&amp;", n);
}

/* GOV.UK pagination: previous, the first, last and neighbouring pages
 * (ellipses between), next. */
static void
register_pagination(FILE *f, const struct htq_register_filter *q,
    size_t page, size_t pages)
{
	static const char prev_icon[] = "<svg class=\"govuk-pagination__icon "
	    "govuk-pagination__icon--prev\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "height=\"13\" width=\"15\" aria-hidden=\"true\" focusable=\"false\" "
	    "viewBox=\"0 0 15 13\"><path d=\"m6.5938-0.0078125-6.7266 6.7266 "
	    "6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-"
	    "4.293-1.414-1.414z\"></path></svg>";
	static const char next_icon[] = "<svg class=\"govuk-pagination__icon "
	    "govuk-pagination__icon--next\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "height=\"13\" width=\"15\" aria-hidden=\"true\" focusable=\"false\" "
	    "viewBox=\"0 0 15 13\"><path d=\"m8.107-0.0078125-1.4136 1.414 "
	    "4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-"
	    "6.4062-6.7246-6.7266z\"></path></svg>";
	size_t n;
	int gap = 0;

	if (pages <= 1)
		return;
	fputs("<nav class=\"govuk-pagination\" id=\"register-pages\" "
	    "aria-label=\"Register pages\">\n", f);
	if (page > 1) {
		fputs("<div class=\"govuk-pagination__prev\"><a class=\""
		    "govuk-link govuk-pagination__link\" href=\"", f);
		register_href(f, q, page - 1);
		fprintf(f, "\" rel=\"prev\">%s<span class=\""
		    "govuk-pagination__link-title\">Previous<span class=\""
		    "govuk-visually-hidden\"> page</span></span></a></div>\n",
		    prev_icon);
	}
	fputs("<ul class=\"govuk-pagination__list\">\n", f);
	for (n = 1; n <= pages; n++) {
		if (n != 1 && n != pages && (n + 1 < page || n > page + 1)) {
			if (!gap)
				fputs("<li class=\"govuk-pagination__item "
				    "govuk-pagination__item--ellipses\">&ctdot;"
				    "</li>\n", f);
			gap = 1;
			continue;
		}
		gap = 0;
		fprintf(f, "<li class=\"govuk-pagination__item%s\"><a class="
		    "\"govuk-link govuk-pagination__link\" href=\"", n == page ?
		    " govuk-pagination__item--current" : "");
		register_href(f, q, n);
		fprintf(f, "\" aria-label=\"Page %zu\"%s>%zu</a></li>\n", n,
		    n == page ? " aria-current=\"page\"" : "", n);
	}
	fputs("</ul>\n", f);
	if (page < pages) {
		fputs("<div class=\"govuk-pagination__next\"><a class=\""
		    "govuk-link govuk-pagination__link\" href=\"", f);
		register_href(f, q, page + 1);
		fprintf(f, "\" rel=\"next\"><span class=\""
		    "govuk-pagination__link-title\">Next<span class=\""
		    "govuk-visually-hidden\"> page</span></span>%s</a></div>\n",
		    next_icon);
	}
	fputs("</nav>\n", f);
}

/* A filter's choices: value -> label, sorted by label. */
struct choice {
	const char *value, *label;
};

static int
choice_cmp(const void *a, const void *b)
{
	const struct choice *x = a, *y = b;
	int c = strcasecmp(x->label, y->label);

	return c != 0 ? c : strcmp(x->value, y->value);
}

/* The distinct values of one field of all's marks (at most
 * HTQ_REGISTER_CHOICES), with their labels; *n set; NULL when none or
 * out of memory (then the select offers "Any" alone). */
enum { CH_BODY, CH_ROUTE, CH_STANDARD };

static struct choice *
choices(const json_t *all, int which, json_t *labels, size_t *n)
{
	struct choice *c;
	const json_t *it;
	const char *v, *l;
	size_t i, k;

	*n = 0;
	if ((c = calloc(HTQ_REGISTER_CHOICES, sizeof(*c))) == NULL)
		return NULL;
	json_array_foreach(all, i, it) {
		if (which == CH_BODY) {
			v = htq_jstr(it, "awarding_body", "id");
			l = htq_jstr(it, "awarding_body", "name");
		} else if (which == CH_ROUTE) {
			v = l = htq_jstr(it, "route", NULL);
		} else {
			char buf[HTQ_MAX_TITLE + 16];

			v = htq_jstr(it, "standard", "ref");
			if (v == NULL || json_object_get(labels, v) != NULL)
				continue;
			snprintf(buf, sizeof(buf), "%s %s", v,
			    htq_jstr(it, "standard", "title") ? htq_jstr(it,
			    "standard", "title") : "");
			json_object_set_new(labels, v, json_string(buf));
			l = json_string_value(json_object_get(labels, v));
		}
		if (v == NULL || l == NULL || *n == HTQ_REGISTER_CHOICES)
			continue;
		for (k = 0; k < *n && strcmp(c[k].value, v) != 0; k++)
			;
		if (k == *n) {
			c[*n].value = v;
			c[*n].label = l;
			(*n)++;
		}
	}
	qsort(c, *n, sizeof(*c), choice_cmp);
	return c;
}

static void
put_select(FILE *f, const char *id, const char *label, const char *any,
    const struct choice *c, size_t n, const char *chosen)
{
	size_t i;

	fprintf(f, "<div class=\"govuk-form-group\"><label class=\""
	    "govuk-label\" for=\"%s\">%s</label>\n<select class=\""
	    "govuk-select\" id=\"%s\" name=\"%s\"><option value=\"\">%s"
	    "</option>", id, label, id, id, any);
	for (i = 0; i < n; i++) {
		fputs("<option value=\"", f);
		htq_put_esc(f, c[i].value);
		fputs("\"", f);
		if (chosen != NULL && strcasecmp(chosen, c[i].value) == 0)
			fputs(" selected", f);
		fputs(">", f);
		htq_put_esc(f, c[i].label);
		fputs("</option>", f);
	}
	fputs("</select></div>\n", f);
}

static void
register_form(FILE *f, const json_t *all, const struct htq_register_filter *q)
{
	json_t *labels = json_object();
	struct choice *c;
	size_t n;

	fputs("<form class=\"govuk-!-margin-bottom-6\" id=\"search\" "
	    "action=\"/register/search\" method=\"get\" role=\"search\" "
	    "aria-label=\"Search the register\">\n"
	    "<div class=\"govuk-form-group\"><label class=\"govuk-label\" "
	    "for=\"q\">Qualification title or number (QAN)</label>\n"
	    "<input class=\"govuk-input govuk-!-width-two-thirds\" id=\"q\" "
	    "name=\"q\" type=\"search\" spellcheck=\"false\" value=\"", f);
	htq_put_esc(f, q != NULL ? q->q : NULL);
	fputs("\"></div>\n", f);
	c = choices(all, CH_BODY, labels, &n);
	put_select(f, "awarding_body", "Awarding body", "Any awarding body", c,
	    n, q != NULL ? q->awarding_body : NULL);
	free(c);
	c = choices(all, CH_ROUTE, labels, &n);
	put_select(f, "route", "Route", "Any route", c, n, q != NULL ?
	    q->route : NULL);
	free(c);
	c = choices(all, CH_STANDARD, labels, &n);
	put_select(f, "standard", "Occupational standard", "Any standard", c,
	    n, q != NULL ? q->standard : NULL);
	free(c);
	json_decref(labels);
	fputs("<div class=\"govuk-form-group\"><label class=\"govuk-label\" "
	    "for=\"status\">Status</label>\n<select class=\"govuk-select\" "
	    "id=\"status\" name=\"status\"><option value=\"\">Current or "
	    "revoked</option>", f);
	fprintf(f, "<option value=\"current\"%s>Current</option><option "
	    "value=\"revoked\"%s>Revoked</option></select></div>\n",
	    q != NULL && q->status != NULL && strcmp(q->status, "current") ==
	    0 ? " selected" : "", q != NULL && q->status != NULL &&
	    strcmp(q->status, "revoked") == 0 ? " selected" : "");
	fputs("<div class=\"govuk-button-group\"><button class=\""
	    "govuk-button\" type=\"submit\" data-module=\"govuk-button\">"
	    "Search</button>", f);
	if (q != NULL)
		fputs("<a class=\"govuk-link\" href=\"/register\" id=\"clear\">"
		    "Clear search</a>", f);
	fputs("</div>\n</form>\n", f);
}

/* A cell with its column's heading for narrow screens (portal.css
 * .htq-stack shows data-label above each cell under 640 px). */
static void
cell_open(FILE *f, const char *label)
{
	fprintf(f, "<td class=\"govuk-table__cell\" data-label=\"%s\">", label);
}

int
htq_register_html(const json_t *all, const json_t *shown,
    const struct htq_register_filter *q, size_t page,
    const struct htq_site *site, char **out, size_t *len)
{
	const json_t *it;
	size_t i, total = json_array_size(shown), first, last, pages;
	char title[128], day[HTQ_DAY_TEXT];
	FILE *f;

	pages = total == 0 ? 1 : (total + HTQ_REGISTER_PAGE - 1) /
	    HTQ_REGISTER_PAGE;
	if (page < 1 || page > pages)
		return HTQ_EINVAL;
	first = (page - 1) * HTQ_REGISTER_PAGE;
	last = first + HTQ_REGISTER_PAGE < total ? first + HTQ_REGISTER_PAGE :
	    total;
	*out = NULL;
	if ((f = open_memstream(out, len)) == NULL)
		return HTQ_ENOMEM;
	snprintf(title, sizeof(title), "%s", q != NULL ? "Search the register of quality marks" :
	    "Register of quality marks");
	if (pages > 1)
		snprintf(title + strlen(title), sizeof(title) - strlen(title),
		    " (page %zu of %zu)", page, pages);
	page_head(f, site, title, NULL);
	fputs("<h1 class=\"govuk-heading-l\">Register of quality marks</h1>\n"
	    "<p class=\"govuk-body-l\">Higher technical qualifications "
	    "approved against occupational standards, with their quality "
	    "marks. Revoked marks stay listed.</p>\n", f);
	register_form(f, all, q);
	fputs("<p class=\"govuk-body\" id=\"results\">", f);
	if (total == 0)
		fputs(q != NULL ? "No quality marks match your search."
		    : "No quality marks have been awarded yet.", f);
	else if (pages > 1)
		fprintf(f, "%zu quality marks%s: %zu to %zu shown here", total,
		    q != NULL ? " match your search" : "", first + 1, last);
	else
		fprintf(f, "%zu quality mark%s%s", total, total == 1 ? "" : "s",
		    q != NULL ? (total == 1 ? " matches your search" :
		    " match your search") : "");
	fputs("</p>\n", f);
	if (total > 0)
		fputs("<table class=\"govuk-table htq-stack\" id=\"register\">\n"
		    "<caption class=\"govuk-table__caption "
		    "govuk-visually-hidden\">Quality marks</caption>\n<thead "
		    "class=\"govuk-table__head\"><tr class=\"govuk-table__row\">"
		    "<th scope=\"col\" class=\"govuk-table__header\">Quality "
		    "mark</th><th scope=\"col\" class=\"govuk-table__header\">"
		    "Qualification</th><th scope=\"col\" class=\""
		    "govuk-table__header\">Awarding body</th><th scope=\"col\" "
		    "class=\"govuk-table__header\">Standard</th><th scope=\""
		    "col\" class=\"govuk-table__header\">Route</th><th scope=\""
		    "col\" class=\"govuk-table__header\">Awarded</th><th scope="
		    "\"col\" class=\"govuk-table__header\">Status</th></tr>"
		    "</thead>\n<tbody class=\"govuk-table__body\">\n", f);
	for (i = first; i < last; i++) {
		const json_t *r;

		it = json_array_get(shown, i);
		r = json_object_get(it, "revoked");
		fputs("<tr class=\"govuk-table__row\">", f);
		cell_open(f, "Quality mark");
		fputs("<a class=\"govuk-link\" href=\"/verify/", f);
		htq_put_esc(f, htq_jstr(it, "mark_id", NULL));
		fputs("\">", f);
		htq_put_esc(f, htq_jstr(it, "mark_id", NULL));
		fputs("</a></td>", f);
		cell_open(f, "Qualification");
		htq_put_esc(f, htq_jstr(it, "qualification", "title"));
		fputs(" (level ", f);
		fprintf(f, "%lld", htq_mark_level(it));
		if (htq_jstr(it, "qualification", "qan") != NULL) {
			fputs(", QAN ", f);
			htq_put_esc(f, htq_jstr(it, "qualification", "qan"));
		}
		fputs(")</td>", f);
		cell_open(f, "Awarding body");
		htq_put_esc(f, htq_jstr(it, "awarding_body", "name"));
		fputs("</td>", f);
		cell_open(f, "Standard");
		htq_put_esc(f, htq_jstr(it, "standard", "ref"));
		fputs(" ", f);
		htq_put_esc(f, htq_jstr(it, "standard", "title"));
		fputs("</td>", f);
		cell_open(f, "Route");
		htq_put_esc(f, htq_jstr(it, "route", NULL));
		fputs("</td>", f);
		cell_open(f, "Awarded");
		htq_put_esc(f, htq_day_text(htq_jstr(it, "awarded", NULL),
		    day));
		fputs("</td>", f);
		cell_open(f, "Status");
		if (json_is_object(r)) {
			fputs("<strong class=\"govuk-tag govuk-tag--red\">"
			    "Revoked</strong> ", f);
			htq_put_esc(f, htq_day_text(htq_jstr(r, "date", NULL),
			    day));
			fputs(": ", f);
			htq_put_esc(f, htq_reason_text(htq_jstr(r, "reason", NULL)));
		} else
			fputs("<strong class=\"govuk-tag govuk-tag--green\">"
			    "Current</strong>", f);
		fputs("</td></tr>\n", f);
	}
	if (total > 0)
		fputs("</tbody>\n</table>\n", f);
	register_pagination(f, q, page, pages);
	page_foot(f, site);
	return htq_markup_finish(f, out, len);
}

int
htq_problem_html(const char *heading, const char *message,
    const struct htq_site *site, char **out, size_t *len)
{
	FILE *f;

	*out = NULL;
	if ((f = open_memstream(out, len)) == NULL)
		return HTQ_ENOMEM;
	page_head(f, site, heading, NULL);
	fputs("<h1 class=\"govuk-heading-l\">", f);
	htq_put_esc(f, heading);
	fputs("</h1>\n<p class=\"govuk-body\" id=\"problem\">", f);
	htq_put_esc(f, message);
	fputs("</p>\n<p class=\"govuk-body\">You can <a class=\"govuk-link\" "
	    "href=\"/register\">search the register of quality marks</a> "
	    "again.</p>\n", f);
	page_foot(f, site);
	return htq_markup_finish(f, out, len);
}
