/* SPDX-License-Identifier: Apache-2.0 */
/* The host name in a DNS query a sandboxed command sends (nono learn puts
 * names to the addresses it connects to).  The bytes are the command's:
 * anything that is not a plain query for one name is refused. */
#ifndef NONO_LEARN_DNS_H
#define NONO_LEARN_DNS_H

#include <stddef.h>

/* The name @buf (@len bytes, a DNS message) asks the A or AAAA records of,
 * lowercased and dotted, into @name (@namelen bytes, at least 254).
 * Returns 0, or -1 when @buf is not a standard query for one such name of
 * letters, digits, '-' and '_' (a response, another opcode or type, a
 * compression pointer, a label too long, bytes left over...). */
int learn_dns_qname(const unsigned char *buf, size_t len, char *name,
		    size_t namelen);

#endif
