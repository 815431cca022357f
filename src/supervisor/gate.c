// SPDX-License-Identifier: Apache-2.0
/*
 * The AF_UNIX gate.  Landlock (up to ABI 7) does not mediate connect(2) on
 * socket files, so without this a sandboxed command could reach any socket
 * it can name: a tmux server, the D-Bus session bus, systemd --user, an
 * ssh-agent, docker.sock, each a way out of the sandbox.  The seccomp
 * filter sends connect and bind here; the supervisor reads the address,
 * decides, and does the connect or bind itself on a duplicate of the
 * sandbox's socket, so the kernel never re-reads memory the sandbox can
 * change after the check (SECCOMP_USER_NOTIF_FLAG_CONTINUE is used only for
 * non-AF_UNIX sockets, where the decision rests on the socket, not on the
 * address, and Landlock checks the real connect).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "nono/log.h"
#include "supervisor/gate.h"
#include "supervisor/gate_internal.h"
#include "supervisor/sockdiag.h"
#include "util/cleanup.h"

void nono_gate_note_denial(struct nono_gate *g, enum nono_gate_op op,
			   const char *path)
{
	struct nono_gate_denial *d;

	nono_debug("gate: refused %s %s",
		   op == NONO_GATE_CREATE    ? "creating"
		   : op == NONO_GATE_BIND    ? "bind"
		   : op == NONO_GATE_PROCESS ? "a call on"
		   : op == NONO_GATE_ATTR    ? "chmod/chown of"
		   : op == NONO_GATE_REPO    ? "a new repository"
		   : op == NONO_GATE_NET     ? "network"
		   : op == NONO_GATE_WRITE   ? "writing"
		   : op == NONO_GATE_ELEVATE ? "more access to"
					     : "connect",
		   path);
	if (g->observer)
		g->observer(g->observer_arg, op, path);
	if (g->ndenials >= NONO_GATE_MAX_DENIALS)
		return;
	for (size_t i = 0; i < g->ndenials; i++)
		if (g->denials[i].op == op &&
		    strcmp(g->denials[i].path, path) == 0)
			return;
	d = &g->denials[g->ndenials++];
	d->op = op;
	snprintf(d->path, sizeof(d->path), "%s", path);
}

void nono_gate_set_observer(struct nono_gate *g,
			    void (*fn)(void *arg, enum nono_gate_op op,
				       const char *object),
			    void *arg)
{
	g->observer = fn;
	g->observer_arg = arg;
}

const char *nono_gate_op_name(enum nono_gate_op op)
{
	switch (op) {
	case NONO_GATE_CONNECT:
		return "connect";
	case NONO_GATE_BIND:
		return "bind";
	case NONO_GATE_CREATE:
		return "create";
	case NONO_GATE_PROCESS:
		return "process";
	case NONO_GATE_ATTR:
		return "chmod";
	case NONO_GATE_REPO:
		return "new_repository";
	case NONO_GATE_NET:
		return "network";
	case NONO_GATE_WRITE:
		return "write";
	case NONO_GATE_ELEVATE:
		return "elevation";
	}
	return "?";
}

size_t nono_gate_denial_count(const struct nono_gate *g)
{
	return g->ndenials;
}

const struct nono_gate_denial *nono_gate_denial_at(const struct nono_gate *g,
						   size_t i)
{
	return i < g->ndenials ? &g->denials[i] : NULL;
}

int nono_gate_new(const struct nono_caps *caps, struct nono_gate **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->caps = caps;
	(*out)->diag[0] = (*out)->diag[1] = -1;
	(*out)->root = -1;
	/* The clock file times are taken from. */
	clock_gettime(CLOCK_REALTIME_COARSE, &(*out)->started);
	(*out)->own_umask = umask(022);
	umask((*out)->own_umask);
	for (size_t i = 0;
	     i < sizeof((*out)->umasks) / sizeof((*out)->umasks[0]); i++)
		(*out)->umasks[i].pidfd = -1;
	return 0;
}

void nono_gate_set_bypass(struct nono_gate *g, char *const *bypass, size_t n)
{
	g->bypass = bypass;
	g->nbypass = n;
}

void nono_gate_set_kept(struct nono_gate *g, char *const *kept, size_t n)
{
	g->kept = kept;
	g->nkept = n;
}

void nono_gate_set_netns_diag(struct nono_gate *g, int fd)
{
	if (g->diag[1] >= 0)
		close(g->diag[1]);
	g->diag[1] = fd;
}

void nono_gate_free(struct nono_gate *g)
{
	if (!g)
		return;
	for (int i = 0; i < 2; i++)
		if (g->diag[i] >= 0)
			close(g->diag[i]);
	if (g->root >= 0)
		close(g->root);
	nono_gate_umask_flush(g);
	for (size_t i = 0; i < g->learn_cap; i++)
		free(g->learned[i].path);
	free(g->learned);
	free(g->learn_net);
	free(g->learn_dns);
	nono_gate_elevate_free(g);
	free(g->own);
	free(g->paths);
	free(g->abstracts);
	free(g);
}

ino_t nono_gate_bound_path(const struct nono_gate *g, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < g->npaths; i++)
		if (g->paths[i].dev == dev && g->paths[i].ino == ino)
			return g->paths[i].sock;
	return 0;
}

ino_t nono_gate_bound_abstract(const struct nono_gate *g, const char *name,
			       size_t len)
{
	for (size_t i = 0; i < g->nabstracts; i++)
		if (g->abstracts[i].len == len &&
		    memcmp(g->abstracts[i].name, name, len) == 0)
			return g->abstracts[i].sock;
	return 0;
}

void nono_gate_forget(struct nono_gate *g, ino_t sock)
{
	for (size_t i = 0; i < g->npaths;)
		if (g->paths[i].sock == sock)
			g->paths[i] = g->paths[--g->npaths];
		else
			i++;
	for (size_t i = 0; i < g->nabstracts;)
		if (g->abstracts[i].sock == sock)
			g->abstracts[i] = g->abstracts[--g->nabstracts];
		else
			i++;
}

/* The diag socket of our own network namespace, opened on first use. */
static int diag_host(struct nono_gate *g)
{
	if (g->diag[0] < 0 && !g->diag_tried) {
		g->diag_tried = true;
		g->diag[0] = nono_sockdiag_open();
		if (g->diag[0] < 0)
			nono_warn("cannot query AF_UNIX sockets (sock_diag: "
				  "%s): socket connects through the gate "
				  "are refused",
				  strerror(-g->diag[0]));
	}
	return g->diag[0];
}

/* What the kernel says of socket @sock, in whichever namespace it lives
 * (ours, or the sandbox's own network namespace). */
static int sock_lookup(struct nono_gate *g, ino_t sock,
		       struct nono_unix_sock *out)
{
	int r = nono_sockdiag_get(diag_host(g), sock, out);

	if (r == -ENOENT && g->diag[1] >= 0)
		r = nono_sockdiag_get(g->diag[1], sock, out);
	return r;
}

/* Is the socket of record @i still alive and bound to what it records?
 * Without sock_diag nothing can be confirmed: no. */
static bool path_alive(struct nono_gate *g, const struct bound_path *b)
{
	struct nono_unix_sock s;

	/* The socket's own inode is unique while it lives, and a socket is
	 * bound once: the file's inode number confirms it.  (Its device
	 * number as the kernel reports it may differ from stat's.) */
	return sock_lookup(g, b->sock, &s) == 0 && s.has_vfs &&
	       s.vfs_ino == b->ino;
}

static bool abstract_alive(struct nono_gate *g, const struct bound_abstract *b)
{
	struct nono_unix_sock s;

	return sock_lookup(g, b->sock, &s) == 0 && s.abstract &&
	       s.namelen == b->len && memcmp(s.name, b->name, b->len) == 0;
}

/* Drops the records whose socket is gone; the tables are full. */
static void prune(struct nono_gate *g)
{
	for (size_t i = 0; i < g->npaths;)
		if (!path_alive(g, &g->paths[i]))
			g->paths[i] = g->paths[--g->npaths];
		else
			i++;
	for (size_t i = 0; i < g->nabstracts;)
		if (!abstract_alive(g, &g->abstracts[i]))
			g->abstracts[i] = g->abstracts[--g->nabstracts];
		else
			i++;
}

/* Room for one more record in a table of @size-byte entries. */
static int grow(void **tab, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *t;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	t = realloc(*tab, ncap * size);
	if (!t)
		return -ENOMEM;
	*tab = t;
	*cap = ncap;
	return 0;
}

int nono_gate_note_bound_path(struct nono_gate *g, dev_t dev, ino_t ino,
			      ino_t sock)
{
	struct bound_path *b;
	int r;

	for (size_t i = 0; i < g->npaths; i++) {
		if (g->paths[i].dev == dev && g->paths[i].ino == ino) {
			g->paths[i].sock = sock;
			return 0;
		}
	}
	if (g->npaths + g->nabstracts >= NONO_GATE_MAX_BOUND)
		prune(g);
	if (g->npaths + g->nabstracts >= NONO_GATE_MAX_BOUND)
		return -E2BIG;
	r = grow((void **)&g->paths, g->npaths, &g->cap_paths, sizeof(*b));
	if (r < 0)
		return r;
	b = &g->paths[g->npaths++];
	b->dev = dev;
	b->ino = ino;
	b->sock = sock;
	return 0;
}

int nono_gate_note_bound_abstract(struct nono_gate *g, const char *name,
				  size_t len, ino_t sock)
{
	struct bound_abstract *b;
	int r;

	if (len > sizeof(b->name))
		return -EINVAL;
	for (size_t i = 0; i < g->nabstracts; i++) {
		if (g->abstracts[i].len == len &&
		    memcmp(g->abstracts[i].name, name, len) == 0) {
			g->abstracts[i].sock = sock;
			return 0;
		}
	}
	if (g->npaths + g->nabstracts >= NONO_GATE_MAX_BOUND)
		prune(g);
	if (g->npaths + g->nabstracts >= NONO_GATE_MAX_BOUND)
		return -E2BIG;
	r = grow((void **)&g->abstracts, g->nabstracts, &g->cap_abstracts,
		 sizeof(*b));
	if (r < 0)
		return r;
	b = &g->abstracts[g->nabstracts++];
	memcpy(b->name, name, len);
	b->len = len;
	b->sock = sock;
	return 0;
}

bool nono_gate_under_mask(const struct nono_caps *caps, const char *path,
			  bool readonly_too)
{
	for (size_t i = 0; i < nono_caps_mask_count(caps); i++) {
		const struct nono_mask *m = nono_caps_mask_at(caps, i);

		/* A pinned directory stays writable; a private one is the
		 * sandbox's own copy, writable like the grant above it. */
		if (m->kind == NONO_MASK_PIN || m->kind == NONO_MASK_PRIVATE)
			continue;
		if (m->kind == NONO_MASK_READONLY && !readonly_too)
			continue;
		if (nono_path_is_under(path, m->path))
			return true;
	}
	return false;
}

static bool socket_granted(const struct nono_caps *caps, const char *path,
			   bool need_bind)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) : 0;

	for (size_t i = 0; i < nono_caps_socket_count(caps); i++) {
		const struct nono_sock_grant *s = nono_caps_socket_at(caps, i);
		bool match = false;

		if (need_bind && !s->bind)
			continue;
		switch (s->scope) {
		case NONO_SOCK_FILE:
			match = strcmp(s->path, path) == 0;
			break;
		case NONO_SOCK_DIR:
			/* Direct children only: the reference's contract. */
			match = (dirlen == 0
				     ? strcmp(s->path, "/") == 0
				     : strlen(s->path) == dirlen &&
					   strncmp(s->path, path, dirlen) == 0);
			break;
		case NONO_SOCK_SUBTREE:
			match = strcmp(s->path, path) != 0 &&
				nono_path_is_under(path, s->path);
			break;
		}
		if (match)
			return true;
	}
	return false;
}

/* A grant the user made (not nono's system list) covers @path. */
static bool user_grant_covers(const struct nono_caps *caps, const char *path)
{
	for (size_t i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		if (g->origin != NONO_ORIGIN_USER &&
		    g->origin != NONO_ORIGIN_CWD)
			continue;
		if (g->flags & NONO_GRANT_FILE
			? strcmp(g->path, path) == 0
			: nono_path_is_under(path, g->path))
			return true;
	}
	return false;
}

bool nono_gate_allows(const struct nono_gate *g, enum nono_gate_op op,
		      const char *path)
{
	const struct nono_caps *caps = g->caps;
	bool open_net = nono_caps_net(caps) == NONO_NET_ALLOW;
	char parent[PATH_MAX];
	char *slash;

	if (path[0] != '/')
		return false;
	if (op == NONO_GATE_CONNECT) {
		if (nono_gate_under_mask(caps, path, false))
			return false;
		if (socket_granted(caps, path, false))
			return true;
		/*
		 * With the network open, a plain grant covers the sockets in
		 * it (the reference's rule).  nono's own system grants do not:
		 * /tmp holds tmux and X11 sockets of the user's session.
		 */
		return open_net && user_grant_covers(caps, path);
	}
	if (nono_gate_under_mask(caps, path, true))
		return false;
	if (socket_granted(caps, path, true))
		return true;
	if (!open_net)
		return false;
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (!slash)
		return false;
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	/* What Landlock would allow: creating a socket file needs write on
	 * the directory. */
	return nono_caps_allows(caps, parent, NONO_ACCESS_WRITE, NULL);
}

/* Returned by a handler that answers the notification from a thread. */
#define ANSWERED_LATER 1

/* Connects waiting on a thread at once: a ceiling, so that a sandbox
 * piling up connects to a peer that never accepts cannot make the
 * supervisor spawn threads without bound (the next one gets EAGAIN).
 * Process-wide on purpose: the threads are, and they may outlive the gate
 * object that started them (the process exits right after). */
#define MAX_WAITING_CONNECTS 64
static _Atomic int waiting_connects;

struct connect_job {
	int listener;
	__u64 id;
	int sfd;
	int keepfd; /* an O_PATH fd the address refers to, or -1 */
	struct sockaddr_storage addr;
	socklen_t len;
};

static void *connect_thread(void *arg)
{
	struct connect_job *job = arg;
	struct seccomp_notif_resp resp = {.id = job->id};

	if (connect(job->sfd, (struct sockaddr *)&job->addr, job->len) < 0)
		resp.error = -errno;
	/* ENOENT: the task died meanwhile; nothing to answer. */
	notif_ioctl(job->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	close(job->sfd);
	if (job->keepfd >= 0)
		close(job->keepfd);
	free(job);
	waiting_connects--;
	return NULL;
}

/*
 * Connects @sfd to @addr for the sandbox (when @keepfd >= 0, @addr is the
 * AF_UNIX name "/proc/self/fd/<keepfd>" of an O_PATH fd of the socket).  A
 * non-blocking socket answers at once; a blocking one may wait for a slow peer,
 * so a thread waits for it and answers the notification itself
 * (ANSWERED_LATER), leaving the supervisor free for the sandbox's other calls
 * and for signals.
 */
int nono_gate_connect_addr(int listener, __u64 id, int sfd, const void *addr,
			   socklen_t len, int keepfd)
{
	struct connect_job *job;
	pthread_attr_t attr;
	pthread_t t;
	int fl = fcntl(sfd, F_GETFL);

	if (fl < 0 || (fl & O_NONBLOCK) || len > sizeof(job->addr))
		return connect(sfd, addr, len) < 0 ? -errno : 0;
	if (waiting_connects >= MAX_WAITING_CONNECTS)
		return -EAGAIN;
	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	job->listener = listener;
	job->id = id;
	job->len = len;
	memcpy(&job->addr, addr, len);
	job->sfd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
	job->keepfd = keepfd >= 0 ? fcntl(keepfd, F_DUPFD_CLOEXEC, 3) : -1;
	if (job->sfd < 0 || (keepfd >= 0 && job->keepfd < 0) ||
	    pthread_attr_init(&attr) != 0)
		goto sync;
	if (keepfd >= 0) {
		/* The address names our fd by number: name the thread's own
		 * copy, which outlives the caller's. */
		struct sockaddr_un *sun = (struct sockaddr_un *)&job->addr;

		memset(sun, 0, sizeof(*sun));
		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path),
			 "/proc/self/fd/%d", job->keepfd);
		job->len = sizeof(*sun);
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	waiting_connects++;
	if (pthread_create(&t, &attr, connect_thread, job) != 0) {
		waiting_connects--;
		pthread_attr_destroy(&attr);
		goto sync;
	}
	pthread_attr_destroy(&attr);
	return ANSWERED_LATER;
sync:
	if (job->sfd >= 0)
		close(job->sfd);
	if (job->keepfd >= 0)
		close(job->keepfd);
	free(job);
	return connect(sfd, addr, len) < 0 ? -errno : 0;
}

/* Did the sandbox bind the socket at file inode @st itself, and does that
 * socket still hold it? */
static bool own_path_socket(struct nono_gate *g, const struct stat *st)
{
	ino_t sock = nono_gate_bound_path(g, st->st_dev, st->st_ino);
	struct bound_path b = {st->st_dev, st->st_ino, sock};

	if (!sock)
		return false;
	if (path_alive(g, &b))
		return true;
	/* Gone: the inode number may come back on another file. */
	nono_gate_forget(g, sock);
	return false;
}

/* Longest chain of symlinks followed resolving a bound name (as the
 * kernel's own limit). */
#define MAX_LINKS 40

/*
 * Opens the absolute name @name as we (not the sandbox) see it, one
 * component at a time, following a symlink only where the sandbox cannot
 * have planted it: in a directory it may not write.  Otherwise it could
 * move the directory a socket was bound in (the user's /tmp/ssh-XXXX) into
 * its grant and leave a symlink behind, so that the name the socket was
 * bound with leads there.  Returns an O_PATH fd or -errno.
 */
static int open_bound_name(const struct nono_caps *caps, const char *name)
{
	char rest[2 * PATH_MAX], link[PATH_MAX], dir[PATH_MAX];
	nono_autoclose int cur = -1;
	char *p = rest;
	int links = 0;

	if (name[0] != '/' || strlen(name) >= sizeof(rest))
		return -EINVAL;
	snprintf(rest, sizeof(rest), "%s", name);
	cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	for (;;) {
		nono_autoclose int next = -1;
		char *comp, *slash;
		struct stat st;
		ssize_t n;

		while (*p == '/')
			p++;
		if (!*p)
			return nono_steal_fd(&cur);
		comp = p;
		slash = strchr(p, '/');
		if (slash) {
			*slash = '\0';
			p = slash + 1;
		} else {
			p += strlen(p);
		}
		if (strcmp(comp, ".") == 0)
			continue;
		next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 || fstat(next, &st) < 0)
			return -errno;
		if (!S_ISLNK(st.st_mode)) {
			close(cur);
			cur = nono_steal_fd(&next);
			continue;
		}
		if (++links > MAX_LINKS)
			return -ELOOP;
		if (nono_gate_fd_path(cur, dir, sizeof(dir)) < 0 ||
		    nono_caps_allows(caps, dir, NONO_ACCESS_WRITE, NULL))
			return -EACCES; /* the sandbox could have made it */
		n = readlinkat(next, "", link, sizeof(link) - 1);
		if (n <= 0)
			return n < 0 ? -errno : -ENOENT;
		link[n] = '\0';
		/* The link's target, then what was left of the name. */
		if (strlen(link) + 1 + strlen(p) >= sizeof(rest))
			return -ENAMETOOLONG;
		memmove(rest + n + 1, p, strlen(p) + 1);
		memcpy(rest, link, (size_t)n);
		rest[n] = '/';
		p = rest;
		if (link[0] == '/') {
			close(cur);
			cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (cur < 0)
				return -errno;
		}
	}
}

/*
 * A socket someone else bound, which the sandbox names at @canon (allowed
 * by the policy).  The sandbox can rename or hard-link a socket it can
 * reach in its writable /tmp (the user's ssh-agent) into a granted
 * directory, so the path it names proves nothing: the decision is made on
 * where the socket was bound.  The kernel keeps the name the binder used;
 * that name must still lead to this very inode (see open_bound_name), and
 * the place it leads to must be one the policy allows.  A relative name
 * cannot be placed (the binder's cwd is unknown): refused.  Returns 0, or
 * the errno for the sandbox.
 */
#define MAX_CANDIDATES 4
/* Where the listener of the socket @st bound it, checked to lead to this
 * very inode still: 0 and @where, or -errno (-ECONNREFUSED: nobody
 * listens; -EACCES: it cannot be placed). */
static int bound_where(struct nono_gate *g, const struct stat *st,
		       const char *canon, char *where, size_t len)
{
	struct nono_unix_sock s[MAX_CANDIDATES];
	int n;

	n = nono_sockdiag_find_listeners(diag_host(g), st->st_dev, st->st_ino,
					 s, MAX_CANDIDATES);
	if (n < 0)
		return -EACCES;
	if (n == 0) {
		/* Nothing listens (a stale socket file), or the listener is
		 * in another network namespace, where we cannot see it. */
		nono_debug("gate: no listener of ours at %s", canon);
		return -ECONNREFUSED;
	}
	for (int i = 0; i < n; i++) {
		nono_autoclose int fd = -1;
		struct stat bst;

		if (s[i].abstract || s[i].name[0] != '/')
			continue;
		fd = open_bound_name(g->caps, s[i].name);
		if (fd < 0 || fstat(fd, &bst) < 0 || bst.st_dev != st->st_dev ||
		    bst.st_ino != st->st_ino ||
		    nono_gate_fd_path(fd, where, len) < 0)
			continue;
		return 0;
	}
	nono_debug("gate: %s is not where its listener bound it", canon);
	return -EACCES;
}

static int bound_in_place(struct nono_gate *g, const struct stat *st,
			  const char *canon)
{
	char where[PATH_MAX];
	int r = bound_where(g, st, canon, where, sizeof(where));

	if (r < 0)
		return r;
	if (strcmp(where, canon) == 0 ||
	    (!nono_gate_under_mask(g->caps, where, false) &&
	     nono_gate_allows(g, NONO_GATE_CONNECT, where)))
		return 0;
	nono_debug("gate: %s is the socket bound at %s", canon, where);
	return -EACCES;
}

int nono_gate_connect_fd(int listener, __u64 id, int sfd, int pfd)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/proc/self/fd/%d", pfd);
	return nono_gate_connect_addr(listener, id, sfd, &sun, sizeof(sun),
				      pfd);
}

/* A refused connect to the socket @st (pinned by @pfd), under capability
 * elevation: asked about by the name its listener bound it at (a link or
 * a rename of it elsewhere says nothing).  ANSWERED_LATER when elevation
 * took it, else -EACCES. */
static int elevate_connect(struct nono_gate *g, int listener,
			   const struct seccomp_notif *req, int sfd, int pfd,
			   const struct stat *st, const char *canon)
{
	char where[PATH_MAX];

	if (!g->elevate || !S_ISSOCK(st->st_mode) ||
	    bound_where(g, st, canon, where, sizeof(where)) < 0 ||
	    nono_gate_under_mask(g->caps, where, false))
		return -EACCES;
	switch (nono_elevate_socket(g, listener, req, sfd, pfd, where)) {
	case NONO_ELEVATE_PARKED:
	case NONO_ELEVATE_ANSWERED:
		return ANSWERED_LATER;
	default:
		return -EACCES;
	}
}

static int do_connect_path(struct nono_gate *g, int listener,
			   const struct seccomp_notif *req, int sfd,
			   const char *abs)
{
	pid_t pid = req->pid;
	nono_autoclose int pfd = -1;
	char canon[PATH_MAX];
	struct stat st;
	int r;

	/* Resolved in the task's own view (its masks apply), then pinned:
	 * every check below is made on this inode, and we connect through
	 * the fd, so nothing swapped in after the check can redirect us. */
	pfd = nono_gate_open_in_task(g, pid, abs, O_PATH);
	if (pfd < 0)
		return pfd;
	r = nono_gate_fd_path(pfd, canon, sizeof(canon));
	if (r < 0)
		return r;
	if (fstat(pfd, &st) < 0)
		return -errno;
	if (nono_gate_under_mask(g->caps, abs, false) ||
	    nono_gate_under_mask(g->caps, canon, false)) {
		nono_gate_note_denial(g, NONO_GATE_CONNECT, canon);
		return -EACCES;
	}
	if (S_ISSOCK(st.st_mode) && own_path_socket(g, &st))
		goto connect;
	if (!nono_gate_allows(g, NONO_GATE_CONNECT, canon)) {
		r = elevate_connect(g, listener, req, sfd, pfd, &st, canon);
		if (r == ANSWERED_LATER)
			return r;
		nono_gate_note_denial(g, NONO_GATE_CONNECT, canon);
		return -EACCES;
	}
	if (!S_ISSOCK(st.st_mode))
		return -ECONNREFUSED;
	r = bound_in_place(g, &st, canon);
	if (r == -EACCES && elevate_connect(g, listener, req, sfd, pfd, &st,
					    canon) == ANSWERED_LATER)
		return ANSWERED_LATER;
	if (r == -EACCES)
		nono_gate_note_denial(g, NONO_GATE_CONNECT, canon);
	if (r < 0)
		return r;
connect:
	return nono_gate_connect_fd(listener, req->id, sfd, pfd);
}

/*
 * Records the socket @sfd, which the gate just bound, by what the kernel
 * says its bind created.  For a path, the file is also looked up where we
 * created it (@dfd, @name): stat(2) may report another device number than
 * the kernel's superblock (btrfs subvolumes), and the record must match
 * what a later stat of the path gives; a file found there that is not this
 * socket's (the sandbox swapped it already) is not recorded.  A failure
 * leaves the socket unrecorded: the sandbox's own connects to it are then
 * refused, never someone else's let through.
 */
void nono_gate_note_own(struct nono_gate *g, int sfd, int dfd, const char *name)
{
	struct nono_unix_sock s;
	struct stat st;
	int r = -EINVAL;

	if (fstat(sfd, &st) < 0 || sock_lookup(g, st.st_ino, &s) < 0) {
		nono_debug("gate: cannot identify a socket the sandbox bound");
		return;
	}
	if (s.has_vfs && dfd >= 0) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode) && st.st_ino == s.vfs_ino)
			r = nono_gate_note_bound_path(g, st.st_dev, st.st_ino,
						      s.sock);
	} else if (s.abstract) {
		r = nono_gate_note_bound_abstract(g, s.name, s.namelen, s.sock);
	}
	if (r < 0)
		nono_debug("gate: cannot record a socket the sandbox bound: %s",
			   strerror(-r));
}

static int do_bind_path(struct nono_gate *g, pid_t pid, int sfd,
			const char *abs)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	nono_autoclose int dfd = -1;
	char full[PATH_MAX], parent[PATH_MAX], dir[PATH_MAX];
	const char *name;
	char *slash;
	int r;

	snprintf(parent, sizeof(parent), "%s", abs);
	slash = strrchr(parent, '/');
	if (!slash || !slash[1] || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		return -EINVAL;
	*slash = '\0';
	name = slash + 1;
	dfd = nono_gate_open_in_task(g, pid, parent[0] ? parent : "/",
				     O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return dfd;
	r = nono_gate_fd_path(dfd, dir, sizeof(dir));
	if (r < 0)
		return r;
	if ((size_t)snprintf(full, sizeof(full), "%s/%s",
			     strcmp(dir, "/") == 0 ? "" : dir,
			     name) >= sizeof(full))
		return -ENAMETOOLONG;
	if (nono_gate_under_mask(g->caps, abs, true) ||
	    !nono_gate_allows(g, NONO_GATE_BIND, full)) {
		nono_gate_note_denial(g, NONO_GATE_BIND, full);
		return -EACCES;
	}
	/* A socket file is a name like any other: not ~/.ssh, ~/.gitconfig
	 * or .git/hooks where the guards refuse them (the bind was ours, so
	 * Landlock's refusal of new names there did not apply). */
	if (nono_fsgate_refuses_name(g, dfd, dir, name))
		return -EACCES;
	/* Created through the task's view of the directory: a read-only
	 * mask there refuses us as it would refuse the task. */
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path),
			     "/proc/self/fd/%d/%s", dfd,
			     name) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	if (bind(sfd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -errno;
	nono_gate_note_own(g, sfd, dfd, name);
	return 0;
}

int nono_gate_parse_addr(const void *buf, size_t len, enum nono_addr_kind *kind,
			 char *name, size_t *namelen)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	const unsigned char *b = buf;
	sa_family_t fam;
	size_t n;

	*kind = NONO_ADDR_UNNAMED;
	*namelen = 0;
	name[0] = '\0';
	if (len < sizeof(sa_family_t) || len > sizeof(struct sockaddr_un))
		return -EINVAL;
	memcpy(&fam, b, sizeof(fam));
	if (fam != AF_UNIX)
		return -EINVAL;
	n = len - off;
	if (n == 0)
		return 0;
	if (b[off] == '\0') {
		*kind = NONO_ADDR_ABSTRACT;
		*namelen = n - 1;
		memcpy(name, b + off + 1, n - 1);
		name[n - 1] = '\0';
		return 0;
	}
	/* A path ends at the first NUL or at the end of the address. */
	for (*namelen = 0; *namelen < n && b[off + *namelen]; (*namelen)++)
		name[*namelen] = (char)b[off + *namelen];
	name[*namelen] = '\0';
	*kind = NONO_ADDR_PATH;
	return 0;
}

/* Copies the address argument (@len bytes) of the notified call, then
 * checks the call is still pending (so the bytes are the caller's). */
int nono_gate_read_addr(int listener, const struct seccomp_notif *req,
			void *buf, socklen_t len)
{
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {
	    .iov_base = (void *)(uintptr_t)req->data.args[1],
	    .iov_len = len,
	};

	if (len && process_vm_readv(req->pid, &local, 1, &remote, 1, 0) !=
		       (ssize_t)len)
		return -EFAULT;
	return nono_gate_still_valid(listener, req->id) ? 0 : -ESRCH;
}

/* Decides one AF_UNIX connect/bind; returns the errno for the caller. */
static int handle_unix(struct nono_gate *g, int listener,
		       const struct seccomp_notif *req, int sfd, bool is_bind)
{
	struct sockaddr_un sun;
	socklen_t len = (socklen_t)(req->data.args[2] & 0xffffffffu);
	char name[sizeof(sun.sun_path) + 1], abs[PATH_MAX];
	enum nono_addr_kind kind;
	size_t n;
	int r;

	if (len < sizeof(sa_family_t) || len > sizeof(sun))
		return -EINVAL;
	memset(&sun, 0, sizeof(sun));
	r = nono_gate_read_addr(listener, req, &sun, len);
	if (r < 0)
		return r;
	r = nono_gate_parse_addr(&sun, len, &kind, name, &n);
	if (r < 0)
		return r;
	if (kind == NONO_ADDR_UNNAMED) {
		/* bind with no name: autobind to a fresh abstract name. */
		if (!is_bind)
			return -EINVAL;
		if (bind(sfd, (struct sockaddr *)&sun, len) < 0)
			return -errno;
		nono_gate_note_own(g, sfd, -1, NULL);
		return 0;
	}
	if (kind == NONO_ADDR_ABSTRACT) {
		/*
		 * Abstract names are not files: never grantable, and a name
		 * of their own (bind("\0/run/docker.sock") says nothing about
		 * the path /run/docker.sock).  The sandbox may talk to the
		 * sockets it bound itself, while they hold their name: once
		 * one is closed, the same name bound outside is someone
		 * else's.  Connecting from here to any other would also skip
		 * Landlock's abstract scoping.
		 */
		ino_t own;

		if (is_bind) {
			if (bind(sfd, (struct sockaddr *)&sun, len) < 0)
				return -errno;
			nono_gate_note_own(g, sfd, -1, NULL);
			return 0;
		}
		own = nono_gate_bound_abstract(g, name, n);
		if (own) {
			struct bound_abstract b = {.len = n, .sock = own};

			memcpy(b.name, name, n);
			if (abstract_alive(g, &b))
				return nono_gate_connect_addr(
				    listener, req->id, sfd, &sun, len, -1);
			nono_gate_forget(g, own);
		}
		{
			char shown[112];

			/* Abstract names may hold any byte: show the text up
			 * to the first NUL only. */
			snprintf(shown, sizeof(shown), "@%s", name);
			nono_gate_note_denial(g, NONO_GATE_CONNECT, shown);
			return -EACCES;
		}
	}
	r = nono_gate_absolutise(req->pid, name, abs, sizeof(abs));
	if (r < 0)
		return r;
	return is_bind ? do_bind_path(g, req->pid, sfd, abs)
		       : do_connect_path(g, listener, req, sfd, abs);
}

int nono_gate_serve(struct nono_gate *g, int listener)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	nono_autoclose int pidfd = -1;
	nono_autoclose int sfd = -1;
	int domain = 0;
	socklen_t dl = sizeof(domain);
	bool is_bind;
	int r;

	memset(&req, 0, sizeof(req));
	if (notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -errno;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	nono_gate_learn_root(g, listener, req.pid, req.id);
	if (g->learn && nono_learngate_dns_call(req.data.nr)) {
		/* Read for the names it asks; the kernel's to send. */
		nono_learngate_dns(g, listener, &req);
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		goto send;
	}
	if (g->learn) {
		switch (nono_learngate_handle(g, listener, &req)) {
		case NONO_LEARN_KERNEL:
			/* Recorded; the kernel decides, as without
			 * learning. */
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			goto send;
		case NONO_LEARN_ANSWERED:
			return 0; /* served, its fd injected */
		case NONO_LEARN_GATE:
			break;
		}
	}
	if (g->elevate) {
		switch (nono_elevate_handle(g, listener, &req)) {
		case NONO_ELEVATE_PARKED:   /* answered once the user is */
		case NONO_ELEVATE_ANSWERED: /* performed, or refused */
			return 0;
		case NONO_ELEVATE_NOT_MINE:
			/* Within the grants: as without elevation, where the
			 * filter would not have sent it here, the kernel's. */
			if (nono_elevate_heard(req.data.nr) &&
			    !nono_learngate_gate_decides(g, &req)) {
				resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
				goto send;
			}
			break;
		}
	}
	is_bind = req.data.nr == __NR_bind;
	if (nono_procgate_handles(req.data.nr)) {
		nono_gate_release_lowered();
		nono_procgate_handle(g, listener, &req, &resp);
		goto send;
	}
	if (nono_attrgate_handles(req.data.nr)) {
		nono_gate_release_lowered();
		nono_attrgate_handle(g, listener, &req, &resp);
		goto send;
	}
	if (req.data.nr != __NR_connect && !is_bind &&
	    req.data.nr != __NR_listen) {
		/* Everything else the filter sends here creates a name or
		 * writes: performed with the sandbox's permissions. */
		int answered;

		if (nono_gate_hold_lowered() < 0) {
			resp.error = -EPERM;
			goto send;
		}
		answered = nono_fsgate_handle(g, listener, &req, &resp);
		if (answered)
			return 0; /* answered with the injected fd */
		goto send;
	}
	/* Sockets too are bound and connected with the sandbox's permission
	 * checks (review: as root, bind(2) made a socket in another user's
	 * 0555 directory, and connect(2) reached their 0600 socket); a
	 * connect that waits does so on a thread that inherits this. */
	if (nono_gate_hold_lowered() < 0) {
		resp.error = -EPERM;
		goto send;
	}
	pidfd = nono_gate_pidfd(req.pid);
	if (pidfd < 0 || !nono_gate_still_valid(listener, req.id)) {
		resp.error = -ESRCH;
		goto send;
	}
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd,
			   (int)(req.data.args[0] & 0xffffffffu), 0);
	if (sfd < 0) {
		resp.error = errno == EBADF ? -EBADF : -EACCES;
		goto send;
	}
	if (getsockopt(sfd, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0) {
		resp.error = -errno;
		goto send;
	}
	/*
	 * Never CONTINUE: the kernel would look the fd up again, and another
	 * thread may have put an AF_UNIX socket under that number meanwhile.
	 * Every connect and bind is performed here, on the socket we checked,
	 * with the address we copied.
	 */
	if (req.data.nr == __NR_listen)
		r = nono_netgate_listen(g, &req, sfd, domain);
	else if (domain != AF_UNIX)
		r = nono_netgate_inet(g, listener, &req, sfd, is_bind);
	else
		r = handle_unix(g, listener, &req, sfd, is_bind);
	if (r == ANSWERED_LATER)
		return 0;
	resp.error = r;
send:
	if (notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 &&
	    errno != ENOENT)
		return -errno;
	return 0;
}
