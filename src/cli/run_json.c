// SPDX-License-Identifier: Apache-2.0
/*
 * nono run --dry-run --json: the plan a run would enforce, as one JSON
 * object for scripts and agents (the text form is run_report.c's).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/diag.h"
#include "cli/run_ctx.h"
#include "cli/run_internal.h"
#include "cred/secret.h"
#include "plan/verdict.h"
#include "util/jsonout.h"

static void key(const char *k, bool first)
{
	printf("%s\"%s\":", first ? "" : ",", k);
}

static void str_or_null(const char *s)
{
	if (s)
		nono_json_str(stdout, s);
	else
		printf("null");
}

void run_print_dry_run_json(const struct run_ctx *c, char *const *argv)
{
	const struct nono_caps *caps = c->p.caps;
	char what[2 * PATH_MAX + 32], dir[PATH_MAX];
	size_t i;

	printf("{");
	key("profile", true);
	str_or_null(c->p.profile ? c->p.profile->name : NULL);
	key("grants", false);
	printf("[");
	for (i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		printf("%s{\"path\":", i ? "," : "");
		nono_json_str(stdout, g->path);
		printf(",\"access\":\"%s\",\"file\":%s,\"source\":\"%s\"}",
		       plan_access_name(g->access),
		       g->flags & NONO_GRANT_FILE ? "true" : "false",
		       plan_grant_source_name(&c->p, g));
	}
	printf("]");
	key("unix_sockets", false);
	printf("[");
	for (i = 0; i < nono_caps_socket_count(caps); i++) {
		const struct nono_sock_grant *s = nono_caps_socket_at(caps, i);
		static const char *const scope[] = {"socket", "dir", "subtree"};

		printf("%s{\"path\":", i ? "," : "");
		nono_json_str(stdout, s->path);
		printf(",\"scope\":\"%s\",\"bind\":%s}", scope[s->scope],
		       s->bind ? "true" : "false");
	}
	printf("]");
	key("network", false);
	printf("{\"mode\":\"%s\",\"open_ports\":[",
	       c->p.allow                              ? "proxy"
	       : nono_caps_net(caps) == NONO_NET_BLOCK ? "blocked"
						       : "allowed");
	for (size_t k = 0, j = 0; j < nono_caps_port_count(caps); j++)
		if (!c->p.allow ||
		    nono_caps_port_at(caps, j) != c->p.proxy_port)
			printf("%s%u", k++ ? "," : "",
			       nono_caps_port_at(caps, j));
	printf("]");
	if (c->p.allow) {
		char e[600];

		printf(",\"proxy\":{\"port\":%u,\"own_netns\":%s,\"hosts\":[",
		       c->p.proxy_port, c->p.proxy_netns ? "true" : "false");
		for (i = 0; i < nono_allowlist_count(c->p.allow); i++) {
			printf("%s", i ? "," : "");
			nono_json_str(stdout, nono_allowlist_entry(
						  c->p.allow, i, e, sizeof(e)));
		}
		printf("],\"credentials\":[");
		for (i = 0; i < c->p.creds.n; i++) {
			const struct nono_cred_route *r = &c->p.creds.r[i];
			char src[300] = "?";

			nono_secret_ref_describe(r->key, src, sizeof(src));
			printf("%s{\"name\":", i ? "," : "");
			nono_json_str(stdout, r->name);
			printf(",\"upstream\":");
			nono_json_str(stdout, r->upstream);
			printf(",\"key_from\":");
			nono_json_str(stdout, src);
			printf("}");
		}
		printf("]}");
	}
	printf("}");
	key("protected", false);
	printf("[");
	for (i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		printf("%s{\"path\":", i ? "," : "");
		nono_json_str(stdout, m->path);
		printf(",\"kind\":\"%s\"", nono_mask_kind_name(m->kind));
		if (m->src) {
			printf(",\"source\":");
			nono_json_str(stdout, m->src);
		}
		printf("}");
	}
	printf("]");
	key("guarded", false);
	printf("[");
	for (i = 0; i < nono_caps_guard_count(caps); i++) {
		printf("%s", i ? "," : "");
		nono_json_str(stdout, nono_caps_guard_at(caps, i)->path);
	}
	printf("]");
	key("made_first", false);
	printf("[");
	for (i = 0; i < c->p.nmk; i++) {
		printf("%s{\"path\":", i ? "," : "");
		nono_json_str(stdout, c->p.mk[i].path);
		printf(",\"file\":%s}", c->p.mk[i].file ? "true" : "false");
	}
	printf("]");
	key("command", false);
	printf("[");
	for (i = 0; argv[i]; i++) {
		printf("%s", i ? "," : "");
		nono_json_str(stdout, argv[i]);
	}
	printf("]");
	key("exec_problem", false);
	if (diag_exec_grant(caps, argv[0], what, sizeof(what), dir,
			    sizeof(dir))) {
		char flag[PATH_MAX + 16];

		snprintf(flag, sizeof(flag), "--read %s", dir);
		printf("{\"what\":");
		nono_json_str(stdout, what);
		printf(",\"suggested_flag\":");
		nono_json_str(stdout, flag);
		printf("}");
	} else {
		printf("null");
	}
	printf("}\n");
}
