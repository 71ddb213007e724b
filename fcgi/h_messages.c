/*
 * h_messages.c - an account's own messages (notifications): list them,
 * mark one as read.
 *
 * The route table admits any signed-in account; core/domain/outbox.c
 * finds a message only under the caller's own account, so another
 * account's message id is the same 404 as one that does not exist.
 */
#include <stdio.h>
#include <string.h>

#include "fcx.h"

int
fcx_h_messages(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { "after", "limit", NULL };
	struct htq_actor a = fcx_actor(req);
	const char *after;
	long long limit;
	json_t *doc;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK ||
	    fcx_query_int(req, "limit", 1, HTQ_MESSAGES_PAGE_MAX,
	    HTQ_MESSAGES_PAGE, &limit, resp) != HTQ_OK)
		return resp->status;
	after = fcx_param(req, "after");
	rc = htq_messages_list(ctx->db, ctx->rtxn, &a, after, (size_t)limit,
	    &doc);
	if (rc == HTQ_EINVAL)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"after\" must be the \"next\" value of the previous page");
	if (rc != HTQ_OK)
		return fcx_storage_error(resp, rc) != 0 ? resp->status :
		    fcx_error(resp, 503, "unavailable", "cannot list messages "
		    "now: %s", htq_strerror(rc));
	return fcx_json(resp, 200, doc);
}

int
fcx_h_message_read(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *m;
	int rc;

	memset(&why, 0, sizeof(why));
	rc = htq_message_read(ctx->db, &a, req->captures[0], &m, &why);
	if (rc == HTQ_ENOTFOUND)
		return fcx_not_found(resp);
	if (rc != HTQ_OK)
		return fcx_storage_error(resp, rc) != 0 ? resp->status :
		    fcx_error(resp, 503, "unavailable", "cannot mark the "
		    "message now: %s", htq_strerror(rc));
	return fcx_json(resp, 200, m);
}
