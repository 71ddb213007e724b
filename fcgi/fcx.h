/*
 * fcx.h - the request boundary: plain request and response structs, the
 * route table and the handlers.
 *
 * Only fcgi/main.c talks to libfcgi.  It copies each request's parameters
 * and body into a struct fcx_req (validated here, in one place), calls
 * fcx_dispatch(), and writes the struct fcx_resp back.  Everything in this
 * header is therefore testable and fuzzable without a web server.
 */
#ifndef FCX_H
#define FCX_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <lmdb.h>

#include "publish.h"

enum fcx_method {
	FCX_GET = 1 << 0,
	FCX_HEAD = 1 << 1,
	FCX_POST = 1 << 2,
	FCX_PUT = 1 << 3,
	FCX_PATCH = 1 << 4,
	FCX_DELETE = 1 << 5,
	FCX_OTHER = 1 << 6,
};

/* How the caller proved who they are. */
enum fcx_via { FCX_VIA_NONE, FCX_VIA_COOKIE, FCX_VIA_TOKEN };

/* The caller, filled by the router for routes that need a login. */
struct fcx_auth {
	enum fcx_via		 via;
	struct htq_account	 account;	/* role NONE: anonymous */
	char			 csrf[HTQ_CSRF_LEN + 1];	/* cookie only */
	char			 session[HTQ_TOKEN_LEN + 1];	/* cookie only */
};

struct fcx_param {
	char	*key;		/* decoded, NUL-terminated, in req->qbuf */
	char	*val;
};

/*
 * Room for the decoded query: the decoded pairs are never longer than the
 * raw query plus one byte per pair plus one (a pair "k" takes "k\0\0"
 * where the raw text had "k&"), so the raw limit plus two bytes a
 * parameter always fits.
 */
#define FCX_QBUF	(HTQ_MAX_QUERY + 2 * HTQ_MAX_PARAMS + 2)

/*
 * A request as the application sees it.  All strings are NUL-terminated,
 * valid UTF-8 without control characters (except the body, which is
 * bytes), and owned by the struct: fcx_req_free() releases them.
 */
struct fcx_req {
	enum fcx_method	 method;
	const struct fcx_route *route;	/* the line that matched, or NULL
					   (set by fcx_route_request even
					   when the caller is refused) */
	char		 path[HTQ_MAX_PATH + 1];	/* percent-decoded */
	char		 qbuf[FCX_QBUF];		/* decoded params */
	struct fcx_param params[HTQ_MAX_PARAMS];
	size_t		 nparams;
	char		*captures[HTQ_MAX_CAPTURES];	/* into capbuf */
	size_t		 ncaptures;
	char		 capbuf[HTQ_MAX_PATH + 1];
	char		 content_type[128];
	char		 cookie[HTQ_MAX_HEADER + 1];
	char		 authorization[HTQ_MAX_HEADER + 1];
	char		 csrf[128];
	char		 if_match[64];		/* If-Match, for PUT */
	char		 request_id[64];
	char		 remote_addr[64];
	int		 https;		/* arrived over TLS (nginx's HTTPS) */
	char		*body;		/* malloc'd, body_len bytes + NUL */
	size_t		 body_len;
	json_t		*json;		/* parsed body (object) or NULL */
	struct fcx_auth	 auth;
};

/*
 * A response.  Exactly one of json (owned, released by fcx_resp_free) or
 * raw (borrowed: must stay valid until the response is written, e.g. a
 * pointer into LMDB inside the worker's read transaction, or a static
 * string) carries the body.
 */
struct fcx_resp {
	int		 status;
	json_t		*json;
	const char	*raw;
	size_t		 raw_len;
	char		*owned;		/* freed with the response */
	const char	*ctype;		/* NULL: application/json */
	const char	*cache;		/* Cache-Control; NULL: no-store */
	char		 allow[64];	/* for 405 */
	char		 extra[1024];	/* extra header lines, "\r\n"-ended */
	int		 storage;	/* HTQ_ENOSPC or HTQ_EFULL: a write
					   refused for full storage (main.c
					   logs the cause) */
};

/* Per-worker state handed to handlers. */
struct fcx_ctx {
	struct htq_db	*db;
	MDB_txn		*rtxn;		/* read txn, renewed per request */
	const char	*datadir;
};

typedef int (*fcx_handler)(struct fcx_ctx *, struct fcx_req *,
    struct fcx_resp *);

/* Route flags. */
#define FCX_JSON_BODY	0x01	/* requires an application/json object */
#define FCX_LARGE_BODY	0x02	/* a document: up to HTQ_MAX_BODY, not
				   HTQ_MAX_SMALL_BODY */
#define FCX_FILE_BODY	0x04	/* a file's bytes, any Content-Type, up
				   to HTQ_MAX_DOCUMENT (not parsed) */

/*
 * Who may call a route: one bit per enum htq_role; the HTQ_ROLE_NONE bit
 * admits anonymous callers.  Anonymous callers of other routes get 401,
 * callers with another role 403.
 */
#define FCX_ROLE(r)	(1u << (r))
#define FCX_ANON	FCX_ROLE(HTQ_ROLE_NONE)
#define FCX_AB		FCX_ROLE(HTQ_ROLE_AWARDING_BODY)
#define FCX_REVIEWER	FCX_ROLE(HTQ_ROLE_REVIEWER)
#define FCX_APPROVER	FCX_ROLE(HTQ_ROLE_APPROVER)
#define FCX_AUDITOR	FCX_ROLE(HTQ_ROLE_AUDITOR)
#define FCX_ADMIN	FCX_ROLE(HTQ_ROLE_ADMIN)
#define FCX_USERS	(FCX_AB | FCX_REVIEWER | FCX_APPROVER | FCX_AUDITOR | \
			    FCX_ADMIN)
#define FCX_ANYONE	(FCX_ANON | FCX_USERS)
/* Anonymous callers on this machine's loopback (REMOTE_ADDR 127.0.0.1 or
 * ::1, fcx_metrics_local): not a role, a place.  A caller who sends
 * credentials is judged by them, wherever they are. */
#define FCX_LOOPBACK	(1u << 15)

/*
 * Which resources a permitted caller may reach.  FCX_SCOPE_ORG: callers
 * bound to an organisation (awarding bodies) only their own
 * organisation's; anything else is 404, as if it did not exist.
 */
enum fcx_scope { FCX_SCOPE_ANY = 1, FCX_SCOPE_ORG };

/* The organisation owning the resource a request names (FCX_SCOPE_ORG);
 * HTQ_ENOTFOUND when there is no such resource. */
typedef int (*fcx_owner)(struct fcx_ctx *, const struct fcx_req *,
    char org[HTQ_ID_LEN + 1]);

/*
 * One line of the route table: the path and methods, the handler, and the
 * access rule (roles, scope, owner), which the router enforces before any
 * handler runs.  A route without roles or scope is refused at start-up.
 */
struct fcx_route {
	unsigned	 methods;	/* enum fcx_method bits */
	const char	*pattern;	/* "/api/v1/standards/{ref}" */
	fcx_handler	 handler;
	unsigned	 flags;
	unsigned	 roles;		/* FCX_ROLE bits */
	enum fcx_scope	 scope;
	fcx_owner	 owner;		/* FCX_SCOPE_ORG */
};

/* The route table (fcgi/routes.c), terminated by a NULL pattern. */
extern const struct fcx_route fcx_routes[];

/* --- request parsing (fcgi/request.c), all pure --- */

enum fcx_method	 fcx_method_parse(const char *);
const char	*fcx_method_name(enum fcx_method);
/*
 * Fill req->path and req->params from a request URI ("/a/b?x=1").  On a
 * bad URI returns HTQ_EINVAL and writes a client-facing reason to why.
 */
int	 fcx_req_set_uri(struct fcx_req *, const char *uri, char *why,
	    size_t whysz);
/* Copy a header value, refusing control characters and overlong values. */
int	 fcx_copy_header(char *dst, size_t dstsz, const char *src);
/* The value of query parameter key, or NULL. */
const char *fcx_param(const struct fcx_req *, const char *key);
/*
 * Parse body as a JSON object for a route with FCX_JSON_BODY.  Sets resp
 * to the right 4xx (415, 400) and returns HTQ_EINVAL when it is not one.
 */
int	 fcx_req_parse_json(struct fcx_req *, struct fcx_resp *);
void	 fcx_req_free(struct fcx_req *);

/* --- dispatch and responses (fcgi/router.c, fcgi/response.c) --- */

/*
 * Route req, parse its body if the route wants one, call the handler.
 * Always leaves a complete response in resp.
 */
void	 fcx_dispatch(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
/*
 * The two halves of fcx_dispatch(), for a caller that reads the body in
 * between (fcgi/main.c): fcx_route_request() finds the route and applies
 * its access rule from the request's headers alone (the body is not
 * looked at), returning the route, or NULL with resp set (404, 405, 401,
 * 403...); fcx_route_run() parses the body the route wants and calls its
 * handler.
 */
const struct fcx_route *fcx_route_request(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
void	 fcx_route_run(struct fcx_ctx *, struct fcx_req *,
	    const struct fcx_route *, struct fcx_resp *);
/* The largest body the route takes: HTQ_MAX_DOCUMENT for FCX_FILE_BODY,
 * HTQ_MAX_BODY for FCX_LARGE_BODY, HTQ_MAX_SMALL_BODY for other JSON
 * routes, 0 for the rest. */
size_t	 fcx_route_max_body(const struct fcx_route *);
/* Match path against pattern, filling req->captures.  1 on match. */
int	 fcx_route_match(const char *pattern, const char *path,
	    struct fcx_req *req);

/* Set an error response {"error":{"code","message"}}. Returns status. */
int	 fcx_error(struct fcx_resp *, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * For a write that failed because storage is full, set the answer that
 * names it, note rc in resp->storage and return the status: HTQ_ENOSPC
 * 507 (the disk), HTQ_EFULL 503 (the LMDB map).  Returns 0, resp
 * untouched, for any other rc.
 */
int	 fcx_storage_error(struct fcx_resp *, int rc);
/*
 * The answer to core's refusal rc, in why's words (why may be NULL):
 * storage errors as fcx_storage_error, EFORMAT 400, EPERM 403, ENOTFOUND
 * 404 (the one answer for "absent" and "not yours"), ECONFLICT 409,
 * EINVAL and ETOOBIG 422, anything else 503.  A route with answers of its
 * own (a 413, a 415) gives them before calling it.
 */
int	 fcx_core_error(struct fcx_resp *, int rc, const struct htq_why *);
/* Set a JSON response, taking ownership of body. Returns status. */
int	 fcx_json(struct fcx_resp *, int status, json_t *body);
/*
 * Serialise resp: header block into hdr (CGI "Status:" form) and the body
 * pointer/length.  *owned is set when the body was allocated (free it).
 */
int	 fcx_resp_render(struct fcx_resp *, int head_only, char *hdr,
	    size_t hdrsz, const char **body, size_t *blen, char **owned);
void	 fcx_resp_free(struct fcx_resp *);
/*
 * A refusal of a page (a request whose URI is the site's, not /api/ nor
 * /metrics: the register's search) said as an HTML page in the site's
 * shell, with the same status and message, for the browser that asked;
 * uri is the raw request URI (the request may have failed before it was
 * parsed).  Leaves any other response alone.
 */
void	 fcx_html_problem(struct fcx_resp *, const char *uri,
	    const char *datadir);
const char *fcx_status_text(int status);

/* --- validation (fcgi/validate.c) --- */

enum fcx_type { FCX_T_STRING, FCX_T_INTEGER, FCX_T_BOOLEAN, FCX_T_OBJECT,
    FCX_T_ARRAY };

/* One accepted body field.  min/max: byte length for strings, value for
 * integers, item count (max only) for arrays. */
struct fcx_field {
	const char	*name;
	enum fcx_type	 type;
	int		 required;
	size_t		 min, max;
};

/* Check obj against fields (terminated by a NULL name); on failure set a
 * 400 naming the field and return HTQ_EINVAL. */
int	 fcx_validate_body(const json_t *obj, const struct fcx_field *fields,
	    struct fcx_resp *);
/* Refuse query parameters not in names (NULL-terminated). */
int	 fcx_query_allowed(const struct fcx_req *, const char *const *names,
	    struct fcx_resp *);
/* Read an optional non-negative integer parameter within [min, max]. */
int	 fcx_query_int(const struct fcx_req *, const char *name,
	    long long min, long long max, long long def, long long *out,
	    struct fcx_resp *);

/* Names of the bits of mask, in table order, as "A, B" (fcgi/router.c). */
void	 fcx_join(unsigned mask, const unsigned *bits, const char *const *names,
	    size_t n, char *buf, size_t bufsz);

/* --- access control (fcgi/auth.c) --- */

/*
 * Apply the route's rule to req: 401 (no or bad credentials), 403 (role,
 * or a cookie-authenticated change without the right X-CSRF-Token), 404
 * (another organisation's resource).  Fills req->auth; on refusal sets
 * resp and returns HTQ_EPERM.
 */
int	 fcx_authorise(struct fcx_ctx *, struct fcx_req *,
	    const struct fcx_route *, struct fcx_resp *);
/* 0 when every route has an access rule; else prints the first without
 * one to stderr and returns -1. */
int	 fcx_routes_check(void);
/* The route table with its rules, as JSON (htq-fcgi --routes). */
json_t	*fcx_routes_json(void);
/* The owner rule for "/organisations/{id}": the id itself. */
/* The signed-in caller as core's acting account (auth.c). */
struct htq_actor fcx_actor(const struct fcx_req *);
int	 fcx_owner_org(struct fcx_ctx *, const struct fcx_req *,
	    char org[HTQ_ID_LEN + 1]);
/* The one 404 answer, the same for "absent" and "not yours". */
int	 fcx_not_found(struct fcx_resp *);

/* --- handlers --- */
int	 fcx_h_health(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_ping(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_standards(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_standard(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_ledger_checkpoint(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_ledger_key(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_ledger_entries(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_ledger_inclusion(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_ledger_consistency(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_session_login(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_session_get(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_session_logout(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_org(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_admin_orgs(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_admin_accounts(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_eligibility(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_account_add(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_account_disable(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_account_enable(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_account_reset(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_account_role(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_org_add(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_window_impact(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_admin_standard_impact(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_openapi(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
/* GET /metrics (fcgi/metrics.c, metrics.h). */
int	 fcx_h_metrics(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);

/* The workflow (fcgi/h_workflow.c): HTTP in, core/ call, HTTP out. */
int	 fcx_owner_submission(struct fcx_ctx *, const struct fcx_req *,
	    char org[HTQ_ID_LEN + 1]);
int	 fcx_h_windows(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_window_open(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_window_close(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_messages(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_message_read(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_sub_create(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_sub_list(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_sub_get(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_sub_update(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_sub_submit(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_sub_withdraw(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
/* Supporting documents (fcgi/h_documents.c). */
int	 fcx_h_doc_add(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_doc_get(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_doc_remove(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_sub_review(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_sub_delete(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_sub_info_request(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_sub_info_respond(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
int	 fcx_h_sub_decide(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_mark(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_register(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
/* GET /register/search: the register's search as an HTML page (a page
 * route: its refusals are HTML pages too, fcx_html_problem). */
int	 fcx_h_register_page(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);
/* fcgi/h_reports.c */
int	 fcx_h_reports(struct fcx_ctx *, struct fcx_req *, struct fcx_resp *);
int	 fcx_h_mark_revoke(struct fcx_ctx *, struct fcx_req *,
	    struct fcx_resp *);

#endif /* FCX_H */
