/*
 * aud_limits.h - every limit of the ledger and its verifier, with the
 * reason beside it.  These are part of the external contract
 * (docs/ledger.md section 1.4): another verifier applies the same ones.
 */
#ifndef AUD_LIMITS_H
#define AUD_LIMITS_H

/* Largest ledger entry in bytes (the canonical encoding).  The largest
 * entry we write (standard.imported) is under 1 KiB; 16 KiB leaves room
 * for every documented type. */
#define AUD_MAX_ENTRY		(16 * 1024)
/* Longest log origin and key name. */
#define AUD_MAX_ORIGIN		128
/* Longest line of an export file, newline excluded.  An entry line is
 * {"seq":<=20 digits,"entry":"<entry as a JSON string>","sig":"<88>"}:
 * the entry as a JSON string is at most 2 bytes per entry byte with raw
 * UTF-8 (each '"' and '\' gains a backslash), at most 3 with non-ASCII
 * written as \u escapes (a 4-byte character becomes 12 bytes), so
 * 4 * AUD_MAX_ENTRY plus 1 KiB for the rest covers every honest writer.
 * The checkpoint line is far shorter.  The verifier reads each line into
 * a buffer of this size: memory stays bounded whatever the input. */
#define AUD_MAX_LINE		(4 * AUD_MAX_ENTRY + 1024)
/* Largest signed note (checkpoint): origin, size, root, extension lines
 * and a few signatures. */
#define AUD_MAX_NOTE		4096
/* Most signature lines in one note (as Go's note.Open). */
#define AUD_MAX_NOTE_SIGS	100
/* Deepest nesting inside an entry's data (data itself is depth 1). */
#define AUD_MAX_DEPTH		16
/* Longest entry type, actor and subject (bytes). */
#define AUD_MAX_TYPE		63
#define AUD_MAX_ACTOR		64
#define AUD_MAX_SUBJECT		128
/* Largest bundle or proof file the verifier reads. */
#define AUD_MAX_BUNDLE		(1024 * 1024)

/* A verifier policy file (docs/ledger.md 6.7): an origin and a few keys
 * fit in far less; keys beyond one per rotation for years are a mistake. */
#define AUD_MAX_POLICY		(16 * 1024)
#define AUD_MAX_POLICY_LINE	512
#define AUD_MAX_POLICY_KEYS	64
/* Witnesses one policy may require (docs/ledger.md 6.7): a handful of
 * independent organisations; each is checked on every verification. */
#define AUD_MAX_POLICY_WITNESSES 16
/* A policy's max_age: at most a year, 86400 s unless it says. */
#define AUD_MAX_POLICY_AGE	31536000
#define AUD_DEFAULT_POLICY_AGE	86400
/* How far ahead of the verifier's clock a cosignature may be dated. */
#define AUD_COSIG_SKEW		300

/* htq-witness (C2SP tlog-witness; audit/witness.c).  Its requests are
 * unauthenticated until the checkpoint's signature is checked, so the
 * limits are tight: a request is an "old" line, at most 63 proof hashes
 * and one checkpoint (AUD_MAX_NOTE), far under 64 KiB. */
#define AUD_WIT_MAX_BODY	(64 * 1024)
/* Request line and headers together; a client needs a few hundred bytes. */
#define AUD_WIT_MAX_HEAD	8192
/* Consistency proof lines per request (the spec's own limit). */
#define AUD_WIT_MAX_PROOF	63
/* Seconds a client may take to send its whole request. */
#define AUD_WIT_READ_SECS	10
/* Logs one witness configuration may list. */
#define AUD_WIT_MAX_LOGS	64
/* Largest configuration file and line (key lines are ~100 bytes). */
#define AUD_WIT_MAX_CONFIG	(64 * 1024)
/* Largest state file: a cosigned checkpoint. */
#define AUD_WIT_MAX_STATE	(2 * AUD_MAX_NOTE)

#endif /* AUD_LIMITS_H */
