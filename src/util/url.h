/* SPDX-License-Identifier: Apache-2.0 */
/*
 * URLs and authorities as users and peers write them, split one way
 * everywhere (the proxy's request targets and CONNECT authorities, a
 * credential service's upstream, --upstream-proxy, `nono why --host`).
 * Each caller then applies its own policy (which schemes, whether a path,
 * a port or user information may appear); the splitting, the host's
 * characters, IPv6 brackets and the port are decided here once.
 */
#ifndef NONO_UTIL_URL_H
#define NONO_UTIL_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NONO_HOST_MAX 253

struct nono_authority {
	const char *host; /* into the input; without the brackets */
	size_t hostlen;   /* 1 .. NONO_HOST_MAX */
	bool ipv6;        /* it was in brackets */
	bool has_port;
	uint16_t port; /* 1-65535 when has_port */
};

/*
 * host[:port] or [IPv6][:port], exactly @n bytes at @s.  A host name is
 * letters, digits, '-', '.' and '_'; a bracketed address hex digits, ':'
 * and '.'.  The port is nono_port_parse()'s.  Returns 0, or -EINVAL with
 * *@why naming the problem.
 */
int nono_authority_parse(const char *s, size_t n, struct nono_authority *a,
			 const char **why);

enum nono_url_scheme {
	NONO_URL_NONE,  /* no "scheme://" */
	NONO_URL_HTTP,  /* http:// (any case) */
	NONO_URL_HTTPS, /* https:// (any case) */
	NONO_URL_OTHER, /* another scheme */
};

struct nono_url {
	enum nono_url_scheme scheme;
	struct nono_authority auth;
	bool userinfo;    /* "user@" before the host (auth is not parsed) */
	const char *rest; /* from the first '/', '?' or '#': path, query,
			   * fragment; "" when none */
};

/*
 * [scheme://]authority[rest] in the NUL-terminated @s.  An input with
 * user information ("http://a@b/") is split (u->userinfo) but refused,
 * since which host it names is what an attacker plays on.  Returns 0, or
 * -EINVAL with *@why.
 */
int nono_url_parse(const char *s, struct nono_url *u, const char **why);

#endif
