/*
 * bench_ledger.c - ledger micro-benchmarks for 'make bench', each printed
 * as a ratio against a baseline measured in the same run:
 *
 *   durable append (1 entry per fsync'd txn)   vs raw LMDB durable put
 *   batched append (10,000 entries in one txn) vs raw sign+verify per entry
 *   htq-verify on an N-entry export (1 and 2 jobs) vs raw verify rate; RSS
 *   inclusion proof at N entries               vs at 1,000 entries
 *   durable append + publishing the static tiles vs durable append alone
 *     (information; make bench checks a lone submit over HTTP against
 *     the same primitive, bench_ledger submit)
 *
 * usage: bench_ledger [N]   (default 1000000; BIN names the binary dir)
 *        bench_ledger publish   (the publishing figure alone)
 *        bench_ledger submit DIR [COUNT]
 *            the primitive a submit over HTTP cannot avoid, COUNT times
 *            (default 200) against DIR, a data directory made by
 *            'htqctl init': one durable ledger append of a
 *            submission.submitted entry (htq_txn_write, htq_record,
 *            htq_commit) and one publish of the static files
 *            (htq_publish); prints one line for tests/bench/workflow.py:
 *            "primitive n=COUNT p50_us=... p99_us=... mean_us=..."
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "publish.h"
#include "aud.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_ledger: %s failed\n", what);
		exit(1);
	}
}

static void
report(const char *name, double ratio, double target, int at_most)
{
	int ok = at_most ? ratio <= target : ratio >= target;

	printf("  %-44s %6.2fx  (target %s %.2f) %s\n", name, ratio,
	    at_most ? "<=" : ">=", target, ok ? "ok" : "BELOW TARGET");
}

/* A fresh data dir with db, key and ledger attached. */
static struct htq_db *
fresh(char *dir, size_t dirsz)
{
	struct htq_db *db;
	char cmd[256], path[256];

	snprintf(dir, dirsz, "/tmp/htq-bench-XXXXXX");
	check(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/keys", dir);
	check(system(cmd) == 0, "mkdir");
	check(htq_db_open(dir, HTQ_DB_CREATE, &db) == HTQ_OK, "db open");
	check(htq_key_path(dir, "ledger.key", path, sizeof(path)) == HTQ_OK &&
	    aud_key_generate(path, htq_origin()) == HTQ_OK, "key");
	check(htq_ledger_attach(db, dir, 1) == HTQ_OK, "attach");
	return db;
}

static void
discard(struct htq_db *db, const char *dir)
{
	char cmd[256];

	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_ledger: cannot remove %s\n", dir);
}

static json_t *
payload(uint64_t i)
{
	return json_pack("{s:s,s:I,s:s}", "mark", "HTQ-2026-000123",
	    "n", (json_int_t)i, "standard", "ST0116@1.1");
}

/* Append count entries, per_txn in each transaction. */
static double
append_entries(struct htq_db *db, uint64_t count, uint64_t per_txn)
{
	MDB_txn *txn;
	json_t *d;
	uint64_t i = 0, j;
	double t0 = now();

	while (i < count) {
		check(htq_txn_write(db, &txn) == HTQ_OK, "txn");
		for (j = 0; j < per_txn && i < count; j++, i++) {
			d = payload(i);
			check(aud_append(htq_db_log(db), txn, htq_db_key(db),
			    "mark.awarded", "acct-7f3a", "HTQ-2026-000123", d,
			    NULL) == HTQ_OK, "append");
			json_decref(d);
		}
		check(htq_commit(db, txn) == HTQ_OK, "commit");
	}
	return now() - t0;
}

/* The size of one typical entry, for the raw baselines. */
static size_t
entry_size(struct htq_db *db)
{
	const uint8_t *sig;
	const char *e;
	size_t len;
	MDB_txn *txn;

	check(htq_txn_read(db, &txn) == HTQ_OK, "txn");
	check(aud_entry_get(htq_db_log(db), txn, 0, &e, &len, &sig) == HTQ_OK,
	    "get");
	mdb_txn_abort(txn);
	return len;
}

/*
 * Durable append against a raw durable put of the same size, in
 * alternating rounds so that drift in fsync latency hits both alike.
 */
static void
bench_durable(void)
{
	enum { ROUNDS = 8, PER = 50 };
	struct htq_db *db;
	char dir[64];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	uint8_t key[8], *val;
	double t_app = 0, t_raw = 0, t0;
	size_t len;
	int r, i, n = 0;

	db = fresh(dir, sizeof(dir));
	append_entries(db, 10, 1);		/* warm up */
	len = entry_size(db) + AUD_SIG;
	env = htq_db_env(db);
	check(mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
	    mdb_dbi_open(txn, "raw", MDB_CREATE, &dbi) == 0 &&
	    mdb_txn_commit(txn) == 0, "raw db");
	val = calloc(1, len);
	for (r = 0; r < ROUNDS; r++) {
		t_app += append_entries(db, PER, 1);
		t0 = now();
		for (i = 0; i < PER; i++, n++) {
			memset(key, 0, sizeof(key));
			key[6] = (uint8_t)(n >> 8);
			key[7] = (uint8_t)n;
			k.mv_size = 8;
			k.mv_data = key;
			v.mv_size = len;
			v.mv_data = val;
			check(mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
			    mdb_put(txn, dbi, &k, &v, 0) == 0 &&
			    mdb_txn_commit(txn) == 0, "raw put");
		}
		t_raw += now() - t0;
	}
	free(val);
	printf("  durable append: %.0f/s, raw durable put: %.0f/s\n",
	    ROUNDS * PER / t_app, ROUNDS * PER / t_raw);
	report("durable append / raw LMDB durable put", t_raw / t_app, 0.7, 0);
	discard(db, dir);
}

/* Durable appends, each followed by publishing the static files when
 * publish is set; seconds. */
static double t_publish_only;	/* of which in htq_publish */

static double
append_publish(struct htq_db *db, int count, int publish)
{
	double t0 = now(), t1;
	int i;

	for (i = 0; i < count; i++) {
		append_entries(db, 1, 1);
		if (publish) {
			t1 = now();
			check(htq_publish(db, 0) == HTQ_OK, "publish");
			t_publish_only += now() - t1;
		}
	}
	return now() - t0;
}

/*
 * What publishing (core/publish/publish.c: entry bundle, level-0 tile and the
 * checkpoint rewritten, full tiles fsynced as they complete) adds to a
 * durable append, in alternating rounds over 2,000 entries, so that full
 * tiles complete in the measurement as they do in service.  Then the same
 * with HTQ_PUBLISH_FSYNC=all, for information.
 */
static void
bench_publish(void)
{
	enum { ROUNDS = 10, PER = 100 };
	struct htq_db *db;
	char dir[64];
	double t_plain = 0, t_pub = 0, t_all = 0;
	int r;

	db = fresh(dir, sizeof(dir));
	if (getenv("BENCH_PUBLIC")) {	/* publish to another filesystem */
		char link[128];

		snprintf(link, sizeof(link), "%s/public", dir);
		check(symlink(getenv("BENCH_PUBLIC"), link) == 0, "symlink");
	}
	append_entries(db, 10, 1);		/* warm up */
	check(htq_publish(db, 0) == HTQ_OK, "publish");
	for (r = 0; r < ROUNDS; r++) {
		t_plain += append_publish(db, PER, 0);
		t_pub += append_publish(db, PER, 1);
	}
	{
		double keep = t_publish_only;

		setenv("HTQ_PUBLISH_FSYNC", "all", 1);
		t_all = append_publish(db, PER, 1) * ROUNDS;
		t_publish_only = keep;
	}
	unsetenv("HTQ_PUBLISH_FSYNC");
	printf("  durable append: %.0f/s; with publishing: %.0f/s (%.0f us "
	    "a publish); with every published file fsynced: %.0f/s\n",
	    ROUNDS * PER / t_plain, ROUNDS * PER / t_pub,
	    t_publish_only / (ROUNDS * PER) * 1e6, ROUNDS * PER / t_all);
	/* for information: each append pays for one publish of its own, the
	 * primitive against which tests/bench/run.sh checks a lone submit
	 * over HTTP (bench_ledger submit) */
	printf("  %-44s %6.2fx  (information: one publish per append)\n",
	    "durable append + publish / durable append", t_pub / t_plain);
	discard(db, dir);
}

/* Time count sign+verify pairs over messages of len bytes. */
/*
 * The raw rate of the same crypto work for messages of len bytes: sign
 * and verify each (sign), or verify only.  Verify-only cycles through 256
 * distinct messages and signatures: checking one signature over and over
 * runs faster than any real ledger (the variable-time scalar multiplication
 * takes the same branches every time), which would flatter the baseline.
 */
#define DISTINCT	256

static double
raw_crypto(size_t len, int count, int sign)
{
	uint8_t pk[32], sk[64], (*sig)[64] = calloc(DISTINCT, 64);
	uint8_t *msg = calloc(DISTINCT, len + 32);
	double t0;
	int i, k;

	check(sig != NULL && msg != NULL, "memory");
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, DISTINCT * (len + 32));
	for (k = 0; k < DISTINCT; k++)
		crypto_sign_detached(sig[k], NULL, msg + k * (len + 32), len,
		    sk);
	t0 = now();
	for (i = 0; i < count; i++) {
		k = i % DISTINCT;
		if (sign) {
			msg[k * (len + 32)] = (uint8_t)i;
			crypto_sign_detached(sig[k], NULL, msg + k * (len + 32),
			    len, sk);
		}
		check(crypto_sign_verify_detached(sig[k], msg + k * (len + 32),
		    len, pk) == 0, "raw verify");
	}
	t0 = now() - t0;
	free(msg);
	free(sig);
	return t0;
}

static void
bench_batch(void)
{
	enum { N = 10000 };
	struct htq_db *db;
	char dir[64];
	double t_app, t_raw;

	db = fresh(dir, sizeof(dir));
	t_app = append_entries(db, N, N);
	t_raw = raw_crypto(entry_size(db) + strlen(AUD_ENTRY_CONTEXT), N, 1);
	printf("  batched append: %.0f/s, raw sign+verify: %.0f/s\n",
	    N / t_app, N / t_raw);
	report("batched append (10k/txn) / raw sign+verify", t_raw / t_app,
	    0.6, 0);
	discard(db, dir);
}

/* Run htq-verify; return wall seconds and peak RSS in KiB. */
static double
run_verify(const char *bin, const char *file, const char *key, int jobs,
    long *rss)
{
	char exe[256], j[8];
	struct rusage ru;
	double t0 = now();
	pid_t pid;
	int st;

	snprintf(exe, sizeof(exe), "%s/htq-verify", bin);
	snprintf(j, sizeof(j), "%d", jobs);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		freopen("/dev/null", "w", stdout);
		execl(exe, exe, "ledger", file, "--key", key, "--jobs", j,
		    (char *)NULL);
		_exit(127);
	}
	check(pid > 0 && wait4(pid, &st, 0, &ru) == pid, "wait");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "htq-verify");
	*rss = ru.ru_maxrss;
	return now() - t0;
}

#define PROOFS	20000	/* per round */

static double
time_proofs(struct htq_db *db, uint64_t size, int count)
{
	aud_hash h[AUD_MAX_PROOF];
	MDB_txn *txn;
	size_t n;
	double t0;
	int i;

	check(htq_txn_read(db, &txn) == HTQ_OK, "txn");
	t0 = now();
	for (i = 0; i < count; i++)
		check(aud_prove_inclusion(htq_db_log(db), txn,
		    (uint64_t)(((unsigned)i * 2654435761u) % size), size, h, &n)
		    == HTQ_OK, "proof");
	t0 = now() - t0;
	mdb_txn_abort(txn);
	return t0;
}

/* Seconds per entry of the verifier's strict entry check
 * (aud_entry_parse) over the first count entries, best of 3. */
static double
strict_check_cost(struct htq_db *db, uint64_t count)
{
	struct aud_entry e;
	const uint8_t *sig;
	const char *ent;
	char why[160];
	double best = 1e30, t;
	size_t len;
	uint64_t i;
	int round;
	MDB_txn *txn;

	check(htq_txn_read(db, &txn) == HTQ_OK, "txn");
	for (round = 0; round < 3; round++) {
		t = now();
		for (i = 0; i < count; i++) {
			check(aud_entry_get(htq_db_log(db), txn, i, &ent, &len,
			    &sig) == AUD_OK, "entry");
			check(aud_entry_parse(ent, len, &e, why, sizeof(why)) ==
			    AUD_OK, "strict check");
		}
		t = (now() - t) / (double)count;
		best = t < best ? t : best;
	}
	mdb_txn_abort(txn);
	return best;
}

static void
bench_verify_and_proofs(uint64_t n, const char *bin)
{
	struct htq_db *db, *small;
	struct aud_vkey vk;
	char dir[64], sdir[64], file[128], key[256];
	double t_gen, t, t1, t2, t_raw, p_big, p_small, strict;
	long rss, rss1, rss2;
	int round;
	MDB_txn *txn;
	FILE *f;

	db = fresh(dir, sizeof(dir));
	fprintf(stderr, "  (building a %llu-entry ledger...)\n",
	    (unsigned long long)n);
	t_gen = append_entries(db, n, 10000);
	printf("  built %llu entries in %.1fs (%.0f/s)\n",
	    (unsigned long long)n, t_gen, n / t_gen);
	/* Proofs first, on the freshly built ledger: the verifier runs below
	 * load both cores for minutes, and what they leave behind is not
	 * what a proof costs. */
	small = fresh(sdir, sizeof(sdir));
	append_entries(small, 1000, 1000);
	/* Warm up with the very proofs timed below: the first touch of a page
	 * of the map is a page fault, a cost of a process's start, not of
	 * proof work.  Both sizes are then measured in the same steady state. */
	time_proofs(db, n, PROOFS);
	time_proofs(small, 1000, PROOFS);
	p_big = p_small = 1e30;
	for (round = 0; round < 10; round++) {
		t = time_proofs(db, n, PROOFS);
		p_big = t < p_big ? t : p_big;
		t = time_proofs(small, 1000, PROOFS);
		p_small = t < p_small ? t : p_small;
	}
	printf("  inclusion proof: %.1f us at %llu, %.1f us at 1000\n",
	    p_big / PROOFS * 1e6, (unsigned long long)n,
	    p_small / PROOFS * 1e6);
	report("inclusion proof cost at N / at 1,000", p_big / p_small, 2.0, 1);
	discard(small, sdir);

	snprintf(file, sizeof(file), "%s/export.jsonl", dir);
	check((f = fopen(file, "w")) != NULL, "export file");
	check(htq_txn_read(db, &txn) == HTQ_OK, "txn");
	check(aud_export(htq_db_log(db), txn, htq_db_key(db), f, NULL) == HTQ_OK, "export");
	mdb_txn_abort(txn);
	fclose(f);
	aud_key_public(htq_db_key(db), &vk);
	aud_vkey_format(&vk, key, sizeof(key));
	strict = strict_check_cost(db, n < 200000 ? n : 200000);

	/*
	 * This machine may share its cores: every figure is the best of
	 * rounds that alternate between the measurement and its baseline, so
	 * that both meet the same interference.
	 */
	t_raw = t1 = t2 = 1e30;
	rss1 = rss2 = 0;
	for (round = 0; round < 2; round++) {
		t = raw_crypto(entry_size(db) + strlen(AUD_ENTRY_CONTEXT),
		    50000, 0) / 50000 * (double)n;
		t_raw = t < t_raw ? t : t_raw;
		t = run_verify(bin, file, key, 1, &rss);
		t1 = t < t1 ? t : t1;
		rss1 = rss > rss1 ? rss : rss1;
		t = run_verify(bin, file, key, 2, &rss);
		t2 = t < t2 ? t : t2;
		rss2 = rss > rss2 ? rss : rss2;
	}
	printf("  htq-verify: %.0f entries/s (1 job), %.0f/s (2 jobs); raw "
	    "verify %.0f/s; peak RSS %ld / %ld KiB\n", n / t1, n / t2,
	    n / t_raw, rss1, rss2);
	printf("  strict entry check (parse, canonical form, field forms): "
	    "%.2f us/entry = %.1f%% of one signature check\n", strict * 1e6,
	    100 * strict / (t_raw / (double)n));
	report("htq-verify --jobs 1 / raw verify", t_raw / t1, 0.8, 0);
	report("htq-verify --jobs 2 / raw verify (1 thread)", t_raw / t2, 1.4,
	    0);
	report("htq-verify peak RSS MiB (jobs 2) / 16 MiB",
	    (double)(rss1 > rss2 ? rss1 : rss2) / 1024 / 16, 1.0, 1);

	if (getenv("BENCH_KEEP")) {	/* leave the export for profiling */
		printf("  kept %s (key %s)\n", file, key);
		htq_db_close(db);
	} else
		discard(db, dir);
}

/*
 * The data of a submission.submitted entry as a submit writes it
 * (core/submissions.c): submission, organisation, standard {ref, version},
 * route, content_sha256, coverage {...} and window; i makes each
 * submission's id its own.
 */
static json_t *
submitted_data(int i, char *id, size_t idsz)
{
	char sha[65];
	int k;

	snprintf(id, idsz, "s-%016x", 0x5b000000u + (unsigned)i);
	for (k = 0; k < 64; k++)
		sha[k] = "0123456789abcdef"[(i * 7 + k * 13) & 15];
	sha[64] = '\0';
	return json_pack("{s:s,s:s,s:{s:s,s:s},s:s,s:s,s:{s:{s:i,s:i},"
	    "s:i,s:{s:i,s:i},s:i,s:{s:i,s:i},s:i,s:[]},s:s}",
	    "submission", id, "organisation", "o-2575977d7d64ed81",
	    "standard", "ref", "ST0116", "version", "1.2",
	    "route", "Digital", "content_sha256", sha,
	    "coverage", "behaviours", "covered", 9, "total", 9,
	    "covered", 39, "knowledge", "covered", 12, "total", 12,
	    "percentage", 100, "skills", "covered", 18, "total", 18,
	    "total", 39, "uncovered",
	    "window", "w-37f2ad17126615fa");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * What a lone submit over HTTP cannot avoid, in process: a durable
 * append of its ledger entry and a publish of the static files, count
 * times (after 5 not timed), each timed on its own.  dir is a data
 * directory initialised like the stack's ('htqctl init'); only the
 * public functions of core/htq.h.
 */
static void
bench_submit(const char *dir, int count)
{
	enum { WARM = 5 };
	struct htq_db *db;
	MDB_txn *txn;
	json_t *d;
	char id[32];
	double *t, t0, sum = 0;
	int i;

	check(count > 0 && (t = calloc((size_t)count, sizeof(*t))) != NULL,
	    "count");
	check(htq_db_open(dir, 0, &db) == HTQ_OK, "db open");
	check(htq_ledger_attach(db, dir, 1) == HTQ_OK, "ledger attach");
	htq_set_actor(db, "a-d1ee945199fc2c3e");
	check(htq_publish(db, 0) == HTQ_OK, "publish");
	for (i = -WARM; i < count; i++) {
		d = submitted_data(i + WARM, id, sizeof(id));
		check(d != NULL, "entry data");
		t0 = now();
		check(htq_txn_write(db, &txn) == HTQ_OK, "txn");
		check(htq_record(db, txn, "submission.submitted", id, d) ==
		    HTQ_OK, "record");
		check(htq_commit(db, txn) == HTQ_OK, "commit");
		check(htq_publish(db, 0) == HTQ_OK, "publish");
		t0 = now() - t0;
		json_decref(d);
		if (i >= 0) {
			t[i] = t0;
			sum += t0;
		}
	}
	htq_db_close(db);
	qsort(t, (size_t)count, sizeof(*t), cmp_double);
	/* the same ranks as workflow.py takes of the HTTP side */
	printf("primitive n=%d p50_us=%.0f p99_us=%.0f mean_us=%.0f\n", count,
	    t[count / 2] * 1e6, t[(count * 99 + 99) / 100 - 1] * 1e6,
	    sum / count * 1e6);
	free(t);
}

int
main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	const char *bin = getenv("BIN") ? getenv("BIN") : "bin";

	check(sodium_init() >= 0, "sodium_init");
	if (argc > 2 && strcmp(argv[1], "submit") == 0) {
		bench_submit(argv[2], argc > 3 ? atoi(argv[3]) : 200);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "publish") == 0) {
		bench_publish();
		return 0;
	}
	bench_durable();
	bench_publish();
	bench_batch();
	bench_verify_and_proofs(n, bin);
	return 0;
}
