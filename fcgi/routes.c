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
	{ FCX_POST, "/api/v1/session", fcx_h_session_login, FCX_JSON_BODY },
	{ FCX_GET, "/api/v1/session", fcx_h_session_get, 0 },
	{ FCX_DELETE, "/api/v1/session", fcx_h_session_logout, 0 },
	{ 0, NULL, NULL, 0 }
};
