/*
 * publish.c - the ledger as static files (C2SP tlog-tiles) that nginx,
 * or any static host or CDN, serves with no FastCGI at all.
 *
 * Layout under <datadir>/public (docs/ledger.md "Static files"):
 *   ledger/checkpoint                 the signed checkpoint (aud_checkpoint)
 *   ledger/tile/<L>/<N>[.p/<W>]       hash tiles, height 8
 *   ledger/tile/entries/<N>[.p/<W>]   entry bundles (uint16 length || bytes)
 *   .well-known/htq-ledger-keys       verifier keys, one a line, newest last
 *   .well-known/htq-policy            the trust policy (htqctl ledger policy)
 *   marks/<id>/bundle.json            a mark's proof bundle (checkpoint of
 *                                     the publish that wrote it: may lag)
 *   marks/<id>/badge.svg              its badge, with a QR code
 *   marks/<id>/credential.json        its Open Badges 3.0 credential
 *                                     (credential.c, docs/credentials.md)
 *   credentials/status.json           the revocation status list
 *                                     credential, rewritten by the
 *                                     publish of the commit that revokes
 *   issuer.json                       the credentials' issuer Profile
 *   verify/<id>/index.html            its page, the facts without JS
 *   register/index.html, register/<n>/index.html
 *                                     every mark, revoked ones included,
 *                                     100 a page
 *   standards/<ref>.json              GET /api/v1/standards/{ref}'s
 *                                     answer (the latest version)
 *
 * Every file is written under a fresh temporary name and renamed, so a
 * reader sees a whole old file or a whole new one.  Full tiles and
 * bundles never change again and are served as immutable for a year:
 * they are fsynced before the rename.  The checkpoint and partial tiles
 * are replaced on every commit and served with a short max-age: they
 * are renamed without an fsync (they are derived, and superseded by the
 * next commit's), and start-up rewrites any that a power failure lost
 * (HTQ_PUBLISH_REBUILD, then one syncfs).
 * HTQ_PUBLISH_FSYNC=all syncs every file.  An operator who wants these
 * short-lived files in memory mounts a tmpfs over <datadir>/public.
 *
 * The checkpoint is written last, and only when every other file its
 * entries change was written: the published checkpoint's size is what
 * the publisher last published successfully.  A publish that fails
 * (disk full, an unwritable folder) leaves the checkpoint where it was,
 * so the next publish (the next commit's, or a worker's check every HTQ_PUBLISH_CHECK s) starts
 * from there again and rewrites every file that is behind.
 *
 * Publishers (each worker after its own commits, htqctl after its own,
 * the master at start-up) take an flock on public/.lock and publish the
 * log as their read transaction sees it, which is at least as new as
 * anything committed before they asked: a slower publisher finds the
 * checkpoint already at its size and writes nothing, and none ever puts
 * an older checkpoint over a newer one.
 */
#define _GNU_SOURCE	/* syncfs */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "publish.h"
#include <sodium.h>

#include "pages.h"
#include "aud.h"
#include "credential.h"
#include "domain.h"

/* Largest file we publish: a full bundle of the largest entries. */
#define PUB_MAX_FILE	((size_t)AUD_TILE_WIDTH * (AUD_MAX_ENTRY + 2))

struct pub {
	struct htq_db	*db;
	MDB_txn		*txn;
	char		 root[4096];	/* <datadir>/public */
	int		 verify;	/* compare with what is there first */
	int		 check;		/* only compare, and report */
	char		 url[HTQ_MAX_URL + 2]; /* badges' base, "": not read */
	void		(*report)(void *, const char *rel);
	void		*rctx;
	size_t		 ndiff;		/* files check found different */
	int		 sync_all;	/* HTQ_PUBLISH_FSYNC=all */
	uint64_t	 size;		/* the log size published */
	uint8_t		*buf;		/* the file being built */
	size_t		 bufcap;
	uint8_t		*old;		/* what is there, for comparing */
	size_t		 oldcap;
	struct htq_policy policy;	/* pages' trust policy, json NULL: not read */
	struct htq_ckey	 ckey;		/* credentials' key, once a publish */
	int		 ckey_state;	/* 0 not read, 1 loaded, -1 none */
};

int
htq_public_dir(const char *datadir, char *buf, size_t bufsz)
{
	int n = snprintf(buf, bufsz, "%s/public", datadir);

	return n < 0 || (size_t)n >= bufsz ? HTQ_EINVAL : HTQ_OK;
}

/* Grow *b to at least need bytes. */
static int
reserve(uint8_t **b, size_t *cap, size_t need)
{
	uint8_t *nb;

	if (need <= *cap)
		return HTQ_OK;
	if (need < 2 * *cap)
		need = 2 * *cap;
	if (need < 65536)
		need = 65536;
	if ((nb = realloc(*b, need)) == NULL)
		return HTQ_ENOMEM;
	*b = nb;
	*cap = need;
	return HTQ_OK;
}

/* mkdir -p of the folders of root/rel (not its last part). */
static int
make_parents(const char *root, const char *rel)
{
	char path[4096 + AUD_TILE_PATH + 64];
	size_t i, base = strlen(root) + 1;
	int n = snprintf(path, sizeof(path), "%s/%s", root, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return HTQ_EINVAL;
	for (i = base; path[i] != '\0'; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return HTQ_EIO;
		path[i] = '/';
	}
	return HTQ_OK;
}

/* Read up to cap bytes of a file: -1 when absent or unreadable. */
static ssize_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)got < cap &&
	    (n = read(fd, buf + got, cap - (size_t)got)) > 0)
		got += n;
	close(fd);
	return got;
}

/* Check mode: one more file that is not as the database says. */
static void
differs(struct pub *p, const char *rel)
{
	p->ndiff++;
	if (p->report != NULL)
		p->report(p->rctx, rel);
}

/*
 * Write root/rel with data, atomically (temporary name, rename); sync it
 * first when asked.  In verify mode a file that already holds exactly
 * these bytes is left alone; in check mode nothing is written, and a
 * file that does not hold them is reported.
 */
static int
put_file(struct pub *p, const char *rel, const void *data, size_t len,
    int sync, int verify)
{
	char path[4096 + AUD_TILE_PATH + 64];
	struct htq_atomic a;
	ssize_t have;
	int n, rc;

	n = snprintf(path, sizeof(path), "%s/%s", p->root, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return HTQ_EINVAL;
	if (verify || p->check) {
		if ((rc = reserve(&p->old, &p->oldcap, len + 1)) != HTQ_OK)
			return rc;
		have = read_file(path, p->old, len + 1);
		if (have >= 0 && (size_t)have == len &&
		    memcmp(p->old, data, len) == 0)
			return HTQ_OK;
		if (p->check) {
			differs(p, rel);
			return HTQ_OK;
		}
	}
	rc = htq_atomic_open(path, 0644, &a);
	if (rc == HTQ_EIO && errno == ENOENT &&
	    (rc = make_parents(p->root, rel)) == HTQ_OK)
		rc = htq_atomic_open(path, 0644, &a);
	if (rc != HTQ_OK)
		return rc;
	if (len > 0 && fwrite(data, 1, len, a.f) != len) {
		htq_atomic_abort(&a);
		return HTQ_EIO;
	}
	return htq_atomic_finish(&a, sync || p->sync_all);
}

/* A full tile supersedes its partial ones: remove root/rel.p/. */
static void
drop_partials(struct pub *p, const char *rel)
{
	char dir[4096 + AUD_TILE_PATH + 64], f[sizeof(dir) + 16];
	struct dirent *de;
	DIR *d;
	int n;

	n = snprintf(dir, sizeof(dir), "%s/%s.p", p->root, rel);
	if (p->check || n < 0 || (size_t)n >= sizeof(dir) ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n = snprintf(f, sizeof(f), "%s/%s", dir, de->d_name);
		if (n > 0 && (size_t)n < sizeof(f))
			(void)unlink(f);
	}
	closedir(d);
	(void)rmdir(dir);
}

/* aud_tiles_changed callback: build one tile's bytes and write them. */
static int
put_tile(void *ctx, const struct aud_tile *t)
{
	struct pub *p = ctx;
	struct aud_log *log = htq_db_log(p->db);
	char rel[8 + AUD_TILE_PATH];
	const uint8_t *sig;
	const char *e;
	uint64_t first;
	size_t len = 0, elen;
	unsigned i;
	int level, rc;

	memcpy(rel, "ledger/", 7);
	if ((rc = aud_tile_path(t, rel + 7, sizeof(rel) - 7)) != AUD_OK)
		return rc;
	aud_tile_span(t, &level, &first);
	if (t->level == AUD_TILE_ENTRIES) {
		for (i = 0; i < t->w; i++) {
			if ((rc = aud_entry_get(log, p->txn, first + i, &e,
			    &elen, &sig)) != AUD_OK)
				return rc;
			if (elen == 0 || elen > 0xffff ||
			    elen + 2 > PUB_MAX_FILE - len)
				return HTQ_ETOOBIG;
			if ((rc = reserve(&p->buf, &p->bufcap, len + 2 + elen))
			    != HTQ_OK)
				return rc;
			p->buf[len++] = (uint8_t)(elen >> 8);
			p->buf[len++] = (uint8_t)elen;
			memcpy(p->buf + len, e, elen);
			len += elen;
		}
	} else {
		if ((rc = reserve(&p->buf, &p->bufcap, (size_t)AUD_TILE_WIDTH *
		    AUD_HASH)) != HTQ_OK)
			return rc;
		if ((rc = aud_subtree_hashes(log, p->txn, level, first, t->w,
		    (aud_hash *)p->buf)) != AUD_OK)
			return rc;
		len = (size_t)t->w * AUD_HASH;
	}
	if ((rc = put_file(p, rel, p->buf, len, t->w == AUD_TILE_WIDTH,
	    p->verify)) != HTQ_OK)
		return rc;
	if (t->w == AUD_TILE_WIDTH)
		drop_partials(p, rel);
	return HTQ_OK;
}

/* 1 if url is an http(s) URL of printable characters that need no
 * escaping, at most HTQ_MAX_URL bytes. */
static int
url_valid(const char *url)
{
	size_t i, n = strlen(url);

	if (n > HTQ_MAX_URL || (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= ' ' ||
		    (unsigned char)url[i] >= 0x7f ||
		    strchr("\"'<>\\", url[i]) != NULL)
			return 0;
	return 1;
}

int
htq_public_url_set(const char *datadir, const char *url)
{
	char path[4096];
	struct htq_atomic a;
	int rc, n;

	if (!url_valid(url))
		return HTQ_EINVAL;
	n = snprintf(path, sizeof(path), "%s/run/public-url", datadir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return HTQ_EINVAL;
	if ((rc = htq_atomic_open(path, 0644, &a)) != HTQ_OK)
		return rc;
	if (fprintf(a.f, "%s\n", url) < 0) {
		htq_atomic_abort(&a);
		return HTQ_EIO;
	}
	return htq_atomic_commit(&a);
}

/*
 * The public base URL the badges' QR codes point at, into buf (without a
 * trailing '/'): the one the server was started with (htq_public_url_set),
 * so that every publisher, htqctl too, draws the same badge; else the
 * address scripts/run.sh serves by default.
 */
static void
public_url(struct pub *p, char *buf, size_t bufsz)
{
	char path[4096 + 32];
	FILE *f;
	size_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/run/public-url",
	    htq_db_datadir(p->db));
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, (int)bufsz, f) == NULL)
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
	}
	if (!url_valid(buf))
		snprintf(buf, bufsz, "http://127.0.0.1:8080");
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
}

/*
 * Check mode, a mark's bundle: a bundle is proven against the checkpoint
 * of the publish that wrote it, which may be older than the log's, so
 * what must match is what it proves: the mark with its status, the
 * award's entry, signature and index, and the revocation's.
 */
static int
same_proven(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "entry", "sig", "index" };
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_equal(json_object_get(a, keys[i]),
		    json_object_get(b, keys[i])))
			return 0;
	return 1;
}

static void
check_bundle(struct pub *p, const char *rel, const json_t *want)
{
	char path[4096 + 64 + AUD_MAX_SUBJECT];
	json_t *have;

	snprintf(path, sizeof(path), "%s/%s", p->root, rel);
	have = json_load_file(path, 0, NULL);
	if (have == NULL || !json_equal(json_object_get(have, "mark"),
	    json_object_get(want, "mark")) || !same_proven(have, want) ||
	    !same_proven(json_object_get(have, "revocation"),
	    json_object_get(want, "revocation")))
		differs(p, rel);
	json_decref(have);
}

/* The witnesses of <datadir>/witnesses into a page's policy:
 * "witnesses": [vkey, ...], "quorum", "max_age"; nothing without. */
static int
policy_witnesses(struct htq_db *db, json_t *pol)
{
	struct htq_witnesses *ws;
	char why[512];
	json_t *a;
	size_t i;
	int rc = HTQ_OK;

	if ((ws = malloc(sizeof(*ws))) == NULL)
		return HTQ_ENOMEM;
	if (htq_witnesses_load(htq_db_datadir(db), ws, why, sizeof(why)) !=
	    HTQ_OK || ws->n == 0)
		goto out;	/* a bad file stops the server at start */
	if ((a = json_array()) == NULL ||
	    json_object_set_new(pol, "witnesses", a) != 0) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	for (i = 0; i < ws->n; i++)
		if (json_array_append_new(a, json_string(ws->w[i].vkey)) != 0)
			rc = HTQ_ENOMEM;
	if (json_object_set_new(pol, "quorum", json_integer(ws->quorum)) != 0 ||
	    json_object_set_new(pol, "max_age", json_integer(ws->max_age)) != 0)
		rc = HTQ_ENOMEM;
out:
	free(ws);
	return rc;
}

int
htq_policy_text(struct htq_db *db, MDB_txn *txn, char **out)
{
	struct htq_witnesses *ws;
	char why[512], *buf = NULL;
	const char *text, *line, *nl;
	size_t len, sz = 0, i;
	FILE *f;
	int rc;

	if ((rc = aud_keys(htq_db_log(db), txn, &text, &len)) != HTQ_OK)
		return rc;
	if ((ws = malloc(sizeof(*ws))) == NULL)
		return HTQ_ENOMEM;
	if ((rc = htq_witnesses_load(htq_db_datadir(db), ws, why,
	    sizeof(why))) != HTQ_OK) {
		fprintf(stderr, "htq: %s\n", why);
		free(ws);
		return rc;
	}
	if ((f = open_memstream(&buf, &sz)) == NULL) {
		free(ws);
		return HTQ_ENOMEM;
	}
	fprintf(f, "# htq verifier policy (docs/ledger.md 6.7)\norigin %s\n",
	    aud_log_origin(htq_db_log(db)));
	for (line = text; line < text + len; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(text + len - line))) ==
		    NULL)
			nl = text + len;
		if (nl > line)
			fprintf(f, "key %.*s\n", (int)(nl - line), line);
	}
	for (i = 0; i < ws->n; i++)
		fprintf(f, "witness %s\n", ws->w[i].vkey);
	if (ws->n > 0)
		fprintf(f, "quorum %u\nmax_age %u\n", ws->quorum,
		    ws->max_age);
	free(ws);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return HTQ_ENOMEM;
	}
	fclose(f);
	*out = buf;
	return HTQ_OK;
}

/*
 * The trust policy the verify pages and the standalone verifier carry
 * (docs/ledger.md, "Verifying in a browser"): the log's origin and its
 * verifier keys, oldest first, as they are when this publish runs (a
 * key.rotated entry rewrites every page), and the newest key's
 * fingerprint: the first 16 bytes of SHA-256 over its verifier key
 * string, in hex, in groups of four.  Read once a publish, when a page
 * needs it; p->policy.json stays NULL when there is no key yet.
 */
static int
load_policy(struct pub *p)
{
	const char *text, *line, *nl, *last = NULL;
	unsigned char h[crypto_hash_sha256_BYTES];
	size_t len, n, lastn = 0, i, o;
	json_t *keys;
	int rc;

	if (p->policy.json != NULL)
		return HTQ_OK;
	if ((rc = aud_keys(htq_db_log(p->db), p->txn, &text, &len)) != HTQ_OK)
		return rc == HTQ_ENOTFOUND ? HTQ_OK : rc;
	if ((keys = json_array()) == NULL)
		return HTQ_ENOMEM;
	for (line = text; line < text + len; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(text + len - line))) == NULL)
			nl = text + len;
		n = (size_t)(nl - line);
		if (n > 0 && json_array_append_new(keys,
		    json_stringn(line, n)) != 0) {
			json_decref(keys);
			return HTQ_ENOMEM;
		}
		if (n > 0) {
			last = line;
			lastn = n;
		}
	}
	if (last == NULL) {
		json_decref(keys);
		return HTQ_OK;
	}
	p->policy.json = json_pack("{s:s,s:o}", "origin",
	    aud_log_origin(htq_db_log(p->db)), "keys", keys);
	if (p->policy.json == NULL)
		return HTQ_ENOMEM;
	if ((rc = policy_witnesses(p->db, p->policy.json)) != HTQ_OK)
		return rc;
	crypto_hash_sha256(h, (const unsigned char *)last, lastn);
	for (i = 0, o = 0; i < 16; i++) {
		if (i > 0 && i % 2 == 0)
			p->policy.fingerprint[o++] = ' ';
		snprintf(p->policy.fingerprint + o, 3, "%02x", h[i]);
		o += 2;
	}
	return HTQ_OK;
}

/*
 * The standalone verifier (htq-verifier.html, built by make from
 * scripts/verifier.html into www/) with this instance's policy written
 * into its placeholder: one file that checks a bundle with no network.
 * Nothing is written when the build has no such file or there is no key.
 */
#define VERIFIER_MARK	"<script type=\"application/json\" id=\"htq-policy\">null</script>"
static int
put_verifier(struct pub *p)
{
	char path[4096 + 64], *pol = NULL, *out = NULL, *at;
	FILE *f = NULL;
	long sz;
	size_t n, plen;
	int rc = HTQ_OK;

	if ((rc = load_policy(p)) != HTQ_OK || p->policy.json == NULL)
		return rc;
	snprintf(path, sizeof(path), "%s/www/htq-verifier.html",
	    htq_db_datadir(p->db));
	if ((f = fopen(path, "rb")) == NULL)
		return HTQ_OK;
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    (size_t)sz > PUB_MAX_FILE || fseek(f, 0, SEEK_SET) != 0) {
		rc = HTQ_EIO;
		goto out;
	}
	if ((pol = json_dumps(p->policy.json, JSON_COMPACT |
	    JSON_ESCAPE_SLASH)) == NULL ||
	    (out = malloc((size_t)sz + strlen(pol) + 1)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((n = fread(out, 1, (size_t)sz, f)) != (size_t)sz) {
		rc = HTQ_EIO;
		goto out;
	}
	out[n] = '\0';
	if ((at = strstr(out, VERIFIER_MARK)) == NULL)
		goto out;	/* not our template: leave it */
	at += strlen(VERIFIER_MARK) - strlen("null</script>");
	plen = strlen(pol);
	memmove(at + plen, at + 4, strlen(at + 4) + 1);
	memcpy(at, pol, plen);
	rc = put_file(p, "htq-verifier.html", out, strlen(out), 0, 1);
out:
	if (f != NULL)
		fclose(f);
	free(pol);
	free(out);
	return rc;
}

/*
 * The credentials' signing key, read once a publish: without one (a data
 * directory that htqctl init has not seen since credentials came) no
 * credential is written, and a key file that cannot be used is said on
 * stderr; neither stops the ledger's files.
 */
static int
have_ckey(struct pub *p)
{
	char path[4096];
	int rc;

	if (p->ckey_state != 0)
		return p->ckey_state > 0;
	p->ckey_state = -1;
	if (htq_key_path(htq_db_datadir(p->db), HTQ_CREDENTIAL_NAME, path,
	    sizeof(path)) != HTQ_OK)
		return 0;
	rc = htq_ckey_load(path, &p->ckey);
	if (rc == HTQ_OK)
		p->ckey_state = 1;
	else if (rc != HTQ_ENOTFOUND)
		fprintf(stderr, "htq: credential key %s: %s; no credential "
		    "published\n", path, htq_strerror(rc));
	if (p->url[0] == '\0')
		public_url(p, p->url, sizeof(p->url));
	return p->ckey_state > 0;
}

/* Write a document as compact JSON (keys in the order built). */
static int
put_json(struct pub *p, const char *rel, const json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	int rc;

	if (text == NULL)
		return HTQ_ENOMEM;
	rc = put_file(p, rel, text, strlen(text), 0, 1);
	free(text);
	return rc;
}

/* marks/<id>/credential.json from the mark's bundle. */
static int
put_credential(struct pub *p, const char *id, const json_t *bundle)
{
	char rel[64 + AUD_MAX_SUBJECT];
	json_t *c;
	int rc;

	if (!have_ckey(p))
		return HTQ_OK;
	if ((rc = htq_credential_make(bundle, p->url,
	    aud_log_origin(htq_db_log(p->db)), &p->ckey, &c)) != HTQ_OK)
		return rc;
	snprintf(rel, sizeof(rel), "marks/%s/credential.json", id);
	rc = put_json(p, rel, c);
	json_decref(c);
	return rc;
}

/*
 * credentials/status.json, the revocation list: one bit per ledger index,
 * set at the mark.awarded index of each revoked mark (so a credential's
 * statusListIndex is the award's index), as long as the largest award's
 * index needs; and issuer.json.  items: every mark (register).
 */
static int
put_status(struct pub *p, const json_t *items)
{
	const json_t *item;
	uint64_t *rev = NULL, seq, max = 0;
	size_t i, n = 0;
	json_t *doc = NULL;
	int rc = HTQ_OK;

	if (!have_ckey(p))
		return HTQ_OK;
	if (json_array_size(items) > 0 && (rev = calloc(json_array_size(items),
	    sizeof(*rev))) == NULL)
		return HTQ_ENOMEM;
	json_array_foreach(items, i, item) {
		const char *id = json_string_value(json_object_get(item,
		    "mark_id"));

		if (id == NULL || (rc = htq_mark_seq(p->db, p->txn, id, 'a',
		    &seq)) != HTQ_OK) {
			rc = rc == HTQ_OK ? HTQ_EFORMAT : rc;
			goto out;
		}
		if (seq > max)
			max = seq;
		if (strcmp(json_string_value(json_object_get(item, "status")) ?
		    json_string_value(json_object_get(item, "status")) : "",
		    "revoked") == 0)
			rev[n++] = seq;
	}
	if ((rc = htq_status_list_make(rev, n, htq_status_list_bits(max),
	    p->url, &p->ckey, &doc)) != HTQ_OK ||
	    (rc = put_json(p, "credentials/status.json", doc)) != HTQ_OK)
		goto out;
	json_decref(doc);
	doc = NULL;
	if ((rc = htq_issuer_profile(p->url, &p->ckey, &doc)) == HTQ_OK)
		rc = put_json(p, "issuer.json", doc);
out:
	json_decref(doc);
	free(rev);
	return rc;
}

/*
 * One mark's static files: marks/<id>/bundle.json (the bundle proven
 * against the checkpoint this publish writes; the API's is fresher),
 * marks/<id>/badge.svg and verify/<id>/index.html.
 */
static int
put_mark(struct pub *p, const char *id, const json_t *assets)
{
	char rel[64 + AUD_MAX_SUBJECT], url[1024 + AUD_MAX_SUBJECT], *text = NULL;
	json_t *b = NULL;
	size_t len;
	int rc;

	if (!htq_mark_id_valid(id))
		return HTQ_OK;		/* not a mark subject: nothing to do */
	if ((rc = htq_mark_bundle(p->db, p->txn, id, &b)) != HTQ_OK)
		return rc == HTQ_ENOTFOUND ? HTQ_OK : rc;
	if ((text = json_dumps(b, JSON_COMPACT)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	snprintf(rel, sizeof(rel), "marks/%s/bundle.json", id);
	if (p->check)
		check_bundle(p, rel, b);
	else if ((rc = put_file(p, rel, text, strlen(text), 0, 1)) != HTQ_OK)
		goto out;
	free(text);
	text = NULL;
	if (p->url[0] == '\0')		/* once a publish, when a mark needs it */
		public_url(p, p->url, sizeof(p->url));
	snprintf(url, sizeof(url), "%s/verify/%s", p->url, id);
	if ((rc = load_policy(p)) != HTQ_OK)
		goto out;
	if ((rc = htq_badge_svg(json_object_get(b, "mark"), url,
	    p->policy.fingerprint, &text, &len)) != HTQ_OK)
		goto out;
	snprintf(rel, sizeof(rel), "marks/%s/badge.svg", id);
	if ((rc = put_file(p, rel, text, len, 0, 1)) != HTQ_OK)
		goto out;
	free(text);
	text = NULL;
	if ((rc = htq_verify_html(json_object_get(b, "mark"), assets,
	    &p->policy, &text, &len)) != HTQ_OK)
		goto out;
	snprintf(rel, sizeof(rel), "verify/%s/index.html", id);
	if ((rc = put_file(p, rel, text, len, 0, 1)) != HTQ_OK)
		goto out;
	free(text);
	text = NULL;
	rc = put_credential(p, id, b);
out:
	free(text);
	json_decref(b);
	return rc;
}

/*
 * standards/<ref>.json: what GET /api/v1/standards/{ref} answers (the
 * latest version, the stored bytes), which nginx serves for such a
 * request with no query; removed when the catalogue has no such ref.
 */
static int
put_standard(struct pub *p, const char *ref)
{
	char rel[64], path[4096 + 64];
	const char *json;
	size_t len;
	int rc;

	if (!htq_ref_valid(ref))
		return HTQ_OK;
	snprintf(rel, sizeof(rel), "standards/%s.json", ref);
	rc = htq_standard_get(p->db, p->txn, ref, NULL, &json, &len);
	if (rc == HTQ_ENOTFOUND) {
		snprintf(path, sizeof(path), "%s/%s", p->root, rel);
		if (p->check) {
			if (access(path, F_OK) == 0)
				differs(p, rel);
			return HTQ_OK;
		}
		return unlink(path) == 0 || errno == ENOENT ? HTQ_OK : HTQ_EIO;
	}
	if (rc != HTQ_OK)
		return rc;
	return put_file(p, rel, json, len, 0, 1);
}

/*
 * Publishing from scratch: every standard's file, and none other.
 */
static int
put_standards(struct pub *p)
{
	char ref[AUD_MAX_SUBJECT + 1], path[4096 + 64];
	struct dirent *d;
	MDB_cursor *c;
	MDB_val k, v;
	size_t len;
	DIR *dir;
	int rc, op;

	if ((rc = mdb_cursor_open(p->txn, htq_dbi(p->db, HTQ_T_STD_LATEST),
	    &c)) != 0)
		return htq_mdb_err(rc);
	for (op = MDB_FIRST; rc == HTQ_OK &&
	    mdb_cursor_get(c, &k, &v, op) == 0; op = MDB_NEXT)
		if (k.mv_size < sizeof(ref)) {
			memcpy(ref, k.mv_data, k.mv_size);
			ref[k.mv_size] = '\0';
			rc = put_standard(p, ref);
		}
	mdb_cursor_close(c);
	snprintf(path, sizeof(path), "%s/standards", p->root);
	if (rc != HTQ_OK || (dir = opendir(path)) == NULL)
		return rc;
	while (rc == HTQ_OK && (d = readdir(dir)) != NULL) {
		len = strlen(d->d_name);
		if (len < 6 || len - 5 >= sizeof(ref) ||
		    strcmp(d->d_name + len - 5, ".json") != 0)
			continue;
		memcpy(ref, d->d_name, len - 5);
		ref[len - 5] = '\0';
		rc = put_standard(p, ref);	/* removes it if none */
	}
	closedir(dir);
	return rc;
}

/*
 * The files entries old .. size-1 change.  The marks they award or revoke
 * get their files rewritten, and then the register page (all marks, in
 * id order).  A key.rotated entry rewrites every mark's files: a bundle's
 * checkpoint must be signed by the newest key for verifiers to accept it.
 * The standards they import or decide eligibility for (every change to
 * the catalogue appends such an entry) get theirs rewritten; publishing
 * from scratch (old 0) writes every mark's files once and every
 * standard's.
 */
static int
put_derived(struct pub *p, uint64_t old, uint64_t size)
{
	struct htq_register_filter all;
	struct aud_log *log = htq_db_log(p->db);
	struct aud_entry e;
	char why[128], path[4096 + 64], *text = NULL;
	const uint8_t *sig;
	const char *bytes;
	json_t *assets, *reg = NULL, *item, *items;
	char rel[64];
	uint64_t seq;
	size_t len, i, page;
	int rc = HTQ_OK, any = 0, rotated = 0;

	/* the hashed asset names, read only when a page is to be written */
	snprintf(path, sizeof(path), "%s/www/assets-manifest.json",
	    htq_db_datadir(p->db));
	assets = NULL;
	for (seq = old; seq < size; seq++) {
		if ((rc = aud_entry_get(log, p->txn, seq, &bytes, &len, &sig))
		    != AUD_OK ||
		    (rc = aud_entry_parse(bytes, len, &e, why, sizeof(why))) !=
		    AUD_OK)
			goto out;
		if (strcmp(e.type, "key.rotated") == 0)
			rotated = 1;
		if (strncmp(e.type, "standard.", 9) == 0) {
			/* subject "ST0116@1.2" (imported) or "ST0116" */
			e.subject[strcspn(e.subject, "@")] = '\0';
			if ((rc = put_standard(p, e.subject)) != HTQ_OK)
				goto out;
			continue;
		}
		/* from scratch, every mark once, from the register below */
		if (strncmp(e.type, "mark.", 5) != 0 || rotated || old == 0)
			continue;
		if (!any)
			assets = json_load_file(path, 0, NULL);
		any = 1;
		if ((rc = put_mark(p, e.subject, assets)) != HTQ_OK)
			goto out;
	}
	if (old == 0 && (rc = put_standards(p)) != HTQ_OK)
		goto out;
	if ((old == 0 || rotated) && (rc = put_verifier(p)) != HTQ_OK)
		goto out;
	if (!any && !rotated && old > 0)
		goto out;
	if (assets == NULL)
		assets = json_load_file(path, 0, NULL);
	memset(&all, 0, sizeof(all));
	if ((rc = htq_register_list(p->db, p->txn, &all, &reg)) != HTQ_OK)
		goto out;
	json_array_foreach(rotated || old == 0 ? json_object_get(reg, "items") :
	    NULL, i, item)
		if ((rc = put_mark(p, json_string_value(json_object_get(item,
		    "mark_id")), assets)) != HTQ_OK)
			goto out;
	/* every page names the total, so all are written (a page that
	 * came out the same is left alone) */
	items = json_object_get(reg, "items");
	if ((rc = put_status(p, items)) != HTQ_OK)
		goto out;
	for (page = 1; rc == HTQ_OK && (page == 1 || (page - 1) *
	    HTQ_REGISTER_PAGE < json_array_size(items)); page++) {
		if (page == 1)
			snprintf(rel, sizeof(rel), "register/index.html");
		else
			snprintf(rel, sizeof(rel), "register/%zu/index.html",
			    page);
		free(text);
		text = NULL;
		if ((rc = htq_register_html(items, page, assets, &text, &len))
		    == HTQ_OK)
			rc = put_file(p, rel, text, len, 0, 1);
	}
out:
	free(text);
	json_decref(reg);
	json_decref(assets);
	return rc;
}

/*
 * The size in the published checkpoint, if it is a checkpoint of this
 * log's origin; -1 otherwise (none, unreadable, another log).
 */
static long long
published_size(struct pub *p, const char *origin)
{
	char path[4096 + 32], o[AUD_MAX_ORIGIN + 1], *sep;
	uint8_t buf[AUD_MAX_NOTE + 1];
	uint64_t size;
	aud_hash root;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/ledger/checkpoint", p->root);
	if ((n = read_file(path, buf, AUD_MAX_NOTE)) <= 0)
		return -1;
	buf[n] = '\0';
	if ((sep = strstr((char *)buf, "\n\n")) == NULL ||
	    aud_checkpoint_parse((char *)buf, (size_t)(sep - (char *)buf) + 1,
	    o, sizeof(o), &size, root) != AUD_OK || strcmp(o, origin) != 0 ||
	    size > (uint64_t)INT64_MAX)
		return -1;
	return (long long)size;
}

/* The verifier keys file (rewritten only when the key list changed: a
 * key rotation). */
static int
put_keys(struct pub *p)
{
	const char *text;
	size_t len;
	int rc = aud_keys(htq_db_log(p->db), p->txn, &text, &len);

	if (rc != HTQ_OK)
		return rc;
	return put_file(p, ".well-known/htq-ledger-keys", text, len, 0, 1);
}

/* The instance's trust policy as htqctl ledger policy prints it (origin,
 * keys, the witness rule): for tools that read it from the host, as the
 * portal's ledger page does, and say so (a verifier brings its own). */
static int
put_policy(struct pub *p)
{
	char *text = NULL;
	int rc = htq_policy_text(p->db, p->txn, &text);

	if (rc == HTQ_OK)
		rc = put_file(p, ".well-known/htq-policy", text, strlen(text),
		    0, 1);
	free(text);
	return rc;
}

/*
 * The checkpoint file's text for the log's signed note: the note, and
 * the witnesses' cosignature lines the published file has that verify
 * for this very body (a rebuild of the same checkpoint keeps them; a new
 * body starts with none; cosign.c adds them).
 */
static int
with_cosigs(struct pub *p, const char *note, size_t len, char **out,
    size_t *outlen)
{
	struct htq_witnesses *ws;
	char path[4096 + 32], why[512], *sep, *extra = NULL, *pool = NULL;
	uint8_t *cur;
	size_t sigs, elen = 0;
	ssize_t n;
	int rc;

	if ((ws = malloc(sizeof(*ws))) == NULL ||
	    (cur = malloc(AUD_MAX_NOTE + 1)) == NULL) {
		free(ws);
		return HTQ_ENOMEM;
	}
	if (htq_witnesses_load(htq_db_datadir(p->db), ws, why, sizeof(why)) !=
	    HTQ_OK)
		ws->n = 0;		/* the server refuses to start so */
	snprintf(path, sizeof(path), "%s/ledger/checkpoint", p->root);
	n = ws->n > 0 ? read_file(path, cur, AUD_MAX_NOTE) : -1;
	if (n < 0)
		n = 0;
	cur[n] = '\0';
	sep = strstr((char *)cur, "\n\n");
	/* only lines over this very body can stay: another (a commit's new
	 * checkpoint) keeps none, and no signature need be checked */
	if (sep != NULL && ((size_t)(sep - (char *)cur) + 2 > len ||
	    memcmp(cur, note, (size_t)(sep - (char *)cur) + 2) != 0))
		sep = NULL;
	sigs = sep != NULL ? (size_t)((char *)cur + n - sep - 2) : 0;
	/* a rebuild (a lost or damaged file, a restore) recovers the lines
	 * from the witnesses' own copies: the same bytes as before */
	if (ws->n > 0 && p->verify && !p->check &&
	    (rc = htq_cosig_recover(ws, aud_log_origin(htq_db_log(p->db)),
	    &extra, &elen)) != HTQ_OK)
		goto out;
	if ((pool = malloc(sigs + elen + 1)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	memcpy(pool, sep != NULL ? sep + 2 : "", sigs);
	if (elen > 0)
		memcpy(pool + sigs, extra, elen);
	rc = htq_cosig_merge(ws, note, len, pool, sigs + elen, out, outlen);
out:
	free(pool);
	free(extra);
	free(cur);
	free(ws);
	return rc;
}

int
htq_checkpoint_cosigned(struct htq_db *db, MDB_txn *txn, char **out,
    size_t *outlen)
{
	struct pub p;
	const char *note;
	size_t len;
	int rc;

	memset(&p, 0, sizeof(p));
	p.db = db;
	if (htq_db_datadir(db) == NULL)
		return HTQ_EINVAL;
	if ((rc = htq_public_dir(htq_db_datadir(db), p.root,
	    sizeof(p.root))) != HTQ_OK ||
	    (rc = htq_checkpoint(db, txn, &note, &len)) != HTQ_OK)
		return rc;
	return with_cosigs(&p, note, len, out, outlen);
}

static int
publish_locked(struct pub *p, long long had, int lockfd)
{
	struct aud_log *log = htq_db_log(p->db);
	const char *note;
	char *cp = NULL;
	uint64_t size, old;
	size_t len, cplen;
	int rc;

	if ((rc = htq_txn_read(p->db, &p->txn)) != HTQ_OK)
		return rc;
	if ((rc = aud_size(log, p->txn, &size)) != HTQ_OK)
		goto out;
	p->size = size;
	if (had >= 0 && (uint64_t)had == size)
		goto out;		/* someone published this size already */
	/* nothing published, or a checkpoint larger than the log (a
	 * restored database): check every file, rewrite what differs */
	old = had >= 0 && (uint64_t)had < size ? (uint64_t)had : 0;
	p->verify = had < 0 || (uint64_t)had > size;
	/* every file the entries change, then the checkpoint that names
	 * them: any failure leaves the checkpoint where it was */
	if ((rc = aud_tiles_changed(old, size, put_tile, p)) != HTQ_OK ||
	    ((rc = put_keys(p)) != HTQ_OK && rc != HTQ_ENOTFOUND) ||
	    ((rc = put_policy(p)) != HTQ_OK && rc != HTQ_ENOTFOUND) ||
	    (rc = put_derived(p, old, size)) != HTQ_OK)
		goto out;
	rc = htq_checkpoint(p->db, p->txn, &note, &len);
	if (rc == HTQ_ECONFLICT && size == 0) {
		rc = HTQ_OK;		/* empty log, no key: nothing to sign */
		goto out;
	}
	if (rc != HTQ_OK)
		goto out;
	/* a rebuild makes every file durable before the checkpoint names
	 * them; a commit's own publish synced its full tiles already */
	if (p->verify && !p->check && syncfs(lockfd) != 0) {
		rc = HTQ_EIO;
		goto out;
	}
	if ((rc = with_cosigs(p, note, len, &cp, &cplen)) != HTQ_OK)
		goto out;
	rc = put_file(p, "ledger/checkpoint", cp, cplen, p->verify, 1);
	if (rc == HTQ_OK && p->verify && !p->check && syncfs(lockfd) != 0)
		rc = HTQ_EIO;
out:
	free(cp);
	mdb_txn_abort(p->txn);
	p->txn = NULL;
	return rc;
}

/*
 * Publish under public/.lock.  want > 0: a commit's publish, done only
 * when the published checkpoint is below want (another writer may have
 * published ours).  check: compare every file, write none.
 */
static int
publish(struct htq_db *db, unsigned flags, uint64_t want, struct pub *p)
{
	char lock[4096 + 16];
	const char *sync = getenv("HTQ_PUBLISH_FSYNC");
	long long had;
	int fd, rc;

	if (htq_db_log(db) == NULL || htq_db_datadir(db) == NULL)
		return HTQ_EINVAL;
	p->db = db;
	p->sync_all = sync != NULL && strcmp(sync, "all") == 0;
	if ((rc = htq_public_dir(htq_db_datadir(db), p->root,
	    sizeof(p->root))) !=
	    HTQ_OK)
		return rc;
	snprintf(lock, sizeof(lock), "%s/.lock", p->root);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 &&
	    errno == ENOENT && !p->check && mkdir(p->root, 0755) == 0)
		fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return HTQ_EIO;
	while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (rc != 0) {
		close(fd);
		return HTQ_EIO;
	}
	had = (flags & HTQ_PUBLISH_REBUILD) || p->check ? -1 :
	    published_size(p, aud_log_origin(htq_db_log(db)));
	if (want == 0 || had < 0 || (uint64_t)had < want)
		rc = publish_locked(p, had, fd);
	free(p->buf);
	free(p->old);
	json_decref(p->policy.json);
	p->policy.json = NULL;
	htq_ckey_free(&p->ckey);
	close(fd);		/* and the lock with it */
	return rc;
}

int
htq_publish(struct htq_db *db, unsigned flags)
{
	struct pub p;

	memset(&p, 0, sizeof(p));
	return publish(db, flags, 0, &p);
}

int
htq_publish_upto(struct htq_db *db, uint64_t size)
{
	struct pub p;

	memset(&p, 0, sizeof(p));
	return publish(db, 0, size > 0 ? size : 1, &p);
}

int
htq_publish_check(struct htq_db *db, void (*report)(void *, const char *),
    void *ctx, size_t *ndiff)
{
	struct pub p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.check = 1;
	p.report = report;
	p.rctx = ctx;
	rc = publish(db, 0, 0, &p);
	*ndiff = p.ndiff;
	return rc;
}
