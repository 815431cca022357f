// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the unix_diag replies the gate reads to identify
 * sockets.  They come from the kernel, but the parser is bounded all the
 * same: a name never overruns, an attribute never reads past the message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/sockdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nono_unix_sock s;
	/* Aligned as the kernel's replies are. */
	static uint32_t buf[4096];

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (nono_sockdiag_parse(buf, size, &s) < 0)
		return 0;
	if (s.namelen >= sizeof(s.name) || s.name[s.namelen] != '\0')
		abort();
	if (!s.abstract && strlen(s.name) != s.namelen)
		abort();
	return 0;
}
