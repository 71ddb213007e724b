/*
 * metrics.c - GET /metrics in the Prometheus text exposition format 0.0.4.
 *
 * The counters are in one anonymous MAP_SHARED mapping made by the master
 * before it forks (fcx_metrics_init): a slot per worker index and one for
 * the master, each an array of 64-bit words updated with __atomic
 * builtins.  A slot holds, for every line of the route table and one
 * "none" line (no route matched): a request count per status (a fixed
 * list and "other") and a latency histogram; then the ledger's append
 * latency histogram, and the master's restart count and running workers.
 * Its size is fixed at start by the route table; nothing grows.
 *
 * Everything else is read when /metrics is asked for: the ledger's size
 * from the worker's read transaction, the published checkpoint file (its
 * size and its witnesses' cosignatures), statvfs of the data directory
 * and LMDB's map.
 */
#include <sys/mman.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"
#include "fcx.h"
#include "metrics.h"

/* The statuses counted by name; any other is counted as "other". */
static const int statuses[] = { 200, 201, 204, 304, 400, 401, 403, 404,
    405, 409, 413, 414, 415, 422, 429, 500, 503, 507 };
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Histogram bucket upper bounds, in microseconds and as printed. */
static const uint64_t bucket_us[] = { 1000, 2500, 5000, 10000, 25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000 };
static const char *const bucket_le[] = { "0.001", "0.0025", "0.005",
    "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5" };
#define NBUCKET		(sizeof(bucket_us) / sizeof(bucket_us[0]))
/* A histogram: NBUCKET finite buckets, +Inf, the sum in microseconds
 * (each bucket counts its own range; they are summed when printed). */
#define HIST_WORDS	(NBUCKET + 2)

/* The published checkpoint is read up to this many bytes: a note with
 * its log signature and a few dozen cosignatures is well under it. */
#define MAX_CHECKPOINT	(64 * 1024)

/* The mapping and this process's place in it. */
static uint64_t	*shm;
static size_t	 nroutes;	/* route table lines; index nroutes: none */
static size_t	 nslots;	/* workers + the master */
static size_t	 slot_words;
static size_t	 myslot;

/* Offsets (in words) inside a slot. */
#define OFF_REQ		0
#define OFF_LAT		((nroutes + 1) * NSTATUS)
#define OFF_APPEND	(OFF_LAT + (nroutes + 1) * HIST_WORDS)
#define OFF_RESTARTS	(OFF_APPEND + HIST_WORDS)
#define OFF_RUNNING	(OFF_RESTARTS + 1)
#define SLOT_WORDS	(OFF_RUNNING + 1)

int
fcx_metrics_init(int nworkers)
{
	void *p;

	if (nworkers < 1 || nworkers > HTQ_MAX_WORKERS)
		return HTQ_EINVAL;
	for (nroutes = 0; fcx_routes[nroutes].pattern != NULL; nroutes++)
		;
	slot_words = SLOT_WORDS;
	nslots = (size_t)nworkers + 1;
	p = mmap(NULL, nslots * slot_words * sizeof(uint64_t),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		shm = NULL;
		return HTQ_ENOMEM;
	}
	shm = p;	/* zero-filled */
	myslot = nslots - 1;
	return HTQ_OK;
}

void
fcx_metrics_slot(int worker)
{
	if (worker >= 0 && (size_t)worker + 1 < nslots)
		myslot = (size_t)worker;
}

static void
add(size_t off, uint64_t n)
{
	if (shm != NULL && off < slot_words)
		__atomic_fetch_add(&shm[myslot * slot_words + off], n,
		    __ATOMIC_RELAXED);
}

/* The sum over every slot of the word at off. */
static uint64_t
total(size_t off)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < nslots; i++)
		sum += __atomic_load_n(&shm[i * slot_words + off],
		    __ATOMIC_RELAXED);
	return sum;
}

static void
observe(size_t hist, uint64_t us)
{
	size_t b;

	for (b = 0; b < NBUCKET && us > bucket_us[b]; b++)
		;
	add(hist + b, 1);
	add(hist + NBUCKET + 1, us);
}

void
fcx_metrics_request(const struct fcx_route *route, int status,
    uint64_t dur_us)
{
	size_t r = nroutes, s;

	if (shm == NULL)
		return;
	if (route != NULL && route >= fcx_routes &&
	    (size_t)(route - fcx_routes) < nroutes)
		r = (size_t)(route - fcx_routes);
	for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
		;
	add(OFF_REQ + r * NSTATUS + s, 1);
	observe(OFF_LAT + r * HIST_WORDS, dur_us);
}

void
fcx_metrics_append(uint64_t dur_us)
{
	observe(OFF_APPEND, dur_us);
}

void
fcx_metrics_restart(void)
{
	add(OFF_RESTARTS, 1);
}

void
fcx_metrics_running(int n)
{
	if (shm != NULL && n >= 0)
		__atomic_store_n(&shm[myslot * slot_words + OFF_RUNNING],
		    (uint64_t)n, __ATOMIC_RELAXED);
}

int
fcx_metrics_local(const char *addr)
{
	return addr != NULL && (strcmp(addr, "127.0.0.1") == 0 ||
	    strcmp(addr, "::1") == 0);
}

size_t
fcx_metrics_cosignatures(const char *note, size_t len,
    void (*fn)(void *, const char *, uint64_t), void *ctx)
{
	static const char dash[] = "\xe2\x80\x94 ";	/* "— " */
	unsigned char sig[80];
	char name[256], b64[160];
	const char *p = note, *end = note + len, *eol, *sp;
	size_t n, got, found = 0;
	uint64_t t;
	int i;

	/* the signatures follow the first blank line */
	while (p < end && (eol = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = eol + 1;
		if (p < end && *p == '\n') {
			p++;
			break;
		}
	}
	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((size_t)(eol - p) < sizeof(dash) ||
		    memcmp(p, dash, sizeof(dash) - 1) != 0)
			continue;
		p += sizeof(dash) - 1;
		if ((sp = memchr(p, ' ', (size_t)(eol - p))) == NULL)
			continue;
		n = (size_t)(sp - p);
		if (n == 0 || n >= sizeof(name) ||
		    (size_t)(eol - sp - 1) >= sizeof(b64))
			continue;
		memcpy(name, p, n);
		name[n] = '\0';
		memcpy(b64, sp + 1, (size_t)(eol - sp - 1));
		b64[eol - sp - 1] = '\0';
		if (sodium_base642bin(sig, sizeof(sig), b64, strlen(b64), NULL,
		    &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    got != 4 + 8 + 64)
			continue;
		for (t = 0, i = 0; i < 8; i++)
			t = t << 8 | sig[4 + i];
		fn(ctx, name, t);
		found++;
	}
	return found;
}

/* Write s as a label value: backslash, double quote and newline escaped
 * (the exposition format's rule). */
static void
put_label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One histogram's lines; labels is "" or 'k="v",' ready to prefix le. */
static void
histogram(FILE *f, const char *name, const char *labels, size_t off)
{
	uint64_t cum = 0;
	size_t b;
	int n = (int)strlen(labels);

	for (b = 0; b <= NBUCKET; b++) {
		cum += total(off + b);
		fprintf(f, "%s_bucket{%sle=\"%s\"} %llu\n", name, labels,
		    b < NBUCKET ? bucket_le[b] : "+Inf",
		    (unsigned long long)cum);
	}
	/* the labels without their trailing comma, in braces if any */
	fprintf(f, "%s_sum%s%.*s%s %.6f\n", name, n ? "{" : "", n ? n - 1 : 0,
	    labels, n ? "}" : "", (double)total(off + NBUCKET + 1) / 1e6);
	fprintf(f, "%s_count%s%.*s%s %llu\n", name, n ? "{" : "",
	    n ? n - 1 : 0, labels, n ? "}" : "", (unsigned long long)cum);
}

/* The method of a route table line, as its label. */
static const char *
route_method(size_t r)
{
	static const enum fcx_method m[] = { FCX_GET, FCX_POST, FCX_PUT,
	    FCX_PATCH, FCX_DELETE };
	size_t i;

	if (r == nroutes)
		return "";
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (fcx_routes[r].methods & m[i])
			return fcx_method_name(m[i]);
	return "";
}

static void
route_labels(char *buf, size_t sz, size_t r)
{
	snprintf(buf, sz, "method=\"%s\",route=\"%s\",", route_method(r),
	    r == nroutes ? "none" : fcx_routes[r].pattern);
}

static void
requests(FILE *f)
{
	char labels[HTQ_MAX_PATH + 64], st[8];
	uint64_t n;
	size_t r, s, b;

	header(f, "htq_http_requests_total", "counter", "Requests the FastCGI "
	    "workers answered, by route (the route table's pattern; \"none\" "
	    "when no route matched) and status (\"other\": a status not "
	    "listed).");
	for (r = 0; r <= nroutes; r++)
		for (s = 0; s < NSTATUS; s++) {
			if ((n = total(OFF_REQ + r * NSTATUS + s)) == 0)
				continue;
			if (s < NSTATUS - 1)
				snprintf(st, sizeof(st), "%d", statuses[s]);
			else
				snprintf(st, sizeof(st), "other");
			route_labels(labels, sizeof(labels), r);
			fprintf(f, "htq_http_requests_total{%sstatus=\"%s\"} "
			    "%llu\n", labels, st, (unsigned long long)n);
		}
	header(f, "htq_http_request_duration_seconds", "histogram",
	    "Time from a request's arrival at a worker to its answer being "
	    "written, by route.");
	for (r = 0; r <= nroutes; r++) {
		for (n = 0, b = 0; b <= NBUCKET; b++)
			n += total(OFF_LAT + r * HIST_WORDS + b);
		if (n == 0)
			continue;
		route_labels(labels, sizeof(labels), r);
		histogram(f, "htq_http_request_duration_seconds", labels,
		    OFF_LAT + r * HIST_WORDS);
	}
}

/* The published checkpoint file: its size (0 when there is none) and
 * its text in buf. */
static size_t
read_checkpoint(const char *datadir, char *buf, size_t bufsz,
    uint64_t *size)
{
	char dir[HTQ_MAX_PATH + 64], path[HTQ_MAX_PATH + 96], *end;
	size_t len = 0;
	ssize_t n;
	int fd, w;

	*size = 0;
	if (htq_public_dir(datadir, dir, sizeof(dir)) != HTQ_OK)
		return 0;
	w = snprintf(path, sizeof(path), "%s/ledger/checkpoint", dir);
	if (w < 0 || (size_t)w >= sizeof(path))
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	while (len < bufsz - 1 &&
	    (n = read(fd, buf + len, bufsz - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	/* origin, then the size */
	if ((end = memchr(buf, '\n', len)) != NULL)
		*size = strtoull(end + 1, NULL, 10);
	return len;
}

struct cosig_out {
	FILE	*f;
	time_t	 now;
};

static void
cosig_line(void *ctx, const char *name, uint64_t t)
{
	struct cosig_out *o = ctx;

	fputs("htq_witness_cosignature_age_seconds{witness=\"", o->f);
	put_label(o->f, name);
	fprintf(o->f, "\"} %lld\n", (long long)o->now - (long long)t);
}

static void
ledger(FILE *f, struct fcx_ctx *ctx)
{
	struct cosig_out o = { f, time(NULL) };
	uint64_t size = 0, published;
	char *cp;
	size_t len;

	if (htq_db_log(ctx->db) != NULL)
		(void)aud_size(htq_db_log(ctx->db), ctx->rtxn, &size);
	if ((cp = malloc(MAX_CHECKPOINT)) == NULL)
		return;
	len = read_checkpoint(ctx->datadir, cp, MAX_CHECKPOINT, &published);
	header(f, "htq_ledger_entries", "gauge", "Entries in the ledger, as "
	    "committed.");
	fprintf(f, "htq_ledger_entries %llu\n", (unsigned long long)size);
	header(f, "htq_ledger_published_entries", "gauge", "The size of the "
	    "published checkpoint file (public/ledger/checkpoint); 0 when "
	    "there is none.");
	fprintf(f, "htq_ledger_published_entries %llu\n",
	    (unsigned long long)published);
	header(f, "htq_ledger_publish_lag_entries", "gauge", "Committed "
	    "entries the published checkpoint does not cover yet.");
	fprintf(f, "htq_ledger_publish_lag_entries %llu\n",
	    (unsigned long long)(size > published ? size - published : 0));
	header(f, "htq_ledger_append_duration_seconds", "histogram", "How "
	    "long the commit of a write transaction that appended ledger "
	    "entries took (LMDB's commit, to disk).");
	histogram(f, "htq_ledger_append_duration_seconds", "", OFF_APPEND);
	header(f, "htq_witness_cosignature_age_seconds", "gauge", "Seconds "
	    "since the time in each witness cosignature on the published "
	    "checkpoint, by witness name.");
	fcx_metrics_cosignatures(cp, len, cosig_line, &o);
	free(cp);
}

static void
storage(FILE *f, struct fcx_ctx *ctx)
{
	struct statvfs sv;
	MDB_envinfo ei;
	MDB_stat st;
	MDB_env *env = htq_db_env(ctx->db);

	header(f, "htq_workers_running", "gauge", "FastCGI workers the master "
	    "has running.");
	fprintf(f, "htq_workers_running %llu\n",
	    (unsigned long long)total(OFF_RUNNING));
	header(f, "htq_worker_restarts_total", "counter", "Workers the master "
	    "replaced after they died.");
	fprintf(f, "htq_worker_restarts_total %llu\n",
	    (unsigned long long)total(OFF_RESTARTS));
	if (statvfs(ctx->datadir, &sv) == 0) {
		header(f, "htq_disk_free_bytes", "gauge", "Bytes free to the "
		    "service on the data directory's filesystem.");
		fprintf(f, "htq_disk_free_bytes %llu\n",
		    (unsigned long long)sv.f_bavail * sv.f_frsize);
		header(f, "htq_disk_total_bytes", "gauge", "Size of the data "
		    "directory's filesystem in bytes.");
		fprintf(f, "htq_disk_total_bytes %llu\n",
		    (unsigned long long)sv.f_blocks * sv.f_frsize);
	}
	if (env != NULL && mdb_env_info(env, &ei) == 0 &&
	    mdb_env_stat(env, &st) == 0) {
		header(f, "htq_lmdb_map_size_bytes", "gauge", "The LMDB map's "
		    "size: the most the database may hold.");
		fprintf(f, "htq_lmdb_map_size_bytes %llu\n",
		    (unsigned long long)ei.me_mapsize);
		header(f, "htq_lmdb_used_bytes", "gauge", "Bytes of the map in "
		    "use: pages up to the last one used times the page size.");
		fprintf(f, "htq_lmdb_used_bytes %llu\n",
		    ((unsigned long long)ei.me_last_pgno + 1) * st.ms_psize);
	}
}

int
fcx_h_metrics(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int bad;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if (shm == NULL)
		return fcx_error(resp, 503, "unavailable", "metrics are not "
		    "kept: the server could not map their memory at start");
	if ((f = open_memstream(&buf, &len)) == NULL)
		return fcx_error(resp, 503, "unavailable", "out of memory");
	requests(f);
	ledger(f, ctx);
	storage(f, ctx);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return fcx_error(resp, 503, "unavailable", "out of memory");
	}
	resp->owned = buf;
	resp->raw = buf;
	resp->raw_len = len;
	resp->ctype = "text/plain; version=0.0.4; charset=utf-8";
	resp->status = 200;
	return 200;
}
