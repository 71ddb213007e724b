/* errors.c - string table for enum htq_err. */
#include <stdarg.h>
#include <stdio.h>

#include "store.h"
#include "aud.h"

/* audit/ has its own codes; core passes them on unchanged, which is
 * right only while every one has the same value as ours. */
#define SAME(x) _Static_assert((int)AUD_##x == (int)HTQ_##x, #x)
SAME(OK); SAME(ENOMEM); SAME(EINVAL); SAME(ENOTFOUND); SAME(EEXIST);
SAME(EIO); SAME(EDB); SAME(ECRYPTO); SAME(EPERM); SAME(EFORMAT);
SAME(ETOOBIG); SAME(ECONFLICT); SAME(ERANGE); SAME(EVERIFY); SAME(EFULL);

static const char *const errstr[HTQ__NERR] = {
	[HTQ_OK] = "success",
	[HTQ_ENOMEM] = "out of memory",
	[HTQ_EINVAL] = "invalid argument",
	[HTQ_ENOTFOUND] = "not found",
	[HTQ_EEXIST] = "already exists",
	[HTQ_EIO] = "input/output error",
	[HTQ_EDB] = "database error",
	[HTQ_ECRYPTO] = "cryptographic operation failed",
	[HTQ_EPERM] = "permission denied",
	[HTQ_EFORMAT] = "malformed data",
	[HTQ_ETOOBIG] = "limit exceeded",
	[HTQ_ECONFLICT] = "conflicts with current state",
	[HTQ_ERANGE] = "out of range",
	[HTQ_EVERIFY] = "verification failed",
	[HTQ_EFULL] = "database map full",
	[HTQ_EBUSY] = "try again later",
	[HTQ_ENOSPC] = "no space left on the data directory's disk",
};

const char *
htq_strerror(int err)
{
	if (err < 0 || err >= HTQ__NERR || errstr[err] == 0)
		return "unknown error";
	return errstr[err];
}

int
htq_refuse(struct htq_why *why, int err, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	if (why == NULL)
		return err;
	snprintf(why->field, sizeof(why->field), "%s", field ? field : "");
	va_start(ap, fmt);
	if (vsnprintf(why->msg, sizeof(why->msg), fmt, ap) < 0)
		why->msg[0] = '\0';
	va_end(ap);
	/* The message may quote client text that vsnprintf cut short. */
	htq_clip(why->msg, sizeof(why->msg), why->msg, sizeof(why->msg));
	htq_clip(why->field, sizeof(why->field), why->field,
	    sizeof(why->field));
	return err;
}
