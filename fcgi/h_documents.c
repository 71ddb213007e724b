/*
 * h_documents.c - supporting documents over HTTP (core/domain/documents.c
 * holds every rule).
 *
 *   POST   /api/v1/submissions/{id}/documents?name=<file name>
 *          the file's bytes as the body (any Content-Type: the type is
 *          decided by content), 201 with the submission
 *   GET    /api/v1/submissions/{id}/documents/{sha256}
 *          the file, as an attachment under its type
 *   DELETE /api/v1/submissions/{id}/documents/{sha256}
 *
 * Core's answers map to HTTP here: a type refused 415, a file too large
 * 413, count, total or duplicate 409, a name 422, not yours 404.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fcx.h"

/* Core's refusals, with this route's own: a file too large 413, a type
 * the content does not show 415. */
static int
doc_error(struct fcx_resp *resp, int rc, const struct htq_why *why)
{
	const char *msg = why->msg[0] ? why->msg : htq_strerror(rc);

	if (rc == HTQ_ETOOBIG)
		return fcx_error(resp, 413, "body_too_large", "%s", msg);
	if (rc == HTQ_EINVAL && strcmp(why->field, "type") == 0)
		return fcx_error(resp, 415, "unsupported_type", "%s", msg);
	return fcx_core_error(resp, rc, why);
}

static int
sub_answer(struct fcx_resp *resp, int status, json_t *doc)
{
	snprintf(resp->extra, sizeof(resp->extra), "ETag: \"%lld\"\r\n",
	    (long long)json_integer_value(json_object_get(doc, "version")));
	return fcx_json(resp, status, doc);
}

int
fcx_h_doc_add(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { "name", NULL };
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	const char *name;
	json_t *doc;
	int rc;

	memset(&why, 0, sizeof(why));
	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if ((name = fcx_param(req, "name")) == NULL)
		return fcx_error(resp, 400, "bad_parameter", "name: the file's "
		    "name is the query parameter \"name\"");
	if ((rc = htq_document_add(ctx->db, &a, req->captures[0], name,
	    req->body, req->body_len, &doc, &why)) != HTQ_OK)
		return doc_error(resp, rc, &why);
	return sub_answer(resp, 201, doc);
}

int
fcx_h_doc_remove(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *doc;
	int rc;

	memset(&why, 0, sizeof(why));
	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if ((rc = htq_document_remove(ctx->db, &a, req->captures[0],
	    req->captures[1], &doc, &why)) != HTQ_OK)
		return doc_error(resp, rc, &why);
	return sub_answer(resp, 200, doc);
}

/* Read the whole file at path, of size bytes, whose SHA-256 is sha:
 * a new buffer, or NULL when it is not that file. */
static char *
read_file(const char *path, size_t size, const char *sha)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[65], *buf;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != size || (buf = malloc(size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	close(fd);
	crypto_hash_sha256(h, (unsigned char *)buf, got);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if (got != size || strcmp(hex, sha) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Content-Disposition for name: an ASCII fallback and the UTF-8 name
 * (RFC 6266, RFC 8187). */
static void
disposition(char *out, size_t outsz, const char *name)
{
	static const char hexd[] = "0123456789ABCDEF";
	char ascii[HTQ_MAX_DOCUMENT_NAME + 1], enc[3 * HTQ_MAX_DOCUMENT_NAME +
	    1];
	const unsigned char *p;
	size_t a = 0, e = 0;

	for (p = (const unsigned char *)name; *p != '\0' &&
	    a < sizeof(ascii) - 1; p++) {
		ascii[a++] = *p >= 0x20 && *p < 0x7f && *p != '%' ? (char)*p :
		    '_';
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p)) {
			enc[e++] = (char)*p;
		} else {
			enc[e++] = '%';
			enc[e++] = hexd[*p >> 4];
			enc[e++] = hexd[*p & 15];
		}
	}
	ascii[a] = enc[e] = '\0';
	snprintf(out, outsz, "Content-Disposition: attachment; filename=\"%s\";"
	    " filename*=UTF-8''%s\r\n", ascii, enc);
}

int
fcx_h_doc_get(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };
	struct htq_actor a = fcx_actor(req);
	char path[4096], *buf;
	json_t *meta;
	const char *sha = req->captures[1];
	size_t size;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if ((rc = htq_document_get(ctx->db, ctx->rtxn, &a, req->captures[0],
	    sha, &meta, path, sizeof(path))) != HTQ_OK) {
		if (rc == HTQ_EINVAL)
			return fcx_not_found(resp);
		if (rc == HTQ_EPERM)
			return fcx_error(resp, 403, "forbidden", "supporting "
			    "documents are for the awarding body, reviewers, "
			    "approvers and auditors");
		if (rc == HTQ_ENOTFOUND)
			return fcx_not_found(resp);
		return fcx_error(resp, 503, "unavailable", "cannot do this "
		    "now: %s", htq_strerror(rc));
	}
	size = (size_t)json_integer_value(json_object_get(meta, "size"));
	if ((buf = read_file(path, size, sha)) == NULL) {
		fprintf(stderr, "htq-fcgi: document %s of %s is missing or "
		    "not its bytes: %s\n", sha, req->captures[0], path);
		json_decref(meta);
		return fcx_error(resp, 500, "document_damaged", "the stored "
		    "file is missing or damaged; the operator has been told");
	}
	disposition(resp->extra, sizeof(resp->extra), json_string_value(
	    json_object_get(meta, "name")));
	resp->ctype = htq_document_mime(json_string_value(json_object_get(
	    meta, "type")));
	if (resp->ctype == NULL)
		resp->ctype = "application/octet-stream";
	json_decref(meta);
	resp->status = 200;
	resp->raw = resp->owned = buf;
	resp->raw_len = size;
	return 200;
}
