/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Port numbers as users and peers write them, read one way everywhere
 * (flags, profiles, URLs, host:port entries, the upstream proxy): 1-65535
 * in decimal digits only.  strtol would also take a sign, leading spaces
 * or a trailing remainder, which made `--proxy-port +8080` pass where
 * `--open-port +8080` did not.
 */
#ifndef NONO_UTIL_PORT_H
#define NONO_UTIL_PORT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* The @n bytes at @s as a port.  Returns 0 with *@port, or -EINVAL. */
static inline int nono_port_parse(const char *s, size_t n, uint16_t *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

#endif
