/*
 * ledger_writer.c - a test writer for the crash-safety test: appends one
 * ledger entry per durable LMDB transaction, forever, and prints
 * "acked SEQ N" after each commit returns.  The test kills it with
 * SIGKILL at random moments and checks that every acknowledged entry
 * survived.
 *
 * usage: ledger_writer DATADIR START
 */
#include <stdio.h>
#include <stdlib.h>

#include "htq.h"
#include "aud.h"

int
main(int argc, char **argv)
{
	struct htq_db *db;
	MDB_txn *txn;
	json_t *data;
	uint64_t seq;
	long long n;
	char subject[32];
	int rc;

	if (argc != 3)
		return 2;
	if ((rc = htq_db_open(argv[1], 0, &db)) != HTQ_OK ||
	    (rc = htq_ledger_attach(db, argv[1], 1)) != HTQ_OK) {
		fprintf(stderr, "ledger_writer: %s\n", htq_strerror(rc));
		return 1;
	}
	for (n = atoll(argv[2]);; n++) {
		snprintf(subject, sizeof(subject), "n%lld", n);
		data = json_pack("{s:I}", "n", (json_int_t)n);
		if ((rc = htq_txn_write(db, &txn)) != HTQ_OK ||
		    (rc = aud_append(htq_db_log(db), txn, htq_db_key(db),
		    "test.append", "writer", subject, data, &seq)) != HTQ_OK) {
			fprintf(stderr, "ledger_writer: %s\n", htq_strerror(rc));
			return 1;
		}
		json_decref(data);
		if ((rc = htq_commit(db, txn)) != HTQ_OK) {
			fprintf(stderr, "ledger_writer: commit: %s\n",
			    htq_strerror(rc));
			return 1;
		}
		printf("acked %llu %lld\n", (unsigned long long)seq, n);
		fflush(stdout);
	}
}
