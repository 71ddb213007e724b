/*
 * ctl_workflow.c - htqctl window open|close|list, htqctl submission
 * list|show.
 *
 * Every command calls the same core functions as the HTTP API.  The
 * operator at the console acts as an administrator whose ledger entries
 * name "system" (the console has the database and the key already).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static const struct htq_actor operator = { "system", HTQ_ROLE_ADMIN, "" };
/* reading, the operator sees every submission, drafts too */
static const struct htq_actor reader = { "system", HTQ_ROLE_OPERATOR, "" };

static int
refused(const char *what, int rc, const struct htq_why *why)
{
	if (why->msg[0] != '\0') {
		fprintf(stderr, "htqctl: %s: %s\n", what, why->msg);
		return 1;
	}
	return ctl_fail(what, rc);
}

static int
cmd_window_open(struct ctl *c, int argc, char **argv)
{
	const char *opens = ctl_opt(argc, argv, "--opens");
	const char *closes = ctl_opt(argc, argv, "--closes");
	const char *ft = ctl_opt(argc, argv, "--first-teaching");
	struct htq_why why;
	json_t *w;
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 8 || opens == NULL ||
	    closes == NULL || ft == NULL || argv[1][0] == '-') {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl window open ROUTE --opens DATE --closes DATE "
		    "--first-teaching DATE\n\nOpen a submission window for a "
		    "route (dates YYYY-MM-DD, UTC, both ends inclusive);\n"
		    "first teaching is the approval cycle's.  Recorded as "
		    "window.opened.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	memset(&why, 0, sizeof(why));
	if ((rc = htq_window_open(c->db, &operator, argv[1], opens, closes, ft,
	    &w, &why)) != HTQ_OK)
		return refused("window open", rc, &why);
	ctl_print_json(w);
	return 0;
}

static int
cmd_window_close(struct ctl *c, int argc, char **argv)
{
	struct htq_why why;
	json_t *w;
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 2) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl window close ID\n\nClose a window now; "
		    "recorded as window.closed.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	memset(&why, 0, sizeof(why));
	if ((rc = htq_window_close(c->db, &operator, argv[1], &w, &why)) !=
	    HTQ_OK)
		return refused("window close", rc, &why);
	ctl_print_json(w);
	return 0;
}

static int
cmd_window_list(struct ctl *c, int argc, char **argv)
{
	MDB_txn *txn;
	json_t *doc;
	int rc;

	if (ctl_wants_help(argc, argv) || argc > 2) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl window list [ROUTE]\n\nThe schedule: every "
		    "window per route, announced, open or closed.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK ||
	    (rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_windows_list(c->db, txn, argc == 2 ? argv[1] : NULL, &doc);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK)
		return ctl_fail("window list", rc);
	ctl_print_json(doc);
	return 0;
}

static int
cmd_submission_list(struct ctl *c, int argc, char **argv)
{
	struct htq_sub_filter f;
	MDB_txn *txn;
	json_t *doc, *all, *page;
	char after[HTQ_ID_LEN + 1];
	const char *next;
	int rc;

	memset(&f, 0, sizeof(f));
	f.status = ctl_opt(argc, argv, "--status");
	f.standard = ctl_opt(argc, argv, "--standard");
	f.route = ctl_opt(argc, argv, "--route");
	f.organisation = ctl_opt(argc, argv, "--organisation");
	if (ctl_wants_help(argc, argv) || argc % 2 != 1 ||
	    (f.status && !htq_status_valid(f.status))) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl submission list [--status S] [--standard REF]"
		    " [--route R] [--organisation ID]\n\nEvery submission "
		    "(drafts included), as {\"submissions\": [...]}.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK ||
	    (rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	f.limit = HTQ_LIST_PAGE_MAX;
	all = json_array();
	for (;;) {
		if ((rc = htq_submissions_list(c->db, txn, &reader, &f,
		    &page)) != HTQ_OK)
			break;
		json_array_extend(all, json_object_get(page, "submissions"));
		next = json_string_value(json_object_get(page, "next"));
		if (next != NULL)
			snprintf(after, sizeof(after), "%s", next);
		json_decref(page);
		if (next == NULL)
			break;
		f.after = after;
	}
	mdb_txn_abort(txn);
	if (rc != HTQ_OK) {
		json_decref(all);
		return ctl_fail("submission list", rc);
	}
	doc = json_pack("{s:o}", "submissions", all);
	ctl_print_json(doc);
	return 0;
}

static int
cmd_submission_show(struct ctl *c, int argc, char **argv)
{
	MDB_txn *txn;
	json_t *doc;
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 2) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl submission show ID\n\nOne submission with "
		    "its coverage, reviews and decision.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK ||
	    (rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_submission_get(c->db, txn, &reader, argv[1], &doc);
	mdb_txn_abort(txn);
	if (rc == HTQ_ENOTFOUND) {
		fprintf(stderr, "htqctl: no submission %s\n", argv[1]);
		return 1;
	}
	if (rc != HTQ_OK)
		return ctl_fail("submission show", rc);
	ctl_print_json(doc);
	return 0;
}

static const struct ctl_cmd window_cmds[] = {
	{ "open", cmd_window_open, "open a submission window for a route" },
	{ "close", cmd_window_close, "close a window now" },
	{ "list", cmd_window_list, "the schedule of windows per route" },
	{ NULL, NULL, NULL }
};

static const struct ctl_cmd submission_cmds[] = {
	{ "list", cmd_submission_list, "list submissions" },
	{ "show", cmd_submission_show, "show one submission" },
	{ NULL, NULL, NULL }
};

int
ctl_window(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "window", window_cmds, argc - 1, argv + 1);
}

int
ctl_submission(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "submission", submission_cmds, argc - 1,
	    argv + 1);
}
