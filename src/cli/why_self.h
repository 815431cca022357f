/* SPDX-License-Identifier: Apache-2.0 */
/* `nono why --self --host` inside a sandbox, and the proxy's answer to it
 * (see why_self.c). */
#ifndef NONO_CLI_WHY_SELF_H
#define NONO_CLI_WHY_SELF_H

#include <stddef.h>
#include <stdio.h>

#include "plan/verdict.h"
#include "policy/json.h"

/* A verdict's JSON fields after "status", "reason" and "subject" (each as
 * ",\"name\":value"; empty ones left out). */
void why_verdict_fields(FILE *f, const struct plan_verdict *v);

/* The proxy's side (nono_proxy_config.why): @p's verdict on @host port
 * @port (@path or NULL) as one JSON object in @out (@len bytes,
 * terminated); its length, or -1. */
int why_host_json(const struct nono_plan *p, const char *host, unsigned port,
		  const char *path, char *out, size_t len);

/* Inside a sandbox: the verdict on @host port @port (@path or NULL) into
 * @v: nono's proxy's in proxy mode (nothing dialled), else from the
 * network mode nono set (NONO_NETWORK, NONO_OPEN_PORTS).  Strings of @v
 * may point into *@keep (nono_json_free() it after).  0, or -1 after an
 * error message. */
int why_self_host(const char *host, long port, const char *path,
		  struct plan_verdict *v, struct nono_json **keep);

#endif
