/*
 * ledger_writer.c - a test writer for the crash-safety test: appends one
 * ledger entry per durable LMDB transaction, forever, and prints
 * "acked SEQ N" after each commit returns.  The test kills it with
 * SIGKILL at random moments and checks that every acknowledged entry
 * survived.
 *
 * With COUNT it appends COUNT entries, PER_TXN to a transaction (default
 * 1000), and exits: a quick way to grow a test ledger past tile
 * boundaries.  It never publishes the static files: what it leaves is the
 * state after a crash between a commit and its publishing.
 *
 * usage: ledger_writer DATADIR START [COUNT [PER_TXN]]
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
	long long n, count = -1, per = 1000, k, j;
	char subject[32];
	int rc;

	if (argc < 3 || argc > 5)
		return 2;
	if (argc >= 4)
		count = atoll(argv[3]);
	if (argc == 5 && (per = atoll(argv[4])) < 1)
		return 2;
	if ((rc = htq_db_open(argv[1], 0, &db)) != HTQ_OK ||
	    (rc = htq_ledger_attach(db, argv[1], 1)) != HTQ_OK) {
		fprintf(stderr, "ledger_writer: %s\n", htq_strerror(rc));
		return 1;
	}
	if (count >= 0) {
		for (n = atoll(argv[2]), k = 0; k < count;) {
			if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
				return 1;
			for (j = 0; j < per && k < count; j++, k++, n++) {
				snprintf(subject, sizeof(subject), "n%lld", n);
				data = json_pack("{s:I}", "n", (json_int_t)n);
				rc = aud_append(htq_db_log(db), txn,
				    htq_db_key(db), "test.append", "writer",
				    subject, data, &seq);
				json_decref(data);
				if (rc != HTQ_OK) {
					fprintf(stderr, "ledger_writer: %s\n",
					    htq_strerror(rc));
					return 1;
				}
			}
			if ((rc = htq_commit(db, txn)) != HTQ_OK)
				return 1;
		}
		printf("appended %lld\n", count);
		htq_db_close(db);
		return 0;
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
