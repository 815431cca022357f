// SPDX-License-Identifier: Apache-2.0
/* nono learn's suggestions (see suggest.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/event.h"
#include "learn/suggest.h"
#include "nono/path.h"
#include "plan/verdict.h"
#include "policy/protect.h"
#include "supervisor/gate.h"

static const char *const key_names[LEARN_KEY_COUNT] = {
    "read", "write", "allow", "read_file", "write_file", "allow_file",
};
static const char *const key_flags[LEARN_KEY_COUNT] = {
    "--read",      "--write",      "--allow",
    "--read-file", "--write-file", "--allow-file",
};

const char *learn_key_name(enum learn_key k)
{
	return k < LEARN_KEY_COUNT ? key_names[k] : "?";
}

const char *learn_key_flag(enum learn_key k)
{
	return k < LEARN_KEY_COUNT ? key_flags[k] : "?";
}

/* A path that needs a grant, before grouping. */
struct cand {
	char *path;
	unsigned access; /* NONO_ACCESS_* */
	bool dir;
	size_t uses;
};

struct work {
	const struct nono_plan *p;
	struct learn_report *out;
	struct cand *c;
	size_t nc, capc;
	size_t capadd, caprefused, capcovered;
	char *memo_dir; /* offerable()'s last directory */
	bool memo_ok;
	bool oom;
};

static enum learn_key key_of(bool dir, unsigned access)
{
	if ((access & NONO_ACCESS_RW) == NONO_ACCESS_RW)
		return dir ? LEARN_KEY_ALLOW : LEARN_KEY_ALLOW_FILE;
	if (access & NONO_ACCESS_WRITE)
		return dir ? LEARN_KEY_WRITE : LEARN_KEY_WRITE_FILE;
	return dir ? LEARN_KEY_READ : LEARN_KEY_READ_FILE;
}

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t c;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 16;
	if (!(nv = realloc(*v, c * size)))
		return false;
	*v = nv;
	*cap = c;
	return true;
}

/* Appends an item; duplicates are merged at the end (merge_items): a
 * trace of 100,000 paths must not cost 10^10 comparisons. */
static void item_add(struct work *w, struct learn_item **v, size_t *n,
		     size_t *cap, const char *path, enum learn_key k,
		     size_t uses)
{
	if (*n >= 2 * LEARN_REPORT_MAX) { /* duplicates merge later */
		w->out->omitted++;
		return;
	}
	if (!grow((void **)v, cap, *n, sizeof(**v)) ||
	    !((*v)[*n].path = strdup(path))) {
		w->oom = true;
		return;
	}
	(*v)[*n].key = k;
	(*v)[*n].uses = uses;
	(*n)++;
}

/* Lists @path as refused (@v says why); the entry, or NULL when out of
 * memory.  Duplicates are merged at the end (sorted). */
static struct learn_refusal *refuse(struct work *w, const char *path,
				    const struct plan_verdict *v)
{
	struct learn_report *o = w->out;
	struct learn_refusal *r;

	if (o->nrefused >= 2 * LEARN_REPORT_MAX) {
		o->omitted++;
		return NULL;
	}
	if (!grow((void **)&o->refused, &w->caprefused, o->nrefused,
		  sizeof(*o->refused))) {
		w->oom = true;
		return NULL;
	}
	r = &o->refused[o->nrefused];
	memset(r, 0, sizeof(*r));
	if (!(r->path = strdup(path)) ||
	    (v->flag[0] && !(r->flag = strdup(v->flag)))) {
		free(r->path);
		w->oom = true;
		return NULL;
	}
	o->nrefused++;
	if (v->category[0])
		snprintf(r->why, sizeof(r->why), "protected (%.100s, %.100s)",
			 v->category, v->source);
	else if (strcmp(v->reason, "filesystem_deny") == 0)
		snprintf(r->why, sizeof(r->why),
			 "hidden by the profile (filesystem.deny)");
	else
		snprintf(r->why, sizeof(r->why),
			 "kept read-only: it would run code outside the "
			 "sandbox later");
	return r;
}

/* A directory not offered whole (the home, or one holding protected
 * paths): said, with what to do instead. */
static void refuse_dir(struct work *w, const char *path)
{
	struct plan_verdict v = {0};
	struct learn_refusal *r;

	v.reason = "holds_protected";
	r = refuse(w, path, &v);
	if (r)
		snprintf(r->why, sizeof(r->why),
			 "not offered whole: it is the home or the root, or "
			 "holds protected paths; grant what below it the "
			 "command needs");
}

/* Appends a candidate; duplicates are merged once sorted (group). */
static void cand_add(struct work *w, const char *path, bool dir,
		     unsigned access)
{
	char *s;

	if (!grow((void **)&w->c, &w->capc, w->nc, sizeof(*w->c)) ||
	    !(s = strdup(path))) {
		w->oom = true;
		return;
	}
	w->c[w->nc++] = (struct cand){s, access, dir, 1};
}

/* @path is, or is below, a name that runs code outside later: by its name
 * and place, or one of the plan's kept paths. */
static bool runs_later(const struct nono_plan *p, const char *path)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");

	for (size_t i = 0; i < p->kept.n; i++)
		if (nono_path_is_under(path, p->kept.v[i]))
			return true;
	return nono_protect_runs_later(
	    p->home, xdg && xdg[0] == '/' ? xdg : NULL, -1, path);
}

/* One object and what it needs: covered, refused, or a candidate. */
static void judge(struct work *w, const char *path, bool exists, bool dir,
		  unsigned access, bool all)
{
	struct plan_verdict v;

	if (strchr(path, '$')) {
		/* A profile expands $NAME in a path, with no escape: offered,
		 * "/$HOME" would grant the home.  Said, never offered. */
		struct plan_verdict d = {0};
		struct learn_refusal *r;

		d.reason = "dollar";
		if ((r = refuse(w, path, &d)))
			snprintf(r->why, sizeof(r->why),
				 "not offered: a profile would read its $ as a "
				 "variable; grant the directory above it");
		return;
	}
	plan_why_path(w->p, access, path, exists, &v);
	if (v.allowed) {
		if (all)
			item_add(w, &w->out->covered, &w->out->ncovered,
				 &w->capcovered, path, key_of(dir, access), 1);
		return;
	}
	if (plan_verdict_refused_always(&v)) {
		refuse(w, path, &v);
		return;
	}
	/* A write there would put what runs outside the sandbox later
	 * (~/.pyenv/shims/python, a PATH directory): the run refused it,
	 * and a grant would be a hole (review 2 of session 16). */
	if ((access & NONO_ACCESS_WRITE) && runs_later(w->p, path)) {
		struct plan_verdict k = {0};

		k.reason = "persistence_file";
		refuse(w, path, &k);
		return;
	}
	cand_add(w, path, dir, access);
}

static void parent_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	snprintf(out, len, "%.*s",
		 !slash || slash == path ? 1 : (int)(slash - path), path);
}

/* Whether a grant of directory @d would cover anything the sandbox
 * protects: planned as a run plans it (a scratch capability set with @d
 * read), so every protected location counts wherever it is (the
 * Kerberos cache, $XDG_CONFIG_HOME/nono, a credential directory behind a
 * symlink), plus what the plan itself hides.  True when unsure. */
static bool holds_protected(const struct nono_plan *p, const char *d)
{
	struct nono_protect_result res = {0};
	struct nono_caps *caps = nono_caps_new();
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char why[PATH_MAX], dir[PATH_MAX], canon[PATH_MAX];
	bool holds = true;

	if (caps &&
	    nono_caps_add_path(caps, d, NONO_ACCESS_READ, 0,
			       NONO_ORIGIN_USER) == 0 &&
	    nono_protect_plan(caps, p->home, NULL, p->bypass, p->nbypass, &res,
			      why, sizeof(why)) == 0)
		holds = res.nmasks > 0 || res.nconflicts > 0;
	nono_protect_result_clear(&res);
	nono_caps_free(caps);
	if (!holds && xdg && xdg[0] == '/' &&
	    (size_t)snprintf(dir, sizeof(dir), "%s/nono", xdg) < sizeof(dir) &&
	    realpath(dir, canon) && nono_path_is_under(canon, d))
		holds = true;
	for (size_t i = 0; !holds && i < nono_caps_mask_count(p->caps); i++)
		if (nono_path_is_under(nono_caps_mask_at(p->caps, i)->path, d))
			holds = true;
	return holds;
}

/* Whether directory @d may be offered whole: not the root, not the home
 * nor above it, not protected or hidden, and holding nothing the sandbox
 * protects or hides (its grant would be refused, or unstartable). */
static bool dir_offerable(const struct nono_plan *p, const char *d)
{
	struct plan_verdict v;

	if (strcmp(d, "/") == 0 || (p->home && nono_path_is_under(p->home, d)))
		return false;
	plan_why_path(p, NONO_ACCESS_READ, d, true, &v);
	if (plan_verdict_refused_always(&v))
		return false;
	return !holds_protected(p, d);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct learn_item *)a)->path,
		      ((const struct learn_item *)b)->path);
}

static int by_path_refused(const void *a, const void *b)
{
	const struct learn_refusal *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->why, y->why);
}

static int cand_by_path(const void *a, const void *b)
{
	return strcmp(((const struct cand *)a)->path,
		      ((const struct cand *)b)->path);
}

/* Entries of one directory used several times become the directory;
 * one entry stays itself (a file as a file). */
/* dir_offerable, remembered for the last directory asked (the entries of
 * one directory are asked in a row; planning a grant is not cheap). */
static bool offerable(struct work *w, const char *d)
{
	if (!w->memo_dir || strcmp(w->memo_dir, d) != 0) {
		free(w->memo_dir);
		w->memo_dir = strdup(d);
		w->memo_ok = dir_offerable(w->p, d);
		if (!w->memo_dir)
			return w->memo_ok;
	}
	return w->memo_ok;
}

static void group(struct work *w)
{
	struct learn_report *o = w->out;
	char pd[PATH_MAX], qd[PATH_MAX];
	size_t i = 0;

	if (w->nc)
		qsort(w->c, w->nc, sizeof(*w->c), cand_by_path);
	/* One candidate per path: the accesses and uses merged. */
	for (size_t k = 0, n = 0; k < w->nc; k++) {
		if (n && strcmp(w->c[n - 1].path, w->c[k].path) == 0) {
			w->c[n - 1].access |= w->c[k].access;
			w->c[n - 1].dir |= w->c[k].dir;
			w->c[n - 1].uses += w->c[k].uses;
			free(w->c[k].path);
		} else {
			w->c[n++] = w->c[k];
		}
		if (k + 1 == w->nc) {
			w->nc = n;
			break;
		}
	}
	while (i < w->nc) {
		size_t j = i + 1, uses = w->c[i].uses;
		unsigned access = w->c[i].access;

		parent_of(w->c[i].path, pd, sizeof(pd));
		/* Siblings: sorted, a directory's entries are adjacent but
		 * for those of its subdirectories in between. */
		for (size_t k = i + 1; k < w->nc; k++) {
			parent_of(w->c[k].path, qd, sizeof(qd));
			if (!nono_path_is_under(w->c[k].path, pd))
				break;
			if (strcmp(qd, pd) == 0) {
				uses += w->c[k].uses;
				access |= w->c[k].access;
				j++;
			}
		}
		if (j - i >= 2 && offerable(w, pd)) {
			size_t k = i;

			item_add(w, &o->add, &o->nadd, &w->capadd, pd,
				 key_of(true, access), uses);
			/* Its entries are covered by it, deeper ones too,
			 * unless they need more (a write below a directory
			 * offered for reading stays an item of its own). */
			for (;
			     k < w->nc && nono_path_is_under(w->c[k].path, pd);
			     k++) {
				const struct cand *c = &w->c[k];

				if (!(c->access & ~access))
					continue;
				if (c->dir && !offerable(w, c->path))
					refuse_dir(w, c->path);
				else
					item_add(w, &o->add, &o->nadd,
						 &w->capadd, c->path,
						 key_of(c->dir, c->access),
						 c->uses);
			}
			i = k;
			continue;
		}
		if (w->c[i].dir && !offerable(w, w->c[i].path))
			refuse_dir(w, w->c[i].path);
		else
			item_add(w, &o->add, &o->nadd, &w->capadd, w->c[i].path,
				 key_of(w->c[i].dir, w->c[i].access),
				 w->c[i].uses);
		i++;
	}
}

/* The key of both accesses of one path. */
static enum learn_key key_join(enum learn_key a, enum learn_key b)
{
	enum learn_key k[2] = {a, b};
	bool dir = a <= LEARN_KEY_ALLOW || b <= LEARN_KEY_ALLOW;
	unsigned acc = 0;

	for (int i = 0; i < 2; i++) {
		if (k[i] != LEARN_KEY_WRITE && k[i] != LEARN_KEY_WRITE_FILE)
			acc |= NONO_ACCESS_READ;
		if (k[i] != LEARN_KEY_READ && k[i] != LEARN_KEY_READ_FILE)
			acc |= NONO_ACCESS_WRITE;
	}
	return key_of(dir, acc);
}

/* Merges the items of one path (@v sorted: they are neighbours). */
static void merge_items(struct learn_item *v, size_t *n)
{
	size_t m = 0;

	for (size_t i = 0; i < *n; i++) {
		if (m && strcmp(v[m - 1].path, v[i].path) == 0) {
			v[m - 1].key = key_join(v[m - 1].key, v[i].key);
			v[m - 1].uses += v[i].uses;
			free(v[i].path);
		} else {
			v[m++] = v[i];
		}
	}
	*n = m;
}

/* Drops items a directory item already covers with as much access. */
static void prune(struct learn_report *o)
{
	size_t n = 0;

	if (o->nadd)
		qsort(o->add, o->nadd, sizeof(*o->add), by_path);
	merge_items(o->add, &o->nadd);
	for (size_t i = 0; i < o->nadd; i++) {
		bool covered = false;

		for (size_t k = 0; k < n && !covered; k++) {
			const struct learn_item *d = &o->add[k];
			enum learn_key a = d->key, b = o->add[i].key;
			bool dir = a == LEARN_KEY_READ ||
				   a == LEARN_KEY_WRITE || a == LEARN_KEY_ALLOW;
			bool rd =
			    b == LEARN_KEY_READ || b == LEARN_KEY_READ_FILE ||
			    b == LEARN_KEY_ALLOW || b == LEARN_KEY_ALLOW_FILE;
			bool wr =
			    b != LEARN_KEY_READ && b != LEARN_KEY_READ_FILE;

			covered = dir &&
				  nono_path_is_under(o->add[i].path, d->path) &&
				  (!rd || a != LEARN_KEY_WRITE) &&
				  (!wr || a != LEARN_KEY_READ);
			if (covered)
				o->add[k].uses += o->add[i].uses;
		}
		if (!covered)
			o->add[n++] = o->add[i];
		else
			free(o->add[i].path);
	}
	o->nadd = n;
}

int learn_suggest(const struct nono_plan *p, const struct learn_access *acc,
		  size_t n, bool all, struct learn_report *out)
{
	struct work w = {.p = p, .out = out};

	memset(out, 0, sizeof(*out));
	out->looked = all;
	/* The protected items located once for the whole report (after
	 * the command is gone: nothing decides from it). */
	nono_protect_memo_begin(p->home);
	for (size_t i = 0; i < n && !w.oom; i++) {
		const struct learn_access *a = &acc[i];
		unsigned access = 0;

		if (a->ops & (LEARN_READ | LEARN_EXEC | LEARN_LIST))
			access |= NONO_ACCESS_READ;
		if (a->ops & LEARN_WRITE)
			access |= NONO_ACCESS_WRITE;
		if ((a->ops & LEARN_MAKE) || (!a->exists && access)) {
			/* Made, removed or renamed there (or an open that
			 * found nothing): the directory it is in decides,
			 * for writing when something was made. */
			char pd[PATH_MAX];

			parent_of(a->path, pd, sizeof(pd));
			if ((a->ops & LEARN_MAKE) ||
			    (access & NONO_ACCESS_WRITE)) {
				struct plan_verdict v;

				judge(&w, pd, true, true, NONO_ACCESS_WRITE,
				      all);
				/* A name the sandbox never lets be made
				 * (.envrc, .git/hooks/x): said. */
				plan_why_path(p, NONO_ACCESS_WRITE, a->path,
					      false, &v);
				if (!a->exists &&
				    plan_verdict_refused_always(&v))
					refuse(&w, a->path, &v);
			} else
				out->metadata++; /* a lookup that failed */
			if (!a->exists)
				continue;
		}
		if (!access) {
			if (!(a->ops & LEARN_MAKE))
				out->metadata++;
			continue;
		}
		judge(&w, a->path, a->exists, a->is_dir, access, all);
	}
	if (!w.oom)
		group(&w);
	nono_protect_memo_end();
	if (!w.oom)
		prune(out);
	for (size_t i = 0; i < w.nc; i++)
		free(w.c[i].path);
	free(w.c);
	free(w.memo_dir);
	if (w.oom) {
		learn_report_free(out);
		return -ENOMEM;
	}
	if (out->nrefused) {
		size_t m = 0;

		/* One per path (the order of equal paths is by reason,
		 * so the one kept does not depend on qsort). */
		qsort(out->refused, out->nrefused, sizeof(*out->refused),
		      by_path_refused);
		for (size_t i = 0; i < out->nrefused; i++) {
			if (!m || strcmp(out->refused[m - 1].path,
					 out->refused[i].path) != 0) {
				out->refused[m++] = out->refused[i];
			} else {
				free(out->refused[i].path);
				free(out->refused[i].flag);
			}
		}
		out->nrefused = m;
	}
	if (out->ncovered) {
		qsort(out->covered, out->ncovered, sizeof(*out->covered),
		      by_path);
		merge_items(out->covered, &out->ncovered);
	}
	while (out->nadd > LEARN_REPORT_MAX) {
		free(out->add[--out->nadd].path);
		out->omitted++;
	}
	while (out->ncovered > LEARN_REPORT_MAX) {
		free(out->covered[--out->ncovered].path);
		out->omitted++;
	}
	while (out->nrefused > LEARN_REPORT_MAX) {
		out->nrefused--;
		free(out->refused[out->nrefused].path);
		free(out->refused[out->nrefused].flag);
		out->omitted++;
	}
	return 0;
}

void learn_report_free(struct learn_report *r)
{
	for (size_t i = 0; i < r->nadd; i++)
		free(r->add[i].path);
	for (size_t i = 0; i < r->ncovered; i++)
		free(r->covered[i].path);
	for (size_t i = 0; i < r->nrefused; i++) {
		free(r->refused[i].path);
		free(r->refused[i].flag);
	}
	for (size_t i = 0; i < r->nhosts; i++) {
		free(r->hosts[i].rule);
		free(r->hosts[i].never);
	}
	free(r->add);
	free(r->refused);
	free(r->covered);
	free(r->conns);
	free(r->hosts);
	free(r->ports);
	memset(r, 0, sizeof(*r));
}

int learn_report_net(struct learn_report *r, const char *what, size_t uses,
		     bool proxy)
{
	struct nono_gate_net g;
	const char *op = g.op, *addr = g.addr;
	unsigned port;
	bool loopback, listen;
	struct learn_refusal *f;

	if (!nono_gate_net_parse(what, &g))
		return 0;
	port = g.port;
	loopback = g.loopback;
	if (strcmp(op, "connected") == 0) {
		struct learn_conn *c;

		for (size_t i = 0; i < r->nconns; i++)
			if (r->conns[i].port == port &&
			    strcmp(r->conns[i].addr, addr) == 0) {
				r->conns[i].uses += uses;
				return 0;
			}
		if (r->nconns >= LEARN_REPORT_MAX) {
			r->omitted++;
			return 0;
		}
		c = realloc(r->conns, (r->nconns + 1) * sizeof(*r->conns));
		if (!c)
			return -ENOMEM;
		r->conns = c;
		c = &r->conns[r->nconns++];
		memset(c, 0, sizeof(*c));
		snprintf(c->addr, sizeof(c->addr), "%s", addr);
		c->port = port;
		c->uses = uses;
		return 0;
	}
	listen = strcmp(op, "bind") == 0 && proxy;
	if (loopback && port && strcmp(op, "listen") != 0) {
		for (size_t i = 0; i < r->nports; i++)
			if (r->ports[i].port == port &&
			    r->ports[i].listen == listen) {
				r->ports[i].uses += uses;
				return 0;
			}
		if (r->nports >= LEARN_REPORT_MAX) {
			r->omitted++;
			return 0;
		}
		{
			struct learn_port *v = realloc(
			    r->ports, (r->nports + 1) * sizeof(*r->ports));

			if (!v)
				return -ENOMEM;
			r->ports = v;
		}
		r->ports[r->nports++] = (struct learn_port){port, listen, uses};
		return 0;
	}
	if (r->nrefused >= LEARN_REPORT_MAX) {
		r->omitted++;
		return 0;
	}
	f = realloc(r->refused, (r->nrefused + 1) * sizeof(*r->refused));
	if (!f)
		return -ENOMEM;
	r->refused = f;
	f = &r->refused[r->nrefused];
	memset(f, 0, sizeof(*f));
	if (strcmp(op, "listen") == 0) {
		f->path = strdup("listen on a port not bound first");
		snprintf(f->why, sizeof(f->why),
			 "the kernel would pick a port on every address; "
			 "bind one first (%zu time%s)",
			 uses, uses == 1 ? "" : "s");
	} else {
		if (asprintf(&f->path, "%s %s port %u",
			     strcmp(op, "bind") == 0 ? "bind on"
						     : "direct connect to",
			     addr, port) < 0)
			f->path = NULL;
		snprintf(f->why, sizeof(f->why),
			 proxy ? "in proxy mode only nono's proxy is reachable "
				 "(%zu time%s)"
			       : "the profile blocks the network (%zu time%s)",
			 uses, uses == 1 ? "" : "s");
		if (proxy && strcmp(op, "connect") == 0)
			f->flag = strdup("--allow-domain HOST, through the "
					 "proxy (HTTPS_PROXY)");
	}
	if (!f->path)
		return -ENOMEM;
	r->nrefused++;
	return 0;
}

void learn_report_hosts(struct learn_report *r, struct learn_host *h, size_t n)
{
	r->hosts = h;
	r->nhosts = n;
}

static size_t hosts_missing(const struct learn_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nhosts; i++)
		n += r->hosts[i].missing && !r->hosts[i].never;
	return n;
}

static size_t hosts_covered(const struct learn_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nhosts; i++)
		n += !r->hosts[i].missing;
	return n;
}

static size_t hosts_never(const struct learn_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nhosts; i++)
		n += r->hosts[i].never != NULL;
	return n;
}

/* The ports of @r offered under @listen's key, as a JSON list. */
static void put_ports(struct nono_ev *e, const struct learn_report *r,
		      bool listen)
{
	bool first = true;
	char num[16];

	for (size_t i = 0; i < r->nports; i++) {
		if (r->ports[i].listen != listen)
			continue;
		nono_ev_put(e, first ? "[" : ",", 1);
		first = false;
		snprintf(num, sizeof(num), "%u", r->ports[i].port);
		nono_ev_put(e, num, strlen(num));
	}
	if (!first)
		nono_ev_put(e, "]", 1);
}

static bool any_ports(const struct learn_report *r, bool listen)
{
	for (size_t i = 0; i < r->nports; i++)
		if (r->ports[i].listen == listen)
			return true;
	return false;
}

/* @path as a profile writes it: "$HOME/..." below the home. */
static void put_path(struct nono_ev *e, const char *home, const char *path)
{
	char buf[PATH_MAX + 8];
	size_t hl = home ? strlen(home) : 0;

	if (hl > 1 && strncmp(path, home, hl) == 0 &&
	    (path[hl] == '/' || path[hl] == '\0'))
		snprintf(buf, sizeof(buf), "$HOME%s", path + hl);
	else
		snprintf(buf, sizeof(buf), "%s", path);
	nono_ev_quote(e, buf, strlen(buf));
}

void learn_report_json(const struct learn_report *r, const char *home, FILE *f)
{
	struct nono_ev e = {0};
	bool first_key = true;

	nono_ev_put(&e, "{\"filesystem\":{", 15);
	for (int k = 0; k < LEARN_KEY_COUNT; k++) {
		bool first = true;

		for (size_t i = 0; i < r->nadd; i++) {
			if (r->add[i].key != (enum learn_key)k)
				continue;
			if (first) {
				if (!first_key)
					nono_ev_put(&e, ",", 1);
				nono_ev_quote(&e, key_names[k],
					      strlen(key_names[k]));
				nono_ev_put(&e, ":[", 2);
				first_key = first = false;
			} else {
				nono_ev_put(&e, ",", 1);
			}
			put_path(&e, home, r->add[i].path);
		}
		if (!first)
			nono_ev_put(&e, "]", 1);
	}
	nono_ev_put(&e, "}", 1);
	if (hosts_missing(r) || r->nports) {
		const char *sep = "";

		nono_ev_put(&e, ",\"network\":{", 12);
		if (hosts_missing(r)) {
			bool first = true;

			nono_ev_put(&e, "\"allow_domain\":[", 16);
			for (size_t i = 0; i < r->nhosts; i++) {
				if (!r->hosts[i].missing || r->hosts[i].never)
					continue;
				if (!first)
					nono_ev_put(&e, ",", 1);
				first = false;
				nono_ev_quote(&e, r->hosts[i].rule,
					      strlen(r->hosts[i].rule));
			}
			nono_ev_put(&e, "]", 1);
			sep = ",";
		}
		for (int listen = 0; listen < 2; listen++) {
			if (!any_ports(r, listen))
				continue;
			nono_ev_put(&e, sep, strlen(sep));
			nono_ev_put(
			    &e, listen ? "\"listen_port\":" : "\"open_port\":",
			    listen ? 14 : 12);
			put_ports(&e, r, listen);
			sep = ",";
		}
		nono_ev_put(&e, "}", 1);
	}
	nono_ev_put(&e, "}\n", 2);
	if (!e.oom)
		fwrite(e.buf, 1, e.len, f);
	nono_ev_free(&e);
}

/* @path for a person: ~/... below the home; bytes outside printable
 * ASCII, and backslashes, as \\xNN (a name with a newline cannot forge a
 * line of the report). */
static const char *shown(const char *home, const char *path, char *buf,
			 size_t len)
{
	size_t hl = home ? strlen(home) : 0, o = 0;
	const char *p = path;

	if (hl > 1 && strncmp(path, home, hl) == 0 &&
	    (path[hl] == '/' || path[hl] == '\0')) {
		buf[o++] = '~';
		p = path + hl;
	}
	for (; *p && o + 5 < len; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

void learn_report_text(const struct learn_report *r, const char *home, FILE *f)
{
	char buf[4 * PATH_MAX + 8];

	if (r->nadd || hosts_missing(r) || r->nports) {
		fprintf(f, "What the profile lacks (%zu):\n",
			r->nadd + hosts_missing(r) + r->nports);
		for (size_t i = 0; i < r->nadd; i++)
			fprintf(f, "  %-13s %s  (%zu access%s)\n",
				learn_key_flag(r->add[i].key),
				shown(home, r->add[i].path, buf, sizeof(buf)),
				r->add[i].uses,
				r->add[i].uses == 1 ? "" : "es");
		for (size_t i = 0; i < r->nhosts; i++)
			if (r->hosts[i].missing && !r->hosts[i].never)
				fprintf(f, "  %-13s %s  (%zu request%s)\n",
					"--allow-domain",
					shown(NULL, r->hosts[i].rule, buf,
					      sizeof(buf)),
					r->hosts[i].uses,
					r->hosts[i].uses == 1 ? "" : "s");
		for (size_t i = 0; i < r->nports; i++)
			fprintf(f, "  %-13s %u  (%zu time%s)\n",
				r->ports[i].listen ? "--listen-port"
						   : "--open-port",
				r->ports[i].port, r->ports[i].uses,
				r->ports[i].uses == 1 ? "" : "s");
	} else {
		fprintf(f, "The profile allows everything the command "
			   "needed.\n");
	}
	if (r->nrefused || hosts_never(r)) {
		fprintf(f, "Refused, never offered (%zu):\n",
			r->nrefused + hosts_never(r));
		for (size_t i = 0; i < r->nhosts; i++)
			if (r->hosts[i].never)
				fprintf(f, "  %s: %s\n",
					shown(NULL, r->hosts[i].rule, buf,
					      sizeof(buf)),
					shown(NULL, r->hosts[i].never,
					      buf + sizeof(buf) / 2,
					      sizeof(buf) / 2));
		for (size_t i = 0; i < r->nrefused; i++) {
			fprintf(
			    f, "  %s: %s\n",
			    shown(home, r->refused[i].path, buf, sizeof(buf)),
			    r->refused[i].why);
			if (r->refused[i].flag)
				fprintf(f, "    (to lift it: %s)\n",
					r->refused[i].flag);
		}
	}
	if (r->ncovered || hosts_covered(r) || r->nconns) {
		fprintf(f, "Already allowed (%zu):\n",
			r->ncovered + hosts_covered(r) + r->nconns);
		for (size_t i = 0; i < r->ncovered; i++)
			fprintf(
			    f, "  %-13s %s\n",
			    learn_key_flag(r->covered[i].key),
			    shown(home, r->covered[i].path, buf, sizeof(buf)));
		for (size_t i = 0; i < r->nhosts; i++)
			if (!r->hosts[i].missing)
				fprintf(f, "  %-13s %s\n", "--allow-domain",
					shown(NULL, r->hosts[i].rule, buf,
					      sizeof(buf)));
		for (size_t i = 0; i < r->nconns; i++)
			fprintf(f, "  %-13s %s port %u%s%s%s  (%zu time%s)\n",
				"connect", r->conns[i].addr, r->conns[i].port,
				r->conns[i].name[0] ? " (" : "",
				shown(NULL, r->conns[i].name, buf, sizeof(buf)),
				r->conns[i].name[0] ? ")" : "",
				r->conns[i].uses,
				r->conns[i].uses == 1 ? "" : "s");
	}
	if (r->omitted)
		fprintf(f, "%zu more not listed (past %d).\n", r->omitted,
			LEARN_REPORT_MAX);
	if (r->metadata && r->looked)
		fprintf(f,
			"%zu access%s needed no grant (stat, access, "
			"readlink, a lookup of a missing path).\n",
			r->metadata, r->metadata == 1 ? "" : "es");
	else if (r->metadata)
		fprintf(f,
			"%zu access%s needed no grant (a lookup of a missing "
			"path; stat, access and readlink are heard with "
			"--all).\n",
			r->metadata, r->metadata == 1 ? "" : "es");
}
