/*
 * test_report.c - the partners' report (core/domain/report.c) over a demo
 * history with known answers, made through the real workflow functions
 * against a real LMDB with the ledger attached.
 *
 * The binary is linked with -Wl,--wrap=time (Makefile), so every time()
 * the code under test calls - the ledger entries' times, the records'
 * dates - reads this file's clock: the history spans 43 days of a wave
 * in a fraction of a second, and every figure (counts, rates, medians,
 * 90th percentiles, requests per submission, KSBs and reasons, bodies)
 * is known in advance.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "t.h"
#include "htq.h"
#include "aud.h"

static time_t now_fake;

time_t	__wrap_time(time_t *);
time_t
__wrap_time(time_t *t)
{
	if (t != NULL)
		*t = now_fake;
	return now_fake;
}

static time_t t0;
#define DAY(n)	(now_fake = t0 + (time_t)(n) * 86400)

static char dir[64];
static struct htq_db *db;
static char org_a[HTQ_ID_LEN + 1], org_b[HTQ_ID_LEN + 1];
static struct htq_actor ab_a = { "a-00000000000000a1", HTQ_ROLE_AWARDING_BODY,
    org_a };
static struct htq_actor ab_b = { "a-00000000000000b1", HTQ_ROLE_AWARDING_BODY,
    org_b };
static const struct htq_actor rev1 = { "a-0000000000000r01", HTQ_ROLE_REVIEWER,
    "" };
static const struct htq_actor appr = { "a-0000000000000p01", HTQ_ROLE_APPROVER,
    "" };
static const struct htq_actor auditor = { "a-0000000000000u01",
    HTQ_ROLE_AUDITOR, "" };
static const struct htq_actor admin = { "a-0000000000000d01", HTQ_ROLE_ADMIN,
    "" };

#define NEEDS	"needs a live client site"
#define PLACE	"taught on placement"
#define THIN	"Coverage of the skills is too thin."
#define FORMULA	"=Assessment, not described"

static json_t *
api_std(const char *ref, const char *route, int nk, int ns, int nb)
{
	json_t *k = json_array(), *s = json_array(), *b = json_array();
	char t[32];
	int i;

	for (i = 0; i < nk; i++) {
		snprintf(t, sizeof(t), "Knows thing %d", i + 1);
		json_array_append_new(k, json_pack("{s:s}", "detail", t));
	}
	for (i = 0; i < ns; i++)
		json_array_append_new(s, json_pack("{s:s}", "detail", "do"));
	for (i = 0; i < nb; i++)
		json_array_append_new(b, json_pack("{s:s}", "detail", "be"));
	return json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:o,s:o,s:o}",
	    "referenceNumber", ref, "title", "Standard", "version", "1.0",
	    "level", 4, "route", route, "status", "Approved for delivery",
	    "knowledges", k, "skills", s, "behaviours", b);
}

static void
date_of(int days, char *buf)
{
	time_t t = t0 + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, HTQ_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

/* K1 and S1 covered; the standard's other KSBs among K2 K3 S2 B1 B2 given
 * reason, K2 covered too when cover_k2. */
static json_t *
content(const char *ref, const char *reason, int cover_k2)
{
	static const char *const rest[] = { "K2", "K3", "S2", "B1", "B2" };
	int ksbs[3] = { 3, 2, 2 };
	json_t *c, *map;
	size_t i;

	if (strcmp(ref, "ST0049") == 0)
		ksbs[0] = 2, ksbs[2] = 1;
	c = json_pack("{s:{s:s,s:s,s:i},s:{s:s,s:s},s:[{s:s,s:s}],"
	    "s:[{s:s,s:[s],s:s},{s:s,s:[s],s:s}]}",
	    "qualification", "title", "HNC in Things", "type", "HNC",
	    "level", 4, "standard", "ref", ref, "version", "1.0",
	    "units", "id", "U1", "title", "Unit one",
	    "mapping", "ksb", "K1", "units", "U1", "assessment", "exam",
	    "ksb", "S1", "units", "U1", "assessment", "project");
	map = json_object_get(c, "mapping");
	for (i = 0; i < 5; i++) {
		if (rest[i][1] - '0' > ksbs[rest[i][0] == 'K' ? 0 :
		    rest[i][0] == 'S' ? 1 : 2])
			continue;
		if (cover_k2 && strcmp(rest[i], "K2") == 0)
			json_array_append_new(map, json_pack("{s:s,s:[s],s:s}",
			    "ksb", "K2", "units", "U1", "assessment", "exam"));
		else
			json_array_append_new(map, json_pack("{s:s,s:[],s:s}",
			    "ksb", rest[i], "units", "not_attainable", reason));
	}
	return c;
}

/* A submitted submission of a's into id. */
static void
sub(struct htq_actor *a, const char *ref, const char *reason, int cover_k2,
    char id[HTQ_ID_LEN + 1])
{
	struct htq_why why;
	json_t *c = content(ref, reason, cover_k2), *out;

	T_EQ(htq_submission_create(db, a, c, &out, &why), HTQ_OK);
	json_decref(c);
	snprintf(id, HTQ_ID_LEN + 1, "%s", json_string_value(json_object_get(
	    out, "id")));
	json_decref(out);
	T_EQ(htq_submission_submit(db, a, id, &out, &why), HTQ_OK);
	json_decref(out);
}

static void
review(const char *id, const char *rec)
{
	struct htq_why why;
	json_t *r = json_pack("{s:s,s:s}", "recommendation", rec, "comments",
	    "seen"), *out;

	T_EQ(htq_review_record(db, &rev1, id, r, &out, &why), HTQ_OK);
	json_decref(r);
	json_decref(out);
}

static void
ask(const char *id)
{
	struct htq_why why;
	json_t *out;

	T_EQ(htq_information_request(db, &rev1, id, "Which units?", &out,
	    &why), HTQ_OK);
	json_decref(out);
}

static void
answer(struct htq_actor *a, const char *id, json_t *c)
{
	struct htq_why why;
	json_t *out;

	T_EQ(htq_information_respond(db, a, id, "These.", c, &out, &why),
	    HTQ_OK);
	json_decref(out);
	json_decref(c);
}

static void
decide(const char *id, const char *outcome, const char *reasons,
    char *mark)
{
	struct htq_why why;
	json_t *out;

	T_EQ(htq_decide(db, &appr, id, outcome, reasons, &out, &why), HTQ_OK);
	if (mark != NULL)
		snprintf(mark, HTQ_MARK_ID_LEN + 1, "%s", json_string_value(
		    json_object_get(out, "mark")));
	json_decref(out);
}

static char w1[HTQ_ID_LEN + 1], w2[HTQ_ID_LEN + 1], wc[HTQ_ID_LEN + 1];

static void
open_window(const char *route, int from, int to, char id[HTQ_ID_LEN + 1])
{
	char d0[11], d1[11], d2[11];
	json_t *w;

	date_of(from, d0);
	date_of(to, d1);
	date_of(to + 200, d2);
	T_EQ(htq_window_open(db, &admin, route, d0, d1, d2, &w, NULL),
	    HTQ_OK);
	snprintf(id, HTQ_ID_LEN + 1, "%s", json_string_value(json_object_get(w,
	    "id")));
	json_decref(w);
}

/*
 * The wave: the digital window w1 (nine submissions, days 0 to 31), the
 * construction window wc (two), and after w1 closed on day 39 the
 * digital window w2 (one, days 41 to 43).
 */
static void
history(void)
{
	struct htq_import_stats st;
	struct tm tm;
	char path[128], err[256], *buf;
	char s[11][HTQ_ID_LEN + 1], mark[HTQ_MARK_ID_LEN + 1];
	struct htq_why why;
	json_t *arr, *out;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 8;
	tm.tm_mday = 1;
	tm.tm_hour = 9;
	t0 = timegm(&tm);
	DAY(-1);
	snprintf(dir, sizeof(dir), "/tmp/htq-unit-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	T_EQ(htq_db_open(dir, HTQ_DB_CREATE, &db), HTQ_OK);
	snprintf(path, sizeof(path), "%s/keys", dir);
	T_ASSERT(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/keys/ledger.key", dir);
	T_EQ(aud_key_generate(path, htq_origin()), HTQ_OK);
	T_EQ(htq_ledger_attach(db, dir, 1), HTQ_OK);
	arr = json_pack("[o,o]", api_std("ST0116", "Digital", 3, 2, 2),
	    api_std("ST0049", "Construction", 2, 2, 1));
	buf = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	T_EQ(htq_standards_import(db, buf, strlen(buf), &st, NULL, NULL, err,
	    sizeof(err)), HTQ_OK);
	free(buf);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "College A", NULL,
	    "10000001", org_a), HTQ_OK);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "Awards B", "RN1234",
	    NULL, org_b), HTQ_OK);
	open_window("Digital", 0, 39, w1);
	open_window("Construction", 0, 60, wc);
	DAY(0);
	sub(&ab_a, "ST0116", NEEDS, 0, s[1]);
	sub(&ab_a, "ST0116", NEEDS, 0, s[2]);
	sub(&ab_b, "ST0116", NEEDS, 0, s[3]);
	sub(&ab_b, "ST0116", PLACE, 1, s[8]);
	sub(&ab_a, "ST0116", PLACE, 1, s[9]);
	sub(&ab_a, "ST0049", NEEDS, 0, s[0]);		/* c1 */
	sub(&ab_b, "ST0049", NEEDS, 0, s[10]);		/* c2 */
	DAY(1);
	review(s[1], "approve");
	review(s[3], "reject");
	sub(&ab_b, "ST0116", PLACE, 0, s[4]);
	sub(&ab_b, "ST0116", PLACE, 0, s[5]);
	sub(&ab_a, "ST0116", PLACE, 0, s[6]);
	review(s[8], "approve");
	review(s[9], "reject");
	review(s[0], "approve");
	review(s[10], "reject");
	DAY(2);
	ask(s[2]);
	ask(s[4]);
	T_EQ(htq_submission_withdraw(db, &ab_b, s[5], &out, &why), HTQ_OK);
	json_decref(out);
	review(s[6], "approve");
	sub(&ab_a, "ST0116", PLACE, 1, s[7]);
	DAY(3);
	answer(&ab_a, s[2], NULL);
	/* s4 amended: K2 covered from now on */
	answer(&ab_b, s[4], content("ST0116", PLACE, 1));
	decide(s[0], "approved", "Meets the standard.", NULL);
	DAY(4);
	review(s[2], "approve");
	ask(s[4]);
	decide(s[10], "rejected", FORMULA, NULL);
	DAY(5);
	decide(s[3], "rejected", THIN, NULL);
	DAY(8);
	decide(s[9], "rejected", THIN, NULL);
	DAY(10);
	decide(s[1], "approved", "Meets the standard.", NULL);
	DAY(20);
	decide(s[2], "approved", "Meets the standard.", NULL);
	DAY(30);
	decide(s[8], "approved", "Meets the standard.", mark);
	DAY(31);
	T_EQ(htq_mark_revoke(db, &appr, mark, "qualification_withdrawn",
	    "Withdrawn by the awarding body.", &out, &why), HTQ_OK);
	json_decref(out);
	DAY(40);			/* w1 closed on day 39 */
	open_window("Digital", 40, 100, w2);
	DAY(41);
	sub(&ab_a, "ST0116", NEEDS, 0, s[0]);
	DAY(42);
	review(s[0], "approve");
	DAY(43);
	decide(s[0], "approved", "Meets the standard.", NULL);
}

static json_t *
report(const struct htq_actor *a, const char *window, const char *route,
    int *rc)
{
	struct htq_report_filter f = { window, route };
	struct htq_why why;
	MDB_txn *txn;
	json_t *r = NULL;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	*rc = htq_report(db, txn, a, &f, &r, &why);
	mdb_txn_abort(txn);
	return r;
}

static char *
bytes(const char *window, int csv)
{
	char *out;
	size_t len;
	int rc;
	json_t *r = report(&auditor, window, NULL, &rc);

	T_EQ(rc, HTQ_OK);
	T_EQ(htq_report_render(r, csv, &out, &len), HTQ_OK);
	T_EQ(strlen(out), len);
	json_decref(r);
	return out;
}

static double
num(const json_t *f, const char *a, const char *b)
{
	const json_t *v = json_object_get(json_object_get(f, a), b);

	return json_is_real(v) ? json_real_value(v) :
	    (double)json_integer_value(v);
}

#define FIG(f, a, b, want) T_EQ((long long)(num(f, a, b) * 100 + 0.5), \
	(long long)((want) * 100 + 0.5))

/* A ranked list's (key, count) pairs, as "key=n;key=n". */
static void
ranked(const json_t *arr, const char *key, const char *count, char *buf,
    size_t sz)
{
	const json_t *x;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(arr, i, x)
		n += snprintf(buf + n, sz - n, "%s%s=%lld", i ? ";" : "",
		    json_string_value(json_object_get(x, key)),
		    (long long)json_integer_value(json_object_get(x, count)));
}

static const json_t *
ksb(const json_t *f, const char *code)
{
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(f, "uncovered_ksbs"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "ksb")),
		    code) == 0)
			return x;
	return NULL;
}

static void
test_known_answers(void)
{
	json_t *r, *f, *wf1, *wfc, *wf2, *x;
	const json_t *w;
	char buf[512];
	size_t i;
	int rc;

	r = report(&auditor, NULL, NULL, &rc);
	T_EQ(rc, HTQ_OK);
	/* windows by route then opening: Construction, Digital w1, w2 */
	T_EQ(json_array_size(json_object_get(r, "windows")), 3);
	wf1 = wfc = wf2 = NULL;
	json_array_foreach(json_object_get(r, "windows"), i, x) {
		w = json_object_get(x, "window");
		f = json_object_get(x, "figures");
		if (strcmp(json_string_value(json_object_get(w, "id")), w1) == 0)
			wf1 = f;
		else if (strcmp(json_string_value(json_object_get(w, "id")),
		    w2) == 0)
			wf2 = f;
		else
			wfc = f;
	}
	T_STREQ(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(r, "windows"), 0), "window"),
	    "id")), wc);
	T_STREQ(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(r, "windows"), 2), "window"),
	    "id")), w2);
	T_ASSERT(wf1 != NULL && wf2 != NULL && wfc != NULL);

	/* digital window 1 */
	FIG(wf1, "by_state", "submitted", 1);
	FIG(wf1, "by_state", "in_review", 1);
	FIG(wf1, "by_state", "information_requested", 1);
	FIG(wf1, "by_state", "approved", 3);
	FIG(wf1, "by_state", "rejected", 2);
	FIG(wf1, "by_state", "withdrawn", 1);
	T_EQ(json_integer_value(json_object_get(wf1, "submissions")), 9);
	FIG(wf1, "decisions", "decided", 5);
	FIG(wf1, "decisions", "approval_rate", 60.0);
	FIG(wf1, "decisions", "rejection_rate", 40.0);
	/* decided after 5, 8, 10, 20 and 30 days */
	FIG(wf1, "time_to_decision_days", "decided", 5);
	FIG(wf1, "time_to_decision_days", "median", 10.0);
	FIG(wf1, "time_to_decision_days", "p90", 30.0);
	FIG(wf1, "information_requests", "total", 3);
	FIG(wf1, "information_requests", "submissions_asked", 2);
	FIG(wf1, "information_requests", "per_submission", 0.33);
	ranked(json_object_get(wf1, "uncovered_ksbs"), "ksb", "submissions",
	    buf, sizeof(buf));
	T_STREQ(buf, "B1=9;B2=9;K3=9;S2=9;K2=5");
	T_STREQ(json_string_value(json_object_get(ksb(wf1, "K2"), "text")),
	    "Knows thing 2");
	T_STREQ(json_string_value(json_object_get(ksb(wf1, "K2"),
	    "standard")), "ST0116");
	ranked(json_object_get(ksb(wf1, "K2"), "reasons"), "reason",
	    "submissions", buf, sizeof(buf));
	T_STREQ(buf, NEEDS "=3;" PLACE "=2");
	ranked(json_object_get(ksb(wf1, "K3"), "reasons"), "reason",
	    "submissions", buf, sizeof(buf));
	T_STREQ(buf, PLACE "=6;" NEEDS "=3");
	ranked(json_object_get(wf1, "rejection_reasons"), "reasons",
	    "submissions", buf, sizeof(buf));
	T_STREQ(buf, THIN "=2");
	FIG(wf1, "revocations", "total", 1);
	T_EQ(json_integer_value(json_object_get(json_object_get(
	    json_object_get(wf1, "revocations"), "by_reason"),
	    "qualification_withdrawn")), 1);
	T_EQ(json_integer_value(json_object_get(json_object_get(
	    json_object_get(wf1, "revocations"), "by_reason"), "other")), 0);
	ranked(json_object_get(json_object_get(wf1, "revocations"), "notes"),
	    "note", "marks", buf, sizeof(buf));
	T_STREQ(buf, "Withdrawn by the awarding body.=1");
	ranked(json_object_get(wf1, "awarding_bodies"), "name", "submissions",
	    buf, sizeof(buf));
	T_STREQ(buf, "Awards B=4;College A=5");
	ranked(json_object_get(wf1, "awarding_bodies"), "name", "approved",
	    buf, sizeof(buf));
	T_STREQ(buf, "Awards B=1;College A=2");

	/* construction: 3 and 4 days, an even count */
	T_EQ(json_integer_value(json_object_get(wfc, "submissions")), 2);
	FIG(wfc, "decisions", "approval_rate", 50.0);
	FIG(wfc, "time_to_decision_days", "median", 3.5);
	FIG(wfc, "time_to_decision_days", "p90", 4.0);
	FIG(wfc, "information_requests", "per_submission", 0.0);
	ranked(json_object_get(wfc, "uncovered_ksbs"), "ksb", "submissions",
	    buf, sizeof(buf));
	T_STREQ(buf, "B1=2;K2=2;S2=2");
	ranked(json_object_get(wfc, "rejection_reasons"), "reasons",
	    "submissions", buf, sizeof(buf));
	T_STREQ(buf, FORMULA "=1");

	/* digital window 2: one submission decided after 2 days */
	FIG(wf2, "time_to_decision_days", "median", 2.0);
	FIG(wf2, "time_to_decision_days", "p90", 2.0);
	FIG(wf2, "decisions", "approval_rate", 100.0);
	T_ASSERT(json_is_null(json_object_get(json_object_get(wfc,
	    "revocations"), "notes")) == 0);

	/* the digital route: both its windows */
	T_EQ(json_array_size(json_object_get(r, "routes")), 2);
	x = json_array_get(json_object_get(r, "routes"), 1);
	T_STREQ(json_string_value(json_object_get(x, "route")), "Digital");
	f = json_object_get(x, "figures");
	T_EQ(json_integer_value(json_object_get(f, "submissions")), 10);
	FIG(f, "by_state", "approved", 4);
	FIG(f, "decisions", "approval_rate", 66.7);
	FIG(f, "decisions", "rejection_rate", 33.3);
	/* 2, 5, 8, 10, 20, 30 days: median (8 + 10) / 2, p90 the 6th */
	FIG(f, "time_to_decision_days", "median", 9.0);
	FIG(f, "time_to_decision_days", "p90", 30.0);
	FIG(f, "information_requests", "per_submission", 0.3);
	ranked(json_object_get(f, "uncovered_ksbs"), "ksb", "submissions",
	    buf, sizeof(buf));
	T_STREQ(buf, "B1=10;B2=10;K3=10;S2=10;K2=6");
	ranked(json_object_get(ksb(f, "K2"), "reasons"), "reason",
	    "submissions", buf, sizeof(buf));
	T_STREQ(buf, NEEDS "=4;" PLACE "=2");
	ranked(json_object_get(f, "awarding_bodies"), "name", "approved",
	    buf, sizeof(buf));
	T_STREQ(buf, "Awards B=1;College A=3");
	/* where each figure comes from */
	T_ASSERT(strncmp(json_string_value(json_object_get(json_object_get(r,
	    "sources"), "uncovered_ksbs.reasons")), "submissions", 11) == 0);
	T_ASSERT(strncmp(json_string_value(json_object_get(json_object_get(r,
	    "sources"), "time_to_decision_days")), "ledger", 6) == 0);
	json_decref(r);

	/* filters: a window, a route (any case); refusals */
	r = report(&admin, NULL, "construction", &rc);
	T_EQ(rc, HTQ_OK);
	T_EQ(json_array_size(json_object_get(r, "windows")), 1);
	T_EQ(json_array_size(json_object_get(r, "routes")), 1);
	json_decref(r);
	r = report(&auditor, w2, NULL, &rc);
	T_EQ(rc, HTQ_OK);
	f = json_object_get(json_array_get(json_object_get(r, "routes"), 0),
	    "figures");
	T_EQ(json_integer_value(json_object_get(f, "submissions")), 1);
	json_decref(r);
	T_ASSERT(report(&auditor, "w-0000000000000000", NULL, &rc) == NULL);
	T_EQ(rc, HTQ_ENOTFOUND);
	T_ASSERT(report(&auditor, NULL, "Catering", &rc) == NULL);
	T_EQ(rc, HTQ_ENOTFOUND);
	T_ASSERT(report(&rev1, NULL, NULL, &rc) == NULL);
	T_EQ(rc, HTQ_EPERM);
	T_ASSERT(report(&ab_a, NULL, NULL, &rc) == NULL);
	T_EQ(rc, HTQ_EPERM);
}

/* Same data, same bytes: twice, and again after other windows moved on;
 * the only time in it is that of the last entry it rests on. */
static void
test_reproducible(void)
{
	char *a = bytes(w1, 0), *b = bytes(w1, 0), *c, *csv, *d;
	char id[HTQ_ID_LEN + 1], want[64];
	struct htq_why why;
	json_t *r, *out;

	T_STREQ(a, b);
	free(b);
	csv = bytes(w1, 1);
	DAY(50);
	sub(&ab_b, "ST0049", NEEDS, 0, id);	/* the construction window */
	c = bytes(w1, 0);
	T_STREQ(a, c);
	d = bytes(w1, 1);
	T_STREQ(csv, d);
	r = json_loads(a, 0, NULL);
	date_of(31, want);
	snprintf(want + 10, sizeof(want) - 10, "T09:00:00Z");
	T_STREQ(json_string_value(json_object_get(json_object_get(r,
	    "through"), "time")), want);
	json_decref(r);
	/* rates print as rounded: no 66.700000000000003 */
	T_ASSERT(strstr(a, "\"approval_rate\":60.0") != NULL);
	free(a);
	free(c);
	free(d);
	free(csv);
	a = bytes(wc, 0);
	b = bytes(wc, 0);
	T_STREQ(a, b);
	T_ASSERT(strstr(a, "\"approval_rate\":50.0") != NULL);
	T_ASSERT(strstr(a, "\"closed_on\":null") != NULL);
	free(b);
	/* a window closed early says so, and its report moves on */
	DAY(55);
	T_EQ(htq_window_close(db, &admin, wc, &out, &why), HTQ_OK);
	json_decref(out);
	b = bytes(wc, 0);
	T_ASSERT(strcmp(a, b) != 0);
	r = json_loads(b, 0, NULL);
	date_of(55, want);
	T_STREQ(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(r, "windows"), 0), "window"),
	    "closed_on")), want);
	snprintf(want + 10, sizeof(want) - 10, "T09:00:00Z");
	T_STREQ(json_string_value(json_object_get(json_object_get(r,
	    "through"), "time")), want);
	json_decref(r);
	free(a);
	free(b);
}

/* The CSV: the header, a figure per row, quoting and a formula made
 * harmless. */
static void
test_csv(void)
{
	char *csv = bytes(NULL, 1), row[160];

	T_ASSERT(strncmp(csv, "scope,id,figure,item,detail,value\r\n", 35) ==
	    0);
	snprintf(row, sizeof(row), "\r\nwindow,%s,decisions,approval_rate,,"
	    "60.0\r\n", w1);
	T_ASSERT(strstr(csv, row) != NULL);
	snprintf(row, sizeof(row), "\r\nwindow,%s,rejection_reasons,"
	    "\"'" FORMULA "\",,1\r\n", wc);
	T_ASSERT(strstr(csv, row) != NULL);
	snprintf(row, sizeof(row), "\r\nwindow,%s,uncovered_ksbs.reasons,"
	    "ST0116 K2," NEEDS ",3\r\n", w1);
	T_ASSERT(strstr(csv, row) != NULL);
	T_ASSERT(strstr(csv, "\r\nroute,Digital,time_to_decision_days,median,,"
	    "9.0\r\n") != NULL);
	free(csv);
}

int
main(void)
{
	char cmd[128];

	history();
	T_RUN(test_known_answers);
	T_RUN(test_csv);
	T_RUN(test_reproducible);
	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return T_DONE();
}
