/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filtering proxy: one thread, one epoll loop, every connection a small
 * state machine (head, resolving, connecting, relaying).  Clients must
 * present the session token; CONNECT host:port and plain http:// requests
 * to allowed hosts are relayed, everything else gets a short HTTP answer
 * naming the reason (403 with the flag that would allow it, 407, 400, 431,
 * 408 for a head not sent in time, 502/504 when the origin fails).  Names
 * are resolved on helper threads, and the proxy connects to the addresses
 * it checked (no second resolution for DNS rebinding to exploit).
 */
#ifndef NONO_PROXY_SERVER_H
#define NONO_PROXY_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/creds.h"
#include "proxy/hosts.h"

/* One decision, for the audit log (a later issue) and -vv. */
struct nono_proxy_decision {
	bool allowed; /* by the policy; a 5xx is an upstream failure */
	int status;   /* HTTP status answered (200 for a tunnel) */
	const char
	    *why; /* the answer's text for a refusal or failure, or NULL */
	const char *method, *host, *path; /* path NULL for tunnels */
	uint16_t port;
	unsigned long long bytes_up, bytes_down; /* once the relay ends */
	/* nono learn: the policy refuses it (reported once, before the
	 * request goes on); @allowed says whether it is let through for
	 * the learning run. */
	bool learned;
};

/* The name `nono why --self` asks the proxy at (RFC 2606: never a real
 * host, so another proxy fails to resolve it). */
#define NONO_PROXY_WHY_HOST "why.nono.invalid"

struct nono_proxy_config {
	int listen_fd;                      /* bound and listening */
	const char *token;                  /* the session's proxy token */
	const struct nono_allowlist *allow; /* borrowed; outlives the proxy */
	unsigned head_timeout_ms;           /* 0: 10 s */
	unsigned connect_timeout_ms;        /* 0: 10 s */
	unsigned max_conns;                 /* 0: 16384 */
	/* --upstream-proxy: allowed requests go out through this HTTP proxy
	 * (CONNECT for tunnels, absolute-form for plain http://), except
	 * hosts matching @upstream_bypass (may be NULL), which go direct. */
	const char *upstream_host; /* NULL: direct */
	uint16_t upstream_port;
	const struct nono_allowlist *upstream_bypass;
	/* The TLS interception helper's channel (see src/tls/main.c), or
	 * -1: then a host allowed only for some paths is refused for
	 * tunnels.  With it, such tunnels are opened, checked and connected
	 * here and handed to the helper, which checks each request's path;
	 * its decisions come back through on_decision.  -1: none (never 0). */
	int tls_chan;
	/* Credential services (--credential), or NULL: origin-form
	 * requests ("/SERVICE/...") go to them; see creds.h.  Borrowed. */
	const struct nono_creds *creds;
	/* nono learn: a request the policy refuses for its host or port
	 * alone is reported (learned), and let through when the host is a
	 * name (never an address literal or localhost; a name that resolves
	 * to a private address stays refused, as does a metadata address;
	 * a host allowed for some paths only is not learned). */
	bool learn;
	void (*on_decision)(void *arg, const struct nono_proxy_decision *d);
	/* `nono why --self --host` from inside: a request for
	 * http://NONO_PROXY_WHY_HOST/ with the session's token and the
	 * Nono-Why-Host, -Port and -Path fields is answered here, nothing
	 * dialled: @why writes the verdict on @host port @port (@path, or
	 * NULL) as one JSON object into @out (@len bytes) and returns its
	 * length, or -1.  NULL: such requests are refused like any host. */
	int (*why)(void *arg, const char *host, unsigned port, const char *path,
		   char *out, size_t len);
	void *arg;
};

struct nono_proxy;

/* Starts the proxy thread.  Returns 0 and *@out, or -errno. */
int nono_proxy_start(const struct nono_proxy_config *cfg,
		     struct nono_proxy **out);
/* Stops it, closes every connection (not the listener) and frees it. */
void nono_proxy_stop(struct nono_proxy *p);

#endif
