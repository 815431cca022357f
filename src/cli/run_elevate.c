// SPDX-License-Identifier: Apache-2.0
/*
 * Capability elevation for nono run and shell (issue 17): with
 * --capability-elevation (NONO_CAPABILITY_ELEVATION, the profile's
 * security.capability_elevation), an open, creat, mkdir, removal, rename,
 * link or symlink the grants refuse is asked about on the user's terminal (or
 * of the client attached to a detached session) and, once approved, performed
 * by the supervisor (src/supervisor/elevate.c).  Protected, hidden and
 * persistence paths are never offered: the same verdict as nono why.  Without a
 * terminal nobody can be asked, and every such request is refused.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_learn.h"
#include "cli/output.h"
#include "cli/run_audit.h"
#include "cli/run_elevate.h"
#include "cli/run_session.h"
#include "cli/save_prompt.h"
#include "nono/caps.h"
#include "plan/verdict.h"
#include "supervisor/gate.h"

void run_elevate_plan(struct run_ctx *c)
{
	/* nono learn serves reads itself and asks nothing. */
	if (!c->o.elevation || cli_learn)
		return;
	nono_caps_set_gate(c->p.caps, true);
	nono_caps_set_elevate(c->p.caps, true);
}

static bool may(void *arg, const char *path, bool write, bool exists)
{
	struct run_ctx *c = arg;
	struct plan_verdict v;

	memset(&v, 0, sizeof(v));
	plan_why_path(&c->p, write ? NONO_ACCESS_WRITE : NONO_ACCESS_READ, path,
		      exists, &v);
	/* Refused whatever the user would answer, so never asked. */
	return !plan_verdict_refused_always(&v);
}

static int ask(void *arg, const char *question, const char *code)
{
	return run_session_question(arg, question, code);
}

static int answer(void *arg)
{
	return run_session_question_answer(arg);
}

static void end(void *arg, const char *said)
{
	run_session_question_end(arg, said);
}

static void on_event(void *arg, const char *decision, const char *op,
		     const char *path, const char *from, const char *target,
		     const char *scope, pid_t pid)
{
	run_audit_elevation(arg, decision, op, path, from, target, scope, pid);
}

static int save(void *arg, const char *path, unsigned access, bool dir,
		char *said, size_t len)
{
	return save_prompt_grant(arg, path, access, dir, said, len);
}

/* Canonical forms of the home and $XDG_CONFIG_HOME, for the gate's
 * persistence names (it compares canonical paths). */
static char home_canon[PATH_MAX], xdg_canon[PATH_MAX];

int run_elevate_setup(struct run_ctx *c, struct nono_gate *gate)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	struct nono_gate_elevation cfg = {
	    .may = may,
	    .ask = ask,
	    .answer = answer,
	    .end = end,
	    .on_event = on_event,
	    .save = save,
	    .arg = c,
	};

	if (c->p.home && realpath(c->p.home, home_canon))
		cfg.home = home_canon;
	if (xdg && xdg[0] == '/' && realpath(xdg, xdg_canon))
		cfg.xdg_config = xdg_canon;

	/* nono learn: the learning run's writes beyond the grants are
	 * performed, nobody asked (its filter hears every path call). */
	if (cli_learn) {
		cfg.ask = NULL;
		cfg.save = NULL;
		cfg.on_event = NULL;
		cfg.auto_approve = true;
		if (gate && nono_gate_set_elevate(gate, &cfg) < 0) {
			out_error("out of memory");
			return -1;
		}
		return 0;
	}
	if (!c->o.elevation)
		return 0;
	if (!gate || !nono_caps_elevate(c->p.caps)) {
		out_warn(
		    "capability elevation: no supervisor gate here (inside "
		    "another nono?): nothing beyond the grants can be "
		    "approved");
		return 0;
	}
	if (!run_session_has_relay(c)) {
		cfg.ask = NULL;
		out_warn("capability elevation: no terminal to ask on: what "
			 "the grants refuse stays refused (run it on a "
			 "terminal, or --detached and nono attach)");
	}
	if (nono_gate_set_elevate(gate, &cfg) < 0) {
		out_error("out of memory");
		return -1;
	}
	return 0;
}

/* The directory holding @path's name. */
static void dir_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	snprintf(out, len, "%.*s",
		 !slash          ? 0
		 : slash == path ? 1
				 : (int)(slash - path),
		 path);
}

/* A name removed, moved, linked or made a symlink: what needed changing
 * was the directory, which only a write grant of the whole of it would
 * have allowed (so the save prompt does not offer it). */
static void names_line(FILE *out, const struct nono_caps *caps,
		       const struct nono_gate_elevated *e)
{
	char to[PATH_MAX], from[PATH_MAX] = "";
	bool need_to, need_from;

	dir_of(e->path, to, sizeof(to));
	switch (e->what) {
	case NONO_ELEVATED_REMOVE:
		fprintf(out, "  remove %s", out_name(e->path));
		break;
	case NONO_ELEVATED_MOVE:
		fprintf(out, "  move   %s -> %s", out_name(e->from),
			out_name(e->path));
		break;
	case NONO_ELEVATED_LINK:
		fprintf(out, "  link   %s to %s", out_name(e->path),
			out_name(e->from));
		break;
	case NONO_ELEVATED_SOCKET:
		fprintf(out,
			"  connect %s   (from the start: --allow-unix-socket "
			"%s)\n",
			out_name(e->path), out_name(e->path));
		return;
	case NONO_ELEVATED_SYMLINK:
	case NONO_ELEVATED_OPEN:
		fprintf(out, "  made   %s (a symlink)", out_name(e->path));
		break;
	}
	/* A rename needs both directories; the grant is named for each
	 * that lacked it. */
	if (e->what == NONO_ELEVATED_MOVE && e->from)
		dir_of(e->from, from, sizeof(from));
	need_to = !nono_caps_allows(caps, to, NONO_ACCESS_WRITE, NULL);
	need_from = from[0] && strcmp(from, to) != 0 &&
		    !nono_caps_allows(caps, from, NONO_ACCESS_WRITE, NULL);
	fprintf(out, "   (from the start:%s%s%s%s)\n",
		need_from ? " --allow " : "", need_from ? out_name(from) : "",
		need_to || !need_from ? " --allow " : "",
		need_to || !need_from ? out_name(to) : "");
}

void run_elevate_report(const struct nono_caps *caps,
			const struct nono_gate *gate)
{
	size_t n = gate ? nono_gate_elevated_count(gate) : 0;

	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (!n || out_silent() || cli_learn)
		return;
	/* Gathered, then shown plain: the names are the sandbox's. */
	out = open_memstream(&text, &len);
	if (!out)
		return;
	fprintf(out, "nono: approved during this session (capability "
		     "elevation):\n");
	for (size_t i = 0; i < n; i++) {
		const struct nono_gate_elevated *e =
		    nono_gate_elevated_at(gate, i);

		if (e->what != NONO_ELEVATED_OPEN) {
			names_line(out, caps, e);
			continue;
		}
		const char *flag = e->dir && e->made ? NULL
				   : e->dir          ? "--read"
				   : (e->access & NONO_ACCESS_WRITE)
				       ? "--allow-file"
				       : "--read-file";

		fprintf(out, "  %-6s %s%s",
			e->made                           ? "made"
			: (e->access & NONO_ACCESS_WRITE) ? "write"
							  : "read",
			out_name(e->path), flag ? "" : "\n");
		if (flag && e->saved)
			fprintf(out, "   (saved to the profile)\n");
		else if (flag)
			fprintf(out, "   (from the start: %s %s)\n", flag,
				out_name(e->path));
	}
	if (fclose(out) == 0)
		out_write_plain(stderr, text, len);
	free(text);
}
