/*
 * test_documents.c - supporting documents in core/ (documents.c), without
 * HTTP: the type by content on real tiny files (tests/regress/corpus/
 * documents/, whose types file(1) is asked for too) and on forgeries; the
 * limits; the file durable before the record, and no record when the file
 * cannot be written; who may read; the sweep; and what submission.submitted
 * commits to.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "t.h"
#include "htq.h"
#include "domain.h"
#include "aud.h"

#define CORPUS	"tests/regress/corpus/documents/"

static char dir[64];
static struct htq_db *db;
static char org_a[HTQ_ID_LEN + 1], org_b[HTQ_ID_LEN + 1];
static char draft[HTQ_ID_LEN + 1];

static struct htq_actor ab_a = { "a-00000000000000a1", HTQ_ROLE_AWARDING_BODY,
    org_a };
static struct htq_actor ab_b = { "a-00000000000000b1", HTQ_ROLE_AWARDING_BODY,
    org_b };
static const struct htq_actor rev = { "a-0000000000000r01", HTQ_ROLE_REVIEWER,
    "" };
static const struct htq_actor aud = { "a-0000000000000u01", HTQ_ROLE_AUDITOR,
    "" };
static const struct htq_actor admin = { "a-0000000000000d01", HTQ_ROLE_ADMIN,
    "" };

/* The whole file at path (malloc'd, *len bytes). */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	T_ASSERT(f != NULL);
	T_ASSERT(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0);
	rewind(f);
	T_ASSERT((buf = malloc((size_t)n + 1)) != NULL);
	T_EQ(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char *
type_of(const void *buf, size_t len, struct htq_why *why)
{
	const char *t = NULL;

	memset(why, 0, sizeof(*why));
	if (htq_document_type(buf, len, &t, why) != HTQ_OK)
		return NULL;
	return t;
}

/* What file(1) says of a corpus file ("" when it is not installed). */
static void
file_says(const char *name, char *out, size_t outsz)
{
	char cmd[256];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "file -b --mime-type %s%s 2>/dev/null",
	    CORPUS, name);
	if ((p = popen(cmd, "r")) == NULL)
		return;
	if (fgets(out, (int)outsz, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static void
test_types_by_content(void)
{
	static const struct { const char *file, *type; } real[] = {
		{ "spec.pdf", "pdf" }, { "mapping.docx", "docx" },
		{ "coverage.xlsx", "xlsx" }, { "strategy.odt", "odt" },
		{ "ksbs.ods", "ods" }, { "units.csv", "csv" },
	};
	/* forgeries, and what is wrong with each */
	static const struct { const char *file, *why; } forged[] = {
		{ "program.pdf", "not a PDF" },		/* an EXE named .pdf */
		{ "not-office.zip", "not a Word" },
		{ "macros.docm", "macros" },	/* file(1) says docx */
		{ "wrong-mimetype.odt", "not a Word" },	/* file(1): odt */
		{ "cut-short.pdf", "%%EOF" },
		{ "page.csv", "not a PDF" },	/* HTML by another name */
		{ "binary.csv", "not a PDF" },
	};
	struct htq_why why;
	char said[128];
	const char *t;
	size_t i, len, n, had_file = 0;
	char *buf;

	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), CORPUS "%s", real[i].file);
		buf = slurp(path, &len);
		t = type_of(buf, len, &why);
		if (t == NULL)
			T_FAILF("%s refused: %s", real[i].file, why.msg);
		T_STREQ(t, real[i].type);
		/* file(1), an independent reader, agrees on the media type */
		file_says(real[i].file, said, sizeof(said));
		if (said[0] != '\0') {
			had_file++;
			T_STREQ(said, htq_document_mime(t));
		}
		/* every cut of a ZIP or PDF is refused or typed, never read
		 * past its end (the sanitizer build checks the reads) */
		for (n = 0; n < len && strcmp(t, "csv") != 0; n++)
			(void)type_of(buf, n, &why);
		free(buf);
	}
	T_ASSERT(had_file == 0 || had_file == 6);
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), CORPUS "%s", forged[i].file);
		buf = slurp(path, &len);
		t = type_of(buf, len, &why);
		if (t != NULL)
			T_FAILF("%s taken as %s", forged[i].file, t);
		T_STREQ(why.field, "type");
		if (strstr(why.msg, forged[i].why) == NULL)
			T_FAILF("%s: %s", forged[i].file, why.msg);
		free(buf);
	}
	T_ASSERT(type_of("", 0, &why) == NULL);
	T_STREQ(why.field, "file");
	T_ASSERT(type_of("a,b", 3, &why) != NULL);
	T_ASSERT(type_of("just words", 10, &why) == NULL);	/* no columns */
	T_ASSERT(type_of("a,\xc0\xaf", 4, &why) == NULL);	/* overlong */
	T_ASSERT(type_of("a,\xed\xa0\x80", 5, &why) == NULL);	/* surrogate */
	T_ASSERT(type_of("%PDF-9.9 x %%EOF", 16, &why) == NULL);
	T_ASSERT(htq_document_mime("exe") == NULL);
}

static void
date_in(int days, char *buf)
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, HTQ_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

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

/* A database with a ledger, one standard (1 K, 1 S, 1 B), two awarding
 * bodies, its route's window open and a draft of A's ready to submit. */
static void
setup(void)
{
	struct htq_import_stats st;
	char path[128], err[256], d0[11], d1[11], *buf;
	json_t *arr, *w, *c, *doc;

	teardown();
	snprintf(dir, sizeof(dir), "/tmp/htq-unit-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	T_EQ(htq_db_open(dir, HTQ_DB_CREATE, &db), HTQ_OK);
	snprintf(path, sizeof(path), "%s/keys", dir);
	T_ASSERT(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/keys/ledger.key", dir);
	T_EQ(aud_key_generate(path, htq_origin()), HTQ_OK);
	T_EQ(htq_ledger_attach(db, dir, 1), HTQ_OK);
	arr = json_pack("[{s:s,s:s,s:s,s:i,s:s,s:s,s:[{s:s}],s:[{s:s}],"
	    "s:[{s:s}]}]", "referenceNumber", "ST0116", "title", "Standard",
	    "version", "1.0", "level", 4, "route", "Digital", "status",
	    "Approved for delivery", "knowledges", "detail", "know", "skills",
	    "detail", "do", "behaviours", "detail", "be");
	buf = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	T_EQ(htq_standards_import(db, buf, strlen(buf), &st, NULL, NULL, err,
	    sizeof(err)), HTQ_OK);
	free(buf);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "College A", NULL,
	    "10000001", org_a), HTQ_OK);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "Awards B", "RN1234",
	    NULL, org_b), HTQ_OK);
	date_in(-1, d0);
	date_in(60, d1);
	T_EQ(htq_window_open(db, &admin, "Digital", d0, d1, d1, &w, NULL),
	    HTQ_OK);
	json_decref(w);
	c = json_pack("{s:{s:s,s:s,s:i},s:{s:s,s:s},s:[{s:s,s:s}],"
	    "s:[{s:s,s:[s],s:s},{s:s,s:[s],s:s},{s:s,s:[s],s:s}]}",
	    "qualification", "title", "HNC in Digital", "type", "HNC", "level",
	    4, "standard", "ref", "ST0116", "version", "1.0", "units", "id",
	    "U1", "title", "Networks", "mapping", "ksb", "K1", "units", "U1",
	    "assessment", "exam", "ksb", "S1", "units", "U1", "assessment",
	    "project", "ksb", "B1", "units", "U1", "assessment", "project");
	T_EQ(htq_submission_create(db, &ab_a, c, &doc, NULL), HTQ_OK);
	snprintf(draft, sizeof(draft), "%s", json_string_value(
	    json_object_get(doc, "id")));
	json_decref(c);
	json_decref(doc);
}

static long long
version_of(const struct htq_actor *a)
{
	MDB_txn *txn;
	json_t *doc;
	long long v;

	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_submission_get(db, txn, a, draft, &doc), HTQ_OK);
	mdb_txn_abort(txn);
	v = json_integer_value(json_object_get(doc, "version"));
	json_decref(doc);
	return v;
}

static void
hash_hex(const void *buf, size_t len, char hex[65])
{
	unsigned char h[32];

	crypto_hash_sha256(h, buf, len);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* Attach corpus file name to the draft as actor a; the status. */
static int
attach(const struct htq_actor *a, const char *file, const char *name,
    struct htq_why *why)
{
	char path[256], *buf;
	json_t *doc = NULL;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), CORPUS "%s", file);
	buf = slurp(path, &len);
	memset(why, 0, sizeof(*why));
	rc = htq_document_add(db, a, draft, name, buf, len, &doc, why);
	json_decref(doc);
	free(buf);
	return rc;
}

static void
test_limits_roles_and_the_file_before_the_record(void)
{
	struct htq_why why;
	char path[4096], hex[65], name[32];
	struct stat st;
	json_t *doc;
	char *big;
	long long v;
	int i;

	T_EQ(attach(&ab_a, "spec.pdf", "Specification.pdf", &why), HTQ_OK);
	/* stored under its hash, mode 0600, the same bytes */
	{
		size_t len;
		char *buf = slurp(CORPUS "spec.pdf", &len);

		hash_hex(buf, len, hex);
		free(buf);
	}
	T_EQ(htq_document_path(dir, hex, path, sizeof(path)), HTQ_OK);
	T_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* the same bytes again, by another name: refused */
	T_EQ(attach(&ab_a, "spec.pdf", "copy.pdf", &why), HTQ_ECONFLICT);
	T_ASSERT(strstr(why.msg, "Specification.pdf") != NULL);
	/* a forgery is refused by type, whatever its name */
	T_EQ(attach(&ab_a, "program.pdf", "spec.pdf", &why), HTQ_EINVAL);
	T_STREQ(why.field, "type");
	/* names */
	T_EQ(attach(&ab_a, "units.csv", "../../etc/passwd", &why), HTQ_EINVAL);
	T_STREQ(why.field, "name");
	T_EQ(attach(&ab_a, "units.csv", "a\nb.csv", &why), HTQ_EINVAL);
	T_EQ(attach(&ab_a, "units.csv", "", &why), HTQ_EINVAL);
	/* roles and organisations */
	T_EQ(attach(&ab_b, "units.csv", "u.csv", &why), HTQ_ENOTFOUND);
	T_EQ(attach(&rev, "units.csv", "u.csv", &why), HTQ_EPERM);
	/* a file over the limit, before anything is looked at */
	T_ASSERT((big = calloc(1, HTQ_MAX_DOCUMENT + 1)) != NULL);
	memcpy(big, "a,b\n", 4);
	memset(big + 4, 'x', HTQ_MAX_DOCUMENT - 4);
	T_EQ(htq_document_add(db, &ab_a, draft, "big.csv", big,
	    HTQ_MAX_DOCUMENT + 1, &doc, &why), HTQ_ETOOBIG);
	/* no record without its file: with the folder made impossible (a
	 * file where documents/ab/ would be), the add fails and the
	 * submission is as it was */
	v = version_of(&ab_a);
	{
		char csv[] = "k,v\n1,2\n";
		char blocker[4096];
		FILE *f;

		hash_hex(csv, strlen(csv), hex);
		snprintf(blocker, sizeof(blocker), "%s/documents/%.2s", dir, hex);
		if (stat(blocker, &st) != 0) {	/* not spec.pdf's folder */
			T_ASSERT((f = fopen(blocker, "w")) != NULL);
			fclose(f);
			T_EQ(htq_document_add(db, &ab_a, draft, "k.csv", csv,
			    strlen(csv), &doc, &why), HTQ_EIO);
			T_EQ(version_of(&ab_a), v);
			T_ASSERT(unlink(blocker) == 0);
		}
	}
	/* the count: HTQ_MAX_DOCUMENTS in all, then 409 */
	for (i = 1; i < HTQ_MAX_DOCUMENTS; i++) {
		char csv[32];

		snprintf(csv, sizeof(csv), "n,i\n%d,%d\n", i, i);
		snprintf(name, sizeof(name), "part %d.csv", i);
		T_EQ(htq_document_add(db, &ab_a, draft, name, csv, strlen(csv),
		    &doc, &why), HTQ_OK);
		json_decref(doc);
	}
	T_EQ(htq_document_add(db, &ab_a, draft, "one more.csv", "x,y", 3, &doc,
	    &why), HTQ_ECONFLICT);
	T_STREQ(why.field, "documents");
	/* the total: remove all but the PDF, then HTQ_MAX_DOCUMENTS_BYTES */
	{
		MDB_txn *txn;
		json_t *list, *d;
		size_t k;
		char shas[HTQ_MAX_DOCUMENTS][65];
		size_t n = 0;

		T_EQ(htq_txn_read(db, &txn), HTQ_OK);
		T_EQ(htq_submission_get(db, txn, &ab_a, draft, &doc), HTQ_OK);
		mdb_txn_abort(txn);
		list = json_object_get(doc, "documents");
		T_EQ(json_array_size(list), HTQ_MAX_DOCUMENTS);
		json_array_foreach(list, k, d)
			if (strcmp(json_string_value(json_object_get(d, "type")),
			    "csv") == 0)
				snprintf(shas[n++], 65, "%s", json_string_value(
				    json_object_get(d, "sha256")));
		json_decref(doc);
		for (k = 0; k < n; k++) {
			T_EQ(htq_document_remove(db, &ab_a, draft, shas[k], &doc,
			    &why), HTQ_OK);
			json_decref(doc);
		}
		T_EQ(htq_document_remove(db, &ab_a, draft, shas[0], &doc, &why),
		    HTQ_ENOTFOUND);
	}
	for (i = 0; (size_t)(i + 1) * HTQ_MAX_DOCUMENT <=
	    HTQ_MAX_DOCUMENTS_BYTES - HTQ_MAX_DOCUMENT; i++) {
		big[5] = (char)('a' + i);
		/* names may repeat; hashes may not */
		T_EQ(htq_document_add(db, &ab_a, draft, "big.csv", big,
		    HTQ_MAX_DOCUMENT, &doc, &why), HTQ_OK);
		json_decref(doc);
	}
	big[5] = 'z';
	T_EQ(htq_document_add(db, &ab_a, draft, "last.csv", big,
	    HTQ_MAX_DOCUMENT, &doc, &why), HTQ_ECONFLICT);
	T_ASSERT(strstr(why.msg, "MiB in all") != NULL);
	free(big);
	/* some 30 adds and removes: one history step after the creation,
	 * so that no loop of them grows the record without end */
	{
		MDB_txn *txn;

		T_EQ(htq_txn_read(db, &txn), HTQ_OK);
		T_EQ(htq_submission_get(db, txn, &ab_a, draft, &doc), HTQ_OK);
		mdb_txn_abort(txn);
		T_EQ(json_array_size(json_object_get(doc, "history")), 2);
		T_STREQ(json_string_value(json_object_get(json_array_get(
		    json_object_get(doc, "history"), 1), "event")),
		    "submission.document_added");
		json_decref(doc);
	}
}

static void
test_readers_sweep_and_the_ledger(void)
{
	struct htq_why why;
	char path[4096], stray[4200], hex[65], type[64], subject[64];
	const char *e;
	json_t *doc, *meta, *data, *docs, *j;
	MDB_txn *txn;
	struct stat st;
	uint64_t n;
	size_t removed, len;
	const uint8_t *sig;
	FILE *f;

	T_EQ(attach(&ab_a, "units.csv", "KSB map – Jo Bloggs.csv", &why),
	    HTQ_OK);
	T_EQ(attach(&ab_a, "mapping.docx", "Mapping.docx", &why), HTQ_OK);
	T_EQ(attach(&ab_a, "ksbs.ods", "KSBs.ods", &why), HTQ_OK);
	{
		char *buf = slurp(CORPUS "ksbs.ods", &len);

		hash_hex(buf, len, hex);
		free(buf);
	}
	/* a draft's evidence is its organisation's alone */
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_document_get(db, txn, &ab_a, draft, hex, &meta, path,
	    sizeof(path)), HTQ_OK);
	T_STREQ(json_string_value(json_object_get(meta, "name")), "KSBs.ods");
	T_STREQ(json_string_value(json_object_get(meta, "type")), "ods");
	json_decref(meta);
	T_EQ(htq_document_get(db, txn, &ab_b, draft, hex, &meta, path,
	    sizeof(path)), HTQ_ENOTFOUND);
	T_EQ(htq_document_get(db, txn, &rev, draft, hex, &meta, path,
	    sizeof(path)), HTQ_ENOTFOUND);
	mdb_txn_abort(txn);
	/* removed: its file stays until a sweep, which keeps the others and
	 * removes strays (a crash's leftovers) */
	T_EQ(htq_document_remove(db, &ab_a, draft, hex, &doc, &why), HTQ_OK);
	json_decref(doc);
	T_EQ(htq_document_path(dir, hex, path, sizeof(path)), HTQ_OK);
	T_ASSERT(stat(path, &st) == 0);
	snprintf(stray, sizeof(stray), "%s.Ab12Cd", path);
	T_ASSERT((f = fopen(stray, "w")) != NULL);
	fclose(f);
	T_EQ(htq_documents_sweep(db, dir, &removed), HTQ_OK);
	T_EQ(removed, 2);
	T_ASSERT(stat(path, &st) != 0 && stat(stray, &st) != 0);
	T_EQ(htq_documents_sweep(db, dir, &removed), HTQ_OK);
	T_EQ(removed, 0);
	/* submitted: the entry commits to each file, sorted, no names */
	T_EQ(htq_submission_submit(db, &ab_a, draft, &doc, &why), HTQ_OK);
	json_decref(doc);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(aud_size(htq_db_log(db), txn, &n), HTQ_OK);
	T_EQ(aud_entry_get(htq_db_log(db), txn, n - 1, &e, &len, &sig),
	    HTQ_OK);
	j = json_loadb(e, len, 0, NULL);
	T_ASSERT(j != NULL);
	snprintf(type, sizeof(type), "%s", json_string_value(json_object_get(j,
	    "type")));
	snprintf(subject, sizeof(subject), "%s", json_string_value(
	    json_object_get(j, "subject")));
	T_STREQ(type, "submission.submitted");
	T_STREQ(subject, draft);
	data = json_object_get(j, "data");
	docs = json_object_get(data, "documents");
	T_EQ(json_array_size(docs), 2);
	T_ASSERT(strcmp(json_string_value(json_object_get(json_array_get(docs,
	    0), "sha256")), json_string_value(json_object_get(json_array_get(
	    docs, 1), "sha256"))) < 0);
	T_EQ(json_object_size(json_array_get(docs, 0)), 3);
	{
		char *text = strndup(e, len);

		T_ASSERT(text != NULL && strstr(text, "Bloggs") == NULL &&
		    strstr(text, "Mapping.docx") == NULL);
		free(text);
	}
	{
		char *buf = slurp(CORPUS "mapping.docx", &len);
		int found = 0;
		size_t k;
		json_t *d;

		hash_hex(buf, len, hex);
		json_array_foreach(docs, k, d)
			found |= strcmp(json_string_value(json_object_get(d,
			    "sha256")), hex) == 0 && json_integer_value(
			    json_object_get(d, "size")) == (json_int_t)len &&
			    strcmp(json_string_value(json_object_get(d, "type")),
			    "docx") == 0;
		T_ASSERT(found);
		free(buf);
	}
	json_decref(j);
	/* submitted: the reviewers, approvers and auditors read it; an
	 * administrator does not; the organisation can no longer change it */
	T_EQ(htq_document_get(db, txn, &rev, draft, hex, &meta, path,
	    sizeof(path)), HTQ_OK);
	json_decref(meta);
	T_EQ(htq_document_get(db, txn, &aud, draft, hex, &meta, path,
	    sizeof(path)), HTQ_OK);
	json_decref(meta);
	T_EQ(htq_document_get(db, txn, &admin, draft, hex, &meta, path,
	    sizeof(path)), HTQ_EPERM);
	T_EQ(htq_document_get(db, txn, &aud, draft, "0123", &meta, path,
	    sizeof(path)), HTQ_ENOTFOUND);
	mdb_txn_abort(txn);
	T_EQ(attach(&ab_a, "spec.pdf", "late.pdf", &why), HTQ_ECONFLICT);
	T_EQ(htq_document_remove(db, &ab_a, draft, hex, &doc, &why),
	    HTQ_ECONFLICT);
}

int
main(void)
{
	setenv("HTQ_ORIGIN", "htq.test/unit", 1);
	if (sodium_init() < 0)
		return 1;
	T_RUN(test_types_by_content);
	T_RUN_WITH(setup(), test_limits_roles_and_the_file_before_the_record);
	T_RUN_WITH(setup(), test_readers_sweep_and_the_ledger);
	teardown();
	return T_DONE();
}
