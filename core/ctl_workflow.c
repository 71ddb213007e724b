/*
 * ctl_workflow.c - htqctl window open|close|list, htqctl submission
 * list|show, and the demo story that `htqctl demo` builds.
 *
 * Every command calls the same core functions as the HTTP API.  The
 * operator at the console acts as an administrator whose ledger entries
 * name "system" (the console has the database and the key already).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static const struct htq_actor operator = { "system", HTQ_ROLE_ADMIN, "" };
/* reading, the operator sees every submission, drafts too */
static const struct htq_actor reader = { "system", HTQ_ROLE_OPERATOR, "" };

static int
refused(const char *what, int rc, const struct htq_why *why)
{
	if (why->msg[0] != '\0') {
		fprintf(stderr, "htqctl: %s: %s\n", what, why->msg);
		return 1;
	}
	return ctl_fail(what, rc);
}

static int
cmd_window_open(struct ctl *c, int argc, char **argv)
{
	const char *opens = ctl_opt(argc, argv, "--opens");
	const char *closes = ctl_opt(argc, argv, "--closes");
	const char *ft = ctl_opt(argc, argv, "--first-teaching");
	struct htq_why why;
	json_t *w;
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 8 || opens == NULL ||
	    closes == NULL || ft == NULL || argv[1][0] == '-') {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl window open ROUTE --opens DATE --closes DATE "
		    "--first-teaching DATE\n\nOpen a submission window for a "
		    "route (dates YYYY-MM-DD, UTC, both ends inclusive);\n"
		    "first teaching is the approval cycle's.  Recorded as "
		    "window.opened.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	memset(&why, 0, sizeof(why));
	if ((rc = htq_window_open(c->db, &operator, argv[1], opens, closes, ft,
	    &w, &why)) != HTQ_OK)
		return refused("window open", rc, &why);
	ctl_print_json(w);
	return 0;
}

static int
cmd_window_close(struct ctl *c, int argc, char **argv)
{
	struct htq_why why;
	json_t *w;
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 2) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl window close ID\n\nClose a window now; "
		    "recorded as window.closed.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	memset(&why, 0, sizeof(why));
	if ((rc = htq_window_close(c->db, &operator, argv[1], &w, &why)) !=
	    HTQ_OK)
		return refused("window close", rc, &why);
	ctl_print_json(w);
	return 0;
}

static int
cmd_window_list(struct ctl *c, int argc, char **argv)
{
	MDB_txn *txn;
	json_t *doc;
	int rc;

	if (ctl_wants_help(argc, argv) || argc > 2) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl window list [ROUTE]\n\nThe schedule: every "
		    "window per route, announced, open or closed.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK ||
	    (rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_windows_list(c->db, txn, argc == 2 ? argv[1] : NULL, &doc);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK)
		return ctl_fail("window list", rc);
	ctl_print_json(doc);
	return 0;
}

static int
cmd_submission_list(struct ctl *c, int argc, char **argv)
{
	struct htq_sub_filter f;
	MDB_txn *txn;
	json_t *doc, *all, *page;
	char after[HTQ_ID_LEN + 1];
	const char *next;
	int rc;

	memset(&f, 0, sizeof(f));
	f.status = ctl_opt(argc, argv, "--status");
	f.standard = ctl_opt(argc, argv, "--standard");
	f.route = ctl_opt(argc, argv, "--route");
	f.organisation = ctl_opt(argc, argv, "--organisation");
	if (ctl_wants_help(argc, argv) || argc % 2 != 1 ||
	    (f.status && !htq_status_valid(f.status))) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl submission list [--status S] [--standard REF]"
		    " [--route R] [--organisation ID]\n\nEvery submission "
		    "(drafts included), as {\"submissions\": [...]}.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK ||
	    (rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	f.limit = HTQ_LIST_PAGE_MAX;
	all = json_array();
	for (;;) {
		if ((rc = htq_submissions_list(c->db, txn, &reader, &f,
		    &page)) != HTQ_OK)
			break;
		json_array_extend(all, json_object_get(page, "submissions"));
		next = json_string_value(json_object_get(page, "next"));
		if (next != NULL)
			snprintf(after, sizeof(after), "%s", next);
		json_decref(page);
		if (next == NULL)
			break;
		f.after = after;
	}
	mdb_txn_abort(txn);
	if (rc != HTQ_OK) {
		json_decref(all);
		return ctl_fail("submission list", rc);
	}
	doc = json_pack("{s:o}", "submissions", all);
	ctl_print_json(doc);
	return 0;
}

static int
cmd_submission_show(struct ctl *c, int argc, char **argv)
{
	MDB_txn *txn;
	json_t *doc;
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 2) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl submission show ID\n\nOne submission with "
		    "its coverage, reviews and decision.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK ||
	    (rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_submission_get(c->db, txn, &reader, argv[1], &doc);
	mdb_txn_abort(txn);
	if (rc == HTQ_ENOTFOUND) {
		fprintf(stderr, "htqctl: no submission %s\n", argv[1]);
		return 1;
	}
	if (rc != HTQ_OK)
		return ctl_fail("submission show", rc);
	ctl_print_json(doc);
	return 0;
}

static const struct ctl_cmd window_cmds[] = {
	{ "open", cmd_window_open, "open a submission window for a route" },
	{ "close", cmd_window_close, "close a window now" },
	{ "list", cmd_window_list, "the schedule of windows per route" },
	{ NULL, NULL, NULL }
};

static const struct ctl_cmd submission_cmds[] = {
	{ "list", cmd_submission_list, "list submissions" },
	{ "show", cmd_submission_show, "show one submission" },
	{ NULL, NULL, NULL }
};

int
ctl_window(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "window", window_cmds, argc - 1, argv + 1);
}

int
ctl_submission(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "submission", submission_cmds, argc - 1,
	    argv + 1);
}

/* --- the demo story --- */

/* A date days from today. */
static void
date_in(int days, char *buf)
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, HTQ_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

/* 1 September of the first year whose 1 September is after date. */
static void
september_after(const char *date, char *buf)
{
	unsigned y = (unsigned)atoi(date) % 9999;

	if (strcmp(date + 5, "09-01") >= 0)
		y++;
	snprintf(buf, HTQ_DATE_LEN + 1, "%04u-09-01", y);
}

/*
 * Content for a qualification against ref's latest version: four units,
 * every KSB mapped to one of them except every skip-th (left uncovered,
 * so coverage is not always 100%).
 */
static json_t *
demo_content(struct ctl *c, const char *ref, const char *title,
    const char *type, int level, const char *qan, int skip)
{
	static const char *const units[] = { "Professional practice",
	    "Technical foundations", "Applied project", "Work-based learning" };
	MDB_txn *txn;
	const char *buf;
	size_t len, i;
	json_t *std, *k, *mapping, *u, *content;
	char uid[8];

	if (htq_txn_read(c->db, &txn) != HTQ_OK)
		return NULL;
	if (htq_standard_get(c->db, txn, ref, NULL, &buf, &len) != HTQ_OK) {
		mdb_txn_abort(txn);
		return NULL;
	}
	std = json_loadb(buf, len, 0, NULL);
	mdb_txn_abort(txn);
	if (std == NULL)
		return NULL;
	u = json_array();
	for (i = 0; i < 4; i++) {
		snprintf(uid, sizeof(uid), "U%zu", i + 1);
		json_array_append_new(u, json_pack("{s:s,s:s,s:i}", "id", uid,
		    "title", units[i], "glh", 60));
	}
	mapping = json_array();
	json_array_foreach(json_object_get(std, "ksbs"), i, k) {
		if (skip > 0 && i % (size_t)skip == (size_t)skip - 1)
			continue;
		snprintf(uid, sizeof(uid), "U%zu", i % 4 + 1);
		json_array_append_new(mapping, json_pack("{s:O,s:[s],s:s}",
		    "ksb", json_object_get(k, "code"), "units", uid,
		    "assessment", i % 2 ? "Practical assessment observed in the "
		    "workplace" : "Written assignment"));
	}
	content = json_pack("{s:{s:s,s:s,s:i,s:s*},s:{s:s,s:O},s:o,s:o}",
	    "qualification", "title", title, "type", type, "level", level,
	    "qan", qan, "standard", "ref", ref, "version",
	    json_object_get(std, "version"), "units", u, "mapping", mapping);
	json_decref(std);
	return content;
}

enum demo_state { D_DRAFT, D_SUBMITTED, D_REVIEWED, D_APPROVED, D_REJECTED,
    D_WITHDRAWN, D_REVOKED };

/* One demo submission taken to state; the mark id (if any) into mark. */
static int
demo_submission(struct ctl *c, const struct htq_actor *author,
    const struct htq_actor *panel, const struct htq_actor *approver,
    json_t *content, enum demo_state state, char *mark, size_t marksz)
{
	struct htq_why why;
	json_t *out = NULL, *review;
	char id[HTQ_ID_LEN + 1];
	int rc;

	memset(&why, 0, sizeof(why));
	if (content == NULL)
		return HTQ_ENOMEM;
	rc = htq_submission_create(c->db, author, content, &out, &why);
	json_decref(content);
	if (rc != HTQ_OK)
		goto fail;
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(out,
	    "id")));
	json_decref(out);
	out = NULL;
	if (state == D_DRAFT)
		return HTQ_OK;
	if ((rc = htq_submission_submit(c->db, author, id, &out, &why)) !=
	    HTQ_OK)
		goto fail;
	json_decref(out);
	out = NULL;
	if (state == D_SUBMITTED)
		return HTQ_OK;
	if (state == D_WITHDRAWN) {
		rc = htq_submission_withdraw(c->db, author, id, &out, &why);
		json_decref(out);
		return rc;
	}
	review = json_pack("{s:s,s:s}", "recommendation", state == D_REJECTED ?
	    "reject" : "approve", "comments", state == D_REJECTED ?
	    "Too little of the standard's skills is assessed in the "
	    "workplace." : "The mapping is sound and employers would "
	    "recognise the units.");
	rc = htq_review_record(c->db, panel, id, review, &out, &why);
	json_decref(review);
	if (rc != HTQ_OK)
		goto fail;
	json_decref(out);
	out = NULL;
	if (state == D_REVIEWED)
		return HTQ_OK;
	if ((rc = htq_decide(c->db, approver, id, state == D_REJECTED ?
	    "rejected" : "approved", state == D_REJECTED ? "The employer panel "
	    "found the skills coverage too thin." : "Meets the occupational "
	    "standard; recommended by the employer panel.", &out, &why)) !=
	    HTQ_OK)
		goto fail;
	if (mark != NULL && json_is_string(json_object_get(out, "mark")))
		snprintf(mark, marksz, "%s", json_string_value(json_object_get(
		    out, "mark")));
	json_decref(out);
	out = NULL;
	if (state == D_REVOKED && (rc = htq_mark_revoke(c->db, approver, mark,
	    "qualification_withdrawn", "The awarding body withdrew the "
	    "qualification from its offer.", &out, &why)) != HTQ_OK)
		goto fail;
	json_decref(out);
	return HTQ_OK;
fail:
	fprintf(stderr, "htqctl: demo: %s\n", why.msg[0] ? why.msg :
	    htq_strerror(rc));
	json_decref(out);
	return rc;
}

int
ctl_demo_story(struct ctl *c, const char *admin, const char *north,
    const char *north_org, const char *meridian, const char *meridian_org,
    const char *panel, const char *approver)
{
	const struct htq_actor ad = { admin, HTQ_ROLE_ADMIN, "" };
	const struct htq_actor nb = { north, HTQ_ROLE_AWARDING_BODY, north_org };
	const struct htq_actor mb = { meridian, HTQ_ROLE_AWARDING_BODY,
	    meridian_org };
	const struct htq_actor rv = { panel, HTQ_ROLE_REVIEWER, "" };
	const struct htq_actor ap = { approver, HTQ_ROLE_APPROVER, "" };
	char o[HTQ_DATE_LEN + 1], cl[HTQ_DATE_LEN + 1], ft[HTQ_DATE_LEN + 1];
	char mark[32] = "", revoked[32] = "";
	struct htq_why why;
	json_t *w;
	int rc;
	static const struct {
		const char	*route;
		int		 opens, closes;
	} windows[] = {
		{ "Digital", -30, 90 },
		{ "Construction", 45, 150 },
		{ "Health and science", 75, 180 },
	};
	size_t i, len;
	const char *buf;
	MDB_txn *txn;

	memset(&why, 0, sizeof(why));
	/* the story needs the demo catalogue (data/standards.json) */
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return rc;
	rc = htq_standard_get(c->db, txn, "ST0117", NULL, &buf, &len);
	mdb_txn_abort(txn);
	if (rc == HTQ_ENOTFOUND) {
		fprintf(stderr, "htqctl: demo: the catalogue lacks the demo "
		    "standards (htqctl standards import data/standards.json); "
		    "no demo submissions made\n");
		return HTQ_OK;
	}
	if (rc != HTQ_OK)
		return rc;
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		date_in(windows[i].opens, o);
		date_in(windows[i].closes, cl);
		september_after(cl, ft);
		if ((rc = htq_window_open(c->db, &ad, windows[i].route, o, cl,
		    ft, &w, &why)) != HTQ_OK) {
			fprintf(stderr, "htqctl: demo window: %s\n", why.msg);
			return rc;
		}
		json_decref(w);
	}
	if ((rc = demo_submission(c, &nb, &rv, &ap, demo_content(c, "ST0116",
	    "Higher National Certificate in Software Development", "HNC", 4,
	    "610/0001/2", 7), D_APPROVED, mark, sizeof(mark))) ||
	    (rc = demo_submission(c, &nb, &rv, &ap, demo_content(c, "ST0127",
	    "Higher National Certificate in Network Engineering", "HNC", 4,
	    "610/0002/4", 5), D_SUBMITTED, NULL, 0)) ||
	    (rc = demo_submission(c, &nb, &rv, &ap, demo_content(c, "ST0118",
	    "Higher National Diploma in Data Analytics", "HND", 5, NULL, 0),
	    D_DRAFT, NULL, 0)) ||
	    (rc = demo_submission(c, &mb, &rv, &ap, demo_content(c, "ST1021",
	    "Foundation Degree in Cyber Security", "foundation_degree", 5,
	    NULL, 9), D_REVIEWED, NULL, 0)) ||
	    (rc = demo_submission(c, &mb, &rv, &ap, demo_content(c, "ST0129",
	    "Higher National Certificate in Software Testing", "HNC", 4,
	    "610/0003/6", 2), D_REJECTED, NULL, 0)) ||
	    (rc = demo_submission(c, &mb, &rv, &ap, demo_content(c, "ST0825",
	    "Higher National Diploma in DevOps Engineering", "HND", 5,
	    "610/0004/8", 6), D_WITHDRAWN, NULL, 0)) ||
	    (rc = demo_submission(c, &mb, &rv, &ap, demo_content(c, "ST0117",
	    "Higher National Certificate in Business Analysis", "HNC", 4,
	    "610/0005/X", 0), D_REVOKED, revoked, sizeof(revoked))))
		return rc;
	printf("\nDemo data: a digital window open now, construction and "
	    "health and science\nwindows announced, submissions in every "
	    "state.\n");
	printf("Demo quality mark: %s (revoked: %s)\n", mark, revoked);
	return HTQ_OK;
}
