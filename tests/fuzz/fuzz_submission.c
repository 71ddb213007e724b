/*
 * fuzz_submission.c - fuzz the workflow's request parsing and rules: the
 * submission content checks (shape, server-owned fields, the standard,
 * level, KSB codes, units, QAN), coverage, update, submit and the review
 * body, against a real LMDB with a small catalogue, created once per
 * process, with a window open for the Digital route only.  Each input is
 * one JSON document, tried as a submission's content and as a review; a
 * draft of valid content is submitted, which succeeds exactly when its
 * standard's route has the open window and no KSB is left unexplained
 * (as the draft's submit_check said), and keeps every content key and
 * the coverage as the draft had them; then a question is asked and
 * answered with the same content, which must be accepted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
day(int days, char buf[HTQ_DATE_LEN + 1])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, HTQ_DATE_LEN + 1, "%Y-%m-%d", &tm);
}

static void
setup(void)
{
	static const struct htq_actor admin = { "a-00000000000000f0",
	    HTQ_ROLE_ADMIN, "" };
	struct htq_import_stats st;
	char err[256], opens[HTQ_DATE_LEN + 1], closes[HTQ_DATE_LEN + 1];
	json_t *w;

	if (mkdtemp(dir) == NULL ||
	    htq_db_open(dir, HTQ_DB_CREATE, &db) != HTQ_OK ||
	    htq_standards_import(db, catalogue, sizeof(catalogue) - 1, &st,
	    NULL, NULL, err, sizeof(err)) != HTQ_OK ||
	    htq_org_add(db, HTQ_ORG_AWARDING_BODY, "Fuzz College", NULL,
	    "10000001", org) != HTQ_OK)
		abort();
	atexit(cleanup);
	day(-1, opens);
	day(60, closes);
	if (htq_window_open(db, &admin, "Digital", opens, closes, closes, &w,
	    NULL) != HTQ_OK)
		abort();
	json_decref(w);
}

/* What a submit keeps of the draft: all but its state. */
static void
same_content(const json_t *draft, const json_t *sub)
{
	static const char *const state[] = { "status", "version", "updated",
	    "submitted_at", "content_sha256", "window", "history", "actions",
	    "submit_check" };
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)draft, key, v) {
		for (i = 0; i < sizeof(state) / sizeof(state[0]); i++)
			if (strcmp(key, state[i]) == 0)
				break;
		if (i == sizeof(state) / sizeof(state[0]) &&
		    !json_equal(v, json_object_get(sub, key)))
			abort();
	}
	/* + submitted_at, content_sha256, window; - submit_check */
	if (json_object_size(sub) != json_object_size(draft) + 2 ||
	    json_object_get(sub, "submit_check") != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct htq_actor ab = { "a-00000000000000f1", HTQ_ROLE_AWARDING_BODY,
	    org };
	struct htq_actor rev = { "a-00000000000000f2", HTQ_ROLE_REVIEWER, "" };
	struct htq_actor appr = { "a-00000000000000f3", HTQ_ROLE_APPROVER, "" };
	struct htq_why why;
	json_t *in, *out = NULL, *again = NULL;
	const char *id;
	char sid[HTQ_ID_LEN + 1];
	int rc, digital, complete;

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
		json_decref(out);
		out = NULL;
		if (htq_submission_update(db, &ab, sid, 1, in, &out, &why) !=
		    HTQ_OK)
			abort();	/* valid once, valid again */
		/* the Digital route has a window open, no other; a submit
		 * needs every KSB mapped or explained; the draft said so */
		rc = htq_submission_submit(db, &ab, sid, &again, &why);
		digital = strcmp(json_string_value(json_object_get(out,
		    "route")), "Digital") == 0;
		complete = json_array_size(json_object_get(json_object_get(out,
		    "coverage"), "unexplained")) == 0;
		if ((rc == HTQ_OK) != (digital && complete) ||
		    (rc == HTQ_OK) != json_is_true(json_object_get(
		    json_object_get(out, "submit_check"), "accepted")))
			abort();
		if (rc == HTQ_OK)
			same_content(out, again);
		json_decref(again);
		again = NULL;
		if (rc == HTQ_OK) {
			/* asked, and answered with the same content */
			if (htq_information_request(db, &appr, sid, "q?", &again,
			    &why) != HTQ_OK)
				abort();
			json_decref(again);
			if (htq_information_respond(db, &ab, sid, "a", in,
			    &again, &why) != HTQ_OK || strcmp(json_string_value(
			    json_object_get(again, "status")), "submitted") != 0)
				abort();
			json_decref(again);
			again = NULL;
		}
		if (htq_submission_submit(db, &ab, sid, &again, &why) ==
		    HTQ_OK)
			abort();	/* once only */
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
