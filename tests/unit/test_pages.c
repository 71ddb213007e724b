/*
 * test_pages.c - the public pages' markup (core/publish/pages.c, badge.c):
 * the register's pages and its search's pages link each other with the
 * search kept (percent-encoded), the form offers each awarding body,
 * route and standard once, sorted, escaped; the site's shell is filled
 * at its markers (and a shell without them is not used); the badge
 * carries the whole title and the awarding body, wrapped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "t.h"
#include "pages.h"

static json_t *
marks(size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		char id[32];

		snprintf(id, sizeof(id), "HTQ-2026-%06zu-K", i + 1);
		json_array_append_new(a, json_pack("{s:s,s:s,s:{s:s,s:i,s:s},"
		    "s:{s:s,s:s},s:{s:s,s:s},s:s,s:s}",
		    "mark_id", id, "status", "current",
		    "qualification", "title", "HNC in <Things>", "level", 4,
		    "qan", "610/0001/2",
		    "awarding_body", "id", i % 2 ? "o-b" : "o-a",
		    "name", i % 2 ? "Beta & Sons" : "Alpha College",
		    "standard", "ref", i % 3 ? "ST0002" : "ST0001", "title",
		    "Software developer",
		    "route", i % 2 ? "Digital" : "Construction",
		    "awarded", "2026-12-07"));
	}
	return a;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
test_register_pages_link_with_the_search(void)
{
	json_t *all = marks(250);
	struct htq_register_filter f;
	char *out = NULL;
	size_t len;

	memset(&f, 0, sizeof(f));
	f.q = "a b&c\"<";
	f.status = "current";
	T_EQ(htq_register_html(all, all, &f, 2, NULL, &out, &len), HTQ_OK);
	T_ASSERT(strstr(out, "250 quality marks match your search: 101 to "
	    "200 shown here") != NULL);
	/* the neighbours and the ends, with the same search */
	T_ASSERT(strstr(out, "href=\"/register/search?q=a%20b%26c%22%3C&amp;"
	    "status=current&amp;page=3\" rel=\"next\"") != NULL);
	T_ASSERT(strstr(out, "href=\"/register/search?q=a%20b%26c%22%3C&amp;"
	    "status=current\" rel=\"prev\"") != NULL);
	T_ASSERT(strstr(out, "aria-current=\"page\">2<") != NULL);
	/* the form as asked, escaped */
	T_ASSERT(strstr(out, "value=\"a b&amp;c&quot;&lt;\"") != NULL);
	T_ASSERT(strstr(out, "<option value=\"current\" selected>") != NULL);
	/* each choice once, sorted by label, escaped */
	T_EQ(count(out, "<option value=\"o-a\">Alpha College</option>"), 1);
	T_EQ(count(out, "<option value=\"o-b\">Beta &amp; Sons</option>"), 1);
	T_ASSERT(strstr(out, "Alpha College</option>") < strstr(out,
	    "Beta &amp; Sons</option>"));
	T_ASSERT(strstr(out, ">Construction</option>") < strstr(out,
	    ">Digital</option>"));
	T_EQ(count(out, ">ST0001 Software developer</option>"), 1);
	T_EQ(count(out, "HNC in &lt;Things&gt;"), 100);
	T_EQ(count(out, "data-label=\"Status\""), 100);
	free(out);
	/* past the last page */
	T_EQ(htq_register_html(all, all, &f, 4, NULL, &out, &len), HTQ_EINVAL);
	/* the static pages link /register/<n> */
	T_EQ(htq_register_html(all, all, NULL, 2, NULL, &out, &len), HTQ_OK);
	T_ASSERT(strstr(out, "href=\"/register/3\" rel=\"next\"") != NULL);
	T_ASSERT(strstr(out, "href=\"/register\" rel=\"prev\"") != NULL);
	T_ASSERT(strstr(out, "action=\"/register/search\" method=\"get\"") !=
	    NULL);
	T_ASSERT(strstr(out, "Clear search") == NULL);
	free(out);
	json_decref(all);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	T_ASSERT(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void
test_shell_is_filled_at_its_markers(void)
{
	static const char top[] = "<html><head><title>Register of quality "
	    "marks – HTQ quality marks – GOV.UK</title></head><body><header>"
	    "SHARED</header><main><h1";
	char dir[] = "/tmp/htq-pages-XXXXXX", path[256], cmd[300];
	struct htq_site site;
	json_t *all = marks(1);
	char *out = NULL;
	size_t len;

	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/www", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/www/_shell", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/www/assets-manifest.json", dir);
	write_file(path, "{\"js/verify.js\": \"js/verify.0123456789ab.js\"}");
	snprintf(path, sizeof(path), "%s/www/_shell/public.html", dir);
	write_file(path, "<html><head><title><!--htq:title--></title>"
	    "<!--htq:head--></head><body><header>SHARED</header><main>"
	    "<!--htq:main--></main><footer>FOOT</footer></body></html>\n");
	htq_site_load(&site, dir);
	T_ASSERT(site.shell != NULL);
	T_EQ(htq_register_html(all, all, NULL, 1, &site, &out, &len), HTQ_OK);
	T_ASSERT(strncmp(out, top, strlen(top)) == 0);
	T_ASSERT(strstr(out, "</table>\n") != NULL && strstr(out, "</main>"
	    "<footer>FOOT</footer></body></html>\n") != NULL);
	free(out);
	T_EQ(htq_problem_html("Oops", "what <went> wrong", &site, &out, &len),
	    HTQ_OK);
	T_ASSERT(strstr(out, "what &lt;went&gt; wrong") != NULL &&
	    strstr(out, "SHARED") != NULL);
	free(out);
	htq_site_free(&site);
	/* a shell without its markers is not used: the plain one is */
	write_file(path, "<html><!--htq:main--><!--htq:title--></html>\n");
	htq_site_load(&site, dir);
	T_ASSERT(site.shell == NULL && site.assets != NULL);
	T_EQ(htq_register_html(all, all, NULL, 1, &site, &out, &len), HTQ_OK);
	T_ASSERT(strstr(out, "SHARED") == NULL && strstr(out, "<main") != NULL);
	free(out);
	htq_site_free(&site);
	json_decref(all);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	T_EQ(system(cmd), 0);
}

static void
test_badge_has_the_whole_title_wrapped(void)
{
	static const char title[] = "Higher National Certificate in Software "
	    "Development for Regulated Industries and Critical National "
	    "Infrastructure (Cyber Security Pathway)";
	json_t *m = json_pack("{s:s,s:s,s:{s:s,s:i},s:{s:s}}", "id",
	    "HTQ-2026-000001-K", "status", "current", "qualification",
	    "title", title, "level", 4, "awarding_body", "name",
	    "The Northfield and District College of Further and Higher "
	    "Education");
	char *out = NULL, want[64], *p, line[256];
	size_t len;
	int lines = 0, h;

	T_EQ(htq_badge_svg(m, "https://example.test/verify/HTQ-2026-000001-K",
	    "abcd", &out, &len), HTQ_OK);
	h = htq_badge_height(m);
	T_ASSERT(h > 180);
	snprintf(want, sizeof(want), "viewBox=\"0 0 480 %d\"", h);
	T_ASSERT(strstr(out, want) != NULL);
	/* the title's lines, joined, are the whole title and its level */
	line[0] = '\0';
	{
		char joined[1024] = "";
		size_t used = 0;
		int n;

		for (p = out; (p = strstr(p, "class=\"title\">")) != NULL; ) {
			char *e;

			p += strlen("class=\"title\">");
			e = strstr(p, "</text>");
			snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
			T_ASSERT(strlen(line) <= 36 + 1);	/* + the NBSP's */
			n = snprintf(joined + used, sizeof(joined) - used, "%s%s",
			    used > 0 ? " " : "", line);
			T_ASSERT(n > 0 && (size_t)n < sizeof(joined) - used);
			used += (size_t)n;
			lines++;
		}
		T_ASSERT(lines >= 3);
		snprintf(want, sizeof(want), " (level\xc2\xa0" "4)");
		T_ASSERT(strncmp(joined, title, strlen(title)) == 0);
		T_STREQ(joined + strlen(title), want);
	}
	T_ASSERT(strstr(out, "class=\"body\">The Northfield and District "
	    "College of</text>") != NULL);
	T_ASSERT(strstr(out, "class=\"body\">Further and Higher Education"
	    "</text>") != NULL);
	free(out);
	json_decref(m);
}

/* Signed days and codes in words; anything else as it is (verify.js
 * compares the page's facts with markcheck.js's words for the signed
 * entry: tests/web/ledger.test.mjs checks the same cases there). */
static void
test_days_and_types_in_words(void)
{
	static const char *const cases[][2] = {
		{ "2026-12-06", "6 December 2026" },
		{ "2026-01-31", "31 January 2026" },
		{ "2024-02-29", "29 February 2024" },
		{ "2000-02-29", "29 February 2000" },
		{ "1900-02-29", "1900-02-29" },
		{ "2023-02-29", "2023-02-29" },
		{ "2026-04-31", "2026-04-31" },
		{ "2026-13-01", "2026-13-01" },
		{ "2026-00-10", "2026-00-10" },
		{ "2026-12-6", "2026-12-6" },
		{ "2026-12-061", "2026-12-061" },
		{ "2026-11-29T09:00:00Z", "2026-11-29T09:00:00Z" },
		{ "+026-12-06", "+026-12-06" },
		{ "", "" },
	};
	char buf[HTQ_DAY_TEXT];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_STREQ(htq_day_text(cases[i][0], buf), cases[i][1]);
	T_ASSERT(htq_day_text(NULL, buf) == NULL);
	T_STREQ(htq_type_text("foundation_degree"), "Foundation degree");
	T_STREQ(htq_type_text("HNC"), "Higher National Certificate (HNC)");
	T_STREQ(htq_type_text("hnc"), "hnc");
	T_ASSERT(htq_type_text(NULL) == NULL);
}

int
main(void)
{
	T_RUN(test_register_pages_link_with_the_search);
	T_RUN(test_shell_is_filled_at_its_markers);
	T_RUN(test_badge_has_the_whole_title_wrapped);
	T_RUN(test_days_and_types_in_words);
	return T_DONE();
}
