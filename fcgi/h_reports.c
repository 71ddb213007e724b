/*
 * h_reports.c - GET /api/v1/reports: the partners' report (auditors and
 * administrators; the route table admits no one else).  It only
 * translates: the figures, their sources and their bytes are core's
 * (core/domain/report.c), the same bytes htqctl report prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcx.h"

int
fcx_h_reports(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { "window", "route", "format",
	    NULL };
	struct htq_report_filter f;
	struct htq_actor a;
	struct htq_why why;
	const char *format;
	json_t *rep;
	char *body;
	size_t len;
	int rc, csv;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	memset(&f, 0, sizeof(f));
	memset(&why, 0, sizeof(why));
	f.window = fcx_param(req, "window");
	f.route = fcx_param(req, "route");
	format = fcx_param(req, "format");
	if (f.window != NULL && (strlen(f.window) != HTQ_ID_LEN ||
	    strncmp(f.window, "w-", 2) != 0))
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"window\" must be a window id like w-0123456789abcdef");
	if (f.route != NULL && (*f.route == '\0' ||
	    strlen(f.route) > HTQ_MAX_TITLE))
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"route\" must be a route name");
	if (format != NULL && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"format\" must be json or csv");
	csv = format != NULL && strcmp(format, "csv") == 0;
	a.id = req->auth.account.id;
	a.role = req->auth.account.role;
	a.org = req->auth.account.org;
	rc = htq_report(ctx->db, ctx->rtxn, &a, &f, &rep, &why);
	if (rc == HTQ_ENOTFOUND)
		return fcx_error(resp, 404, "not_found", "%s", why.msg);
	if (rc == HTQ_EPERM)
		return fcx_error(resp, 403, "forbidden", "%s", why.msg);
	if (rc != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot make the "
		    "report now: %s", htq_strerror(rc));
	rc = htq_report_render(rep, csv, &body, &len);
	json_decref(rep);
	if (rc != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot make the "
		    "report now: %s", htq_strerror(rc));
	if (csv)
		snprintf(resp->extra, sizeof(resp->extra), "Content-"
		    "Disposition: attachment; filename=\"htq-report%s%s.csv\""
		    "\r\n", f.window ? "-" : "", f.window ? f.window : "");
	resp->ctype = csv ? "text/csv; charset=utf-8; header=present" :
	    NULL;
	resp->status = 200;
	resp->raw = resp->owned = body;
	resp->raw_len = len;
	return 200;
}
