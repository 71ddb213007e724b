/*
 * marks.c - quality marks: awarded with an approval, revoked with a
 * reason, never deleted.
 *
 * A mark id is "HTQ-<year>-<6 digits>-<check>": the year of the award, a
 * serial number per year, and an ISO/IEC 7064 MOD 37,36 check character
 * computed over "HTQ<year><digits>" with 0-9 worth 0..9 and A-Z 10..35.
 * The hybrid system catches every single-character error and every
 * transposition of adjacent characters, so a mistyped id is refused
 * before anything is looked up.
 *
 * The mark.awarded entry carries the public facts of the award and no
 * personal data, so the ledger alone proves what was approved: the
 * qualification (title, type, level, QAN), the awarding body (id and
 * name), the standard (ref, version, title), the route, the award date,
 * the first-teaching date of the window's cycle and the review-by date,
 * five years on.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "domain.h"
#include "aud.h"

#define MOD	36

static int
char_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

char
htq_mod37_36(const char *s)
{
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	int p = MOD, v, t;

	for (; *s != '\0'; s++) {
		if ((v = char_value(*s)) < 0)
			return '\0';
		t = (p + v) % MOD;
		if (t == 0)
			t = MOD;
		p = (t * 2) % (MOD + 1);
	}
	return alphabet[(MOD + 1 - p) % MOD];
}

int
htq_mark_id_make(int year, unsigned serial, char out[HTQ_MARK_ID_LEN + 1])
{
	char data[16];
	int n;

	if (year < 2000 || year > 2999 || serial < 1 || serial > 999999)
		return HTQ_ERANGE;
	snprintf(data, sizeof(data), "HTQ%04d%06u", year, serial);
	n = snprintf(out, HTQ_MARK_ID_LEN + 1, "HTQ-%04d-%06u-%c", year,
	    serial, htq_mod37_36(data));
	return n == HTQ_MARK_ID_LEN ? HTQ_OK : HTQ_EINVAL;
}

int
htq_mark_id_valid(const char *s)
{
	char data[16];
	int i;

	if (s == NULL || strlen(s) != HTQ_MARK_ID_LEN ||
	    strncmp(s, "HTQ-", 4) != 0 || s[8] != '-' || s[15] != '-')
		return 0;
	for (i = 4; i < 15; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return 0;
	snprintf(data, sizeof(data), "HTQ%.4s%.6s", s + 4, s + 9);
	return htq_mod37_36(data) == s[16];
}

/* date + years, 29 February becoming 28 February. */
static void
add_years(const char *date, int years, char *out)
{
	unsigned y = (unsigned)(atoi(date) + years) % 10000;
	unsigned m = (unsigned)atoi(date + 5) % 13, d = (unsigned)atoi(date + 8) % 32;

	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		d = 28;
	snprintf(out, HTQ_DATE_LEN + 1, "%04u-%02u-%02u", y, m, d);
}

/* The next free mark id of this year (a counter in meta). */
static int
next_mark_id(struct htq_db *db, MDB_txn *txn, int year,
    char id[HTQ_MARK_ID_LEN + 1])
{
	char key[32], val[16];
	MDB_val k, v;
	unsigned long serial = 0;
	int rc;

	snprintf(key, sizeof(key), "mark.serial.%04d", year);
	k.mv_data = key;
	k.mv_size = strlen(key);
	rc = mdb_get(txn, htq_dbi(db, HTQ_T_META), &k, &v);
	if (rc == 0 && v.mv_size < sizeof(val)) {
		memcpy(val, v.mv_data, v.mv_size);
		val[v.mv_size] = '\0';
		serial = strtoul(val, NULL, 10);
	} else if (rc != MDB_NOTFOUND)
		return htq_mdb_err(rc);
	for (;;) {
		if (++serial > 999999)
			return HTQ_EFULL;
		if ((rc = htq_mark_id_make(year, (unsigned)serial, id)) !=
		    HTQ_OK)
			return rc;
		k.mv_data = id;
		k.mv_size = strlen(id);
		if ((rc = mdb_get(txn, htq_dbi(db, HTQ_T_MARK), &k,
		    &v)) == MDB_NOTFOUND)
			break;
		if (rc != 0)
			return htq_mdb_err(rc);
	}
	snprintf(val, sizeof(val), "%lu", serial);
	k.mv_data = key;
	k.mv_size = strlen(key);
	v.mv_data = val;
	v.mv_size = strlen(val);
	return htq_mdb_err(mdb_put(txn, htq_dbi(db, HTQ_T_META), &k, &v, 0));
}

/* Add n to one year's counter (missing: 0). */
static int
serial_add(MDB_txn *txn, MDB_dbi meta, const char *key, uint64_t n)
{
	char val[24];
	MDB_val k = { strlen(key), (void *)key }, v;
	unsigned long long serial = 0;
	int rc;

	rc = mdb_get(txn, meta, &k, &v);
	if (rc == 0 && v.mv_size < sizeof(val)) {
		memcpy(val, v.mv_data, v.mv_size);
		val[v.mv_size] = '\0';
		serial = strtoull(val, NULL, 10);
	} else if (rc != MDB_NOTFOUND)
		return htq_mdb_err(rc);
	serial += n;
	if (serial > 999999)
		serial = 999999;	/* the year is full: next_mark_id says so */
	snprintf(val, sizeof(val), "%llu", serial);
	v.mv_data = val;
	v.mv_size = strlen(val);
	return htq_mdb_err(mdb_put(txn, meta, &k, &v, 0));
}

int
htq_mark_serials_skip(struct htq_db *db, MDB_txn *txn, uint64_t n)
{
	static const char prefix[] = "mark.serial.";
	MDB_dbi meta = htq_dbi(db, HTQ_T_META);
	char keys[16][32], today[HTQ_DATE_LEN + 1];
	MDB_cursor *cur;
	MDB_val k, v;
	size_t nkeys = 0, i;
	int rc, mrc, have_this_year = 0;

	htq_today(today);
	if ((rc = mdb_cursor_open(txn, meta, &cur)) != 0)
		return htq_mdb_err(rc);
	k.mv_data = (void *)prefix;
	k.mv_size = sizeof(prefix) - 1;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 &&
	    k.mv_size == sizeof(prefix) - 1 + 4 &&
	    memcmp(k.mv_data, prefix, sizeof(prefix) - 1) == 0;
	    mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (nkeys == sizeof(keys) / sizeof(keys[0]))
			break;
		memcpy(keys[nkeys], k.mv_data, k.mv_size);
		keys[nkeys][k.mv_size] = '\0';
		if (strncmp(keys[nkeys] + sizeof(prefix) - 1, today, 4) == 0)
			have_this_year = 1;
		nkeys++;
	}
	mdb_cursor_close(cur);
	if (!have_this_year && nkeys < sizeof(keys) / sizeof(keys[0]))
		snprintf(keys[nkeys++], sizeof(keys[0]), "%s%.4s", prefix,
		    today);
	for (i = 0; i < nkeys; i++)
		if ((rc = serial_add(txn, meta, keys[i], n)) != HTQ_OK)
			return rc;
	return HTQ_OK;
}

int
htq_mark_award(struct htq_db *db, MDB_txn *txn, const json_t *sub,
    const json_t *std, char mark[HTQ_MARK_ID_LEN + 1], json_t **facts)
{
	char today[HTQ_DATE_LEN + 1], review_by[HTQ_DATE_LEN + 1];
	const json_t *q = json_object_get(sub, "qualification");
	const char *org = json_string_value(json_object_get(sub,
	    "organisation"));
	const char *win = json_string_value(json_object_get(sub, "window"));
	json_t *o = NULL, *w = NULL, *m = NULL;
	int rc;

	*facts = NULL;
	htq_today(today);
	add_years(today, HTQ_MARK_REVIEW_YEARS, review_by);
	if ((rc = htq_org_get(db, txn, org ? org : "", &o)) != HTQ_OK)
		return rc;
	if (win == NULL || (rc = htq_get_json(txn, htq_dbi(db, HTQ_T_WIN), win,
	    &w)) !=
	    HTQ_OK) {
		json_decref(o);
		return rc == HTQ_OK ? HTQ_EFORMAT : rc;
	}
	if ((rc = next_mark_id(db, txn, atoi(today), mark)) != HTQ_OK)
		goto out;
	*facts = json_pack("{s:s,s:O,s:{s:O,s:O,s:O,s:O},s:{s:s,s:O},"
	    "s:{s:O,s:O,s:O,s:O},s:O,s:s,s:O,s:s}",
	    "mark", mark, "submission", json_object_get(sub, "id"),
	    "qualification", "title", json_object_get(q, "title"),
	    "type", json_object_get(q, "type"),
	    "level", json_object_get(q, "level"),
	    "qan", json_object_get(q, "qan") ? json_object_get(q, "qan") :
	    json_null(),
	    "awarding_body", "id", org, "name", json_object_get(o, "name"),
	    "standard", "ref", json_object_get(std, "ref"),
	    "version", json_object_get(std, "version"),
	    "title", json_object_get(std, "title"),
	    "option", json_object_get(json_object_get(sub, "standard"),
	    "option") ? json_object_get(json_object_get(sub, "standard"),
	    "option") : json_null(),
	    "route", json_object_get(std, "route"),
	    "awarded", today,
	    "first_teaching", json_object_get(w, "first_teaching"),
	    "review_by", review_by);
	if (*facts == NULL || (m = json_deep_copy(*facts)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	json_object_del(m, "mark");
	json_object_set_new(m, "id", json_string(mark));
	json_object_set_new(m, "status", json_string("current"));
	json_object_set_new(m, "revoked", json_null());
	rc = htq_put_json(txn, htq_dbi(db, HTQ_T_MARK), mark, m,
	    MDB_NOOVERWRITE);
out:
	if (rc != HTQ_OK) {
		json_decref(*facts);
		*facts = NULL;
	}
	json_decref(o);
	json_decref(w);
	json_decref(m);
	return rc;
}

int
htq_mark_get(struct htq_db *db, MDB_txn *txn, const char *id, json_t **out)
{
	*out = NULL;
	if (!htq_mark_id_valid(id))
		return HTQ_EINVAL;
	return htq_get_json(txn, htq_dbi(db, HTQ_T_MARK), id, out);
}

static const char *const revoke_reasons[] = { "qualification_withdrawn",
    "standard_withdrawn", "non_compliance", "other", NULL };

int
htq_mark_revoke(struct htq_db *db, const struct htq_actor *a,
    const char *id, const char *reason, const char *note, json_t **out,
    struct htq_why *why)
{
	char today[HTQ_DATE_LEN + 1];
	MDB_txn *txn;
	json_t *m = NULL, *data = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (a == NULL || a->id == NULL || a->role != HTQ_ROLE_APPROVER)
		return htq_refuse(why, HTQ_EPERM, "", "only approver accounts "
		    "revoke marks");
	if (!htq_mark_id_valid(id))
		return htq_refuse(why, HTQ_EFORMAT, "id", "not a quality mark "
		    "id (HTQ-<year>-<6 digits>-<check character>), or its "
		    "check character is wrong");
	for (i = 0; revoke_reasons[i] != NULL; i++)
		if (reason != NULL && strcmp(reason, revoke_reasons[i]) == 0)
			break;
	if (revoke_reasons[i] == NULL)
		return htq_refuse(why, HTQ_EINVAL, "reason", "reason: one of "
		    "qualification_withdrawn, standard_withdrawn, "
		    "non_compliance, other");
	if (note != NULL && strlen(note) > HTQ_MAX_TEXT)
		return htq_refuse(why, HTQ_EINVAL, "note", "note: at most %d "
		    "bytes", HTQ_MAX_TEXT);
	if (note != NULL && !htq_text_valid(note, 1))
		return htq_refuse(why, HTQ_EINVAL, "note", "note: "
		    HTQ_TEXT_RULE);
	if (strcmp(reason, "other") == 0 && (note == NULL || *note == '\0'))
		return htq_refuse(why, HTQ_EINVAL, "note", "note: required "
		    "when the reason is other");
	htq_today(today);
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_MARK), id,
	    &m)) != HTQ_OK) {
		if (rc == HTQ_ENOTFOUND)
			htq_refuse(why, rc, "id", "no such quality mark");
		goto out;
	}
	if (strcmp(json_string_value(json_object_get(m, "status")),
	    "current") != 0) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "status", "mark %s is "
		    "revoked already", id);
		goto out;
	}
	json_object_set_new(m, "status", json_string("revoked"));
	json_object_set_new(m, "revoked", json_pack("{s:s,s:s,s:s?}", "date",
	    today, "reason", reason, "note", note));
	data = json_pack("{s:s,s:O,s:s,s:s?,s:s}", "mark", id, "submission",
	    json_object_get(m, "submission"), "reason", reason, "note", note,
	    "revoked", today);
	if (data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_MARK), id, m,
	    0)) != HTQ_OK ||
	    (rc = htq_record_as(db, txn, a->id, "mark.revoked", id, data)) !=
	    HTQ_OK || (rc = htq_mark_note_seq(db, txn, id, 'r')) != HTQ_OK ||
	    (rc = htq_submission_mark_revoked(db, txn, a, json_string_value(
	    json_object_get(m, "submission")), data)) != HTQ_OK)
		goto out;
	rc = htq_commit(db, txn);
	txn = NULL;
	if (rc == HTQ_OK)
		*out = json_incref(m);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(m);
	json_decref(data);
	return rc;
}

/* meta key of a mark's ledger index: "markseq.<kind>.<id>" */
static void
seq_key(char *buf, size_t bufsz, const char *id, char kind)
{
	snprintf(buf, bufsz, "markseq.%c.%s", kind, id);
}

int
htq_mark_note_seq(struct htq_db *db, MDB_txn *txn, const char *id,
    char kind)
{
	char key[48], val[24];
	MDB_val k, v;
	uint64_t size;
	int rc;

	if (!htq_db_recording(db))
		return HTQ_OK;
	if ((rc = aud_size(htq_db_log(db), txn, &size)) != HTQ_OK)
		return rc;
	if (size == 0)
		return HTQ_EINVAL;
	seq_key(key, sizeof(key), id, kind);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)(size - 1));
	k.mv_data = key;
	k.mv_size = strlen(key);
	v.mv_data = val;
	v.mv_size = strlen(val);
	return htq_mdb_err(mdb_put(txn, htq_dbi(db, HTQ_T_META), &k, &v, 0));
}

int
htq_mark_seq(struct htq_db *db, MDB_txn *txn, const char *id, char kind,
    uint64_t *seq)
{
	char key[48], val[24];
	MDB_val k, v;
	int rc;

	seq_key(key, sizeof(key), id, kind);
	k.mv_data = key;
	k.mv_size = strlen(key);
	if ((rc = mdb_get(txn, htq_dbi(db, HTQ_T_META), &k, &v)) != 0)
		return htq_mdb_err(rc);
	if (v.mv_size == 0 || v.mv_size >= sizeof(val))
		return HTQ_EDB;
	memcpy(val, v.mv_data, v.mv_size);
	val[v.mv_size] = '\0';
	*seq = strtoull(val, NULL, 10);
	return HTQ_OK;
}

static json_t *
b64_json(const uint8_t *b, size_t len)
{
	char out[sodium_base64_ENCODED_LEN(AUD_SIG,
	    sodium_base64_VARIANT_ORIGINAL)];

	if (len > AUD_SIG)
		return NULL;
	sodium_bin2base64(out, sizeof(out), b, len,
	    sodium_base64_VARIANT_ORIGINAL);
	return json_string(out);
}

/*
 * One proven entry: {"entry", "sig", "index", "proof"} for leaf seq in
 * the tree of the first size leaves.
 */
static int
proven_entry(struct aud_log *log, MDB_txn *txn, uint64_t seq,
    uint64_t size, json_t **out)
{
	aud_hash h[AUD_MAX_PROOF];
	const uint8_t *sig;
	const char *e;
	size_t len, n, i;
	json_t *proof;
	int rc;

	*out = NULL;
	if (seq >= size)
		return HTQ_EDB;
	if ((rc = aud_entry_get(log, txn, seq, &e, &len, &sig)) != HTQ_OK ||
	    (rc = aud_prove_inclusion(log, txn, seq, size, h, &n)) != HTQ_OK)
		return rc;
	if ((proof = json_array()) == NULL)
		return HTQ_ENOMEM;
	for (i = 0; i < n; i++)
		json_array_append_new(proof, b64_json(h[i], AUD_HASH));
	*out = json_pack("{s:s%,s:o,s:I,s:o}", "entry", e, len, "sig",
	    b64_json(sig, AUD_SIG), "index", (json_int_t)seq, "proof", proof);
	return *out == NULL ? HTQ_ENOMEM : HTQ_OK;
}

/*
 * The offline bundle of a mark (docs/ledger.md, design.md "Public HTTP
 * contract"): the mark, its mark.awarded entry with signature, index and
 * inclusion proof, the signed checkpoint of the log as txn sees it, and
 * when revoked the mark.revoked entry proven against the same
 * checkpoint.  The checkpoint is signed now when the log has moved on
 * (so txn's process needs the current key, as for the checkpoint API).
 */
int
htq_mark_bundle(struct htq_db *db, MDB_txn *txn, const char *id,
    json_t **out)
{
	struct aud_log *log = htq_db_log(db);
	const char *note;
	uint64_t size, aseq, rseq;
	size_t nlen;
	json_t *m = NULL, *b = NULL, *rev = NULL;
	int rc;

	*out = NULL;
	if ((rc = htq_mark_get(db, txn, id, &m)) != HTQ_OK)
		return rc;
	if (log == NULL) {
		rc = HTQ_ENOTFOUND;
		goto out;
	}
	if ((rc = htq_mark_seq(db, txn, id, 'a', &aseq)) != HTQ_OK ||
	    (rc = aud_size(log, txn, &size)) != HTQ_OK)
		goto out;
	if ((rc = htq_checkpoint(db, txn, &note, &nlen)) != HTQ_OK)
		goto out;
	if ((rc = proven_entry(log, txn, aseq, size, &b)) != HTQ_OK)
		goto out;
	json_object_set(b, "mark", m);
	json_object_set_new(b, "checkpoint", json_stringn(note, nlen));
	if (strcmp(json_string_value(json_object_get(m, "status")),
	    "revoked") == 0) {
		if ((rc = htq_mark_seq(db, txn, id, 'r', &rseq)) != HTQ_OK ||
		    (rc = proven_entry(log, txn, rseq, size, &rev)) != HTQ_OK)
			goto out;
		json_object_set_new(b, "revocation", rev);
	}
	*out = b;
	b = NULL;
out:
	json_decref(m);
	json_decref(b);
	return rc;
}
