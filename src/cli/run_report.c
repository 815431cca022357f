// SPDX-License-Identifier: Apache-2.0
/*
 * What nono run prints about a session: --dry-run, the banner, degraded
 * protections and launch errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd_run.h"
#include "cli/config.h"
#include "cli/diag.h"
#include "cli/envcred.h"
#include "cli/output.h"
#include "cli/run_ctx.h"
#include "cli/run_internal.h"
#include "cli/save_prompt.h"
#include "cred/secret.h"
#include "nono-config.h"
#include "nono/error.h"
#include "nono/landlock.h"
#include "nono/ns.h"
#include "nono/path.h"
#include "nono/sandbox.h"
#include "nono/seccomp.h"
#include "plan/profile_apply.h"
#include "policy/cmdblock.h"
#include "policy/envclean.h"
#include "policy/protect.h"
#include "policy/system.h"
#include "proxy/server.h"
#include "supervisor/gate.h"
#include "supervisor/supervise.h"

static const char *access_tag(unsigned access)
{
	switch (access & NONO_ACCESS_RW) {
	case NONO_ACCESS_RW:
		return "rw";
	case NONO_ACCESS_READ:
		return "r-";
	case NONO_ACCESS_WRITE:
		return "-w";
	default:
		return "--";
	}
}

static const char *origin_name(enum nono_origin o)
{
	switch (o) {
	case NONO_ORIGIN_USER:
		return "";
	case NONO_ORIGIN_SYSTEM:
		return "  (system)";
	case NONO_ORIGIN_GROUP:
		return "  (policy group)";
	case NONO_ORIGIN_TMPDIR:
		return "  ($TMPDIR, guarded)";
	case NONO_ORIGIN_GPU:
		return "  (gpu)";
	case NONO_ORIGIN_SOCKET:
		return "  (unix socket)";
	case NONO_ORIGIN_CWD:
		return "  (cwd)";
	case NONO_ORIGIN_GUARD:
		return "  (guarded tree)";
	}
	return "";
}

static void print_landlock(const struct nono_caps *caps)
{
	struct nono_landlock_report rep;
	int abi = nono_landlock_abi();
	bool block = nono_caps_net(caps) == NONO_NET_BLOCK;

	if (abi < 0) {
		printf("Landlock: unavailable (nono cannot run here)\n");
		return;
	}
	nono_landlock_describe(abi, caps, &rep);
	printf("Landlock ABI: %d (nono knows up to %d)\n", abi,
	       NONO_LANDLOCK_ABI_KNOWN);
	printf("  %-34s %-10s %s\n", "feature", "requested", "enforced");
#define ROW(name, req, enf)                                                    \
	printf("  %-34s %-10s %s\n", name, (req) ? "yes" : "no",               \
	       (enf) ? "yes" : ((req) ? "NO (kernel too old)" : "-"))
	ROW("filesystem read/write/execute", true, true);
	ROW("rename/link across directories", true, rep.refer);
	ROW("truncate", true, rep.truncate);
	ROW("device ioctl", true, rep.ioctl_dev);
	ROW("TCP bind/connect (Landlock)", block, rep.tcp);
	ROW("signal scoping", true, rep.scope_signal);
	ROW("abstract unix socket scoping", true, rep.scope_abstract);
	ROW("private mount namespace (masks)", nono_caps_mask_count(caps) > 0,
	    nono_caps_mask_count(caps) > 0 && nono_ns_available());
#undef ROW
	if (block && !rep.tcp)
		printf("  (TCP is blocked by seccomp instead: no port "
		       "exceptions possible)\n");
}

void run_print_dry_run(const struct run_ctx *c, char *const *argv)
{
	const struct nono_caps *caps = c->p.caps;
	bool all = out_verbose() > 0;
	size_t i;

	if (c->p.profile)
		printf("Profile: %s (%s)\n", c->p.profile->name,
		       c->p.profile->source);
	printf("Capabilities that would be granted:\n");
	for (i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		if ((g->origin == NONO_ORIGIN_SYSTEM ||
		     g->origin == NONO_ORIGIN_GUARD) &&
		    !all)
			continue;
		/* System entries absent here are skipped by the ruleset. */
		if ((g->flags & NONO_GRANT_OPTIONAL) && access(g->path, F_OK))
			continue;
		printf("  [%s] %s%s\n", access_tag(g->access), g->path,
		       origin_name(g->origin));
	}
	for (i = 0; i < nono_caps_socket_count(caps); i++) {
		const struct nono_sock_grant *s = nono_caps_socket_at(caps, i);
		static const char *const scope[] = {"socket", "sockets in",
						    "sockets under"};

		printf("  [unix] %s %s%s\n", scope[s->scope], s->path,
		       s->bind ? " (connect+bind)" : " (connect)");
	}
	if (c->p.allow) {
		size_t n = nono_allowlist_count(c->p.allow);
		char e[600];

		if (c->p.proxy_port)
			printf("  [net] through the proxy at 127.0.0.1:%u only",
			       c->p.proxy_port);
		else
			printf(
			    "  [net] through the proxy (on a free port) only");
		printf(" (%s)\n", c->p.proxy_netns
				      ? "own network namespace"
				      : "host network, Landlock port rules");
		printf("  [proxy] %zu allowed host%s:", n, n == 1 ? "" : "s");
		for (i = 0; i < n && (all || i < 8); i++)
			printf(
			    "%s %s", i ? "," : "",
			    nono_allowlist_entry(c->p.allow, i, e, sizeof(e)));
		printf("%s\n", i < n ? ", ... (-v lists all)" : "");
		for (i = 0; i < c->p.creds.n; i++) {
			const struct nono_cred_route *r = &c->p.creds.r[i];
			char what[300] = "?";

			nono_secret_ref_describe(r->key, what, sizeof(what));
			printf("  [cred] %s -> %s, key from %s; the command "
			       "gets $%s (the proxy) and $%s (a placeholder)",
			       r->name, r->upstream, what, r->base_var,
			       r->key_var);
			for (size_t k = 0; k < r->nrules; k++)
				printf("%s %s %s", k ? "," : "; only",
				       r->rules[k].method, r->rules[k].path);
			printf("\n");
		}
	}
	if (nono_caps_net(caps) == NONO_NET_BLOCK) {
		size_t k = 0;

		printf("  [net] %sblocked",
		       c->p.allow ? "everything else " : "");
		for (i = 0; i < nono_caps_port_count(caps); i++) {
			if (c->p.allow &&
			    nono_caps_port_at(caps, i) == c->p.proxy_port)
				continue;
			printf("%s%u", k++ ? "," : ", except localhost port ",
			       nono_caps_port_at(caps, i));
		}
		printf("\n");
	} else {
		printf("  [net] allowed\n");
	}
	if (c->o.elevation && c->o.mode != MODE_WRAP)
		printf("  [elevation] opens, creat and mkdir beyond these "
		       "grants are asked about on the terminal\n");
	for (i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		if (m->src)
			printf("  [%s] %s (the sandbox's own: %s)\n",
			       nono_mask_kind_name(m->kind), m->path, m->src);
		else
			printf("  [%s] %s\n", nono_mask_kind_name(m->kind),
			       m->path);
	}
	for (i = 0; i < nono_caps_guard_count(caps); i++) {
		static const char *const what[] = {
		    [NONO_GUARD_TREE] = "persistence files",
		    [NONO_GUARD_GITDIR] =
			"names but git's own: hooks, config...",
		    [NONO_GUARD_HOME] = "credentials, rc files",
		    [NONO_GUARD_XDG] = "autostart, systemd, git, nono",
		    [NONO_GUARD_LOCAL] = "bin",
		    [NONO_GUARD_LOCALSHARE] = "systemd, applications",
		    [NONO_GUARD_GITINFO] = "attributes",
		    [NONO_GUARD_SEALED] = "names at all",
		    [NONO_GUARD_KEEP] = "keep_read_only names",
		};
		const struct nono_guard *gd = nono_caps_guard_at(caps, i);

		printf("  [guarded] %s (no new %s)\n", gd->path,
		       what[gd->kind]);
	}
	/* A run makes them first (mode 0700); the plan above is what it
	 * enforces once they exist. */
	for (i = 0; all && i < c->p.nmk; i++)
		printf("  [made first] %s (missing; a run creates it, %s)\n",
		       c->p.mk[i].path, c->p.mk[i].file ? "0600" : "0700");
	if (!all && c->p.nmk)
		printf("  (a run first makes %zu missing path%s, owner-only, "
		       "so that %s protected or granted; -v lists them)\n",
		       c->p.nmk, c->p.nmk == 1 ? "" : "s",
		       c->p.nmk == 1 ? "it is" : "they are");
	if (!all)
		printf("  (plus read access to system libraries, /tmp and safe "
		       "devices; -v lists them)\n");
	cli_envcred_print(c->rt.envcred);
	printf("Would execute:");
	for (i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	{
		char what[2 * PATH_MAX + 32], dir[PATH_MAX];

		if (diag_exec_grant(caps, argv[0], what, sizeof(what), dir,
				    sizeof(dir)))
			printf("  (it would fail: %s cannot be read in the "
			       "sandbox; add --read %s)\n",
			       what, dir);
	}
	if (all)
		print_landlock(caps);
}

void run_report_degradation(const struct nono_sandbox *sb)
{
	const struct nono_landlock_report *r = nono_sandbox_report(sb);
	char list[256] = "";

	if (!r->refer)
		strcat(list, ", cross-directory rename (refused outright)");
	if (!r->truncate)
		strcat(list, ", truncate");
	if (!r->ioctl_dev)
		strcat(list, ", device ioctl");
	if (!r->scope_signal)
		strcat(list, ", signal scoping");
	if (!r->scope_abstract)
		strcat(list, ", abstract-socket scoping");
	if (list[0])
		out_warn("Landlock ABI %d cannot enforce%s "
			 "(see --dry-run -v)",
			 r->abi, list + 1);
}

void run_banner(const struct run_ctx *c, const struct nono_sandbox *sb)
{
	const struct nono_theme *t = out_theme();
	size_t user = 0;

	if (out_silent())
		return;
	for (size_t i = 0; i < nono_caps_path_count(c->p.caps); i++) {
		enum nono_origin o = nono_caps_path_at(c->p.caps, i)->origin;

		if (o == NONO_ORIGIN_USER || o == NONO_ORIGIN_CWD ||
		    o == NONO_ORIGIN_SOCKET)
			user++;
	}
	char creds[256] = "";

	/* The credential services, by name (their keys never). */
	for (size_t i = 0; i < c->p.creds.n; i++) {
		size_t l = strlen(creds);

		snprintf(creds + l, sizeof(creds) - l, "%s%s",
			 i ? ", " : " (credentials: ", c->p.creds.r[i].name);
	}
	if (creds[0])
		strncat(creds, ")", sizeof(creds) - strlen(creds) - 1);
	fprintf(stderr,
		"%snono%s sandbox: %zu grant%s, %zu protected, network %s%s, "
		"Landlock ABI %d\n",
		t->accent, t->reset, user, user == 1 ? "" : "s",
		nono_caps_mask_count(c->p.caps),
		c->p.allow                                   ? "via proxy"
		: nono_caps_net(c->p.caps) == NONO_NET_BLOCK ? "blocked"
							     : "allowed",
		creds, nono_sandbox_report(sb)->abi);
}

void run_report_launch_error(const struct run_ctx *c,
			     const struct nono_exec_error *e, const char *cmd)
{
	if (e->at_exec) {
		diag_exec_failure(c->p.caps, cmd, e->code);
		return;
	}
	if (e->code == -NONO_ENOUSERNS) {
		struct plan_msgs m = {0};

		plan_fail_no_userns(c->p.caps, &m);
		run_print_plan_error(&m);
		plan_msgs_clear(&m);
		return;
	}
	if (e->path[0])
		out_error("sandbox: %s: %s: %s", e->step, e->path,
			  nono_strerror(e->code));
	else
		out_error("sandbox: %s: %s", e->step, nono_strerror(e->code));
}

void run_print_msgs(const struct plan_msgs *m, size_t *shown)
{
	for (; *shown < m->n; (*shown)++) {
		const struct plan_note *n = &m->v[*shown];

		switch (n->kind) {
		case PLAN_VERBOSE:
			out_verbose_msg(1, "%s", n->text);
			break;
		case PLAN_INFO:
			out_info("nono: %s", n->text);
			break;
		case PLAN_WARN:
			out_warn("%s", n->text);
			break;
		case PLAN_SECURITY:
			out_security_warn("%s", n->text);
			break;
		}
	}
}

void run_print_plan_error(const struct plan_msgs *m)
{
	if (!m->failed)
		return;
	out_error("%s", m->err.text);
	if (m->err.hint[0])
		out_hint("%s", m->err.hint);
}
