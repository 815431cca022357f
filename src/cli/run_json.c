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

static void key(FILE *f, const char *k, bool first)
{
	fprintf(f, "%s\"%s\":", first ? "" : ",", k);
}

static void str_or_null(FILE *f, const char *s)
{
	if (s)
		nono_json_str(f, s);
	else
		fprintf(f, "null");
}

void run_print_dry_run_json(const struct run_ctx *c, char *const *argv)
{
	run_plan_json(stdout, c, argv);
	printf("\n");
}

void run_plan_json(FILE *f, const struct run_ctx *c, char *const *argv)
{
	const struct nono_caps *caps = c->p.caps;
	char what[2 * PATH_MAX + 32], dir[PATH_MAX];
	size_t i;

	fprintf(f, "{");
	key(f, "profile", true);
	str_or_null(f, c->p.profile ? c->p.profile->name : NULL);
	key(f, "grants", false);
	fprintf(f, "[");
	for (i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		fprintf(f, "%s{\"path\":", i ? "," : "");
		nono_json_str(f, g->path);
		fprintf(f, ",\"access\":\"%s\",\"file\":%s,\"source\":\"%s\"}",
			plan_access_name(g->access),
			g->flags & NONO_GRANT_FILE ? "true" : "false",
			plan_grant_source_name(&c->p, g));
	}
	fprintf(f, "]");
	key(f, "unix_sockets", false);
	fprintf(f, "[");
	for (i = 0; i < nono_caps_socket_count(caps); i++) {
		const struct nono_sock_grant *s = nono_caps_socket_at(caps, i);
		static const char *const scope[] = {"socket", "dir", "subtree"};

		fprintf(f, "%s{\"path\":", i ? "," : "");
		nono_json_str(f, s->path);
		fprintf(f, ",\"scope\":\"%s\",\"bind\":%s}", scope[s->scope],
			s->bind ? "true" : "false");
	}
	fprintf(f, "]");
	key(f, "network", false);
	fprintf(f, "{\"mode\":\"%s\",\"open_ports\":[",
		c->p.allow                              ? "proxy"
		: nono_caps_net(caps) == NONO_NET_BLOCK ? "blocked"
							: "allowed");
	for (size_t k = 0, j = 0; j < nono_caps_port_count(caps); j++)
		if (!c->p.allow ||
		    nono_caps_port_at(caps, j) != c->p.proxy_port)
			fprintf(f, "%s%u", k++ ? "," : "",
				nono_caps_port_at(caps, j));
	fprintf(f, "]");
	if (c->p.allow) {
		char e[600];

		fprintf(f,
			",\"proxy\":{\"port\":%u,\"own_netns\":%s,\"hosts\":[",
			c->p.proxy_port, c->p.proxy_netns ? "true" : "false");
		for (i = 0; i < nono_allowlist_count(c->p.allow); i++) {
			fprintf(f, "%s", i ? "," : "");
			nono_json_str(f, nono_allowlist_entry(c->p.allow, i, e,
							      sizeof(e)));
		}
		fprintf(f, "],\"credentials\":[");
		for (i = 0; i < c->p.creds.n; i++) {
			const struct nono_cred_route *r = &c->p.creds.r[i];
			char src[300] = "?";

			nono_secret_ref_describe(r->key, src, sizeof(src));
			fprintf(f, "%s{\"name\":", i ? "," : "");
			nono_json_str(f, r->name);
			fprintf(f, ",\"upstream\":");
			nono_json_str(f, r->upstream);
			fprintf(f, ",\"key_from\":");
			nono_json_str(f, src);
			fprintf(f, "}");
		}
		fprintf(f, "]}");
	}
	fprintf(f, "}");
	key(f, "protected", false);
	fprintf(f, "[");
	for (i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		fprintf(f, "%s{\"path\":", i ? "," : "");
		nono_json_str(f, m->path);
		fprintf(f, ",\"kind\":\"%s\"", nono_mask_kind_name(m->kind));
		if (m->src) {
			fprintf(f, ",\"source\":");
			nono_json_str(f, m->src);
		}
		fprintf(f, "}");
	}
	fprintf(f, "]");
	key(f, "guarded", false);
	fprintf(f, "[");
	for (i = 0; i < nono_caps_guard_count(caps); i++) {
		fprintf(f, "%s", i ? "," : "");
		nono_json_str(f, nono_caps_guard_at(caps, i)->path);
	}
	fprintf(f, "]");
	key(f, "made_first", false);
	fprintf(f, "[");
	for (i = 0; i < c->p.nmk; i++) {
		fprintf(f, "%s{\"path\":", i ? "," : "");
		nono_json_str(f, c->p.mk[i].path);
		fprintf(f, ",\"file\":%s}", c->p.mk[i].file ? "true" : "false");
	}
	fprintf(f, "]");
	if (!argv) {
		fprintf(f, "}");
		return;
	}
	key(f, "command", false);
	fprintf(f, "[");
	for (i = 0; argv[i]; i++) {
		fprintf(f, "%s", i ? "," : "");
		nono_json_str(f, argv[i]);
	}
	fprintf(f, "]");
	key(f, "exec_problem", false);
	if (diag_exec_grant(caps, argv[0], what, sizeof(what), dir,
			    sizeof(dir))) {
		char flag[PATH_MAX + 16];

		snprintf(flag, sizeof(flag), "--read %s", dir);
		fprintf(f, "{\"what\":");
		nono_json_str(f, what);
		fprintf(f, ",\"suggested_flag\":");
		nono_json_str(f, flag);
		fprintf(f, "}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, "}");
}
