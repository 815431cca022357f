// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the DNS query bytes a sandboxed command sends, parsed
 * by nono learn for the host name it looks up.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "learn/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[256];

	if (learn_dns_qname(data, size, name, sizeof(name)) < 0)
		return 0;
	/* A name taken is dotted labels of [a-z0-9_-], 1..253 bytes. */
	if (!name[0] || strlen(name) > 253 || name[0] == '.')
		abort();
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			abort();
	return 0;
}
