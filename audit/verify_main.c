/*
 * verify_main.c - htq-verify, the auditor's offline verifier.
 *
 *   htq-verify ledger FILE|- (--key KEY... | --policy FILE)
 *              [--checkpoint NOTE] [--origin ORIGIN] [--jobs N]
 *   htq-verify consistency OLDNOTE NEWNOTE --proof FILE
 *              (--key KEY... | --policy FILE) [--origin ORIGIN]
 *   htq-verify bundle FILE (--key KEY... | --policy FILE) [--origin ORIGIN]
 *   htq-verify mark BUNDLE (--key KEY... | --policy FILE) [--origin ORIGIN]
 *              [--entries EXPORT|TILE-FOLDER|URL]
 *              [--bundle-checkpoint-is-latest]
 *   htq-verify document [FILE...] --entries EXPORT (--key KEY... |
 *              --policy FILE) [--origin ORIGIN]
 *              (is each FILE committed to by a submission.submitted?)
 *   htq-verify monitor URL --policy FILE --state FILE
 *              [--organisation NAME] [--once] [--interval SECONDS]
 *              (monitor.c)
 *
 * KEY is a verifier key string (name+hexid+base64) or a file of them,
 * one per line, oldest first (GET /api/v1/ledger/key); a policy file
 * gives the origin and the keys (docs/ledger.md 6.7).  Exit 0 when
 * everything verifies (for a mark: genuine and not revoked as of the
 * log's latest checkpoint), 1 at the first failure with one line saying
 * where and why, 2 on a usage error, 3 for a genuine bundle whose mark
 * is revoked, 4 for a mark whose award is proved but whose revocation
 * could not be checked (no --entries, or a read failed: the line says
 * which step).  A policy with witness lines also requires a quorum of its
 * witnesses' fresh cosignatures on the log's latest checkpoint (the
 * export's, NEWNOTE, the tiles' or the bundle's taken as the latest):
 * without it ledger and consistency exit 1 and mark exits 4 (could not
 * check).  docs/ledger.md section 6 is the contract this implements.
 * Links only libsodium, Jansson and pthreads; memory is bounded: one
 * line buffer of AUD_MAX_LINE bytes, O(log n) for the tree, and one key
 * per rotation.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"
#include "verify.h"

#define EXIT_REVOKED	3
#define EXIT_UNCHECKED	4	/* award proved, revocation not checked */

/* An ordered list of keys; grows as needed (one entry per key). */
struct keyring {
	struct aud_vkey	*k;
	size_t		 n, cap;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: htq-verify ledger FILE|- TRUST [--checkpoint NOTE] "
	    "[--jobs N]\n"
	    "       htq-verify consistency OLDNOTE NEWNOTE --proof FILE "
	    "TRUST\n"
	    "       htq-verify bundle FILE TRUST\n"
	    "       htq-verify mark BUNDLE TRUST "
	    "[--entries EXPORT|TILE-FOLDER|URL]\n"
	    "                  [--bundle-checkpoint-is-latest]\n"
	    "       htq-verify document [FILE...] --entries EXPORT TRUST\n"
	    "       htq-verify monitor URL|FOLDER --policy FILE --state FILE\n"
	    "                  [--organisation NAME] [--once] "
	    "[--interval SECONDS]\n"
	    "\nTRUST is --policy FILE (origin and keys, docs/ledger.md 6.7) "
	    "or --key KEY...\n[--origin ORIGIN]; KEY is a verifier key "
	    "(name+hexid+base64) or a file of them\n(one per line, oldest "
	    "first).\n"
	    "Exit status: 0 valid (a mark: genuine and not revoked as of the "
	    "log's latest\ncheckpoint), 1 invalid (first failure on stderr), "
	    "2 usage error, 3 genuine but\nthe mark is revoked, 4 the mark's "
	    "award is proved but its revocation was not\nchecked (no "
	    "--entries, or a read failed; the output says which step).\n"
	    "mark --entries reads the log's export (every entry, keys followed "
	    "from the first),\nor its static tiles (the folder holding tile/ "
	    "and checkpoint, or their URL,\nread with curl) up to their "
	    "checkpoint, which must be signed by the newest key.\n"
	    "A policy with witness lines also needs a quorum of fresh "
	    "cosignatures on the\nlatest checkpoint (docs/ledger.md 6.7): "
	    "without it ledger and consistency exit 1,\nmark exits 4.\n"
	    "monitor (docs/ledger.md 6.8) prints each award, revocation and "
	    "withdrawal as the\nlog grows; exit 1 could not check (with "
	    "--once), 3 ALARM: the log forked or\nwas rolled back.\n");
}

/* Print "htq-verify: <message>" and return 1 (invalid). */
int
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

/* Hex of a key id into the caller's buffer (one per value printed). */
const char *
kidhex(const uint8_t kid[AUD_KID], char out[2 * AUD_KID + 1])
{
	sodium_bin2hex(out, 2 * AUD_KID + 1, kid, AUD_KID);
	return out;
}

static int
same_key(const struct aud_vkey *a, const struct aud_vkey *b)
{
	return memcmp(a->pk, b->pk, AUD_PK) == 0 &&
	    memcmp(a->kid, b->kid, AUD_KID) == 0 &&
	    strcmp(a->name, b->name) == 0;
}

/* Append k (a key already in the ring is not added twice). */
static int
add_key(struct keyring *kr, const struct aud_vkey *k)
{
	struct aud_vkey *nk;
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (same_key(&kr->k[i], k))
			return 0;
	if (kr->n == kr->cap) {
		if ((nk = realloc(kr->k, (kr->cap ? 2 * kr->cap : 4) *
		    sizeof(*nk))) == NULL)
			return -1;
		kr->k = nk;
		kr->cap = kr->cap ? 2 * kr->cap : 4;
	}
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
	int got = 0, rc = -1;

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
			goto out;
		}
		got++;
	}
	if (ferror(f))
		fprintf(stderr, "htq-verify: %s: read error\n", arg);
	else if (got == 0)
		fprintf(stderr, "htq-verify: %s: no keys\n", arg);
	else
		rc = 0;
out:
	fclose(f);
	return rc;
}

/*
 * The trust root from a policy file (docs/ledger.md 6.7): its keys, oldest
 * first, become the trusted list and its origin the expected one.  The
 * origin is kept in static storage (one policy per run).
 */
/* The policy read (NULL with --key): its witnesses, quorum, max_age. */
static const struct aud_policy	*trust;

static int
load_policy(struct keyring *kr, const char *path, const char **origin)
{
	static struct aud_policy p;
	char *text, why[256];
	size_t len, i;

	if ((text = slurp(path, AUD_MAX_POLICY, &len, why, sizeof(why))) ==
	    NULL) {
		fprintf(stderr, "htq-verify: policy %s: %s\n", path, why);
		return -1;
	}
	if (aud_policy_parse(text, len, &p, why, sizeof(why)) != AUD_OK) {
		fprintf(stderr, "htq-verify: policy %s: %s\n", path, why);
		free(text);
		return -1;
	}
	free(text);
	for (i = 0; i < p.nkeys; i++)
		if (add_key(kr, &p.keys[i]) != 0)
			return -1;
	*origin = p.origin;
	trust = &p;
	return 0;
}

/* "2026-12-07T06:48:17Z" into out. */
const char *
isotime(uint64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%llu", (unsigned long long)t);
	return out;
}

/*
 * The witness rule (docs/ledger.md 6.7) on the log's latest checkpoint
 * note, at the verifier's clock: 0 when the policy names no witness or a
 * quorum cosigned it in time (*when is then the time that quorum vouches
 * for, 0 without witnesses); -1 with why ("not witnessed (quorum K of N
 * within S s): <each missing witness>") otherwise.
 */
static int
witnessed(const char *note, size_t len, uint64_t *when, char *why,
    size_t whysz)
{
	char w[3000];

	*when = 0;
	if (trust == NULL || trust->nwitnesses == 0)
		return 0;
	if (aud_policy_cosigned(trust, note, len, (uint64_t)time(NULL), when,
	    w, sizeof(w)) == AUD_OK)
		return 0;
	snprintf(why, whysz, "not witnessed (quorum %zu of %zu within %llu "
	    "s): %s", trust->quorum, trust->nwitnesses,
	    (unsigned long long)trust->max_age, w);
	return -1;
}

/* "; witnessed at TIME (quorum K of N)" for a proved time, "" without
 * witnesses. */
static const char *
witness_words(uint64_t when, char out[96])
{
	char iso[32];

	out[0] = '\0';
	if (trust != NULL && trust->nwitnesses > 0)
		snprintf(out, 96, "; witnessed at %s (quorum %zu of %zu)",
		    isotime(when, iso), trust->quorum, trust->nwitnesses);
	return out;
}

/*
 * Read a whole small file (at most max bytes) into a NUL-terminated
 * buffer.  NULL with why set when it cannot be read, is larger, or a
 * read fails.
 */
char *
slurp(const char *path, size_t max, size_t *len, char *why, size_t whysz)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;

	if (f == NULL) {
		snprintf(why, whysz, "%s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(max + 2)) == NULL) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	*len = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		snprintf(why, whysz, "read error: %s", strerror(errno));
		free(buf);
		buf = NULL;
	} else if (*len > max) {
		snprintf(why, whysz, "larger than %zu bytes", max);
		free(buf);
		buf = NULL;
	} else
		buf[*len] = '\0';
out:
	if (f != stdin)
		fclose(f);
	return buf;
}

/*
 * Verify a signed checkpoint note with keys (nkeys 0: only check that it
 * is well formed) and parse its body; the origin must be origin.
 */
int
read_note(const char *note, size_t len, const struct aud_vkey *keys,
    size_t nkeys, const char *origin, struct cp *cp, char *why, size_t whysz)
{
	size_t blen;
	int rc;

	rc = aud_note_verify(note, len, keys, nkeys, &blen, &cp->key, why,
	    whysz);
	if (rc == AUD_EFORMAT || (rc != AUD_OK && nkeys > 0))
		return rc;
	if (aud_checkpoint_parse(note, blen, cp->origin, sizeof(cp->origin),
	    &cp->size, cp->root) != AUD_OK) {
		snprintf(why, whysz, "signed text is not a checkpoint");
		return AUD_EFORMAT;
	}
	if (strcmp(cp->origin, origin) != 0) {
		snprintf(why, whysz, "origin is \"%.100s\", expected \"%.100s\"",
		    cp->origin, origin);
		return AUD_EVERIFY;
	}
	return AUD_OK;
}

/* --- reading the export: lines of bounded length --- */

struct lines {
	FILE		*f;
	char		*buf;		/* AUD_MAX_LINE + 1 bytes */
	size_t		 start, end;	/* unread bytes */
	int		 eof;
	uint64_t	 lineno;
};

enum { LINE_OK, LINE_EOF, LINE_LONG, LINE_ERROR };

/* Refill: move the unread bytes down and read more.  -1 on error. */
static int
lines_fill(struct lines *r)
{
	size_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	n = fread(r->buf + r->end, 1, AUD_MAX_LINE + 1 - r->end, r->f);
	r->end += n;
	if (n == 0) {
		if (ferror(r->f))
			return -1;
		r->eof = 1;
	}
	return 0;
}

/*
 * The next line without its '\n' (a last line may lack it).  A line
 * longer than AUD_MAX_LINE is LINE_LONG as soon as that many bytes were
 * read; every read error is LINE_ERROR (errno set), never an end.
 */
static int
lines_next(struct lines *r, char **line, size_t *len)
{
	char *nl;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start += *len + 1;
			r->lineno++;
			return LINE_OK;
		}
		if (r->end - r->start > AUD_MAX_LINE)
			return LINE_LONG;
		if (r->eof) {
			if (r->end == r->start)
				return LINE_EOF;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			r->lineno++;
			return LINE_OK;
		}
		if (lines_fill(r) != 0)
			return LINE_ERROR;
	}
}

/* 1 if any byte follows, 0 at the end, -1 on a read error. */
static int
lines_more(struct lines *r)
{
	while (r->start == r->end && !r->eof)
		if (lines_fill(r) != 0)
			return -1;
	return r->start < r->end;
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

/*
 * What mark mode learns from the log it reads (docs/ledger.md 6.5): the
 * award found again at its index, the first later mark.revoked of the
 * mark, the bundle's checkpoint met on the way.  Owned by cmd_mark.
 */
struct scan {
	const char	*mark;		/* the mark id (award's subject) */
	uint64_t	 award;		/* the award's index */
	aud_hash	 award_leaf;	/* and its leaf hash, as the bundle has it */
	const struct cp	*bcp;		/* the bundle's checkpoint (tiles) */
	int		 bcp_met;	/* its root was found at its size */
	uint64_t	 read;		/* entries read after the award */
	char		 last_time[21];	/* time of the last entry read */
	int		 revoked;	/* a mark.revoked for mark was seen */
	uint64_t	 rseq;
	char		 rtime[21];
	char		 reason[128];
	char		 unchecked[4096]; /* why revocation could not be checked */
};

/*
 * Document mode: the files asked about (their SHA-256 and size), each
 * with the first submission.submitted entry whose "documents" commits to
 * it; with no files, every commitment is printed as it is read.
 */
struct docfile {
	const char	*path;
	char		 sha[65];
	uint64_t	 size;
	int		 found;
	uint64_t	 seq;
	char		 subject[AUD_MAX_SUBJECT + 1];
	char		 time[21];
	char		 type[16];
};
struct docscan {
	struct docfile	*f;
	size_t		 n;
	uint64_t	 listed;	/* commitments seen (no files given) */
};

static void	doc_seen(struct docscan *, const struct aud_entry *);

static int	scan_seen(struct scan *, const struct aud_range *,
		    const struct aud_entry *, const aud_hash, char *, size_t);

struct ledger_state {
	struct keyring	*trusted;	/* --key, in order */
	struct keyring	 chain;		/* trusted[0], then each rotation's */
	const char	*origin;
	struct aud_range range;
	aud_hash	 prev;
	uint64_t	 seq;
	struct cp	 extra;		/* --checkpoint, if any */
	int		 have_extra;
	aud_hash	 extra_root;	/* our root at extra.size */
	size_t		 extra_key;	/* chain key current at extra.size */
	struct pool	*pool;
	int		 tty;
	struct scan	*scan;		/* mark mode: what it looks for */
	struct docscan	*docs;		/* document mode: the files' hashes */
	struct cp	 final;		/* the export's checkpoint */
	char		*final_note;	/* its text (malloc'd) */
	size_t		 final_len;
};

static const struct aud_vkey *
current(const struct ledger_state *st)
{
	return &st->chain.k[st->chain.n - 1];
}

/*
 * Apply a key.rotated entry (signed by the current key: checked by the
 * caller).  Its data is exactly {"new_key":K,"old_key":K}; old_key is the
 * current key; new_key is a well-formed key of the same name that the
 * chain has not used; with two or more --key, it is the next key of that
 * list.
 */
static int
rotate(struct ledger_state *st, const struct aud_entry *e, char *why,
    size_t whysz)
{
	struct aud_vkey nk;
	char h1[9];
	int rc;

	if ((rc = aud_rotation_check(e, st->chain.k, st->chain.n, &nk, why,
	    whysz)) != AUD_OK)
		return rc;
	if (st->trusted->n > 1 && (st->chain.n >= st->trusted->n ||
	    !same_key(&st->trusted->k[st->chain.n], &nk))) {
		snprintf(why, whysz, "key.rotated: new_key %s is not the next "
		    "key of the trusted list", kidhex(nk.kid, h1));
		return AUD_EVERIFY;
	}
	if (add_key(&st->chain, &nk) != 0) {
		snprintf(why, whysz, "out of memory");
		return AUD_ENOMEM;
	}
	return AUD_OK;
}

/*
 * Check one entry line: its shape, seq, the entry's canonical form, the
 * chain, the key; hash it into the tree; queue its signature.
 */
static int
check_entry(struct ledger_state *st, json_t *line, char *why, size_t whysz)
{
	struct aud_entry e;
	json_t *jseq = json_object_get(line, "seq");
	json_t *jent = json_object_get(line, "entry");
	json_t *jsig = json_object_get(line, "sig");
	const struct aud_vkey *cur = current(st);
	const char *entry;
	uint8_t sig[AUD_SIG];
	size_t len, slen;
	aud_hash leaf;
	char h1[9], h2[9];
	int rc;

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
	if ((rc = aud_entry_parse(entry, len, &e, why, whysz)) != AUD_OK)
		return rc;
	if (e.seq != st->seq) {
		snprintf(why, whysz, "field seq: says %llu",
		    (unsigned long long)e.seq);
		return AUD_EVERIFY;
	}
	if (sodium_memcmp(e.prev, st->prev, AUD_HASH) != 0) {
		snprintf(why, whysz, "field prev: does not match the hash of "
		    "entry %lld (chain broken)", (long long)st->seq - 1);
		return AUD_EVERIFY;
	}
	if (memcmp(e.kid, cur->kid, AUD_KID) != 0) {
		snprintf(why, whysz, "field kid: signed with key %s, but the "
		    "current key is %s", kidhex(e.kid, h1),
		    kidhex(cur->kid, h2));
		return AUD_EVERIFY;
	}
	aud_leaf_hash(entry, len, leaf);
	aud_range_append(&st->range, leaf);
	memcpy(st->prev, leaf, AUD_HASH);
	if (st->scan != NULL &&
	    (rc = scan_seen(st->scan, &st->range, &e, leaf, why, whysz)) !=
	    AUD_OK)
		return rc;
	if (st->docs != NULL && strcmp(e.type, "submission.submitted") == 0)
		doc_seen(st->docs, &e);
	if (submit(st->pool, st->seq, entry, len, sig, cur) != AUD_OK) {
		snprintf(why, whysz, "out of memory");
		return AUD_ENOMEM;
	}
	/* A rotation is signed by the old key (queued above); later
	 * entries must use the key it names. */
	if (strcmp(e.type, "key.rotated") == 0 &&
	    (rc = rotate(st, &e, why, whysz)) != AUD_OK)
		return rc;
	st->seq++;
	if (st->have_extra && st->range.size == st->extra.size) {
		aud_range_root(&st->range, st->extra_root);
		st->extra_key = st->chain.n - 1;
	}
	return AUD_OK;
}

/* The last line: the log's checkpoint for exactly these entries, signed
 * by the key current after the last entry. */
static int
check_final(struct ledger_state *st, const char *note, size_t len,
    char *why, size_t whysz)
{
	struct cp cp;
	aud_hash root;
	int rc;

	if ((rc = read_note(note, len, current(st), 1, st->origin, &cp, why,
	    whysz)) != AUD_OK)
		return rc;
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
	st->final = cp;
	free(st->final_note);
	if ((st->final_note = malloc(len + 1)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return AUD_ENOMEM;
	}
	memcpy(st->final_note, note, len);
	st->final_note[len] = '\0';
	st->final_len = len;
	return AUD_OK;
}

static void
progress(const struct ledger_state *st)
{
	if (st->tty && st->seq % 65536 == 0)
		fprintf(stderr, "\rverified %llu entries",
		    (unsigned long long)st->seq);
}

/* Parse one line of the export and check it. */
static int
check_line(struct ledger_state *st, const char *line, size_t n,
    int *finished, char *why, size_t whysz)
{
	json_t *j, *jcp;
	int rc;

	j = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(why, whysz, "line is not a JSON object");
		return AUD_EFORMAT;
	}
	if ((jcp = json_object_get(j, "checkpoint")) != NULL) {
		*finished = 1;
		if (!json_is_string(jcp) || json_object_size(j) != 1) {
			snprintf(why, whysz, "line is not {\"checkpoint\": "
			    "string}");
			rc = AUD_EFORMAT;
		} else
			rc = check_final(st, json_string_value(jcp),
			    json_string_length(jcp), why, whysz);
	} else
		rc = check_entry(st, j, why, whysz);
	json_decref(j);
	return rc;
}

/*
 * Verify a whole export read from f (path names it in messages): every
 * line, every signature (jobs threads), the chain of keys, the final
 * checkpoint and nothing after it; and, when st->have_extra, the saved
 * checkpoint note (cpname names it) against the key current at its size
 * and the root there.  Returns 0 or 1 (the first failure printed); the
 * caller opens and closes f and owns note.
 */
static int
export_check(struct ledger_state *st, FILE *f, const char *path, int jobs,
    const char *note, size_t nlen, const char *cpname)
{
	struct lines rd;
	struct pool pool;
	pthread_t th[64];
	char why[400], *line, h1[9];
	size_t n;
	int i, rc, finished = 0, nthreads = 0, where_seq = 1, lr;

	memset(&rd, 0, sizeof(rd));
	rd.f = f;
	if ((rd.buf = malloc(AUD_MAX_LINE + 1)) == NULL)
		return fail("out of memory");
	aud_range_init(&st->range);
	st->tty = isatty(STDERR_FILENO);
	/* --jobs 1: one thread checks signatures while this one parses.
	 * --jobs N: N-1 threads, and this one checks signatures too
	 * whenever the queue is full, so N threads verify and no core
	 * idles. */
	if (pool_init(&pool) != 0)
		return fail("out of memory");
	pool.helps = jobs > 1;
	for (i = 0; i < (jobs > 1 ? jobs - 1 : 1); i++)
		if (pthread_create(&th[i], NULL, worker, &pool) == 0)
			nthreads++;
	if (nthreads == 0)
		return fail("cannot start threads");
	st->pool = &pool;
	why[0] = '\0';
	rc = AUD_OK;
	while (!finished) {
		lr = lines_next(&rd, &line, &n);
		if (lr == LINE_EOF)
			break;
		if (lr != LINE_OK) {
			where_seq = 0;
			rc = AUD_EIO;
			if (lr == LINE_LONG)
				snprintf(why, sizeof(why), "line %llu is longer "
				    "than %d bytes", (unsigned long long)
				    rd.lineno + 1, AUD_MAX_LINE);
			else
				snprintf(why, sizeof(why), "%s: read error: %s",
				    path, strerror(errno));
			break;
		}
		if ((rc = check_line(st, line, n, &finished, why,
		    sizeof(why))) != AUD_OK)
			break;
		progress(st);
		if ((st->seq & (BATCH - 1)) == 0 && pool_failed(&pool))
			break;	/* a signature already failed */
	}
	if (rc == AUD_OK && finished) {
		/* nothing may follow the checkpoint line */
		if ((lr = lines_more(&rd)) != 0) {
			rc = AUD_EFORMAT;
			finished = 0;
			where_seq = 0;
			if (lr > 0)
				snprintf(why, sizeof(why), "line %llu: data after "
				    "the checkpoint line", (unsigned long long)
				    rd.lineno + 1);
			else
				snprintf(why, sizeof(why), "%s: read error: %s",
				    path, strerror(errno));
		}
	}
	free(rd.buf);
	if (st->tty)
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
		    (rc == AUD_OK || !where_seq || pool.bad_seq <= st->seq)) {
			return fail("entry %llu: signature does not verify "
			    "with key %s", (unsigned long long)pool.bad_seq,
			    kidhex(pool.bad_kid, h1));
		}
	}
	if (rc != AUD_OK) {
		if (where_seq && !finished)
			return fail("entry %llu: %s",
			    (unsigned long long)st->seq, why);
		return fail("%s%s", finished ? "checkpoint: " : "", why);
	}
	if (!finished)
		return fail("export ends after %llu entries without a "
		    "checkpoint line (truncated)", (unsigned long long)st->seq);
	if (st->trusted->n > 1 && st->chain.n < st->trusted->n)
		return fail("trusted key %s (key %zu of the list) is never "
		    "reached by the chain of rotations",
		    kidhex(st->trusted->k[st->chain.n].kid, h1),
		    st->chain.n + 1);
	if (st->have_extra) {
		struct cp cp;

		if (st->extra.size > st->seq) {
			return fail("checkpoint %s is for %llu entries but the "
			    "export has %llu: the export is older (truncated or "
			    "rolled back)", cpname,
			    (unsigned long long)st->extra.size,
			    (unsigned long long)st->seq);
		}
		rc = read_note(note, nlen, &st->chain.k[st->extra_key], 1,
		    st->origin, &cp, why, sizeof(why));
		if (rc != AUD_OK)
			return fail("checkpoint %s: %s (the key current at size "
			    "%llu is %s)", cpname, why, (unsigned long long)
			    st->extra.size, kidhex(st->chain.k[st->extra_key].kid,
			    h1));
		if (sodium_memcmp(st->extra_root, st->extra.root, AUD_HASH) != 0)
			return fail("checkpoint %s: its root for %llu entries "
			    "differs from this export's (history rewritten)",
			    cpname, (unsigned long long)st->extra.size);
	}
	return 0;
}

static int
run_ledger(int argc, char **argv, struct ledger_state *st)
{
	static struct keyring kr;
	const char *path = NULL, *cpfile = NULL;
	char why[3200], *note = NULL, h1[9];
	size_t nlen = 0;
	FILE *f;
	int i, rc, jobs = 1, policy = 0;

	st->trusted = &kr;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc && !policy) {
			if (load_keys(&kr, argv[++i]) != 0)
				return 2;
		} else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc &&
		    kr.n == 0 && st->origin == NULL) {
			if (load_policy(&kr, argv[++i], &st->origin) != 0)
				return 2;
			policy = 1;
		} else if (strcmp(argv[i], "--checkpoint") == 0 && i + 1 < argc)
			cpfile = argv[++i];
		else if (strcmp(argv[i], "--origin") == 0 && i + 1 < argc &&
		    !policy)
			st->origin = argv[++i];
		else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
			jobs = atoi(argv[++i]);
			if (jobs < 1 || jobs > 64) {
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
	if (st->origin == NULL)
		st->origin = kr.k[0].name;
	/* the first trusted key starts the chain */
	if (add_key(&st->chain, &kr.k[0]) != 0)
		return fail("out of memory");
	if (cpfile != NULL) {
		/* its shape and origin now, its signature once the chain
		 * says which key was current at its size */
		if ((note = slurp(cpfile, AUD_MAX_NOTE, &nlen, why,
		    sizeof(why))) == NULL)
			return fail("checkpoint %s: %s", cpfile, why);
		if (read_note(note, nlen, NULL, 0, st->origin, &st->extra, why,
		    sizeof(why)) != AUD_OK) {
			free(note);
			return fail("checkpoint %s: %s", cpfile, why);
		}
		st->have_extra = 1;
		if (st->extra.size == 0)
			aud_empty_root(st->extra_root);
	}
	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		free(note);
		fprintf(stderr, "htq-verify: %s: %s\n", path, strerror(errno));
		return 2;
	}
	rc = export_check(st, f, path, jobs, note, nlen, cpfile);
	free(note);
	if (f != stdin)
		fclose(f);
	if (rc != 0)
		return rc;
	{
		aud_hash root;
		char b64[64], ww[96];
		uint64_t when;

		/* the export's checkpoint is the latest it claims */
		if (witnessed(st->final_note, st->final_len, &when, why,
		    sizeof(why)) != 0)
			return fail("checkpoint of %llu entries: %s",
			    (unsigned long long)st->seq, why);
		aud_range_root(&st->range, root);
		sodium_bin2base64(b64, sizeof(b64), root, AUD_HASH,
		    sodium_base64_VARIANT_ORIGINAL);
		printf("ledger valid: %llu entries, root %s, key %s%s\n",
		    (unsigned long long)st->seq, b64,
		    kidhex(current(st)->kid, h1), witness_words(when, ww));
	}
	return 0;
}

/* Note which of the files entry e (a submission.submitted) commits to:
 * its data's "documents", [{sha256, size, type}] (docs/ledger.md). */
static void
doc_seen(struct docscan *ds, const struct aud_entry *e)
{
	json_t *data, *d;
	const char *sha, *type;
	size_t i, k;

	if ((data = json_loadb(e->data, e->datalen, 0, NULL)) == NULL)
		return;
	json_array_foreach(json_object_get(data, "documents"), i, d) {
		sha = json_string_value(json_object_get(d, "sha256"));
		type = json_string_value(json_object_get(d, "type"));
		if (sha == NULL || type == NULL)
			continue;
		if (ds->n == 0) {
			printf("entry %llu %s %s: document %s, %lld bytes, %s\n",
			    (unsigned long long)e->seq, e->time, e->subject,
			    sha, (long long)json_integer_value(json_object_get(d,
			    "size")), type);
			ds->listed++;
		}
		for (k = 0; k < ds->n; k++) {
			struct docfile *f = &ds->f[k];

			if (f->found || strcmp(f->sha, sha) != 0 ||
			    (uint64_t)json_integer_value(json_object_get(d,
			    "size")) != f->size)
				continue;
			f->found = 1;
			f->seq = e->seq;
			snprintf(f->subject, sizeof(f->subject), "%s",
			    e->subject);
			snprintf(f->time, sizeof(f->time), "%s", e->time);
			snprintf(f->type, sizeof(f->type), "%s", type);
		}
	}
	json_decref(data);
}

/* SHA-256 (hex) and size of the file at path; -1 when it cannot be read. */
static int
hash_file(const char *path, char sha[65], uint64_t *size)
{
	crypto_hash_sha256_state h;
	unsigned char buf[65536], out[crypto_hash_sha256_BYTES];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	crypto_hash_sha256_init(&h);
	*size = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		crypto_hash_sha256_update(&h, buf, n);
		*size += n;
	}
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	crypto_hash_sha256_final(&h, out);
	sodium_bin2hex(sha, 65, out, sizeof(out));
	return 0;
}

/*
 * htq-verify document [FILE...] --entries EXPORT TRUST: the export is
 * verified as by ledger, then each FILE is looked for among the
 * documents its submission.submitted entries commit to (by SHA-256 and
 * size).  Exit 0 when every file is committed to, 1 when one is not or
 * the export does not verify.  With no FILE, every commitment is listed.
 */
static int
cmd_document(int argc, char **argv)
{
	struct ledger_state st;
	struct docscan ds;
	const char *entries = NULL;
	char **largv;
	int i, largc = 0, rc, missing = 0;

	memset(&ds, 0, sizeof(ds));
	if ((largv = calloc((size_t)argc + 2, sizeof(*largv))) == NULL ||
	    (ds.f = calloc((size_t)argc, sizeof(*ds.f))) == NULL) {
		free(largv);
		return fail("out of memory");
	}
	largv[largc++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--entries") == 0 && i + 1 < argc)
			entries = argv[++i];
		else if (argv[i][0] == '-') {
			/* every option of ledger takes one value */
			largv[largc++] = argv[i];
			if (i + 1 < argc)
				largv[largc++] = argv[++i];
		} else
			ds.f[ds.n++].path = argv[i];
	}
	if (entries == NULL) {
		free(largv);
		free(ds.f);
		usage();
		return 2;
	}
	largv[largc++] = (char *)entries;
	for (i = 0; (size_t)i < ds.n; i++)
		if (hash_file(ds.f[i].path, ds.f[i].sha, &ds.f[i].size) != 0) {
			fprintf(stderr, "htq-verify: %s: %s\n", ds.f[i].path,
			    strerror(errno));
			free(largv);
			free(ds.f);
			return 2;
		}
	memset(&st, 0, sizeof(st));
	st.docs = &ds;
	rc = run_ledger(largc, largv, &st);
	free(st.chain.k);
	free(st.final_note);
	if (rc == 0) {
		for (i = 0; (size_t)i < ds.n; i++) {
			struct docfile *f = &ds.f[i];

			if (f->found)
				printf("document %s: sha256 %s, %llu bytes, %s: "
				    "committed to by entry %llu, "
				    "submission.submitted of %s at %s\n",
				    f->path, f->sha, (unsigned long long)f->size,
				    f->type, (unsigned long long)f->seq,
				    f->subject, f->time);
			else {
				printf("document %s: sha256 %s, %llu bytes: NOT "
				    "committed to by any entry of this ledger\n",
				    f->path, f->sha, (unsigned long long)f->size);
				missing++;
			}
		}
		if (ds.n == 0)
			printf("%llu document commitments\n",
			    (unsigned long long)ds.listed);
		rc = missing ? 1 : 0;
	}
	free(largv);
	free(ds.f);
	return rc;
}

/* The ledger mode; the chain of keys is freed whatever the outcome. */
static int
cmd_ledger(int argc, char **argv)
{
	struct ledger_state st;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = run_ledger(argc, argv, &st);
	free(st.chain.k);
	free(st.final_note);
	return rc;
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
parse_args(struct keyring *kr, int argc, char **argv, const char **pos,
    int npos, const char *flag, const char **proof, const char **origin)
{
	int i, k = 0, policy = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc && !policy) {
			if (load_keys(kr, argv[++i]) != 0)
				return -1;
		} else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc &&
		    kr->n == 0 && *origin == NULL) {
			if (load_policy(kr, argv[++i], origin) != 0)
				return -1;
			policy = 1;
		} else if (flag && strcmp(argv[i], flag) == 0 &&
		    i + 1 < argc)
			*proof = argv[++i];
		else if (strcmp(argv[i], "--origin") == 0 && i + 1 < argc &&
		    !policy)
			*origin = argv[++i];
		else if (k < npos && argv[i][0] != '-')
			pos[k++] = argv[i];
		else
			return -1;
	}
	/* --proof is required; --entries is not */
	if (k != npos || kr->n == 0 || (flag != NULL && *proof == NULL &&
	    strcmp(flag, "--proof") == 0))
		return -1;
	if (*origin == NULL)
		*origin = kr->k[0].name;
	return 0;
}

static int
cmd_consistency(int argc, char **argv)
{
	static struct keyring kr;
	const char *pos[2], *proof = NULL, *origin = NULL;
	struct cp c[2];
	char *buf, why[3200], ww[96];
	aud_hash hashes[AUD_MAX_PROOF], empty;
	uint64_t when = 0;
	size_t len, n;
	json_t *p;
	int i;

	if (parse_args(&kr, argc, argv, pos, 2, "--proof", &proof,
	    &origin) != 0) {
		usage();
		return 2;
	}
	for (i = 0; i < 2; i++) {
		if ((buf = slurp(pos[i], AUD_MAX_NOTE, &len, why,
		    sizeof(why))) == NULL)
			return fail("%s: %s", pos[i], why);
		if (read_note(buf, len, kr.k, kr.n, origin, &c[i], why,
		    sizeof(why)) != AUD_OK ||
		    (i == 1 && witnessed(buf, len, &when, why,
		    sizeof(why)) != 0)) {
			free(buf);
			return fail("%s: %s", pos[i], why);
		}
		free(buf);
	}
	if (c[1].size < c[0].size)
		return fail("rollback: %s has %llu entries, fewer than %s's %llu",
		    pos[1], (unsigned long long)c[1].size, pos[0],
		    (unsigned long long)c[0].size);
	aud_empty_root(empty);
	if (c[0].size == 0 && sodium_memcmp(c[0].root, empty, AUD_HASH) != 0)
		return fail("%s: a tree of size 0 has root SHA-256(\"\"), not "
		    "this one", pos[0]);
	if ((buf = slurp(proof, AUD_MAX_BUNDLE, &len, why, sizeof(why))) ==
	    NULL)
		return fail("%s: %s", proof, why);
	p = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (!json_is_integer(json_object_get(p, "old")) ||
	    !json_is_integer(json_object_get(p, "new")) ||
	    read_hashes(json_object_get(p, "hashes"), hashes, &n) != 0) {
		json_decref(p);
		return fail("%s: not a consistency proof", proof);
	}
	if ((uint64_t)json_integer_value(json_object_get(p, "old")) !=
	    c[0].size ||
	    (uint64_t)json_integer_value(json_object_get(p, "new")) !=
	    c[1].size) {
		json_decref(p);
		return fail("%s: proof is for other tree sizes", proof);
	}
	json_decref(p);
	if (aud_verify_consistency(c[0].size, c[1].size, c[0].root, c[1].root,
	    hashes, n) != AUD_OK)
		return fail("%s does not extend %s: history was rewritten",
		    pos[1], pos[0]);
	printf("consistent: %llu entries extend to %llu%s\n",
	    (unsigned long long)c[0].size, (unsigned long long)c[1].size,
	    witness_words(when, ww));
	return 0;
}

/*
 * One signed entry of a bundle ({entry, sig, index, proof}): canonical,
 * at index, signed by a trusted key its kid names (each key with that
 * id is tried), included in the checkpoint's tree.
 */
static int
bundle_entry(const struct keyring *kr, json_t *b, const struct cp *cp,
    const char *what, struct aud_entry *e)
{
	json_t *je = json_object_get(b, "entry"), *js = json_object_get(b,
	    "sig"), *ji = json_object_get(b, "index");
	aud_hash proof[AUD_MAX_PROOF], leaf;
	uint8_t sig[AUD_SIG];
	size_t n, slen, i, known = 0;
	char why[256], h1[9];
	const char *ent;
	size_t len;

	if (!json_is_string(je) || !json_is_string(js) ||
	    !json_is_integer(ji) ||
	    read_hashes(json_object_get(b, "proof"), proof, &n) != 0)
		return fail("%s: not {entry, sig, index, proof}", what);
	ent = json_string_value(je);
	len = json_string_length(je);
	if (aud_entry_parse(ent, len, e, why, sizeof(why)) != AUD_OK)
		return fail("%s: %s", what, why);
	if ((uint64_t)json_integer_value(ji) != e->seq)
		return fail("%s: index %lld but the entry says seq %llu", what,
		    (long long)json_integer_value(ji),
		    (unsigned long long)e->seq);
	if (sodium_base642bin(sig, sizeof(sig), json_string_value(js),
	    json_string_length(js), NULL, &slen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || slen != AUD_SIG)
		return fail("%s %llu: signature is not 64 bytes of base64", what,
		    (unsigned long long)e->seq);
	for (i = 0; i < kr->n; i++) {
		if (memcmp(kr->k[i].kid, e->kid, AUD_KID) != 0)
			continue;
		known++;
		if (aud_entry_verify(kr->k[i].pk, ent, len, sig) == AUD_OK)
			break;
	}
	if (known == 0)
		return fail("%s %llu: signed with key %s, which is not one of "
		    "the given keys", what, (unsigned long long)e->seq,
		    kidhex(e->kid, h1));
	if (i == kr->n)
		return fail("%s %llu: signature does not verify with key %s",
		    what, (unsigned long long)e->seq, kidhex(e->kid, h1));
	aud_leaf_hash(ent, len, leaf);
	if (aud_verify_inclusion(e->seq, cp->size, leaf, proof, n, cp->root) !=
	    AUD_OK)
		return fail("%s %llu: not included in the checkpoint of %llu "
		    "entries", what, (unsigned long long)e->seq,
		    (unsigned long long)cp->size);
	return 0;
}

/* --- mark bundles: award, revocation, and non-revocation from tiles --- */

int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The entries read must hash to the checkpoint's root. */
static int
check_root(const struct aud_range *r, const struct cp *cp)
{
	aud_hash root;

	aud_range_root(r, root);
	if (sodium_memcmp(root, cp->root, AUD_HASH) != 0)
		return fail("the entries read do not hash to the checkpoint's "
		    "root of %llu entries: an entry or a tile was changed, "
		    "added or removed", (unsigned long long)cp->size);
	return 0;
}

/* Say why revocation could not be checked; EXIT_UNCHECKED. */
static int
unchecked(struct scan *sc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sc->unchecked, sizeof(sc->unchecked), fmt, ap);
	va_end(ap);
	return EXIT_UNCHECKED;
}

/*
 * Read one tile (path relative to the log's root, "tile/...") into a new
 * buffer of at most max bytes.  A folder is read directly; a URL with
 * curl(1), run without a shell, so that htq-verify links no HTTP
 * library.  NULL with why set on any failure.
 */
uint8_t *
fetch_tile(const struct source *src, const char *path, size_t max,
    size_t *len, char *why, size_t whysz)
{
	char full[4096], why2[200];
	uint8_t *buf;
	FILE *f;
	int fd[2], st, n;
	pid_t pid;

	n = snprintf(full, sizeof(full), "%s%s%s", src->where,
	    src->where[strlen(src->where) - 1] == '/' ? "" : "/", path);
	if (n < 0 || (size_t)n >= sizeof(full)) {
		snprintf(why, whysz, "tile location too long");
		return NULL;
	}
	if (!src->url) {
		buf = (uint8_t *)slurp(full, max, len, why2, sizeof(why2));
		if (buf == NULL)
			snprintf(why, whysz, "%.400s: cannot be read (%s)", full,
			    why2);
		return buf;
	}
	if ((buf = malloc(max + 1)) == NULL || pipe(fd) != 0) {
		free(buf);
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	if ((pid = fork()) == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execlp("curl", "curl", "-fsS", "--max-time", "30", "--",
		    full, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = pid < 0 ? NULL : fdopen(fd[0], "rb");
	*len = f ? fread(buf, 1, max + 1, f) : 0;
	if (f != NULL)
		fclose(f);
	else
		close(fd[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || *len > max) {
		snprintf(why, whysz, "%.400s: cannot be fetched%s", full,
		    pid >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127 ?
		    " (curl is not installed)" : "");
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Read tile t.  When a partial tile is gone because its tile has filled
 * up since (the log deletes partial tiles once the full one exists, and
 * a checkpoint older than the tile set names them), read the full tile:
 * its first t->w hashes or entries are the partial one's (C2SP
 * tlog-tiles).  *fellback says so.  NULL with why set when neither can
 * be read.
 */
uint8_t *
fetch_tile_at(const struct source *src, const struct aud_tile *t,
    size_t max, size_t *len, int *fellback, char *why, size_t whysz)
{
	struct aud_tile ft = *t;
	char path[AUD_TILE_PATH], why2[512];
	uint8_t *buf;

	*fellback = 0;
	if (aud_tile_path(t, path, sizeof(path)) != AUD_OK) {
		snprintf(why, whysz, "no tile for level %d index %llu",
		    t->level, (unsigned long long)t->n);
		return NULL;
	}
	if ((buf = fetch_tile(src, path, max, len, why, whysz)) != NULL ||
	    t->w == AUD_TILE_WIDTH)
		return buf;
	ft.w = AUD_TILE_WIDTH;
	if (aud_tile_path(&ft, path, sizeof(path)) != AUD_OK ||
	    (buf = fetch_tile(src, path, max, len, why2, sizeof(why2))) ==
	    NULL) {
		snprintf(why + strlen(why), whysz - strlen(why), ", nor its "
		    "full tile");
		return NULL;
	}
	*fellback = 1;
	return buf;
}

/* The tile whose level-8L hashes include index i in a log of size. */
void
tile_for(int level, uint64_t i, uint64_t size, struct aud_tile *t)
{
	uint64_t width = size >> (AUD_TILE_HEIGHT * level);

	t->level = level;
	t->n = i / AUD_TILE_WIDTH;
	t->w = width - t->n * AUD_TILE_WIDTH >= AUD_TILE_WIDTH ?
	    AUD_TILE_WIDTH : (unsigned)(width - t->n * AUD_TILE_WIDTH);
}

/*
 * The compact range of the tree over [0, start), start a multiple of
 * 256, from hash tiles only: each perfect subtree of height h >= 8 is
 * the root of 2^(h mod 8) hashes of one level-(h div 8) tile.  O(log n)
 * tiles.  AUD_ENOTFOUND (a tile could not be read) or AUD_EFORMAT (one
 * of the wrong length), why saying which.
 */
int
tiles_left_range(const struct source *src, uint64_t start, uint64_t size,
    struct aud_range *r, char *why, size_t whysz)
{
	aud_hash level[AUD_TILE_WIDTH];
	uint64_t off = 0, first;
	struct aud_tile t;
	char path[AUD_TILE_PATH];
	uint8_t *buf;
	size_t len, cnt, i;
	int h, L, fellback;

	aud_range_init(r);
	for (h = 63; h >= AUD_TILE_HEIGHT; h--) {
		if (!(start & ((uint64_t)1 << h)))
			continue;
		L = h / AUD_TILE_HEIGHT;
		cnt = (size_t)1 << (h % AUD_TILE_HEIGHT);
		first = off >> (AUD_TILE_HEIGHT * L);
		tile_for(L, first, size, &t);
		if ((buf = fetch_tile_at(src, &t, AUD_TILE_WIDTH * AUD_HASH,
		    &len, &fellback, why, whysz)) == NULL)
			return AUD_ENOTFOUND;
		if (len != (size_t)(fellback ? AUD_TILE_WIDTH : t.w) *
		    AUD_HASH) {
			free(buf);
			(void)aud_tile_path(&t, path, sizeof(path));
			snprintf(why, whysz, "%s: %zu bytes, expected %u hashes",
			    path, len, fellback ? AUD_TILE_WIDTH : t.w);
			return AUD_EFORMAT;
		}
		memcpy(level, buf + (first % AUD_TILE_WIDTH) * AUD_HASH,
		    cnt * AUD_HASH);
		free(buf);
		for (; cnt > 1; cnt /= 2)
			for (i = 0; i < cnt / 2; i++)
				aud_node_hash(level[2 * i], level[2 * i + 1],
				    level[i]);
		memcpy(r->h[r->n++], level[0], AUD_HASH);
		off += (uint64_t)1 << h;
	}
	r->size = start;
	return AUD_OK;
}

/* tiles_left_range for mark mode: 0, 1 (printed) or EXIT_UNCHECKED (a
 * tile could not be read). */
static int
left_range(const struct source *src, struct scan *sc, uint64_t start,
    uint64_t size, struct aud_range *r)
{
	char why[600];
	int rc;

	if ((rc = tiles_left_range(src, start, size, r, why, sizeof(why))) ==
	    AUD_ENOTFOUND)
		return unchecked(sc, "step 2, reading the hash tiles: %s", why);
	if (rc != AUD_OK)
		return fail("%s", why);
	return 0;
}

/*
 * One entry of the log has just been appended to r (its leaf hash is
 * leaf, e its parsed form): the entry at the award's index must be the
 * bundle's; the tree at the bundle's size must have the bundle's root
 * (so the latest checkpoint extends it); note the first mark.revoked of
 * the mark after the award.  AUD_EVERIFY with why on a mismatch.
 */
static int
scan_seen(struct scan *sc, const struct aud_range *r,
    const struct aud_entry *e, const aud_hash leaf, char *why, size_t whysz)
{
	uint64_t seq = r->size - 1;
	aud_hash root;
	json_t *d, *reason;

	memcpy(sc->last_time, e->time, sizeof(sc->last_time));
	if (seq == sc->award && memcmp(leaf, sc->award_leaf, AUD_HASH) != 0) {
		snprintf(why, whysz, "the log's entry %llu is not the bundle's "
		    "award entry", (unsigned long long)seq);
		return AUD_EVERIFY;
	}
	if (sc->bcp != NULL && r->size == sc->bcp->size) {
		aud_range_root(r, root);
		if (sodium_memcmp(root, sc->bcp->root, AUD_HASH) != 0) {
			snprintf(why, whysz, "the log read has another root "
			    "at the bundle's checkpoint of %llu entries (history "
			    "rewritten, or a forged bundle checkpoint)",
			    (unsigned long long)r->size);
			return AUD_EVERIFY;
		}
		sc->bcp_met = 1;
	}
	if (seq <= sc->award)
		return AUD_OK;
	sc->read++;
	if (strcmp(e->type, "mark.revoked") != 0 ||
	    strcmp(e->subject, sc->mark) != 0 || sc->revoked)
		return AUD_OK;
	sc->revoked = 1;
	sc->rseq = seq;
	memcpy(sc->rtime, e->time, sizeof(sc->rtime));
	d = json_loadb(e->data, e->datalen, JSON_REJECT_DUPLICATES, NULL);
	reason = json_object_get(d, "reason");
	snprintf(sc->reason, sizeof(sc->reason), "%s",
	    json_is_string(reason) ? json_string_value(reason) : "unstated");
	json_decref(d);
	return AUD_OK;
}

/* Parse one entry read from the tiles at index r->size, hash it into r
 * and note it. */
static int
scan_entry(struct scan *sc, struct aud_range *r, const char *ent,
    size_t len)
{
	struct aud_entry e;
	aud_hash leaf;
	char why[400];
	uint64_t seq = r->size;

	if (aud_entry_parse(ent, len, &e, why, sizeof(why)) != AUD_OK)
		return fail("entry %llu: %s", (unsigned long long)seq, why);
	if (e.seq != seq)
		return fail("entry at index %llu says seq %llu",
		    (unsigned long long)seq, (unsigned long long)e.seq);
	aud_leaf_hash(ent, len, leaf);
	aud_range_append(r, leaf);
	if (scan_seen(sc, r, &e, leaf, why, sizeof(why)) != AUD_OK)
		return fail("%s", why);
	return 0;
}

/*
 * Entries [s, size) of a tile set, s the award's index rounded down to a
 * multiple of 256, after the range over [0, s) from the hash tiles; the
 * whole must hash to the checkpoint's root.  0, 1 (printed) or
 * EXIT_UNCHECKED (a tile could not be read).
 */
static int
scan_tiles(const struct source *src, struct scan *sc, const struct cp *cp)
{
	uint64_t start = sc->award / AUD_TILE_WIDTH * AUD_TILE_WIDTH, n;
	const uint8_t *ent;
	struct aud_range r;
	struct aud_tile t;
	char path[AUD_TILE_PATH], why[600];
	uint8_t *buf;
	size_t len, off, elen;
	unsigned k;
	int rc, fellback;

	if ((rc = left_range(src, sc, start, cp->size, &r)) != 0)
		return rc;
	for (n = start / AUD_TILE_WIDTH; r.size < cp->size; n++) {
		t.level = AUD_TILE_ENTRIES;
		t.n = n;
		t.w = cp->size - r.size >= AUD_TILE_WIDTH ? AUD_TILE_WIDTH :
		    (unsigned)(cp->size - r.size);
		if (aud_tile_path(&t, path, sizeof(path)) != AUD_OK)
			return fail("no entry bundle %llu",
			    (unsigned long long)n);
		if ((buf = fetch_tile_at(src, &t, (size_t)AUD_TILE_WIDTH *
		    (2 + AUD_MAX_ENTRY), &len, &fellback, why, sizeof(why))) ==
		    NULL)
			return unchecked(sc, "step 3, reading the entry "
			    "bundles: %s", why);
		for (off = 0, k = 0, rc = 0; k < t.w && rc == 0; k++) {
			if (aud_bundle_next(buf, len, &off, &ent, &elen) !=
			    AUD_OK) {
				rc = fail("%s: holds %u entries, expected %u",
				    path, k, t.w);
				break;
			}
			rc = scan_entry(sc, &r, (const char *)ent, elen);
		}
		/* a full tile read for a partial one holds more */
		if (rc == 0 && off != len && !fellback)
			rc = fail("%s: bytes after its %u entries", path, t.w);
		free(buf);
		if (rc != 0)
			return rc;
	}
	return check_root(&r, cp);
}

/*
 * Check a bundle: its checkpoint (signed by one of cpkeys, our origin), its
 * entry, and its revocation if it has one (a later mark.revoked of the
 * same subject, proven against the same checkpoint).
 */
static int
check_bundle(const struct keyring *kr, json_t *b, const char *origin,
    const struct aud_vkey *cpkeys, size_t ncpkeys, struct cp *cp,
    struct aud_entry *e, struct aud_entry *r, int *revoked)
{
	json_t *jc = json_object_get(b, "checkpoint"), *jr;
	char why[256], h1[9];
	int rc;

	*revoked = 0;
	if (!json_is_object(b) || !json_is_string(jc))
		return fail("not a bundle (entry, sig, index, proof, "
		    "checkpoint)");
	if (read_note(json_string_value(jc), json_string_length(jc),
	    cpkeys, ncpkeys, origin, cp, why, sizeof(why)) != AUD_OK) {
		if (ncpkeys == 1)
			return fail("checkpoint: %s (it must be signed by the "
			    "newest given key, %s)", why,
			    kidhex(cpkeys[0].kid, h1));
		return fail("checkpoint: %s (it must be signed by one of the "
		    "%zu keys of the chain)", why, ncpkeys);
	}
	if ((rc = bundle_entry(kr, b, cp, "entry", e)) != 0)
		return rc;
	if ((jr = json_object_get(b, "revocation")) == NULL)
		return 0;
	if ((rc = bundle_entry(kr, jr, cp, "revocation", r)) != 0)
		return rc;
	if (strcmp(r->type, "mark.revoked") != 0 ||
	    strcmp(r->subject, e->subject) != 0 || r->seq <= e->seq)
		return fail("revocation: entry %llu is not a later "
		    "mark.revoked of subject %s", (unsigned long long)r->seq,
		    e->subject);
	*revoked = 1;
	return 0;
}

static json_t *
load_bundle(const char *path)
{
	char *buf, why[256];
	json_t *b;
	size_t len;

	if ((buf = slurp(path, AUD_MAX_BUNDLE, &len, why, sizeof(why))) ==
	    NULL) {
		fail("%s: %s", path, why);
		return NULL;
	}
	b = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (b == NULL)
		fail("%s: not JSON", path);
	return b;
}

static int
cmd_bundle(int argc, char **argv)
{
	static struct keyring kr;
	struct aud_entry e, r;
	const char *pos[1], *origin = NULL;
	char h1[9];
	struct cp cp;
	json_t *b;
	int rc, revoked;

	if (parse_args(&kr, argc, argv, pos, 1, NULL, NULL, &origin) != 0) {
		usage();
		return 2;
	}
	if ((b = load_bundle(pos[0])) == NULL)
		return 1;
	if ((rc = check_bundle(&kr, b, origin, &kr.k[kr.n - 1], 1, &cp, &e,
	    &r, &revoked)) != 0)
		goto out;
	printf("bundle valid: entry %llu (%s %s) is in the ledger of %llu "
	    "entries signed by %s", (unsigned long long)e.seq, e.type,
	    e.subject, (unsigned long long)cp.size,
	    kidhex(kr.k[kr.n - 1].kid, h1));
	if (revoked)
		printf("; REVOKED by entry %llu", (unsigned long long)r.seq);
	printf("\n");
	rc = revoked ? EXIT_REVOKED : 0;
out:
	json_decref(b);
	return rc;
}

/* Equal JSON strings (a NULL or non-string j is not equal). */
static int
str_is(json_t *j, const char *s)
{
	return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

/*
 * The bundle's "mark" object is not signed: each of its fields must be
 * backed by the signed entries, or the bundle is refused naming the
 * field.  A field of the award's data must be equal to it; "id" (or
 * "mark_id") is the award's subject; "status" is "revoked" exactly when
 * the bundle carries a signed revocation r, "current" otherwise;
 * "revoked" is null without r, and with it {"date", "reason", "note"}
 * equal to r's data "revoked", "reason" and "note".  Any other field is
 * refused: nothing signed vouches for it.
 */
static int
mark_matches(json_t *mark, const struct aud_entry *e,
    const struct aud_entry *r)
{
	json_t *d, *rd = NULL, *v, *sv;
	const char *k, *rk;
	int rc = 0;

	if (mark == NULL)
		return 0;
	if (!json_is_object(mark))
		return fail("mark: not an object");
	d = json_loadb(e->data, e->datalen, JSON_REJECT_DUPLICATES, NULL);
	if (r != NULL)
		rd = json_loadb(r->data, r->datalen, JSON_REJECT_DUPLICATES,
		    NULL);
	json_object_foreach(mark, k, v) {
		if (strcmp(k, "id") == 0 || strcmp(k, "mark_id") == 0) {
			if (!str_is(v, e->subject))
				rc = fail("mark: field %s: the bundle shows "
				    "mark %.40s but the signed entry awards %s",
				    k, json_is_string(v) ? json_string_value(v) :
				    "(not a string)", e->subject);
		} else if (strcmp(k, "status") == 0) {
			if (!str_is(v, r != NULL ? "revoked" : "current"))
				rc = fail("mark: field status is not \"%s\": "
				    "the bundle %s a signed revocation",
				    r != NULL ? "revoked" : "current",
				    r != NULL ? "carries" : "carries no");
		} else if (strcmp(k, "revoked") == 0) {
			if (r == NULL && !json_is_null(v))
				rc = fail("mark: field revoked is set but the "
				    "bundle carries no signed revocation");
			else if (r == NULL)
				continue;
			else if (!json_is_object(v))
				rc = fail("mark: field revoked differs from "
				    "what the signed entry %llu records",
				    (unsigned long long)r->seq);
			json_object_foreach(v, rk, sv) {
				if (rc != 0)
					break;
				if (json_equal(sv, json_object_get(rd,
				    strcmp(rk, "date") == 0 ? "revoked" :
				    strcmp(rk, "reason") == 0 ? "reason" :
				    strcmp(rk, "note") == 0 ? "note" : "")))
					continue;
				if (strcmp(rk, "note") == 0 && json_is_null(sv) &&
				    json_object_get(rd, "note") == NULL)
					continue;
				rc = fail("mark: field revoked.%s differs from "
				    "what the signed entry %llu records", rk,
				    (unsigned long long)r->seq);
			}
		} else if ((sv = json_object_get(d, k)) == NULL)
			rc = fail("mark: field %s is not in the signed entry "
			    "%llu (nothing signed vouches for it)", k,
			    (unsigned long long)e->seq);
		else if (!json_equal(v, sv))
			rc = fail("mark: field %s differs from what the signed "
			    "entry %llu records", k, (unsigned long long)e->seq);
		if (rc != 0)
			break;
	}
	json_decref(d);
	json_decref(rd);
	return rc;
}

/*
 * --entries EXPORT: the whole export is verified as `ledger` does,
 * following key.rotated entries from the first trusted key, while the
 * scan looks for the award and a revocation; the bundle's checkpoint
 * must then be signed by the key current at its size and have the
 * export's root there, and the bundle's entries must verify with the
 * chain's keys.  0, 1 (printed) or EXIT_UNCHECKED when the export
 * cannot be opened (the caller then checks the bundle alone).
 */
static int
mark_export(struct keyring *kr, json_t *b, const char *origin,
    const char *path, struct ledger_state *st, struct scan *sc,
    struct cp *cp, struct aud_entry *e, struct aud_entry *r, int *revoked)
{
	json_t *jc = json_object_get(b, "checkpoint");
	json_t *je = json_object_get(b, "entry");
	char why[400];
	FILE *f;
	int rc;

	if (!json_is_object(b) || !json_is_string(jc) || !json_is_string(je))
		return fail("not a bundle (entry, sig, index, proof, "
		    "checkpoint)");
	if (read_note(json_string_value(jc), json_string_length(jc), NULL, 0,
	    origin, &st->extra, why, sizeof(why)) != AUD_OK)
		return fail("checkpoint: %s", why);
	if (aud_entry_parse(json_string_value(je), json_string_length(je), e,
	    why, sizeof(why)) != AUD_OK)
		return fail("entry: %s", why);
	sc->mark = e->subject;
	sc->award = e->seq;
	aud_leaf_hash(json_string_value(je), json_string_length(je),
	    sc->award_leaf);
	if ((f = fopen(path, "r")) == NULL)
		return unchecked(sc, "step 1, opening the export %.300s: %s",
		    path, strerror(errno));
	st->trusted = kr;
	st->origin = origin;
	st->have_extra = 1;
	st->scan = sc;
	if (add_key(&st->chain, &kr->k[0]) != 0) {
		fclose(f);
		return fail("out of memory");
	}
	rc = export_check(st, f, path, 1, json_string_value(jc),
	    json_string_length(jc), "of the bundle");
	fclose(f);
	if (rc != 0)
		return rc;
	return check_bundle(&st->chain, b, origin, st->chain.k, st->chain.n,
	    cp, e, r, revoked);
}

/*
 * --entries TILES: the log's latest checkpoint (the tile set's
 * "checkpoint" file, signed by the newest trusted key: the tiles carry no
 * signatures, so rotations cannot be followed from them), not older than
 * the bundle's, then every entry from the award's tile to it.  With
 * bundle_latest the bundle's checkpoint is taken as the latest.  0, 1
 * (printed) or EXIT_UNCHECKED (the checkpoint or a tile could not be
 * read).
 */
static int
mark_tiles(const struct keyring *kr, const struct source *src,
    struct scan *sc, const struct cp *cp, int bundle_latest,
    struct cp *latest, char **lnote, size_t *llen)
{
	char why[600], h1[9];
	uint8_t *note;
	size_t len;
	int rc;

	*latest = *cp;
	sc->bcp = cp;
	if (!bundle_latest) {
		if ((note = fetch_tile(src, "checkpoint", AUD_MAX_NOTE, &len,
		    why, sizeof(why))) == NULL)
			return unchecked(sc, "step 1, reading the log's latest "
			    "checkpoint: %s", why);
		rc = read_note((const char *)note, len, &kr->k[kr->n - 1], 1,
		    cp->origin, latest, why, sizeof(why));
		if (rc == AUD_OK) {
			*lnote = (char *)note;	/* the witness rule's, later */
			*llen = len;
		} else
			free(note);
		if (rc != AUD_OK)
			return fail("%s: its checkpoint: %s (it must be signed "
			    "by the newest given key, %s, for origin %s)",
			    src->where, why, kidhex(kr->k[kr->n - 1].kid, h1),
			    cp->origin);
		if (latest->size < cp->size)
			return fail("%s: its checkpoint has %llu entries, fewer "
			    "than the bundle's %llu: the log was rolled back, or "
			    "this copy is stale", src->where,
			    (unsigned long long)latest->size,
			    (unsigned long long)cp->size);
	}
	return scan_tiles(src, sc, latest);
}

static int
mark_usage(void)
{
	usage();
	return 2;
}

static int
cmd_mark(int argc, char **argv)
{
	static struct keyring kr;
	struct ledger_state st;
	struct aud_entry e, r;
	const char *path = NULL, *origin = NULL, *entries = NULL, *from = "";
	struct source src;
	struct scan sc;
	struct cp cp, latest;
	json_t *b;
	char h1[9], why[3200], ww[96], *tnote = NULL;
	const char *lnote = NULL;	/* the latest checkpoint's text */
	size_t llen = 0;
	uint64_t when = 0;
	int i, rc, revoked = 0, bundle_latest = 0, policy = 0, export = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc && !policy) {
			if (load_keys(&kr, argv[++i]) != 0)
				return 2;
		} else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc &&
		    kr.n == 0 && origin == NULL) {
			if (load_policy(&kr, argv[++i], &origin) != 0)
				return 2;
			policy = 1;
		} else if (strcmp(argv[i], "--origin") == 0 && i + 1 < argc &&
		    !policy)
			origin = argv[++i];
		else if (strcmp(argv[i], "--entries") == 0 && i + 1 < argc)
			entries = argv[++i];
		else if (strcmp(argv[i], "--bundle-checkpoint-is-latest") == 0)
			bundle_latest = 1;
		else if (path == NULL && argv[i][0] != '-')
			path = argv[i];
		else
			return mark_usage();
	}
	if (path == NULL || kr.n == 0)
		return mark_usage();
	if (origin == NULL)
		origin = kr.k[0].name;
	if ((b = load_bundle(path)) == NULL)
		return 1;
	memset(&st, 0, sizeof(st));
	memset(&sc, 0, sizeof(sc));
	if (entries != NULL) {
		src.where = entries;
		src.url = strncmp(entries, "http://", 7) == 0 ||
		    strncmp(entries, "https://", 8) == 0;
		export = !src.url && !is_dir(entries);
	}
	rc = export ? mark_export(&kr, b, origin, entries, &st, &sc, &cp, &e,
	    &r, &revoked) : EXIT_UNCHECKED;
	if (rc == EXIT_UNCHECKED) {
		/* no chain read: the bundle's checkpoint may be signed by
		 * any trusted key; only the latest checkpoint vouches for
		 * being current */
		export = 0;
		if ((rc = check_bundle(&kr, b, origin, kr.k, kr.n, &cp, &e, &r,
		    &revoked)) != 0)
			goto out;
	} else if (rc != 0)
		goto out;
	if (strcmp(e.type, "mark.awarded") != 0) {
		rc = fail("entry %llu is a %s, not a mark.awarded",
		    (unsigned long long)e.seq, e.type);
		goto out;
	}
	if ((rc = mark_matches(json_object_get(b, "mark"), &e,
	    revoked ? &r : NULL)) != 0)
		goto out;
	latest = cp;
	if (bundle_latest) {
		lnote = json_string_value(json_object_get(b, "checkpoint"));
		llen = json_string_length(json_object_get(b, "checkpoint"));
	}
	if (export) {
		latest = st.final;
		lnote = st.final_note;
		llen = st.final_len;
		from = "the export's";
	} else if (entries != NULL && sc.unchecked[0] == '\0') {
		json_t *je = json_object_get(b, "entry");

		sc.mark = e.subject;
		sc.award = e.seq;
		aud_leaf_hash(json_string_value(je), json_string_length(je),
		    sc.award_leaf);
		rc = mark_tiles(&kr, &src, &sc, &cp, bundle_latest, &latest,
		    &tnote, &llen);
		if (tnote != NULL)
			lnote = tnote;
		if (rc == 1)
			goto out;
		/* entries read before a tile failed are proved only up to
		 * the bundle's checkpoint, if its root was met */
		if (rc == EXIT_UNCHECKED && sc.revoked &&
		    !(sc.bcp_met && sc.rseq < cp.size))
			sc.revoked = 0;
		from = bundle_latest ? "the bundle's own, taken as the latest "
		    "by --bundle-checkpoint-is-latest" : "the log's latest, "
		    "from the tiles";
	} else if (entries == NULL && bundle_latest) {
		from = "the bundle's own, taken as the latest by "
		    "--bundle-checkpoint-is-latest; only the bundle's entries "
		    "were read";
	} else if (entries == NULL)
		snprintf(sc.unchecked, sizeof(sc.unchecked), "no --entries "
		    "given (the log's export, its tiles or their URL prove "
		    "it)");
	/* the bundle must not hide a revocation its checkpoint holds; one
	 * after it is news the bundle could not have */
	if (sc.revoked && !revoked && sc.rseq < cp.size) {
		rc = fail("mark %s was revoked by entry %llu on %.10s (%s), "
		    "but the bundle does not say so", e.subject,
		    (unsigned long long)sc.rseq, sc.rtime, sc.reason);
		goto out;
	}
	if (revoked) {
		json_t *d = json_loadb(r.data, r.datalen, 0, NULL);
		const char *why = json_string_value(json_object_get(d,
		    "reason"));

		printf("mark %s: genuine, awarded by entry %llu on %.10s; "
		    "revoked on %.10s: %s (entry %llu)\n", e.subject,
		    (unsigned long long)e.seq, e.time, r.time,
		    why ? why : "unstated", (unsigned long long)r.seq);
		json_decref(d);
		rc = EXIT_REVOKED;
		goto out;
	}
	if (sc.revoked) {
		printf("mark %s: genuine, awarded by entry %llu on %.10s; "
		    "revoked on %.10s: %s (entry %llu, after the bundle's "
		    "checkpoint of %llu entries)\n", e.subject,
		    (unsigned long long)e.seq, e.time, sc.rtime, sc.reason,
		    (unsigned long long)sc.rseq, (unsigned long long)cp.size);
		rc = EXIT_REVOKED;
		goto out;
	}
	/* not revoked as of the latest checkpoint: only if a quorum of
	 * the policy's witnesses vouch that it is the latest */
	if (sc.unchecked[0] == '\0' && lnote != NULL &&
	    witnessed(lnote, llen, &when, why, sizeof(why)) != 0)
		snprintf(sc.unchecked, sizeof(sc.unchecked), "the log's latest "
		    "checkpoint (of %llu entries) is %s",
		    (unsigned long long)latest.size, why);
	if (sc.unchecked[0] != '\0') {
		printf("mark %s: award proved (entry %llu on %.10s, in the "
		    "checkpoint of %llu entries signed by key %s%s); revocation "
		    "NOT checked: %s\n", e.subject, (unsigned long long)e.seq,
		    e.time, (unsigned long long)cp.size,
		    kidhex(kr.k[cp.key].kid, h1), cp.key + 1 < kr.n ?
		    ", a retired key" : "", sc.unchecked);
		rc = EXIT_UNCHECKED;
		goto out;
	}
	printf("mark %s: genuine, awarded by entry %llu on %.10s; not revoked "
	    "as of the checkpoint of %llu entries (%s%s", e.subject,
	    (unsigned long long)e.seq, e.time,
	    (unsigned long long)latest.size, from, witness_words(when, ww));
	if (sc.last_time[0] != '\0')
		printf("; its last entry dated %s; %llu entries read after "
		    "the award", sc.last_time, (unsigned long long)sc.read);
	printf(")\n");
	rc = 0;
out:
	free(st.chain.k);
	free(st.final_note);
	free(tnote);
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
	if (strcmp(argv[1], "mark") == 0)
		return cmd_mark(argc - 1, argv + 1);
	if (strcmp(argv[1], "monitor") == 0)
		return cmd_monitor(argc - 1, argv + 1);
	if (strcmp(argv[1], "document") == 0)
		return cmd_document(argc - 1, argv + 1);
	usage();
	return 2;
}
