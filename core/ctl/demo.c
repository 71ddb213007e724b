/*
 * demo.c - htqctl demo: the demo organisations and accounts, and a demo
 * story built through the same workflow functions as the API (windows,
 * and submissions in every state, a mark awarded and one revoked).  Only
 * into a database with no accounts yet, so it can never touch real data;
 * 'make run' calls it on a fresh data directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

/*
 * The six demo accounts, all with $HTQ_DEMO_PASSWORD; only into a
 * database with no accounts yet, so it can never touch real data.
 */
static int
cmd_demo(struct ctl *c, int argc, char **argv)
{
	static const struct {
		const char	*email, *name, *role;
		int		 org;	/* index into orgs, -1 none */
	} demo[] = {
		{ "admin@htq.test", "Demo administrator", "admin", 3 },
		{ "author@northfield.test", "Demo author, Northfield", 
		    "awarding_body", 0 },
		{ "author@meridian.test", "Demo author, Meridian",
		    "awarding_body", 1 },
		{ "panel@employer.test", "Demo employer panel member",
		    "reviewer", 2 },
		{ "approver@htq.test", "Demo approver", "approver", 3 },
		{ "auditor@htq.test", "Demo auditor", "auditor", -1 },
	};
	static const struct {
		enum htq_org_kind kind;
		const char	*name, *rn, *ukprn;
	} orgs[] = {
		{ HTQ_ORG_AWARDING_BODY, "Northfield College", NULL, "10004821" },
		{ HTQ_ORG_AWARDING_BODY, "Meridian Awards", "RN5301", NULL },
		{ HTQ_ORG_EMPLOYER_PANEL, "Digital Employer Panel", NULL, NULL },
		{ HTQ_ORG_APPROVING_BODY, "HTQ Approving Body", NULL, NULL },
	};
	const char *pw = getenv("HTQ_DEMO_PASSWORD");
	char ids[4][HTQ_ID_LEN + 1], acc[6][HTQ_ID_LEN + 1];
	enum htq_role r;
	MDB_txn *txn;
	size_t i, n;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl demo\n\nCreate the demo organisations "
		    "and six demo accounts, all with the password\n"
		    "$HTQ_DEMO_PASSWORD (default demo-password-htq), then the "
		    "demo story through the\nworkflow: submission windows and "
		    "submissions in every state, with an approved\nand a "
		    "revoked quality mark.  Refuses a database that has "
		    "accounts already.\n");
		return 0;
	}
	if (pw == NULL || *pw == '\0')
		pw = "demo-password-htq";
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_account_count(c->db, txn, &n);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK)
		return ctl_fail("accounts", rc);
	if (n > 0) {
		fprintf(stderr, "htqctl: accounts exist already; the demo data "
		    "goes only into a new database\n");
		return 1;
	}
	for (i = 0; i < sizeof(orgs) / sizeof(orgs[0]); i++)
		if ((rc = htq_org_add(c->db, orgs[i].kind, orgs[i].name,
		    orgs[i].rn, orgs[i].ukprn, ids[i])) != HTQ_OK)
			return ctl_fail(orgs[i].name, rc);
	printf("Demo accounts (password: %s):\n", getenv("HTQ_DEMO_PASSWORD") ?
	    "$HTQ_DEMO_PASSWORD" : pw);
	for (i = 0; i < sizeof(demo) / sizeof(demo[0]); i++) {
		htq_role_parse(demo[i].role, &r);
		if ((rc = htq_account_add(c->db, demo[i].email, demo[i].name, r,
		    demo[i].org >= 0 ? ids[demo[i].org] : NULL, pw, acc[i])) !=
		    HTQ_OK)
			return ctl_fail(demo[i].email, rc);
		printf("  %-26s %s\n", demo[i].email, demo[i].role);
	}
	/* the workflow story, acting as the accounts above */
	if ((rc = ctl_demo_story(c, acc[0], acc[1], ids[0], acc[2], ids[1],
	    acc[3], acc[4])) != HTQ_OK)
		return ctl_fail("demo story", rc);
	return 0;
}


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
 * every KSB mapped to one of them except every skip-th, which is given a
 * reason why it cannot be attained in college (so coverage is not always
 * 100%).
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
		if (skip > 0 && i % (size_t)skip == (size_t)skip - 1) {
			json_array_append_new(mapping, json_pack("{s:O,s:[],"
			    "s:s}", "ksb", json_object_get(k, "code"), "units",
			    "not_attainable", "Needs sustained work on an "
			    "employer's live systems, which a college cannot "
			    "provide; learners meet it on placement."));
			continue;
		}
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
	    "Higher National Certificate in Data Analytics", "HNC", 4, NULL,
	    0),
	    D_DRAFT, NULL, 0)) ||
	    (rc = demo_submission(c, &mb, &rv, &ap, demo_content(c, "ST1021",
	    "Certificate of Higher Education in Cyber Security", "other", 4,
	    NULL, 9), D_REVIEWED, NULL, 0)) ||
	    (rc = demo_submission(c, &mb, &rv, &ap, demo_content(c, "ST0129",
	    "Higher National Certificate in Software Testing", "HNC", 4,
	    "610/0003/6", 2), D_REJECTED, NULL, 0)) ||
	    (rc = demo_submission(c, &mb, &rv, &ap, demo_content(c, "ST0825",
	    "Higher National Certificate in DevOps Engineering", "HNC", 4,
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

int
ctl_demo(struct ctl *c, int argc, char **argv)
{
	return cmd_demo(c, argc, argv);
}
