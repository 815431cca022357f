// SPDX-License-Identifier: Apache-2.0
/*
 * The capability set: a bounded list of path grants, loopback ports, AF_UNIX
 * socket grants and mount masks that the sandbox enforces.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "nono/caps.h"

struct nono_caps {
	struct nono_grant *grants;
	size_t ngrants, grants_cap;
	uint16_t *ports;
	size_t nports, ports_cap;
	struct nono_sock_grant *socks;
	size_t nsocks, socks_cap;
	struct nono_mask *masks;
	size_t nmasks, masks_cap;
	struct nono_guard *guards;
	size_t nguards, guards_cap;
	enum nono_net_mode net;
	unsigned scopes;
	bool proc_self_write;
	bool learn, learn_meta;
	bool elevate;
	bool gate;
	uint16_t isolated_net;
	bool unix_blocked;
};

/* Grows an array by doubling, refusing to pass NONO_CAPS_MAX entries so that
 * a hostile profile cannot make us allocate without bound. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	if (n >= NONO_CAPS_MAX)
		return -E2BIG;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > NONO_CAPS_MAX)
		ncap = NONO_CAPS_MAX;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * Appends a zeroed entry of @elem bytes to a bounded array and stores a
 * copy of @path in *@dup.  Returns the entry, or NULL with *@err set.
 */
static void *append(void **arr, size_t *cap, size_t *n, size_t elem,
		    const char *path, char **dup, int *err)
{
	char *entry;

	*err = grow(arr, cap, *n, elem);
	if (*err < 0)
		return NULL;
	*dup = strdup(path);
	if (!*dup) {
		*err = -ENOMEM;
		return NULL;
	}
	entry = (char *)*arr + *n * elem;
	memset(entry, 0, elem);
	(*n)++;
	return entry;
}

static int check_path(const char *path)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

struct nono_caps *nono_caps_new(void)
{
	return calloc(1, sizeof(struct nono_caps));
}

void nono_caps_free(struct nono_caps *caps)
{
	size_t i;

	if (!caps)
		return;
	for (i = 0; i < caps->ngrants; i++)
		free((char *)caps->grants[i].path);
	for (i = 0; i < caps->nsocks; i++)
		free((char *)caps->socks[i].path);
	for (i = 0; i < caps->nmasks; i++) {
		free((char *)caps->masks[i].path);
		free((char *)caps->masks[i].src);
	}
	for (i = 0; i < caps->nguards; i++)
		free((char *)caps->guards[i].path);
	free(caps->guards);
	free(caps->grants);
	free(caps->ports);
	free(caps->socks);
	free(caps->masks);
	free(caps);
}

int nono_caps_add_path(struct nono_caps *caps, const char *path,
		       unsigned access, unsigned flags, enum nono_origin origin)
{
	struct nono_grant *g;
	char *dup;
	size_t i;
	int r;

	r = check_path(path);
	if (r < 0)
		return r;
	if ((access & ~NONO_ACCESS_RW) || !access)
		return -EINVAL;
	for (i = 0; i < caps->ngrants; i++) {
		g = &caps->grants[i];
		/* Same path, kind and origin merge; another origin keeps its
		 * own entry, so reports show each grant as it was made (the
		 * kernel unions the rules either way). */
		if (strcmp(g->path, path) == 0 && g->origin == origin &&
		    (g->flags & NONO_GRANT_FILE) == (flags & NONO_GRANT_FILE)) {
			g->access |= access;
			/* Execute is kept if either grant allows it. */
			if (!(flags & NONO_GRANT_NOEXEC))
				g->flags &= ~NONO_GRANT_NOEXEC;
			g->flags |= flags & NONO_GRANT_DEVICE;
			/* A required grant stays required when merged. */
			if (!(flags & NONO_GRANT_OPTIONAL))
				g->flags &= ~NONO_GRANT_OPTIONAL;
			return 0;
		}
	}
	g = append((void **)&caps->grants, &caps->grants_cap, &caps->ngrants,
		   sizeof(*caps->grants), path, &dup, &r);
	if (!g)
		return r;
	g->path = dup;
	g->access = access;
	g->flags = flags;
	g->origin = origin;
	return 0;
}

size_t nono_caps_path_count(const struct nono_caps *caps)
{
	return caps->ngrants;
}

const struct nono_grant *nono_caps_path_at(const struct nono_caps *caps,
					   size_t i)
{
	return i < caps->ngrants ? &caps->grants[i] : NULL;
}

size_t nono_caps_remove_path(struct nono_caps *caps, const char *path)
{
	size_t i = 0, removed = 0;

	while (i < caps->ngrants) {
		if (strcmp(caps->grants[i].path, path) == 0) {
			free((char *)caps->grants[i].path);
			memmove(&caps->grants[i], &caps->grants[i + 1],
				(caps->ngrants - i - 1) *
				    sizeof(*caps->grants));
			caps->ngrants--;
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

void nono_caps_set_net(struct nono_caps *caps, enum nono_net_mode mode)
{
	caps->net = mode;
}

enum nono_net_mode nono_caps_net(const struct nono_caps *caps)
{
	return caps->net;
}

int nono_caps_add_port(struct nono_caps *caps, uint16_t port)
{
	size_t i;
	int r;

	if (port == 0)
		return -EINVAL;
	for (i = 0; i < caps->nports; i++)
		if (caps->ports[i] == port)
			return 0;
	r = grow((void **)&caps->ports, &caps->ports_cap, caps->nports,
		 sizeof(*caps->ports));
	if (r < 0)
		return r;
	caps->ports[caps->nports++] = port;
	return 0;
}

size_t nono_caps_port_count(const struct nono_caps *caps)
{
	return caps->nports;
}

uint16_t nono_caps_port_at(const struct nono_caps *caps, size_t i)
{
	return i < caps->nports ? caps->ports[i] : 0;
}

int nono_caps_add_socket(struct nono_caps *caps, const char *path,
			 enum nono_sock_scope scope, bool bind)
{
	struct nono_sock_grant *s;
	char *dup;
	int r;

	r = check_path(path);
	if (r < 0)
		return r;
	s = append((void **)&caps->socks, &caps->socks_cap, &caps->nsocks,
		   sizeof(*caps->socks), path, &dup, &r);
	if (!s)
		return r;
	s->path = dup;
	s->scope = scope;
	s->bind = bind;
	return 0;
}

size_t nono_caps_socket_count(const struct nono_caps *caps)
{
	return caps->nsocks;
}

const struct nono_sock_grant *nono_caps_socket_at(const struct nono_caps *caps,
						  size_t i)
{
	return i < caps->nsocks ? &caps->socks[i] : NULL;
}

int nono_caps_add_mask(struct nono_caps *caps, const char *path,
		       enum nono_mask_kind kind, bool is_dir)
{
	struct nono_mask *m;
	char *dup;
	size_t i;
	int r;

	r = check_path(path);
	if (r < 0)
		return r;
	for (i = 0; i < caps->nmasks; i++) {
		m = &caps->masks[i];
		if (strcmp(m->path, path) == 0) {
			/* Keep the strongest: hide > read-only > pin. */
			if (kind < m->kind)
				m->kind = kind;
			return 0;
		}
	}
	m = append((void **)&caps->masks, &caps->masks_cap, &caps->nmasks,
		   sizeof(*caps->masks), path, &dup, &r);
	if (!m)
		return r;
	m->path = dup;
	m->kind = kind;
	m->is_dir = is_dir;
	m->src = NULL;
	memset(&m->id, 0, sizeof(m->id));
	return 0;
}

int nono_caps_mask_expect(struct nono_caps *caps, const char *path,
			  const struct nono_file_id *id)
{
	for (size_t i = 0; i < caps->nmasks; i++)
		if (strcmp(caps->masks[i].path, path) == 0) {
			caps->masks[i].id = *id;
			return 0;
		}
	return -ENOENT;
}

int nono_caps_add_private(struct nono_caps *caps, const char *path,
			  const char *src)
{
	struct nono_mask *m;
	char *copy;
	int r;

	r = check_path(src);
	if (r < 0)
		return r;
	/* Another mask of the same path is stronger: it stays. */
	for (size_t i = 0; i < caps->nmasks; i++)
		if (strcmp(caps->masks[i].path, path) == 0)
			return 0;
	copy = strdup(src);
	if (!copy)
		return -ENOMEM;
	r = nono_caps_add_mask(caps, path, NONO_MASK_PRIVATE, true);
	if (r < 0) {
		free(copy);
		return r;
	}
	m = &caps->masks[caps->nmasks - 1];
	m->src = copy;
	return 0;
}

const char *nono_mask_kind_name(enum nono_mask_kind kind)
{
	switch (kind) {
	case NONO_MASK_HIDE:
		return "hidden";
	case NONO_MASK_READONLY:
		return "read-only";
	case NONO_MASK_PIN:
		return "pinned";
	case NONO_MASK_PRIVATE:
		return "private";
	}
	return "?";
}

size_t nono_caps_mask_count(const struct nono_caps *caps)
{
	return caps->nmasks;
}

const struct nono_mask *nono_caps_mask_at(const struct nono_caps *caps,
					  size_t i)
{
	return i < caps->nmasks ? &caps->masks[i] : NULL;
}

int nono_caps_add_guard(struct nono_caps *caps, const char *path,
			enum nono_guard_kind kind, unsigned long long dev,
			unsigned long long ino)
{
	struct nono_guard *gd;
	char *dup;
	size_t i;
	int r;

	r = check_path(path);
	if (r < 0)
		return r;
	for (i = 0; i < caps->nguards; i++) {
		if (strcmp(caps->guards[i].path, path) != 0)
			continue;
		/* $HOME refuses a superset of a tree's names: keep it. */
		if (kind == NONO_GUARD_HOME)
			caps->guards[i].kind = kind;
		return 0;
	}
	gd = append((void **)&caps->guards, &caps->guards_cap, &caps->nguards,
		    sizeof(*caps->guards), path, &dup, &r);
	if (!gd)
		return r;
	gd->path = dup;
	gd->kind = kind;
	gd->dev = dev;
	gd->ino = ino;
	return 0;
}

size_t nono_caps_guard_count(const struct nono_caps *caps)
{
	return caps->nguards;
}

const struct nono_guard *nono_caps_guard_at(const struct nono_caps *caps,
					    size_t i)
{
	return i < caps->nguards ? &caps->guards[i] : NULL;
}

size_t nono_caps_flag_path(struct nono_caps *caps, const char *path,
			   unsigned set, unsigned clear)
{
	size_t i, n = 0;

	for (i = 0; i < caps->ngrants; i++) {
		if (strcmp(caps->grants[i].path, path) != 0)
			continue;
		caps->grants[i].flags = (caps->grants[i].flags | set) & ~clear;
		n++;
	}
	return n;
}

bool nono_caps_can_create(const struct nono_caps *caps, const char *path)
{
	for (size_t i = 0; i < caps->ngrants; i++) {
		const struct nono_grant *g = &caps->grants[i];

		if ((g->access & NONO_ACCESS_WRITE) &&
		    !(g->flags & (NONO_GRANT_NOCREATE | NONO_GRANT_FILE)) &&
		    nono_path_is_under(path, g->path))
			return true;
	}
	return false;
}

bool nono_caps_can_write_open(const struct nono_caps *caps, const char *path)
{
	for (size_t i = 0; i < caps->ngrants; i++) {
		const struct nono_grant *g = &caps->grants[i];

		if ((g->access & NONO_ACCESS_WRITE) &&
		    !(g->flags & (NONO_GRANT_NOWRITE | NONO_GRANT_FILE)) &&
		    nono_path_is_under(path, g->path))
			return true;
	}
	return false;
}

bool nono_grant_seals(const struct nono_grant *g)
{
	return (g->access & NONO_ACCESS_WRITE) &&
	       !(g->flags & NONO_GRANT_FILE) &&
	       (g->origin == NONO_ORIGIN_USER || g->origin == NONO_ORIGIN_CWD ||
		g->origin == NONO_ORIGIN_TMPDIR);
}

const char *nono_caps_sealed_root(const struct nono_caps *caps,
				  const char *path)
{
	const char *root = NULL;

	for (size_t i = 0; i < caps->ngrants; i++) {
		const struct nono_grant *g = &caps->grants[i];

		if (nono_grant_seals(g) && nono_path_is_under(path, g->path) &&
		    (!root || strlen(g->path) < strlen(root)))
			root = g->path;
	}
	return root;
}

bool nono_caps_sealed(const struct nono_caps *caps, const char *path)
{
	return nono_caps_sealed_root(caps, path) != NULL;
}

void nono_caps_set_scopes(struct nono_caps *caps, unsigned scopes)
{
	caps->scopes = scopes;
}

unsigned nono_caps_scopes(const struct nono_caps *caps)
{
	return caps->scopes;
}

void nono_caps_set_proc_self_write(struct nono_caps *caps, bool on)
{
	caps->proc_self_write = on;
}

bool nono_caps_proc_self_write(const struct nono_caps *caps)
{
	return caps->proc_self_write;
}

void nono_caps_set_elevate(struct nono_caps *caps, bool on)
{
	caps->elevate = on;
}

bool nono_caps_elevate(const struct nono_caps *caps)
{
	return caps->elevate;
}

void nono_caps_set_learn(struct nono_caps *caps, bool on)
{
	caps->learn = on;
}

bool nono_caps_learn(const struct nono_caps *caps)
{
	return caps->learn;
}

void nono_caps_set_learn_meta(struct nono_caps *caps, bool on)
{
	caps->learn_meta = on;
}

bool nono_caps_learn_meta(const struct nono_caps *caps)
{
	return caps->learn_meta;
}

void nono_caps_set_gate(struct nono_caps *caps, bool on)
{
	caps->gate = on;
}

bool nono_caps_gate(const struct nono_caps *caps)
{
	return caps->gate;
}

void nono_caps_set_isolated_net(struct nono_caps *caps, uint16_t port)
{
	caps->isolated_net = port;
}

uint16_t nono_caps_isolated_net(const struct nono_caps *caps)
{
	return caps->isolated_net;
}

void nono_caps_set_unix_blocked(struct nono_caps *caps, bool on)
{
	caps->unix_blocked = on;
}

bool nono_caps_unix_blocked(const struct nono_caps *caps)
{
	return caps->unix_blocked;
}

bool nono_path_is_under(const char *path, const char *ancestor)
{
	size_t n = strlen(ancestor);

	if (strcmp(ancestor, "/") == 0)
		return path[0] == '/';
	if (strncmp(path, ancestor, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/';
}

bool nono_caps_allows(const struct nono_caps *caps, const char *path,
		      unsigned access, const struct nono_grant **grant)
{
	unsigned have = 0;
	const struct nono_grant *best = NULL;
	size_t i;

	if (grant)
		*grant = NULL;
	/*
	 * Landlock unions the rights of every rule on the way from the file
	 * to the root, so the answer is the union over all matching grants.
	 */
	for (i = 0; i < caps->ngrants; i++) {
		const struct nono_grant *g = &caps->grants[i];
		bool match;

		if (g->flags & NONO_GRANT_FILE)
			match = strcmp(g->path, path) == 0;
		else
			match = nono_path_is_under(path, g->path);
		if (!match)
			continue;
		have |= g->access;
		if (!best || strlen(g->path) > strlen(best->path))
			best = g;
	}
	if ((have & access) != access)
		return false;
	if (grant)
		*grant = best;
	return true;
}
