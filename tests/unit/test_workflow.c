/*
 * test_workflow.c - the approvals workflow in core/, without HTTP, against
 * a real LMDB with the ledger attached: windows, content rules, coverage,
 * every (state, action, role) of the state machine, ownership, four eyes,
 * marks (ids, award, revocation) and the ledger entries each step writes.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "htq.h"
#include "domain.h"
#include "aud.h"

static char dir[64];
static struct htq_db *db;
static char org_a[HTQ_ID_LEN + 1], org_b[HTQ_ID_LEN + 1];

static struct htq_actor ab_a = { "a-00000000000000a1", HTQ_ROLE_AWARDING_BODY,
    org_a };
static struct htq_actor ab_b = { "a-00000000000000b1", HTQ_ROLE_AWARDING_BODY,
    org_b };
static const struct htq_actor rev1 = { "a-0000000000000r01", HTQ_ROLE_REVIEWER,
    "" };
static const struct htq_actor rev2 = { "a-0000000000000r02", HTQ_ROLE_REVIEWER,
    "" };
static const struct htq_actor appr = { "a-0000000000000p01", HTQ_ROLE_APPROVER,
    "" };
static const struct htq_actor aud = { "a-0000000000000u01", HTQ_ROLE_AUDITOR,
    "" };
static const struct htq_actor admin = { "a-0000000000000d01", HTQ_ROLE_ADMIN,
    "" };

/* A standard in the public API shape. */
static json_t *
api_std(const char *ref, int level, const char *route, int nk, int ns, int nb)
{
	json_t *k = json_array(), *s = json_array(), *b = json_array();
	int i;

	for (i = 0; i < nk; i++)
		json_array_append_new(k, json_pack("{s:s}", "detail", "know"));
	for (i = 0; i < ns; i++)
		json_array_append_new(s, json_pack("{s:s}", "detail", "do"));
	for (i = 0; i < nb; i++)
		json_array_append_new(b, json_pack("{s:s}", "detail", "be"));
	return json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:[s],s:o,s:o,s:o}",
	    "referenceNumber", ref, "title", "Standard", "version", "1.0",
	    "level", level, "route", route, "status", "Approved for delivery",
	    "options", "Option one", "knowledges", k, "skills", s,
	    "behaviours", b);
}

static void
date_in(int days, char *buf)
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, HTQ_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

/* Remove the database of the test before, if any. */
static void
teardown(void)
{
	char cmd[128];

	htq_db_close(db);
	db = NULL;
	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		dir[0] = '\0';
	}
}

/*
 * Each test's fixture, made afresh for it (T_RUN_WITH): a database with
 * a ledger key, four standards, two awarding bodies, the digital window
 * open and the construction one announced.
 */
static void
setup(void)
{
	struct htq_import_stats st;
	char path[128], err[256], d0[11], d1[11], d2[11], d3[11], *buf;
	json_t *arr, *w;

	teardown();
	snprintf(dir, sizeof(dir), "/tmp/htq-unit-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	T_EQ(htq_db_open(dir, HTQ_DB_CREATE, &db), HTQ_OK);
	snprintf(path, sizeof(path), "%s/keys", dir);
	T_ASSERT(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/keys/ledger.key", dir);
	T_EQ(aud_key_generate(path, htq_origin()), HTQ_OK);
	T_EQ(htq_ledger_attach(db, dir, 1), HTQ_OK);
	arr = json_pack("[o,o,o,o]", api_std("ST0116", 4, "Digital", 3, 2, 2),
	    api_std("ST0114", 4, "Digital", 1, 1, 1),
	    api_std("ST0049", 5, "Construction", 2, 2, 1),
	    api_std("ST0215", 5, "Health and science", 2, 1, 1));
	buf = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	T_EQ(htq_standards_import(db, buf, strlen(buf), &st, NULL, NULL, err,
	    sizeof(err)), HTQ_OK);
	free(buf);
	T_EQ(st.imported, 4);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "College A", NULL,
	    "10000001", org_a), HTQ_OK);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "Awards B", "RN1234",
	    NULL, org_b), HTQ_OK);
	date_in(-1, d0);
	date_in(60, d1);
	date_in(10, d2);
	date_in(300, d3);
	T_EQ(htq_window_open(db, &admin, "digital", d0, d1, d3, &w, NULL),
	    HTQ_OK);
	json_decref(w);
	T_EQ(htq_window_open(db, &admin, "Construction", d2, d1, d3, &w, NULL),
	    HTQ_OK);
	json_decref(w);
}

/*
 * Content against ref: K1 and S1 mapped to units with an assessment,
 * every other KSB of the fixture's standards (ST0116: 3 K, 2 S, 2 B;
 * ST0049: 2, 2, 1; ST0215: 2, 1, 1) given a reason it cannot be
 * attained, so that it may be submitted.
 */
static json_t *
content(const char *ref, int level)
{
	static const char *const rest[] = { "K2", "K3", "S2", "B1", "B2" };
	json_t *c, *map;
	size_t i;
	int ksbs[3] = { 3, 2, 2 };

	if (strcmp(ref, "ST0049") == 0)
		ksbs[0] = 2, ksbs[2] = 1;
	else if (strcmp(ref, "ST0215") == 0)
		ksbs[0] = 2, ksbs[1] = 1, ksbs[2] = 1;
	c = json_pack("{s:{s:s,s:s,s:i,s:s},s:{s:s,s:s},"
	    "s:[{s:s,s:s,s:i},{s:s,s:s}],"
	    "s:[{s:s,s:[s],s:s},{s:s,s:[s,s],s:s}]}",
	    "qualification", "title", "HNC in Digital", "type", "HNC",
	    "level", level, "qan", "603/1234/5",
	    "standard", "ref", ref, "version", "1.0",
	    "units", "id", "U1", "title", "Networks", "glh", 60,
	    "id", "U2", "title", "Security",
	    "mapping", "ksb", "K1", "units", "U1", "assessment", "exam",
	    "ksb", "S1", "units", "U1", "U2", "assessment", "project");
	map = json_object_get(c, "mapping");
	for (i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		if (rest[i][1] - '0' <= ksbs[rest[i][0] == 'K' ? 0 :
		    rest[i][0] == 'S' ? 1 : 2])
			json_array_append_new(map, json_pack("{s:s,s:[],s:s}",
			    "ksb", rest[i], "units", "not_attainable",
			    "needs a live client site"));
	return c;
}

/* Last ledger entry's type and subject. */
static void
last_entry(char *type, char *subject, json_t **data)
{
	MDB_txn *txn;
	uint64_t n;
	const char *e;
	size_t len;
	const uint8_t *sig;
	json_t *j;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(aud_size(htq_db_log(db), txn, &n), HTQ_OK);
	T_EQ(aud_entry_get(htq_db_log(db), txn, n - 1, &e, &len, &sig), HTQ_OK);
	j = json_loadb(e, len, 0, NULL);
	mdb_txn_abort(txn);
	T_ASSERT(j != NULL);
	snprintf(type, 64, "%s", json_string_value(json_object_get(j, "type")));
	snprintf(subject, 64, "%s", json_string_value(json_object_get(j,
	    "subject")));
	if (data)
		*data = json_incref(json_object_get(j, "data"));
	json_decref(j);
}

static uint64_t
ledger_size(void)
{
	MDB_txn *txn;
	uint64_t n = 0;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(aud_size(htq_db_log(db), txn, &n), HTQ_OK);
	mdb_txn_abort(txn);
	return n;
}

static void
test_mark_ids(void)
{
	char id[HTQ_MARK_ID_LEN + 1], bad[HTQ_MARK_ID_LEN + 1], t;
	const char *alnum = "0123456789";
	size_t i, j;

	T_EQ(htq_mark_id_make(2026, 123, id), HTQ_OK);
	T_EQ(strlen(id), HTQ_MARK_ID_LEN);
	T_ASSERT(strncmp(id, "HTQ-2026-000123-", 16) == 0);
	T_ASSERT(htq_mark_id_valid(id));
	T_EQ(htq_mark_id_make(1999, 1, id), HTQ_ERANGE);
	T_EQ(htq_mark_id_make(2026, 0, id), HTQ_ERANGE);
	T_EQ(htq_mark_id_make(2026, 1000000, id), HTQ_ERANGE);
	T_EQ(htq_mark_id_make(2031, 999999, id), HTQ_OK);
	/* every single wrong digit is caught */
	for (i = 4; i < 15; i++) {
		if (i == 8)
			continue;
		for (j = 0; j < 10; j++) {
			memcpy(bad, id, sizeof(bad));
			if (bad[i] == alnum[j])
				continue;
			bad[i] = alnum[j];
			T_ASSERT(!htq_mark_id_valid(bad));
		}
	}
	/* every adjacent transposition of different digits is caught */
	for (i = 4; i < 14; i++) {
		if (i == 7 || i == 8 || id[i] == id[i + 1])
			continue;
		memcpy(bad, id, sizeof(bad));
		t = bad[i];
		bad[i] = bad[i + 1];
		bad[i + 1] = t;
		T_ASSERT(!htq_mark_id_valid(bad));
	}
	T_ASSERT(!htq_mark_id_valid("HTQ-2026-00012-X"));
	T_ASSERT(!htq_mark_id_valid("htq-2026-000123-X"));
	T_ASSERT(!htq_mark_id_valid(NULL));
	/* the check character over a known input, computed by hand with
	 * ISO/IEC 7064 MOD 37,36 */
	T_EQ(htq_mod37_36("0"), '2');
	T_EQ(htq_mod37_36("A"), 'H');
	T_ASSERT(htq_mod37_36("a") == '\0');
}

static void
test_dates(void)
{
	T_ASSERT(htq_date_valid("2026-09-01"));
	T_ASSERT(htq_date_valid("2028-02-29"));
	T_ASSERT(!htq_date_valid("2027-02-29"));
	T_ASSERT(!htq_date_valid("2100-02-29"));
	T_ASSERT(!htq_date_valid("2026-13-01"));
	T_ASSERT(!htq_date_valid("2026-9-01"));
	T_ASSERT(!htq_date_valid("1999-01-01"));
	T_ASSERT(!htq_date_valid(NULL));
}

static void
test_windows(void)
{
	struct htq_why why;
	char d0[11], d1[11], dpast[11];
	json_t *w, *list;
	MDB_txn *txn;
	const char *id;

	date_in(0, d0);
	date_in(30, d1);
	date_in(-10, dpast);
	T_EQ(htq_window_open(db, &ab_a, "Digital", d0, d1, d1, &w, &why),
	    HTQ_EPERM);
	T_EQ(htq_window_open(db, &admin, "Nowhere", d0, d1, d1, &w, &why),
	    HTQ_EINVAL);
	T_STREQ(why.field, "route");
	T_EQ(htq_window_open(db, &admin, "Digital", d1, d0, d1, &w, &why),
	    HTQ_EINVAL);
	T_STREQ(why.field, "closes");
	T_EQ(htq_window_open(db, &admin, "Digital", "2026-02-30", d1, d1, &w,
	    &why), HTQ_EINVAL);
	T_STREQ(why.field, "opens");
	T_EQ(htq_window_open(db, &admin, "Digital", d0, d1, dpast, &w, &why),
	    HTQ_EINVAL);
	T_STREQ(why.field, "first_teaching");
	/* overlaps the open digital window */
	T_EQ(htq_window_open(db, &admin, "Digital", d0, d1, d1, &w, &why),
	    HTQ_ECONFLICT);
	/* health and science: open, listed, closed early, listed as closed */
	T_EQ(htq_window_open(db, &admin, "health and science", d0, d1, d1, &w,
	    &why), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(w, "state")), "open");
	T_STREQ(json_string_value(json_object_get(w, "route")),
	    "Health and science");
	id = json_string_value(json_object_get(w, "id"));
	{
		char type[64], subj[64];

		last_entry(type, subj, NULL);
		T_STREQ(type, "window.opened");
		T_STREQ(subj, id);
	}
	{
		json_t *c;
		char type[64], subj[64];

		T_EQ(htq_window_close(db, &ab_a, id, &c, &why), HTQ_EPERM);
		T_EQ(htq_window_close(db, &admin, id, &c, &why), HTQ_OK);
		T_STREQ(json_string_value(json_object_get(c, "state")),
		    "closed");
		json_decref(c);
		last_entry(type, subj, NULL);
		T_STREQ(type, "window.closed");
		T_EQ(htq_window_close(db, &admin, id, &c, &why),
		    HTQ_ECONFLICT);
		T_EQ(htq_window_close(db, &admin, "w-0000000000000000", &c,
		    &why), HTQ_ENOTFOUND);
	}
	json_decref(w);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_windows_list(db, txn, NULL, &list), HTQ_OK);
	mdb_txn_abort(txn);
	T_EQ(json_array_size(json_object_get(list, "routes")), 3);
	json_decref(list);
}

/* Expect create of content c by ab_a to fail with err on field. */
static void
refused(json_t *c, int err, const char *field)
{
	struct htq_why why;
	json_t *out = NULL;
	int rc = htq_submission_create(db, &ab_a, c, &out, &why);

	json_decref(c);
	json_decref(out);
	if (rc != err || strcmp(why.field, field) != 0)
		T_FAILF("expected %d on \"%s\", got %d on \"%s\": %s", err,
		    field, rc, why.field, why.msg);
}

static void
test_content_rules(void)
{
	json_t *c, *out;
	struct htq_why why;

	c = content("ST0116", 4);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	json_decref(c);
	T_STREQ(json_string_value(json_object_get(out, "status")), "draft");
	T_EQ(json_integer_value(json_object_get(out, "version")), 1);
	json_decref(out);
	/* ineligible standards are refused with the catalogue's reason */
	memset(&why, 0, sizeof(why));
	c = content("ST0114", 4);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_EINVAL);
	json_decref(c);
	T_STREQ(why.field, "standard.ref");
	T_ASSERT(strstr(why.msg, "Merged with other standards") != NULL);
	/* level: the standard's own, neither lower nor higher */
	refused(content("ST0049", 4), HTQ_EINVAL, "qualification.level");
	c = content("ST0116", 5);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_EINVAL);
	json_decref(c);
	T_STREQ(why.field, "qualification.level");
	T_ASSERT(strstr(why.msg, "ST0116 is a level 4 standard") != NULL);
	refused(content("ST0116", 6), HTQ_EINVAL, "qualification.level");
	c = content("ST0049", 5);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	json_decref(c);
	json_decref(out);
	/* a reason why a KSB cannot be attained, or units and an
	 * assessment: not both */
	c = content("ST0116", 4);
	json_object_set_new(json_array_get(json_object_get(c, "mapping"), 0),
	    "not_attainable", json_string("but it is"));
	refused(c, HTQ_EINVAL, "mapping[0].not_attainable");
	c = content("ST0116", 4);
	json_object_set_new(json_array_get(json_object_get(c, "mapping"), 2),
	    "assessment", json_string("exam"));
	refused(c, HTQ_EINVAL, "mapping[2].not_attainable");
	c = content("ST0116", 4);
	json_object_set_new(json_array_get(json_object_get(c, "mapping"), 2),
	    "not_attainable", json_string("bad\x01text"));
	refused(c, HTQ_EINVAL, "mapping[2].not_attainable");
	/* standard version */
	c = content("ST0116", 4);
	json_object_set_new(json_object_get(c, "standard"), "version",
	    json_string("9.9"));
	refused(c, HTQ_EINVAL, "standard.version");
	c = content("ST0116", 4);
	json_object_set_new(json_object_get(c, "standard"), "option",
	    json_string("No such option"));
	refused(c, HTQ_EINVAL, "standard.option");
	/* unknown KSB, unknown unit, duplicate unit, KSB mapped twice */
	c = content("ST0116", 4);
	json_object_set_new(json_array_get(json_object_get(c, "mapping"), 0),
	    "ksb", json_string("K9"));
	refused(c, HTQ_EINVAL, "mapping[0].ksb");
	{
		static const char *const bad[] = { "K0", "K07", "K4", "S3",
		    "B3", "X1", "K1a", "k1", "K", "K-1", "K 1" };
		size_t b;

		for (b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			c = content("ST0116", 4);
			json_object_set_new(json_array_get(json_object_get(c,
			    "mapping"), 0), "ksb", json_string(bad[b]));
			refused(c, HTQ_EINVAL, "mapping[0].ksb");
		}
	}
	c = content("ST0116", 4);
	json_array_append_new(json_object_get(json_array_get(
	    json_object_get(c, "mapping"), 1), "units"), json_string("U7"));
	refused(c, HTQ_EINVAL, "mapping[1].units[2]");
	c = content("ST0116", 4);
	json_object_set_new(json_array_get(json_object_get(c, "units"), 1),
	    "id", json_string("U1"));
	refused(c, HTQ_EINVAL, "units[1].id");
	c = content("ST0116", 4);
	json_object_set_new(json_array_get(json_object_get(c, "mapping"), 1),
	    "ksb", json_string("K1"));
	refused(c, HTQ_EINVAL, "mapping[1].ksb");
	/* QAN format */
	c = content("ST0116", 4);
	json_object_set_new(json_object_get(c, "qualification"), "qan",
	    json_string("6031234/5"));
	refused(c, HTQ_EINVAL, "qualification.qan");
	c = content("ST0116", 4);
	json_object_set_new(json_object_get(c, "qualification"), "qan",
	    json_string("601/8123/X"));
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	json_decref(out);
	json_decref(c);
	c = content("ST0116", 4);
	json_object_set_new(json_object_get(c, "qualification"), "type",
	    json_string("BTEC"));
	refused(c, HTQ_EINVAL, "qualification.type");
	/* shape: unknown fields, server-owned fields, types, sizes */
	c = content("ST0116", 4);
	json_object_set_new(c, "colour", json_string("blue"));
	refused(c, HTQ_EFORMAT, "colour");
	c = content("ST0116", 4);
	json_object_set_new(c, "status", json_string("approved"));
	refused(c, HTQ_EFORMAT, "status");
	c = content("ST0116", 4);
	json_object_set_new(c, "coverage", json_pack("{s:i}", "percentage",
	    100));
	refused(c, HTQ_EFORMAT, "coverage");
	c = content("ST0116", 4);
	json_object_set_new(json_object_get(c, "qualification"), "level",
	    json_string("4"));
	refused(c, HTQ_EFORMAT, "qualification.level");
	c = content("ST0116", 4);
	json_object_del(c, "units");
	refused(c, HTQ_EFORMAT, "units");
	c = content("ST0116", 4);
	json_object_set_new(json_object_get(c, "qualification"), "title",
	    json_string(""));
	refused(c, HTQ_EINVAL, "qualification.title");
	c = content("ST0116", 4);
	json_object_set_new(json_array_get(json_object_get(c, "units"), 0),
	    "extra", json_true());
	refused(c, HTQ_EFORMAT, "units[0].extra");
	/* only awarding bodies create */
	c = content("ST0116", 4);
	T_EQ(htq_submission_create(db, &rev1, c, &out, &why), HTQ_EPERM);
	T_EQ(htq_submission_create(db, &admin, c, &out, &why), HTQ_EPERM);
	json_decref(c);
}

static void
test_coverage(void)
{
	json_t *c = content("ST0116", 4), *cov, *unc;
	MDB_txn *txn;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_coverage(db, txn, c, &cov), HTQ_OK);
	mdb_txn_abort(txn);
	/* 3 K, 2 S, 2 B; K1 and S1 covered, the rest given reasons */
	T_EQ(json_integer_value(json_object_get(json_object_get(cov,
	    "knowledge"), "covered")), 1);
	T_EQ(json_integer_value(json_object_get(json_object_get(cov,
	    "knowledge"), "total")), 3);
	T_EQ(json_integer_value(json_object_get(json_object_get(cov,
	    "skills"), "covered")), 1);
	T_EQ(json_integer_value(json_object_get(json_object_get(cov,
	    "behaviours"), "covered")), 0);
	T_EQ(json_integer_value(json_object_get(cov, "covered")), 2);
	T_EQ(json_integer_value(json_object_get(cov, "total")), 7);
	T_EQ(json_integer_value(json_object_get(cov, "percentage")), 28);
	unc = json_object_get(cov, "uncovered");
	T_EQ(json_array_size(unc), 5);
	T_STREQ(json_string_value(json_array_get(unc, 0)), "K2");
	T_STREQ(json_string_value(json_array_get(unc, 4)), "B2");
	T_EQ(json_array_size(json_object_get(cov, "not_attainable")), 5);
	T_EQ(json_array_size(json_object_get(cov, "unexplained")), 0);
	json_decref(cov);
	/* a mapped KSB without an assessment is not covered, and with no
	 * reason it is unexplained; so is one left out */
	json_object_del(json_array_get(json_object_get(c, "mapping"), 0),
	    "assessment");
	json_array_remove(json_object_get(c, "mapping"), 6);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_coverage(db, txn, c, &cov), HTQ_OK);
	mdb_txn_abort(txn);
	T_EQ(json_integer_value(json_object_get(cov, "covered")), 1);
	unc = json_object_get(cov, "unexplained");
	T_EQ(json_array_size(unc), 2);
	T_STREQ(json_string_value(json_array_get(unc, 0)), "K1");
	T_STREQ(json_string_value(json_array_get(unc, 1)), "B2");
	json_decref(cov);
	json_decref(c);
}

enum state { S_DRAFT, S_SUBMITTED, S_IN_REVIEW, S_INFO, S_APPROVED,
    S_REJECTED, S_WITHDRAWN, NSTATES };
static const char *const state_names[] = { "draft", "submitted", "in_review",
    "information_requested", "approved", "rejected", "withdrawn" };
enum action { A_UPDATE, A_SUBMIT, A_WITHDRAW, A_DELETE, A_RESPOND, A_REVIEW,
    A_REQUEST, A_DECIDE, A_READ, NACTIONS };
static const char *const action_names[] = { "edit", "submit", "withdraw",
    "delete", "respond", "review", "request_information", "decide",
    "read" };

/* A fresh submission of ab_a in state s; its id into id. */
static void
make_in(enum state s, char *id)
{
	json_t *c = content("ST0116", 4), *out, *r;
	struct htq_why why;

	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	json_decref(c);
	snprintf(id, HTQ_ID_LEN + 1, "%s", json_string_value(json_object_get(
	    out, "id")));
	json_decref(out);
	if (s == S_DRAFT)
		return;
	if (s == S_WITHDRAWN) {
		T_EQ(htq_submission_withdraw(db, &ab_a, id, &out, &why), HTQ_OK);
		json_decref(out);
		return;
	}
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_OK);
	json_decref(out);
	if (s == S_SUBMITTED)
		return;
	r = json_pack("{s:s,s:s}", "recommendation", "approve", "comments",
	    "fine");
	T_EQ(htq_review_record(db, &rev1, id, r, &out, &why), HTQ_OK);
	json_decref(r);
	json_decref(out);
	if (s == S_IN_REVIEW)
		return;
	if (s == S_INFO) {
		T_EQ(htq_information_request(db, &rev1, id, "Which unit "
		    "assesses S2?", &out, &why), HTQ_OK);
		json_decref(out);
		return;
	}
	T_EQ(htq_decide(db, &appr, id, s == S_APPROVED ? "approved" :
	    "rejected", "reasons", &out, &why), HTQ_OK);
	json_decref(out);
}

static int expect(enum state, enum action, int who);

static int
act(enum action a, const struct htq_actor *who, const char *id, enum state s,
    int w)
{
	struct htq_why why;
	json_t *out = NULL, *c, *r, *acts;
	MDB_txn *txn;
	size_t i;
	int rc = -1, b, listed;

	switch (a) {
	case A_UPDATE:
		c = content("ST0116", 4);
		rc = htq_submission_update(db, who, id, 1, c, &out, &why);
		json_decref(c);
		break;
	case A_SUBMIT:
		rc = htq_submission_submit(db, who, id, &out, &why);
		break;
	case A_WITHDRAW:
		rc = htq_submission_withdraw(db, who, id, &out, &why);
		break;
	case A_DELETE:
		rc = htq_submission_delete(db, who, id, &why);
		break;
	case A_RESPOND:
		rc = htq_information_respond(db, who, id, "Unit 2 does.", NULL,
		    &out, &why);
		break;
	case A_REVIEW:
		r = json_pack("{s:s,s:s}", "recommendation", "reject",
		    "comments", "gaps");
		rc = htq_review_record(db, who, id, r, &out, &why);
		json_decref(r);
		break;
	case A_REQUEST:
		rc = htq_information_request(db, who, id, "Why?", &out, &why);
		break;
	case A_DECIDE:
		rc = htq_decide(db, who, id, "approved", "meets the standard",
		    &out, &why);
		break;
	case A_READ:
		T_EQ(htq_txn_read(db, &txn), HTQ_OK);
		rc = htq_submission_get(db, txn, who, id, &out);
		{
			/* what GET sends (the stored bytes and the actions
			 * from the facts) is the same document */
			char *raw = NULL;
			size_t len;
			long long ver;
			json_t *j;

			T_EQ(htq_submission_answer(db, txn, who, id, &raw, &len,
			    &ver), rc);
			if (rc == HTQ_OK) {
				T_EQ(strlen(raw), len);
				j = json_loadb(raw, len, JSON_REJECT_DUPLICATES,
				    NULL);
				T_ASSERT(j != NULL && json_equal(j, out));
				T_EQ(ver, json_integer_value(json_object_get(out,
				    "version")));
				json_decref(j);
			}
			free(raw);
		}
		mdb_txn_abort(txn);
		if (rc != HTQ_OK)
			break;
		/* the actions listed are exactly those the table allows */
		acts = json_object_get(out, "actions");
		for (b = 0; b < A_READ; b++) {
			listed = 0;
			json_array_foreach(acts, i, c)
				listed |= strcmp(json_string_value(c),
				    action_names[b]) == 0;
			if (listed != (expect(s, (enum action)b, w) == HTQ_OK))
				T_FAILF("%s on a %s submission: \"%s\" %s",
				    who->id, state_names[s], action_names[b],
				    listed ? "listed, but refused" :
				    "allowed, but not listed");
		}
		/* a mark's actions: the approver revokes, its owner embeds */
		listed = 0;
		json_array_foreach(acts, i, c)
			listed += strcmp(json_string_value(c), "revoke_mark") == 0 ||
			    strcmp(json_string_value(c), "embed_mark") == 0;
		T_EQ(listed, s == S_APPROVED && (w == 0 || w == 3));
		break;
	default:
		break;
	}
	json_decref(out);
	return rc;
}

enum who { W_OWN, W_OTHER, W_REV, W_APPR, W_AUD, W_ADMIN, NWHO };
static const char *const who_names[] = { "own awarding body",
    "other awarding body", "reviewer", "approver", "auditor", "admin" };

/* What core must answer: the whole table, written out. */
static int
expect(enum state s, enum action a, int w)
{
	int hidden = s == S_DRAFT && (w == W_REV || w == W_APPR || w == W_AUD ||
	    w == W_ADMIN);

	if (a == A_READ) {
		if (w == W_OTHER || hidden)
			return HTQ_ENOTFOUND;
		return HTQ_OK;
	}
	switch (a) {
	case A_UPDATE:
	case A_SUBMIT:
	case A_WITHDRAW:
	case A_DELETE:
	case A_RESPOND:
		if (w != W_OWN && w != W_OTHER)
			return HTQ_EPERM;
		if (w == W_OTHER)
			return HTQ_ENOTFOUND;
		if (a == A_WITHDRAW)
			return s <= S_INFO ? HTQ_OK : HTQ_ECONFLICT;
		if (a == A_RESPOND)
			return s == S_INFO ? HTQ_OK : HTQ_ECONFLICT;
		return s == S_DRAFT ? HTQ_OK : HTQ_ECONFLICT;
	case A_REVIEW:
	case A_REQUEST:
		if (w != W_REV && (a == A_REVIEW || w != W_APPR))
			return HTQ_EPERM;
		if (hidden)
			return HTQ_ENOTFOUND;
		/* rev2 reviews: rev1 has reviewed those in review */
		return s == S_SUBMITTED || s == S_IN_REVIEW ? HTQ_OK :
		    HTQ_ECONFLICT;
	case A_DECIDE:
		if (w != W_APPR)
			return HTQ_EPERM;
		if (hidden)
			return HTQ_ENOTFOUND;
		/* one recommendation needed; none while an answer is due */
		return s == S_IN_REVIEW ? HTQ_OK : HTQ_ECONFLICT;
	default:
		return -1;
	}
}

static void
test_state_machine(void)
{
	const struct htq_actor *actors[NWHO] = { &ab_a, &ab_b, &rev2, &appr,
	    &aud, &admin };
	char id[HTQ_ID_LEN + 1];
	int s, a, w, want, got, n = 0;

	for (s = 0; s < NSTATES; s++)
		for (a = 0; a < NACTIONS; a++)
			for (w = 0; w < NWHO; w++) {
				make_in((enum state)s, id);
				want = expect((enum state)s, (enum action)a, w);
				got = act((enum action)a, actors[w], id,
				    (enum state)s, w);
				if (got != want)
					T_FAILF("%s on a %s submission by %s: "
					    "%s, expected %s", action_names[a],
					    state_names[s], who_names[w],
					    htq_strerror(got),
					    htq_strerror(want));
				n++;
			}
	T_EQ(n, NSTATES * NACTIONS * NWHO);
}

static void
test_versions_and_freeze(void)
{
	char id[HTQ_ID_LEN + 1], type[64], subj[64], hash[65];
	struct htq_why why;
	json_t *c = content("ST0116", 4), *out, *data;
	uint64_t before;

	make_in(S_DRAFT, id);
	T_EQ(htq_submission_update(db, &ab_a, id, 1, c, &out, &why), HTQ_OK);
	T_EQ(json_integer_value(json_object_get(out, "version")), 2);
	json_decref(out);
	/* the same stale version again: conflict, nothing written */
	before = ledger_size();
	T_EQ(htq_submission_update(db, &ab_a, id, 1, c, &out, &why),
	    HTQ_ECONFLICT);
	T_STREQ(why.field, "version");
	T_EQ(ledger_size(), before);
	/* drafts leave no trace in the ledger */
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_OK);
	T_EQ(ledger_size(), before + 1);
	T_STREQ(json_string_value(json_object_get(out, "status")),
	    "submitted");
	json_decref(out);
	last_entry(type, subj, &data);
	T_STREQ(type, "submission.submitted");
	T_STREQ(subj, id);
	T_EQ(htq_content_hash(c, hash), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(data, "content_sha256")),
	    hash);
	T_STREQ(json_string_value(json_object_get(data, "organisation")),
	    org_a);
	T_EQ(json_integer_value(json_object_get(json_object_get(data,
	    "coverage"), "percentage")), 28);
	json_decref(data);
	/* submitted content never changes */
	T_EQ(htq_submission_update(db, &ab_a, id, 3, c, &out, &why),
	    HTQ_ECONFLICT);
	json_decref(c);
}

static void
test_windows_gate_submission(void)
{
	json_t *c = content("ST0049", 5), *out;
	struct htq_why why;
	char id[HTQ_ID_LEN + 1];

	/* construction: announced, not open */
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(out,
	    "id")));
	json_decref(out);
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_ECONFLICT);
	T_ASSERT(strstr(why.msg, "Construction") != NULL);
	T_ASSERT(strstr(why.msg, "next window opens") != NULL);
	json_decref(c);
	/* health and science: its window was closed, none announced */
	c = content("ST0215", 5);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(out,
	    "id")));
	json_decref(out);
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_ECONFLICT);
	T_ASSERT(strstr(why.msg, "no window is announced") != NULL);
	json_decref(c);
}

static void
test_four_eyes_and_marks(void)
{
	char id[HTQ_ID_LEN + 1], type[64], subj[64], mark[32];
	struct htq_why why;
	struct htq_actor both = { rev2.id, HTQ_ROLE_APPROVER, "" };
	json_t *out, *r, *data, *m;
	MDB_txn *txn;
	uint64_t before;

	/* decision before any review */
	make_in(S_SUBMITTED, id);
	T_EQ(htq_decide(db, &appr, id, "approved", "ok", &out, &why),
	    HTQ_ECONFLICT);
	T_ASSERT(strstr(why.msg, "at least 1 employer recommendation") != NULL);
	/* a reviewer who becomes an approver may not decide what they
	 * reviewed */
	r = json_pack("{s:s,s:s,s:[{s:s,s:b,s:s}]}", "recommendation",
	    "approve", "comments", "good", "ksb_findings", "ksb", "K1",
	    "agree", 1, "note", "well covered");
	T_EQ(htq_review_record(db, &rev2, id, r, &out, &why), HTQ_OK);
	json_decref(out);
	last_entry(type, subj, &data);
	T_STREQ(type, "review.recorded");
	T_EQ(json_integer_value(json_object_get(data, "ksb_findings")), 1);
	T_ASSERT(json_object_get(data, "comments") == NULL);
	json_decref(data);
	/* one review per reviewer */
	T_EQ(htq_review_record(db, &rev2, id, r, &out, &why), HTQ_ECONFLICT);
	json_decref(r);
	r = json_pack("{s:s,s:s,s:[{s:s,s:b}]}", "recommendation", "approve",
	    "comments", "x", "ksb_findings", "ksb", "K8", "agree", 1);
	T_EQ(htq_review_record(db, &rev1, id, r, &out, &why), HTQ_EINVAL);
	T_STREQ(why.field, "ksb_findings[0].ksb");
	json_decref(r);
	r = json_pack("{s:s,s:s}", "recommendation", "maybe", "comments", "x");
	T_EQ(htq_review_record(db, &rev1, id, r, &out, &why), HTQ_EINVAL);
	json_decref(r);
	T_EQ(htq_decide(db, &both, id, "approved", "ok", &out, &why),
	    HTQ_EPERM);
	T_ASSERT(strstr(why.msg, "four eyes") != NULL);
	T_EQ(htq_decide(db, &appr, id, "maybe", "ok", &out, &why), HTQ_EINVAL);
	T_EQ(htq_decide(db, &appr, id, "approved", "", &out, &why),
	    HTQ_EINVAL);
	/* approval: decision.approved then mark.awarded, in one commit */
	before = ledger_size();
	T_EQ(htq_decide(db, &appr, id, "approved", "meets the standard", &out,
	    &why), HTQ_OK);
	T_EQ(ledger_size(), before + 2);
	snprintf(mark, sizeof(mark), "%s", json_string_value(json_object_get(
	    out, "mark")));
	T_ASSERT(htq_mark_id_valid(mark));
	json_decref(out);
	last_entry(type, subj, &data);
	T_STREQ(type, "mark.awarded");
	T_STREQ(subj, mark);
	T_STREQ(json_string_value(json_object_get(json_object_get(data,
	    "awarding_body"), "name")), "College A");
	T_STREQ(json_string_value(json_object_get(json_object_get(data,
	    "standard"), "ref")), "ST0116");
	T_STREQ(json_string_value(json_object_get(json_object_get(data,
	    "qualification"), "qan")), "603/1234/5");
	T_STREQ(json_string_value(json_object_get(data, "route")), "Digital");
	T_ASSERT(json_is_string(json_object_get(data, "first_teaching")));
	T_EQ(atoi(json_string_value(json_object_get(data, "review_by"))),
	    atoi(json_string_value(json_object_get(data, "awarded"))) + 5);
	json_decref(data);
	/* a second decision */
	T_EQ(htq_decide(db, &appr, id, "rejected", "no", &out, &why),
	    HTQ_ECONFLICT);
	T_EQ(htq_submission_withdraw(db, &ab_a, id, &out, &why),
	    HTQ_ECONFLICT);
	/* the mark, public; revocation */
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_mark_get(db, txn, mark, &m), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(m, "status")), "current");
	json_decref(m);
	mark[16] = mark[16] == 'A' ? 'B' : 'A';
	T_EQ(htq_mark_get(db, txn, mark, &m), HTQ_EINVAL);
	mdb_txn_abort(txn);
	snprintf(mark, sizeof(mark), "%.17s", subj);
	T_EQ(htq_mark_revoke(db, &ab_a, mark, "other", "x", &m, &why),
	    HTQ_EPERM);
	T_EQ(htq_mark_revoke(db, &appr, mark, "bored", "x", &m, &why),
	    HTQ_EINVAL);
	T_EQ(htq_mark_revoke(db, &appr, mark, "other", NULL, &m, &why),
	    HTQ_EINVAL);
	T_EQ(htq_mark_revoke(db, &appr, mark, "non_compliance",
	    "assessment not as approved", &m, &why), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(m, "status")), "revoked");
	T_STREQ(json_string_value(json_object_get(json_object_get(m,
	    "revoked"), "reason")), "non_compliance");
	json_decref(m);
	last_entry(type, subj, NULL);
	T_STREQ(type, "mark.revoked");
	T_EQ(htq_mark_revoke(db, &appr, mark, "other", "again", &m, &why),
	    HTQ_ECONFLICT);
}

static void
test_listing(void)
{
	struct htq_sub_filter f;
	json_t *page;
	MDB_txn *txn;
	const char *next;
	char after[HTQ_ID_LEN + 1];
	size_t total = 0, i;
	json_t *s;
	char id[HTQ_ID_LEN + 1];
	static const enum state made[] = { S_DRAFT, S_SUBMITTED, S_IN_REVIEW,
	    S_APPROVED, S_REJECTED, S_WITHDRAWN };

	/* 60 of org A's: 10 in each state, 50 of them not drafts */
	for (i = 0; i < 60; i++)
		make_in(made[i % 6], id);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	/* other org sees none of org A's */
	memset(&f, 0, sizeof(f));
	T_EQ(htq_submissions_list(db, txn, &ab_b, &f, &page), HTQ_OK);
	T_EQ(json_array_size(json_object_get(page, "submissions")), 0);
	json_decref(page);
	/* reviewers page through everything but drafts */
	f.limit = 7;
	for (;;) {
		T_EQ(htq_submissions_list(db, txn, &rev1, &f, &page), HTQ_OK);
		json_array_foreach(json_object_get(page, "submissions"), i, s)
			T_ASSERT(strcmp(json_string_value(json_object_get(s,
			    "status")), "draft") != 0);
		total += json_array_size(json_object_get(page, "submissions"));
		next = json_string_value(json_object_get(page, "next"));
		if (next == NULL) {
			json_decref(page);
			break;
		}
		T_EQ(json_array_size(json_object_get(page, "submissions")), 7);
		snprintf(after, sizeof(after), "%s", next);
		f.after = after;
		json_decref(page);
	}
	T_EQ(total, 50);
	memset(&f, 0, sizeof(f));
	f.status = "approved";
	T_EQ(htq_submissions_list(db, txn, &aud, &f, &page), HTQ_OK);
	json_array_foreach(json_object_get(page, "submissions"), i, s)
		T_STREQ(json_string_value(json_object_get(s, "status")),
		    "approved");
	T_ASSERT(json_array_size(json_object_get(page, "submissions")) > 0);
	json_decref(page);
	mdb_txn_abort(txn);
}

/* Entries of type in the ledger from index from on, with subject. */
static int
entries_with(uint64_t from, const char *type, const char *subject)
{
	const uint8_t *sig;
	const char *e;
	size_t len;
	MDB_txn *txn;
	uint64_t n, i;
	json_t *j;
	int k = 0;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(aud_size(htq_db_log(db), txn, &n), HTQ_OK);
	for (i = from; i < n; i++) {
		T_EQ(aud_entry_get(htq_db_log(db), txn, i, &e, &len, &sig),
		    HTQ_OK);
		j = json_loadb(e, len, 0, NULL);
		k += j != NULL && strcmp(json_string_value(json_object_get(j,
		    "type")), type) == 0 && strcmp(json_string_value(
		    json_object_get(j, "subject")), subject) == 0;
		json_decref(j);
	}
	mdb_txn_abort(txn);
	return k;
}

/*
 * Submits racing across processes, as htq-fcgi's workers run them: NPROC
 * processes, each with its own database handle, submit a draft of their
 * own and all race to submit one shared draft.  LMDB's writer lock
 * serialises them: each of their own is submitted once, the shared one
 * exactly once, the others told it is submitted already.
 */
static void
test_racing_submits(void)
{
	enum { NPROC = 8 };
	char own[NPROC][HTQ_ID_LEN + 1], shared[HTQ_ID_LEN + 1];
	struct htq_db *cdb;
	struct htq_why why;
	json_t *out;
	uint64_t before = ledger_size();
	pid_t pids[NPROC];
	int i, st, won = 0, lost = 0, rc;

	for (i = 0; i < NPROC; i++)
		make_in(S_DRAFT, own[i]);
	make_in(S_DRAFT, shared);
	for (i = 0; i < NPROC; i++) {
		if ((pids[i] = fork()) != 0)
			continue;
		/* a worker: a database handle of its own after fork */
		if (htq_db_open(dir, 0, &cdb) != HTQ_OK ||
		    htq_ledger_attach(cdb, dir, 1) != HTQ_OK)
			_exit(1);
		if (htq_submission_submit(cdb, &ab_a, own[i], &out, &why) !=
		    HTQ_OK)
			_exit(2);
		json_decref(out);
		rc = htq_submission_submit(cdb, &ab_a, shared, &out, &why);
		json_decref(out);
		_exit(rc == HTQ_OK ? 10 : rc == HTQ_ECONFLICT &&
		    strstr(why.msg, "already") != NULL ? 11 : 3);
	}
	for (i = 0; i < NPROC; i++) {
		T_ASSERT(waitpid(pids[i], &st, 0) == pids[i]);
		T_ASSERT(WIFEXITED(st));
		if (WEXITSTATUS(st) == 10)
			won++;
		else if (WEXITSTATUS(st) == 11)
			lost++;
		else
			T_FAILF("worker %d exited %d", i, WEXITSTATUS(st));
	}
	T_EQ(won, 1);
	T_EQ(lost, NPROC - 1);
	T_EQ(ledger_size(), before + NPROC + 1);
	for (i = 0; i < NPROC; i++)
		T_EQ(entries_with(before, "submission.submitted", own[i]), 1);
	T_EQ(entries_with(before, "submission.submitted", shared), 1);
	T_EQ(htq_submission_submit(db, &ab_a, shared, &out, &why),
	    HTQ_ECONFLICT);
}

/* A review of id by who with recommendation rcm: the result. */
static int
review_as(const struct htq_actor *who, const char *id, const char *rcm,
    struct htq_why *why)
{
	json_t *r = json_pack("{s:s,s:s}", "recommendation", rcm, "comments",
	    "considered"), *out = NULL;
	int rc = htq_review_record(db, who, id, r, &out, why);

	json_decref(r);
	json_decref(out);
	return rc;
}

/*
 * Independence: nobody from the submitting organisation, and none of the
 * submission's authors whatever their role now, may review or decide it;
 * approval needs a recommendation to approve; a decision against the
 * majority says so.  Each refusal writes nothing.
 */
static void
test_independence(void)
{
	/* the author moved to reviewer or approver, keeping or leaving its
	 * organisation; a colleague of the author's given either role */
	const struct htq_actor author_rev = { ab_a.id, HTQ_ROLE_REVIEWER,
	    org_a }, author_rev_out = { ab_a.id, HTQ_ROLE_REVIEWER, "" },
	    author_appr = { ab_a.id, HTQ_ROLE_APPROVER, org_a },
	    author_appr_out = { ab_a.id, HTQ_ROLE_APPROVER, "" },
	    colleague_rev = { "a-00000000000000a2", HTQ_ROLE_REVIEWER, org_a },
	    colleague_appr = { "a-00000000000000a3", HTQ_ROLE_APPROVER, org_a };
	char id[HTQ_ID_LEN + 1], id2[HTQ_ID_LEN + 1];
	struct htq_why why;
	json_t *out, *c = content("ST0116", 4);
	uint64_t before;

	make_in(S_SUBMITTED, id);
	before = ledger_size();
	T_EQ(review_as(&author_rev, id, "approve", &why), HTQ_EPERM);
	T_ASSERT(strstr(why.msg, "organisation that made") != NULL);
	T_EQ(review_as(&author_rev_out, id, "approve", &why), HTQ_EPERM);
	T_ASSERT(strstr(why.msg, "created, edited, submitted or answered "
	    "for") != NULL);
	T_EQ(review_as(&colleague_rev, id, "approve", &why), HTQ_EPERM);
	T_EQ(ledger_size(), before);
	/* only a recommendation to reject: no approval */
	T_EQ(review_as(&rev1, id, "reject", &why), HTQ_OK);
	T_EQ(htq_decide(db, &appr, id, "approved", "r", &out, &why),
	    HTQ_ECONFLICT);
	T_STREQ(why.field, "outcome");
	T_EQ(review_as(&rev2, id, "approve", &why), HTQ_OK);
	before = ledger_size();
	T_EQ(htq_decide(db, &author_appr, id, "approved", "r", &out, &why),
	    HTQ_EPERM);
	T_EQ(htq_decide(db, &author_appr_out, id, "approved", "r", &out,
	    &why), HTQ_EPERM);
	T_EQ(htq_decide(db, &colleague_appr, id, "rejected", "r", &out, &why),
	    HTQ_EPERM);
	T_EQ(ledger_size(), before);
	/* one for, one against: approving is not against the majority */
	T_EQ(htq_decide(db, &appr, id, "approved", "r", &out, &why), HTQ_OK);
	T_ASSERT(json_is_false(json_object_get(json_object_get(out,
	    "decision"), "against_recommendations")));
	json_decref(out);
	/* an editor who did not create it is an author too */
	make_in(S_DRAFT, id2);
	{
		const struct htq_actor editor = { "a-00000000000000a4",
		    HTQ_ROLE_AWARDING_BODY, org_a }, editor_out = {
		    "a-00000000000000a4", HTQ_ROLE_REVIEWER, "" };

		T_EQ(htq_submission_update(db, &editor, id2, 1, c, &out, &why),
		    HTQ_OK);
		json_decref(out);
		T_EQ(htq_submission_submit(db, &ab_a, id2, &out, &why), HTQ_OK);
		json_decref(out);
		T_EQ(review_as(&editor_out, id2, "approve", &why), HTQ_EPERM);
	}
	/* rejecting what the only recommendation approves is against it */
	T_EQ(review_as(&rev1, id2, "approve", &why), HTQ_OK);
	T_EQ(htq_decide(db, &appr, id2, "rejected", "r", &out, &why), HTQ_OK);
	T_ASSERT(json_is_true(json_object_get(json_object_get(out,
	    "decision"), "against_recommendations")));
	json_decref(out);
	json_decref(c);
}

/* Withdrawing a draft appends nothing: a draft never reaches the
 * public ledger; withdrawing a submitted one does. */
static void
test_draft_withdrawal_is_private(void)
{
	char id[HTQ_ID_LEN + 1], type[64], subj[64];
	struct htq_why why;
	json_t *out;
	uint64_t before;

	make_in(S_DRAFT, id);
	before = ledger_size();
	T_EQ(htq_submission_withdraw(db, &ab_a, id, &out, &why), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(out, "status")), "withdrawn");
	json_decref(out);
	T_EQ(ledger_size(), before);
	make_in(S_SUBMITTED, id);
	T_EQ(htq_submission_withdraw(db, &ab_a, id, &out, &why), HTQ_OK);
	json_decref(out);
	last_entry(type, subj, NULL);
	T_STREQ(type, "submission.withdrawn");
	T_STREQ(subj, id);
}

/* An organisation keeps at most htq_max_drafts() drafts; another is not
 * held back; a withdrawn draft makes room. */
static void
test_draft_limit(void)
{
	char id[HTQ_ID_LEN + 1], id2[HTQ_ID_LEN + 1];
	struct htq_why why;
	json_t *c = content("ST0116", 4), *out = NULL;

	setenv("HTQ_MAX_DRAFTS", "2", 1);
	T_EQ(htq_max_drafts(), 2);
	make_in(S_DRAFT, id);
	make_in(S_SUBMITTED, id2);	/* not a draft any more */
	make_in(S_DRAFT, id2);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_ECONFLICT);
	T_ASSERT(strstr(why.msg, "2 drafts") != NULL);
	T_EQ(htq_submission_create(db, &ab_b, c, &out, &why), HTQ_OK);
	json_decref(out);
	T_EQ(htq_submission_withdraw(db, &ab_a, id, &out, &why), HTQ_OK);
	json_decref(out);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	json_decref(out);
	setenv("HTQ_MAX_DRAFTS", "0", 1);	/* out of range: the default */
	T_EQ(htq_max_drafts(), HTQ_MAX_DRAFTS);
	unsetenv("HTQ_MAX_DRAFTS");
	json_decref(c);
}

static json_t *
read_as(const struct htq_actor *who, const char *id)
{
	MDB_txn *txn;
	json_t *out = NULL;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_submission_get(db, txn, who, id, &out), HTQ_OK);
	mdb_txn_abort(txn);
	return out;
}

static int
listed(const json_t *doc, const char *action)
{
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(doc, "actions"), i, x)
		if (strcmp(json_string_value(x), action) == 0)
			return 1;
	return 0;
}

static void
test_submit_needs_every_ksb_explained(void)
{
	char id[HTQ_ID_LEN + 1];
	struct htq_why why;
	json_t *out, *c = content("ST0116", 4), *doc, *chk;
	uint64_t before;

	/* B2 neither mapped nor explained: saved, but not submitted */
	json_array_remove(json_object_get(c, "mapping"), 6);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(out,
	    "id")));
	T_ASSERT(!listed(out, "submit"));
	json_decref(out);
	doc = read_as(&ab_a, id);
	chk = json_object_get(doc, "submit_check");
	T_ASSERT(json_is_false(json_object_get(chk, "accepted")));
	T_STREQ(json_string_value(json_object_get(chk, "field")), "mapping");
	T_ASSERT(strstr(json_string_value(json_object_get(chk, "message")),
	    "B2") != NULL);
	/* the window that applies is named, open */
	T_STREQ(json_string_value(json_object_get(json_object_get(chk,
	    "window"), "state")), "open");
	T_ASSERT(listed(doc, "edit") && listed(doc, "delete"));
	T_ASSERT(!listed(doc, "submit"));
	json_decref(doc);
	before = ledger_size();
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_EINVAL);
	T_STREQ(why.field, "mapping");
	T_ASSERT(strstr(why.msg, "1 KSB (B2) is neither mapped") != NULL);
	T_EQ(ledger_size(), before);
	/* explained: accepted, and the reason is what reviewers see */
	json_array_append_new(json_object_get(c, "mapping"), json_pack(
	    "{s:s,s:[],s:s}", "ksb", "B2", "units", "not_attainable",
	    "learnt on placement"));
	T_EQ(htq_submission_update(db, &ab_a, id, 1, c, &out, &why), HTQ_OK);
	T_ASSERT(listed(out, "submit"));
	T_ASSERT(json_is_true(json_object_get(json_object_get(out,
	    "submit_check"), "accepted")));
	json_decref(out);
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_OK);
	json_decref(out);
	doc = read_as(&rev1, id);
	T_EQ(json_array_size(json_object_get(json_object_get(doc, "coverage"),
	    "not_attainable")), 5);
	T_ASSERT(json_object_get(doc, "submit_check") == NULL);
	T_ASSERT(listed(doc, "review") && listed(doc, "request_information"));
	json_decref(doc);
	json_decref(c);
	/* a window announced, not open: the draft says when it opens */
	c = content("ST0049", 5);
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	chk = json_object_get(out, "submit_check");
	T_ASSERT(json_is_false(json_object_get(chk, "accepted")));
	T_STREQ(json_string_value(json_object_get(json_object_get(chk,
	    "window"), "state")), "announced");
	T_ASSERT(strstr(json_string_value(json_object_get(chk, "message")),
	    "opens on") != NULL);
	json_decref(out);
	json_decref(c);
}

/*
 * A draft saved before its standard is chosen (the portal saves from the
 * journey's first page): created and edited without a standard, units
 * but no KSB mapped, no coverage, listed and read; never submitted (the
 * submit check names the standard), and the full content rules apply as
 * soon as the standard is there.
 */
static void
test_draft_before_its_standard(void)
{
	char id[HTQ_ID_LEN + 1];
	struct htq_why why;
	struct htq_sub_filter f;
	MDB_txn *txn;
	json_t *c, *out, *doc, *chk, *page, *s, *full;
	uint64_t before = ledger_size();
	size_t i;
	int seen = 0;

	c = json_pack("{s:{s:s,s:s,s:i},s:[],s:[]}", "qualification", "title",
	    "HNC in Saved Early", "type", "HNC", "level", 4, "units",
	    "mapping");
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(out,
	    "id")));
	T_STREQ(json_string_value(json_object_get(out, "status")), "draft");
	T_ASSERT(json_object_get(out, "standard") == NULL);
	T_ASSERT(json_object_get(out, "coverage") == NULL);
	T_ASSERT(json_object_get(out, "route") == NULL);
	T_ASSERT(listed(out, "edit") && listed(out, "delete"));
	T_ASSERT(!listed(out, "submit"));
	chk = json_object_get(out, "submit_check");
	T_ASSERT(json_is_false(json_object_get(chk, "accepted")));
	T_STREQ(json_string_value(json_object_get(chk, "field")), "standard");
	T_ASSERT(strstr(json_string_value(json_object_get(chk, "message")),
	    "choose the occupational standard") != NULL);
	json_decref(out);
	/* units next, still no standard: kept; a KSB mapped is refused */
	json_array_append_new(json_object_get(c, "units"), json_pack(
	    "{s:s,s:s}", "id", "U1", "title", "Networks"));
	T_EQ(htq_submission_update(db, &ab_a, id, 1, c, &out, &why), HTQ_OK);
	json_decref(out);
	json_array_append_new(json_object_get(c, "mapping"), json_pack(
	    "{s:s,s:[s],s:s}", "ksb", "K1", "units", "U1", "assessment",
	    "exam"));
	T_EQ(htq_submission_update(db, &ab_a, id, 2, c, &out, &why),
	    HTQ_EINVAL);
	T_STREQ(why.field, "mapping");
	json_array_clear(json_object_get(c, "mapping"));
	/* the draft's other rules still hold without a standard */
	json_object_set_new(json_object_get(c, "qualification"), "level",
	    json_integer(3));
	T_EQ(htq_submission_update(db, &ab_a, id, 2, c, &out, &why),
	    HTQ_EINVAL);
	T_STREQ(why.field, "qualification.level");
	json_object_set_new(json_object_get(c, "qualification"), "level",
	    json_integer(4));
	json_array_append_new(json_object_get(c, "units"), json_pack(
	    "{s:s,s:s}", "id", "U1", "title", "Twice"));
	T_EQ(htq_submission_update(db, &ab_a, id, 2, c, &out, &why),
	    HTQ_EINVAL);
	T_STREQ(why.field, "units[1].id");
	json_array_remove(json_object_get(c, "units"), 1);
	/* read and listed as any draft; nothing public happened */
	doc = read_as(&ab_a, id);
	T_EQ(json_integer_value(json_object_get(doc, "version")), 2);
	T_STREQ(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "units"), 0), "id")), "U1");
	json_decref(doc);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	memset(&f, 0, sizeof(f));
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &page), HTQ_OK);
	json_array_foreach(json_object_get(page, "submissions"), i, s)
		if (strcmp(json_string_value(json_object_get(s, "id")), id) ==
		    0) {
			seen = 1;
			T_ASSERT(json_object_get(s, "route") == NULL);
		}
	json_decref(page);
	f.standard = "ST0116";
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &page), HTQ_OK);
	T_EQ(json_array_size(json_object_get(page, "submissions")), 0);
	json_decref(page);
	mdb_txn_abort(txn);
	T_ASSERT(seen);
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_EFORMAT);
	T_STREQ(why.field, "standard");
	T_EQ(ledger_size(), before);
	/* the standard chosen: every rule applies (its level), then the
	 * full content is a draft like any other and is submitted */
	json_object_set_new(c, "standard", json_pack("{s:s,s:s}", "ref",
	    "ST0049", "version", "1.0"));
	T_EQ(htq_submission_update(db, &ab_a, id, 2, c, &out, &why),
	    HTQ_EINVAL);
	T_STREQ(why.field, "qualification.level");
	full = content("ST0116", 4);
	T_EQ(htq_submission_update(db, &ab_a, id, 2, full, &out, &why),
	    HTQ_OK);
	T_ASSERT(json_object_get(out, "coverage") != NULL);
	T_STREQ(json_string_value(json_object_get(out, "route")), "Digital");
	json_decref(out);
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_OK);
	json_decref(out);
	json_decref(full);
	json_decref(c);
	/* a submit-time check keeps needing the standard (no draft rule) */
	c = json_pack("{s:{s:s,s:s,s:i},s:[],s:[]}", "qualification", "title",
	    "HNC", "type", "HNC", "level", 4, "units", "mapping");
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	memset(&why, 0, sizeof(why));
	T_EQ(htq_check_content(db, txn, c, NULL, &why), HTQ_EFORMAT);
	T_STREQ(why.field, "standard");
	T_EQ(htq_check_draft(db, txn, c, NULL, &why), HTQ_OK);
	mdb_txn_abort(txn);
	json_decref(c);
}

static void
test_delete_draft(void)
{
	char id[HTQ_ID_LEN + 1], id2[HTQ_ID_LEN + 1];
	struct htq_why why;
	struct htq_sub_filter f;
	MDB_txn *txn;
	json_t *out;
	uint64_t before;

	make_in(S_DRAFT, id);
	make_in(S_SUBMITTED, id2);
	before = ledger_size();
	T_EQ(htq_submission_delete(db, &ab_b, id, &why), HTQ_ENOTFOUND);
	T_EQ(htq_submission_delete(db, &rev1, id, &why), HTQ_EPERM);
	T_EQ(htq_submission_delete(db, &ab_a, id2, &why), HTQ_ECONFLICT);
	T_EQ(htq_submission_delete(db, &ab_a, id, &why), HTQ_OK);
	T_EQ(htq_submission_delete(db, &ab_a, id, &why), HTQ_ENOTFOUND);
	T_EQ(ledger_size(), before);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_submission_get(db, txn, &ab_a, id, &out), HTQ_ENOTFOUND);
	memset(&f, 0, sizeof(f));
	f.limit = 100;
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	mdb_txn_abort(txn);
	T_EQ(json_array_size(json_object_get(out, "submissions")), 1);
	json_decref(out);
}

static void
test_information_loop(void)
{
	const struct htq_actor rev1_now_appr = { rev1.id, HTQ_ROLE_APPROVER,
	    "" };
	static const char *const steps[] = { "submission.created",
	    "submission.submitted", "review.recorded", "information.requested",
	    "information.provided", "review.recorded", "decision.approved" };
	char id[HTQ_ID_LEN + 1], type[64], subj[64], hash[65];
	char due[HTQ_DATE_LEN + 1];
	struct htq_why why;
	json_t *out, *data, *c, *doc, *h, *e;
	const char *old;
	size_t i;

	make_in(S_IN_REVIEW, id);
	/* in review: due HTQ_REVIEW_DAYS from the submit (today here) */
	htq_date_in(HTQ_REVIEW_DAYS, due);
	doc = read_as(&aud, id);
	T_STREQ(json_string_value(json_object_get(doc, "review_due")), due);
	json_decref(doc);
	/* the approver asks; the question reaches the ledger as a hash */
	T_EQ(htq_information_request(db, &appr, id, "", &out, &why),
	    HTQ_EINVAL);
	T_EQ(htq_information_request(db, &ab_a, id, "q", &out, &why),
	    HTQ_EPERM);
	T_EQ(htq_information_request(db, &appr, id, "How is S2 assessed "
	    "in the workplace?", &out, &why), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(out, "status")),
	    "information_requested");
	T_ASSERT(!listed(out, "decide"));
	json_decref(out);
	last_entry(type, subj, &data);
	T_STREQ(type, "information.requested");
	T_STREQ(subj, id);
	T_EQ(strlen(json_string_value(json_object_get(data,
	    "question_sha256"))), 64);
	T_ASSERT(json_object_get(data, "question") == NULL);
	json_decref(data);
	/* nobody decides while the answer is due; a second question waits */
	T_EQ(htq_decide(db, &appr, id, "approved", "r", &out, &why),
	    HTQ_ECONFLICT);
	T_EQ(htq_information_request(db, &rev2, id, "And K3?", &out, &why),
	    HTQ_ECONFLICT);
	doc = read_as(&ab_a, id);
	T_ASSERT(listed(doc, "respond") && listed(doc, "withdraw"));
	T_ASSERT(json_object_get(doc, "review_due") == NULL);
	old = json_string_value(json_object_get(doc, "content_sha256"));
	T_ASSERT(old != NULL);
	snprintf(hash, sizeof(hash), "%s", old);
	json_decref(doc);
	/* the answer amends the mapping: a new version, back to review */
	c = content("ST0116", 4);
	json_object_set_new(json_array_get(json_object_get(c, "mapping"), 4),
	    "units", json_pack("[s]", "U2"));
	json_object_set_new(json_array_get(json_object_get(c, "mapping"), 4),
	    "assessment", json_string("observed project"));
	json_object_del(json_array_get(json_object_get(c, "mapping"), 4),
	    "not_attainable");
	T_EQ(htq_information_respond(db, &ab_b, id, "a", c, &out, &why),
	    HTQ_ENOTFOUND);
	T_EQ(htq_information_respond(db, &ab_a, id, "S2 is now in U2.", c,
	    &out, &why), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(out, "status")), "submitted");
	T_STREQ(json_string_value(json_object_get(out, "review_due")), due);
	T_EQ(json_array_size(json_object_get(out, "reviews")), 0);
	T_EQ(json_array_size(json_object_get(out, "earlier_reviews")), 1);
	T_ASSERT(strcmp(json_string_value(json_object_get(out,
	    "content_sha256")), hash) != 0);
	T_EQ(json_integer_value(json_object_get(json_object_get(out,
	    "coverage"), "covered")), 3);
	json_decref(out);
	json_decref(c);
	last_entry(type, subj, &data);
	T_STREQ(type, "information.provided");
	T_ASSERT(json_is_true(json_object_get(data, "amended")));
	T_ASSERT(json_object_get(data, "answer") == NULL);
	json_decref(data);
	T_EQ(htq_information_respond(db, &ab_a, id, "again", NULL, &out,
	    &why), HTQ_ECONFLICT);
	/* a new round: the earlier reviewer reviews again; moved to
	 * approver, they still may not decide (they reviewed it) */
	T_EQ(review_as(&rev1, id, "approve", &why), HTQ_OK);
	T_EQ(htq_decide(db, &rev1_now_appr, id, "approved", "r", &out, &why),
	    HTQ_EPERM);
	/* the approver who asked decides */
	T_EQ(htq_decide(db, &appr, id, "approved", "r", &out, &why), HTQ_OK);
	json_decref(out);
	/* the history: every step, who, and the version it made */
	doc = read_as(&aud, id);
	T_ASSERT(json_object_get(doc, "review_due") == NULL);
	h = json_object_get(doc, "history");
	T_EQ(json_array_size(h), sizeof(steps) / sizeof(steps[0]));
	json_array_foreach(h, i, e) {
		T_STREQ(json_string_value(json_object_get(e, "event")),
		    steps[i]);
		T_EQ(json_integer_value(json_object_get(e, "version")),
		    (json_int_t)i + 1);
	}
	T_STREQ(json_string_value(json_object_get(json_array_get(h, 3), "by")),
	    appr.id);
	json_decref(doc);
}

static void
test_revoked_mark_on_submission(void)
{
	char id[HTQ_ID_LEN + 1], mark[HTQ_MARK_ID_LEN + 1];
	struct htq_why why;
	struct htq_sub_filter f;
	MDB_txn *txn;
	json_t *out, *doc;

	make_in(S_APPROVED, id);
	doc = read_as(&ab_a, id);
	T_ASSERT(listed(doc, "embed_mark"));
	snprintf(mark, sizeof(mark), "%s", json_string_value(json_object_get(
	    doc, "mark")));
	json_decref(doc);
	T_EQ(htq_mark_revoke(db, &appr, mark, "non_compliance", NULL, &out,
	    &why), HTQ_OK);
	json_decref(out);
	doc = read_as(&ab_a, id);
	T_STREQ(json_string_value(json_object_get(doc, "mark_status")),
	    "revoked");
	T_ASSERT(!listed(doc, "embed_mark"));
	json_decref(doc);
	doc = read_as(&appr, id);
	T_ASSERT(!listed(doc, "revoke_mark"));
	json_decref(doc);
	memset(&f, 0, sizeof(f));
	f.limit = 10;
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	mdb_txn_abort(txn);
	T_STREQ(json_string_value(json_object_get(json_array_get(
	    json_object_get(out, "submissions"), 0), "mark_status")),
	    "revoked");
	json_decref(out);
}

static void
test_queues_from_facts(void)
{
	char a[HTQ_ID_LEN + 1], b[HTQ_ID_LEN + 1], c[HTQ_ID_LEN + 1];
	struct htq_sub_filter f;
	MDB_txn *txn;
	json_t *out, *subs;

	make_in(S_SUBMITTED, a);
	make_in(S_IN_REVIEW, b);	/* rev1 reviewed it */
	make_in(S_INFO, c);
	memset(&f, 0, sizeof(f));
	f.limit = 10;
	f.status = "awaiting_review";
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_submissions_list(db, txn, &rev1, &f, &out), HTQ_OK);
	subs = json_object_get(out, "submissions");
	T_EQ(json_array_size(subs), 1);
	T_STREQ(json_string_value(json_object_get(json_array_get(subs, 0),
	    "id")), a);
	json_decref(out);
	T_EQ(htq_submissions_list(db, txn, &rev2, &f, &out), HTQ_OK);
	T_EQ(json_array_size(json_object_get(out, "submissions")), 2);
	json_decref(out);
	f.status = "awaiting_decision";
	T_EQ(htq_submissions_list(db, txn, &appr, &f, &out), HTQ_OK);
	subs = json_object_get(out, "submissions");
	T_EQ(json_array_size(subs), 1);
	T_STREQ(json_string_value(json_object_get(json_array_get(subs, 0),
	    "id")), b);
	json_decref(out);
	mdb_txn_abort(txn);
}

/*
 * A database from before the facts: approved submissions whose revoked
 * mark the document does not record, and no facts.  The reindex at start
 * rebuilds them, and the revoked mark is not offered for embedding.
 */
static void
test_reindex_a_database_from_before(void)
{
	char id[HTQ_ID_LEN + 1], id2[HTQ_ID_LEN + 1], mark[HTQ_MARK_ID_LEN + 1];
	struct htq_why why;
	MDB_txn *txn;
	MDB_val k;
	json_t *out, *doc;
	size_t n;

	make_in(S_APPROVED, id);
	make_in(S_DRAFT, id2);
	doc = read_as(&ab_a, id);
	snprintf(mark, sizeof(mark), "%s", json_string_value(json_object_get(
	    doc, "mark")));
	json_decref(doc);
	T_EQ(htq_mark_revoke(db, &appr, mark, "other", "x", &out, &why),
	    HTQ_OK);
	json_decref(out);
	T_EQ(htq_submissions_reindex(db, &n), HTQ_OK);
	T_EQ(n, 0);		/* nothing to do */
	T_EQ(htq_txn_write(db, &txn), HTQ_OK);
	T_EQ(htq_get_json(txn, htq_dbi(db, HTQ_T_SUB), id, &doc), HTQ_OK);
	json_object_del(doc, "mark_status");
	T_EQ(htq_put_json(txn, htq_dbi(db, HTQ_T_SUB), id, doc, 0), HTQ_OK);
	json_decref(doc);
	k.mv_data = id;
	k.mv_size = strlen(id);
	T_EQ(mdb_del(txn, htq_dbi(db, HTQ_T_SUB_FACTS), &k, NULL), 0);
	k.mv_data = id2;
	T_EQ(mdb_del(txn, htq_dbi(db, HTQ_T_SUB_FACTS), &k, NULL), 0);
	T_EQ(htq_commit(db, txn), HTQ_OK);
	T_EQ(htq_submissions_reindex(db, &n), HTQ_OK);
	T_EQ(n, 2);
	doc = read_as(&ab_a, id);
	T_STREQ(json_string_value(json_object_get(doc, "mark_status")),
	    "revoked");
	T_ASSERT(!listed(doc, "embed_mark"));
	json_decref(doc);
	doc = read_as(&ab_a, id2);
	T_ASSERT(listed(doc, "delete"));
	json_decref(doc);
}

/* --- notifications (core/domain/outbox.c) --- */

/* How many messages account id has, and how many of them are event. */
static size_t
messages_of(const char *id, const char *event, size_t *unread)
{
	struct htq_actor a = { id, HTQ_ROLE_NONE, "" };
	MDB_txn *txn;
	json_t *out, *m;
	size_t i, n = 0;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_messages_list(db, txn, &a, NULL, HTQ_MESSAGES_PAGE_MAX,
	    &out), HTQ_OK);
	mdb_txn_abort(txn);
	json_array_foreach(json_object_get(out, "messages"), i, m)
		n += event == NULL || strcmp(json_string_value(json_object_get(m,
		    "event")), event) == 0;
	if (unread)
		*unread = (size_t)json_integer_value(json_object_get(out,
		    "unread"));
	json_decref(out);
	return n;
}

static size_t
queued(void)
{
	MDB_txn *txn;
	size_t n;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_outbox_count(db, txn, &n), HTQ_OK);
	mdb_txn_abort(txn);
	return n;
}

/* Store an account record (accounts.c's shape) with id. */
static void
put_account(const char *id, const char *role, const char *org, int disabled,
    char out[HTQ_ID_LEN + 1])
{
	char email[64];
	MDB_txn *txn;
	json_t *a;

	snprintf(out, HTQ_ID_LEN + 1, "%s", id);
	snprintf(email, sizeof(email), "%s@example.org", id);
	a = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:i}", "id", id, "email",
	    email, "name", "Someone", "role", role, "org", org, "disabled",
	    disabled, "gen", 1);
	T_EQ(htq_txn_write(db, &txn), HTQ_OK);
	T_EQ(htq_put_json(txn, htq_dbi(db, HTQ_T_ACCT), id, a, 0), HTQ_OK);
	T_EQ(htq_commit(db, txn), HTQ_OK);
	json_decref(a);
}

/*
 * Every step of a submission's life leaves a message for each account
 * concerned, in the step's own transaction (a refused step leaves none,
 * a step leaves its messages and its ledger entry together), never for
 * the actor, a disabled account or another organisation's; the e-mail
 * queue holds one per message while a relay is configured, and the
 * sender's claim, result and recovery keep each e-mail in it until the
 * relay took it.  The tick's time-based messages come once each.
 */
static void
test_notifications(void)
{
	char a1[HTQ_ID_LEN + 1], a2[HTQ_ID_LEN + 1], b1[HTQ_ID_LEN + 1];
	char r1[HTQ_ID_LEN + 1], r2[HTQ_ID_LEN + 1], r3[HTQ_ID_LEN + 1];
	char p1[HTQ_ID_LEN + 1], d1[HTQ_ID_LEN + 1], id[HTQ_ID_LEN + 1];
	char mark[32], key[64], today[11], soon[11], later[11], mid[HTQ_ID_LEN + 1];
	char attempt[40];
	struct htq_why why;
	json_t *c, *out, *r, *job, *w, *m;
	MDB_txn *txn;
	uint64_t before;
	size_t n, unread, q0;
	time_t wait;

	setenv("HTQ_SMTP_URL", "smtp://127.0.0.1:1", 1);
	/* the accounts as htq_account_add stores them (without the cost of
	 * hashing eight passwords) */
	put_account("a-0000000000000aa1", "awarding_body", org_a, 0, a1);
	put_account("a-0000000000000aa2", "awarding_body", org_a, 0, a2);
	put_account("a-0000000000000bb1", "awarding_body", org_b, 0, b1);
	put_account("a-00000000000000r1", "reviewer", "", 0, r1);
	put_account("a-00000000000000r2", "reviewer", "", 0, r2);
	put_account("a-00000000000000r3", "reviewer", "", 1, r3);
	put_account("a-00000000000000p1", "approver", "", 0, p1);
	put_account("a-00000000000000d1", "admin", "", 0, d1);
	{
		struct htq_actor A1 = { a1, HTQ_ROLE_AWARDING_BODY, org_a };
		struct htq_actor R1 = { r1, HTQ_ROLE_REVIEWER, "" };
		struct htq_actor P1 = { p1, HTQ_ROLE_APPROVER, "" };

		/* a draft and its edits tell nobody */
		c = content("ST0116", 4);
		T_EQ(htq_submission_create(db, &A1, c, &out, &why), HTQ_OK);
		json_decref(c);
		snprintf(id, sizeof(id), "%s", json_string_value(
		    json_object_get(out, "id")));
		json_decref(out);
		T_EQ(messages_of(a2, NULL, NULL), 0);
		T_EQ(queued(), 0);
		/* submitted: both enabled reviewers and the other account of
		 * the awarding body, with the ledger entry */
		before = ledger_size();
		T_EQ(htq_submission_submit(db, &A1, id, &out, &why), HTQ_OK);
		json_decref(out);
		T_EQ(ledger_size(), before + 1);
		T_EQ(messages_of(r1, "submission.submitted", &unread), 1);
		T_EQ(unread, 1);
		T_EQ(messages_of(r2, "submission.submitted", NULL), 1);
		T_EQ(messages_of(a2, "submission.submitted", NULL), 1);
		T_EQ(messages_of(r3, NULL, NULL), 0);	/* disabled */
		T_EQ(messages_of(a1, NULL, NULL), 0);	/* the actor */
		T_EQ(messages_of(p1, NULL, NULL), 0);
		T_EQ(queued(), 3);
		/* a refused step: no entry, no message */
		T_EQ(htq_submission_submit(db, &A1, id, &out, &why),
		    HTQ_ECONFLICT);
		T_EQ(ledger_size(), before + 1);
		T_EQ(queued(), 3);
		/* information requested and answered */
		T_EQ(htq_information_request(db, &R1, id, "Which unit covers "
		    "K2?", &out, &why), HTQ_OK);
		json_decref(out);
		T_EQ(messages_of(a1, "information.requested", NULL), 1);
		T_EQ(messages_of(a2, "information.requested", NULL), 1);
		T_EQ(messages_of(r2, "information.requested", NULL), 0);
		T_EQ(htq_information_respond(db, &A1, id, "None: see the "
		    "reason given", NULL, &out, &why), HTQ_OK);
		json_decref(out);
		T_EQ(messages_of(r1, "information.provided", NULL), 1);
		T_EQ(messages_of(r2, "information.provided", NULL), 0);
		/* an amending answer is a new round: every reviewer hears */
		T_EQ(htq_information_request(db, &R1, id, "And K3?", &out,
		    &why), HTQ_OK);
		json_decref(out);
		c = content("ST0116", 4);
		T_EQ(htq_information_respond(db, &A1, id, "Amended: see K3",
		    c, &out, &why), HTQ_OK);
		json_decref(c);
		json_decref(out);
		T_EQ(messages_of(r1, "information.provided", NULL), 2);
		T_EQ(messages_of(r2, "information.provided", NULL), 1);
		T_EQ(messages_of(r3, NULL, NULL), 0);
		/* a review: the approvers and the awarding body */
		r = json_pack("{s:s,s:s}", "recommendation", "approve",
		    "comments", "good");
		T_EQ(htq_review_record(db, &R1, id, r, &out, &why), HTQ_OK);
		json_decref(r);
		json_decref(out);
		T_EQ(messages_of(p1, "review.recorded", NULL), 1);
		T_EQ(messages_of(a1, "review.recorded", NULL), 1);
		T_EQ(messages_of(r1, "review.recorded", NULL), 0);
		/* decided and awarded in one transaction: the reviewer who
		 * recommended, the awarding body */
		before = ledger_size();
		T_EQ(htq_decide(db, &P1, id, "approved", "meets it", &out,
		    &why), HTQ_OK);
		snprintf(mark, sizeof(mark), "%s", json_string_value(
		    json_object_get(out, "mark")));
		json_decref(out);
		T_EQ(ledger_size(), before + 2);
		T_EQ(messages_of(r1, "decision.approved", NULL), 1);
		T_EQ(messages_of(r2, "decision.approved", NULL), 0);
		T_EQ(messages_of(a2, "decision.approved", NULL), 1);
		T_EQ(messages_of(a2, "mark.awarded", NULL), 1);
		T_EQ(htq_mark_revoke(db, &P1, mark, "non_compliance", NULL,
		    &out, &why), HTQ_OK);
		json_decref(out);
		T_EQ(messages_of(a1, "mark.revoked", NULL), 1);
		T_EQ(messages_of(d1, "mark.revoked", NULL), 1);
		/* the other organisation heard of none of it */
		T_EQ(messages_of(b1, NULL, NULL), 0);
	}
	/* a window: every awarding body account; closing soon: once */
	htq_today(today);
	date_in(5, soon);
	date_in(300, later);
	T_EQ(htq_window_open(db, &admin, "Health and science", today, soon,
	    later, &w, NULL), HTQ_OK);
	json_decref(w);
	T_EQ(messages_of(b1, "window.opened", NULL), 1);
	T_EQ(messages_of(a1, "window.opened", NULL), 1);
	T_EQ(messages_of(r1, "window.opened", NULL), 0);
	/* the revoked mark is not due; a current one whose review date
	 * comes within HTQ_NOTIFY_REVIEW_DAYS is */
	T_EQ(htq_txn_write(db, &txn), HTQ_OK);
	T_EQ(htq_get_json(txn, htq_dbi(db, HTQ_T_MARK), mark, &m), HTQ_OK);
	json_object_set_new(m, "status", json_string("current"));
	json_object_set_new(m, "review_by", json_string(soon));
	T_EQ(htq_put_json(txn, htq_dbi(db, HTQ_T_MARK), mark, m, 0), HTQ_OK);
	json_decref(m);
	T_EQ(htq_commit(db, txn), HTQ_OK);
	T_EQ(htq_notify_tick(db, &n), HTQ_OK);
	T_EQ(n, 2);	/* the window closing, the mark's review */
	T_EQ(messages_of(b1, "window.closing", NULL), 1);
	T_EQ(messages_of(a2, "mark.review_due", NULL), 1);
	T_EQ(messages_of(d1, "mark.review_due", NULL), 1);
	T_EQ(messages_of(b1, "mark.review_due", NULL), 0);
	T_EQ(htq_notify_tick(db, &n), HTQ_OK);
	T_EQ(n, 0);
	T_EQ(messages_of(b1, "window.closing", NULL), 1);
	/* read: own only, once */
	{
		struct htq_actor B1 = { b1, HTQ_ROLE_AWARDING_BODY, org_b };
		struct htq_actor A2 = { a2, HTQ_ROLE_AWARDING_BODY, org_a };

		T_EQ(htq_txn_read(db, &txn), HTQ_OK);
		T_EQ(htq_messages_list(db, txn, &A2, NULL, 1, &out), HTQ_OK);
		mdb_txn_abort(txn);
		T_EQ(json_array_size(json_object_get(out, "messages")), 1);
		T_ASSERT(json_is_string(json_object_get(out, "next")));
		snprintf(mid, sizeof(mid), "%s", json_string_value(
		    json_object_get(json_array_get(json_object_get(out,
		    "messages"), 0), "id")));
		json_decref(out);
		T_EQ(htq_message_read(db, &B1, mid, &out, &why), HTQ_ENOTFOUND);
		messages_of(a2, NULL, &unread);
		T_EQ(htq_message_read(db, &A2, mid, &out, &why), HTQ_OK);
		T_ASSERT(json_is_string(json_object_get(out, "read")));
		json_decref(out);
		messages_of(a2, NULL, &n);
		T_EQ(n, unread - 1);
	}
	/* the sender's queue: claim marks sending, recovery puts it back,
	 * a stale attempt changes nothing, sent removes it */
	q0 = queued();
	T_ASSERT(q0 > 10);
	T_EQ(htq_outbox_claim(db, time(NULL), &job, &wait), HTQ_OK);
	snprintf(attempt, sizeof(attempt), "%s", json_string_value(
	    json_object_get(job, "attempt")));
	snprintf(key, sizeof(key), "<%s@htq.test>", json_string_value(
	    json_object_get(job, "id")));
	T_STREQ(json_string_value(json_object_get(job, "message_id")), key);
	T_ASSERT(strchr(json_string_value(json_object_get(job, "to")), '@'));
	T_EQ(htq_outbox_recover(db, &n), HTQ_OK);
	T_EQ(n, 1);
	T_EQ(htq_outbox_result(db, json_string_value(json_object_get(job,
	    "id")), attempt, 1, 0, 0), HTQ_ECONFLICT);
	T_EQ(queued(), q0);
	json_decref(job);
	T_EQ(htq_outbox_claim(db, time(NULL), &job, &wait), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(job, "message_id")), key);
	T_EQ(json_integer_value(json_object_get(job, "attempts")), 2);
	T_EQ(htq_outbox_result(db, json_string_value(json_object_get(job,
	    "id")), json_string_value(json_object_get(job, "attempt")), 1, 0,
	    0), HTQ_OK);
	T_EQ(queued(), q0 - 1);
	json_decref(job);
	/* a failed try waits */
	T_EQ(htq_outbox_claim(db, time(NULL), &job, &wait), HTQ_OK);
	T_EQ(htq_outbox_result(db, json_string_value(json_object_get(job,
	    "id")), json_string_value(json_object_get(job, "attempt")), 0, 0,
	    time(NULL) + 100), HTQ_OK);
	json_decref(job);
	T_EQ(queued(), q0 - 1);
	unsetenv("HTQ_SMTP_URL");
	/* without a relay nothing is queued; the portal still tells */
	T_EQ(htq_window_open(db, &admin, "Construction", later, later, later,
	    &w, NULL), HTQ_OK);
	json_decref(w);
	T_EQ(messages_of(b1, "window.opened", NULL), 2);
	T_EQ(queued(), q0 - 1);
}

/*
 * A long title of two-byte characters: the message's title ("Submitted
 * for approval: ...") is cut to fit, never in the middle of a character
 * (a cut one made the submit itself fail, as no JSON string takes it).
 */
static void
test_notification_of_a_long_title(void)
{
	char r1[HTQ_ID_LEN + 1], id[HTQ_ID_LEN + 1], title[HTQ_MAX_TITLE + 1];
	struct htq_actor a = { r1, HTQ_ROLE_NONE, "" };
	struct htq_why why;
	MDB_txn *txn;
	json_t *c, *out, *m;
	const char *t;
	size_t i;

	put_account("a-00000000000000r9", "reviewer", "", 0, r1);
	for (i = 0; i + 2 <= HTQ_MAX_TITLE; i += 2)
		memcpy(title + i, "\xc3\xa9", 2);	/* e acute */
	title[i] = '\0';
	c = content("ST0116", 4);
	json_object_set_new(json_object_get(c, "qualification"), "title",
	    json_string(title));
	T_EQ(htq_submission_create(db, &ab_a, c, &out, &why), HTQ_OK);
	json_decref(c);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(out,
	    "id")));
	json_decref(out);
	T_EQ(htq_submission_submit(db, &ab_a, id, &out, &why), HTQ_OK);
	json_decref(out);
	T_EQ(messages_of(r1, "submission.submitted", NULL), 1);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_messages_list(db, txn, &a, NULL, 1, &out), HTQ_OK);
	mdb_txn_abort(txn);
	m = json_array_get(json_object_get(out, "messages"), 0);
	t = json_string_value(json_object_get(m, "title"));
	T_ASSERT(t != NULL && strncmp(t, "Submitted for approval: \xc3\xa9", 26) == 0);
	T_ASSERT(htq_text_valid(t, 0));
	json_decref(out);
}

/* The reference of submission id (as ab_a reads it) into ref. */
static void
ref_of(const char *id, char ref[HTQ_SUB_REF_LEN + 1])
{
	json_t *doc = read_as(&ab_a, id);

	T_ASSERT(doc != NULL);
	snprintf(ref, HTQ_SUB_REF_LEN + 1, "%s", json_string_value(
	    json_object_get(doc, "reference")) ? json_string_value(
	    json_object_get(doc, "reference")) : "");
	json_decref(doc);
}

/* The serial of reference ref of this year ("HTQ-SUB-2026-0042": 42),
 * or -1 when ref is not of that shape. */
static long
ref_serial(const char *ref, const char *year)
{
	char *end;
	long n;

	if (strlen(ref) < 17 || strncmp(ref, "HTQ-SUB-", 8) != 0 ||
	    strncmp(ref + 8, year, 4) != 0 || ref[12] != '-' ||
	    strlen(ref + 13) < 4)
		return -1;
	n = strtol(ref + 13, &end, 10);
	return *end == '\0' ? n : -1;
}

/*
 * References: HTQ-SUB-<year>-<serial>, serials 1, 2, 3… in a year.
 * Six processes create five drafts each at once: the 31 references are
 * exactly 1..31, none twice (LMDB's writer lock serialises the counter).
 * A reference is found by q (any case, or part of it), and a database
 * from before references gets them at the next start, in order of
 * creation, after the counter, without reusing one.
 */
static void
test_references(void)
{
	enum { NPROC = 6, EACH = 5, ALL = 1 + NPROC * EACH };
	char first[HTQ_ID_LEN + 1], ref[HTQ_SUB_REF_LEN + 1], year[5];
	char today[HTQ_DATE_LEN + 1], low[HTQ_SUB_REF_LEN + 1];
	int seen[ALL + 3] = { 0 };
	struct htq_sub_filter f;
	struct htq_db *cdb;
	struct htq_why why;
	MDB_txn *txn;
	MDB_val k;
	json_t *out, *subs, *x, *c, *doc, *old[2] = { NULL, NULL };
	pid_t pids[NPROC];
	size_t i, n;
	int p, st, j;
	long sn;

	htq_today(today);
	snprintf(year, sizeof(year), "%.4s", today);
	make_in(S_DRAFT, first);
	ref_of(first, ref);
	T_STREQ(ref + 13, "0001");
	T_EQ(ref_serial(ref, year), 1);
	for (p = 0; p < NPROC; p++) {
		if ((pids[p] = fork()) != 0)
			continue;
		if (htq_db_open(dir, 0, &cdb) != HTQ_OK ||
		    htq_ledger_attach(cdb, dir, 1) != HTQ_OK)
			_exit(1);
		c = content("ST0116", 4);
		for (j = 0; j < EACH; j++) {
			if (htq_submission_create(cdb, &ab_a, c, &out, &why) !=
			    HTQ_OK)
				_exit(2);
			json_decref(out);
		}
		_exit(0);
	}
	for (p = 0; p < NPROC; p++) {
		T_ASSERT(waitpid(pids[p], &st, 0) == pids[p]);
		T_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	memset(&f, 0, sizeof(f));
	f.limit = HTQ_LIST_PAGE_MAX;
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	subs = json_object_get(out, "submissions");
	T_EQ(json_array_size(subs), ALL);
	json_array_foreach(subs, i, x) {
		sn = ref_serial(json_string_value(json_object_get(x,
		    "reference")) ? json_string_value(json_object_get(x,
		    "reference")) : "", year);
		T_ASSERT(sn >= 1 && sn <= ALL);
		if (sn >= 1 && sn <= ALL)
			seen[sn]++;
	}
	json_decref(out);
	for (j = 1; j <= ALL; j++)
		T_EQ(seen[j], 1);
	/* found by its reference, in any case, or by part of it */
	for (i = 0; ref[i] != '\0'; i++)
		low[i] = (char)(ref[i] >= 'A' && ref[i] <= 'Z' ? ref[i] + 32 :
		    ref[i]);
	low[i] = '\0';
	f.q = low;
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	subs = json_object_get(out, "submissions");
	T_EQ(json_array_size(subs), 1);
	T_STREQ(json_string_value(json_object_get(json_array_get(subs, 0),
	    "id")), first);
	json_decref(out);
	f.q = "no such thing";
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	T_EQ(json_array_size(json_object_get(out, "submissions")), 0);
	json_decref(out);
	mdb_txn_abort(txn);

	/* a start finds nothing to do, and notes that every submission
	 * has its reference */
	T_EQ(htq_submissions_reindex(db, &n), HTQ_OK);
	T_EQ(n, 0);
	/* a database from before references: two without one, no facts
	 * for them, and no such note */
	T_EQ(htq_txn_write(db, &txn), HTQ_OK);
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	json_decref(out);
	f.q = NULL;
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	for (j = 0; j < 2; j++) {
		x = json_array_get(json_object_get(out, "submissions"),
		    (size_t)j);
		T_EQ(htq_get_json(txn, htq_dbi(db, HTQ_T_SUB), json_string_value(
		    json_object_get(x, "id")), &doc), HTQ_OK);
		json_object_del(doc, "reference");
		/* the second made earlier than the first */
		json_object_set_new(doc, "created", json_string(j == 0 ?
		    "2026-01-02T00:00:00Z" : "2026-01-01T00:00:00Z"));
		T_EQ(htq_put_json(txn, htq_dbi(db, HTQ_T_SUB), json_string_value(
		    json_object_get(doc, "id")), doc, 0), HTQ_OK);
		k.mv_data = (void *)json_string_value(json_object_get(doc, "id"));
		k.mv_size = strlen(k.mv_data);
		T_EQ(mdb_del(txn, htq_dbi(db, HTQ_T_SUB_FACTS), &k, NULL), 0);
		old[j] = doc;
	}
	json_decref(out);
	k.mv_data = "sub.references";
	k.mv_size = strlen(k.mv_data);
	T_EQ(mdb_del(txn, htq_dbi(db, HTQ_T_META), &k, NULL), 0);
	T_EQ(htq_commit(db, txn), HTQ_OK);
	T_EQ(htq_submissions_reindex(db, &n), HTQ_OK);
	T_EQ(n, ALL);			/* every submission's facts rebuilt */
	/* created 2026-01-01 and -02: 2026's next two, in that order */
	ref_of(json_string_value(json_object_get(old[1], "id")), ref);
	T_EQ(ref_serial(ref, "2026"), strcmp(year, "2026") == 0 ? ALL + 1 :
	    1);
	ref_of(json_string_value(json_object_get(old[0], "id")), low);
	T_EQ(ref_serial(low, "2026"), ref_serial(ref, "2026") + 1);
	/* and searchable at once (the facts carry it) */
	memset(&f, 0, sizeof(f));
	f.q = low;
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	T_EQ(json_array_size(json_object_get(out, "submissions")), 1);
	json_decref(out);
	mdb_txn_abort(txn);
	/* the next start has nothing to do; a new one follows on */
	T_EQ(htq_submissions_reindex(db, &n), HTQ_OK);
	T_EQ(n, 0);
	make_in(S_DRAFT, first);
	ref_of(first, ref);
	T_EQ(ref_serial(ref, year), strcmp(year, "2026") == 0 ? ALL + 3 :
	    ALL + 1);
	json_decref(old[0]);
	json_decref(old[1]);
}

/*
 * What a dashboard reads from a list: status=reviewed is the caller's
 * past reviews only; a row carries submitted_at, review_due while it
 * waits for review, respond_by while an answer is awaited, and decided
 * once decided.
 */
static void
test_dashboard_lists(void)
{
	char rv[HTQ_ID_LEN + 1], info[HTQ_ID_LEN + 1], dec[HTQ_ID_LEN + 1];
	struct htq_sub_filter f;
	MDB_txn *txn;
	json_t *out, *x;
	size_t i;
	int seen = 0;

	make_in(S_IN_REVIEW, rv);	/* reviewed by rev1 */
	make_in(S_INFO, info);
	make_in(S_REJECTED, dec);
	memset(&f, 0, sizeof(f));
	f.status = "reviewed";
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_submissions_list(db, txn, &rev1, &f, &out), HTQ_OK);
	T_EQ(json_array_size(json_object_get(out, "submissions")), 3);
	json_decref(out);
	T_EQ(htq_submissions_list(db, txn, &rev2, &f, &out), HTQ_OK);
	T_EQ(json_array_size(json_object_get(out, "submissions")), 0);
	json_decref(out);
	f.status = NULL;
	T_EQ(htq_submissions_list(db, txn, &ab_a, &f, &out), HTQ_OK);
	json_array_foreach(json_object_get(out, "submissions"), i, x) {
		const char *id = json_string_value(json_object_get(x, "id"));

		T_ASSERT(json_is_string(json_object_get(x, "submitted_at")));
		T_EQ(json_is_string(json_object_get(x, "respond_by")),
		    strcmp(id, info) == 0);
		T_EQ(json_is_string(json_object_get(x, "review_due")),
		    strcmp(id, rv) == 0);
		T_EQ(json_is_string(json_object_get(x, "decided")),
		    strcmp(id, dec) == 0);
		seen++;
	}
	T_EQ(seen, 3);
	json_decref(out);
	mdb_txn_abort(txn);
}

/* The last entry's actor. */
static void
last_actor(char *actor)
{
	MDB_txn *txn;
	uint64_t n;
	const char *e;
	size_t len;
	const uint8_t *sig;
	json_t *j;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(aud_size(htq_db_log(db), txn, &n), HTQ_OK);
	T_EQ(aud_entry_get(htq_db_log(db), txn, n - 1, &e, &len, &sig), HTQ_OK);
	j = json_loadb(e, len, 0, NULL);
	mdb_txn_abort(txn);
	T_ASSERT(j != NULL);
	snprintf(actor, 64, "%s", json_string_value(json_object_get(j,
	    "actor")));
	json_decref(j);
}

/* Whether any entry from index from on carries text (a name or an
 * e-mail must never be there). */
static int
ledger_mentions(uint64_t from, const char *text)
{
	MDB_txn *txn;
	uint64_t n, i;
	const char *e;
	size_t len;
	const uint8_t *sig;
	int found = 0;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(aud_size(htq_db_log(db), txn, &n), HTQ_OK);
	for (i = from; i < n && !found; i++) {
		char *copy;

		if (aud_entry_get(htq_db_log(db), txn, i, &e, &len, &sig) !=
		    HTQ_OK || (copy = strndup(e, len)) == NULL)
			continue;
		found = strstr(copy, text) != NULL;
		free(copy);
	}
	mdb_txn_abort(txn);
	return found;
}

/* Step by step with its entry: type, subject and the admin as actor. */
#define T_ENTRY(t, subj) do {						\
	char ty_[64], su_[64], ac_[64];					\
	last_entry(ty_, su_, NULL);					\
	last_actor(ac_);						\
	T_STREQ(ty_, t);						\
	T_STREQ(su_, subj);						\
	T_STREQ(ac_, me.id);						\
} while (0)

/*
 * Accounts managed by an administrator (the browser's API): only an
 * admin; a one-time password that logs in; disable, enable, reset and a
 * role change each in the ledger by id with the admin as actor and at
 * once in effect; never one's own account; never the last active admin
 * (a stale admin racing the one who disabled them).
 */
static void
test_admin_accounts(void)
{
	char id1[HTQ_ID_LEN + 1], id2[HTQ_ID_LEN + 1], pw[HTQ_NEW_PASSWORD_LEN + 1];
	char pw2[HTQ_NEW_PASSWORD_LEN + 1], tok[HTQ_TOKEN_LEN + 1];
	char csrf[HTQ_CSRF_LEN + 1], uid[HTQ_ID_LEN + 1], oid[HTQ_ID_LEN + 1];
	struct htq_account acc;
	struct htq_session sess;
	struct htq_why why;
	struct htq_actor me, stale;
	uint64_t start = ledger_size();
	MDB_txn *txn;
	json_t *out;
	int wait;

	T_EQ(htq_account_add(db, "one@admin.test", "Admin One", HTQ_ROLE_ADMIN,
	    NULL, "long-enough-password", id1), HTQ_OK);
	T_EQ(htq_account_add(db, "two@admin.test", "Admin Two", HTQ_ROLE_ADMIN,
	    NULL, "long-enough-password", id2), HTQ_OK);
	me = (struct htq_actor){ id1, HTQ_ROLE_ADMIN, "" };
	stale = (struct htq_actor){ id2, HTQ_ROLE_ADMIN, "" };
	/* only an administrator */
	T_EQ(htq_admin_account_add(db, &appr, "x@new.test", "X",
	    HTQ_ROLE_REVIEWER, NULL, pw, &out, &why), HTQ_EPERM);
	T_EQ(htq_admin_org_add(db, &ab_a, HTQ_ORG_EMPLOYER_PANEL, "P", NULL,
	    NULL, &out, &why), HTQ_EPERM);
	T_EQ(htq_admin_account_set_disabled(db, &rev1, id2, 1, &out, &why),
	    HTQ_EPERM);
	/* an organisation, then an account in it, with a password once */
	T_EQ(htq_admin_org_add(db, &me, HTQ_ORG_AWARDING_BODY, "New College",
	    "RN12", NULL, &out, &why), HTQ_EINVAL);
	T_STREQ(why.field, "rn");
	T_EQ(htq_admin_org_add(db, &me, HTQ_ORG_AWARDING_BODY, "New College",
	    NULL, NULL, &out, &why), HTQ_EINVAL);
	T_EQ(htq_admin_org_add(db, &me, HTQ_ORG_AWARDING_BODY, "New College",
	    "RN5301", NULL, &out, &why), HTQ_OK);
	snprintf(oid, sizeof(oid), "%s", json_string_value(json_object_get(out,
	    "id")));
	json_decref(out);
	T_ENTRY("organisation.added", oid);
	T_EQ(htq_admin_account_add(db, &me, "new@college.test", "Nia New",
	    HTQ_ROLE_AWARDING_BODY, NULL, pw, &out, &why), HTQ_EINVAL);
	T_STREQ(why.field, "organisation");
	T_EQ(pw[0], '\0');
	T_EQ(htq_admin_account_add(db, &me, "not-an-address", "Nia New",
	    HTQ_ROLE_AWARDING_BODY, oid, pw, &out, &why), HTQ_EINVAL);
	T_STREQ(why.field, "email");
	T_EQ(htq_admin_account_add(db, &me, "New@College.test", "Nia New",
	    HTQ_ROLE_AWARDING_BODY, oid, pw, &out, &why), HTQ_OK);
	T_EQ(strlen(pw), HTQ_NEW_PASSWORD_LEN);
	T_STREQ(json_string_value(json_object_get(out, "email")),
	    "new@college.test");
	T_ASSERT(json_object_get(out, "pw") == NULL);
	snprintf(uid, sizeof(uid), "%s", json_string_value(json_object_get(out,
	    "id")));
	json_decref(out);
	T_ENTRY("account.role_changed", uid);
	T_EQ(htq_admin_account_add(db, &me, "new@college.test", "Again",
	    HTQ_ROLE_REVIEWER, NULL, pw2, &out, &why), HTQ_ECONFLICT);
	T_EQ(htq_login(db, "new@college.test", pw, &acc, tok, csrf, &wait),
	    HTQ_OK);
	/* a role change takes effect at once, in the open session too */
	T_EQ(htq_admin_account_set_role(db, &me, uid, HTQ_ROLE_AWARDING_BODY,
	    NULL, &out, &why), HTQ_ECONFLICT);	/* no change */
	T_EQ(htq_admin_account_set_role(db, &me, uid, HTQ_ROLE_REVIEWER, NULL,
	    &out, &why), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(out, "role")), "reviewer");
	json_decref(out);
	T_ENTRY("account.role_changed", uid);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, tok, &sess), HTQ_OK);
	T_EQ(sess.account.role, HTQ_ROLE_REVIEWER);
	mdb_txn_abort(txn);
	T_EQ(htq_admin_account_set_role(db, &me, uid, HTQ_ROLE_AWARDING_BODY,
	    org_a, &out, &why), HTQ_OK);	/* back, in another body */
	json_decref(out);
	/* disable ends the session; enable revives nothing */
	T_EQ(htq_admin_account_set_disabled(db, &me, uid, 1, &out, &why),
	    HTQ_OK);
	T_EQ(json_is_true(json_object_get(out, "disabled")), 1);
	json_decref(out);
	T_ENTRY("account.disabled", uid);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, tok, &sess), HTQ_ENOTFOUND);
	mdb_txn_abort(txn);
	T_EQ(htq_admin_account_set_disabled(db, &me, uid, 1, &out, &why),
	    HTQ_ECONFLICT);
	T_EQ(htq_admin_account_set_disabled(db, &me, uid, 0, &out, &why),
	    HTQ_OK);
	json_decref(out);
	T_ENTRY("account.enabled", uid);
	/* reset: the old password no longer works, the new one does */
	T_EQ(htq_admin_account_reset(db, &me, uid, pw2, &out, &why), HTQ_OK);
	json_decref(out);
	T_ENTRY("account.password_reset", uid);
	T_ASSERT(strcmp(pw, pw2) != 0);
	T_EQ(htq_login(db, "new@college.test", pw2, &acc, tok, csrf, &wait),
	    HTQ_OK);
	T_EQ(htq_admin_account_reset(db, &me, "a-0000000000000000", pw2, &out,
	    &why), HTQ_ENOTFOUND);
	T_EQ(pw2[0], '\0');
	/* never one's own account */
	T_EQ(htq_admin_account_set_disabled(db, &me, id1, 1, &out, &why),
	    HTQ_ECONFLICT);
	T_ASSERT(strstr(why.msg, "your own account") != NULL);
	T_EQ(htq_admin_account_set_role(db, &me, id1, HTQ_ROLE_AUDITOR, NULL,
	    &out, &why), HTQ_ECONFLICT);
	T_EQ(htq_admin_account_reset(db, &me, id1, pw2, &out, &why),
	    HTQ_ECONFLICT);
	/* the last active administrator stays one: admin two, disabled by
	 * one while their own request was on its way, cannot remove one */
	T_EQ(htq_admin_account_set_disabled(db, &me, id2, 1, &out, &why),
	    HTQ_OK);
	json_decref(out);
	T_EQ(htq_admin_account_set_disabled(db, &stale, id1, 1, &out, &why),
	    HTQ_ECONFLICT);
	T_ASSERT(strstr(why.msg, "only active administrator") != NULL);
	T_EQ(htq_admin_account_set_role(db, &stale, id1, HTQ_ROLE_APPROVER,
	    NULL, &out, &why), HTQ_ECONFLICT);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_account_get(db, txn, id1, &acc), HTQ_OK);
	mdb_txn_abort(txn);
	T_EQ(acc.role, HTQ_ROLE_ADMIN);
	T_EQ(acc.disabled, 0);
	/* with two again, one may go */
	T_EQ(htq_admin_account_set_disabled(db, &me, id2, 0, &out, &why),
	    HTQ_OK);
	json_decref(out);
	T_EQ(htq_admin_account_set_role(db, &stale, id1, HTQ_ROLE_APPROVER,
	    NULL, &out, &why), HTQ_OK);
	json_decref(out);
	/* the ledger names ids only */
	T_ASSERT(!ledger_mentions(start, "college.test"));
	T_ASSERT(!ledger_mentions(start, "Nia New"));
	T_ASSERT(!ledger_mentions(start, "admin.test"));
}

/* Impact warnings: drafts and undecided submissions of a window's route
 * or of a standard, read only. */
static void
test_impact_counts(void)
{
	char id[HTQ_ID_LEN + 1], wid[HTQ_ID_LEN + 1], cid[HTQ_ID_LEN + 1];
	uint64_t before;
	MDB_txn *txn;
	json_t *out, *ws;

	make_in(S_DRAFT, id);
	make_in(S_DRAFT, id);
	make_in(S_SUBMITTED, id);
	make_in(S_IN_REVIEW, id);
	make_in(S_APPROVED, id);
	make_in(S_WITHDRAWN, id);
	before = ledger_size();
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_windows_list(db, txn, NULL, &ws), HTQ_OK);
	snprintf(wid, sizeof(wid), "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(json_array_get(json_object_get(ws,
	    "routes"), 1), "windows"), 0), "id")));
	snprintf(cid, sizeof(cid), "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(json_array_get(json_object_get(ws,
	    "routes"), 0), "windows"), 0), "id")));
	T_STREQ(json_string_value(json_object_get(json_array_get(
	    json_object_get(ws, "routes"), 1), "route")), "Digital");
	json_decref(ws);
	T_EQ(htq_window_impact(db, txn, wid, &out), HTQ_OK);
	T_EQ(json_integer_value(json_object_get(out, "drafts")), 2);
	T_EQ(json_integer_value(json_object_get(out, "submissions")), 2);
	T_STREQ(json_string_value(json_object_get(out, "route")), "Digital");
	json_decref(out);
	T_EQ(htq_window_impact(db, txn, cid, &out), HTQ_OK);
	T_EQ(json_integer_value(json_object_get(out, "drafts")), 0);
	T_EQ(json_integer_value(json_object_get(out, "submissions")), 0);
	json_decref(out);
	T_EQ(htq_window_impact(db, txn, "w-0000000000000000", &out),
	    HTQ_ENOTFOUND);
	T_EQ(htq_standard_impact(db, txn, "ST0116", &out), HTQ_OK);
	T_EQ(json_integer_value(json_object_get(out, "drafts")), 2);
	T_EQ(json_integer_value(json_object_get(out, "submissions")), 2);
	json_decref(out);
	T_EQ(htq_standard_impact(db, txn, "ST0114", &out), HTQ_OK);
	T_EQ(json_integer_value(json_object_get(out, "drafts")), 0);
	json_decref(out);
	T_EQ(htq_standard_impact(db, txn, "ST9999", &out), HTQ_ENOTFOUND);
	T_EQ(htq_standard_impact(db, txn, "nope", &out), HTQ_ENOTFOUND);
	mdb_txn_abort(txn);
	T_EQ(ledger_size(), before);	/* a count writes nothing */
}

int
main(void)
{
	setenv("HTQ_ORIGIN", "htq.test/unit", 1);
	T_RUN(test_mark_ids);
	T_RUN(test_dates);
	T_RUN_WITH(setup(), test_windows);
	T_RUN_WITH(setup(), test_content_rules);
	T_RUN_WITH(setup(), test_coverage);
	T_RUN_WITH(setup(), test_state_machine);
	T_RUN_WITH(setup(), test_versions_and_freeze);
	T_RUN_WITH(setup(), test_windows_gate_submission);
	T_RUN_WITH(setup(), test_four_eyes_and_marks);
	T_RUN_WITH(setup(), test_listing);
	T_RUN_WITH(setup(), test_racing_submits);
	T_RUN_WITH(setup(), test_independence);
	T_RUN_WITH(setup(), test_draft_withdrawal_is_private);
	T_RUN_WITH(setup(), test_draft_limit);
	T_RUN_WITH(setup(), test_submit_needs_every_ksb_explained);
	T_RUN_WITH(setup(), test_delete_draft);
	T_RUN_WITH(setup(), test_draft_before_its_standard);
	T_RUN_WITH(setup(), test_information_loop);
	T_RUN_WITH(setup(), test_revoked_mark_on_submission);
	T_RUN_WITH(setup(), test_queues_from_facts);
	T_RUN_WITH(setup(), test_reindex_a_database_from_before);
	T_RUN_WITH(setup(), test_notifications);
	T_RUN_WITH(setup(), test_notification_of_a_long_title);
	T_RUN_WITH(setup(), test_references);
	T_RUN_WITH(setup(), test_dashboard_lists);
	T_RUN_WITH(setup(), test_admin_accounts);
	T_RUN_WITH(setup(), test_impact_counts);
	teardown();
	return T_DONE();
}
