/*
 * documents.c - supporting documents attached to a draft submission: a
 * PDF, a spreadsheet (xlsx, ods, csv) or an office document (docx, odt).
 *
 * Type by content, never by name or by the type the client declares:
 *
 *   pdf   "%PDF-1." or "%PDF-2." at the start, "%%EOF" in the last KiB
 *   odt   a ZIP whose first entry is "mimetype", stored (not compressed),
 *   ods   holding exactly "application/vnd.oasis.opendocument.text" or
 *         "...spreadsheet" (ODF 1.2 part 3, 3.3: what makes a package
 *         recognisable without unzipping it)
 *   docx  a ZIP whose central directory names "[Content_Types].xml" and
 *   xlsx  "word/document.xml" or "xl/workbook.xml" (OPC, ECMA-376 part
 *         2), and no "vbaProject.bin" (macros)
 *   csv   UTF-8 text, no control characters but tab, CR and LF, whose
 *         first line separates columns (',' ';' or tab) and which does not
 *         begin with '<' (no HTML or SVG by another name)
 *
 * Only the ZIP's headers are read (the local header at offset 0, the end
 * record and the central directory's names), every length checked
 * against the buffer; nothing is decompressed.  libmagic would do as
 * well for the common cases, but it parses untrusted bytes with a large
 * rule database whose answers change between versions ("Microsoft
 * OOXML" or "Microsoft Word 2007+" depending on the order of entries);
 * this check is small, says exactly what it accepts and is fuzzed
 * (tests/fuzz/fuzz_documents.c); the unit tests compare its answers on
 * the fixtures with file(1)'s.
 *
 * Storage: a file is kept by its SHA-256 outside LMDB, as
 * <datadir>/documents/ab/cdef... (ab: the hash's first two digits), mode
 * 0600.  It is written to a temporary name, synced, renamed and its
 * folder synced BEFORE the transaction that lists it in the submission
 * commits: a record never names a file that is not there.  A crash in
 * between leaves a file that no record names; htq_documents_sweep(), at
 * start, removes such files (and temporary ones).  Removing a document
 * from a draft, or deleting the draft, leaves its file to that sweep
 * (another submission may hold the same bytes).
 *
 * The submission lists {sha256, name, type, size} in "documents"; at
 * submit the ledger's submission.submitted entry commits to every
 * document's {sha256, size, type} (htq_documents_commitment), never the
 * names, which may name people ("CV of A. Person.pdf").
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "domain.h"

static const struct doc_type {
	const char	*name;
	const char	*mime;
} doc_types[] = {
	{ "pdf", "application/pdf" },
	{ "docx", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "csv", "text/csv" },
	{ NULL, NULL }
};

const char *
htq_document_mime(const char *type)
{
	const struct doc_type *t;

	for (t = doc_types; type != NULL && t->name != NULL; t++)
		if (strcmp(t->name, type) == 0)
			return t->mime;
	return NULL;
}

static unsigned
u16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static size_t
u32(const unsigned char *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
	    (size_t)p[3] << 24;
}

static int
ends_with(const unsigned char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int
named(const unsigned char *s, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(s, name, n) == 0;
}

/* ODF: the first local header is "mimetype", stored, its data the type. */
static const char *
odf_type(const unsigned char *b, size_t len)
{
	static const char odt[] = "application/vnd.oasis.opendocument.text";
	static const char ods[] =
	    "application/vnd.oasis.opendocument.spreadsheet";
	size_t nlen, xlen, clen, off;

	if (len < 30)
		return NULL;
	nlen = u16(b + 26);
	xlen = u16(b + 28);
	clen = u32(b + 18);
	if (u16(b + 8) != 0 || nlen != 8 || len - 30 < nlen ||
	    memcmp(b + 30, "mimetype", 8) != 0)
		return NULL;
	off = 30 + nlen + xlen;
	if (off > len || len - off < clen || clen != u32(b + 22))
		return NULL;
	if (clen == sizeof(odt) - 1 && memcmp(b + off, odt, clen) == 0)
		return "odt";
	if (clen == sizeof(ods) - 1 && memcmp(b + off, ods, clen) == 0)
		return "ods";
	return NULL;
}

/* OOXML: the central directory's names (EOCD found from the end). */
static int
ooxml_type(const unsigned char *b, size_t len, const char **type,
    struct htq_why *why)
{
	size_t i, lo, eocd = 0, n, cdoff, cdsize, p, nlen, xlen, clen;
	int found = 0, ct = 0, word = 0, xl = 0;

	if (len < 22)
		goto notzip;
	lo = len - 22 > 65535 ? len - 22 - 65535 : 0;
	for (i = len - 22 + 1; i-- > lo;)
		if (memcmp(b + i, "PK\5\6", 4) == 0) {
			eocd = i;
			found = 1;
			break;
		}
	if (!found)
		goto notzip;
	n = u16(b + eocd + 10);
	cdsize = u32(b + eocd + 12);
	cdoff = u32(b + eocd + 16);
	if (n == 0xffff || cdoff == 0xffffffff || cdoff > eocd ||
	    cdsize > eocd - cdoff)
		goto notzip;
	if (n > HTQ_MAX_ZIP_ENTRIES)
		return htq_refuse(why, HTQ_EINVAL, "type", "the file is a ZIP "
		    "archive of more than %d entries, not an office document",
		    HTQ_MAX_ZIP_ENTRIES);
	for (p = cdoff, i = 0; i < n; i++) {
		if (cdoff + cdsize - p < 46 || memcmp(b + p, "PK\1\2", 4) != 0)
			goto notzip;
		nlen = u16(b + p + 28);
		xlen = u16(b + p + 30);
		clen = u16(b + p + 32);
		if (cdoff + cdsize - p - 46 < nlen + xlen + clen)
			goto notzip;
		ct |= named(b + p + 46, nlen, "[Content_Types].xml");
		word |= named(b + p + 46, nlen, "word/document.xml");
		xl |= named(b + p + 46, nlen, "xl/workbook.xml");
		if (ends_with(b + p + 46, nlen, "vbaProject.bin"))
			return htq_refuse(why, HTQ_EINVAL, "type", "the file "
			    "holds macros (vbaProject.bin): save it as a "
			    "document without macros (.docx, .xlsx)");
		p += 46 + nlen + xlen + clen;
	}
	if (ct && word && !xl)
		*type = "docx";
	else if (ct && xl && !word)
		*type = "xlsx";
	else
		return htq_refuse(why, HTQ_EINVAL, "type", "the file is a ZIP "
		    "archive but not a Word (.docx), Excel (.xlsx) or "
		    "OpenDocument (.odt, .ods) file");
	return HTQ_OK;
notzip:
	return htq_refuse(why, HTQ_EINVAL, "type", "the file starts as a ZIP "
	    "archive but its directory cannot be read");
}

/* Length of the UTF-8 character at s (valid, shortest form, not a
 * surrogate, at most U+10FFFF), 0 when there is none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

static int
csv_type(const unsigned char *b, size_t len, struct htq_why *why)
{
	size_t i = 0, k, first_line_end = len;
	int sep = 0;

	if (len >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
		i = 3;		/* a byte order mark, as Excel writes */
	for (k = i; k < len && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r' ||
	    b[k] == '\n'); k++)
		;
	if (k < len && b[k] == '<')
		goto no;
	for (; i < len; i += k) {
		if (b[i] == '\n' && first_line_end == len)
			first_line_end = i;
		if (first_line_end == len && (b[i] == ',' || b[i] == ';' ||
		    b[i] == '\t'))
			sep = 1;
		if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\r' &&
		    b[i] != '\n') || b[i] == 0x7f)
			goto no;
		if ((k = utf8_len(b + i, len - i)) == 0)
			goto no;
	}
	if (sep)
		return HTQ_OK;
no:
	return htq_refuse(why, HTQ_EINVAL, "type", "the file is not a PDF, a "
	    "Word, Excel or OpenDocument file, or CSV text in UTF-8 whose "
	    "first line separates its columns");
}

int
htq_document_type(const void *buf, size_t len, const char **type,
    struct htq_why *why)
{
	const unsigned char *b = buf;
	size_t i, from;

	*type = NULL;
	if (len == 0)
		return htq_refuse(why, HTQ_EINVAL, "file", "the file is empty");
	if (len >= 8 && memcmp(b, "%PDF-", 5) == 0) {
		if ((b[5] != '1' && b[5] != '2') || b[6] != '.')
			return htq_refuse(why, HTQ_EINVAL, "type", "the file "
			    "starts as a PDF of no known version");
		from = len > 1024 ? len - 1024 : 0;
		for (i = len - 5 + 1; i-- > from;)
			if (memcmp(b + i, "%%EOF", 5) == 0) {
				*type = "pdf";
				return HTQ_OK;
			}
		return htq_refuse(why, HTQ_EINVAL, "type", "the file starts "
		    "as a PDF but has no end (%%%%EOF): it may be cut short");
	}
	if (len >= 4 && memcmp(b, "PK\3\4", 4) == 0) {
		if ((*type = odf_type(b, len)) != NULL)
			return HTQ_OK;
		return ooxml_type(b, len, type, why);
	}
	if (csv_type(b, len, why) != HTQ_OK)
		return HTQ_EINVAL;
	*type = "csv";
	return HTQ_OK;
}

/* --- the name --- */

static int
check_name(const char *name, struct htq_why *why)
{
	if (name == NULL || *name == '\0' ||
	    strlen(name) > HTQ_MAX_DOCUMENT_NAME)
		return htq_refuse(why, HTQ_EINVAL, "name", "name: the file's "
		    "name, 1 to %d bytes", HTQ_MAX_DOCUMENT_NAME);
	if (!htq_text_valid(name, 0) || strpbrk(name, "/\\\"") != NULL ||
	    name[0] == '.')
		return htq_refuse(why, HTQ_EINVAL, "name", "name: one line of "
		    "text without / \\ or \", not starting with a dot");
	return HTQ_OK;
}

/* --- files --- */

int
htq_document_path(const char *datadir, const char *sha, char *buf,
    size_t bufsz)
{
	int n;

	if (datadir == NULL || sha == NULL || strlen(sha) != 64 ||
	    strspn(sha, "0123456789abcdef") != 64)
		return HTQ_EINVAL;
	n = snprintf(buf, bufsz, "%s/documents/%.2s/%s", datadir, sha,
	    sha + 2);
	return n < 0 || (size_t)n >= bufsz ? HTQ_ETOOBIG : HTQ_OK;
}

/* mkdir path 0700 unless it is there; a new folder is made durable by
 * syncing its parent. */
static int
make_dir(const char *path)
{
	char parent[4096];
	char *slash;
	int fd;

	if (mkdir(path, 0700) != 0)
		return errno == EEXIST ? HTQ_OK : errno == ENOSPC ||
		    errno == EDQUOT ? HTQ_ENOSPC : HTQ_EIO;
	if (snprintf(parent, sizeof(parent), "%s", path) >=
	    (int)sizeof(parent) || (slash = strrchr(parent, '/')) == NULL)
		return HTQ_OK;
	*slash = '\0';
	if ((fd = open(parent, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return HTQ_OK;
}

/*
 * Keep buf under its hash: temporary file, fsync, rename, fsync of the
 * folder (htq_atomic_commit).  A file already there of the same size is
 * the same bytes (its name is their hash, and it was renamed into place
 * whole).
 */
static int
store_file(const char *datadir, const char *sha, const void *buf,
    size_t len)
{
	char path[4096], dir[4096];
	struct htq_atomic at;
	struct stat st;
	int rc;

	if ((rc = htq_document_path(datadir, sha, path, sizeof(path))) !=
	    HTQ_OK)
		return rc;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == len)
		return HTQ_OK;
	if (snprintf(dir, sizeof(dir), "%s/documents", datadir) >=
	    (int)sizeof(dir))
		return HTQ_ETOOBIG;
	if ((rc = make_dir(dir)) != HTQ_OK)
		return rc;
	if (snprintf(dir, sizeof(dir), "%s/documents/%.2s", datadir, sha) >=
	    (int)sizeof(dir))
		return HTQ_ETOOBIG;
	if ((rc = make_dir(dir)) != HTQ_OK ||
	    (rc = htq_atomic_open(path, 0600, &at)) != HTQ_OK)
		return rc;
	errno = 0;
	if (fwrite(buf, 1, len, at.f) != len) {
		rc = errno == ENOSPC || errno == EDQUOT ? HTQ_ENOSPC : HTQ_EIO;
		htq_atomic_abort(&at);
		return rc;
	}
	errno = 0;
	if ((rc = htq_atomic_commit(&at)) != HTQ_OK && (errno == ENOSPC ||
	    errno == EDQUOT))
		rc = HTQ_ENOSPC;
	return rc;
}

/* --- the record --- */

static const char *
sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The index of sha in doc's documents, or -1. */
static long
find(const json_t *doc, const char *sha)
{
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(doc, "documents"), i, d)
		if (strcmp(sget(d, "sha256"), sha) == 0)
			return (long)i;
	return -1;
}

/* Whether doc has room for one more document of len bytes, hash sha. */
static int
room_for(const json_t *doc, const char *sha, size_t len,
    struct htq_why *why)
{
	const json_t *list = json_object_get(doc, "documents"), *d;
	size_t i, total = len;
	long at;

	if ((at = find(doc, sha)) >= 0)
		return htq_refuse(why, HTQ_ECONFLICT, "file", "this file is "
		    "attached already, as \"%s\"", sget(json_array_get(list,
		    (size_t)at), "name"));
	if (json_array_size(list) >= HTQ_MAX_DOCUMENTS)
		return htq_refuse(why, HTQ_ECONFLICT, "documents", "a "
		    "submission has at most %d documents: remove one first",
		    HTQ_MAX_DOCUMENTS);
	json_array_foreach(list, i, d)
		total += (size_t)json_integer_value(json_object_get(d, "size"));
	if (total > HTQ_MAX_DOCUMENTS_BYTES)
		return htq_refuse(why, HTQ_ECONFLICT, "documents", "a "
		    "submission's documents come to at most %zu MiB in all; "
		    "with this one they would be %.1f MiB",
		    HTQ_MAX_DOCUMENTS_BYTES >> 20, (double)total / 1048576.0);
	return HTQ_OK;
}

int
htq_document_add(struct htq_db *db, const struct htq_actor *a,
    const char *id, const char *name, const void *buf, size_t len,
    json_t **out, struct htq_why *why)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char sha[65];
	const char *type, *datadir = htq_db_datadir(db);
	MDB_txn *txn = NULL;
	json_t *doc = NULL, *list, *entry, *data = NULL;
	int rc;

	*out = NULL;
	if (len > HTQ_MAX_DOCUMENT)
		return htq_refuse(why, HTQ_ETOOBIG, "file", "a file is at most "
		    "%d MiB", HTQ_MAX_DOCUMENT >> 20);
	if ((rc = check_name(name, why)) != HTQ_OK ||
	    (rc = htq_document_type(buf, len, &type, why)) != HTQ_OK)
		return rc;
	if (datadir == NULL)
		return HTQ_EINVAL;
	crypto_hash_sha256(h, buf, len);
	sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
	/* Refuse early what the record would refuse, so that no refused
	 * upload writes a file; checked again below, in the transaction. */
	if ((rc = htq_submission_edit_begin(db, a, id, &txn, &doc, why)) !=
	    HTQ_OK)
		return rc;
	rc = room_for(doc, sha, len, why);
	mdb_txn_abort(txn);
	txn = NULL;
	json_decref(doc);
	doc = NULL;
	if (rc != HTQ_OK)
		return rc;
	/* The file first, durable, then the record that names it. */
	if ((rc = store_file(datadir, sha, buf, len)) != HTQ_OK)
		return rc;
	if ((rc = htq_submission_edit_begin(db, a, id, &txn, &doc, why)) !=
	    HTQ_OK)
		return rc;
	if ((rc = room_for(doc, sha, len, why)) != HTQ_OK)
		goto out;
	if ((list = json_object_get(doc, "documents")) == NULL) {
		list = json_array();
		if (list == NULL || json_object_set_new(doc, "documents",
		    list) != 0) {
			rc = HTQ_ENOMEM;
			goto out;
		}
	}
	entry = json_pack("{s:s,s:s,s:s,s:I}", "sha256", sha, "name", name,
	    "type", type, "size", (json_int_t)len);
	if (entry == NULL || json_array_append_new(list, entry) != 0) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((data = json_pack("{s:s,s:s}", "sha256", sha, "type", type)) ==
	    NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	rc = htq_submission_edit_end(db, &txn, a, doc,
	    "submission.document_added", data, out);
out:
	json_decref(data);
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	return rc;
}

int
htq_document_remove(struct htq_db *db, const struct htq_actor *a,
    const char *id, const char *sha, json_t **out, struct htq_why *why)
{
	MDB_txn *txn = NULL;
	json_t *doc = NULL, *data = NULL;
	long at;
	int rc;

	*out = NULL;
	if ((rc = htq_submission_edit_begin(db, a, id, &txn, &doc, why)) !=
	    HTQ_OK)
		return rc;
	if (sha == NULL || (at = find(doc, sha)) < 0) {
		rc = htq_refuse(why, HTQ_ENOTFOUND, "sha256", "no such "
		    "document");
		goto out;
	}
	json_array_remove(json_object_get(doc, "documents"), (size_t)at);
	if ((data = json_pack("{s:s}", "sha256", sha)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	rc = htq_submission_edit_end(db, &txn, a, doc,
	    "submission.document_removed", data, out);
out:
	json_decref(data);
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	return rc;
}

int
htq_document_get(struct htq_db *db, MDB_txn *txn, const struct htq_actor *a,
    const char *id, const char *sha, json_t **meta, char *path,
    size_t pathsz)
{
	json_t *doc = NULL;
	long at;
	int rc;

	*meta = NULL;
	switch (a->role) {
	case HTQ_ROLE_AWARDING_BODY:	/* htq_submission_load: own only */
	case HTQ_ROLE_REVIEWER:
	case HTQ_ROLE_APPROVER:
	case HTQ_ROLE_AUDITOR:
	case HTQ_ROLE_OPERATOR:
		break;
	default:			/* administrators run the service,
					 * they have no need of evidence */
		return HTQ_EPERM;
	}
	if ((rc = htq_submission_load(db, txn, a, id, &doc)) != HTQ_OK)
		return rc;
	if (sha == NULL || (at = find(doc, sha)) < 0)
		rc = HTQ_ENOTFOUND;
	else if ((rc = htq_document_path(htq_db_datadir(db), sha, path,
	    pathsz)) == HTQ_OK)
		*meta = json_incref(json_array_get(json_object_get(doc,
		    "documents"), (size_t)at));
	json_decref(doc);
	return rc;
}

/* --- what the ledger commits to --- */

static int
by_sha(const void *x, const void *y)
{
	return strcmp(sget(*(json_t *const *)x, "sha256"),
	    sget(*(json_t *const *)y, "sha256"));
}

json_t *
htq_documents_commitment(const json_t *doc)
{
	const json_t *list = json_object_get(doc, "documents");
	json_t **v, *out;
	size_t i, n = json_array_size(list);

	if ((out = json_array()) == NULL)
		return NULL;
	if (n == 0)
		return out;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	qsort(v, n, sizeof(*v), by_sha);
	for (i = 0; i < n; i++)
		if (json_array_append_new(out, json_pack("{s:O,s:O,s:O}",
		    "sha256", json_object_get(v[i], "sha256"), "size",
		    json_object_get(v[i], "size"), "type",
		    json_object_get(v[i], "type"))) != 0) {
			free(v);
			goto fail;
		}
	free(v);
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* --- garbage --- */

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int
htq_documents_sweep(struct htq_db *db, const char *datadir, size_t *removed)
{
	char top[4096], sub[4096], file[4096], want[65], *key;
	char **keep = NULL, **grown;
	size_t nkeep = 0, cap = 0, i;
	const json_t *d;
	MDB_txn *txn = NULL;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	json_t *doc;
	DIR *dt = NULL, *ds;
	struct dirent *e, *f;
	int rc;

	*removed = 0;
	if (snprintf(top, sizeof(top), "%s/documents", datadir) >=
	    (int)sizeof(top))
		return HTQ_ETOOBIG;
	if ((dt = opendir(top)) == NULL)
		return errno == ENOENT ? HTQ_OK : HTQ_EIO;
	/* every hash a submission names, whatever its state */
	if ((rc = htq_txn_read(db, &txn)) != HTQ_OK)
		goto out;
	if ((rc = htq_mdb_err(mdb_cursor_open(txn, htq_dbi(db, HTQ_T_SUB),
	    &c))) != HTQ_OK)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((doc = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL) {
			/* unreadable: keep every file rather than guess */
			rc = HTQ_EFORMAT;
			goto out;
		}
		json_array_foreach(json_object_get(doc, "documents"), i, d) {
			if (nkeep == cap) {
				cap = cap ? 2 * cap : 64;
				if ((grown = realloc(keep, cap *
				    sizeof(*keep))) == NULL) {
					json_decref(doc);
					rc = HTQ_ENOMEM;
					goto out;
				}
				keep = grown;
			}
			if ((keep[nkeep] = strdup(sget(d, "sha256"))) == NULL) {
				json_decref(doc);
				rc = HTQ_ENOMEM;
				goto out;
			}
			nkeep++;
		}
		json_decref(doc);
	}
	if (rc != MDB_NOTFOUND) {
		rc = htq_mdb_err(rc);
		goto out;
	}
	rc = HTQ_OK;
	if (nkeep > 0)
		qsort(keep, nkeep, sizeof(*keep), cmp_str);
	while ((e = readdir(dt)) != NULL) {
		if (strlen(e->d_name) != 2 || strspn(e->d_name,
		    "0123456789abcdef") != 2)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", top, e->d_name) >=
		    (int)sizeof(sub) || (ds = opendir(sub)) == NULL)
			continue;
		while ((f = readdir(ds)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(want, sizeof(want), "%s%.62s", e->d_name,
			    f->d_name);
			key = want;
			if (strlen(f->d_name) == 62 && strspn(f->d_name,
			    "0123456789abcdef") == 62 && nkeep > 0 &&
			    bsearch(&key, keep, nkeep, sizeof(*keep),
			    cmp_str) != NULL)
				continue;
			if (snprintf(file, sizeof(file), "%s/%s", sub,
			    f->d_name) < (int)sizeof(file) &&
			    unlink(file) == 0)
				(*removed)++;
		}
		closedir(ds);
	}
out:
	if (c != NULL)
		mdb_cursor_close(c);
	if (txn != NULL)
		mdb_txn_abort(txn);
	closedir(dt);
	for (i = 0; i < nkeep; i++)
		free(keep[i]);
	free(keep);
	return rc;
}
