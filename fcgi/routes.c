/*
 * routes.c - the route table: every path the API answers, its methods, its
 * handler, whether it takes a JSON body, and who may call it.  Paths not
 * listed are 404; listed paths with other methods are 405.
 *
 * The access columns are the authorisation table: the router (auth.c)
 * enforces them before any handler runs, and handlers never repeat the
 * check.  tests/regress/test_authz.py holds a reviewed copy of these rules
 * and calls every route as every role, own and other organisation, and
 * anonymous; a route added here without a rule stops htq-fcgi at start,
 * and one without a matching line in that test fails it.
 */
#include "fcx.h"

#define PUBLIC	FCX_ANYONE, FCX_SCOPE_ANY, NULL
/* A submission named in the path: awarding bodies reach only their own
 * organisation's; core/ further hides drafts from everyone else. */
#define OWN_SUB	FCX_SCOPE_ORG, fcx_owner_submission
/* A body that is a document (a submission's content, a review's findings
 * on every KSB): up to HTQ_MAX_BODY; other JSON bodies up to
 * HTQ_MAX_SMALL_BODY.  nginx/htq.conf.in lists the same routes. */
#define DOCUMENT	(FCX_JSON_BODY | FCX_LARGE_BODY)

const struct fcx_route fcx_routes[] = {
	{ FCX_GET, "/api/v1/health", fcx_h_health, 0, PUBLIC },
	{ FCX_GET, "/api/v1/ping", fcx_h_ping, 0, PUBLIC },
	{ FCX_GET, "/api/v1/standards", fcx_h_standards, 0, PUBLIC },
	{ FCX_GET, "/api/v1/standards/{ref}", fcx_h_standard, 0, PUBLIC },
	{ FCX_GET, "/api/v1/ledger/checkpoint", fcx_h_ledger_checkpoint, 0,
	    PUBLIC },
	{ FCX_GET, "/api/v1/ledger/key", fcx_h_ledger_key, 0, PUBLIC },
	{ FCX_GET, "/api/v1/ledger/entries", fcx_h_ledger_entries, 0, PUBLIC },
	{ FCX_GET, "/api/v1/ledger/proof/inclusion", fcx_h_ledger_inclusion, 0,
	    PUBLIC },
	{ FCX_GET, "/api/v1/ledger/proof/consistency", fcx_h_ledger_consistency,
	    0, PUBLIC },
	{ FCX_POST, "/api/v1/session", fcx_h_session_login, FCX_JSON_BODY,
	    PUBLIC },
	{ FCX_GET, "/api/v1/session", fcx_h_session_get, 0,
	    FCX_USERS, FCX_SCOPE_ANY, NULL },
	{ FCX_DELETE, "/api/v1/session", fcx_h_session_logout, 0,
	    FCX_USERS, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/organisations/{id}", fcx_h_org, 0,
	    FCX_USERS, FCX_SCOPE_ORG, fcx_owner_org },
	{ FCX_GET, "/api/v1/admin/organisations", fcx_h_admin_orgs, 0,
	    FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/admin/accounts", fcx_h_admin_accounts, 0,
	    FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/admin/standards/{ref}/eligibility",
	    fcx_h_admin_eligibility, FCX_JSON_BODY,
	    FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	/* accounts and organisations in the browser; impact warnings */
	{ FCX_POST, "/api/v1/admin/accounts", fcx_h_admin_account_add,
	    FCX_JSON_BODY, FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/admin/accounts/{id}/disable",
	    fcx_h_admin_account_disable, 0, FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/admin/accounts/{id}/enable",
	    fcx_h_admin_account_enable, 0, FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/admin/accounts/{id}/reset-password",
	    fcx_h_admin_account_reset, 0, FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/admin/accounts/{id}/role",
	    fcx_h_admin_account_role, FCX_JSON_BODY,
	    FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/admin/organisations", fcx_h_admin_org_add,
	    FCX_JSON_BODY, FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/admin/windows/{id}/impact",
	    fcx_h_admin_window_impact, 0, FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/admin/standards/{ref}/impact",
	    fcx_h_admin_standard_impact, 0, FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/openapi.json", fcx_h_openapi, 0, PUBLIC },
	/* Prometheus: a scraper on this machine, or an admin's token from
	 * anywhere (nginx/htq.conf.in lets nothing else through). */
	{ FCX_GET, "/metrics", fcx_h_metrics, 0,
	    FCX_LOOPBACK | FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/windows", fcx_h_windows, 0, PUBLIC },
	{ FCX_POST, "/api/v1/admin/windows", fcx_h_window_open, FCX_JSON_BODY,
	    FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/admin/windows/{id}/close", fcx_h_window_close, 0,
	    FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/submissions", fcx_h_sub_create, DOCUMENT,
	    FCX_AB, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/submissions", fcx_h_sub_list, 0,
	    FCX_USERS, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/submissions/{id}", fcx_h_sub_get, 0,
	    FCX_USERS, OWN_SUB },
	{ FCX_PUT, "/api/v1/submissions/{id}", fcx_h_sub_update, DOCUMENT,
	    FCX_AB, OWN_SUB },
	{ FCX_POST, "/api/v1/submissions/{id}/submit", fcx_h_sub_submit, 0,
	    FCX_AB, OWN_SUB },
	{ FCX_POST, "/api/v1/submissions/{id}/withdraw", fcx_h_sub_withdraw, 0,
	    FCX_AB, OWN_SUB },
	{ FCX_DELETE, "/api/v1/submissions/{id}", fcx_h_sub_delete, 0,
	    FCX_AB, OWN_SUB },
	{ FCX_POST, "/api/v1/submissions/{id}/information-requests",
	    fcx_h_sub_info_request, FCX_JSON_BODY,
	    FCX_REVIEWER | FCX_APPROVER, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/submissions/{id}/information-response",
	    fcx_h_sub_info_respond, DOCUMENT, FCX_AB, OWN_SUB },
	{ FCX_POST, "/api/v1/submissions/{id}/reviews", fcx_h_sub_review,
	    DOCUMENT, FCX_REVIEWER, FCX_SCOPE_ANY, NULL },
	{ FCX_POST, "/api/v1/submissions/{id}/decision", fcx_h_sub_decide,
	    FCX_JSON_BODY, FCX_APPROVER, FCX_SCOPE_ANY, NULL },
	{ FCX_GET, "/api/v1/marks/{id}", fcx_h_mark, 0, PUBLIC },
	{ FCX_GET, "/api/v1/register", fcx_h_register, 0, PUBLIC },
	{ FCX_POST, "/api/v1/marks/{id}/revoke", fcx_h_mark_revoke,
	    FCX_JSON_BODY, FCX_APPROVER, FCX_SCOPE_ANY, NULL },
	/* the partners' report: the lessons of each window and route */
	{ FCX_GET, "/api/v1/reports", fcx_h_reports, 0,
	    FCX_AUDITOR | FCX_ADMIN, FCX_SCOPE_ANY, NULL },
	{ 0, NULL, NULL, 0, 0, 0, NULL }
};
