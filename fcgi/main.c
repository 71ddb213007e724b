/*
 * main.c - htq-fcgi: the pre-fork FastCGI master and its workers.
 *
 * The master binds the FastCGI unix socket, forks the workers, restarts
 * any that die and, on SIGTERM or SIGINT, asks them to finish the request
 * in hand and stop.  Each worker opens LMDB after fork() and loops:
 * accept, copy the request out of libfcgi into a struct fcx_req, dispatch,
 * write the response, log one line.  This is the only file that includes
 * a FastCGI header.
 *
 * usage: htq-fcgi [--data DIR] [--socket PATH] [--workers N]
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "fcx.h"
#include "metrics.h"

static volatile sig_atomic_t stopping;
static volatile sig_atomic_t child_exited;

struct config {
	const char	*datadir;
	char		 socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int		 workers;
};

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static void
on_child(int sig)
{
	(void)sig;
	child_exited = 1;
}

static void
set_signal(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: accept() must see EINTR */
	sigaction(sig, &sa, NULL);
}

/*
 * Write s into buf as a quoted logfmt value, escaping quotes, backslashes
 * and anything that is not printable ASCII, so that a request can never
 * forge or split log lines.  At most max input bytes are shown.
 */
static void
log_quote(char *buf, size_t sz, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, off = 0;
	unsigned char c;

	buf[off++] = '"';
	for (i = 0; s != NULL && s[i] != '\0' && i < max && off + 6 < sz; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf[off++] = '\\';
			buf[off++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			buf[off++] = '\\';
			buf[off++] = 'x';
			buf[off++] = hex[c >> 4];
			buf[off++] = hex[c & 15];
		} else
			buf[off++] = (char)c;
	}
	buf[off++] = '"';
	buf[off] = '\0';
}

/*
 * One structured line per request on stderr, written with one write(2):
 * body= is the length the request declared, read= the bytes of it the
 * worker read (0 for a request refused before its body).
 */
static void
log_request(const struct fcx_req *req, const char *method, const char *uri,
    int status, size_t declared, uint64_t dur)
{
	char line[1600], ts[32], rid[300], m[80], path[1100];
	struct tm tm;
	time_t t = time(NULL);
	int n;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_quote(rid, sizeof(rid), req->request_id, 64);
	log_quote(m, sizeof(m), method, 16);
	log_quote(path, sizeof(path), uri, 256);
	n = snprintf(line, sizeof(line), "time=%s pid=%d rid=%s method=%s "
	    "path=%s status=%d body=%zu read=%zu dur_us=%llu\n", ts,
	    (int)getpid(), rid, m, path, status, declared, req->body_len,
	    (unsigned long long)dur);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

/*
 * Copy what the application needs out of libfcgi's parameters into req:
 * the headers and the URI, and the body's declared length into *len.  The
 * body is not read here: read_body() reads it once the route is known and
 * the caller's credentials are good.  On bad input the response is set
 * and HTQ_EINVAL returned.
 */
static int
read_head(FCGX_Request *r, struct fcx_req *req, struct fcx_resp *resp,
    size_t *len)
{
	static const struct {
		const char	*param;
		size_t		 off, size;
		const char	*what;
	} hdrs[] = {
#define H(p, f, w) { p, offsetof(struct fcx_req, f), \
	sizeof(((struct fcx_req *)0)->f), w }
		H("CONTENT_TYPE", content_type, "Content-Type"),
		H("HTTP_COOKIE", cookie, "Cookie"),
		H("HTTP_AUTHORIZATION", authorization, "Authorization"),
		H("HTTP_X_CSRF_TOKEN", csrf, "X-CSRF-Token"),
		H("HTTP_IF_MATCH", if_match, "If-Match"),
		H("REQUEST_ID", request_id, "request id"),
		H("REMOTE_ADDR", remote_addr, "remote address"),
#undef H
	};
	const char *uri, *cl;
	char why[160], *end;
	unsigned long long n = 0;
	size_t i;

	*len = 0;
	req->method = fcx_method_parse(FCGX_GetParam("REQUEST_METHOD",
	    r->envp));
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		if (fcx_copy_header((char *)req + hdrs[i].off, hdrs[i].size,
		    FCGX_GetParam(hdrs[i].param, r->envp)) != HTQ_OK) {
			fcx_error(resp, 400, "bad_header", "%s header is too "
			    "long or contains invalid characters", hdrs[i].what);
			return HTQ_EINVAL;
		}
	}
	req->https = (cl = FCGX_GetParam("HTTPS", r->envp)) != NULL &&
	    strcmp(cl, "on") == 0;
	uri = FCGX_GetParam("REQUEST_URI", r->envp);
	switch (fcx_req_set_uri(req, uri, why, sizeof(why))) {
	case HTQ_OK:
		break;
	case HTQ_ETOOBIG:
		fcx_error(resp, 414, "uri_too_long", "%s", why);
		return HTQ_EINVAL;
	default:
		fcx_error(resp, 400, "bad_request", "%s", why);
		return HTQ_EINVAL;
	}
	if ((cl = FCGX_GetParam("CONTENT_LENGTH", r->envp)) != NULL &&
	    *cl != '\0') {
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (*end != '\0' || errno != 0 || *cl < '0' || *cl > '9') {
			fcx_error(resp, 400, "bad_request",
			    "Content-Length is not a number");
			return HTQ_EINVAL;
		}
	}
	/* the largest any route takes (each route's own limit is checked
	 * once it is known, before a byte is read) */
	if (n > HTQ_MAX_DOCUMENT) {
		fcx_error(resp, 413, "body_too_large", "request body is larger "
		    "than %d bytes", HTQ_MAX_DOCUMENT);
		return HTQ_EINVAL;
	}
	*len = (size_t)n;
	return HTQ_OK;
}

/*
 * Read the body of len bytes for route rt, whose access rule the caller
 * has passed.  A body the route does not take, or longer than it takes,
 * is refused unread.
 */
static int
read_body(FCGX_Request *r, struct fcx_req *req, const struct fcx_route *rt,
    size_t len, struct fcx_resp *resp)
{
	size_t got, max = fcx_route_max_body(rt);
	int n;

	if (len == 0)
		return HTQ_OK;
	if (max == 0) {
		fcx_error(resp, 400, "unexpected_body",
		    "this resource takes no request body");
		return HTQ_EINVAL;
	}
	if (len > max) {
		fcx_error(resp, 413, "body_too_large", "request body is larger "
		    "than %zu bytes", max);
		return HTQ_EINVAL;
	}
	if ((req->body = malloc(len + 1)) == NULL) {
		fcx_error(resp, 503, "unavailable", "out of memory");
		return HTQ_ENOMEM;
	}
	for (got = 0; got < len; got += (size_t)n) {
		n = FCGX_GetStr(req->body + got, (int)(len - got), r->in);
		if (n <= 0)
			break;
	}
	req->body_len = got;	/* wiped by fcx_req_free, whatever came */
	if (got != len) {
		fcx_error(resp, 400, "bad_request", "request body is shorter "
		    "than Content-Length");
		return HTQ_EINVAL;
	}
	req->body[len] = '\0';
	return HTQ_OK;
}

/*
 * One line naming why a write was refused for full storage, for the
 * operator (the answer says only "full"): the cause and the path.
 */
static void
log_storage(const struct fcx_ctx *ctx, int err)
{
	fprintf(stderr, "htq-fcgi: worker %d: cannot write %s/db: %s (%s: "
	    "writes fail until %s, reads go on)\n", (int)getpid(),
	    ctx->datadir, err == HTQ_ENOSPC ? strerror(ENOSPC) :
	    mdb_strerror(MDB_MAP_FULL), err == HTQ_ENOSPC ? "the disk of the "
	    "data directory is full" : "the LMDB map is full at its maximum, "
	    "HTQ_MAP_MAX", err == HTQ_ENOSPC ? "space is freed" :
	    "HTQ_MAP_MAX is raised");
}

/*
 * A write found the LMDB map full and changed nothing (fcx_storage_error
 * says so): grow the map, with no transaction open, and run the route once
 * more.  When the map cannot grow the 503 database_full stands.
 */
static void
run_grown(struct fcx_ctx *ctx, struct fcx_req *req,
    const struct fcx_route *rt, struct fcx_resp *resp)
{
	mdb_txn_reset(ctx->rtxn);
	if (htq_db_grow(ctx->db) != HTQ_OK ||
	    htq_txn_renew(ctx->db, ctx->rtxn) != HTQ_OK)
		return;
	fcx_resp_free(resp);
	memset(resp, 0, sizeof(*resp));
	json_decref(req->json);
	req->json = NULL;
	fcx_route_run(ctx, req, rt, resp);
}

/* Zero the values of the parameters that carry credentials. */
static void
wipe_credentials(char **envp)
{
	static const char *const names[] = { "HTTP_COOKIE=",
	    "HTTP_AUTHORIZATION=", "HTTP_X_CSRF_TOKEN=" };
	size_t i, n;
	char *v;

	for (; envp != NULL && *envp != NULL; envp++)
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			n = strlen(names[i]);
			if (strncmp(*envp, names[i], n) != 0)
				continue;
			v = *envp + n;
			sodium_memzero(v, strlen(v));
		}
}

/* Handle one accepted request from start to log line. */
static void
serve(struct fcx_ctx *ctx, FCGX_Request *r, struct fcx_req *req)
{
	const struct fcx_route *rt;
	struct fcx_resp resp;
	const char *body, *method;
	char hdr[2048], *owned = NULL;
	size_t blen, len = 0;
	uint64_t t0 = htq_mono_us(), dur;
	int rc;

	memset(req, 0, offsetof(struct fcx_req, qbuf));
	req->nparams = req->ncaptures = 0;
	req->content_type[0] = req->cookie[0] = req->authorization[0] = '\0';
	req->csrf[0] = req->request_id[0] = req->remote_addr[0] = '\0';
	req->if_match[0] = '\0';
	req->body = NULL;
	req->body_len = 0;
	req->json = NULL;
	memset(&req->auth, 0, sizeof(req->auth));
	memset(&resp, 0, sizeof(resp));

	/* The credentials are checked from the headers before a byte of
	 * the body is read: a caller who may not use the route costs no
	 * more than its headers. */
	if (read_head(r, req, &resp, &len) == HTQ_OK) {
		rc = htq_txn_renew(ctx->db, ctx->rtxn);
		if (rc != HTQ_OK)
			fcx_error(&resp, 503, "unavailable", "database busy");
		else if ((rt = fcx_route_request(ctx, req, &resp)) != NULL &&
		    read_body(r, req, rt, len, &resp) == HTQ_OK) {
			fcx_route_run(ctx, req, rt, &resp);
			if (resp.storage == HTQ_EFULL)
				run_grown(ctx, req, rt, &resp);
			/* The body may point into the read txn: reset after
			 * writing. */
		}
	}
	/* a page's refusal is a page (the register's search) */
	fcx_html_problem(&resp, FCGX_GetParam("REQUEST_URI", r->envp),
	    ctx->datadir);
	if (fcx_resp_render(&resp, req->method == FCX_HEAD, hdr, sizeof(hdr),
	    &body, &blen, &owned) != HTQ_OK) {
		fcx_resp_free(&resp);
		memset(&resp, 0, sizeof(resp));
		fcx_error(&resp, 500, "internal", "response headers too long");
		fcx_resp_render(&resp, 0, hdr, sizeof(hdr), &body, &blen,
		    &owned);
	}
	FCGX_PutStr(hdr, (int)strlen(hdr), r->out);
	if (blen > 0)
		FCGX_PutStr(body, (int)blen, r->out);
	mdb_txn_reset(ctx->rtxn);
	if (resp.storage != 0)
		log_storage(ctx, resp.storage);
	method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	dur = htq_mono_us() - t0;
	log_request(req, method, req->path[0] ? req->path :
	    FCGX_GetParam("REQUEST_URI", r->envp), resp.status, len, dur);
	fcx_metrics_request(req->route, resp.status, dur);
	/* What this worker owns of the request and the answer is wiped:
	 * the header block (Set-Cookie), the rendered body, and libfcgi's
	 * copies of the credential headers, before libfcgi frees them. */
	sodium_memzero(hdr, sizeof(hdr));
	if (owned != NULL)
		sodium_memzero(owned, blen);
	free(owned);
	wipe_credentials(r->envp);
	fcx_resp_free(&resp);
	fcx_req_free(req);
}

/*
 * Publish the files of the worker's commits (the hook htq_commit calls),
 * and every HTQ_PUBLISH_CHECK seconds whatever is behind (size 0): what a
 * failed publish (full disk, an unwritable folder) or a writer that died
 * between its commit and its publish left, whoever's commit it was.  A
 * failure does not change an answer (the commit stands); it is said once,
 * and again when the files are whole.
 */
static void
publish_files(struct htq_db *db, uint64_t size)
{
	static int failing;
	int rc = size > 0 ? htq_publish_upto(db, size) : htq_publish(db, 0);

	if (rc != HTQ_OK && !failing)
		fprintf(stderr, "htq-fcgi: worker %d: publishing the static "
		    "files: %s (trying again every %d s)\n", (int)getpid(),
		    htq_strerror(rc), HTQ_PUBLISH_CHECK);
	else if (rc == HTQ_OK && failing)
		fprintf(stderr, "htq-fcgi: worker %d: the static files are up "
		    "to date again\n", (int)getpid());
	failing = rc != HTQ_OK;
}

static int committed;	/* this request committed: collect cosignatures */

static void
after_commit(struct htq_db *db, uint64_t size, void *ctx)
{
	(void)ctx;
	fcx_metrics_append(htq_commit_us(db));
	publish_files(db, size);
	committed = 1;
}

/*
 * The time-based notifications (a window closing soon, a mark's review
 * date approaching), every HTQ_NOTIFY_TICK s of the tick: each is made
 * once (core/domain/outbox.c keeps the key), whichever worker sees it
 * first.
 */
static void
notify_tick(struct htq_db *db, long long now_ms)
{
	static long long next;
	size_t made;
	int rc;

	if (now_ms < next)
		return;
	next = now_ms + HTQ_NOTIFY_TICK * 1000LL;
	if ((rc = htq_notify_tick(db, &made)) != HTQ_OK)
		fprintf(stderr, "htq-fcgi: worker %d: notifications: %s\n",
		    (int)getpid(), htq_strerror(rc));
}

/* The monotonic clock in milliseconds. */
static long long
mono_ms(void)
{
	return (long long)(htq_mono_us() / 1000);
}

/*
 * A worker: open the database (after fork), then serve until asked to
 * stop.  Returns the process exit status.
 */
static int
worker(int listen_fd, const struct config *cfg)
{
	struct fcx_ctx ctx;
	struct fcx_req *req = NULL;
	FCGX_Request r;
	struct pollfd pfd;
	sigset_t none;
	long long now, next_tick;
	unsigned later;
	int rc, status = 1;

	/* The master forks with its signals blocked; unblock them here. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	set_signal(SIGTERM, on_stop);
	set_signal(SIGINT, on_stop);
	set_signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	memset(&ctx, 0, sizeof(ctx));
	ctx.datadir = cfg->datadir;
	if ((rc = htq_db_open(cfg->datadir, 0, &ctx.db)) != HTQ_OK) {
		fprintf(stderr, "htq-fcgi: worker %d: cannot open database in "
		    "%s: %s\n", (int)getpid(), cfg->datadir, htq_strerror(rc));
		return 1;
	}
	/* The ledger, and the signing key when there is one, per worker. */
	if ((rc = htq_ledger_attach(ctx.db, cfg->datadir, 0)) != HTQ_OK) {
		fprintf(stderr, "htq-fcgi: worker %d: ledger: %s\n",
		    (int)getpid(), htq_strerror(rc));
		goto out;
	}
	/* after each commit of ours; and now, for whatever a worker that
	 * died between its commit and its publish left behind */
	htq_on_commit(ctx.db, after_commit, NULL);
	publish_files(ctx.db, 0);
	next_tick = mono_ms() + HTQ_PUBLISH_CHECK * 1000LL;
	if ((rc = htq_txn_read(ctx.db, &ctx.rtxn)) != HTQ_OK)
		goto out;
	mdb_txn_reset(ctx.rtxn);
	if ((req = malloc(sizeof(*req))) == NULL)
		goto out;
	if (FCGX_InitRequest(&r, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		goto out;
	while (!stopping) {
		/*
		 * The tick, every HTQ_PUBLISH_CHECK s (sooner after a commit
		 * whose cosignatures had to wait for the spacing): what a
		 * failed publish or a writer that died left behind, and the
		 * witnesses' cosignatures (cosign.c decides whom to ask: a
		 * quiet log's kept fresh, a witness that was down again).
		 */
		if ((now = mono_ms()) >= next_tick) {
			publish_files(ctx.db, 0);
			notify_tick(ctx.db, now);
			(void)htq_cosign_collect(ctx.db, 0, &later);
			next_tick = mono_ms() + (later > 0 ? (long long)later :
			    HTQ_PUBLISH_CHECK * 1000LL);
			continue;
		}
		/*
		 * Wait for a request or the tick with poll(), never with a
		 * timer signal: a signal that ends a wait inside libfcgi also
		 * cuts short its read of a request just accepted, which drops
		 * the connection (nginx answers 502).  Another worker may take
		 * the connection first; accept() then waits for the next one,
		 * and a stop (SIGTERM) still ends it.
		 */
		pfd.fd = listen_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(next_tick - now)) <= 0)
			continue;	/* the tick, or a stop */
		if (FCGX_Accept_r(&r) < 0)
			break;		/* a stop, or the socket failed */
		committed = 0;
		serve(&ctx, &r, req);
		FCGX_Finish_r(&r);
		/* the answer has gone: the witnesses' round trips cost it
		 * nothing */
		if (committed) {
			(void)htq_cosign_collect(ctx.db, HTQ_COSIGN_COMMIT,
			    &later);
			if (later > 0 && mono_ms() + later < next_tick)
				next_tick = mono_ms() + later;
		}
	}
	FCGX_Free(&r, 1);
	status = 0;
out:
	free(req);
	if (ctx.rtxn != NULL)
		mdb_txn_abort(ctx.rtxn);
	htq_db_close(ctx.db);
	return status;
}

static pid_t
spawn(int listen_fd, const struct config *cfg, int slot)
{
	pid_t master = getpid(), pid = fork();

	if (pid == 0) {
		fcx_metrics_slot(slot);
		/* a worker dies with its master (kill -9 included), so that
		 * none keeps the socket for a next start */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != master)
			_exit(1);
		_exit(worker(listen_fd, cfg));
	}
	if (pid < 0)
		fprintf(stderr, "htq-fcgi: fork: %s\n", strerror(errno));
	return pid;
}

/* How many of the n workers in pids are running. */
static int
running(const pid_t *pids, int n)
{
	int i, alive = 0;

	for (i = 0; i < n; i++)
		alive += pids[i] > 0;
	return alive;
}

/*
 * Refuse to start when a live server already answers on the socket path;
 * remove a stale socket file left by a killed master.
 */
static int
claim_socket(const char *path)
{
	struct sockaddr_un sa;
	int fd, live;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	if (live) {
		fprintf(stderr, "htq-fcgi: another server is listening on "
		    "%s\n", path);
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "htq-fcgi: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: htq-fcgi [--data DIR] [--socket PATH] "
	    "[--workers N] | --routes\n"
	    "  --data DIR      data directory (default $HTQ_DATA or ./var)\n"
	    "  --socket PATH   FastCGI socket (default DIR/run/fcgi.sock)\n"
	    "  --workers N     worker processes (default $HTQ_WORKERS or "
	    "one per core, at most 16)\n"
	    "  --routes        print the route table with its access rules "
	    "(JSON) and exit\n");
}

static int
parse_args(int argc, char **argv, struct config *cfg)
{
	const char *sock = NULL, *w = getenv("HTQ_WORKERS");
	long cores;
	char *end;
	int i, n;

	cfg->datadir = getenv("HTQ_DATA");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(argv[i], "--routes") == 0) {
			json_t *t = fcx_routes_json();

			json_dumpf(t, stdout, JSON_INDENT(1));
			putchar('\n');
			json_decref(t);
			exit(fcx_routes_check() == 0 ? 0 : 1);
		} else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			cfg->datadir = argv[++i];
		else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			w = argv[++i];
		else {
			fprintf(stderr, "htq-fcgi: unknown argument %s\n",
			    argv[i]);
			usage(stderr);
			return -1;
		}
	}
	if (cfg->datadir == NULL || *cfg->datadir == '\0')
		cfg->datadir = "./var";
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->workers = cores > 0 ? (int)(cores < HTQ_DEFAULT_WORKERS_MAX ?
	    cores : HTQ_DEFAULT_WORKERS_MAX) : HTQ_DEFAULT_WORKERS;
	if (w != NULL && *w != '\0') {
		cfg->workers = (int)strtol(w, &end, 10);
		if (*end != '\0' || cfg->workers < 1 ||
		    cfg->workers > HTQ_MAX_WORKERS) {
			fprintf(stderr, "htq-fcgi: workers must be 1 to %d\n",
			    HTQ_MAX_WORKERS);
			return -1;
		}
	}
	n = sock ? snprintf(cfg->socket, sizeof(cfg->socket), "%s", sock) :
	    snprintf(cfg->socket, sizeof(cfg->socket), "%s/run/fcgi.sock",
	    cfg->datadir);
	if (n < 0 || (size_t)n >= sizeof(cfg->socket)) {
		fprintf(stderr, "htq-fcgi: socket path too long\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct htq_db *db;
	const char *pub;
	pid_t pids[HTQ_MAX_WORKERS], pid;
	sigset_t block, old;
	time_t started[HTQ_MAX_WORKERS];
	size_t n;
	int fd, i, st, rc, alive, fast_deaths = 0;
	mode_t um;

	if (parse_args(argc, argv, &cfg) != 0)
		return 2;
	if (fcx_routes_check() != 0)
		return 1;
	/* Started as root: become the data directory's owner for good. */
	if (htq_become_owner(cfg.datadir, 1) != HTQ_OK) {
		fprintf(stderr, "htq-fcgi: cannot switch to the owner of %s\n",
		    cfg.datadir);
		return 1;
	}
	if ((rc = htq_datadir_secure(cfg.datadir, 1)) != HTQ_OK &&
	    rc != HTQ_ENOTFOUND) {
		fprintf(stderr, "htq-fcgi: %s must be a directory closed to "
		    "other accounts (mode 0700)\n", cfg.datadir);
		return 1;
	}
	/* The address badges point at, for every publisher (htqctl too). */
	if ((pub = getenv("HTQ_PUBLIC_URL")) != NULL && *pub != '\0' &&
	    (rc = htq_public_url_set(cfg.datadir, pub)) != HTQ_OK)
		fprintf(stderr, "htq-fcgi: HTQ_PUBLIC_URL %s: %s (badges keep "
		    "the address they had)\n", rc == HTQ_EINVAL ? "is not an "
		    "http(s) URL of printable characters" : "cannot be kept",
		    htq_strerror(rc));
	/* A witness list that does not parse stops the start, naming the
	 * line (docs/ledger.md 8). */
	{
		struct htq_witnesses *ws = malloc(sizeof(*ws));
		char why[512];

		if (ws == NULL || htq_witnesses_load(cfg.datadir, ws, why,
		    sizeof(why)) != HTQ_OK) {
			fprintf(stderr, "htq-fcgi: %s\n", ws == NULL ?
			    "out of memory" : why);
			free(ws);
			return 1;
		}
		free(ws);
	}
	/* Fail early, in the master, when the database cannot be opened;
	 * the handle is closed again before fork(). */
	if ((rc = htq_db_open(cfg.datadir, 0, &db)) != HTQ_OK) {
		fprintf(stderr, "htq-fcgi: cannot open database in %s: %s "
		    "(run 'htqctl init' first)\n", cfg.datadir,
		    htq_strerror(rc));
		return 1;
	}
	/* The submissions' facts, from a database from before them. */
	if ((rc = htq_submissions_reindex(db, &n)) != HTQ_OK)
		fprintf(stderr, "htq-fcgi: indexing submissions: %s\n",
		    htq_strerror(rc));
	else if (n > 0)
		fprintf(stderr, "htq-fcgi: indexed %zu submissions\n", n);
	/* Supporting documents no record names (a crash between a file
	 * and its record, removals, deleted drafts): no worker runs yet. */
	if ((rc = htq_documents_sweep(db, cfg.datadir, &n)) != HTQ_OK)
		fprintf(stderr, "htq-fcgi: sweeping documents: %s\n",
		    htq_strerror(rc));
	else if (n > 0)
		fprintf(stderr, "htq-fcgi: removed %zu document files no "
		    "submission names\n", n);
	/* The static files are derived from the database: bring them up to
	 * date (rebuilt when deleted, repaired after a crash between a
	 * commit and its publishing) before any worker serves. */
	if ((rc = htq_ledger_attach(db, cfg.datadir, 0)) == HTQ_OK)
		rc = htq_publish(db, HTQ_PUBLISH_REBUILD);
	if (rc != HTQ_OK)
		fprintf(stderr, "htq-fcgi: publishing the ledger's static "
		    "files: %s\n", htq_strerror(rc));
	htq_db_close(db);
	if (claim_socket(cfg.socket) != 0)
		return 1;
	if (FCGX_Init() != 0)
		return 1;
	um = umask(077);	/* socket 0600: only our user (and nginx as it) */
	fd = FCGX_OpenSocket(cfg.socket, HTQ_FCGI_BACKLOG);
	umask(um);
	if (fd < 0) {
		fprintf(stderr, "htq-fcgi: cannot listen on %s\n", cfg.socket);
		return 1;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	set_signal(SIGTERM, on_stop);
	set_signal(SIGINT, on_stop);
	set_signal(SIGCHLD, on_child);
	signal(SIGPIPE, SIG_IGN);

	/* before the first fork: the counters every worker adds to */
	if (fcx_metrics_init(cfg.workers) != HTQ_OK)
		fprintf(stderr, "htq-fcgi: cannot map memory for the metrics: "
		    "%s (GET /metrics answers 503)\n", strerror(errno));
	for (i = 0; i < cfg.workers; i++) {
		pids[i] = spawn(fd, &cfg, i);
		started[i] = time(NULL);
	}
	fcx_metrics_running(running(pids, cfg.workers));
	fprintf(stderr, "htq-fcgi: %d workers on %s (data %s)\n", cfg.workers,
	    cfg.socket, cfg.datadir);

	while (!stopping) {
		sigsuspend(&old);
		if (!child_exited)
			continue;
		child_exited = 0;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (i = 0; i < cfg.workers && pids[i] != pid; i++)
				;
			if (i == cfg.workers)
				continue;
			/* reaped: never signalled again (the pid may be
			 * another process's by then) */
			pids[i] = 0;
			fcx_metrics_running(running(pids, cfg.workers));
			if (stopping)
				continue;
			fprintf(stderr, "htq-fcgi: worker %d %s %d; restarting"
			    "\n", (int)pid, WIFSIGNALED(st) ? "killed by signal" :
			    "exited with", WIFSIGNALED(st) ? WTERMSIG(st) :
			    WEXITSTATUS(st));
			/* A worker that dies at once is likely to die again:
			 * back off rather than spin. */
			fast_deaths = time(NULL) - started[i] < 2 ?
			    fast_deaths + 1 : 0;
			if (fast_deaths > 3)
				sleep(1);
			pids[i] = spawn(fd, &cfg, i);
			started[i] = time(NULL);
			fcx_metrics_running(running(pids, cfg.workers));
			fcx_metrics_restart();
		}
	}

	/* Drain: workers finish the request in hand, then exit. */
	for (i = 0; i < cfg.workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (rc = 0; rc < HTQ_DRAIN_SECONDS * 10; rc++) {
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			for (i = 0; i < cfg.workers; i++)
				if (pids[i] == pid)
					pids[i] = 0;
		for (alive = 0, i = 0; i < cfg.workers; i++)
			alive += pids[i] > 0;
		if (alive == 0)
			break;
		usleep(100000);
	}
	for (i = 0; i < cfg.workers; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &st, 0);
		}
	close(fd);
	unlink(cfg.socket);
	fprintf(stderr, "htq-fcgi: stopped\n");
	return 0;
}
