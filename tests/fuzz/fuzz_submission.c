/*
 * fuzz_submission.c - fuzz the workflow's request parsing and rules: the
 * submission content checks (shape, server-owned fields, the standard,
 * level, KSB codes, units, QAN), coverage, update, submit and the review
 * body, against a real LMDB with a small catalogue, created once per
 * process.  Each input is one JSON document, tried as a submission's
 * content and as a review.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htq.h"

static struct htq_db *db;
static char dir[64] = "/tmp/htq-fuzz-submission-XXXXXX";
static char org[HTQ_ID_LEN + 1];

static const char catalogue[] = "[{\"referenceNumber\":\"ST0116\","
    "\"title\":\"Software developer\",\"version\":\"1.2\",\"level\":4,"
    "\"route\":\"Digital\",\"status\":\"Approved for delivery\","
    "\"options\":[\"Option one\"],"
    "\"knowledges\":[{\"detail\":\"k\"},{\"detail\":\"k\"}],"
    "\"skills\":[{\"detail\":\"s\"}],\"behaviours\":[{\"detail\":\"b\"}]},"
    "{\"referenceNumber\":\"ST0114\",\"title\":\"Cyber intrusion analyst\","
    "\"version\":\"1.0\",\"level\":4,\"route\":\"Digital\","
    "\"status\":\"Approved for delivery\",\"knowledges\":[{\"detail\":\"k\"}]},"
    "{\"referenceNumber\":\"ST0049\",\"title\":\"Manager\",\"version\":\"1.0\","
    "\"level\":5,\"route\":\"Construction\",\"status\":\"Approved for "
    "delivery\",\"skills\":[{\"detail\":\"s\"}]}]";

static void
cleanup(void)
{
	char cmd[128];

	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return;
}

static void
setup(void)
{
	struct htq_import_stats st;
	char err[256];

	if (mkdtemp(dir) == NULL ||
	    htq_db_open(dir, HTQ_DB_CREATE, &db) != HTQ_OK ||
	    htq_standards_import(db, catalogue, sizeof(catalogue) - 1, &st,
	    NULL, NULL, err, sizeof(err)) != HTQ_OK ||
	    htq_org_add(db, HTQ_ORG_AWARDING_BODY, "Fuzz College", NULL,
	    "10000001", org) != HTQ_OK)
		abort();
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct htq_actor ab = { "a-00000000000000f1", HTQ_ROLE_AWARDING_BODY,
	    org };
	struct htq_actor rev = { "a-00000000000000f2", HTQ_ROLE_REVIEWER, "" };
	struct htq_why why;
	json_t *in, *out = NULL, *again = NULL;
	const char *id;
	char sid[HTQ_ID_LEN + 1];

	if (db == NULL)
		setup();
	if (size > HTQ_MAX_BODY)
		return 0;
	in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (in == NULL)
		return 0;
	if (htq_submission_create(db, &ab, in, &out, &why) == HTQ_OK) {
		id = json_string_value(json_object_get(out, "id"));
		if (id == NULL || strlen(id) != HTQ_ID_LEN)
			abort();
		memcpy(sid, id, sizeof(sid));
		if (htq_submission_update(db, &ab, sid, 1, in, &again, &why) !=
		    HTQ_OK)
			abort();	/* valid once, valid again */
		json_decref(again);
		again = NULL;
		/* no window is open: refused, never crashed */
		if (htq_submission_submit(db, &ab, sid, &again, NULL, &why) ==
		    HTQ_OK)
			abort();
		json_decref(again);
		again = NULL;
		(void)htq_submission_withdraw(db, &ab, sid, &again, &why);
		json_decref(again);
		again = NULL;
		json_decref(out);
		out = NULL;
	}
	(void)htq_review_record(db, &rev, "s-0000000000000000", in, &out, &why);
	json_decref(out);
	json_decref(in);
	return 0;
}
