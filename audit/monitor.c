/*
 * monitor.c - htq-verify monitor: watch a log for an awarding body.
 *
 *   htq-verify monitor URL|FOLDER --policy FILE --state FILE
 *              [--organisation NAME] [--once] [--interval SECONDS]
 *
 * Each poll reads the log's checkpoint from its public files (C2SP
 * tlog-tiles, the same reads as `mark --entries URL`), verifies it with
 * the policy (the newest key, the witness quorum), checks that it is
 * consistent with the checkpoint kept in the state file, reads the new
 * entries from the entry bundles, proves them against the new root, and
 * prints each award, revocation and withdrawal (only those naming the
 * organisation with --organisation).  Only then is the new checkpoint
 * written to the state file, atomically.  docs/ledger.md 6.8 is the
 * contract: what is printed, the state file, the exit statuses (0, 1
 * could not check with --once, 2 usage, 3 ALARM).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"
#include "verify.h"

#define EXIT_CHECK	1	/* could not check (--once) */
#define EXIT_USAGE	2
#define EXIT_ALARM	3	/* the log forked or was rolled back */

/* One monitor's run: its trust root, where it reads, its state.  The
 * state JSON is owned here and replaced only after a poll passed. */
struct mon {
	struct aud_policy	 pol;
	struct source		 src;
	const char		*statepath;
	const char		*org;		/* --organisation, or NULL */
	json_t			*state;		/* NULL: no state file yet */
	struct cp		 old;		/* the state's checkpoint */
};

/* What one poll learns while it reads the new entries. */
struct poll {
	struct mon	*m;
	json_t		*marks;		/* a copy of the state's, updated */
	const char	*state_org;	/* the organisation the state keeps */
	FILE		*events;	/* lines printed once all passed */
	uint64_t	 nevents;
};

static int
usage(void)
{
	fprintf(stderr, "usage: htq-verify monitor URL|FOLDER --policy FILE "
	    "--state FILE\n                  [--organisation NAME] [--once] "
	    "[--interval SECONDS]\n(docs/ledger.md 6.8)\n");
	return EXIT_USAGE;
}

/* "could not check: ..." on stdout; EXIT_CHECK. */
static int
could_not(const char *fmt, ...)
{
	va_list ap;

	fputs("could not check: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	return EXIT_CHECK;
}

/* "ALARM: ..." and both checkpoints on stdout; EXIT_ALARM. */
static int
alarm_both(const struct mon *m, const char *note, size_t len,
    const char *fmt, ...)
{
	const char *old = json_string_value(json_object_get(m->state,
	    "checkpoint"));
	va_list ap;

	fputs("ALARM: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nthe checkpoint kept in %s:\n%s", m->statepath, old);
	printf("the checkpoint read from %s:\n%.*s", m->src.where, (int)len,
	    note);
	return EXIT_ALARM;
}

/* --- the state file --- */

/* A remembered title or name: a string of at most AUD_MON_MAX_FACT
 * bytes, cut at a character boundary; null for anything else. */
static json_t *
fact(json_t *v)
{
	size_t n;

	if (!json_is_string(v))
		return json_null();
	n = json_string_length(v);
	if (n <= AUD_MON_MAX_FACT)
		return json_incref(v);
	n = AUD_MON_MAX_FACT;
	while (n > 0 && (json_string_value(v)[n] & 0xC0) == 0x80)
		n--;
	return json_stringn(json_string_value(v), n);
}

static int
str_or_null(json_t *v)
{
	return json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) <= AUD_MON_MAX_FACT);
}

/* The state's form: {"checkpoint","marks","organisation","v"} exactly,
 * marks {"<mark id>": {"i","n","q"}}.  0 or -1 with why. */
static int
state_form(json_t *st, char *why, size_t whysz)
{
	json_t *marks = json_object_get(st, "marks"), *v;
	json_t *org = json_object_get(st, "organisation");
	const char *k;

	if (!json_is_object(st) || json_object_size(st) != 4 ||
	    !json_is_integer(json_object_get(st, "v")) ||
	    json_integer_value(json_object_get(st, "v")) != 1 ||
	    !json_is_string(json_object_get(st, "checkpoint")) ||
	    !json_is_object(marks) || !str_or_null(org) ||
	    (json_is_string(org) && json_string_length(org) == 0)) {
		snprintf(why, whysz, "not {\"v\":1,\"checkpoint\","
		    "\"organisation\",\"marks\"}");
		return -1;
	}
	if (json_object_size(marks) > AUD_MON_MAX_MARKS) {
		snprintf(why, whysz, "more than %d marks", AUD_MON_MAX_MARKS);
		return -1;
	}
	json_object_foreach(marks, k, v) {
		if (!aud_subject_valid(k, strlen(k)) || !json_is_object(v) ||
		    json_object_size(v) != 3 ||
		    !str_or_null(json_object_get(v, "i")) ||
		    !str_or_null(json_object_get(v, "n")) ||
		    !str_or_null(json_object_get(v, "q"))) {
			snprintf(why, whysz, "mark \"%.40s\": not {\"i\",\"n\","
			    "\"q\"}", k);
			return -1;
		}
	}
	return 0;
}

/*
 * Load the state file, if there is one: its form, its checkpoint signed
 * by one of the policy's keys (it may predate a rotation) for the
 * policy's origin, made for the same --organisation (or for all).  0,
 * or EXIT_USAGE with the reason printed.
 */
static int
state_load(struct mon *m)
{
	json_error_t jerr;
	json_t *st, *org;
	const char *note;
	char *text, why[400];
	size_t len;

	if (access(m->statepath, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((text = slurp(m->statepath, AUD_MON_MAX_STATE, &len, why,
	    sizeof(why))) == NULL) {
		fail("state %s: %s", m->statepath, why);
		return EXIT_USAGE;
	}
	st = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (st == NULL) {
		fail("state %s: not JSON: %s", m->statepath, jerr.text);
		return EXIT_USAGE;
	}
	if (state_form(st, why, sizeof(why)) != 0) {
		fail("state %s: %s", m->statepath, why);
		goto bad;
	}
	note = json_string_value(json_object_get(st, "checkpoint"));
	if (read_note(note, json_string_length(json_object_get(st,
	    "checkpoint")), m->pol.keys, m->pol.nkeys, m->pol.origin, &m->old,
	    why, sizeof(why)) != AUD_OK) {
		fail("state %s: its checkpoint: %s", m->statepath, why);
		goto bad;
	}
	org = json_object_get(st, "organisation");
	if (json_is_string(org) && (m->org == NULL ||
	    strcmp(m->org, json_string_value(org)) != 0)) {
		fail("state %s was made with --organisation \"%s\": give "
		    "the same, or start another state file", m->statepath,
		    json_string_value(org));
		goto bad;
	}
	m->state = st;
	return 0;
bad:
	json_decref(st);
	return EXIT_USAGE;
}

/*
 * Write st to the state file atomically: a new file beside it (mode
 * 0600), written, fsynced, renamed over it, the folder fsynced.  0, or
 * -1 with why.
 */
static int
state_save(const struct mon *m, json_t *st, char *why, size_t whysz)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *text, *slash;
	size_t len, off = 0;
	ssize_t n;
	int fd, dfd, rc = -1;

	if ((text = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	len = strlen(text);
	if (len + 1 > AUD_MON_MAX_STATE) {
		snprintf(why, whysz, "it would pass %d bytes",
		    AUD_MON_MAX_STATE);
		free(text);
		return -1;
	}
	text[len++] = '\n';	/* json_dumps's NUL */
	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", m->statepath);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (fd = mkstemp(tmp)) < 0) {
		snprintf(why, whysz, "%s", n < 0 || (size_t)n >= sizeof(tmp) ?
		    "path too long" : strerror(errno));
		free(text);
		return -1;
	}
	if (fchmod(fd, 0600) != 0)
		goto out;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, m->statepath) != 0)
		goto out;
	snprintf(dir, sizeof(dir), "%s", m->statepath);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		goto out;
	rc = fsync(dfd);
	close(dfd);
out:
	if (rc != 0) {
		snprintf(why, whysz, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		(void)unlink(tmp);
	}
	free(text);
	return rc;
}

/* --- the new entries --- */

static int
names(json_t *name, json_t *id, const char *org)
{
	return (json_is_string(name) && strcmp(json_string_value(name),
	    org) == 0) || (json_is_string(id) &&
	    strcmp(json_string_value(id), org) == 0);
}

/* 1 if a remembered award names the awarding body id by the name org:
 * the id of an organisation watched by name.  O(marks); withdrawals are
 * rare. */
static int
known_as(json_t *marks, json_t *id, const char *org)
{
	const char *k;
	json_t *rec;

	if (!json_is_string(id))
		return 0;
	json_object_foreach(marks, k, rec)
		if (json_equal(json_object_get(rec, "i"), id) &&
		    names(json_object_get(rec, "n"), NULL, org))
			return 1;
	return 0;
}

static void
put(FILE *f, const char *key, json_t *v)
{
	fprintf(f, " %s=", key);
	json_dumpf(v != NULL ? v : json_null(), f, JSON_ENCODE_ANY |
	    JSON_COMPACT);
}

/*
 * One new entry: an award is remembered (when it names the state's
 * organisation, or always without one) and printed (when it names
 * --organisation, or always); a revocation is printed with what its
 * award said when that award names --organisation; a withdrawal when
 * its organisation is --organisation, by id or by the name a remembered
 * award gives that id.  0, or EXIT_CHECK when the marks
 * to remember pass AUD_MON_MAX_MARKS.
 */
static int
report(struct poll *p, const struct aud_entry *e)
{
	const char *org = p->m->org;
	json_t *d, *ab, *rec;
	int rc = 0;

	if (strcmp(e->type, "mark.awarded") != 0 &&
	    strcmp(e->type, "mark.revoked") != 0 &&
	    strcmp(e->type, "submission.withdrawn") != 0)
		return 0;
	d = json_loadb(e->data, e->datalen, JSON_REJECT_DUPLICATES, NULL);
	if (strcmp(e->type, "mark.awarded") == 0) {
		ab = json_object_get(d, "awarding_body");
		if (p->state_org == NULL || names(json_object_get(ab, "name"),
		    json_object_get(ab, "id"), p->state_org)) {
			if (json_object_get(p->marks, e->subject) == NULL &&
			    json_object_size(p->marks) >= AUD_MON_MAX_MARKS) {
				rc = could_not("entry %llu: more than %d marks "
				    "to remember (--organisation keeps only "
				    "its own)", (unsigned long long)e->seq,
				    AUD_MON_MAX_MARKS);
				goto out;
			}
			json_object_set_new(p->marks, e->subject, json_pack(
			    "{s:o,s:o,s:o}", "i", fact(json_object_get(ab,
			    "id")), "n", fact(json_object_get(ab, "name")),
			    "q", fact(json_object_get(json_object_get(d,
			    "qualification"), "title"))));
		}
		if (org != NULL && !names(json_object_get(ab, "name"),
		    json_object_get(ab, "id"), org))
			goto out;
		fprintf(p->events, "%s mark.awarded %s entry=%llu", e->time,
		    e->subject, (unsigned long long)e->seq);
		put(p->events, "qualification", json_object_get(
		    json_object_get(d, "qualification"), "title"));
		put(p->events, "awarding_body", json_object_get(ab, "name"));
		put(p->events, "awarding_body_id", json_object_get(ab, "id"));
	} else if (strcmp(e->type, "mark.revoked") == 0) {
		rec = json_object_get(p->marks, e->subject);
		if (org != NULL && (rec == NULL || !names(json_object_get(rec,
		    "n"), json_object_get(rec, "i"), org)))
			goto out;
		fprintf(p->events, "%s mark.revoked %s entry=%llu", e->time,
		    e->subject, (unsigned long long)e->seq);
		put(p->events, "qualification", json_object_get(rec, "q"));
		put(p->events, "awarding_body", json_object_get(rec, "n"));
		put(p->events, "awarding_body_id", json_object_get(rec, "i"));
		put(p->events, "reason", json_object_get(d, "reason"));
	} else {
		if (org != NULL && !names(NULL, json_object_get(d,
		    "organisation"), org) && !known_as(p->marks,
		    json_object_get(d, "organisation"), org))
			goto out;
		fprintf(p->events, "%s submission.withdrawn %s entry=%llu",
		    e->time, e->subject, (unsigned long long)e->seq);
		put(p->events, "awarding_body_id", json_object_get(d,
		    "organisation"));
		put(p->events, "from", json_object_get(d, "from"));
	}
	fputc('\n', p->events);
	p->nevents++;
out:
	json_decref(d);
	return rc;
}

/*
 * Read the entries [old rounded down to 256, cp->size) of the log: the
 * range over [0, that) from the hash tiles, then every entry bundle;
 * each entry parsed, at its index, hashed into the tree, and reported
 * from `old` on.  The whole must hash to cp's root, else EXIT_CHECK;
 * then the tree at `old` must have oldroot, else *forked.
 */
static int
read_entries(struct poll *p, uint64_t old, const aud_hash oldroot,
    const struct cp *cp, int *forked)
{
	uint64_t start = old / AUD_TILE_WIDTH * AUD_TILE_WIDTH, n;
	const uint8_t *ent;
	struct aud_entry e;
	struct aud_range r;
	struct aud_tile t;
	aud_hash root, leaf, atold;
	char path[AUD_TILE_PATH], why[600];
	uint8_t *buf;
	size_t len, off, elen;
	unsigned k;
	int rc, fellback;

	*forked = 0;
	if ((rc = tiles_left_range(&p->m->src, start, cp->size, &r, why,
	    sizeof(why))) != AUD_OK)
		return could_not("reading the hash tiles: %s", why);
	if (r.size == old)
		aud_range_root(&r, atold);
	for (n = start / AUD_TILE_WIDTH; r.size < cp->size; n++) {
		t.level = AUD_TILE_ENTRIES;
		t.n = n;
		t.w = cp->size - r.size >= AUD_TILE_WIDTH ? AUD_TILE_WIDTH :
		    (unsigned)(cp->size - r.size);
		if (aud_tile_path(&t, path, sizeof(path)) != AUD_OK)
			return could_not("no entry bundle %llu",
			    (unsigned long long)n);
		if ((buf = fetch_tile_at(&p->m->src, &t,
		    (size_t)AUD_TILE_WIDTH * (2 + AUD_MAX_ENTRY), &len,
		    &fellback, why, sizeof(why))) == NULL)
			return could_not("reading the entry bundles: %s", why);
		for (off = 0, k = 0, rc = 0; k < t.w && rc == 0; k++) {
			if (aud_bundle_next(buf, len, &off, &ent, &elen) !=
			    AUD_OK) {
				rc = could_not("%s: holds %u entries, expected "
				    "%u", path, k, t.w);
				break;
			}
			if (aud_entry_parse((const char *)ent, elen, &e, why,
			    sizeof(why)) != AUD_OK) {
				rc = could_not("entry %llu: %s",
				    (unsigned long long)r.size, why);
				break;
			}
			if (e.seq != r.size) {
				rc = could_not("the entry at index %llu says "
				    "seq %llu", (unsigned long long)r.size,
				    (unsigned long long)e.seq);
				break;
			}
			aud_leaf_hash(ent, elen, leaf);
			aud_range_append(&r, leaf);
			if (r.size == old)
				aud_range_root(&r, atold);
			if (e.seq >= old)
				rc = report(p, &e);
		}
		if (rc == 0 && off != len && !fellback)
			rc = could_not("%s: bytes after its %u entries", path,
			    t.w);
		free(buf);
		if (rc != 0)
			return rc;
	}
	aud_range_root(&r, root);
	if (sodium_memcmp(root, cp->root, AUD_HASH) != 0)
		return could_not("the entries read do not hash to the "
		    "checkpoint's root of %llu entries: a tile or an entry "
		    "bundle was changed, added or removed",
		    (unsigned long long)cp->size);
	/* The tiles are now the tree the new checkpoint signs: a different
	 * root at the old size is the log's own doing. */
	*forked = sodium_memcmp(atold, oldroot, AUD_HASH) != 0;
	return 0;
}

/* Copy the events to stdout. */
static void
print_events(FILE *f)
{
	char buf[8192];
	size_t n;

	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
}

/*
 * The new checkpoint (signed by the policy's newest key) against the one
 * kept (signed by one of its keys): fewer entries is a rollback, the
 * same number with another root a fork.  0, or EXIT_ALARM (printed).
 */
static int
kept_consistent(const struct mon *m, const struct cp *cp, const char *note,
    size_t len)
{
	if (cp->size < m->old.size)
		return alarm_both(m, note, len, "the log was rolled back: its "
		    "checkpoint has %llu entries, the one kept has %llu",
		    (unsigned long long)cp->size,
		    (unsigned long long)m->old.size);
	if (cp->size == m->old.size && sodium_memcmp(cp->root, m->old.root,
	    AUD_HASH) != 0)
		return alarm_both(m, note, len, "the log forked: two "
		    "checkpoints of %llu entries with different roots, both "
		    "signed by the log's keys", (unsigned long long)cp->size);
	return 0;
}

/* The line that says what a poll proved, before its events. */
static void
print_summary(const struct mon *m, const struct cp *cp, uint64_t oldsize,
    uint64_t when, uint64_t nevents)
{
	char b64[sodium_base64_ENCODED_LEN(AUD_HASH,
	    sodium_base64_VARIANT_ORIGINAL)], when_s[32], wit[96];

	sodium_bin2base64(b64, sizeof(b64), cp->root, AUD_HASH,
	    sodium_base64_VARIANT_ORIGINAL);
	if (m->pol.nwitnesses > 0)
		snprintf(wit, sizeof(wit), "witnessed at %s (quorum %zu of %zu)",
		    isotime(when, when_s), m->pol.quorum, m->pol.nwitnesses);
	else
		snprintf(wit, sizeof(wit), "the policy names no witnesses");
	printf("checkpoint of %llu entries verified (root %s; %s; %llu new "
	    "entries read, %llu reported)\n", (unsigned long long)cp->size,
	    b64, wit, (unsigned long long)(cp->size - oldsize),
	    (unsigned long long)nevents);
}

/*
 * One poll (docs/ledger.md 6.8): 0, EXIT_CHECK (printed, the state kept)
 * or EXIT_ALARM (printed with both checkpoints).
 */
static int
poll_once(struct mon *m)
{
	const struct aud_vkey *newest = &m->pol.keys[m->pol.nkeys - 1];
	const char *oldnote = NULL;
	struct poll p;
	struct cp cp;
	aud_hash oldroot;
	uint64_t when = 0, oldsize = 0;
	json_t *st = NULL;
	char why[1024], h1[9];
	uint8_t *note;
	size_t len;
	int rc, forked;

	memset(&p, 0, sizeof(p));
	p.m = m;
	if ((note = fetch_tile(&m->src, "checkpoint", AUD_MAX_NOTE, &len,
	    why, sizeof(why))) == NULL)
		return could_not("reading the checkpoint: %s", why);
	if (memchr(note, '\0', len) != NULL) {
		rc = could_not("the checkpoint holds a NUL byte");
		goto out;
	}
	note[len] = '\0';
	if ((rc = read_note((const char *)note, len, newest, 1,
	    m->pol.origin, &cp, why, sizeof(why))) != AUD_OK) {
		rc = could_not("the checkpoint: %s (it must be signed by the "
		    "policy's newest key, %s, for origin %s; after a key "
		    "rotation, add the new key to the policy)", why,
		    kidhex(newest->kid, h1), m->pol.origin);
		goto out;
	}
	if (m->state != NULL) {
		oldnote = json_string_value(json_object_get(m->state,
		    "checkpoint"));
		oldsize = m->old.size;
		memcpy(oldroot, m->old.root, AUD_HASH);
		if ((rc = kept_consistent(m, &cp, (const char *)note, len)) !=
		    0)
			goto out;
	} else
		aud_empty_root(oldroot);
	if (aud_policy_cosigned(&m->pol, (const char *)note, len,
	    (uint64_t)time(NULL), &when, why, sizeof(why)) != AUD_OK) {
		rc = could_not("the checkpoint of %llu entries: not witnessed "
		    "(quorum %zu of %zu within %llu s): %s",
		    (unsigned long long)cp.size, m->pol.quorum,
		    m->pol.nwitnesses, (unsigned long long)m->pol.max_age, why);
		goto out;
	}
	if (oldnote != NULL && cp.size == oldsize) {
		/* nothing new; keep the fresher cosignatures */
		rc = 0;
		if (strcmp(oldnote, (const char *)note) == 0)
			goto out;
	}
	if ((p.events = tmpfile()) == NULL) {
		rc = could_not("a temporary file: %s", strerror(errno));
		goto out;
	}
	p.marks = m->state != NULL ? json_deep_copy(json_object_get(m->state,
	    "marks")) : json_object();
	p.state_org = m->state != NULL ? json_string_value(json_object_get(
	    m->state, "organisation")) : m->org;
	if (p.marks == NULL) {
		rc = could_not("out of memory");
		goto out;
	}
	if (cp.size > oldsize || oldnote == NULL) {
		if ((rc = read_entries(&p, oldsize, oldroot, &cp, &forked)) !=
		    0)
			goto out;
		if (forked) {
			rc = alarm_both(m, (const char *)note, len, "the log "
			    "forked: its tree at %llu entries, read from the "
			    "tiles of its checkpoint of %llu entries, has "
			    "another root than the checkpoint kept",
			    (unsigned long long)oldsize,
			    (unsigned long long)cp.size);
			goto out;
		}
	}
	st = json_pack("{s:i,s:s,s:o,s:O}", "v", 1, "checkpoint",
	    (const char *)note, "organisation", p.state_org != NULL ?
	    json_string(p.state_org) : json_null(), "marks", p.marks);
	if (st == NULL) {
		rc = could_not("out of memory");
		goto out;
	}
	if (state_save(m, st, why, sizeof(why)) != 0) {
		rc = could_not("writing the state file %s: %s", m->statepath,
		    why);
		goto out;
	}
	if (cp.size > oldsize || oldnote == NULL) {
		print_summary(m, &cp, oldsize, when, p.nevents);
		print_events(p.events);
	}
	json_decref(m->state);
	m->state = st;
	st = NULL;
	m->old = cp;
	rc = 0;
out:
	if (p.events != NULL)
		fclose(p.events);
	json_decref(p.marks);
	json_decref(st);
	free(note);
	return rc;
}

/* --- arguments --- */

static int
load_policy_file(struct mon *m, const char *path)
{
	char *text, why[256];
	size_t len;
	int rc;

	if ((text = slurp(path, AUD_MAX_POLICY, &len, why, sizeof(why))) ==
	    NULL) {
		fail("policy %s: %s", path, why);
		return -1;
	}
	rc = aud_policy_parse(text, len, &m->pol, why, sizeof(why));
	free(text);
	if (rc != AUD_OK) {
		fail("policy %s: %s", path, why);
		return -1;
	}
	return 0;
}

int
cmd_monitor(int argc, char **argv)
{
	static struct mon m;
	const char *policy = NULL;
	char *end;
	long interval = 60;
	int i, once = 0, rc;

	memset(&m, 0, sizeof(m));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc &&
		    policy == NULL)
			policy = argv[++i];
		else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc &&
		    m.statepath == NULL)
			m.statepath = argv[++i];
		else if (strcmp(argv[i], "--organisation") == 0 &&
		    i + 1 < argc && m.org == NULL)
			m.org = argv[++i];
		else if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
			errno = 0;
			interval = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || end == argv[i] ||
			    interval < 1 || interval > AUD_MON_MAX_INTERVAL)
				return usage();
		} else if (m.src.where == NULL && argv[i][0] != '-')
			m.src.where = argv[i];
		else
			return usage();
	}
	if (m.src.where == NULL || m.src.where[0] == '\0' || policy == NULL ||
	    m.statepath == NULL || (m.org != NULL && (m.org[0] == '\0' ||
	    strlen(m.org) > AUD_MON_MAX_FACT)))
		return usage();
	m.src.url = strncmp(m.src.where, "http://", 7) == 0 ||
	    strncmp(m.src.where, "https://", 8) == 0;
	if (!m.src.url && !is_dir(m.src.where)) {
		fail("%s is neither an http(s) URL nor a folder", m.src.where);
		return EXIT_USAGE;
	}
	if (load_policy_file(&m, policy) != 0)
		return EXIT_USAGE;
	if ((rc = state_load(&m)) != 0)
		return rc;
	for (;;) {
		rc = poll_once(&m);
		fflush(stdout);
		if (rc == EXIT_ALARM || once)
			break;
		sleep((unsigned)interval);
	}
	json_decref(m.state);
	return rc;
}
