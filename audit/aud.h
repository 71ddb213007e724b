/*
 * aud.h - the audit ledger: a hash-chained, Ed25519-signed, RFC 6962
 * Merkle log with C2SP signed-note checkpoints.  See docs/ledger.md for
 * the format, which is an external contract.
 *
 * audit/ knows nothing about qualifications.  Everything except store.c
 * uses only libc, libsodium and Jansson, so the offline verifier
 * (bin/htq-verify) links without LMDB.  Functions return enum aud_err
 * (0 is success; core/ maps the codes onto its own, see core/store/errors.c).
 * Callers must have called sodium_init().
 */
#ifndef AUD_H
#define AUD_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "aud_limits.h"

/* Error codes of audit/.  The values equal core's enum htq_err on
 * purpose (core/store/errors.c checks it at compile time), so core passes them
 * on unchanged; audit/ itself needs nothing from core. */
enum aud_err {
	AUD_OK = 0,
	AUD_ENOMEM,	/* allocation failed */
	AUD_EINVAL,	/* argument not acceptable */
	AUD_ENOTFOUND,	/* no such record or file */
	AUD_EEXIST,	/* file already exists */
	AUD_EIO,	/* file I/O failed (see errno) */
	AUD_EDB,	/* LMDB reported an error */
	AUD_ECRYPTO,	/* signing or a check right after signing failed */
	AUD_EPERM,	/* not allowed (key not current, file mode) */
	AUD_EFORMAT,	/* stored or supplied data is malformed */
	AUD_ETOOBIG,	/* a limit from aud_limits.h was exceeded */
	AUD_ECONFLICT,	/* state does not allow the operation */
	AUD_ERANGE,	/* number out of range */
	AUD_EVERIFY,	/* a ledger, proof or signature check failed */
	AUD_EFULL,	/* the LMDB map is full */
	AUD__NERR
};

/* Static string for an aud_err; never NULL. */
const char	*aud_strerror(int err);

#define AUD_HASH	32	/* SHA-256 */
#define AUD_SIG		64	/* Ed25519 signature */
#define AUD_PK		32	/* Ed25519 public key */
#define AUD_KID		4	/* C2SP key id */
#define AUD_MAX_PROOF	64	/* hashes in any proof of a 2^64 tree */
#define AUD_ENTRY_CONTEXT "htq-ledger-entry/v1\n"
#define AUD_DEFAULT_ORIGIN "htq.localhost/ledger"

typedef uint8_t aud_hash[AUD_HASH];

/* --- hashing and the Merkle tree (hash.c) --- */

/* RFC 6962 leaf hash SHA-256(0x00 || data). */
void	 aud_leaf_hash(const void *data, size_t len, aud_hash out);
/* RFC 6962 node hash SHA-256(0x01 || left || right). */
void	 aud_node_hash(const aud_hash left, const aud_hash right, aud_hash out);
/* Root of the empty tree: SHA-256 of the empty string. */
void	 aud_empty_root(aud_hash out);

/*
 * A compact range over leaves [0, size): the roots of the perfect
 * subtrees that make up the tree, at most 64 of them.  Appending and
 * computing the root are O(log n) in time and memory.
 */
struct aud_range {
	uint64_t	 size;
	int		 n;
	aud_hash	 h[64];
};
void	 aud_range_init(struct aud_range *);
void	 aud_range_append(struct aud_range *, const aud_hash leaf);
void	 aud_range_root(const struct aud_range *, aud_hash out);

/* Verify an RFC 6962 inclusion proof (RFC 9162 2.1.3.2). */
int	 aud_verify_inclusion(uint64_t index, uint64_t size,
	    const aud_hash leaf, const aud_hash *proof, size_t n,
	    const aud_hash root);
/* Verify an RFC 6962 consistency proof (RFC 9162 2.1.4.2). */
int	 aud_verify_consistency(uint64_t m, uint64_t n, const aud_hash mroot,
	    const aud_hash nroot, const aud_hash *proof, size_t k);

/*
 * Decode the UTF-8 character at p (strictly, as Go's utf8.DecodeRune: no
 * overlong form, no surrogate, at most U+10FFFF) into *cp; its length,
 * 0 when invalid.  Shared by the entry and the note parsers (note.c).
 */
size_t	 aud_utf8_char(const unsigned char *p, const unsigned char *end,
	    uint32_t *cp);

/* --- keys and signed notes (note.c) --- */

/* A signing key.  Allocated with sodium_malloc and read-only after load;
 * owned by the caller, freed with aud_key_free. */
struct aud_key {
	uint8_t		 sk[64];	/* libsodium secret key (seed || pk) */
	uint8_t		 pk[AUD_PK];
	uint8_t		 kid[AUD_KID];
	char		 name[AUD_MAX_ORIGIN + 1];
};

/* A verifier key: what anyone holds to check our signatures. */
struct aud_vkey {
	uint8_t		 pk[AUD_PK];
	uint8_t		 kid[AUD_KID];
	char		 name[AUD_MAX_ORIGIN + 1];
};

/* C2SP key id: SHA-256(name || 0x0A || 0x01 || pk)[:4]; with another
 * signature type byte alg (0x04: cosignature/v1), aud_key_id_alg. */
void	 aud_key_id(const char *name, const uint8_t pk[AUD_PK],
	    uint8_t kid[AUD_KID]);
void	 aud_key_id_alg(const char *name, uint8_t alg,
	    const uint8_t pk[AUD_PK], uint8_t kid[AUD_KID]);
/* 1 if name is a valid key name / origin (printable, no '+', spaces). */
int	 aud_name_valid(const char *name);
/* Write a new key to path with mode 0600; refuses to overwrite. */
int	 aud_key_generate(const char *path, const char *name);
/* Load a key; refuses a file that group or others can access. */
int	 aud_key_load(const char *path, struct aud_key **out);
void	 aud_key_free(struct aud_key *);
/* Wrap raw key material (tests, known answers). */
int	 aud_key_from_seed(const uint8_t seed[32], const char *name,
	    struct aud_key **out);
/* "<name>+<hex id>+<base64(0x01 || pk)>" */
int	 aud_vkey_format(const struct aud_vkey *, char *buf, size_t bufsz);
int	 aud_vkey_parse(const char *s, struct aud_vkey *out);
void	 aud_key_public(const struct aud_key *, struct aud_vkey *out);

/*
 * A verifier's trust root (docs/ledger.md 6.7): the log's origin and its
 * verifier keys, oldest first, each named by the origin; optionally the
 * witnesses (cosignature/v1 keys: name, key id with type byte 0x04, public
 * key) of which quorum must have cosigned the latest checkpoint within
 * max_age seconds.  Parsed from the policy file's text (len bytes, need not
 * be NUL-terminated) into *p, which the caller owns.  AUD_EFORMAT with why
 * naming the line for anything not of the documented form, AUD_ETOOBIG past
 * AUD_MAX_POLICY, AUD_MAX_POLICY_LINE, AUD_MAX_POLICY_KEYS or
 * AUD_MAX_POLICY_WITNESSES, AUD_ERANGE for a quorum or max_age out of
 * range.  Without witness lines nwitnesses, quorum and max_age are 0.
 */
struct aud_policy {
	char		 origin[AUD_MAX_ORIGIN + 1];
	struct aud_vkey	 keys[AUD_MAX_POLICY_KEYS];
	size_t		 nkeys;
	struct aud_vkey	 witnesses[AUD_MAX_POLICY_WITNESSES];
	size_t		 nwitnesses;
	size_t		 quorum;	/* 1..nwitnesses; default all */
	uint64_t	 max_age;	/* seconds; default 86400 */
};
int	 aud_policy_parse(const char *text, size_t len, struct aud_policy *p,
	    char *why, size_t whysz);
/*
 * The witness rule (docs/ledger.md 6.7) for a checkpoint note (the whole
 * signed note text, len bytes) at time now (POSIX seconds): AUD_OK when a
 * quorum of the policy's witnesses cosigned it within max_age (and at most
 * 300 s ahead); *when is then the quorum-th newest valid cosignature time.
 * AUD_EVERIFY otherwise, with why saying, per missing witness, "witness
 * <name> has not cosigned since <ISO time>" or "no valid cosignature from
 * witness <name>" (joined with "; ").  AUD_EFORMAT for a malformed note.
 * A policy without witnesses: AUD_OK, *when = 0.  (A quorum of 0 or over
 * nwitnesses, which aud_policy_parse never makes, means all of them;
 * more than AUD_MAX_POLICY_WITNESSES is AUD_EINVAL.)
 */
int	 aud_policy_cosigned(const struct aud_policy *, const char *note,
	    size_t len, uint64_t now, uint64_t *when, char *why, size_t whysz);

/* Checkpoint body "<origin>\n<size>\n<base64 root>\n" into buf. */
int	 aud_checkpoint_body(const char *origin, uint64_t size,
	    const aud_hash root, char *buf, size_t bufsz);
/* Parse a checkpoint body (extension lines after the root are allowed). */
int	 aud_checkpoint_parse(const char *body, size_t len, char *origin,
	    size_t originsz, uint64_t *size, aud_hash root);
/* Sign body as a C2SP signed note; *note is malloc'd, caller frees. */
int	 aud_note_sign(const struct aud_key *, const char *body, char **note);
/*
 * Open a signed note exactly as Go's note.Open does (docs/ledger.md 4):
 * AUD_EFORMAT when the note or any signature line is malformed, wherever
 * it is.  Otherwise *bodylen is the length of the signed text at the
 * start of note; the first line of each (name, key id) of keys must
 * verify (every key with that name and id is tried: ids may collide),
 * AUD_EVERIFY if one does not or none matches a key (nkeys 0: only the
 * form is checked, and the result is AUD_EVERIFY).  On AUD_OK *which is
 * the index of a key that verified it.  why explains failures.
 */
int	 aud_note_verify(const char *note, size_t len,
	    const struct aud_vkey *keys, size_t nkeys, size_t *bodylen,
	    size_t *which, char *why, size_t whysz);

/* --- entries (entry.c) --- */

/*
 * Encode an entry in canonical form (docs/ledger.md 1.2): compact JSON
 * with fields v, seq, time, type, actor, subject, data (keys sorted),
 * prev, kid in that order.  *out is malloc'd; the bytes are the entry.
 * AUD_EINVAL when a field has not its documented form (the result is
 * parsed back with aud_entry_parse before it is returned), AUD_ETOOBIG
 * over AUD_MAX_ENTRY.
 */
int	 aud_entry_encode(uint64_t seq, const char *time, const char *type,
	    const char *actor, const char *subject, const json_t *data,
	    const aud_hash prev, const uint8_t kid[AUD_KID], char **out,
	    size_t *len);
/*
 * The same with data given as its canonical bytes (aud_data_encode), so
 * that the JSON work can happen before the write transaction; bytes that
 * are not canonical are AUD_EINVAL (the whole entry is parsed back).
 */
int	 aud_entry_encode_data(uint64_t seq, const char *time,
	    const char *type, const char *actor, const char *subject,
	    const char *data, size_t datalen, const aud_hash prev,
	    const uint8_t kid[AUD_KID], char **out, size_t *len);
/* data's canonical bytes (keys sorted at every level, compact; NULL is
 * {}), *out malloc'd; AUD_EINVAL for data an entry cannot carry (not an
 * object, reals, NUL in a string, nested deeper than AUD_MAX_DEPTH). */
int	 aud_data_encode(const json_t *data, char **out, size_t *len);
/* Sign "htq-ledger-entry/v1\n" || entry and check the signature. */
int	 aud_entry_sign(const struct aud_key *, const char *entry, size_t len,
	    uint8_t sig[AUD_SIG]);
int	 aud_entry_verify(const uint8_t pk[AUD_PK], const char *entry,
	    size_t len, const uint8_t sig[AUD_SIG]);

/*
 * A parsed entry (docs/ledger.md section 1).  String fields are copies;
 * data points into the entry bytes given to aud_entry_parse (the data
 * object's exact bytes, canonical).
 */
struct aud_entry {
	uint64_t	 seq;
	char		 time[21];
	char		 type[AUD_MAX_TYPE + 1];
	char		 actor[AUD_MAX_ACTOR + 1];
	char		 subject[AUD_MAX_SUBJECT + 1];
	const char	*data;
	size_t		 datalen;
	aud_hash	 prev;
	uint8_t		 kid[AUD_KID];
};
/*
 * Parse an entry and check that it is exactly the canonical encoding of
 * a valid version 1 entry: every field of the documented type and form,
 * in order, data's keys strictly increasing at every level, strings
 * escaped exactly as the encoder escapes them, no whitespace.  The bytes
 * are valid iff JSON-decoding them (duplicates rejected) and re-encoding
 * with aud_entry_encode gives them back (aud_entry_check_reference does
 * exactly that, for tests).  One pass, no allocation.  On failure
 * AUD_EFORMAT and why says "field F: reason".
 */
int	 aud_entry_parse(const char *entry, size_t len, struct aud_entry *out,
	    char *why, size_t whysz);
/* The definition itself, with Jansson: decode (JSON_REJECT_DUPLICATES),
 * check fields, re-encode, compare bytes.  Slow; tests and fuzzing check
 * that it and aud_entry_parse always agree. */
int	 aud_entry_check_reference(const char *entry, size_t len, char *why,
	    size_t whysz);
/* Field forms, shared by the encoder and the parser. */
int	 aud_time_valid(const char *s, size_t len);
int	 aud_type_valid(const char *s, size_t len);
int	 aud_actor_valid(const char *s, size_t len);
int	 aud_subject_valid(const char *s, size_t len);

/*
 * A key.rotated entry e (its signature by the current key checked by the
 * caller) against the chain of keys so far, chain[n - 1] the current one
 * (docs/ledger.md 3): data exactly {"new_key","old_key"}, old_key the
 * current key, new_key a verifier key of the same name that the chain
 * has not used.  On AUD_OK *nk is the new key; AUD_EFORMAT or
 * AUD_EVERIFY with why saying which rule failed (rotation.c; htq-verify
 * and aud_log_check both use it).
 */
int	 aud_rotation_check(const struct aud_entry *e,
	    const struct aud_vkey *chain, size_t n, struct aud_vkey *nk,
	    char *why, size_t whysz);

/* RFC 3339 UTC time "2026-11-23T03:21:04Z" (buf >= 21 bytes). */
void	 aud_time_now(char buf[32]);

/* --- C2SP tlog-tiles: paths, which tiles change, entry bundles (tiles.c) --- */

#define AUD_TILE_HEIGHT	8	/* tree levels per tile */
#define AUD_TILE_WIDTH	256	/* hashes (or entries) in a full tile */
#define AUD_TILE_ENTRIES (-1)	/* the level of entry bundles */
#define AUD_TILE_MAXLEVEL 7	/* 8 * 7 = 56: the last tree level a tile starts */
#define AUD_TILE_PATH	80	/* longest path, NUL included */

/*
 * One tile: hash tile (level L >= 0: the hashes of the perfect subtrees
 * at tree level 8L, indices 256N .. 256N+W-1) or entry bundle (level
 * AUD_TILE_ENTRIES: entries 256N .. 256N+W-1).  W is 1..256; 256 is a
 * full tile, anything less a partial one.
 */
struct aud_tile {
	int		 level;
	uint64_t	 n;
	unsigned	 w;
};

/*
 * "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]", N in 3-digit
 * path elements, all but the last prefixed with 'x' (x001/x234/067).
 * AUD_EINVAL for a tile that cannot exist (level, width, or an index
 * beyond a 2^64-leaf tree).
 */
int	 aud_tile_path(const struct aud_tile *, char *buf, size_t bufsz);
/* The inverse; only the canonical form aud_tile_path writes is accepted
 * (AUD_EFORMAT otherwise).  path need not be NUL-terminated. */
int	 aud_tile_parse(const char *path, size_t len, struct aud_tile *out);
/*
 * Call fn for every tile of a log of size `size` whose contents differ
 * from those of size `old` (old <= size; old 0: every tile of the log),
 * entry bundles first, then hash tiles level by level, each tile at its
 * width at `size`.  Full tiles never change once written: O(log n) tiles
 * per call after a small append.  Stops at and returns fn's first
 * non-zero result.
 */
int	 aud_tiles_changed(uint64_t old, uint64_t size,
	    int (*fn)(void *ctx, const struct aud_tile *), void *ctx);
/* Tree level and first node index of a hash tile's hashes. */
void	 aud_tile_span(const struct aud_tile *, int *tree_level,
	    uint64_t *first);
/*
 * Entry bundles: each entry as a big-endian uint16 length and its exact
 * bytes.  aud_bundle_next reads the entry at *off and moves *off past
 * it; AUD_ENOTFOUND at the end, AUD_EFORMAT when cut short or empty.
 */
int	 aud_bundle_next(const uint8_t *b, size_t len, size_t *off,
	    const uint8_t **entry, size_t *elen);

/* --- a C2SP tlog-witness (witness.c; the program is witness_main.c) --- */

#define AUD_COSIG_ALG	0x04	/* cosignature/v1 (Ed25519) key id byte */
#define AUD_COSIG_SIG	(8 + AUD_SIG)	/* u64 timestamp || signature */

/* One log the witness cosigns: its origin and verifier keys (the
 * policy file's form, section 6.7 of docs/ledger.md). */
struct aud_wit_log {
	struct aud_policy	 policy;
};

/*
 * The witness configuration (docs/ledger.md "Witnesses"):
 *
 *	name witness.example/w1
 *	keyfile /etc/htq/witness.key
 *	origin htq.localhost/ledger
 *	key htq.localhost/ledger+9aed5832+AczG...
 *	origin other.example/log
 *	key ...
 *
 * Each "origin" line starts a log; the lines up to the next one are
 * that log's policy and are parsed by aud_policy_parse.  Plain struct,
 * owned by the caller.
 */
struct aud_wit_config {
	char			 name[AUD_MAX_ORIGIN + 1];
	char			 keyfile[AUD_MAX_POLICY_LINE + 1];
	struct aud_wit_log	 logs[AUD_WIT_MAX_LOGS];
	size_t			 nlogs;
};
/* AUD_EFORMAT / AUD_ETOOBIG with why naming the line. */
int	 aud_wit_config_parse(const char *text, size_t len,
	    struct aud_wit_config *c, char *why, size_t whysz);

/* Cosignature key id SHA-256(name || "\n" || 0x04 || pk)[:4]. */
void	 aud_cosig_key_id(const char *name, const uint8_t pk[AUD_PK],
	    uint8_t kid[AUD_KID]);
/* "<name>+<hex id>+<base64(0x04 || pk)>": the witness's vkey. */
int	 aud_cosig_vkey_format(const struct aud_key *, char *buf,
	    size_t bufsz);
/* Parse a witness's vkey as aud_cosig_vkey_format writes it; the key id
 * must be the computed one.  AUD_EFORMAT otherwise (policy.c). */
int	 aud_cosig_vkey_parse(const char *s, struct aud_vkey *out);
/*
 * The cosignature/v1 signature line for the checkpoint body (its text
 * up to and including the blank line's first '\n'), made at time ts
 * (non-zero, at most 2^63 - 1) and checked right after signing:
 * "— <name> base64(kid || u64be(ts) || sig)\n" into buf.
 */
int	 aud_cosign(const struct aud_key *, const char *body, size_t bodylen,
	    uint64_t ts, char *buf, size_t bufsz);
/* Check a cosignature line (as aud_cosign writes it, no '\n') by
 * (name, pk) over body; *ts is its time.  AUD_EVERIFY if it fails. */
int	 aud_cosig_verify(const char *line, size_t len, const char *name,
	    const uint8_t pk[AUD_PK], const char *body, size_t bodylen,
	    uint64_t *ts);

/*
 * An add-checkpoint request body, parsed (tlog-witness): "old N\n", up
 * to 63 base64 hash lines, "\n", the signed checkpoint.  note points
 * into the body given.  AUD_EFORMAT (why says what) for any other form.
 */
struct aud_wit_req {
	uint64_t	 old;
	aud_hash	 proof[AUD_WIT_MAX_PROOF];
	size_t		 nproof;
	const char	*note;
	size_t		 notelen;
};
int	 aud_wit_req_parse(const char *body, size_t len,
	    struct aud_wit_req *r, char *why, size_t whysz);

/*
 * The head of an HTTP/1.1 request (request line and headers, through
 * the blank line, len bytes): method, path and Content-Length
 * (-1 when absent).  AUD_EFORMAT for anything malformed or ambiguous
 * (a second Content-Length, Transfer-Encoding, obsolete folding, a
 * control character), AUD_ETOOBIG past AUD_WIT_MAX_HEAD.
 */
struct aud_http_head {
	char		 method[8];
	char		 path[128];
	long long	 clen;
};
int	 aud_http_head_parse(const char *head, size_t len,
	    struct aud_http_head *h);

/*
 * The witness: its key, configuration and state directory (one file per
 * origin, "<hex SHA-256(origin)>.checkpoint": the last checkpoint it
 * cosigned, with the log signatures it verified and its cosignature,
 * written atomically).  Borrowed
 * pointers; the caller keeps them alive.
 */
struct aud_witness {
	const struct aud_key		*key;
	const struct aud_wit_config	*config;
	int				 statefd;	/* the directory */
};
/*
 * The answer to POST /add-checkpoint.  status is the HTTP status; body
 * (NUL-terminated, len bytes) is the cosignature line(s) for 200, the
 * witness's size and '\n' for 409 (type "text/x.tlog.size"), else a
 * one-line reason (text/plain).
 */
struct aud_wit_answer {
	int		 status;
	const char	*type;
	char		 body[512];
	size_t		 len;
};
/*
 * Handle one add-checkpoint body at time now (POSIX seconds): every
 * check of C2SP tlog-witness in its order, then the new state made
 * durable, then the cosignature.  The caller serialises calls (the
 * check and the update must be atomic: one process, one request at a
 * time, the state directory locked).  Returns AUD_OK when *a is set
 * (whatever its status); an error only when the state cannot be read
 * or written (then a->status is 500).
 */
int	 aud_witness_add(const struct aud_witness *, const char *body,
	    size_t len, uint64_t now, struct aud_wit_answer *a);
/* The size and root the witness last cosigned for origin (0 and the
 * empty root when never).  AUD_EFORMAT for a damaged state file. */
int	 aud_witness_state(const struct aud_witness *, const char *origin,
	    uint64_t *size, aud_hash root);
/*
 * The last cosigned checkpoint of the log whose origin hashes to hexhash
 * (64 lowercase hex digits; tlog-witness's monitor retrieval): its body,
 * the log's signature lines the witness verified and its cosignature,
 * into buf.  AUD_EINVAL for another form of hexhash, AUD_ENOTFOUND when
 * never cosigned, AUD_ETOOBIG when it does not fit.
 */
int	 aud_witness_read(const struct aud_witness *, const char *hexhash,
	    char *buf, size_t bufsz, size_t *len);
/* Milliseconds from now (CLOCK_MONOTONIC) to deadline, 0 once it has
 * passed: the poll timeouts of a witness and of the log asking one. */
struct timespec;
int	 aud_ms_left(const struct timespec *deadline);

/* --- the log in LMDB (store.c) --- */

typedef struct MDB_env MDB_env;	/* identical to lmdb.h's typedefs */
typedef struct MDB_txn MDB_txn;
/* dbi handles, origin, the signed checkpoint and a copy of complete upper
 * tiles; per process, used by one thread at a time */
struct aud_log;

/*
 * Open the ledger's named databases in env, creating them when txn is a
 * write transaction.  *out is owned by the caller (aud_log_close).
 */
int	 aud_log_open(MDB_txn *txn, const char *origin, struct aud_log **out);
/* Reading functions below (roots, proofs) may be called in any txn; only
 * read-only ones fill the handle's tile cache. */
void	 aud_log_close(struct aud_log *);
/* Empty the log's databases in the write txn (entries, tree, keys,
 * origin): a restore that starts a new log (htqctl restore
 * --new-origin).  The handle must be closed and the log opened again. */
int	 aud_log_drop(struct aud_log *, MDB_txn *);
const char *aud_log_origin(const struct aud_log *);
/*
 * Append one entry inside the caller's write transaction, signed with
 * key: O(log n) reads and writes.  The key must be the log's current key
 * (the first append records it).  *seq_out may be NULL.
 */
int	 aud_append(struct aud_log *, MDB_txn *, const struct aud_key *,
	    const char *type, const char *actor, const char *subject,
	    const json_t *data, uint64_t *seq_out);
/* The same with data as its canonical bytes (aud_data_encode). */
int	 aud_append_data(struct aud_log *, MDB_txn *, const struct aud_key *,
	    const char *type, const char *actor, const char *subject,
	    const char *data, size_t datalen, uint64_t *seq_out);
/* Sign and store the checkpoint for the current size (optional: readers
 * sign on demand, see aud_checkpoint).  Nothing if already current. */
int	 aud_seal(struct aud_log *, MDB_txn *, const struct aud_key *);
/* Append key.rotated (signed by old) naming new, and make new current. */
int	 aud_rotate(struct aud_log *, MDB_txn *, const struct aud_key *old,
	    const struct aud_key *new_key, const char *actor);
int	 aud_size(struct aud_log *, MDB_txn *, uint64_t *size);
/* Entry bytes and signature; pointers into LMDB, valid in txn. */
int	 aud_entry_get(struct aud_log *, MDB_txn *, uint64_t seq,
	    const char **entry, size_t *len, const uint8_t **sig);
/* Root of the tree of the first size leaves: O(log n) reads. */
int	 aud_root(struct aud_log *, MDB_txn *, uint64_t size, aud_hash out);
/*
 * The hashes of count perfect subtrees at tree level `level`, indices
 * first .. first+count-1, from the stored hashes (no re-hashing): a C2SP
 * hash tile is level 8L.  Each must end within the log's size
 * (AUD_ERANGE otherwise).  out has room for count hashes.
 */
int	 aud_subtree_hashes(struct aud_log *, MDB_txn *, int level,
	    uint64_t first, size_t count, aud_hash *out);
/* RFC 6962 proofs: out has room for AUD_MAX_PROOF hashes. */
int	 aud_prove_inclusion(struct aud_log *, MDB_txn *, uint64_t index,
	    uint64_t size, aud_hash *out, size_t *n);
int	 aud_prove_consistency(struct aud_log *, MDB_txn *, uint64_t m,
	    uint64_t n, aud_hash *out, size_t *k);
/*
 * The signed checkpoint for the current size: the stored one when current,
 * else signed now with key (the log's current key) and cached in the log
 * handle.  *note is valid until txn ends or the next call.  AUD_EPERM if
 * key is not current, AUD_ECONFLICT if a signature is needed and key is
 * NULL.
 */
int	 aud_checkpoint(struct aud_log *, MDB_txn *, const struct aud_key *key,
	    const char **note, size_t *len);
/* Verifier keys, one per line, oldest first; pointer valid in txn. */
int	 aud_keys(struct aud_log *, MDB_txn *, const char **text, size_t *len);
/* The current key id (all zero before the first append). */
int	 aud_current_kid(struct aud_log *, MDB_txn *, uint8_t kid[AUD_KID]);
/*
 * Write the export file: one {"seq","entry","sig"} JSON line per entry
 * then {"checkpoint": note}.  progress (may be NULL) is called every
 * 65536 entries.
 */
int	 aud_export(struct aud_log *, MDB_txn *, const struct aud_key *key,
	    FILE *out,
	    void (*progress)(uint64_t done, uint64_t total));

/* --- checking a stored log (store_check.c; not in htq-verify) --- */

/* What aud_log_check found. */
struct aud_check {
	uint64_t	 size;		/* entries in the log */
	aud_hash	 root;		/* their root, recomputed */
	size_t		 nkeys;		/* keys of the chain (1 + rotations) */
	int		 entries_ok;	/* every entry and the tree verified */
	int		 have_pub;	/* a published checkpoint was given */
	uint64_t	 pub_size;	/* its size and root */
	aud_hash	 pub_root;
};
/*
 * Verify the log in txn as htq-verify's ledger mode verifies an export
 * (docs/ledger.md 6.1), trusting the first key of the log's own key list:
 * every entry canonical, its seq, the prev chain, signed by the key
 * current at it, key.rotated entries followed; the stored tree's root
 * equal to the entries' and the log's current key the chain's last.
 * With pub (a signed checkpoint note the log published, publen bytes) it
 * must be for the log's origin, signed by the key current at its size,
 * and have the log's root at its size: AUD_ERANGE when it is for more
 * entries than the log holds (the log would be rewound), AUD_EVERIFY
 * when the roots differ (a fork) or any check fails, AUD_EFORMAT for a
 * malformed entry or note.  why says which entry and what; *out is
 * filled as far as the check went (entries_ok: the log itself verified,
 * so a failure is the published checkpoint's; AUD_ERANGE is found before
 * the entries are read).  Reads every entry once: O(n) time,
 * O(log n) memory.
 */
int	 aud_log_check(struct aud_log *, MDB_txn *, const char *pub,
	    size_t publen, struct aud_check *out, char *why, size_t whysz);

#endif /* AUD_H */
