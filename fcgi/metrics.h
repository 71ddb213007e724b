/*
 * metrics.h - GET /metrics: the server's counters in the Prometheus text
 * exposition format 0.0.4 (fcgi/metrics.c).
 *
 * Counters live in one anonymous MAP_SHARED mapping that the master makes
 * before it forks: one fixed slot per worker index, plus the master's.
 * A worker adds to its own slot with __atomic builtins (a replacement
 * worker keeps adding to the slot of the one it replaces); whichever
 * worker answers /metrics sums every slot.  Gauges (ledger size, publish
 * lag, cosignature ages, disk and map use) are read when asked.  No
 * files, no helper processes.
 */
#ifndef FCX_METRICS_H
#define FCX_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct fcx_route;

/*
 * Make the shared mapping for nworkers worker slots and the master's
 * (call once, in the master, before the first fork).  The size is fixed
 * by the route table, the status list and the buckets: a few kilobytes
 * a slot.  HTQ_ENOMEM when it cannot be mapped (the server then runs
 * without metrics: /metrics answers 503).
 */
int	 fcx_metrics_init(int nworkers);
/* Which slot this process adds to: a worker's index in the master's
 * table (0 .. nworkers-1); the master's is its own. */
void	 fcx_metrics_slot(int worker);
/*
 * Count one answered request: route is the route table's line that
 * answered (NULL: none matched), status the HTTP status, dur_us the
 * time from the request's arrival to its answer being written.
 */
void	 fcx_metrics_request(const struct fcx_route *route, int status,
	    uint64_t dur_us);
/* Count one commit that appended ledger entries and how long it took. */
void	 fcx_metrics_append(uint64_t dur_us);
/* The master: a worker it had to replace; how many are running. */
void	 fcx_metrics_restart(void);
void	 fcx_metrics_running(int n);

/*
 * May an anonymous caller at addr (REMOTE_ADDR as nginx passes it) read
 * /metrics?  Only this machine's loopback addresses as nginx writes
 * them: "127.0.0.1" and "::1".  1 yes, 0 no.
 */
int	 fcx_metrics_local(const char *addr);

/*
 * The cosignatures on a published checkpoint (a C2SP signed note): each
 * signature line "— <name> <base64>" whose signature decodes to 76 bytes
 * (4-byte key id, 8-byte big-endian time, 64-byte Ed25519 signature) is
 * a witness's cosignature; the log's own line (68 bytes) has no time.
 * Calls fn(ctx, name, time) for each, in order; returns how many.
 * Lines that are neither are passed over.
 */
size_t	 fcx_metrics_cosignatures(const char *note, size_t len,
	    void (*fn)(void *, const char *name, uint64_t time), void *ctx);

#endif /* FCX_METRICS_H */
