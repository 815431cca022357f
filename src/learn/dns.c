// SPDX-License-Identifier: Apache-2.0
/*
 * A DNS query's name (RFC 1035 section 4.1): a 12-byte header, then one
 * question, QNAME as length-prefixed labels ending in a zero byte, QTYPE
 * and QCLASS.  Only what a resolver sends for getaddrinfo is taken: QR 0,
 * opcode 0 (QUERY), one question, no answers or authority, at most one
 * additional record (EDNS0's OPT), class IN, type A or AAAA.
 */
#include <stdint.h>

#include "learn/dns.h"

#define DNS_HEADER 12
#define DNS_NAME_MAX 253 /* dotted, without the root's dot */

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int label_char(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '_')
		return c;
	return -1;
}

int learn_dns_qname(const unsigned char *buf, size_t len, char *name,
		    size_t namelen)
{
	size_t at = DNS_HEADER, out = 0;
	unsigned type;

	if (!buf || len < DNS_HEADER + 5 || namelen < DNS_NAME_MAX + 1)
		return -1;
	/* QR 0 and opcode 0; one question; nothing but an OPT after it. */
	if ((buf[2] & 0xf8) != 0 || be16(buf + 4) != 1 || be16(buf + 6) != 0 ||
	    be16(buf + 8) != 0 || be16(buf + 10) > 1)
		return -1;
	for (;;) {
		unsigned l;

		if (at >= len)
			return -1;
		l = buf[at++];
		if (l == 0)
			break;
		/* 0xc0 (a pointer) and 0x40/0x80 (reserved) are > 63. */
		if (l > 63 || at + l > len ||
		    out + l + (out ? 1 : 0) > DNS_NAME_MAX)
			return -1;
		if (out)
			name[out++] = '.';
		for (unsigned i = 0; i < l; i++) {
			int c = label_char(buf[at + i]);

			if (c < 0)
				return -1;
			name[out++] = (char)c;
		}
		at += l;
	}
	if (out == 0 || at + 4 > len)
		return -1;
	type = be16(buf + at);
	/* Class IN (the top bit is mDNS's unicast-response flag). */
	if ((type != 1 && type != 28) || (be16(buf + at + 2) & 0x7fff) != 1)
		return -1;
	name[out] = '\0';
	return 0;
}
