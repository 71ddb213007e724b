/*
 * ctl_ledger.c - htqctl ledger export|show|checkpoint|publish|policy.
 */
#define _GNU_SOURCE	/* fopencookie */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "aud.h"

static int show_progress;

static void
progress(uint64_t done, uint64_t total)
{
	if (show_progress)
		fprintf(stderr, "\rexported %llu of %llu entries",
		    (unsigned long long)done, (unsigned long long)total);
}

/*
 * The export's last line, {"checkpoint": "<note>"}, is written by
 * aud_export with the log's signature alone; the published checkpoint
 * also carries the witnesses' cosignatures.  The export goes through a
 * stream that holds back its last want bytes, which are then replaced
 * by the line with the cosigned checkpoint (the same text as
 * ledger/checkpoint and /api/v1/ledger/checkpoint).
 */
struct tail {
	FILE	*out;
	char	*buf;		/* the last bytes written, up to want */
	size_t	 len, want;
};

static ssize_t
tail_write(void *ctx, const char *b, size_t n)
{
	struct tail *t = ctx;
	size_t emit, old, total = n;

	if (t->len + n > t->want) {
		emit = t->len + n - t->want;
		old = emit < t->len ? emit : t->len;
		if (fwrite(t->buf, 1, old, t->out) != old)
			return -1;
		memmove(t->buf, t->buf + old, t->len - old);
		t->len -= old;
		emit -= old;
		if (emit > 0 && fwrite(b, 1, emit, t->out) != emit)
			return -1;
		b += emit;
		n -= emit;
	}
	memcpy(t->buf + t->len, b, n);
	t->len += n;
	return (ssize_t)total;
}

/* {"checkpoint": text} and a newline, malloc'd. */
static char *
checkpoint_line(const char *text, size_t len)
{
	json_t *o = json_pack("{s:s%}", "checkpoint", text, len);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL, *nl;
	size_t n;

	json_decref(o);
	if (line == NULL || (nl = realloc(line, (n = strlen(line)) + 2)) ==
	    NULL) {
		free(line);
		return NULL;
	}
	nl[n] = '\n';
	nl[n + 1] = '\0';
	return nl;
}

/* aud_export into f, its checkpoint line with the cosignatures. */
static int
export_cosigned(struct ctl *c, MDB_txn *txn, FILE *f)
{
	cookie_io_functions_t io = { NULL, tail_write, NULL, NULL };
	struct tail t = { .out = f };
	char *plain = NULL, *signed_ = NULL, *cp = NULL;
	const char *note;
	size_t len, cplen;
	FILE *cf;
	int rc;

	if ((rc = htq_checkpoint(c->db, txn, &note, &len)) != HTQ_OK ||
	    (plain = checkpoint_line(note, len)) == NULL ||
	    (rc = htq_checkpoint_cosigned(c->db, txn, &cp, &cplen)) !=
	    HTQ_OK || (signed_ = checkpoint_line(cp, cplen)) == NULL) {
		rc = rc != HTQ_OK ? rc : HTQ_ENOMEM;
		goto out;
	}
	t.want = strlen(plain);
	if ((t.buf = malloc(t.want)) == NULL ||
	    (cf = fopencookie(&t, "w", io)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	rc = aud_export(htq_db_log(c->db), txn, htq_db_key(c->db), cf,
	    progress);
	if (fclose(cf) != 0 && rc == HTQ_OK)
		rc = HTQ_EIO;
	if (rc == HTQ_OK) {
		/* the held-back bytes are the plain checkpoint line */
		const char *last = t.len == t.want &&
		    memcmp(t.buf, plain, t.want) == 0 ? signed_ : t.buf;
		size_t n = last == signed_ ? strlen(signed_) : t.len;

		if (fwrite(last, 1, n, f) != n || fflush(f) != 0)
			rc = HTQ_EIO;
	}
out:
	free(t.buf);
	free(plain);
	free(signed_);
	free(cp);
	return rc;
}

static int
cmd_export(struct ctl *c, int argc, char **argv)
{
	const char *out = NULL;
	struct htq_atomic a;
	MDB_txn *txn;
	FILE *f;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl ledger export --out FILE|-\n\n"
		    "Write the whole ledger as JSON Lines: one {\"seq\", "
		    "\"entry\", \"sig\"} per entry,\nthen {\"checkpoint\": "
		    "\"<signed note>\"} (with the witnesses' cosignatures the "
		    "published\ncheckpoint has).  Verify it with htq-verify "
		    "ledger.\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--out") == 0)
		out = argv[2];
	else {
		fprintf(stderr, "usage: htqctl ledger export --out FILE|-\n");
		return 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if (strcmp(out, "-") == 0)
		f = stdout;
	else {
		/* a fresh name beside the target, renamed when complete;
		 * the file is the caller's, not the data directory's */
		htq_as_caller(1);
		if ((rc = htq_atomic_open(out, 0644, &a)) != HTQ_OK) {
			htq_as_caller(0);
			fprintf(stderr, "htqctl: cannot create a file beside "
			    "%s: %s\n", out, strerror(errno));
			return 1;
		}
		f = a.f;
	}
	show_progress = isatty(STDERR_FILENO);
	if ((rc = htq_txn_read(c->db, &txn)) == HTQ_OK) {
		rc = export_cosigned(c, txn, f);
		mdb_txn_abort(txn);
	}
	if (show_progress)
		fputc('\n', stderr);
	if (f != stdout) {
		if (rc == HTQ_OK)
			rc = htq_atomic_commit(&a);
		else
			htq_atomic_abort(&a);
		htq_as_caller(0);
	}
	return rc == HTQ_OK ? 0 : ctl_fail("export", rc);
}

static int
cmd_show(struct ctl *c, int argc, char **argv)
{
	char b64[sodium_base64_ENCODED_LEN(AUD_SIG,
	    sodium_base64_VARIANT_ORIGINAL)], *end;
	const uint8_t *sig;
	const char *e;
	unsigned long long seq;
	MDB_txn *txn;
	json_t *doc;
	size_t len;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl ledger show SEQ\n\nPrint one entry, its "
		    "exact bytes and its signature.\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] < '0' || argv[1][0] > '9') {
		fprintf(stderr, "usage: htqctl ledger show SEQ\n");
		return 2;
	}
	errno = 0;
	seq = strtoull(argv[1], &end, 10);
	if (*end != '\0' || errno != 0) {
		fprintf(stderr, "usage: htqctl ledger show SEQ\n");
		return 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = aud_entry_get(htq_db_log(c->db), txn, seq, &e, &len, &sig);
	if (rc == HTQ_OK) {
		printf("entry %llu (%zu bytes):\n%.*s\n", seq, len, (int)len, e);
		sodium_bin2base64(b64, sizeof(b64), sig, AUD_SIG,
		    sodium_base64_VARIANT_ORIGINAL);
		printf("signature: %s\n", b64);
		if ((doc = json_loadb(e, len, 0, NULL)) != NULL) {
			printf("decoded:\n");
			ctl_print_json(doc);
		}
	}
	if (rc == HTQ_ENOTFOUND) {
		uint64_t size = 0;

		aud_size(htq_db_log(c->db), txn, &size);
		fprintf(stderr, "htqctl: no entry %llu: the ledger has %llu "
		    "entries (0 to %llu)\n", seq, (unsigned long long)size,
		    size ? (unsigned long long)size - 1 : 0ULL);
	}
	mdb_txn_abort(txn);
	if (rc == HTQ_ENOTFOUND)
		return 1;
	return rc == HTQ_OK ? 0 : ctl_fail(argv[1], rc);
}

static int
cmd_checkpoint(struct ctl *c, int argc, char **argv)
{
	char *text = NULL;
	MDB_txn *txn;
	size_t len;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl ledger checkpoint\n\nPrint the latest "
		    "signed checkpoint (a C2SP signed note), with the witnesses'\n"
		    "cosignatures the published one has (docs/ledger.md 8).\n");
		return 0;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_checkpoint_cosigned(c->db, txn, &text, &len)) ==
	    HTQ_OK)
		fwrite(text, 1, len, stdout);
	free(text);
	mdb_txn_abort(txn);
	return rc == HTQ_OK ? 0 : ctl_fail("checkpoint", rc);
}

static void
print_rel(void *ctx, const char *rel)
{
	(void)ctx;
	printf("%s\n", rel);
}

static int
cmd_publish(struct ctl *c, int argc, char **argv)
{
	char dir[4096];
	int rebuild = argc == 2 && strcmp(argv[1], "--rebuild") == 0, rc;
	int check = argc == 2 && strcmp(argv[1], "--check") == 0;
	size_t n;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl ledger publish [--rebuild | --check]\n\n"
		    "Bring the static files in DATA/public up to date: the "
		    "ledger (C2SP tlog-tiles:\nledger/checkpoint, "
		    "ledger/tile/..., .well-known/htq-ledger-keys) and the "
		    "site's\nfiles derived from it (marks/, verify/, "
		    "register/, standards/).  Writers do\nthis after each "
		    "commit and htq-fcgi at start-up; --rebuild checks every "
		    "file\nand rewrites any that is missing or differs; "
		    "--check writes nothing, prints\neach file that is "
		    "missing or differs (relative to DATA/public) and exits "
		    "1 if\nthere is any.  Serve DATA/public from any static "
		    "host (docs/ledger.md).\n");
		return 0;
	}
	if (argc != 1 && !rebuild && !check) {
		fprintf(stderr, "usage: htqctl ledger publish [--rebuild | "
		    "--check]\n");
		return 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if (htq_public_dir(c->datadir, dir, sizeof(dir)) != HTQ_OK)
		return ctl_fail("publish", HTQ_EINVAL);
	if (check) {
		if ((rc = htq_publish_check(c->db, print_rel, NULL, &n)) !=
		    HTQ_OK)
			return ctl_fail("check", rc);
		fprintf(stderr, "%zu file%s in %s %s the database\n", n,
		    n == 1 ? "" : "s", dir, n == 1 ? "differs from" :
		    "differ from");
		return n == 0 ? 0 : 1;
	}
	if ((rc = htq_publish(c->db, rebuild ? HTQ_PUBLISH_REBUILD : 0)) !=
	    HTQ_OK)
		return ctl_fail("publish", rc);
	printf("published in %s\n", dir);
	return 0;
}

static int
cmd_policy(struct ctl *c, int argc, char **argv)
{
	MDB_txn *txn;
	char *text = NULL;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl ledger policy\n\nPrint this instance's "
		    "verifier policy file (docs/ledger.md 6.7): the\nlog's "
		    "origin, its verifier keys oldest first, and the "
		    "witnesses, quorum\nand max_age of DATA/witnesses.  Give "
		    "it to verifiers by a channel other\nthan this server.\n");
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: htqctl ledger policy\n");
		return 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_policy_text(c->db, txn, &text);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK)
		return ctl_fail("policy", rc);
	fputs(text, stdout);
	free(text);
	return 0;
}

static const struct ctl_cmd cmds[] = {
	{ "export", cmd_export, "write the ledger as JSON Lines" },
	{ "show", cmd_show, "print one entry" },
	{ "checkpoint", cmd_checkpoint, "print the latest signed checkpoint" },
	{ "publish", cmd_publish, "update the static files (tiles, "
	    "checkpoint, keys)" },
	{ "policy", cmd_policy, "print the verifier policy file (keys, "
	    "witnesses)" },
	{ NULL, NULL, NULL }
};

int
ctl_ledger(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "ledger", cmds, argc - 1, argv + 1);
}
