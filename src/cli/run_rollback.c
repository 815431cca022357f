// SPDX-License-Identifier: Apache-2.0
/* nono run --rollback (see run_rollback.h). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "cli/cmd_rollback.h"
#include "cli/config.h"
#include "cli/output.h"
#include "cli/rollback_diff.h"
#include "cli/run_internal.h"
#include "cli/run_rollback.h"
#include "cli/run_session.h"
#include "rollback/capture.h"
#include "rollback/restore.h"
#include "rollback/session.h"
#include "session/redact.h"
#include "util/age.h"

/* Writable directories the user (or the profile) granted: what a command
 * can change that rollback can put back.  Not nono's own (/tmp, devices),
 * not single files. */
static size_t roots_of(struct run_ctx *c, const char **out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < nono_caps_path_count(c->p.caps) && n < cap;
	     i++) {
		const struct nono_grant *g = nono_caps_path_at(c->p.caps, i);

		if ((g->access & NONO_ACCESS_WRITE) &&
		    !(g->flags & (NONO_GRANT_DEVICE | NONO_GRANT_FILE)) &&
		    (g->origin == NONO_ORIGIN_USER ||
		     g->origin == NONO_ORIGIN_CWD ||
		     g->origin == NONO_ORIGIN_GROUP))
			out[n++] = g->path;
	}
	/* A root inside another is covered by it: kept apart, the command
	 * could swap its parent (writable in the outer one) for a link and
	 * send its capture and restore elsewhere.  Only the outermost. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (i != j && out[i] && out[j] &&
			    (strcmp(out[i], out[j]) == 0
				 ? i > j
				 : nono_path_is_under(out[i], out[j]))) {
				out[i] = NULL;
				break;
			}
	{
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (out[i])
				out[k++] = out[i];
		n = k;
	}
	return n;
}

static int scope_of(struct run_ctx *c, struct nono_rb_scope *sc)
{
	const struct nono_profile *p = c->p.profile;
	int r = 0;

	nono_rb_scope_init(sc);
	sc->all = c->o.rollback_all;
	for (size_t i = 0; r == 0 && i < c->o.rollback_exclude.n; i++)
		r = nono_rb_scope_add(sc, 'e', c->o.rollback_exclude.v[i]);
	for (size_t i = 0; r == 0 && i < c->o.rollback_include.n; i++)
		r = nono_rb_scope_add(sc, 'i', c->o.rollback_include.v[i]);
	for (size_t i = 0; r == 0 && i < c->o.skip_dir.n; i++)
		r = nono_rb_scope_add(sc, 's', c->o.skip_dir.v[i]);
	for (size_t i = 0; p && r == 0 && i < p->rollback.exclude_patterns.n;
	     i++)
		r = nono_rb_scope_add(sc, 'e',
				      p->rollback.exclude_patterns.v[i]);
	for (size_t i = 0; p && r == 0 && i < p->rollback.exclude_globs.n; i++)
		r = nono_rb_scope_add(sc, 'e', p->rollback.exclude_globs.v[i]);
	for (size_t i = 0; p && r == 0 && i < p->skipdirs.n; i++)
		r = nono_rb_scope_add(sc, 's', p->skipdirs.v[i]);
	return r;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Snapshot @s->nsnaps of every root; the manifests stay in @m (freed by
 * the caller).  0 or -1 with @err. */
/* A progress line on the terminal for a capture that takes longer than a
 * second: files and bytes so far, redrawn five times a second, erased at
 * the end. */
struct progress {
	struct nono_rb_progress p;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done, shown;
	const char *what;
	pthread_t tid;
};

static void *progress_main(void *arg)
{
	struct progress *pr = arg;
	struct timespec until;
	int width = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&pr->mu);
	while (!pr->done) {
		if (pthread_cond_timedwait(&pr->cv, &pr->mu, &until) == 0)
			continue; /* woken: done */
		if (pr->done)
			break;
		width = fprintf(stderr,
				"\rnono: rollback: %s: %llu files, %.1f "
				"MiB ",
				pr->what, atomic_load(&pr->p.files),
				(double)atomic_load(&pr->p.bytes) /
				    (1024.0 * 1024.0));
		fflush(stderr);
		pr->shown = true;
		until.tv_nsec += 200000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_unlock(&pr->mu);
	if (pr->shown) /* the line erased, with spaces (no escapes) */
		fprintf(stderr, "\r%*s\r", width > 0 ? width : 0, "");
	return NULL;
}

/* Starts the display when stderr is a terminal: @pr, or NULL. */
static struct progress *progress_start(struct progress *pr, const char *what)
{
	if (out_silent() || !isatty(STDERR_FILENO))
		return NULL;
	memset(pr, 0, sizeof(*pr));
	pr->what = what;
	pthread_mutex_init(&pr->mu, NULL);
	pthread_cond_init(&pr->cv, NULL);
	if (pthread_create(&pr->tid, NULL, progress_main, pr) != 0)
		return NULL;
	return pr;
}

static void progress_stop(struct progress *pr)
{
	if (!pr)
		return;
	pthread_mutex_lock(&pr->mu);
	pr->done = true;
	pthread_cond_signal(&pr->cv);
	pthread_mutex_unlock(&pr->mu);
	pthread_join(pr->tid, NULL);
}

/* @base: NULL for the baseline, else the baseline's manifests. */
static int snapshot(struct run_ctx *c, struct nono_rb_manifest *m,
		    const struct nono_rb_manifest *base,
		    struct nono_rb_stats *total, char *err, size_t errlen)
{
	struct nono_rb_session *s = c->rt.rb;
	struct progress pv, *pr;
	struct nono_rb_progress *prog;
	int r = 0;

	pr = progress_start(&pv, base ? "last snapshot" : "baseline");
	prog = pr ? &pr->p : NULL;
	memset(total, 0, sizeof(*total));
	for (size_t i = 0; i < s->nroots; i++)
		nono_rb_manifest_init(&m[i]);
	if (!c->rt.rb_caches &&
	    (c->rt.rb_caches = calloc(s->nroots, sizeof(*c->rt.rb_caches)))) {
		for (size_t i = 0; i < s->nroots; i++) {
			char cp[PATH_MAX];

			nono_rb_cache_init(&c->rt.rb_caches[i]);
			if (nono_rb_cache_path(s->roots[i], cp, sizeof(cp)) ==
			    0)
				nono_rb_cache_load(&c->rt.rb_caches[i], cp);
		}
	}
	for (size_t i = 0; r == 0 && i < s->nroots; i++) {
		/* Kept in memory from the baseline (none: out of memory,
		 * every file is read). */
		struct nono_rb_cache *cache =
		    c->rt.rb_caches ? &c->rt.rb_caches[i] : NULL;
		struct nono_rb_stats st = {0};
		char cp[PATH_MAX] = "";

		if (cache)
			nono_rb_cache_unsee(cache);
		/* After the baseline, the baseline decides what is left out
		 * for its size (a flood of entries hides nothing). */
		r = nono_rb_capture(c->rt.rb_store, s->roots[i], &s->scope,
				    base ? &base[i] : NULL, cache, &m[i], &st,
				    prog, err, errlen);
		/* The baseline's now (the command may change everything);
		 * the last snapshot's after the review (save_caches): the
		 * next session's, not this one's. */
		if (r == 0 && cache && !base &&
		    nono_rb_cache_path(s->roots[i], cp, sizeof(cp)) == 0)
			nono_rb_cache_save(cache, cp);
		total->files += st.files;
		total->bytes_read += st.bytes_read;
		total->objects_added += st.objects_added;
		total->unreadable += st.unreadable;
		total->skipped += st.skipped;
		total->excluded += st.excluded;
		total->xattrs_lost += st.xattrs_lost;
	}
	progress_stop(pr);
	/* The baseline's leaves are kept for the last snapshot's delta
	 * (none kept: it computes them). */
	for (size_t i = 0; r == 0 && !base && i < s->nroots; i++)
		nono_rb_manifest_keep_leaves(&m[i]);
	if (r == 0 &&
	    (r = nono_rb_session_add_snapshot(s, m, base, c->rt.rb_store)) < 0)
		snprintf(err, errlen,
			 "rollback: cannot record the snapshot in "
			 "%s: %s",
			 s->dir, strerror(-r));
	return r < 0 ? -1 : 0;
}

/* The audit trail binds each snapshot (its manifests' Merkle roots). */
static void audit_snapshot(struct run_ctx *c, const char *what, size_t n)
{
	struct nono_rb_session *s = c->rt.rb;
	struct nono_ev e;
	char hex[NONO_SHA256_HEX];

	if (!c->rt.audit)
		return;
	nono_ev_begin(&e, what);
	nono_ev_str(&e, "rollback_session", s->id);
	nono_ev_int(&e, "snapshot", (long long)n);
	nono_ev_put(&e, ",\"roots\":[", 10);
	for (size_t i = 0; i < s->nroots; i++) {
		if (i)
			nono_ev_put(&e, ",", 1);
		nono_ev_put(&e, "{\"path\":", 8);
		nono_ev_quote(&e, s->roots[i], strlen(s->roots[i]));
		nono_hex(s->snaps[n].roots[i], NONO_SHA256_LEN, hex);
		nono_ev_put(&e, ",\"merkle_root\":\"", 16);
		nono_ev_put(&e, hex, strlen(hex));
		nono_ev_put(&e, "\"}", 2);
	}
	nono_ev_put(&e, "]", 1);
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_always(c->rt.audit, &e);
	else
		nono_ev_free(&e);
}

static void free_manifests(struct nono_rb_manifest *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nono_rb_manifest_free(&m[i]);
	free(m);
}

/* The stat caches as the last snapshot left them (objects synced), for
 * the next session. */
static void save_caches(struct run_ctx *c)
{
	struct nono_rb_session *s = c->rt.rb;

	for (size_t i = 0; c->rt.rb_caches && i < s->nroots; i++) {
		char cp[PATH_MAX];

		if (nono_rb_cache_path(s->roots[i], cp, sizeof(cp)) == 0)
			nono_rb_cache_save(&c->rt.rb_caches[i], cp);
	}
}

static void drop(struct run_ctx *c)
{
	if (c->rt.rb_base && c->rt.rb) {
		free_manifests(c->rt.rb_base, c->rt.rb->nroots);
		c->rt.rb_base = NULL;
	}
	if (c->rt.rb_caches && c->rt.rb) {
		for (size_t i = 0; i < c->rt.rb->nroots; i++)
			nono_rb_cache_free(&c->rt.rb_caches[i]);
		free(c->rt.rb_caches);
		c->rt.rb_caches = NULL;
	}
	if (c->rt.rb) {
		nono_rb_session_free(c->rt.rb);
		free(c->rt.rb);
		c->rt.rb = NULL;
	}
	if (c->rt.rb_store) {
		nono_rb_store_close(c->rt.rb_store);
		free(c->rt.rb_store);
		c->rt.rb_store = NULL;
	}
}

int run_rollback_begin(struct run_ctx *c, char *const *argv)
{
	const char *roots[NONO_RB_MAX_ROOTS];
	char home[PATH_MAX], err[PATH_MAX + 256];
	struct nono_redact_policy pol;
	struct nono_rb_manifest *m = NULL;
	struct nono_rb_scope sc;
	struct nono_rb_stats st;
	struct nono_ev cmd = {0};
	char **red;
	size_t nroots;
	double t0 = now_s();
	int r;

	if (!c->o.rollback || c->o.mode == MODE_WRAP)
		return 0;
	nroots = roots_of(c, roots, NONO_RB_MAX_ROOTS);
	if (!nroots) {
		out_warn("--rollback: no writable directory to snapshot (grant "
			 "one: --allow DIR, --allow-cwd); running without");
		return 0;
	}
	r = nono_rb_home(home, sizeof(home));
	c->rt.rb_store = calloc(1, sizeof(*c->rt.rb_store));
	c->rt.rb = calloc(1, sizeof(*c->rt.rb));
	if (r < 0 || !c->rt.rb_store || !c->rt.rb) {
		out_error("rollback: ~/.nono/rollback: %s; the command did not "
			  "run (without --rollback it runs without snapshots)",
			  r < 0 ? strerror(-r) : "out of memory");
		free(c->rt.rb_store);
		free(c->rt.rb);
		c->rt.rb_store = NULL;
		c->rt.rb = NULL;
		return -1;
	}
	r = nono_rb_store_open(c->rt.rb_store, home);
	/* Shared for the whole session: a cleanup does not sweep objects
	 * a snapshot wrote before its manifest names them. */
	if (r == 0 && (r = nono_rb_store_lock(c->rt.rb_store, LOCK_SH)) < 0)
		nono_rb_store_close(c->rt.rb_store);
	if (r < 0) {
		free(c->rt.rb_store);
		c->rt.rb_store = NULL;
		free(c->rt.rb);
		c->rt.rb = NULL;
		out_error("rollback: the object store in %s: %s; the command "
			  "did not run",
			  home, strerror(-r));
		return -1;
	}
	cli_redact_policy(&pol);
	red = nono_redact_argv(argv, &pol);
	nono_ev_put(&cmd, "[", 1);
	for (size_t i = 0; red && red[i]; i++) {
		if (i)
			nono_ev_put(&cmd, ",", 1);
		nono_ev_quote(&cmd, red[i], strlen(red[i]));
	}
	nono_ev_put(&cmd, "]", 1);
	free(red);
	if (scope_of(c, &sc) < 0 || cmd.oom ||
	    nono_rb_session_new(c->rt.rb,
				c->rt.audit ? nono_audit_id(c->rt.audit)
					    : run_session_id(c),
				roots, nroots, &sc, cmd.buf) < 0) {
		out_error("rollback: cannot start the session in %s; the "
			  "command did not run",
			  home);
		nono_rb_scope_free(&sc);
		nono_ev_free(&cmd);
		drop(c);
		return -1;
	}
	nono_rb_scope_free(&sc);
	nono_ev_free(&cmd);
	m = calloc(nroots, sizeof(*m));
	if (!m || snapshot(c, m, NULL, &st, err, sizeof(err)) < 0) {
		out_error("%s; the command did not run (nono run without "
			  "--rollback runs it without snapshots)",
			  m ? err : "rollback: out of memory");
		nono_rb_session_remove(c->rt.rb->id);
		free_manifests(m, m ? nroots : 0);
		drop(c);
		return -1;
	}
	c->rt.rb_base = m; /* kept: read again at the end it cost 0.2 s */
	audit_snapshot(c, "rollback_snapshot", 0);
	out_verbose_msg(1,
			"rollback: session %s, baseline of %llu files in %.2f "
			"s (%llu bytes read, %llu new objects)",
			c->rt.rb->id, st.files, now_s() - t0, st.bytes_read,
			st.objects_added);
	if (st.unreadable || st.skipped)
		out_warn("rollback: %llu unreadable and %llu special files "
			 "(sockets, FIFOs) are not in the snapshot: a restore "
			 "leaves them as they are",
			 st.unreadable, st.skipped);
	if (st.xattrs_lost)
		out_warn("rollback: the extended attributes of %llu "
			 "entr%s (more than %d, or %d KiB, on one) are not in "
			 "the snapshot: a restore cannot put them back",
			 st.xattrs_lost, st.xattrs_lost == 1 ? "y" : "ies",
			 NONO_RB_XATTR_MAX_N, NONO_RB_XATTR_MAX_BYTES / 1024);
	return 0;
}

/* A restore's note (a group owner it could not set back): said, and the
 * restore goes on. */
static void restore_note(void *arg, const char *line)
{
	(void)arg;
	out_warn("%s", line);
}

struct summary {
	const char *root;
	size_t n[4];
	size_t listed;
	bool remote;
	FILE *f;
};

static void on_change(void *arg, enum nono_rb_change k,
		      const struct nono_rb_entry *from,
		      const struct nono_rb_entry *to)
{
	struct summary *s = arg;
	const struct nono_rb_entry *e = to ? to : from;
	char p[PATH_MAX * 4], note[NONO_RB_NOTE_LEN];

	s->n[k]++;
	if (s->listed++ >= 20 || !s->f)
		return;
	nono_rb_shown(e->path, p, sizeof(p));
	nono_rb_change_note(from, to, note, sizeof(note));
	fprintf(s->f, "  %-9s %s/%s%s%s", nono_rb_change_name(k), s->root, p,
		note, s->remote ? "\r\n" : "\n");
}

/* The review's diffs: each change, and a text file's as a unified diff
 * (rollback_diff), at most DIFF_CHANGES of them. */
#define DIFF_CHANGES 200

struct review_diff {
	FILE *f;
	struct nono_rb_store *store;
	const char *root;
	size_t n;
};

static void on_diff(void *arg, enum nono_rb_change k,
		    const struct nono_rb_entry *from,
		    const struct nono_rb_entry *to)
{
	struct review_diff *d = arg;
	const struct nono_rb_entry *e = to ? to : from;
	char p[PATH_MAX * 4], note[NONO_RB_NOTE_LEN];

	/* At most DIFF_CHANGES changes and 4 MiB of text (a diff's escaped
	 * bytes are four each), then the command that shows them all. */
	if (d->n++ >= DIFF_CHANGES || ftell(d->f) > 4L * 1024 * 1024) {
		d->n = DIFF_CHANGES + 1;
		return;
	}
	nono_rb_shown(e->path, p, sizeof(p));
	nono_rb_change_note(from, to, note, sizeof(note));
	fprintf(d->f, "  %-9s %s/%s%s\n", nono_rb_change_name(k), d->root, p,
		note);
	if (k != NONO_RB_ATTRS)
		rollback_diff(d->f, d->store, e->path, from, to);
}

/* The diffs of every root, as text for @remote (CRLF) or the terminal. */
static char *review_diffs(struct run_ctx *c, const struct nono_rb_manifest *m0,
			  const struct nono_rb_manifest *m1, bool remote)
{
	struct nono_rb_session *s = c->rt.rb;
	char *buf = NULL, *out;
	size_t len = 0, n = 0, k = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < s->nroots; i++) {
		struct review_diff d = {f, c->rt.rb_store, s->roots[i], 0};

		nono_rb_diff(&m0[i], &m1[i], on_diff, &d);
		n += d.n;
	}
	if (n > DIFF_CHANGES)
		fprintf(f, "  ... and more: nono rollback show %s --diff\n",
			s->id);
	if (fclose(f) != 0 || !buf)
		return NULL;
	if (!remote)
		return buf;
	out = malloc(2 * len + 1); /* a terminal in raw mode: CR LF */
	for (size_t i = 0; out && i < len; i++) {
		if (buf[i] == '\n')
			out[k++] = '\r';
		out[k++] = buf[i];
	}
	if (out)
		out[k] = '\0';
	free(buf);
	return out;
}

static bool ask_restore(struct run_ctx *c, const char *detail,
			const struct nono_rb_manifest *m0,
			const struct nono_rb_manifest *m1)
{
	bool remote = run_session_can_ask(c);
	const char *q = "Restore the state before the session? (d: the diffs) "
			"[y/N] ";
	char *diffs = NULL;
	bool yes = false;

	if (c->o.no_rollback_prompt || out_silent())
		return false;
	if (!remote && (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)))
		return false;
	for (int round = 0; round < 16; round++) {
		const char *show = round && diffs ? diffs : detail;
		char answer[16] = "";

		if (remote) {
			if (run_session_ask(c, show, q, answer,
					    sizeof(answer)) != 0)
				break;
		} else {
			fputs(show, stderr);
			fputs(q, stderr);
			if (!fgets(answer, sizeof(answer), stdin))
				break;
		}
		if (answer[0] == 'd' || answer[0] == 'D') {
			if (!diffs)
				diffs = review_diffs(c, m0, m1, remote);
			continue;
		}
		yes = answer[0] == 'y' || answer[0] == 'Y';
		break;
	}
	free(diffs);
	return yes;
}

/* [rollback] keep / older_than in config.toml, after each session (the
 * one just recorded is always kept). */
static void retention(void)
{
	const struct nono_config *cfg = cli_config();
	long long keep = -1, older = -1;
	int n;

	if (!cfg || (!cfg->rollback_keep_set && !cfg->rollback_older_than))
		return;
	if (cfg->rollback_keep_set)
		keep = cfg->rollback_keep < 1 ? 1 : cfg->rollback_keep;
	if (cfg->rollback_older_than &&
	    nono_parse_age(cfg->rollback_older_than, &older) < 0)
		return; /* refused when the config was read */
	n = rollback_cleanup(keep, older, false, true);
	if (n > 0)
		out_verbose_msg(
		    1,
		    "rollback: %d old session%s removed ([rollback] "
		    "in config.toml)",
		    n, n == 1 ? "" : "s");
}

void run_rollback_end(struct run_ctx *c, int status)
{
	struct nono_rb_session *s = c->rt.rb;
	struct nono_rb_manifest *m1 = NULL, *m0 = NULL;
	struct nono_rb_stats st;
	char err[PATH_MAX + 256], *detail = NULL;
	size_t dlen = 0, changes = 0;
	bool remote, restored = false, captured = false;
	double t0;
	FILE *d;
	int r;

	if (!s)
		return;
	remote = run_session_can_ask(c);
	t0 = now_s();
	/* The baseline, kept from the start: it decides what the last
	 * snapshot leaves out for its size, is what the review compares
	 * with, and what a restore puts back. */
	m0 = c->rt.rb_base;
	c->rt.rb_base = NULL;
	m1 = calloc(s->nroots, sizeof(*m1));
	r = m0 && m1 ? 0 : -ENOMEM;
	snprintf(err, sizeof(err), "rollback: out of memory");
	if (r < 0 || snapshot(c, m1, m0, &st, err, sizeof(err)) < 0) {
		out_warn("%s; the session can still be restored to its "
			 "baseline: nono rollback restore %s",
			 err, s->id);
		free(m1);
		m1 = NULL;
		goto out;
	}
	captured = true;
	audit_snapshot(c, "rollback_snapshot", s->nsnaps - 1);
	out_verbose_msg(1,
			"rollback: last snapshot of %llu files in %.2f s (%llu "
			"bytes read, %llu new objects)",
			st.files, now_s() - t0, st.bytes_read,
			st.objects_added);
	d = open_memstream(&detail, &dlen);
	for (size_t i = 0; i < s->nroots; i++) {
		struct summary sum = {0};

		sum.root = s->roots[i];
		sum.remote = remote;
		sum.f = d;
		changes += nono_rb_diff(&m0[i], &m1[i], on_change, &sum);
		if (d && sum.listed > 20)
			fprintf(d, "  ... and %zu more%s", sum.listed - 20,
				remote ? "\r\n" : "\n");
	}
	if (d)
		fclose(d);
	if (changes == 0) {
		out_verbose_msg(1, "rollback: no changes (session %s)", s->id);
	} else {
		char head[256];
		char *full = NULL;

		snprintf(head, sizeof(head),
			 "%snono: rollback: %zu change%s in the writable "
			 "directories:%s",
			 remote ? "\r\n" : "\n", changes,
			 changes == 1 ? "" : "s", remote ? "\r\n" : "\n");
		if (asprintf(&full, "%s%s", head, detail ? detail : "") < 0)
			full = NULL;
		if (full && ask_restore(c, full, m0, m1)) {
			restored = true;
			double tr = now_s();
			unsigned long long nw = 0, nd = 0;

			/* The tree as it is: the last snapshot, just
			 * taken (the command and all it started are gone). */
			for (size_t i = 0; i < s->nroots; i++) {
				struct nono_rb_restore_stats rs;
				struct nono_rb_notes notes = {restore_note,
							      NULL};

				if (nono_rb_restore(c->rt.rb_store, &m0[i],
						    &s->scope, NULL, &m1[i],
						    false, &rs, &notes, err,
						    sizeof(err)) < 0) {
					out_error("%s (nono rollback restore "
						  "%s tries again)",
						  err, s->id);
					restored = false;
				}
				nw += rs.written;
				nd += rs.deleted;
			}
			if (restored) {
				out_verbose_msg(
				    1,
				    "rollback: restore: %llu written, "
				    "%llu removed in %.2f s",
				    nw, nd, now_s() - tr);
				s->restores++;
				audit_snapshot(c, "rollback_restore", 0);
				out_info("rollback: restored the state before "
					 "the session");
			}
		} else if (!out_silent()) {
			if (c->o.no_rollback_prompt ||
			    (!remote &&
			     (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))))
				fputs(full ? full : head, stderr);
			fprintf(stderr,
				"nono: rollback: kept; to undo: nono rollback "
				"restore %s\n",
				s->id);
		}
		free(full);
	}
	free(detail);
	free_manifests(m1, s->nroots);
out:
	if (m0)
		free_manifests(m0, s->nroots);
	/* Only after a capture that succeeded: a failed one may have put
	 * entries whose objects were never synced. */
	if (captured)
		save_caches(c);
	s->state = NONO_RB_COMPLETE;
	s->exit_code = status;
	nono_ev_time(s->ended);
	if ((r = nono_rb_session_save(s)) < 0)
		out_warn("rollback: cannot complete the record in %s: %s",
			 s->dir, strerror(-r));
	drop(c); /* the store's lock too: a sweep may run */
	retention();
}
