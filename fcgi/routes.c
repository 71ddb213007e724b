/*
 * routes.c - the route table: every path the API answers, its methods, its
 * handler and whether it takes a JSON body.  Paths not listed are 404;
 * listed paths with other methods are 405.
 */
#include "fcx.h"

const struct fcx_route fcx_routes[] = {
	{ FCX_GET, "/api/v1/health", fcx_h_health, 0 },
	{ FCX_GET, "/api/v1/ping", fcx_h_ping, 0 },
	{ FCX_GET, "/api/v1/standards", fcx_h_standards, 0 },
	{ FCX_GET, "/api/v1/standards/{ref}", fcx_h_standard, 0 },
	{ FCX_GET, "/api/v1/ledger/checkpoint", fcx_h_ledger_checkpoint, 0 },
	{ FCX_GET, "/api/v1/ledger/key", fcx_h_ledger_key, 0 },
	{ FCX_GET, "/api/v1/ledger/entries", fcx_h_ledger_entries, 0 },
	{ FCX_GET, "/api/v1/ledger/proof/inclusion", fcx_h_ledger_inclusion, 0 },
	{ FCX_GET, "/api/v1/ledger/proof/consistency", fcx_h_ledger_consistency,
	    0 },
	{ FCX_POST, "/api/v1/session", fcx_h_session_login, FCX_JSON_BODY },
	{ FCX_GET, "/api/v1/session", fcx_h_session_get, 0 },
	{ FCX_DELETE, "/api/v1/session", fcx_h_session_logout, 0 },
	{ 0, NULL, NULL, 0 }
};
