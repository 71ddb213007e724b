/*
 * response.c - build error and JSON responses and render them to bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fcx.h"
#include "pages.h"

const char *
fcx_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

int
fcx_storage_error(struct fcx_resp *resp, int rc)
{
	if (rc == HTQ_ENOSPC)
		fcx_error(resp, 507, "insufficient_storage", "insufficient "
		    "storage: the disk of the data directory is full; nothing "
		    "was changed");
	else if (rc == HTQ_EFULL)
		fcx_error(resp, 503, "database_full", "the database map is "
		    "full (HTQ_MAP_MAX); nothing was changed");
	else
		return 0;
	resp->storage = rc;
	return resp->status;
}

int
fcx_core_error(struct fcx_resp *resp, int rc, const struct htq_why *why)
{
	const char *msg = why != NULL && why->msg[0] ? why->msg :
	    htq_strerror(rc);
	int st;

	if ((st = fcx_storage_error(resp, rc)) != 0)
		return st;
	switch (rc) {
	case HTQ_EFORMAT:
		return fcx_error(resp, 400, "invalid_request", "%s", msg);
	case HTQ_EPERM:
		return fcx_error(resp, 403, "forbidden", "%s", msg);
	case HTQ_ENOTFOUND:
		return fcx_not_found(resp);
	case HTQ_ECONFLICT:
		return fcx_error(resp, 409, "conflict", "%s", msg);
	case HTQ_EINVAL:
	case HTQ_ETOOBIG:
		return fcx_error(resp, 422, "unprocessable", "%s", msg);
	default:
		return fcx_error(resp, 503, "unavailable", "cannot do this "
		    "now: %s", htq_strerror(rc));
	}
}

int
fcx_json(struct fcx_resp *resp, int status, json_t *body)
{
	if (body == NULL)	/* json_pack() failed: out of memory */
		return fcx_error(resp, 500, "internal", "out of memory");
	json_decref(resp->json);
	resp->json = body;
	resp->raw = NULL;
	resp->status = status;
	return resp->status;
}

int
fcx_error(struct fcx_resp *resp, int status, const char *code,
    const char *fmt, ...)
{
	char msg[512];
	json_t *body;
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	/*
	 * What a client sent may be quoted, cut short by a precision or by
	 * vsnprintf: mended here so that Jansson, which refuses invalid
	 * UTF-8, never turns a client's mistake into a 500.
	 */
	htq_clip(msg, sizeof(msg), msg, sizeof(msg));
	resp->cache = NULL;
	resp->ctype = NULL;
	body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
	    msg);
	if (body == NULL && status < 500)
		body = json_pack("{s:{s:s,s:s}}", "error", "code", code,
		    "message", "the request was refused");
	return fcx_json(resp, status, body);
}

/*
 * Render the CGI header block and locate the body.  JSON bodies are
 * serialised here (one allocation, returned in *owned); raw bodies are
 * passed through.  Returns HTQ_ETOOBIG if the headers do not fit.
 */
int
fcx_resp_render(struct fcx_resp *resp, int head_only, char *hdr, size_t hdrsz,
    const char **body, size_t *blen, char **owned)
{
	int n;

	*owned = NULL;
	if (resp->json != NULL) {
		*owned = json_dumps(resp->json, JSON_COMPACT);
		if (*owned == NULL && resp->status >= 400 &&
		    resp->status < 500) {
			/* a refusal stays one, in words of our own */
			*body = "{\"error\":{\"code\":\"invalid_request\","
			    "\"message\":\"the request was refused\"}}";
		} else if (*owned == NULL) {
			resp->status = 500;
			*body = "{\"error\":{\"code\":\"internal\",\"message\":"
			    "\"could not encode response\"}}";
		} else
			*body = *owned;
		*blen = strlen(*body);
	} else {
		*body = resp->raw != NULL ? resp->raw : "";
		*blen = resp->raw != NULL ? resp->raw_len : 0;
	}
	n = snprintf(hdr, hdrsz, "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: %s\r\n"
	    "%s%s%s%s\r\n",
	    resp->status, fcx_status_text(resp->status),
	    resp->ctype ? resp->ctype : "application/json",
	    *blen,
	    resp->cache ? resp->cache : "no-store",
	    resp->allow[0] ? "Allow: " : "", resp->allow,
	    resp->allow[0] ? "\r\n" : "", resp->extra);
	if (n < 0 || (size_t)n >= hdrsz)
		return HTQ_ETOOBIG;
	if (head_only)
		*blen = 0;
	return HTQ_OK;
}

void
fcx_resp_free(struct fcx_resp *resp)
{
	json_decref(resp->json);
	resp->json = NULL;
	free(resp->owned);
	resp->owned = NULL;
	/* extra header lines may carry a session cookie */
	sodium_memzero(resp->extra, sizeof(resp->extra));
}

void
fcx_html_problem(struct fcx_resp *resp, const char *uri, const char *datadir)
{
	struct htq_site site;
	const char *msg, *heading;
	char *text = NULL;
	size_t len = 0;

	if (resp->status < 400 || resp->json == NULL || uri == NULL ||
	    uri[0] != '/' || strncmp(uri, "/api/", 5) == 0 ||
	    strncmp(uri, "/metrics", 8) == 0)
		return;
	msg = json_string_value(json_object_get(json_object_get(resp->json,
	    "error"), "message"));
	heading = resp->status >= 500 ? "Sorry, there is a problem with the "
	    "service" : resp->status == 404 ? "Page not found" :
	    "There is a problem with your search";
	htq_site_load(&site, datadir);
	if (htq_problem_html(heading, msg != NULL ? msg : "", &site, &text,
	    &len) == HTQ_OK) {
		json_decref(resp->json);
		resp->json = NULL;
		free(resp->owned);
		resp->owned = text;
		resp->raw = text;
		resp->raw_len = len;
		resp->ctype = "text/html; charset=utf-8";
		resp->cache = NULL;
	} else
		free(text);
	htq_site_free(&site);
}
