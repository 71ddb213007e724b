/*
 * test_metrics.c - GET /metrics' pure parts: who may read it anonymously
 * (the access decision, as the router applies it) and the cosignatures
 * read from a published checkpoint.  The exposition itself is tested
 * against the real stack (tests/regress/test_metrics.py).
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "t.h"
#include "fcx.h"
#include "metrics.h"

static void
test_local_addresses(void)
{
	static const char *const yes[] = { "127.0.0.1", "::1" };
	static const char *const no[] = { "127.0.0.2", "10.0.0.1",
	    "192.0.2.2", "::ffff:127.0.0.1", "0.0.0.0", "", "127.0.0.1 ",
	    " 127.0.0.1", "127.0.0.10", "::1:", "localhost", "fd00::2" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!fcx_metrics_local(yes[i]))
			T_FAILF("%s is loopback", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (fcx_metrics_local(no[i]))
			T_FAILF("\"%s\" is not loopback", no[i]);
	T_ASSERT(!fcx_metrics_local(NULL));
}

static const struct fcx_route *
metrics_route(void)
{
	const struct fcx_route *r;

	for (r = fcx_routes; r->pattern != NULL; r++)
		if (strcmp(r->pattern, "/metrics") == 0)
			return r;
	return NULL;
}

/* The router's decision for an anonymous caller at addr (no database is
 * reached: anonymous callers are decided by their address alone). */
static int
decide(const char *addr, struct fcx_resp *resp)
{
	static struct fcx_req req;
	struct fcx_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	memset(&req, 0, sizeof(req));
	memset(resp, 0, sizeof(*resp));
	req.method = FCX_GET;
	snprintf(req.remote_addr, sizeof(req.remote_addr), "%s", addr);
	rc = fcx_authorise(&ctx, &req, metrics_route(), resp);
	return rc;
}

static void
test_access_decision(void)
{
	const struct fcx_route *r = metrics_route();
	struct fcx_resp resp;

	T_ASSERT(r != NULL);
	T_ASSERT(r->roles & FCX_LOOPBACK);
	T_ASSERT(r->roles & FCX_ADMIN);
	T_ASSERT(!(r->roles & FCX_ANON));
	T_EQ(r->roles & ~(FCX_LOOPBACK | FCX_ADMIN), 0);
	T_EQ(decide("127.0.0.1", &resp), HTQ_OK);
	T_EQ(resp.status, 0);
	T_EQ(decide("::1", &resp), HTQ_OK);
	T_EQ(decide("192.0.2.2", &resp), HTQ_EPERM);
	T_EQ(resp.status, 401);
	T_ASSERT(strstr(resp.extra, "WWW-Authenticate: Bearer") != NULL);
	fcx_resp_free(&resp);
	T_EQ(decide("127.0.0.2", &resp), HTQ_EPERM);
	T_EQ(resp.status, 401);
	fcx_resp_free(&resp);
	T_EQ(decide("", &resp), HTQ_EPERM);
	T_EQ(resp.status, 401);
	fcx_resp_free(&resp);
}

struct seen {
	char		 names[4][64];
	uint64_t	 times[4];
	size_t		 n;
};

static void
record(void *ctx, const char *name, uint64_t t)
{
	struct seen *s = ctx;

	if (s->n < 4) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		s->times[s->n++] = t;
	}
}

/* "— name base64(bytes)\n" appended to buf. */
static void
sigline(char *buf, size_t sz, const char *name, const unsigned char *b,
    size_t n)
{
	char b64[200];

	sodium_bin2base64(b64, sizeof(b64), b, n,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(buf + strlen(buf), sz - strlen(buf), "\xe2\x80\x94 %s %s\n",
	    name, b64);
}

static void
test_cosignatures(void)
{
	unsigned char logsig[68], cosig[76], other[76];
	char note[2048];
	struct seen s;
	uint64_t t = 1765000000ull;
	int i;

	memset(logsig, 0xab, sizeof(logsig));
	memset(cosig, 0xcd, sizeof(cosig));
	for (i = 0; i < 8; i++)
		cosig[4 + i] = (unsigned char)(t >> (56 - 8 * i));
	memset(other, 0, sizeof(other));
	other[4 + 7] = 42;
	snprintf(note, sizeof(note), "htq.localhost/ledger\n12\n%s\n\n",
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	sigline(note, sizeof(note), "htq.localhost/ledger", logsig,
	    sizeof(logsig));
	sigline(note, sizeof(note), "witness.example/w1", cosig,
	    sizeof(cosig));
	/* not signatures: a bad base64, a short one, no dash, no name */
	strncat(note, "\xe2\x80\x94 broken !!!notbase64\n",
	    sizeof(note) - strlen(note) - 1);
	sigline(note, sizeof(note), "short", cosig, 70);
	strncat(note, "w3 AAAA\n", sizeof(note) - strlen(note) - 1);
	sigline(note, sizeof(note), "w2", other, sizeof(other));
	memset(&s, 0, sizeof(s));
	T_EQ(fcx_metrics_cosignatures(note, strlen(note), record, &s), 2);
	T_EQ(s.n, 2);
	T_STREQ(s.names[0], "witness.example/w1");
	T_EQ(s.times[0], t);
	T_STREQ(s.names[1], "w2");
	T_EQ(s.times[1], 42);
	/* a signature-shaped line before the blank line is text, not one */
	memset(&s, 0, sizeof(s));
	note[0] = '\0';
	sigline(note, sizeof(note), "w1", cosig, sizeof(cosig));
	strncat(note, "12\n", sizeof(note) - strlen(note) - 1);
	T_EQ(fcx_metrics_cosignatures(note, strlen(note), record, &s), 0);
	/* cut anywhere: never more than there is, never a crash */
	snprintf(note, sizeof(note), "o\n1\nh\n\n");
	sigline(note, sizeof(note), "w1", cosig, sizeof(cosig));
	for (i = (int)strlen(note); i >= 0; i--) {
		memset(&s, 0, sizeof(s));
		T_ASSERT(fcx_metrics_cosignatures(note, (size_t)i, record, &s)
		    <= 1);
	}
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	T_RUN(test_local_addresses);
	T_RUN(test_access_decision);
	T_RUN(test_cosignatures);
	return T_DONE();
}
