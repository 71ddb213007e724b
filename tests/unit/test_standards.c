/*
 * test_standards.c - the catalogue against a real LMDB in a temporary
 * directory: reference and version rules, KSB codes, import, versions,
 * eligibility rules and admin decisions, list filters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "htq.h"

static char dir[64];
static struct htq_db *db;

static void
fresh_db(void)
{
	char cmd[128];

	if (db != NULL) {
		htq_db_close(db);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			T_FAILF("cleanup");
	}
	snprintf(dir, sizeof(dir), "/tmp/htq-unit-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	T_EQ(htq_db_open(dir, HTQ_DB_CREATE, &db), HTQ_OK);
}

/* A standard in the public API shape with nk/ns/nb KSBs. */
static char *
api_standard(const char *ref, const char *ver, int level, const char *status,
    int nk, int ns, int nb, const char *text)
{
	json_t *s, *k = json_array(), *sk = json_array(), *b = json_array();
	char id[64], *out;
	int i;

	for (i = 0; i < nk; i++) {
		snprintf(id, sizeof(id), "k-%s-%d", ref, i);
		json_array_append_new(k, json_pack("{s:s,s:s}", "knowledgeId",
		    id, "detail", text));
	}
	for (i = 0; i < ns; i++) {
		snprintf(id, sizeof(id), "s-%s-%d", ref, i);
		json_array_append_new(sk, json_pack("{s:s,s:s}", "skillId", id,
		    "detail", text));
	}
	for (i = 0; i < nb; i++) {
		snprintf(id, sizeof(id), "b-%s-%d", ref, i);
		json_array_append_new(b, json_pack("{s:s,s:s}", "behaviourId",
		    id, "detail", text));
	}
	s = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:n,s:[],s:o,s:o,s:o}",
	    "referenceNumber", ref, "title", "A title", "version", ver,
	    "level", level, "route", "Digital", "status", status,
	    "latestStartDate", "options", "knowledges", k, "skills", sk,
	    "behaviours", b);
	out = json_dumps(s, JSON_COMPACT);
	json_decref(s);
	return out;
}

static int
import(const char *buf, struct htq_import_stats *st)
{
	char err[256];

	return htq_standards_import(db, buf, strlen(buf), st, NULL, NULL, err,
	    sizeof(err));
}

static int
import_array(const char *one, struct htq_import_stats *st)
{
	char *buf = malloc(strlen(one) + 3);
	int rc;

	snprintf(buf, strlen(one) + 3, "[%s]", one);
	rc = import(buf, st);
	free(buf);
	return rc;
}

static json_t *
get(const char *ref, const char *ver)
{
	MDB_txn *txn;
	const char *j;
	size_t len;
	json_t *doc = NULL;

	if (htq_txn_read(db, &txn) != HTQ_OK)
		return NULL;
	if (htq_standard_get(db, txn, ref, ver, &j, &len) == HTQ_OK)
		doc = json_loadb(j, len, 0, NULL);
	mdb_txn_abort(txn);
	return doc;
}

static void
test_ref_and_version_rules(void)
{
	T_ASSERT(htq_ref_valid("ST0116"));
	T_ASSERT(!htq_ref_valid("ST116"));
	T_ASSERT(!htq_ref_valid("ST01166"));
	T_ASSERT(!htq_ref_valid("st0116"));
	T_ASSERT(!htq_ref_valid("ST01a6"));
	T_ASSERT(!htq_ref_valid(""));
	T_ASSERT(!htq_ref_valid(NULL));
	T_ASSERT(htq_version_valid("1.0"));
	T_ASSERT(htq_version_valid("10.123"));
	T_ASSERT(!htq_version_valid("1"));
	T_ASSERT(!htq_version_valid("1."));
	T_ASSERT(!htq_version_valid(".1"));
	T_ASSERT(!htq_version_valid("1.0.0"));
	T_ASSERT(!htq_version_valid("1234.0"));
	T_ASSERT(!htq_version_valid("a.b"));
	T_ASSERT(htq_version_cmp("1.10", "1.9") > 0);
	T_ASSERT(htq_version_cmp("2.0", "10.0") < 0);
	T_EQ(htq_version_cmp("1.1", "1.1"), 0);
}

static void
test_ksb_codes(void)
{
	char buf[8];

	T_EQ(htq_ksb_code(HTQ_KNOWLEDGE, 0, buf, sizeof(buf)), HTQ_OK);
	T_STREQ(buf, "K1");
	T_EQ(htq_ksb_code(HTQ_SKILL, 11, buf, sizeof(buf)), HTQ_OK);
	T_STREQ(buf, "S12");
	T_EQ(htq_ksb_code(HTQ_BEHAVIOUR, 2, buf, sizeof(buf)), HTQ_OK);
	T_STREQ(buf, "B3");
	T_EQ(htq_ksb_code(HTQ_SKILL, 99999, buf, 3), HTQ_ETOOBIG);
}

static void
test_import_derives_codes(void)
{
	struct htq_import_stats st;
	char *s = api_standard("ST0116", "1.1", 4, "Approved for delivery",
	    3, 2, 1, "text");
	json_t *doc, *ksbs;

	fresh_db();
	T_EQ(import_array(s, &st), HTQ_OK);
	free(s);
	T_EQ(st.imported, 1);
	doc = get("ST0116", NULL);
	T_ASSERT(doc != NULL);
	ksbs = json_object_get(doc, "ksbs");
	T_EQ(json_array_size(ksbs), 6);
	T_STREQ(json_string_value(json_object_get(json_array_get(ksbs, 2),
	    "code")), "K3");
	T_STREQ(json_string_value(json_object_get(json_array_get(ksbs, 3),
	    "code")), "S1");
	T_STREQ(json_string_value(json_object_get(json_array_get(ksbs, 5),
	    "code")), "B1");
	T_STREQ(json_string_value(json_object_get(json_array_get(ksbs, 5),
	    "kind")), "behaviour");
	T_ASSERT(json_is_true(json_object_get(doc, "eligible")));
	T_ASSERT(json_is_null(json_object_get(doc, "ineligible_reason")));
	json_decref(doc);
}

static void
test_eligibility_rules(void)
{
	struct htq_import_stats st;
	char *a = api_standard("ST0114", "1.0", 4, "Approved for delivery",
	    1, 1, 1, "t");
	char *b = api_standard("ST0119", "1.0", 4, "Retired", 1, 1, 1, "t");
	char *c = api_standard("ST0200", "1.0", 3, "Approved for delivery",
	    1, 1, 1, "t");
	char buf[4096];
	json_t *d;

	fresh_db();
	snprintf(buf, sizeof(buf), "{\"standards\":[%s,%s,%s]}", a, b, c);
	free(a);
	free(b);
	free(c);
	T_EQ(import(buf, &st), HTQ_OK);
	T_EQ(st.imported, 3);
	d = get("ST0114", NULL);
	T_ASSERT(json_is_false(json_object_get(d, "eligible")));
	T_ASSERT(strstr(json_string_value(json_object_get(d,
	    "ineligible_reason")), "Merged") != NULL);
	json_decref(d);
	d = get("ST0119", NULL);
	T_ASSERT(json_is_false(json_object_get(d, "eligible")));
	json_decref(d);
	d = get("ST0200", NULL);
	T_ASSERT(json_is_false(json_object_get(d, "eligible")));
	T_ASSERT(strstr(json_string_value(json_object_get(d,
	    "ineligible_reason")), "level 4 and 5") != NULL);
	json_decref(d);
}

static void
test_versions_kept_and_immutable(void)
{
	struct htq_import_stats st;
	char *v1 = api_standard("ST0116", "1.1", 4, "Approved for delivery",
	    2, 2, 1, "old");
	char *v2 = api_standard("ST0116", "1.10", 4, "Approved for delivery",
	    3, 2, 1, "new");
	char *v1b = api_standard("ST0116", "1.1", 4, "Approved for delivery",
	    2, 2, 1, "changed");
	json_t *d;

	fresh_db();
	T_EQ(import_array(v1, &st), HTQ_OK);
	T_EQ(import_array(v2, &st), HTQ_OK);
	T_EQ(st.imported, 1);
	T_EQ(import_array(v1, &st), HTQ_OK);
	T_EQ(st.unchanged, 1);
	T_EQ(import_array(v1b, &st), HTQ_OK);
	T_EQ(st.skipped, 1);
	d = get("ST0116", NULL);
	T_STREQ(json_string_value(json_object_get(d, "version")), "1.10");
	T_EQ(json_array_size(json_object_get(d, "versions")), 2);
	json_decref(d);
	d = get("ST0116", "1.1");
	T_STREQ(json_string_value(json_object_get(json_array_get(
	    json_object_get(d, "ksbs"), 0), "text")), "old");
	T_EQ(json_array_size(json_object_get(d, "versions")), 2);
	json_decref(d);
	T_ASSERT(get("ST0116", "9.9") == NULL);
	free(v1);
	free(v2);
	free(v1b);
}

static void
test_malformed_files_store_nothing(void)
{
	static const char *bad[] = {
		"", "{", "42", "{\"x\":1}", "[1,2", "{\"standards\":{}}",
		"[{\"referenceNumber\":\"ST0001\",\"referenceNumber\":\"ST0002\"}]",
	};
	struct htq_import_stats st;
	MDB_txn *txn;
	json_t *list;
	size_t i;

	fresh_db();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_EQ(import(bad[i], &st), HTQ_EFORMAT);
	/* a bad standard among good ones is skipped, the rest stored */
	T_EQ(import("[{\"referenceNumber\":\"XX1\"},{\"referenceNumber\":"
	    "\"ST0002\",\"title\":\"t\",\"version\":\"1.0\",\"level\":4,"
	    "\"route\":\"Digital\",\"status\":\"Approved for delivery\"}]",
	    &st), HTQ_OK);
	T_EQ(st.skipped, 1);
	T_EQ(st.imported, 1);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_standards_list(db, txn, &(struct htq_std_filter){ NULL, 0,
	    -1 }, &list), HTQ_OK);
	mdb_txn_abort(txn);
	T_EQ(json_array_size(json_object_get(list, "standards")), 1);
	json_decref(list);
}

static void
test_admin_decision_survives_reimport(void)
{
	struct htq_import_stats st;
	char *v1 = api_standard("ST0116", "1.1", 4, "Approved for delivery",
	    1, 1, 1, "x");
	char *v2 = api_standard("ST0116", "1.2", 4, "Approved for delivery",
	    1, 1, 1, "y");
	json_t *d;

	fresh_db();
	T_EQ(import_array(v1, &st), HTQ_OK);
	T_EQ(htq_standard_set_eligibility(db, "ST0116", 0, NULL), HTQ_EINVAL);
	T_EQ(htq_standard_set_eligibility(db, "ST9999", 0, "r"),
	    HTQ_ENOTFOUND);
	T_EQ(htq_standard_set_eligibility(db, "ST0116", 0, "under review"),
	    HTQ_OK);
	T_EQ(import_array(v2, &st), HTQ_OK);
	d = get("ST0116", "1.2");
	T_ASSERT(json_is_false(json_object_get(d, "eligible")));
	T_STREQ(json_string_value(json_object_get(d, "ineligible_reason")),
	    "under review");
	json_decref(d);
	d = get("ST0116", "1.1");
	T_ASSERT(json_is_false(json_object_get(d, "eligible")));
	json_decref(d);
	T_EQ(htq_standard_set_eligibility(db, "ST0116", 1, NULL), HTQ_OK);
	d = get("ST0116", NULL);
	T_ASSERT(json_is_true(json_object_get(d, "eligible")));
	json_decref(d);
	free(v1);
	free(v2);
}

/*
 * The repository's own catalogue, data/standards.json (15 standard versions
 * of 14 standards; the counts below were taken from the file).  It is read
 * relative to the repository root, where tests/run.sh runs every binary; a
 * missing or unreadable file fails the test.
 */
#define CATALOGUE		"data/standards.json"
#define CATALOGUE_VERSIONS	15	/* (ref, version) pairs in the file */
#define CATALOGUE_STANDARDS	14	/* distinct refs */
#define CATALOGUE_ELIGIBLE	11

static char *
read_catalogue(size_t *len)
{
	FILE *f = fopen(CATALOGUE, "rb");
	char *buf;

	if (f == NULL)
		T_FAILF("cannot open %s (run from the repository root)",
		    CATALOGUE);
	buf = malloc(HTQ_MAX_IMPORT);
	T_ASSERT(buf != NULL);
	*len = fread(buf, 1, HTQ_MAX_IMPORT, f);
	fclose(f);
	T_ASSERT(*len > 0);
	T_ASSERT(*len < HTQ_MAX_IMPORT);	/* read it whole */
	return buf;
}

static json_t *
list_filtered(const char *route, int eligible)
{
	MDB_txn *txn;
	json_t *list;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_standards_list(db, txn, &(struct htq_std_filter){ route, 0,
	    eligible }, &list), HTQ_OK);
	mdb_txn_abort(txn);
	return list;
}

static size_t
count_filtered(const char *route, int eligible)
{
	json_t *list = list_filtered(route, eligible);
	size_t n = json_array_size(json_object_get(list, "standards"));

	json_decref(list);
	return n;
}

static void
test_project_catalogue(void)
{
	static const char *ineligible[] = { "ST0114", "ST0119", "ST0131" };
	struct htq_import_stats st;
	char err[256], *buf;
	size_t len, i;
	json_t *list, *s, *d;

	buf = read_catalogue(&len);
	fresh_db();
	T_EQ(htq_standards_import(db, buf, len, &st, NULL, NULL, err,
	    sizeof(err)), HTQ_OK);
	T_EQ(st.imported, CATALOGUE_VERSIONS);
	T_EQ(st.unchanged, 0);
	T_EQ(st.skipped, 0);
	/* importing the same file again changes nothing */
	T_EQ(htq_standards_import(db, buf, len, &st, NULL, NULL, err,
	    sizeof(err)), HTQ_OK);
	free(buf);
	T_EQ(st.imported, 0);
	T_EQ(st.unchanged, CATALOGUE_VERSIONS);
	T_EQ(st.skipped, 0);

	T_EQ(count_filtered(NULL, -1), CATALOGUE_STANDARDS);
	T_EQ(count_filtered(NULL, 1), CATALOGUE_ELIGIBLE);
	T_EQ(count_filtered("Digital", -1), 10);
	T_EQ(count_filtered("Construction", -1), 2);
	T_EQ(count_filtered("Health and science", -1), 2);

	/* the ineligible ones, by ref order, each with its reason */
	list = list_filtered(NULL, 0);
	T_EQ(json_array_size(json_object_get(list, "standards")),
	    sizeof(ineligible) / sizeof(ineligible[0]));
	json_array_foreach(json_object_get(list, "standards"), i, s) {
		T_STREQ(json_string_value(json_object_get(s, "ref")),
		    ineligible[i]);
		T_ASSERT(json_string_value(json_object_get(s,
		    "ineligible_reason")) != NULL);
	}
	json_decref(list);

	/* ST0116 has two versions; the latest is 1.2 with 12+18+9 KSBs */
	d = get("ST0116", NULL);
	T_ASSERT(d != NULL);
	T_STREQ(json_string_value(json_object_get(d, "version")), "1.2");
	T_EQ(json_array_size(json_object_get(d, "versions")), 2);
	T_EQ(json_array_size(json_object_get(d, "ksbs")), 39);
	T_ASSERT(json_is_true(json_object_get(d, "eligible")));
	json_decref(d);
	d = get("ST0116", "1.1");
	T_ASSERT(d != NULL);
	T_EQ(json_array_size(json_object_get(d, "ksbs")), 38);
	json_decref(d);
}

int
main(void)
{
	char cmd[128];

	T_RUN(test_ref_and_version_rules);
	T_RUN(test_ksb_codes);
	T_RUN(test_import_derives_codes);
	T_RUN(test_eligibility_rules);
	T_RUN(test_versions_kept_and_immutable);
	T_RUN(test_malformed_files_store_nothing);
	T_RUN(test_admin_decision_survives_reimport);
	T_RUN(test_project_catalogue);
	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return T_DONE();
}
