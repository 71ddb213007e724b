/*
 * errors.h - the project-wide error codes.
 *
 * Every function in core/, audit/ and fcgi/ that can fail returns one of
 * these (0 is success) and puts its results in out-parameters.  The enum
 * knows nothing about qualifications or HTTP, so audit/ and the offline
 * verifier may include it too.  htq_strerror() never returns NULL and the
 * string it returns is static.
 */
#ifndef HTQ_ERRORS_H
#define HTQ_ERRORS_H

enum htq_err {
	HTQ_OK = 0,
	HTQ_ENOMEM,	/* allocation failed */
	HTQ_EINVAL,	/* argument or input not acceptable */
	HTQ_ENOTFOUND,	/* no such record */
	HTQ_EEXIST,	/* record or file already exists */
	HTQ_EIO,	/* file or socket I/O failed (see errno) */
	HTQ_EDB,	/* LMDB reported an error */
	HTQ_ECRYPTO,	/* signing, verification or hashing failed */
	HTQ_EPERM,	/* not allowed (permissions, role, file mode) */
	HTQ_EFORMAT,	/* stored or supplied data is malformed */
	HTQ_ETOOBIG,	/* a limit from limits.h was exceeded */
	HTQ_ECONFLICT,	/* state does not allow the operation */
	HTQ_ERANGE,	/* number out of range */
	HTQ_EVERIFY,	/* a ledger, proof or signature check failed */
	HTQ_EFULL,	/* the LMDB map is full */
	HTQ_EBUSY,	/* refused for now: try again later */
	HTQ_ENOSPC,	/* the data directory's disk is full (ENOSPC, EDQUOT) */
	HTQ__NERR
};

const char	*htq_strerror(int err);

#endif /* HTQ_ERRORS_H */
