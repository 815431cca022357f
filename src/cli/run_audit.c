// SPDX-License-Identifier: Apache-2.0
/* nono run's audit trail: what goes in it, from where (see run_audit.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/fsstate.h"
#include "audit/log.h"
#include "audit/sign.h"
#include "cli/config.h"
#include "cli/output.h"
#include "cli/run_audit.h"
#include "cli/run_internal.h"
#include "cli/run_session.h"
#include "cli/run_trust.h"
#include "session/castlog.h"
#include "session/redact.h"
#include "supervisor/gate.h"

/* A non-default redaction policy as a diff from the defaults: what it
 * adds, and (only with unsafe_redaction_overrides) what it leaves in
 * clear.  NULL for the defaults (or out of memory). */
static char *redaction_diff(const struct nono_redact_policy *p)
{
	struct nono_ev e = {0};

	if (nono_redact_is_default(p))
		return NULL;
	nono_ev_put(&e, "{\"added_flags\":[", 16);
	for (size_t i = 0; i < p->n_extra_flags; i++) {
		if (i)
			nono_ev_put(&e, ",", 1);
		nono_ev_quote(&e, p->extra_flags[i], strlen(p->extra_flags[i]));
	}
	nono_ev_put(&e, "],\"added_headers\":[", 19);
	for (size_t i = 0; i < p->n_extra_headers; i++) {
		if (i)
			nono_ev_put(&e, ",", 1);
		nono_ev_quote(&e, p->extra_headers[i],
			      strlen(p->extra_headers[i]));
	}
	nono_ev_put(&e, "],\"added_query_keys\":[", 22);
	for (size_t i = 0; i < p->n_extra_query_keys; i++) {
		if (i)
			nono_ev_put(&e, ",", 1);
		nono_ev_quote(&e, p->extra_query_keys[i],
			      strlen(p->extra_query_keys[i]));
	}
	nono_ev_put(&e, "],\"unredacted_defaults\":[", 25);
	for (size_t i = 0; p->unsafe_overrides && i < p->n_allow_unredacted;
	     i++) {
		if (i)
			nono_ev_put(&e, ",", 1);
		nono_ev_quote(&e, p->allow_unredacted[i],
			      strlen(p->allow_unredacted[i]));
	}
	nono_ev_put(&e, "]}", 2);
	if (e.oom) {
		nono_ev_free(&e);
		return NULL;
	}
	return e.buf;
}

static void fs_event(struct run_ctx *c, const char *phase, const char *trees)
{
	struct nono_ev e;

	nono_ev_begin(&e, "fs_state");
	nono_ev_str(&e, "phase", phase);
	nono_ev_raw(&e, "trees", trees, strlen(trees));
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_always(c->rt.audit, &e);
	else
		nono_ev_free(&e);
}

int run_audit_begin(struct run_ctx *c, char *const *argv, char **envp)
{
	struct nono_audit_start s = {0};
	struct nono_redact_policy pol;
	struct nono_ev pe = {0};
	char **red = NULL, *policy = NULL, *diff = NULL;
	const char **tracked = NULL;
	char cwd[PATH_MAX], err[PATH_MAX + 256];
	size_t policy_len = 0, nt = 0;
	int r = -1;

	if (c->o.no_audit || c->o.mode == MODE_WRAP)
		return 0;
	/* The key first: an unusable one stops the run before anything
	 * starts (it is the supervisor's only; the sandbox never has it). */
	if (c->o.audit_sign_key) {
		c->rt.signer = calloc(1, sizeof(*c->rt.signer));
		if (!c->rt.signer) {
			out_error("audit: out of memory");
			return -1;
		}
		if (nono_audit_signer_load(c->o.audit_sign_key, c->rt.signer,
					   err, sizeof(err)) < 0) {
			out_error("%s", err);
			free(c->rt.signer);
			c->rt.signer = NULL;
			return -1;
		}
		/* An env:// key is the supervisor's alone: out of the
		 * command's environment, and of nono's own. */
		if (strncmp(c->o.audit_sign_key, "env://", 6) == 0) {
			const char *var = c->o.audit_sign_key + 6;
			size_t vl = strlen(var), j = 0;

			for (size_t i = 0; envp && envp[i]; i++)
				if (!(strncmp(envp[i], var, vl) == 0 &&
				      envp[i][vl] == '='))
					envp[j++] = envp[i];
			if (envp)
				envp[j] = NULL;
			unsetenv(var);
		}
	}
	/* Asked for by name: nothing runs until the trail has begun. */
	s.sync = c->o.audit_integrity || c->o.audit_sign_key;
	cli_redact_policy(&pol);
	red = nono_redact_argv(argv, &pol);
	diff = redaction_diff(&pol);
	if (s.sync) {
		run_plan_json(&pe, c, NULL);
		if (pe.oom)
			nono_ev_free(&pe);
		policy = pe.buf;
		policy_len = pe.len;
	}
	tracked = calloc(nono_caps_path_count(c->p.caps) + 1, sizeof(*tracked));
	if (!red || (s.sync && !policy) || !tracked) {
		out_error("audit: out of memory");
		goto out;
	}
	for (size_t i = 0; i < nono_caps_path_count(c->p.caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(c->p.caps, i);

		/* The trees the user (or the profile) made writable, not
		 * nono's own defaults (/tmp, devices) nor what it split
		 * them into. */
		if ((g->access & NONO_ACCESS_WRITE) &&
		    !(g->flags & NONO_GRANT_DEVICE) &&
		    (g->origin == NONO_ORIGIN_USER ||
		     g->origin == NONO_ORIGIN_CWD ||
		     g->origin == NONO_ORIGIN_GROUP))
			tracked[nt++] = g->path;
	}
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			s.path = envp[i] + 5;
	s.argv0 = argv[0];
	s.id = run_session_id(c);
	s.integrity = !c->o.no_audit_integrity;
	s.command = red;
	{
		const char *mb = getenv("NONO_AUDIT_MAX_MB");
		char *end;
		unsigned long long v;

		if (mb && *mb) {
			errno = 0;
			v = strtoull(mb, &end, 10);
			if (errno || *end || v == 0 || v > (1ULL << 20))
				out_warn("NONO_AUDIT_MAX_MB: expected MiB "
					 "(1-1048576), got '%.40s'; using 512",
					 mb);
			else
				s.max_bytes = v << 20;
		}
	}
	s.cwd = getcwd(cwd, sizeof(cwd)) ? cwd : NULL;
	s.profile = c->p.profile ? c->p.profile->name : NULL;
	s.mode = c->o.mode == MODE_SHELL ? "shell" : "run";
	s.tracked = (char *const *)tracked;
	s.ntracked = nt;
	s.redaction = diff;
	s.policy = policy;
	s.policy_len = policy_len;
	if (nono_audit_begin(&s, &c->rt.audit, err, sizeof(err)) < 0) {
		/* Asked for by name: nothing runs without it.  On by
		 * default: the run goes on, and says so. */
		if (c->o.audit_integrity || c->o.audit_sign_key) {
			out_error("%s", err);
			goto out;
		}
		/* Inside another nono, ~/.nono is hidden: the outer one's
		 * trail is the record of this run. */
		if (getenv("NONO_SANDBOX") &&
		    strcmp(getenv("NONO_SANDBOX"), "1") == 0)
			out_verbose_msg(1,
					"%s; inside a sandbox, the outer "
					"trail records this run",
					err);
		else
			out_warn("%s; running without an audit trail", err);
	}
	c->rt.audit_launched = s.sync;
	if (c->rt.audit && c->rt.signer)
		nono_audit_set_signer(c->rt.audit, c->rt.signer);
	/* The trees' state before the command touches them. */
	if (c->rt.audit && c->o.audit_integrity) {
		c->rt.fs_before = nono_fs_state((char *const *)tracked, nt);
		if (!c->rt.fs_before) {
			out_error("audit: out of memory");
			goto out;
		}
		fs_event(c, "before", c->rt.fs_before);
		c->rt.fs_paths = tracked;
		c->rt.nfs = nt;
		tracked = NULL;
	}
	if (c->rt.audit)
		out_verbose_msg(1, "audit: %s", nono_audit_path(c->rt.audit));
	/* A trail written in line has its plan already: the instruction
	 * files' verdicts now. */
	if (c->rt.audit && c->rt.audit_launched)
		run_trust_audit(c);
	r = 0;
out:
	free(red);
	free(policy);
	free(diff);
	free(tracked);
	return r;
}

void run_audit_spawned(struct run_ctx *c)
{
	nono_audit_record(c->rt.audit);
}

void run_audit_policy(struct run_ctx *c)
{
	struct nono_ev pe = {0};

	if (!c->rt.audit || c->rt.audit_launched)
		return;
	c->rt.audit_launched = true;
	/* The plan as it is now (the proxy's port is known). */
	/* One allocation (with musl, each doubling maps and unmaps). */
	nono_ev_reserve(&pe, 16384);
	run_plan_json(&pe, c, NULL);
	if (pe.oom)
		nono_ev_free(&pe);
	nono_audit_set_policy(c->rt.audit, pe.buf, pe.len);
	/* The instruction files' verdicts, after the plan. */
	run_trust_audit(c);
}

void run_audit_launch(struct run_ctx *c)
{
	int r;

	run_audit_policy(c);
	if (c->rt.audit && (r = nono_audit_launch(c->rt.audit)) < 0)
		out_warn("audit: no thread to sync the trail (%s): its events "
			 "reach the disk at the end of the session",
			 strerror(-r));
}

static void on_refusal(void *arg, enum nono_gate_op op, const char *object)
{
	struct run_ctx *c = arg;
	struct nono_ev e;
	char buf[1024];

	nono_ev_begin_in(&e, "gate", buf, sizeof(buf));
	nono_ev_str(&e, "decision", "denied");
	nono_ev_str(&e, "op", nono_gate_op_name(op));
	nono_ev_str(&e, "object", object);
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_prio(c->rt.audit, &e, NONO_AUDIT_REFUSAL);
	else
		nono_ev_free(&e);
}

void run_audit_watch_gate(struct run_ctx *c, struct nono_gate *g)
{
	if (c->rt.audit && g)
		nono_gate_set_observer(g, on_refusal, c);
}

void run_audit_elevation(struct run_ctx *c, const char *decision,
			 const char *op, const char *path, const char *from,
			 const char *target, const char *scope, pid_t pid)
{
	struct nono_ev e;
	char buf[1024];

	if (!c || !c->rt.audit)
		return;
	nono_ev_begin_in(&e, "elevation", buf, sizeof(buf));
	nono_ev_str(&e, "decision", decision);
	nono_ev_str(&e, "op", op);
	nono_ev_str(&e, "object", path);
	if (from)
		nono_ev_str(&e, "from", from);
	if (target)
		nono_ev_str(&e, "target", target);
	if (scope)
		nono_ev_str(&e, "scope", scope);
	nono_ev_int(&e, "pid", pid);
	/* Requests can be made at will: refusals go first at the ceiling. */
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_prio(c->rt.audit, &e,
				     strcmp(decision, "approved") == 0
					 ? NONO_AUDIT_NORMAL
					 : NONO_AUDIT_REFUSAL);
	else
		nono_ev_free(&e);
}

void run_audit_proxy(struct run_ctx *c, const struct nono_proxy_decision *d)
{
	struct nono_ev e;
	char buf[1024];

	if (!c || !c->rt.audit)
		return;
	nono_ev_begin_in(&e, "network", buf, sizeof(buf));
	nono_ev_str(&e, "decision",
		    d->status == 0     ? "closed"
		    : d->status >= 500 ? "failed"
		    : d->allowed       ? "allowed"
				       : "denied");
	nono_ev_str(&e, "method", d->method);
	nono_ev_str(&e, "host", d->host);
	nono_ev_int(&e, "port", d->port);
	if (d->path) {
		/* The query may carry a credential: never recorded. */
		size_t n = strcspn(d->path, "?#");

		nono_ev_strn(&e, "path", d->path, n);
		if (d->path[n])
			nono_ev_bool(&e, "query_omitted", true);
	}
	if (d->status)
		nono_ev_int(&e, "status", d->status);
	nono_ev_int(&e, "bytes_up", (long long)d->bytes_up);
	nono_ev_int(&e, "bytes_down", (long long)d->bytes_down);
	if (d->why)
		nono_ev_strn(&e, "reason", d->why, strcspn(d->why, "\r\n"));
	/* Refusals can be made at will: they go first at the ceiling;
	 * what was let through is kept longest. */
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_prio(c->rt.audit, &e,
				     d->allowed || d->status == 0
					 ? NONO_AUDIT_NORMAL
					 : NONO_AUDIT_REFUSAL);
	else
		nono_ev_free(&e);
}

void run_audit_relay_event(void *arg, const char *type,
			   const struct nono_event_field *f, size_t n)
{
	struct run_ctx *c = arg;
	struct nono_ev e;
	char buf[512];

	if (!c || !c->rt.audit)
		return;
	/* What clients do; the answer to a prompt is the user's own. */
	if (strcmp(type, "attach") != 0 && strcmp(type, "detach") != 0 &&
	    strcmp(type, "prompt") != 0 && strcmp(type, "answer") != 0)
		return;
	nono_ev_begin_in(&e, type, buf, sizeof(buf));
	for (size_t i = 0; i < n; i++) {
		if (f[i].str)
			nono_ev_str(&e, f[i].key, f[i].str);
		else
			nono_ev_int(&e, f[i].key, f[i].num);
	}
	if (nono_ev_end(&e) == 0)
		nono_audit_emit(c->rt.audit, &e);
	else
		nono_ev_free(&e);
}

int run_audit_end(struct run_ctx *c, int status, int signo, bool ran)
{
	char err[PATH_MAX + 512], *after = NULL;
	int r = 0;

	/* A command that never started: its policy still goes in. */
	run_audit_policy(c);

	if (c->rt.audit && c->rt.fs_before) {
		after = nono_fs_state((char *const *)c->rt.fs_paths, c->rt.nfs);
		if (after) {
			fs_event(c, "after", after);
			nono_audit_set_fs(c->rt.audit, c->rt.fs_before, after);
		}
	}
	if (c->rt.audit && nono_audit_finish(c->rt.audit, status, signo, ran,
					     err, sizeof(err)) < 0) {
		/* What the user asked for by name is an error. */
		if (c->o.audit_sign_key || c->o.audit_integrity)
			out_error("%s", err);
		else
			out_warn("%s", err);
		r = -1;
	}
	c->rt.audit = NULL;
	free(after);
	free(c->rt.fs_before);
	free(c->rt.fs_paths);
	c->rt.fs_before = NULL;
	c->rt.fs_paths = NULL;
	if (c->rt.signer) {
		nono_audit_signer_clear(c->rt.signer);
		free(c->rt.signer);
		c->rt.signer = NULL;
	}
	return r;
}
