/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One intercepted tunnel: TLS with the client under a leaf certificate of
 * the session CA, the request's path checked against the allowlist's path
 * rules, then a verified TLS connection to the origin for that one request.
 */
#ifndef NONO_TLS_MITM_H
#define NONO_TLS_MITM_H

#include <stdint.h>

#include "proxy/hosts.h"
#include "tls/ca.h"

struct nono_mitm;

/* @report gets one line per decision ("D 1 200 GET host 443 /path"). */
struct nono_mitm *nono_mitm_new(struct nono_ca *ca,
				const struct nono_allowlist *allow,
				void (*report)(void *arg, const char *line),
				void *arg);

/* Serves the tunnel on @cfd (client) and @ofd (origin, connected) for
 * @host:@port until it is done; the caller closes both. */
void nono_mitm_serve(struct nono_mitm *m, int cfd, int ofd, const char *host,
		     uint16_t port);

#endif
