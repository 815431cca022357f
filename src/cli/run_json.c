// SPDX-License-Identifier: Apache-2.0
/*
 * nono run --dry-run --json: the plan a run would enforce, as one JSON
 * object for scripts and agents (the text form is run_report.c's).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit/event.h"
#include "cli/diag.h"
#include "cli/run_ctx.h"
#include "cli/run_internal.h"
#include "cred/secret.h"
#include "plan/verdict.h"

/* Built in memory, not through stdio: the audit trail records this plan
 * at every start, and a FILE (a memstream above all) costs a microsecond
 * a call on a virtual machine. */
static void put(struct nono_ev *e, const char *s)
{
	nono_ev_put(e, s, strlen(s));
}

static void putf(struct nono_ev *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(struct nono_ev *e, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		nono_ev_put(e, buf,
			    (size_t)n < sizeof(buf) ? (size_t)n
						    : sizeof(buf) - 1);
}

static void str(struct nono_ev *e, const char *s)
{
	nono_ev_quote(e, s, strlen(s));
}

static void key(struct nono_ev *e, const char *k, bool first)
{
	if (!first)
		nono_ev_put(e, ",", 1);
	str(e, k);
	nono_ev_put(e, ":", 1);
}

static void str_or_null(struct nono_ev *e, const char *s)
{
	if (s)
		str(e, s);
	else
		put(e, "null");
}

void run_print_dry_run_json(const struct run_ctx *c, char *const *argv)
{
	struct nono_ev e = {0};

	run_plan_json(&e, c, argv);
	if (e.oom) {
		nono_ev_free(&e);
		fprintf(stderr, "nono: out of memory\n");
		return;
	}
	fwrite(e.buf, 1, e.len, stdout);
	printf("\n");
	nono_ev_free(&e);
}

void run_plan_json(struct nono_ev *f, const struct run_ctx *c,
		   char *const *argv)
{
	const struct nono_caps *caps = c->p.caps;
	char what[2 * PATH_MAX + 32], dir[PATH_MAX];
	size_t i;

	put(f, "{");
	key(f, "profile", true);
	str_or_null(f, c->p.profile ? c->p.profile->name : NULL);
	key(f, "grants", false);
	put(f, "[");
	for (i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		put(f, i ? ",{\"path\":" : "{\"path\":");
		str(f, g->path);
		put(f, ",\"access\":\"");
		put(f, plan_access_name(g->access));
		put(f, g->flags & NONO_GRANT_FILE ? "\",\"file\":true"
						  : "\",\"file\":false");
		put(f, ",\"source\":\"");
		put(f, plan_grant_source_name(&c->p, g));
		put(f, "\"}");
	}
	put(f, "]");
	key(f, "unix_sockets", false);
	put(f, "[");
	for (i = 0; i < nono_caps_socket_count(caps); i++) {
		const struct nono_sock_grant *s = nono_caps_socket_at(caps, i);
		static const char *const scope[] = {"socket", "dir", "subtree"};

		putf(f, "%s{\"path\":", i ? "," : "");
		str(f, s->path);
		putf(f, ",\"scope\":\"%s\",\"bind\":%s}", scope[s->scope],
		     s->bind ? "true" : "false");
	}
	put(f, "]");
	key(f, "network", false);
	putf(f, "{\"mode\":\"%s\",\"open_ports\":[",
	     c->p.allow                              ? "proxy"
	     : nono_caps_net(caps) == NONO_NET_BLOCK ? "blocked"
						     : "allowed");
	for (size_t k = 0, j = 0; j < nono_caps_port_count(caps); j++)
		if (!c->p.allow ||
		    nono_caps_port_at(caps, j) != c->p.proxy_port)
			putf(f, "%s%u", k++ ? "," : "",
			     nono_caps_port_at(caps, j));
	put(f, "]");
	if (c->p.allow) {
		char e[600];

		putf(f, ",\"proxy\":{\"port\":%u,\"own_netns\":%s,\"hosts\":[",
		     c->p.proxy_port, c->p.proxy_netns ? "true" : "false");
		for (i = 0; i < nono_allowlist_count(c->p.allow); i++) {
			putf(f, "%s", i ? "," : "");
			str(f,
			    nono_allowlist_entry(c->p.allow, i, e, sizeof(e)));
		}
		put(f, "],\"credentials\":[");
		for (i = 0; i < c->p.creds.n; i++) {
			const struct nono_cred_route *r = &c->p.creds.r[i];
			char src[300] = "?";

			nono_secret_ref_describe(r->key, src, sizeof(src));
			putf(f, "%s{\"name\":", i ? "," : "");
			str(f, r->name);
			put(f, ",\"upstream\":");
			str(f, r->upstream);
			put(f, ",\"key_from\":");
			str(f, src);
			put(f, "}");
		}
		put(f, "]}");
	}
	put(f, "}");
	key(f, "protected", false);
	put(f, "[");
	for (i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		put(f, i ? ",{\"path\":" : "{\"path\":");
		str(f, m->path);
		put(f, ",\"kind\":\"");
		put(f, nono_mask_kind_name(m->kind));
		put(f, "\"");
		if (m->src) {
			put(f, ",\"source\":");
			str(f, m->src);
		}
		put(f, "}");
	}
	put(f, "]");
	key(f, "guarded", false);
	put(f, "[");
	for (i = 0; i < nono_caps_guard_count(caps); i++) {
		if (i)
			put(f, ",");
		str(f, nono_caps_guard_at(caps, i)->path);
	}
	put(f, "]");
	key(f, "made_first", false);
	put(f, "[");
	for (i = 0; i < c->p.nmk; i++) {
		put(f, i ? ",{\"path\":" : "{\"path\":");
		str(f, c->p.mk[i].path);
		put(f,
		    c->p.mk[i].file ? ",\"file\":true}" : ",\"file\":false}");
	}
	put(f, "]");
	if (!argv) {
		put(f, "}");
		return;
	}
	key(f, "command", false);
	put(f, "[");
	for (i = 0; argv[i]; i++) {
		putf(f, "%s", i ? "," : "");
		str(f, argv[i]);
	}
	put(f, "]");
	key(f, "exec_problem", false);
	if (diag_exec_grant(caps, argv[0], what, sizeof(what), dir,
			    sizeof(dir))) {
		char flag[PATH_MAX + 16];

		snprintf(flag, sizeof(flag), "--read %s", dir);
		put(f, "{\"what\":");
		str(f, what);
		put(f, ",\"suggested_flag\":");
		str(f, flag);
		put(f, "}");
	} else {
		put(f, "null");
	}
	put(f, "}");
}
