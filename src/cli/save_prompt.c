// SPDX-License-Identifier: Apache-2.0
/*
 * After a run in which the sandbox refused something it can name (a path
 * on the command line that no grant covers, a socket the gate refused),
 * nono offers to save those accesses into a user profile, or to stop
 * offering them (filesystem.suppress_save_prompt).  Never for -s, never
 * without a terminal, never for protected paths, never for suppressed ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/output.h"
#include "cli/run_session.h"
#include "cli/save_prompt.h"
#include "learn/suggest.h"
#include "nono/path.h"
#include "plan/profile_apply.h"
#include "policy/protect.h"
#include "util/fsutil.h"

enum kind {
	K_READ_DIR,
	K_READ_FILE,
	K_ALLOW_FILE,
	K_SOCKET,
	K_WRITE_DIR,
	K_ALLOW_DIR,
	K_WRITE_FILE,
	K_DOMAIN,      /* network.allow_domain */
	K_OPEN_PORT,   /* network.open_port (the port as its @path) */
	K_LISTEN_PORT, /* network.listen_port */
};

struct suggestion {
	char path[PATH_MAX];
	enum kind kind;
};

#define MAX_SUGGESTIONS 64

static bool is_suppressed(const struct run_ctx *c, const char *canon)
{
	char msg[256];

	for (size_t i = 0; i < c->o.suppress.n; i++) {
		char *s = NULL;
		bool exists, hit;

		if (nono_path_canon(c->o.suppress.v[i], &s, &exists) < 0)
			continue;
		hit = nono_path_is_under(canon, s);
		free(s);
		if (hit)
			return true;
	}
	for (size_t i = 0;
	     c->p.profile && i < c->p.profile->fs.suppress_save_prompt.n; i++) {
		char *x = NULL, *s = NULL;
		bool exists, hit = false;

		if (nono_profile_expand(
			&c->p.penv, c->p.profile->fs.suppress_save_prompt.v[i],
			&x, msg, sizeof(msg)) < 0)
			continue;
		if (nono_path_canon(x, &s, &exists) == 0)
			hit = nono_path_is_under(canon, s);
		free(x);
		free(s);
		if (hit)
			return true;
	}
	return false;
}

static bool protected_path(const struct run_ctx *c, const char *canon)
{
	return nono_protect_find(c->p.home, canon, NULL, 0, NULL, 0) != NULL;
}

static size_t add(struct suggestion *s, size_t n, const char *path,
		  enum kind kind)
{
	/* A profile expands $NAME in a path, with no escape: a name the
	 * sandbox made, such as "/$XDG_RUNTIME_DIR/docker.sock", would be
	 * saved as a grant of another path.  Never offered. */
	if (strchr(path, '$'))
		return n;
	/* Nor a name with control bytes: no grant for a name the user
	 * cannot read in the question (review of session 16, F1). */
	for (const unsigned char *b = (const unsigned char *)path; *b; b++)
		if (*b < 0x20 || *b == 0x7f)
			return n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].path, path) == 0)
			return n;
	if (n == MAX_SUGGESTIONS)
		return n;
	snprintf(s[n].path, sizeof(s[n].path), "%s", path);
	s[n].kind = kind;
	return n + 1;
}

static size_t collect(const struct run_ctx *c, const struct nono_gate *gate,
		      char *const *argv, struct suggestion *s)
{
	size_t n = 0;

	for (size_t i = 1; argv[0] && argv[i]; i++) {
		const char *arg = argv[i];
		char *canon = NULL;
		struct stat st;
		bool exists;

		if (arg[0] == '-' || (!strchr(arg, '/') && access(arg, F_OK)))
			continue;
		if (nono_path_canon(arg, &canon, &exists) < 0 || !exists ||
		    stat(canon, &st) < 0 || S_ISSOCK(st.st_mode) ||
		    nono_caps_allows(c->p.caps, canon, NONO_ACCESS_READ,
				     NULL) ||
		    protected_path(c, canon) || is_suppressed(c, canon)) {
			free(canon);
			continue;
		}
		n = add(s, n, canon,
			S_ISDIR(st.st_mode) ? K_READ_DIR : K_READ_FILE);
		free(canon);
	}
	for (size_t i = 0; gate && i < nono_gate_denial_count(gate); i++) {
		const struct nono_gate_denial *d = nono_gate_denial_at(gate, i);

		if (d->op != NONO_GATE_CONNECT || d->path[0] != '/' ||
		    protected_path(c, d->path) || is_suppressed(c, d->path))
			continue;
		n = add(s, n, d->path, K_SOCKET);
	}
	/* What capability elevation approved: the grant that would have
	 * made the question needless (a directory made is not: its
	 * parent's write right would be more than was approved). */
	for (size_t i = 0; gate && i < nono_gate_elevated_count(gate); i++) {
		const struct nono_gate_elevated *e =
		    nono_gate_elevated_at(gate, i);

		/* A name removed, moved, linked or made a symlink: the
		 * directory's write right would be more than was approved. */
		if (e->what == NONO_ELEVATED_SOCKET &&
		    !protected_path(c, e->path) && !is_suppressed(c, e->path)) {
			n = add(s, n, e->path, K_SOCKET);
			continue;
		}
		if (e->what != NONO_ELEVATED_OPEN || e->saved ||
		    (e->dir && (e->made || (e->access & NONO_ACCESS_WRITE))) ||
		    protected_path(c, e->path) || is_suppressed(c, e->path))
			continue;
		n = add(s, n, e->path,
			e->dir                            ? K_READ_DIR
			: (e->access & NONO_ACCESS_WRITE) ? K_ALLOW_FILE
							  : K_READ_FILE);
	}
	return n;
}

/* The user profile to write: the one in use when it is a user file, else
 * NAME-local (or "local") extending what was used. */
static void target(const struct run_ctx *c, char *path, size_t len, char *name,
		   size_t nlen, const char **base)
{
	const char *src = c->p.profile ? c->p.profile->source : NULL;
	struct nono_profile_env env;
	char mine[PATH_MAX];

	*base = NULL;
	plan_profile_env(&env, c->p.home, NULL);
	/* Only the user's own profiles are edited; a pack's, or one named by
	 * a path (a repository's), is extended by NAME-local instead. */
	if (src && strcmp(src, "built-in") != 0 && env.config_dir &&
	    snprintf(mine, sizeof(mine), "%s/profiles/", env.config_dir) <
		(int)sizeof(mine) &&
	    strncmp(src, mine, strlen(mine)) == 0 &&
	    !strchr(src + strlen(mine), '/')) {
		snprintf(path, len, "%s", src);
		snprintf(name, nlen, "%s", c->p.profile->name);
		return;
	}
	*base = !c->p.profile ? "default"
		: strcmp(c->p.profile->source, "built-in")
		    ? c->p.profile->source
		    : c->p.profile->name;
	snprintf(name, nlen, "%s%s",
		 c->p.profile ? c->p.profile->name : "local",
		 c->p.profile ? "-local" : "");
	if (!env.config_dir || snprintf(path, len, "%s/profiles/%s.json",
					env.config_dir, name) >= (int)len)
		path[0] = '\0';
}

/* Writes @p to @path atomically (0600), keeping the old file as .bak. */
static int save(const char *path, const struct nono_profile *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int r;

	if (!m)
		return -ENOMEM;
	fprintf(m, "// Saved by nono after refused accesses; edit freely.\n");
	nono_profile_write_json(m, p);
	fclose(m);
	r = nono_write_atomic(path, text, len,
			      NONO_WRITE_REPLACE | NONO_WRITE_BACKUP, 0600);
	free(text);
	return r;
}

/* Adds @s (@n suggestions; @suppress: to filesystem.suppress_save_prompt
 * instead) to the user profile target() names, creating it when absent,
 * and writes it atomically.  0, or -1; @said tells the user either way. */
static int save_into(struct run_ctx *c, const struct suggestion *s, size_t n,
		     bool suppress, char *said, size_t len)
{
	struct nono_profile *p = NULL;
	char path[PATH_MAX], name[128], err[1024];
	const char *base;
	int ret = -1;

	target(c, path, sizeof(path), name, sizeof(name), &base);
	if (!path[0]) {
		snprintf(said, len, "not saved: no profile directory");
		return -1;
	}
	if (access(path, F_OK) == 0) {
		char *text = NULL;
		size_t tlen = 0;
		FILE *f = fopen(path, "r");

		if (f) {
			char buf[4096];
			size_t k;
			FILE *m = open_memstream(&text, &tlen);

			while (m && (k = fread(buf, 1, sizeof(buf), f)) > 0)
				fwrite(buf, 1, k, m);
			if (m)
				fclose(m);
			fclose(f);
		}
		if (!text || nono_profile_parse(path, text, tlen, &p, err,
						sizeof(err)) < 0) {
			snprintf(said, len, "not saved: %s",
				 text ? err : strerror(errno));
			free(text);
			goto out;
		}
		free(text);
	} else {
		p = nono_profile_new();
		if (!p || nono_plist_add(&p->extends, base) < 0 ||
		    !(p->name = strdup(name))) {
			snprintf(said, len, "not saved: out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct nono_plist *l =
		    s[i].kind == K_DOMAIN       ? &p->net.allow_domain
		    : suppress                  ? &p->fs.suppress_save_prompt
		    : s[i].kind == K_READ_DIR   ? &p->fs.read
		    : s[i].kind == K_READ_FILE  ? &p->fs.read_file
		    : s[i].kind == K_ALLOW_FILE ? &p->fs.allow_file
		    : s[i].kind == K_WRITE_DIR  ? &p->fs.write
		    : s[i].kind == K_ALLOW_DIR  ? &p->fs.allow
		    : s[i].kind == K_WRITE_FILE ? &p->fs.write_file
						: &p->fs.unix_socket;

		/* Suppressing takes paths only: a host or port is left
		 * out. */
		if (suppress && s[i].kind >= K_DOMAIN)
			continue;
		if (s[i].kind == K_OPEN_PORT || s[i].kind == K_LISTEN_PORT) {
			struct nono_pports *pp = s[i].kind == K_OPEN_PORT
						     ? &p->net.open_port
						     : &p->net.listen_port;
			uint16_t *v = realloc(pp->v, (pp->n + 1) * sizeof(*v));

			if (!v) {
				snprintf(said, len, "not saved: out of memory");
				goto out;
			}
			pp->v = v;
			pp->v[pp->n++] = (uint16_t)atoi(s[i].path);
			continue;
		}
		if (nono_plist_add(l, s[i].path) < 0) {
			snprintf(said, len, "not saved: out of memory");
			goto out;
		}
	}
	{
		int r = save(path, p);

		if (r < 0) {
			snprintf(said, len, "not saved: cannot write %s: %s",
				 path, strerror(-r));
			goto out;
		}
	}
	if (suppress)
		snprintf(said, len, "nono: %s will not offer these again (%s)",
			 name, path);
	else
		snprintf(said, len, "nono: saved to %s; run with --profile %s",
			 path, name);
	ret = 0;
out:
	nono_profile_free(p);
	return ret;
}

int save_prompt_grant(struct run_ctx *c, const char *path, unsigned access,
		      bool dir, char *said, size_t len)
{
	struct suggestion one;
	int r;

	/* As add() has it: a '$' would expand; bytes that are not UTF-8
	 * would make the profile unreadable (review 2 of session 15): only
	 * printable ASCII is saved from a question. */
	bool plain = true;

	for (const unsigned char *q = (const unsigned char *)path; *q; q++)
		plain = plain && *q >= 0x20 && *q < 0x7f && *q != '$';
	if ((size_t)snprintf(one.path, sizeof(one.path), "%s", path) >=
		sizeof(one.path) ||
	    protected_path(c, path) || !plain) {
		snprintf(said, len, "allowed for this session; not saved");
		return -1;
	}
	one.kind = dir                           ? K_READ_DIR
		   : access == NONO_ACCESS_READ  ? K_READ_FILE
		   : access == NONO_ACCESS_WRITE ? K_WRITE_FILE
						 : K_ALLOW_FILE;
	r = save_into(c, &one, 1, false, said, len);
	if (r == 0) {
		char name[128], where[PATH_MAX];
		const char *base;

		target(c, where, sizeof(where), name, sizeof(name), &base);
		snprintf(said, len,
			 "allowed for this session, saved to profile %s", name);
	}
	return r;
}

static const char *kind_name(enum kind k)
{
	return k == K_READ_DIR      ? "read"
	       : k == K_READ_FILE   ? "read file"
	       : k == K_ALLOW_FILE  ? "allow file"
	       : k == K_WRITE_DIR   ? "write"
	       : k == K_ALLOW_DIR   ? "allow"
	       : k == K_WRITE_FILE  ? "write file"
	       : k == K_DOMAIN      ? "allow domain"
	       : k == K_OPEN_PORT   ? "open port"
	       : k == K_LISTEN_PORT ? "listen port"
				    : "unix socket";
}

static void offer(struct run_ctx *c, struct suggestion *s, size_t n,
		  const char *heading);

void save_prompt(struct run_ctx *c, const struct nono_gate *gate,
		 char *const *argv)
{
	struct suggestion *s;

	if (out_silent() || (c->o.mode != MODE_RUN && c->o.mode != MODE_SHELL))
		return;
	s = calloc(MAX_SUGGESTIONS, sizeof(*s));
	if (!s)
		return;
	offer(c, s, collect(c, gate, argv, s),
	      "the sandbox refused, or you approved");
	free(s);
}

void save_prompt_learned(struct run_ctx *c, const struct learn_report *rep)
{
	static const enum kind of[LEARN_KEY_COUNT] = {
	    [LEARN_KEY_READ] = K_READ_DIR,
	    [LEARN_KEY_WRITE] = K_WRITE_DIR,
	    [LEARN_KEY_ALLOW] = K_ALLOW_DIR,
	    [LEARN_KEY_READ_FILE] = K_READ_FILE,
	    [LEARN_KEY_WRITE_FILE] = K_WRITE_FILE,
	    [LEARN_KEY_ALLOW_FILE] = K_ALLOW_FILE,
	};
	struct suggestion *s;
	size_t n = 0;

	if (out_silent())
		return;
	s = calloc(MAX_SUGGESTIONS, sizeof(*s));
	if (!s)
		return;
	for (size_t i = 0; i < rep->nadd; i++)
		if (!is_suppressed(c, rep->add[i].path))
			n = add(s, n, rep->add[i].path, of[rep->add[i].key]);
	for (size_t i = 0; i < rep->nhosts; i++)
		if (rep->hosts[i].missing && !rep->hosts[i].never)
			n = add(s, n, rep->hosts[i].rule, K_DOMAIN);
	for (size_t i = 0; i < rep->nports; i++) {
		char num[16];

		snprintf(num, sizeof(num), "%u", rep->ports[i].port);
		n = add(s, n, num,
			rep->ports[i].listen ? K_LISTEN_PORT : K_OPEN_PORT);
	}
	offer(c, s, n, "the command needed");
	free(s);
}

/* Asks whether to save @s (@n suggestions) into a user profile, and does. */
static void offer(struct run_ctx *c, struct suggestion *s, size_t n,
		  const char *heading)
{
	/* A detached session asks the client attached to it (or the first
	 * to attach); no answer in time is no. */
	bool remote = run_session_can_ask(c);
	char *detail = NULL;
	size_t dlen = 0;
	FILE *d;
	char path[PATH_MAX], name[128], answer[16];
	const char *base;

	if (!n ||
	    (!remote && (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))))
		return;
	target(c, path, sizeof(path), name, sizeof(name), &base);
	if (!path[0])
		goto out;
	/* The attached client's terminal is raw: its lines end in \r\n. */
	d = open_memstream(&detail, &dlen);
	if (!d)
		goto out;
	fprintf(d, "%snono: %s:%s", remote ? "\r\n" : "\n", heading,
		remote ? "\r\n" : "\n");
	for (size_t i = 0; i < n; i++)
		fprintf(d, "  %-12s %s%s", kind_name(s[i].kind),
			out_name(s[i].path), remote ? "\r\n" : "\n");
	if (fclose(d) != 0)
		goto out;
	{
		char question[PATH_MAX + 256];

		snprintf(question, sizeof(question),
			 "Save to profile %s (%s)? [y]es, [n]o, [s]uppress "
			 "these: ",
			 name, path);
		if (remote) {
			if (run_session_ask(c, detail, question, answer,
					    sizeof(answer)) < 0)
				goto out;
		} else {
			fputs(detail, stderr);
			fputs(question, stderr);
			if (!fgets(answer, sizeof(answer), stdin))
				goto out;
		}
	}
	if (answer[0] != 'y' && answer[0] != 'Y' && answer[0] != 's' &&
	    answer[0] != 'S')
		goto out;
	{
		bool suppress = answer[0] == 's' || answer[0] == 'S';
		char said[PATH_MAX + 128];

		if (save_into(c, s, n, suppress, said, sizeof(said)) < 0)
			out_error("%s", said);
		else
			out_info("%s", said);
	}
out:
	free(detail);
}
