/*
 * standards.c - the occupational standards catalogue.
 *
 * Imports read the Institute's public standards API shape.  Each (ref,
 * version) is stored once, immutable, as the exact compact JSON that
 * GET /api/v1/standards/{ref} serves, so a request costs two LMDB lookups
 * and no JSON work.  The parts of that JSON that can change after import
 * (eligibility and the list of versions) are rewritten in every stored
 * version of the ref when they change.
 *
 * Eligibility for HTQ approval comes from rules applied at import (a
 * table of standards withdrawn from HTQ approval, the standard's status
 * and level) unless an administrator has decided otherwise; that decision
 * is kept per ref and survives re-import.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "domain.h"

/* Standards that stay in delivery but cannot have HTQs approved. */
static const struct {
	const char	*ref;
	const char	*reason;
} not_eligible[] = {
	{ "ST0114", "Merged with other standards in the digital route review: "
	    "stays in delivery, but qualifications cannot be approved against "
	    "it" },
	{ "ST0131", "Merged with other standards in the digital route review: "
	    "stays in delivery, but qualifications cannot be approved against "
	    "it" },
};

#define APPROVED_STATUS	"Approved for delivery"
#define KEY_MAX		(HTQ_REF_LEN + 1 + HTQ_MAX_VERSION + 1)

int
htq_ref_valid(const char *s)
{
	int i;

	if (s == NULL || s[0] != 'S' || s[1] != 'T')
		return 0;
	for (i = 2; i < HTQ_REF_LEN; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[HTQ_REF_LEN] == '\0';
}

/* Count leading digits of s, at most max+1. */
static int
digits(const char *s, int max)
{
	int n = 0;

	while (n <= max && s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

int
htq_version_valid(const char *s)
{
	int a, b;

	if (s == NULL)
		return 0;
	a = digits(s, 3);
	if (a < 1 || a > 3 || s[a] != '.')
		return 0;
	b = digits(s + a + 1, 3);
	return b >= 1 && b <= 3 && s[a + 1 + b] == '\0';
}

int
htq_version_cmp(const char *a, const char *b)
{
	long ma = strtol(a, NULL, 10), mb = strtol(b, NULL, 10);
	const char *da = strchr(a, '.'), *db = strchr(b, '.');
	long na = da ? strtol(da + 1, NULL, 10) : 0;
	long nb = db ? strtol(db + 1, NULL, 10) : 0;

	if (ma != mb)
		return ma < mb ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return 0;
}

int
htq_ksb_code(enum htq_ksb_kind kind, size_t index, char *buf, size_t bufsz)
{
	static const char prefix[] = { 'K', 'S', 'B' };
	int n;

	if ((unsigned)kind > HTQ_BEHAVIOUR)
		return HTQ_EINVAL;
	n = snprintf(buf, bufsz, "%c%zu", prefix[kind], index + 1);
	if (n < 0 || (size_t)n >= bufsz)
		return HTQ_ETOOBIG;
	return HTQ_OK;
}

/* --- import: from the public API shape to our stored document --- */

/* A string member of obj no longer than max bytes, or NULL. */
static const char *
str_field(const json_t *obj, const char *key, size_t max)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max ||
	    memchr(json_string_value(v), '\0', json_string_length(v)) != NULL)
		return NULL;
	return json_string_value(v);
}

/*
 * 1 when s (NULL: absent) may be shown on the pages and badges that
 * quote the catalogue (htq_text_valid; lines: multi-line text), else 0
 * with why saying which field it was.
 */
static int
shown(const char *s, int lines, const char *what, size_t i, char *why,
    size_t whysz)
{
	if (s == NULL || htq_text_valid(s, lines))
		return 1;
	if (i != (size_t)-1)
		snprintf(why, whysz, "%s[%zu]: %s", what, i, lines ?
		    HTQ_TEXT_RULE : HTQ_LINE_RULE);
	else
		snprintf(why, whysz, "%s: %s", what, lines ? HTQ_TEXT_RULE :
		    HTQ_LINE_RULE);
	return 0;
}

/*
 * The version of a standard: "version", else "versionNumber"; strings
 * like "1.1", or a bare major ("1", or the integer 1) read as "1.0".
 */
static int
read_version(const json_t *src, char *out, size_t outsz)
{
	const json_t *v = json_object_get(src, "version");
	const char *s;
	int n;

	if (v == NULL || json_is_null(v))
		v = json_object_get(src, "versionNumber");
	if (json_is_integer(v))
		n = snprintf(out, outsz, "%lld.0",
		    (long long)json_integer_value(v));
	else if (json_is_string(v)) {
		s = json_string_value(v);
		n = strchr(s, '.') ? snprintf(out, outsz, "%s", s) :
		    snprintf(out, outsz, "%s.0", s);
	} else
		return HTQ_EINVAL;
	if (n < 0 || (size_t)n >= outsz || !htq_version_valid(out))
		return HTQ_EINVAL;
	return HTQ_OK;
}

/* Append the KSBs of one kind from src[key] to ksbs.  */
static int
read_ksbs(const json_t *src, const char *key, const char *idkey,
    enum htq_ksb_kind kind, json_t *ksbs, char *why, size_t whysz)
{
	static const char *const kinds[] = { "knowledge", "skill", "behaviour" };
	const json_t *arr = json_object_get(src, key), *k;
	const char *id, *text;
	char code[16];
	size_t i;

	if (arr == NULL || json_is_null(arr))
		return HTQ_OK;
	if (!json_is_array(arr)) {
		snprintf(why, whysz, "%s is not an array", key);
		return HTQ_EINVAL;
	}
	json_array_foreach(arr, i, k) {
		if (json_array_size(ksbs) >= HTQ_MAX_KSBS) {
			snprintf(why, whysz, "more than %d KSBs", HTQ_MAX_KSBS);
			return HTQ_ETOOBIG;
		}
		id = str_field(k, idkey, 64);
		text = str_field(k, "detail", HTQ_MAX_KSB_TEXT);
		if (text == NULL) {
			snprintf(why, whysz, "%s[%zu] has no usable detail text "
			    "(1 to %d bytes)", key, i, HTQ_MAX_KSB_TEXT);
			return HTQ_EINVAL;
		}
		if (!shown(text, 1, key, i, why, whysz) ||
		    !shown(id, 0, key, i, why, whysz))
			return HTQ_EINVAL;
		if (htq_ksb_code(kind, i, code, sizeof(code)) != HTQ_OK)
			return HTQ_ETOOBIG;
		if (json_array_append_new(ksbs, json_pack("{s:s,s:s,s:s,s:s}",
		    "code", code, "kind", kinds[kind], "id", id ? id : "",
		    "text", text)) != 0)
			return HTQ_ENOMEM;
	}
	return HTQ_OK;
}

static int
read_options(const json_t *src, json_t *opts, char *why, size_t whysz)
{
	const json_t *arr = json_object_get(src, "options"), *o;
	const char *id, *title;
	size_t i;

	if (arr == NULL || json_is_null(arr))
		return HTQ_OK;
	if (!json_is_array(arr) || json_array_size(arr) > HTQ_MAX_OPTIONS) {
		snprintf(why, whysz, "options must be an array of at most %d",
		    HTQ_MAX_OPTIONS);
		return HTQ_EINVAL;
	}
	json_array_foreach(arr, i, o) {
		if (json_is_string(o)) {
			id = "";
			title = json_string_length(o) <= HTQ_MAX_TITLE ?
			    json_string_value(o) : NULL;
		} else {
			id = str_field(o, "optionId", 64);
			title = str_field(o, "title", HTQ_MAX_TITLE);
		}
		if (title == NULL || *title == '\0') {
			snprintf(why, whysz, "options[%zu] has no title", i);
			return HTQ_EINVAL;
		}
		if (!shown(title, 0, "options", i, why, whysz) ||
		    !shown(id, 0, "options", i, why, whysz))
			return HTQ_EINVAL;
		if (json_array_append_new(opts, json_pack("{s:s,s:s}", "id",
		    id ? id : "", "title", title)) != 0)
			return HTQ_ENOMEM;
	}
	return HTQ_OK;
}

/*
 * Turn one standard of the public API shape into our document (without
 * the fields that change after import).  On a problem returns an error
 * and explains it in why.
 */
static int
normalise(const json_t *src, json_t **out, char *why, size_t whysz)
{
	const char *ref, *title, *route, *status;
	char version[HTQ_MAX_VERSION + 1];
	const json_t *lv;
	json_t *doc = NULL, *opts = NULL, *ksbs = NULL;
	int rc = HTQ_EINVAL;

	*out = NULL;
	if (!json_is_object(src)) {
		snprintf(why, whysz, "not a JSON object");
		return HTQ_EINVAL;
	}
	ref = str_field(src, "referenceNumber", HTQ_REF_LEN);
	if (ref == NULL || !htq_ref_valid(ref)) {
		snprintf(why, whysz, "referenceNumber must be ST followed by 4 "
		    "digits");
		return HTQ_EINVAL;
	}
	if (read_version(src, version, sizeof(version)) != HTQ_OK) {
		snprintf(why, whysz, "version must look like 1.0");
		return HTQ_EINVAL;
	}
	lv = json_object_get(src, "level");
	if (!json_is_integer(lv) || json_integer_value(lv) < 1 ||
	    json_integer_value(lv) > 8) {
		snprintf(why, whysz, "level must be an integer from 1 to 8");
		return HTQ_EINVAL;
	}
	if ((title = str_field(src, "title", HTQ_MAX_TITLE)) == NULL ||
	    (route = str_field(src, "route", HTQ_MAX_TITLE)) == NULL) {
		snprintf(why, whysz, "title and route must be strings of 1 to "
		    "%d bytes", HTQ_MAX_TITLE);
		return HTQ_EINVAL;
	}
	if ((status = str_field(src, "status", HTQ_MAX_TITLE)) == NULL)
		status = "Unknown";
	if (!shown(title, 0, "title", (size_t)-1, why, whysz) ||
	    !shown(route, 0, "route", (size_t)-1, why, whysz) ||
	    !shown(status, 0, "status", (size_t)-1, why, whysz))
		return HTQ_EINVAL;
	if ((opts = json_array()) == NULL || (ksbs = json_array()) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = read_options(src, opts, why, whysz)) != HTQ_OK ||
	    (rc = read_ksbs(src, "knowledges", "knowledgeId", HTQ_KNOWLEDGE,
	    ksbs, why, whysz)) != HTQ_OK ||
	    (rc = read_ksbs(src, "skills", "skillId", HTQ_SKILL, ksbs, why,
	    whysz)) != HTQ_OK ||
	    (rc = read_ksbs(src, "behaviours", "behaviourId", HTQ_BEHAVIOUR,
	    ksbs, why, whysz)) != HTQ_OK)
		goto out;
	doc = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:b,s:n,s:O,s:O}",
	    "ref", ref, "title", title, "level",
	    (json_int_t)json_integer_value(lv), "version", version,
	    "route", route, "status", status, "eligible", 1,
	    "ineligible_reason", "options", opts, "ksbs", ksbs);
	rc = doc ? HTQ_OK : HTQ_ENOMEM;
	*out = doc;
out:
	json_decref(opts);
	json_decref(ksbs);
	return rc;
}

/* --- storage --- */

static int
get_str(MDB_txn *txn, MDB_dbi dbi, const char *key, MDB_val *v)
{
	MDB_val k = { strlen(key), (void *)key };

	return htq_mdb_err(mdb_get(txn, dbi, &k, v));
}

static int
vkey(char *buf, const char *ref, const char *version)
{
	int n = snprintf(buf, KEY_MAX, "%s@%s", ref, version);

	return n < 0 || n >= KEY_MAX ? HTQ_EINVAL : HTQ_OK;
}

/*
 * All stored versions of ref, oldest first, as a new JSON array of
 * strings.  Keys "ST0116@..." are contiguous in the std database.
 */
static int
list_versions(struct htq_db *db, MDB_txn *txn, const char *ref, json_t **out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	char prefix[HTQ_REF_LEN + 2], ver[HTQ_MAX_VERSION + 1];
	json_t *arr;
	size_t i, n, plen;
	int rc, op = MDB_SET_RANGE;

	snprintf(prefix, sizeof(prefix), "%s@", ref);
	plen = strlen(prefix);
	if ((arr = json_array()) == NULL)
		return HTQ_ENOMEM;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_STD), &cur)) != 0) {
		json_decref(arr);
		return htq_mdb_err(rc);
	}
	k.mv_data = prefix;
	k.mv_size = plen;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size <= plen || memcmp(k.mv_data, prefix, plen) != 0 ||
		    k.mv_size - plen > HTQ_MAX_VERSION)
			break;
		memcpy(ver, (char *)k.mv_data + plen, k.mv_size - plen);
		ver[k.mv_size - plen] = '\0';
		/* insertion sort by numeric version: lists are short */
		n = json_array_size(arr);
		for (i = 0; i < n; i++)
			if (htq_version_cmp(ver, json_string_value(
			    json_array_get(arr, i))) < 0)
				break;
		json_array_insert_new(arr, i, json_string(ver));
	}
	mdb_cursor_close(cur);
	*out = arr;
	return HTQ_OK;
}

/* Rule-based eligibility of one stored document. */
static const char *
rule_reason(const json_t *doc)
{
	const char *ref = json_string_value(json_object_get(doc, "ref"));
	const char *status = json_string_value(json_object_get(doc, "status"));
	json_int_t level = json_integer_value(json_object_get(doc, "level"));
	size_t i;

	for (i = 0; i < sizeof(not_eligible) / sizeof(not_eligible[0]); i++)
		if (strcmp(ref, not_eligible[i].ref) == 0)
			return not_eligible[i].reason;
	if (status == NULL || strcmp(status, APPROVED_STATUS) != 0)
		return "Standard is not approved for delivery";
	if (level != 4 && level != 5)
		return "HTQs are approved against level 4 and 5 standards";
	return NULL;
}

/*
 * Set eligible/ineligible_reason in doc: the admin decision for its ref
 * when there is one, else the rules.
 */
static int
apply_eligibility(struct htq_db *db, MDB_txn *txn, json_t *doc)
{
	const char *ref = json_string_value(json_object_get(doc, "ref"));
	const char *reason;
	json_t *adm = NULL;
	int rc, eligible;

	rc = htq_get_json(txn, htq_dbi(db, HTQ_T_STD_ELIG), ref, &adm);
	if (rc == HTQ_OK) {
		eligible = json_is_true(json_object_get(adm, "eligible"));
		reason = json_string_value(json_object_get(adm, "reason"));
	} else if (rc == HTQ_ENOTFOUND) {
		reason = rule_reason(doc);
		eligible = reason == NULL;
	} else
		return rc;
	json_object_set_new(doc, "eligible", json_boolean(eligible));
	json_object_set_new(doc, "ineligible_reason",
	    eligible || reason == NULL ? json_null() : json_string(reason));
	json_decref(adm);
	return HTQ_OK;
}

/* The list entry for a standard's latest version. */
static json_t *
summary_of(const json_t *doc)
{
	return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:I}",
	    "ref", json_object_get(doc, "ref"),
	    "title", json_object_get(doc, "title"),
	    "level", json_object_get(doc, "level"),
	    "version", json_object_get(doc, "version"),
	    "route", json_object_get(doc, "route"),
	    "status", json_object_get(doc, "status"),
	    "eligible", json_object_get(doc, "eligible"),
	    "ineligible_reason", json_object_get(doc, "ineligible_reason"),
	    "ksb_count", (json_int_t)json_array_size(json_object_get(doc,
	    "ksbs")));
}

/*
 * Rewrite every stored version of ref with the current versions list and
 * eligibility, and refresh the latest pointer and the summary.
 */
static int
rerender(struct htq_db *db, MDB_txn *txn, const char *ref)
{
	char key[KEY_MAX];
	json_t *versions = NULL, *doc = NULL, *sum;
	const char *v;
	size_t i, n;
	int rc;

	if ((rc = list_versions(db, txn, ref, &versions)) != HTQ_OK)
		return rc;
	n = json_array_size(versions);
	for (i = 0; i < n && rc == HTQ_OK; i++) {
		v = json_string_value(json_array_get(versions, i));
		if ((rc = vkey(key, ref, v)) != HTQ_OK ||
		    (rc = htq_get_json(txn, htq_dbi(db, HTQ_T_STD), key,
		    &doc)) != HTQ_OK)
			break;
		json_object_set(doc, "versions", versions);
		if ((rc = apply_eligibility(db, txn, doc)) == HTQ_OK)
			rc = htq_put_json(txn, htq_dbi(db, HTQ_T_STD), key, doc,
			    0);
		if (rc == HTQ_OK && i == n - 1) {
			rc = htq_put_text(txn, htq_dbi(db, HTQ_T_STD_LATEST),
			    ref, v, 0);
			if (rc == HTQ_OK) {
				sum = summary_of(doc);
				rc = sum ? htq_put_json(txn, htq_dbi(db,
				    HTQ_T_STD_SUM), ref, sum, 0) :
				    HTQ_ENOMEM;
				json_decref(sum);
			}
		}
		json_decref(doc);
		doc = NULL;
	}
	json_decref(versions);
	return rc;
}

/* Hex SHA-256 of the document's compact encoding: the ledger's record of
 * exactly what was imported. */
static int
content_hash(const json_t *doc, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char *s = json_dumps(doc, JSON_COMPACT);

	if (s == NULL)
		return HTQ_ENOMEM;
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	free(s);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return HTQ_OK;
}

enum outcome { IMPORTED, UNCHANGED, CONFLICT };

/*
 * Store one normalised document.  Versions are immutable: the same
 * content again is unchanged, different content under a stored version is
 * a conflict.
 */
static int
store_one(struct htq_db *db, MDB_txn *txn, json_t *doc, enum outcome *res)
{
	const char *ref = json_string_value(json_object_get(doc, "ref"));
	const char *ver = json_string_value(json_object_get(doc, "version"));
	char key[KEY_MAX], subject[KEY_MAX], hash[65];
	json_t *old = NULL, *data;
	int rc;

	if ((rc = vkey(key, ref, ver)) != HTQ_OK)
		return rc;
	rc = htq_get_json(txn, htq_dbi(db, HTQ_T_STD), key, &old);
	if (rc == HTQ_OK) {
		/* compare what was imported, not what changes later */
		json_object_del(old, "versions");
		json_object_set_new(old, "eligible", json_true());
		json_object_set_new(old, "ineligible_reason", json_null());
		*res = json_equal(old, doc) ? UNCHANGED : CONFLICT;
		json_decref(old);
		return HTQ_OK;
	}
	if (rc != HTQ_ENOTFOUND)
		return rc;
	if ((rc = content_hash(doc, hash)) != HTQ_OK ||
	    (rc = htq_put_json(txn, htq_dbi(db, HTQ_T_STD), key, doc,
	    0)) != HTQ_OK ||
	    (rc = rerender(db, txn, ref)) != HTQ_OK)
		return rc;
	/* the ledger entry carries the eligibility as imported */
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_STD), key,
	    &old)) != HTQ_OK)
		return rc;
	snprintf(subject, sizeof(subject), "%s", key);
	data = json_pack("{s:s,s:s,s:O,s:O,s:I,s:s,s:O,s:O}",
	    "ref", ref, "version", ver,
	    "title", json_object_get(doc, "title"),
	    "route", json_object_get(doc, "route"),
	    "ksb_count", (json_int_t)json_array_size(json_object_get(doc,
	    "ksbs")), "content_sha256", hash,
	    "eligible", json_object_get(old, "eligible"),
	    "ineligible_reason", json_object_get(old, "ineligible_reason"));
	json_decref(old);
	if (data == NULL)
		return HTQ_ENOMEM;
	rc = htq_record(db, txn, "standard.imported", subject, data);
	json_decref(data);
	*res = IMPORTED;
	return rc;
}

int
htq_standards_import(struct htq_db *db, const char *buf, size_t len,
    struct htq_import_stats *stats, void (*warn)(void *, const char *),
    void *ctx, char *errbuf, size_t errsz)
{
	json_error_t jerr;
	json_t *root, *list, *src, *doc;
	MDB_txn *txn = NULL;
	enum outcome res = CONFLICT;
	char why[256], msg[400];
	const char *ref;
	size_t i;
	int rc;

	memset(stats, 0, sizeof(*stats));
	if (len > HTQ_MAX_IMPORT) {
		snprintf(errbuf, errsz, "file is larger than %d bytes",
		    HTQ_MAX_IMPORT);
		return HTQ_ETOOBIG;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(errbuf, errsz, "not valid JSON: %s (line %d, column "
		    "%d)", jerr.text, jerr.line, jerr.column);
		return HTQ_EFORMAT;
	}
	list = json_is_object(root) ? json_object_get(root, "standards") : root;
	if (!json_is_array(list)) {
		snprintf(errbuf, errsz, "expected an array of standards (or an "
		    "object with a \"standards\" array)");
		json_decref(root);
		return HTQ_EFORMAT;
	}
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		goto out;
	json_array_foreach(list, i, src) {
		why[0] = '\0';
		rc = normalise(src, &doc, why, sizeof(why));
		if (rc == HTQ_ENOMEM)
			goto out;
		if (rc != HTQ_OK) {
			ref = json_string_value(json_object_get(src,
			    "referenceNumber"));
			snprintf(msg, sizeof(msg), "standard %zu (%.16s): %s",
			    i + 1, ref ? ref : "no reference", why);
			if (warn)
				warn(ctx, msg);
			stats->skipped++;
			continue;
		}
		rc = store_one(db, txn, doc, &res);
		if (rc == HTQ_OK && res == CONFLICT) {
			snprintf(msg, sizeof(msg), "%s %s: already imported with "
			    "different content; versions are immutable, skipped",
			    json_string_value(json_object_get(doc, "ref")),
			    json_string_value(json_object_get(doc, "version")));
			if (warn)
				warn(ctx, msg);
		}
		json_decref(doc);
		if (rc != HTQ_OK)
			goto out;
		if (res == IMPORTED)
			stats->imported++;
		else if (res == UNCHANGED)
			stats->unchanged++;
		else
			stats->skipped++;
	}
	rc = htq_commit(db, txn);
	txn = NULL;
	if (rc != HTQ_OK)
		snprintf(errbuf, errsz, "could not store: %s", htq_strerror(rc));
out:
	if (txn != NULL) {
		mdb_txn_abort(txn);
		snprintf(errbuf, errsz, "could not store: %s", htq_strerror(rc));
		memset(stats, 0, sizeof(*stats));
	}
	json_decref(root);
	return rc;
}

int
htq_standard_get(struct htq_db *db, MDB_txn *txn, const char *ref,
    const char *version, const char **json, size_t *len)
{
	char key[KEY_MAX], ver[HTQ_MAX_VERSION + 1];
	MDB_val v;
	int rc;

	if (!htq_ref_valid(ref) || (version && !htq_version_valid(version)))
		return HTQ_EINVAL;
	if (version == NULL) {
		if ((rc = get_str(txn, htq_dbi(db, HTQ_T_STD_LATEST), ref,
		    &v)) != HTQ_OK)
			return rc;
		if (v.mv_size > HTQ_MAX_VERSION)
			return HTQ_EFORMAT;
		memcpy(ver, v.mv_data, v.mv_size);
		ver[v.mv_size] = '\0';
		version = ver;
	}
	if ((rc = vkey(key, ref, version)) != HTQ_OK ||
	    (rc = get_str(txn, htq_dbi(db, HTQ_T_STD), key, &v)) != HTQ_OK)
		return rc;
	*json = v.mv_data;
	*len = v.mv_size;
	return HTQ_OK;
}

/* 1 if a summary passes the filter. */
static int
matches(const json_t *sum, const struct htq_std_filter *f)
{
	const char *route = json_string_value(json_object_get(sum, "route"));

	if (f->route != NULL && (route == NULL || strcasecmp(route, f->route)))
		return 0;
	if (f->level != 0 &&
	    json_integer_value(json_object_get(sum, "level")) != f->level)
		return 0;
	if (f->eligible >= 0 &&
	    json_is_true(json_object_get(sum, "eligible")) != f->eligible)
		return 0;
	return 1;
}

int
htq_standards_list(struct htq_db *db, MDB_txn *txn,
    const struct htq_std_filter *f, json_t **out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	json_t *arr, *sum;
	int rc, op = MDB_FIRST;

	*out = NULL;
	if ((arr = json_array()) == NULL)
		return HTQ_ENOMEM;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_STD_SUM),
	    &cur)) != 0) {
		json_decref(arr);
		return htq_mdb_err(rc);
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if ((sum = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;
		if (matches(sum, f))
			json_array_append(arr, sum);
		json_decref(sum);
	}
	mdb_cursor_close(cur);
	*out = json_pack("{s:o}", "standards", arr);
	return *out ? HTQ_OK : HTQ_ENOMEM;
}

int
htq_standard_set_eligibility(struct htq_db *db, const char *ref,
    int eligible, const char *reason)
{
	MDB_txn *txn;
	MDB_val v;
	json_t *dec = NULL;
	int rc;

	if (!htq_ref_valid(ref))
		return HTQ_EINVAL;
	if (!eligible && (reason == NULL || *reason == '\0'))
		return HTQ_EINVAL;
	if (reason != NULL && strlen(reason) > HTQ_MAX_REASON)
		return HTQ_ETOOBIG;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = get_str(txn, htq_dbi(db, HTQ_T_STD_LATEST), ref,
	    &v)) != HTQ_OK)
		goto out;
	dec = json_pack("{s:b,s:s?,s:s}", "eligible", eligible,
	    "reason", eligible ? NULL : reason, "source", "admin");
	if (dec == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_STD_ELIG), ref, dec,
	    0)) != HTQ_OK ||
	    (rc = rerender(db, txn, ref)) != HTQ_OK)
		goto out;
	json_object_del(dec, "source");
	json_object_set_new(dec, "ref", json_string(ref));
	if ((rc = htq_record(db, txn, "standard.eligibility", ref, dec)) !=
	    HTQ_OK)
		goto out;
	json_decref(dec);
	return htq_commit(db, txn);
out:
	json_decref(dec);
	mdb_txn_abort(txn);
	return rc;
}

int
htq_standard_impact(struct htq_db *db, MDB_txn *txn, const char *ref,
    json_t **out)
{
	json_int_t drafts, open;
	const char *body;
	size_t len;
	int rc;

	*out = NULL;
	if (!htq_ref_valid(ref))
		return HTQ_ENOTFOUND;
	if ((rc = htq_standard_get(db, txn, ref, NULL, &body, &len)) != HTQ_OK)
		return rc;
	if ((rc = htq_count_affected(db, txn, NULL, ref, &drafts, &open)) !=
	    HTQ_OK)
		return rc;
	*out = json_pack("{s:s,s:I,s:I}", "ref", ref, "drafts", drafts,
	    "submissions", open);
	return *out != NULL ? HTQ_OK : HTQ_ENOMEM;
}
