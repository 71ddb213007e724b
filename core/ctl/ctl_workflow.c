/*
 * ctl_workflow.c - htqctl window open|close|list, htqctl submission
 * list|show|history|ask|answer|delete.
 *
 * Every command calls the same core functions as the HTTP API.  The
 * operator at the console acts as an administrator whose ledger entries
 * name "system" (the console has the database and the key already); a
 * step of the approvals process is taken --as an account, under every
 * rule the API keeps for that account (its role and organisation now).
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

/* htqctl submission show|history ID: one submission, or its steps. */
static int
cmd_submission_show(struct ctl *c, int argc, char **argv)
{
	int history = strcmp(argv[0], "history") == 0;
	MDB_txn *txn;
	json_t *doc;
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 2) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl submission show ID\n"
		    "       htqctl submission history ID\n\nOne submission with "
		    "its coverage, reviews and decision; or its\nsteps only "
		    "(event, at, by, role, version).\n");
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
	if (history) {
		json_t *h = json_object_get(doc, "history");

		ctl_print_json(json_pack("{s:o}", "history", h ?
		    json_incref(h) : json_array()));
		json_decref(doc);
	} else
		ctl_print_json(doc);
	return 0;
}

/* The account named by --as (e-mail or id), as an actor; 1 and a
 * message when there is none or it is disabled. */
static int
acting(struct ctl *c, const char *who, struct htq_account *acct,
    struct htq_actor *a)
{
	MDB_txn *txn;
	int rc;

	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_account_find(c->db, txn, who, acct);
	mdb_txn_abort(txn);
	if (rc == HTQ_ENOTFOUND || (rc == HTQ_OK && acct->disabled)) {
		fprintf(stderr, "htqctl: --as %s: no such account, or it is "
		    "disabled\n", who);
		return 1;
	}
	if (rc != HTQ_OK)
		return ctl_fail("database", rc);
	a->id = acct->id;
	a->role = acct->role;
	a->org = acct->org;
	return 0;
}

/* htqctl submission ask|answer|delete ID --as WHO ...: one step. */
static int
cmd_submission_step(struct ctl *c, int argc, char **argv)
{
	const char *step = argv[0], *as = ctl_opt(argc, argv, "--as");
	const char *question = ctl_opt(argc, argv, "--question");
	const char *answer = ctl_opt(argc, argv, "--answer");
	const char *file = ctl_opt(argc, argv, "--content");
	struct htq_account acct;
	struct htq_actor a;
	struct htq_why why;
	json_error_t jerr;
	json_t *doc = NULL, *content = NULL;
	char *buf = NULL;
	size_t len;
	int rc, want;

	want = strcmp(step, "delete") == 0 ? 4 : strcmp(step, "ask") == 0 ?
	    6 : file != NULL ? 8 : 6;
	if (ctl_wants_help(argc, argv) || argc != want || as == NULL ||
	    argv[1][0] == '-' || (strcmp(step, "ask") == 0 && question ==
	    NULL) || (strcmp(step, "answer") == 0 && answer == NULL)) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl submission ask ID --as WHO --question TEXT\n"
		    "       htqctl submission answer ID --as WHO --answer TEXT "
		    "[--content FILE]\n"
		    "       htqctl submission delete ID --as WHO\n\n"
		    "A step taken as the account WHO (e-mail or id), by the "
		    "API's rules:\nask: a reviewer or approver asks the "
		    "awarding body for more information;\nanswer: the "
		    "awarding body answers, FILE (JSON: qualification,\n"
		    "standard, units, mapping) amending the content;\n"
		    "delete: the awarding body deletes its own draft.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = acting(c, as, &acct, &a)) != 0)
		return rc;
	if (file != NULL) {
		if ((rc = ctl_read_file(file, HTQ_MAX_BODY, &buf, &len)) !=
		    HTQ_OK)
			return ctl_fail(file, rc);
		content = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
		free(buf);
		if (content == NULL) {
			fprintf(stderr, "htqctl: %s: line %d: %s\n", file,
			    jerr.line, jerr.text);
			return 1;
		}
	}
	memset(&why, 0, sizeof(why));
	if (strcmp(step, "delete") == 0)
		rc = htq_submission_delete(c->db, &a, argv[1], &why);
	else if (strcmp(step, "ask") == 0)
		rc = htq_information_request(c->db, &a, argv[1], question, &doc,
		    &why);
	else
		rc = htq_information_respond(c->db, &a, argv[1], answer, content,
		    &doc, &why);
	json_decref(content);
	if (rc != HTQ_OK)
		return refused(step, rc, &why);
	if (doc != NULL)
		ctl_print_json(doc);
	else
		printf("deleted %s\n", argv[1]);
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
	{ "history", cmd_submission_show, "every step of one submission" },
	{ "ask", cmd_submission_step, "ask the awarding body for more "
	    "information (as a reviewer or approver)" },
	{ "answer", cmd_submission_step, "answer a request for information "
	    "(as the awarding body)" },
	{ "delete", cmd_submission_step, "delete a draft (as its awarding "
	    "body)" },
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
