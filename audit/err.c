/* err.c - string table for enum aud_err. */
#include "aud.h"

static const char *const errstr[AUD__NERR] = {
	[AUD_OK] = "success",
	[AUD_ENOMEM] = "out of memory",
	[AUD_EINVAL] = "invalid argument",
	[AUD_ENOTFOUND] = "not found",
	[AUD_EEXIST] = "already exists",
	[AUD_EIO] = "input/output error",
	[AUD_EDB] = "database error",
	[AUD_ECRYPTO] = "cryptographic operation failed",
	[AUD_EPERM] = "permission denied",
	[AUD_EFORMAT] = "malformed data",
	[AUD_ETOOBIG] = "limit exceeded",
	[AUD_ECONFLICT] = "conflicts with current state",
	[AUD_ERANGE] = "out of range",
	[AUD_EVERIFY] = "verification failed",
	[AUD_EFULL] = "database map full",
};

const char *
aud_strerror(int err)
{
	if (err < 0 || err >= AUD__NERR || errstr[err] == 0)
		return "unknown error";
	return errstr[err];
}
