/*
 * ctl_report.c - htqctl report: the partners' report (core/domain/
 * report.c) on the console, as the same bytes GET /api/v1/reports gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int
usage(int help)
{
	fprintf(help ? stdout : stderr, "usage: htqctl report [--window ID] "
	    "[--route R] [--format json|csv]\n\nThe partners' report per "
	    "submission window and per route (docs/reports.md): the same "
	    "bytes as GET /api/v1/reports for the same data.\n");
	return help ? 0 : 2;
}

int
ctl_report(struct ctl *c, int argc, char **argv)
{
	static const struct htq_actor op = { "system", HTQ_ROLE_OPERATOR, "" };
	struct htq_report_filter f;
	struct htq_why why;
	const char *format;
	MDB_txn *txn;
	json_t *rep;
	char *out;
	size_t len;
	int i, rc;

	if (ctl_wants_help(argc, argv))
		return usage(1);
	for (i = 1; i < argc; i += 2)
		if (i + 1 >= argc || (strcmp(argv[i], "--window") != 0 &&
		    strcmp(argv[i], "--route") != 0 &&
		    strcmp(argv[i], "--format") != 0))
			return usage(0);
	memset(&f, 0, sizeof(f));
	memset(&why, 0, sizeof(why));
	f.window = ctl_opt(argc, argv, "--window");
	f.route = ctl_opt(argc, argv, "--route");
	format = ctl_opt(argc, argv, "--format");
	if (format != NULL && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0)
		return usage(0);
	if ((rc = ctl_open(c, 0)) != HTQ_OK ||
	    (rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_report(c->db, txn, &op, &f, &rep, &why);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK) {
		if (why.msg[0] != '\0') {
			fprintf(stderr, "htqctl: report: %s\n", why.msg);
			return 1;
		}
		return ctl_fail("report", rc);
	}
	rc = htq_report_render(rep, format != NULL && strcmp(format,
	    "csv") == 0, &out, &len);
	json_decref(rep);
	if (rc != HTQ_OK)
		return ctl_fail("report", rc);
	if (fwrite(out, 1, len, stdout) != len || (format == NULL ||
	    strcmp(format, "json") == 0 ? putchar('\n') == EOF : 0)) {
		free(out);
		return ctl_fail("report", HTQ_EIO);
	}
	free(out);
	return 0;
}
