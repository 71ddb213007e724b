/*
 * fuzz_import.c - fuzz the standards importer (JSON parsing, the public API
 * shape, validation, storage) against a real LMDB in a temporary
 * directory created once per process.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "htq.h"

static struct htq_db *db;
static char dir[64] = "/tmp/htq-fuzz-import-XXXXXX";

static void
cleanup(void)
{
	char cmd[128];

	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct htq_import_stats st;
	char err[512];

	if (db == NULL) {
		if (mkdtemp(dir) == NULL ||
		    htq_db_open(dir, HTQ_DB_CREATE, &db) != HTQ_OK)
			abort();
		atexit(cleanup);
	}
	(void)htq_standards_import(db, (const char *)data, size, &st, NULL,
	    NULL, err, sizeof(err));
	return 0;
}
