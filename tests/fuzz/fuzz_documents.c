/*
 * fuzz_documents.c - fuzz the supporting documents' type check
 * (core/domain/documents.c, htq_document_type): any bytes are typed or
 * refused with a reason, never read past their end (the sanitizer build
 * and libFuzzer's own checks see that); an accepted type has a media
 * type; the answer does not depend on what follows the buffer (a copy
 * into an exact-size allocation gives the same); and a refusal names
 * "type" or "file".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct htq_why why, why2;
	const char *type = NULL, *type2 = NULL;
	uint8_t *copy;
	int rc, rc2;

	if (size > HTQ_MAX_DOCUMENT)
		return 0;
	memset(&why, 0, sizeof(why));
	rc = htq_document_type(data, size, &type, &why);
	if (rc == HTQ_OK) {
		if (type == NULL || htq_document_mime(type) == NULL)
			abort();
	} else if (rc != HTQ_EINVAL || type != NULL || why.msg[0] == '\0' ||
	    (strcmp(why.field, "type") != 0 && strcmp(why.field, "file") != 0))
		abort();
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	if (size)
		memcpy(copy, data, size);
	memset(&why2, 0, sizeof(why2));
	rc2 = htq_document_type(copy, size, &type2, &why2);
	free(copy);
	if (rc2 != rc || (rc == HTQ_OK && strcmp(type, type2) != 0))
		abort();
	return 0;
}
