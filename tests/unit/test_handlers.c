/*
 * test_handlers.c - handlers called through fcx_dispatch() on a real
 * LMDB database, without a web server: the session cookie's flags, and
 * the credentials a request leaves in the worker's memory.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "t.h"
#include "fcx.h"

static struct htq_db *db;
static char dir[64];

/* POST /api/v1/session as it would arrive, https or not. */
static void
login(int https, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char body[] = "{\"email\":\"h@y.test\",\"password\":"
	    "\"long-enough-password\"}";
	struct fcx_ctx ctx = { db, NULL, dir };
	char why[160];

	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	T_EQ(mdb_txn_begin(htq_db_env(db), NULL, MDB_RDONLY, &ctx.rtxn), 0);
	req->method = FCX_POST;
	req->https = https;
	T_EQ(fcx_req_set_uri(req, "/api/v1/session", why, sizeof(why)),
	    HTQ_OK);
	snprintf(req->content_type, sizeof(req->content_type),
	    "application/json");
	req->body = strdup(body);
	req->body_len = strlen(body);
	fcx_dispatch(&ctx, req, resp);
	mdb_txn_abort(ctx.rtxn);
}

static void
test_cookie_secure_over_https(void)
{
	struct fcx_req req;
	struct fcx_resp resp;
	char id[HTQ_ID_LEN + 1];

	T_EQ(htq_account_add(db, "h@y.test", "H", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id), HTQ_OK);
	unsetenv("HTQ_SECURE_COOKIES");
	login(0, &req, &resp);
	T_EQ(resp.status, 200);
	T_ASSERT(strstr(resp.extra, "Set-Cookie: htq_session=") != NULL);
	T_ASSERT(strstr(resp.extra, "Secure") == NULL);
	fcx_resp_free(&resp);
	fcx_req_free(&req);
	login(1, &req, &resp);
	T_EQ(resp.status, 200);
	T_ASSERT(strstr(resp.extra, "; Secure") != NULL);
	/* the cookie is wiped from the response when it is freed */
	fcx_resp_free(&resp);
	T_ASSERT(strstr(resp.extra, "htq_session") == NULL);
	T_EQ(resp.extra[0], 0);
	fcx_req_free(&req);
	T_ASSERT(req.body == NULL && req.json == NULL);
}

int
main(void)
{
	char cmd[128];

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof(dir), "/tmp/htq-handlers-XXXXXX");
	if (mkdtemp(dir) == NULL || htq_db_open(dir, HTQ_DB_CREATE, &db))
		return 1;
	T_RUN(test_cookie_secure_over_https);
	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return T_DONE();
}
