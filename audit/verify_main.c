/*
 * verify_main.c - htq-verify, the auditor's offline verifier.
 *
 *   htq-verify ledger FILE|- --key KEY [--key KEY...] [--checkpoint NOTE]
 *              [--origin ORIGIN] [--jobs N]
 *   htq-verify consistency OLDNOTE NEWNOTE --proof FILE --key KEY...
 *   htq-verify bundle FILE --key KEY...
 *
 * KEY is a verifier key string (name+hexid+base64) or a file of them,
 * one per line (GET /api/v1/ledger/key).  Exit 0 when everything
 * verifies, 1 at the first failure with one line saying where and why,
 * 2 on a usage error.  Links only libsodium, Jansson and pthreads; memory
 * is O(log n) in the ledger size.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"

#define MAX_KEYS	64
#define MAX_LINE	(4 * AUD_MAX_ENTRY + 1024)
#define MAX_NOTE	4096

struct keyring {
	struct aud_vkey	 k[MAX_KEYS];
	size_t		 n;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: htq-verify ledger FILE|- --key KEY [--key KEY...] "
	    "[--checkpoint NOTE]\n"
	    "                  [--origin ORIGIN] [--jobs N]\n"
	    "       htq-verify consistency OLDNOTE NEWNOTE --proof FILE "
	    "--key KEY...\n"
	    "       htq-verify bundle FILE --key KEY...\n"
	    "\nKEY is a verifier key (name+hexid+base64) or a file of them "
	    "(one per line).\n"
	    "Exit status: 0 valid, 1 invalid (first failure on stderr), "
	    "2 usage error.\n");
}

/* Print "htq-verify: <message>" and return 1 (invalid). */
static int
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("htq-verify: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static const char *
kidhex(const uint8_t kid[AUD_KID])
{
	static char hex[2 * AUD_KID + 1];

	sodium_bin2hex(hex, sizeof(hex), kid, AUD_KID);
	return hex;
}

static int
add_key(struct keyring *kr, const struct aud_vkey *k)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (memcmp(kr->k[i].kid, k->kid, AUD_KID) == 0 &&
		    memcmp(kr->k[i].pk, k->pk, AUD_PK) == 0)
			return 0;
	if (kr->n == MAX_KEYS)
		return -1;
	kr->k[kr->n++] = *k;
	return 0;
}

/* A key string, or a file with one key per line. */
static int
load_keys(struct keyring *kr, const char *arg)
{
	struct aud_vkey k;
	char line[512];
	FILE *f;
	int got = 0;

	if (aud_vkey_parse(arg, &k) == AUD_OK)
		return add_key(kr, &k);
	if ((f = fopen(arg, "r")) == NULL) {
		fprintf(stderr, "htq-verify: %s is neither a verifier key nor "
		    "a readable file\n", arg);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (aud_vkey_parse(line, &k) != AUD_OK || add_key(kr, &k) != 0) {
			fprintf(stderr, "htq-verify: %s: bad verifier key "
			    "\"%.60s\"\n", arg, line);
			fclose(f);
			return -1;
		}
		got++;
	}
	fclose(f);
	if (got == 0) {
		fprintf(stderr, "htq-verify: %s: no keys\n", arg);
		return -1;
	}
	return 0;
}

/* Read a whole small file into a NUL-terminated buffer. */
static char *
slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;

	if (f == NULL)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL) {
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, max, f);
	buf[*len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
}

struct cp {
	char		 origin[AUD_MAX_ORIGIN + 1];
	uint64_t	 size;
	aud_hash	 root;
	size_t		 key;	/* index in the keyring */
};

/* Verify a signed checkpoint note and parse its body. */
static int
read_note(const char *note, size_t len, const struct keyring *kr,
    struct cp *cp, char *why, size_t whysz)
{
	size_t blen;
	int rc;

	if ((rc = aud_note_verify(note, len, kr->k, kr->n, &blen, &cp->key,
	    why, whysz)) != AUD_OK)
		return rc;
	if (aud_checkpoint_parse(note, blen, cp->origin, sizeof(cp->origin),
	    &cp->size, cp->root) != AUD_OK) {
		snprintf(why, whysz, "signed text is not a checkpoint");
		return AUD_EFORMAT;
	}
	return AUD_OK;
}

/* --- parallel signature checks ---
 *
 * The main thread parses, chains and hashes; signature checks, the bulk
 * of the work, go to worker threads in batches (one lock round trip per
 * BATCH entries).  Each batch holds "htq-ledger-entry/v1\n" || entry for
 * its entries in one arena, so workers verify without copying.  Batches
 * are recycled through a free list: memory stays bounded.
 */

#define BATCH		16
#define NBATCH		32	/* batches in flight or free */
#define ARENA		(BATCH * 1024)

struct batch {
	size_t		 n, used;
	uint64_t	 seq[BATCH];
	uint8_t		 sig[BATCH][AUD_SIG];
	uint8_t		 pk[BATCH][AUD_PK];
	uint8_t		 kid[BATCH][AUD_KID];
	size_t		 off[BATCH], len[BATCH];
	uint8_t		*arena;
	size_t		 cap;
};

struct pool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 more, room;
	struct batch	*full[NBATCH], *free[NBATCH];
	size_t		 nfull, nfree, head;
	int		 done;
	int		 helps;		/* the main thread verifies too */
	uint64_t	 bad_seq;	/* UINT64_MAX: none */
	uint8_t		 bad_kid[AUD_KID];
	struct batch	*cur;		/* being filled by the main thread */
	struct batch	 all[NBATCH];
};

/* Check every signature of a batch, then put it back on the free list. */
static void
verify_batch(struct pool *p, struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (crypto_sign_verify_detached(b->sig[i], b->arena + b->off[i],
		    b->len[i], b->pk[i]) == 0)
			continue;
		pthread_mutex_lock(&p->mu);
		if (b->seq[i] < p->bad_seq) {
			p->bad_seq = b->seq[i];
			memcpy(p->bad_kid, b->kid[i], AUD_KID);
		}
		pthread_mutex_unlock(&p->mu);
		break;	/* later entries of this batch do not matter */
	}
	pthread_mutex_lock(&p->mu);
	b->n = b->used = 0;
	p->free[p->nfree++] = b;
	pthread_cond_signal(&p->room);
	pthread_mutex_unlock(&p->mu);
}

/* Take the oldest full batch; the caller holds the lock. */
static struct batch *
take(struct pool *p)
{
	struct batch *b = p->full[p->head];

	p->head = (p->head + 1) % NBATCH;
	p->nfull--;
	return b;
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct batch *b;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->nfull == 0 && !p->done)
			pthread_cond_wait(&p->more, &p->mu);
		if (p->nfull == 0) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		b = take(p);
		pthread_mutex_unlock(&p->mu);
		verify_batch(p, b);
	}
}

static int
pool_init(struct pool *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->room, NULL);
	p->bad_seq = UINT64_MAX;
	for (i = 0; i < NBATCH; i++) {
		if ((p->all[i].arena = malloc(ARENA)) == NULL)
			return -1;
		p->all[i].cap = ARENA;
		p->free[p->nfree++] = &p->all[i];
	}
	return 0;
}

static void
pool_free(struct pool *p)
{
	size_t i;

	for (i = 0; i < NBATCH; i++)
		free(p->all[i].arena);
}

static int
pool_failed(struct pool *p)
{
	int failed;

	pthread_mutex_lock(&p->mu);
	failed = p->bad_seq != UINT64_MAX;
	pthread_mutex_unlock(&p->mu);
	return failed;
}

/* Hand the batch being filled to the workers. */
static void
flush(struct pool *p)
{
	if (p->cur == NULL || p->cur->n == 0)
		return;
	pthread_mutex_lock(&p->mu);
	p->full[(p->head + p->nfull) % NBATCH] = p->cur;
	p->nfull++;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->mu);
	p->cur = NULL;
}

/* Queue one signature check; returns AUD_ENOMEM if the entry is huge. */
static int
submit(struct pool *p, uint64_t seq, const char *entry, size_t len,
    const uint8_t sig[AUD_SIG], const struct aud_vkey *k)
{
	static const size_t clen = sizeof(AUD_ENTRY_CONTEXT) - 1;
	struct batch *b;
	uint8_t *na;

	if (p->cur != NULL && (p->cur->n == BATCH ||
	    p->cur->used + clen + len > p->cur->cap))
		flush(p);
	if (p->cur == NULL) {
		pthread_mutex_lock(&p->mu);
		while (p->nfree == 0) {
			if (p->helps && p->nfull > 0) {
				/* no free batch: verify one here rather
				 * than sleep */
				b = take(p);
				pthread_mutex_unlock(&p->mu);
				verify_batch(p, b);
				pthread_mutex_lock(&p->mu);
			} else
				pthread_cond_wait(&p->room, &p->mu);
		}
		p->cur = p->free[--p->nfree];
		pthread_mutex_unlock(&p->mu);
	}
	b = p->cur;
	if (clen + len > b->cap) {	/* one oversized entry */
		if ((na = realloc(b->arena, clen + len)) == NULL)
			return AUD_ENOMEM;
		b->arena = na;
		b->cap = clen + len;
	}
	b->seq[b->n] = seq;
	memcpy(b->sig[b->n], sig, AUD_SIG);
	memcpy(b->pk[b->n], k->pk, AUD_PK);
	memcpy(b->kid[b->n], k->kid, AUD_KID);
	b->off[b->n] = b->used;
	b->len[b->n] = clen + len;
	memcpy(b->arena + b->used, AUD_ENTRY_CONTEXT, clen);
	memcpy(b->arena + b->used + clen, entry, len);
	b->used += clen + len;
	b->n++;
	return AUD_OK;
}

/* --- the ledger export --- */

struct ledger_state {
	struct keyring	*kr;
	struct aud_vkey	 cur;		/* key signing the next entry */
	int		 have_cur;
	struct aud_range range;
	aud_hash	 prev;
	uint64_t	 seq;
	struct cp	 extra;		/* --checkpoint, if any */
	int		 have_extra;
	aud_hash	 extra_root;	/* our root at extra.size */
	struct pool	*pool;
	int		 jobs;
	int		 tty;
};

/* Apply a key.rotated entry: its data names the next key. */
static int
rotate(struct ledger_state *st, const char *entry, size_t len, char *why,
    size_t whysz)
{
	struct aud_vkey nk;
	json_t *e, *nks;

	e = json_loadb(entry, len, JSON_REJECT_DUPLICATES, NULL);
	nks = json_object_get(json_object_get(e, "data"), "new_key");
	if (!json_is_string(nks) || aud_vkey_parse(json_string_value(nks),
	    &nk) != AUD_OK) {
		json_decref(e);
		snprintf(why, whysz, "key.rotated entry does not name a valid "
		    "new key");
		return AUD_EFORMAT;
	}
	json_decref(e);
	if (add_key(st->kr, &nk) != 0) {
		snprintf(why, whysz, "too many keys");
		return AUD_ETOOBIG;
	}
	st->cur = nk;
	return AUD_OK;
}

/*
 * Check one entry line: seq, chain, key, shape; hash it into the tree;
 * check or queue its signature.  why names the problem.
 */
static int
check_entry(struct ledger_state *st, json_t *line, char *why, size_t whysz)
{
	struct aud_entry_head h;
	json_t *jseq = json_object_get(line, "seq");
	json_t *jent = json_object_get(line, "entry");
	json_t *jsig = json_object_get(line, "sig");
	const char *entry;
	uint8_t sig[AUD_SIG];
	size_t len, slen, i;
	aud_hash leaf;

	if (!json_is_integer(jseq) || !json_is_string(jent) ||
	    !json_is_string(jsig) || json_object_size(line) != 3) {
		snprintf(why, whysz, "line is not {\"seq\",\"entry\",\"sig\"}");
		return AUD_EFORMAT;
	}
	if ((uint64_t)json_integer_value(jseq) != st->seq) {
		snprintf(why, whysz, "expected seq %llu, found %lld (entry "
		    "missing, duplicated or out of order)",
		    (unsigned long long)st->seq,
		    (long long)json_integer_value(jseq));
		return AUD_EVERIFY;
	}
	entry = json_string_value(jent);
	len = json_string_length(jent);
	if (sodium_base642bin(sig, sizeof(sig), json_string_value(jsig),
	    json_string_length(jsig), NULL, &slen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || slen != AUD_SIG) {
		snprintf(why, whysz, "signature is not 64 bytes of base64");
		return AUD_EFORMAT;
	}
	if (aud_entry_head(entry, len, &h, why, whysz) != AUD_OK)
		return AUD_EFORMAT;
	if (h.seq != st->seq) {
		snprintf(why, whysz, "entry says seq %llu",
		    (unsigned long long)h.seq);
		return AUD_EVERIFY;
	}
	if (sodium_memcmp(h.prev, st->prev, AUD_HASH) != 0) {
		snprintf(why, whysz, "prev does not match the hash of entry "
		    "%lld (chain broken)", (long long)st->seq - 1);
		return AUD_EVERIFY;
	}
	if (!st->have_cur) {	/* the first entry picks the starting key */
		for (i = 0; i < st->kr->n; i++)
			if (memcmp(st->kr->k[i].kid, h.kid, AUD_KID) == 0)
				break;
		if (i == st->kr->n) {
			snprintf(why, whysz, "signed with key %s, which is not "
			    "one of the given keys", kidhex(h.kid));
			return AUD_EVERIFY;
		}
		st->cur = st->kr->k[i];
		st->have_cur = 1;
	}
	if (memcmp(h.kid, st->cur.kid, AUD_KID) != 0) {
		snprintf(why, whysz, "signed with key %s, but the current key "
		    "is %s", kidhex(h.kid), kidhex(st->cur.kid));
		return AUD_EVERIFY;
	}
	aud_leaf_hash(entry, len, leaf);
	aud_range_append(&st->range, leaf);
	memcpy(st->prev, leaf, AUD_HASH);
	if (submit(st->pool, st->seq, entry, len, sig, &st->cur) != AUD_OK) {
		snprintf(why, whysz, "out of memory");
		return AUD_ENOMEM;
	}
	/* A rotation is signed by the old key (checked above or queued);
	 * later entries must use the key it names. */
	if (strcmp(h.type, "key.rotated") == 0 &&
	    rotate(st, entry, len, why, whysz) != AUD_OK)
		return AUD_EFORMAT;
	st->seq++;
	if (st->have_extra && st->range.size == st->extra.size)
		aud_range_root(&st->range, st->extra_root);
	return AUD_OK;
}

/* The last line: the log's signed checkpoint for exactly these entries. */
static int
check_final(struct ledger_state *st, const char *note, size_t len,
    const char *origin, char *why, size_t whysz)
{
	struct keyring cur = { .n = 1 };
	struct cp cp;
	aud_hash root;

	cur.k[0] = st->cur;
	if (!st->have_cur && st->kr->n > 0)
		cur.k[0] = st->kr->k[0];
	if (read_note(note, len, &cur, &cp, why, whysz) != AUD_OK)
		return AUD_EVERIFY;
	if (strcmp(cp.origin, origin) != 0) {
		snprintf(why, whysz, "origin is \"%.100s\", expected \"%.100s\"",
		    cp.origin, origin);
		return AUD_EVERIFY;
	}
	if (cp.size != st->seq) {
		snprintf(why, whysz, "signed size %llu but the export has %llu "
		    "entries (truncated or padded)",
		    (unsigned long long)cp.size, (unsigned long long)st->seq);
		return AUD_EVERIFY;
	}
	aud_range_root(&st->range, root);
	if (sodium_memcmp(root, cp.root, AUD_HASH) != 0) {
		snprintf(why, whysz, "signed root does not match the entries");
		return AUD_EVERIFY;
	}
	return AUD_OK;
}

static void
progress(const struct ledger_state *st)
{
	if (st->tty && st->seq % 65536 == 0)
		fprintf(stderr, "\rverified %llu entries",
		    (unsigned long long)st->seq);
}

static int
cmd_ledger(int argc, char **argv)
{
	static struct keyring kr;
	struct ledger_state st;
	struct pool pool;
	pthread_t th[64];
	const char *path = NULL, *cpfile = NULL, *origin = NULL;
	char *line = NULL, why[320], *note;
	size_t cap = 0, nlen;
	ssize_t n;
	json_t *j = NULL, *jcp;
	FILE *f;
	int i, rc = 1, finished = 0, nthreads = 0, where_seq = 1;
	uint64_t lineno = 0;

	memset(&st, 0, sizeof(st));
	st.kr = &kr;
	st.jobs = 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			if (load_keys(&kr, argv[++i]) != 0)
				return 2;
		} else if (strcmp(argv[i], "--checkpoint") == 0 && i + 1 < argc)
			cpfile = argv[++i];
		else if (strcmp(argv[i], "--origin") == 0 && i + 1 < argc)
			origin = argv[++i];
		else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
			st.jobs = atoi(argv[++i]);
			if (st.jobs < 1 || st.jobs > 64) {
				usage();
				return 2;
			}
		} else if (path == NULL && (argv[i][0] != '-' ||
		    strcmp(argv[i], "-") == 0))
			path = argv[i];
		else {
			usage();
			return 2;
		}
	}
	if (path == NULL || kr.n == 0) {
		usage();
		return 2;
	}
	if (origin == NULL)
		origin = kr.k[0].name;
	if (cpfile != NULL) {
		if ((note = slurp(cpfile, MAX_NOTE, &nlen)) == NULL)
			return fail("%s: %s", cpfile, strerror(errno));
		rc = read_note(note, nlen, &kr, &st.extra, why, sizeof(why));
		free(note);
		if (rc != AUD_OK)
			return fail("checkpoint %s: %s", cpfile, why);
		st.have_extra = 1;
		if (st.extra.size == 0)
			aud_empty_root(st.extra_root);
	}
	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		fprintf(stderr, "htq-verify: %s: %s\n", path, strerror(errno));
		return 2;
	}
	aud_range_init(&st.range);
	st.tty = isatty(STDERR_FILENO);
	/* --jobs 1: one thread checks signatures while this one parses.
	 * --jobs N: N-1 threads, and this one checks signatures too
	 * whenever the queue is full, so N threads verify and no core
	 * idles. */
	if (pool_init(&pool) != 0)
		return fail("out of memory");
	pool.helps = st.jobs > 1;
	for (i = 0; i < (st.jobs > 1 ? st.jobs - 1 : 1); i++)
		if (pthread_create(&th[i], NULL, worker, &pool) == 0)
			nthreads++;
	if (nthreads == 0)
		return fail("cannot start threads");
	st.pool = &pool;
	why[0] = '\0';
	rc = AUD_OK;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (finished) {
			snprintf(why, sizeof(why), "line %llu: data after the "
			    "checkpoint line", (unsigned long long)lineno);
			rc = AUD_EFORMAT;
			where_seq = 0;
			break;
		}
		if (n > MAX_LINE) {
			snprintf(why, sizeof(why), "line too long");
			rc = AUD_ETOOBIG;
			break;
		}
		j = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(j)) {
			snprintf(why, sizeof(why), "line is not a JSON object");
			rc = AUD_EFORMAT;
			break;
		}
		if ((jcp = json_object_get(j, "checkpoint")) != NULL) {
			finished = 1;
			where_seq = 0;
			if (!json_is_string(jcp)) {
				snprintf(why, sizeof(why), "checkpoint: not a "
				    "string");
				rc = AUD_EFORMAT;
				break;
			}
			rc = check_final(&st, json_string_value(jcp),
			    json_string_length(jcp), origin, why, sizeof(why));
			if (rc != AUD_OK)
				break;
		} else if ((rc = check_entry(&st, j, why, sizeof(why))) !=
		    AUD_OK)
			break;
		json_decref(j);
		j = NULL;
		progress(&st);
		if ((st.seq & (BATCH - 1)) == 0 && pool_failed(&pool))
			break;	/* a signature already failed */
	}
	json_decref(j);
	free(line);
	if (f != stdin)
		fclose(f);
	if (st.tty)
		fputc('\r', stderr);
	{
		flush(&pool);
		pthread_mutex_lock(&pool.mu);
		pool.done = 1;
		pthread_cond_broadcast(&pool.more);
		pthread_mutex_unlock(&pool.mu);
		for (i = 0; i < nthreads; i++)
			pthread_join(th[i], NULL);
		pool_free(&pool);
		/* the earliest failure wins, whichever thread found it */
		if (pool.bad_seq != UINT64_MAX &&
		    (rc == AUD_OK || !where_seq || pool.bad_seq <= st.seq))
			return fail("entry %llu: signature does not verify "
			    "with key %s", (unsigned long long)pool.bad_seq,
			    kidhex(pool.bad_kid));
	}
	if (rc != AUD_OK) {
		if (where_seq && !finished)
			return fail("entry %llu: %s",
			    (unsigned long long)st.seq, why);
		return fail("%s%s", finished ? "checkpoint: " : "", why);
	}
	if (!finished)
		return fail("export ends after %llu entries without a "
		    "checkpoint line (truncated)", (unsigned long long)st.seq);
	if (st.have_extra) {
		if (st.extra.size > st.seq)
			return fail("checkpoint %s is for %llu entries but the "
			    "export has %llu: the export is older (truncated or "
			    "rolled back)", cpfile,
			    (unsigned long long)st.extra.size,
			    (unsigned long long)st.seq);
		if (sodium_memcmp(st.extra_root, st.extra.root, AUD_HASH) != 0)
			return fail("checkpoint %s: its root for %llu entries "
			    "differs from this export's (history rewritten)",
			    cpfile, (unsigned long long)st.extra.size);
	}
	{
		aud_hash root;
		char b64[64];

		aud_range_root(&st.range, root);
		sodium_bin2base64(b64, sizeof(b64), root, AUD_HASH,
		    sodium_base64_VARIANT_ORIGINAL);
		printf("ledger valid: %llu entries, root %s, key %s\n",
		    (unsigned long long)st.seq, b64, st.have_cur ?
		    kidhex(st.cur.kid) : kidhex(kr.k[0].kid));
	}
	return 0;
}

/* Decode a JSON array of base64 hashes. */
static int
read_hashes(json_t *arr, aud_hash *out, size_t *n)
{
	json_t *h;
	size_t i, len;

	if (!json_is_array(arr) || json_array_size(arr) > AUD_MAX_PROOF)
		return -1;
	json_array_foreach(arr, i, h) {
		if (!json_is_string(h) || sodium_base642bin(out[i], AUD_HASH,
		    json_string_value(h), json_string_length(h), NULL, &len,
		    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    len != AUD_HASH)
			return -1;
	}
	*n = json_array_size(arr);
	return 0;
}

static int
parse_keys_args(struct keyring *kr, int argc, char **argv, int first,
    const char **pos, int npos, const char **proof)
{
	int i, k = 0;

	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			if (load_keys(kr, argv[++i]) != 0)
				return -1;
		} else if (proof && strcmp(argv[i], "--proof") == 0 &&
		    i + 1 < argc)
			*proof = argv[++i];
		else if (k < npos && argv[i][0] != '-')
			pos[k++] = argv[i];
		else
			return -1;
	}
	return k == npos && kr->n > 0 && (proof == NULL || *proof) ? 0 : -1;
}

static int
cmd_consistency(int argc, char **argv)
{
	static struct keyring kr;
	const char *pos[2], *proof = NULL;
	struct cp a, b;
	char *buf, why[256];
	aud_hash hashes[AUD_MAX_PROOF];
	size_t len, n;
	json_t *p;
	int i;

	if (parse_keys_args(&kr, argc, argv, 1, pos, 2, &proof) != 0) {
		usage();
		return 2;
	}
	for (i = 0; i < 2; i++) {
		if ((buf = slurp(pos[i], MAX_NOTE, &len)) == NULL)
			return fail("%s: %s", pos[i], strerror(errno));
		if (read_note(buf, len, &kr, i ? &b : &a, why, sizeof(why)) !=
		    AUD_OK) {
			free(buf);
			return fail("%s: %s", pos[i], why);
		}
		free(buf);
	}
	if (strcmp(a.origin, b.origin) != 0)
		return fail("the checkpoints are for different logs (%s, %s)",
		    a.origin, b.origin);
	if (b.size < a.size)
		return fail("rollback: %s has %llu entries, fewer than %s's %llu",
		    pos[1], (unsigned long long)b.size, pos[0],
		    (unsigned long long)a.size);
	if ((buf = slurp(proof, 65536, &len)) == NULL)
		return fail("%s: %s", proof, strerror(errno));
	p = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (!json_is_integer(json_object_get(p, "old")) ||
	    !json_is_integer(json_object_get(p, "new")) ||
	    read_hashes(json_object_get(p, "hashes"), hashes, &n) != 0) {
		json_decref(p);
		return fail("%s: not a consistency proof", proof);
	}
	if ((uint64_t)json_integer_value(json_object_get(p, "old")) != a.size ||
	    (uint64_t)json_integer_value(json_object_get(p, "new")) != b.size) {
		json_decref(p);
		return fail("%s: proof is for other tree sizes", proof);
	}
	json_decref(p);
	if (aud_verify_consistency(a.size, b.size, a.root, b.root, hashes, n) !=
	    AUD_OK)
		return fail("%s does not extend %s: history was rewritten",
		    pos[1], pos[0]);
	printf("consistent: %llu entries extend to %llu\n",
	    (unsigned long long)a.size, (unsigned long long)b.size);
	return 0;
}

static int
cmd_bundle(int argc, char **argv)
{
	static struct keyring kr;
	struct aud_entry_head h;
	const char *pos[1];
	char *buf, why[256];
	aud_hash proof[AUD_MAX_PROOF], leaf;
	uint8_t sig[AUD_SIG];
	size_t len, n, slen, i;
	struct cp cp;
	json_t *b, *je, *js, *ji, *jc;
	int rc = 1;

	if (parse_keys_args(&kr, argc, argv, 1, pos, 1, NULL) != 0) {
		usage();
		return 2;
	}
	if ((buf = slurp(pos[0], 1 << 20, &len)) == NULL)
		return fail("%s: %s", pos[0], strerror(errno));
	b = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	je = json_object_get(b, "entry");
	js = json_object_get(b, "sig");
	ji = json_object_get(b, "index");
	jc = json_object_get(b, "checkpoint");
	if (!json_is_string(je) || !json_is_string(js) ||
	    !json_is_integer(ji) || !json_is_string(jc) ||
	    read_hashes(json_object_get(b, "proof"), proof, &n) != 0) {
		rc = fail("%s: not a bundle (entry, sig, index, proof, "
		    "checkpoint)", pos[0]);
		goto out;
	}
	if (read_note(json_string_value(jc), json_string_length(jc), &kr, &cp,
	    why, sizeof(why)) != AUD_OK) {
		rc = fail("checkpoint: %s", why);
		goto out;
	}
	if (aud_entry_head(json_string_value(je), json_string_length(je), &h,
	    why, sizeof(why)) != AUD_OK) {
		rc = fail("entry: %s", why);
		goto out;
	}
	if ((uint64_t)json_integer_value(ji) != h.seq) {
		rc = fail("entry: index %lld but the entry says seq %llu",
		    (long long)json_integer_value(ji),
		    (unsigned long long)h.seq);
		goto out;
	}
	for (i = 0; i < kr.n; i++)
		if (memcmp(kr.k[i].kid, h.kid, AUD_KID) == 0)
			break;
	if (i == kr.n) {
		rc = fail("entry %llu: signed with unknown key %s",
		    (unsigned long long)h.seq, kidhex(h.kid));
		goto out;
	}
	if (sodium_base642bin(sig, sizeof(sig), json_string_value(js),
	    json_string_length(js), NULL, &slen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || slen != AUD_SIG ||
	    aud_entry_verify(kr.k[i].pk, json_string_value(je),
	    json_string_length(je), sig) != AUD_OK) {
		rc = fail("entry %llu: signature does not verify with key %s",
		    (unsigned long long)h.seq, kidhex(h.kid));
		goto out;
	}
	aud_leaf_hash(json_string_value(je), json_string_length(je), leaf);
	if (aud_verify_inclusion(h.seq, cp.size, leaf, proof, n, cp.root) !=
	    AUD_OK) {
		rc = fail("entry %llu: not included in the checkpoint of %llu "
		    "entries", (unsigned long long)h.seq,
		    (unsigned long long)cp.size);
		goto out;
	}
	printf("bundle valid: entry %llu (%s) is in the ledger of %llu "
	    "entries signed by %s\n", (unsigned long long)h.seq, h.type,
	    (unsigned long long)cp.size, kidhex(kr.k[cp.key].kid));
	rc = 0;
out:
	json_decref(b);
	return rc;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "htq-verify: libsodium failed to start\n");
		return 2;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage();
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "ledger") == 0)
		return cmd_ledger(argc - 1, argv + 1);
	if (strcmp(argv[1], "consistency") == 0)
		return cmd_consistency(argc - 1, argv + 1);
	if (strcmp(argv[1], "bundle") == 0)
		return cmd_bundle(argc - 1, argv + 1);
	usage();
	return 2;
}
