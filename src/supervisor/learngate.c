// SPDX-License-Identifier: Apache-2.0
/*
 * nono learn's recorder in the gate: every call that names a path comes
 * here first (the filter's learn variant); its paths are made absolute as
 * the calling task names them (its working directory, its directory fds)
 * and recorded with what the call does to them.  The call then goes on
 * as it would have without learning: to the gate's own decision when the
 * gate decides such a call, else back to the kernel (CONTINUE), where
 * Landlock meets it exactly as before.  Recording decides nothing, so
 * that a task rewriting its path buffer after we read it can only make
 * the record wrong, never an access allowed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "learn/calls.h"
#include "learn/dns.h"
#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

/* At most this many distinct paths, and this many bytes of them, are
 * kept (a command naming a million 4 KiB paths must not take the
 * supervisor's memory); past it they are counted. */
#define LEARN_MAX (1u << 20)
#define LEARN_MAX_BYTES ((size_t)64 << 20)

/* FNV-1a from a per-gate seed: names the command crafts to collide do
 * not line up in another run. */
static uint64_t str_hash(const struct nono_gate *g, const char *s)
{
	uint64_t h = 1469598103934665603ULL ^ g->learn_seed;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int learned_grow(struct nono_gate *g)
{
	size_t cap = g->learn_cap ? g->learn_cap * 2 : 1024;
	struct nono_learned *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < g->learn_cap; i++) {
		size_t k;

		if (!g->learned[i].path)
			continue;
		for (k = str_hash(g, g->learned[i].path) & (cap - 1); t[k].path;
		     k = (k + 1) & (cap - 1))
			;
		t[k] = g->learned[i];
	}
	free(g->learned);
	g->learned = t;
	g->learn_cap = cap;
	return 0;
}

static void learned_add(struct nono_gate *g, const char *path, unsigned ops,
			bool nofollow)
{
	size_t k;

	/* A path already kept takes the new ops even when the table is
	 * full. */
	for (k = g->learn_cap ? str_hash(g, path) & (g->learn_cap - 1) : 0;
	     g->learn_cap && g->learned[k].path;
	     k = (k + 1) & (g->learn_cap - 1))
		if (strcmp(g->learned[k].path, path) == 0) {
			g->learned[k].ops |= ops;
			g->learned[k].nofollow |= nofollow;
			return;
		}
	if ((g->learn_n + 1) * 2 > g->learn_cap) {
		if (g->learn_n >= LEARN_MAX || learned_grow(g) < 0) {
			g->learn_dropped++;
			return;
		}
		for (k = str_hash(g, path) & (g->learn_cap - 1);
		     g->learned[k].path; k = (k + 1) & (g->learn_cap - 1))
			;
	}
	if (g->learn_bytes + strlen(path) + 1 > LEARN_MAX_BYTES ||
	    !(g->learned[k].path = strdup(path))) {
		g->learn_dropped++;
		return;
	}
	g->learn_bytes += strlen(path) + 1;
	g->learned[k].ops = ops;
	g->learned[k].nofollow = nofollow;
	g->learn_n++;
}

/* Records the path of @ref for the task of @req (@pidfd reaches its
 * fds). */
static bool record(struct nono_gate *g, const struct seccomp_notif *req,
		   int pidfd, const struct learn_ref *ref, char *abs,
		   uint64_t *flags)
{
	char path[PATH_MAX];
	unsigned ops = ref->ops;

	if (ref->how) {
		struct open_how how;
		struct iovec l = {&how, sizeof(how)};
		struct iovec r = {(void *)(uintptr_t)ref->how, sizeof(how)};

		if (process_vm_readv(req->pid, &l, 1, &r, 1, 0) !=
		    (ssize_t)sizeof(how)) {
			g->learn_dropped++;
			return false;
		}
		ops = learn_open_ops(how.flags);
		*flags = how.flags;
	}
	if (ref->addr == 0) {
		path[0] = '\0'; /* the directory fd itself (utimensat) */
	} else if (nono_gate_read_string(req->pid, ref->addr, path,
					 sizeof(path)) < 0) {
		g->learn_dropped++;
		return false;
	}
	if (path[0] == '\0' && ref->addr && !ref->empty_ok) {
		g->learn_metadata++; /* ENOENT before any lookup */
		return false;
	}
	if (path[0] == '\0' && ref->dirfd != AT_FDCWD) {
		/* AT_EMPTY_PATH, or a NULL path: the fd itself. */
		nono_autoclose int fd =
		    (int)syscall(SYS_pidfd_getfd, pidfd, ref->dirfd, 0);
		int r = fd < 0 ? -errno : nono_gate_fd_path(fd, abs, PATH_MAX);

		/* A pipe, a socket, a deleted file: no path a grant names
		 * (fstat of the command's stdout). */
		if (r == -ENOENT) {
			g->learn_metadata++;
			return false;
		}
		if (r < 0) {
			abs[0] = '\0';
			g->learn_dropped++;
			return false;
		}
	} else if (nono_gate_task_abs(req->pid, pidfd, ref->dirfd,
				      path[0] ? path : ".", abs,
				      PATH_MAX) < 0) {
		g->learn_dropped++;
		return false;
	}
	/* An open with O_CREAT of a file that is there creates nothing
	 * (curl -o /dev/null): a write of the file, not a name made in its
	 * directory (which offered --write /dev).  Looked at before the
	 * call runs; another thread may make it meanwhile (learn reports,
	 * it does not enforce). */
	if ((ops & (LEARN_MAKE | LEARN_WRITE)) == (LEARN_MAKE | LEARN_WRITE)) {
		struct stat st;

		if (fstatat(AT_FDCWD, abs, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode))
			ops &= ~LEARN_MAKE;
	}
	/* So does a mkdir of a directory that is there (mkdir -p walks every
	 * component: it offered --write for each parent). */
	if (ops == LEARN_MAKE && (req->data.nr == __NR_mkdirat
#ifdef __NR_mkdir
				  || req->data.nr == __NR_mkdir
#endif
				  )) {
		struct stat st;

		if (fstatat(AT_FDCWD, abs, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			ops = LEARN_STAT;
	}
	learned_add(g, abs, ops, !ref->follow);
	return true;
}

/* Would the gate have heard @req without learning (the filter's other
 * rules, src/core/seccomp_rules.c)?  Then it goes on to the gate. */
bool nono_learngate_gate_decides(const struct nono_gate *g,
				 const struct seccomp_notif *req)
{
	bool create = nono_caps_guard_count(g->caps) > 0;
	bool write = create || nono_caps_proc_self_write(g->caps);
	int nr = req->data.nr;
	uint64_t fl = 0;

	if (nono_procgate_handles(nr) || nono_attrgate_handles(nr))
		return true;
#ifdef __NR_open
	if (nr == __NR_open)
		fl = req->data.args[1];
#endif
	if (nr == __NR_openat)
		fl = req->data.args[2];
	if (
#ifdef __NR_open
	    nr == __NR_open ||
#endif
	    nr == __NR_openat)
		return (create && (fl & O_CREAT)) ||
		       (write &&
			((fl & O_TRUNC) || (fl & O_ACCMODE) == O_WRONLY ||
			 (fl & O_ACCMODE) == O_RDWR));
	if (!create)
		return false;
	switch (nr) {
#ifdef __NR_creat
	case __NR_creat:
#endif
#ifdef __NR_mkdir
	case __NR_mkdir:
#endif
#ifdef __NR_symlink
	case __NR_symlink:
#endif
#ifdef __NR_link
	case __NR_link:
#endif
#ifdef __NR_rename
	case __NR_rename:
#endif
#ifdef __NR_renameat
	case __NR_renameat:
#endif
#ifdef __NR_mknod
	case __NR_mknod:
#endif
	case __NR_mkdirat:
	case __NR_symlinkat:
	case __NR_linkat:
	case __NR_renameat2:
	case __NR_mknodat:
	case __NR_truncate:
	case __NR_openat2:
		return true;
	default:
		return false;
	}
}

/* The open flags of @req when it is a plain open (openat2's come from
 * its struct open_how, read while recording); -1 otherwise. */
static int64_t open_flags(const struct seccomp_notif *req, uint64_t how)
{
#ifdef __NR_open
	if (req->data.nr == __NR_open)
		return (int64_t)(req->data.args[1] & 0xffffffffu);
#endif
	if (req->data.nr == __NR_openat)
		return (int64_t)(req->data.args[2] & 0xffffffffu);
	if (req->data.nr == __NR_openat2 && how != UINT64_MAX)
		return (int64_t)how;
	return -1;
}

static bool is_creat(int nr)
{
#ifdef __NR_creat
	return nr == __NR_creat;
#else
	(void)nr;
	return false;
#endif
}

enum nono_learn_next nono_learngate_handle(struct nono_gate *g, int listener,
					   const struct seccomp_notif *req)
{
	struct learn_ref refs[2];
	uint64_t args[6], how = UINT64_MAX;
	char abs[2][PATH_MAX];
	nono_autoclose int pidfd = -1;
	int64_t fl;
	size_t n;

	for (int i = 0; i < 6; i++)
		args[i] = req->data.args[i];
	n = learn_call_refs(req->data.nr, args, refs, NULL);
	if (!n)
		return NONO_LEARN_GATE; /* not a path call: the gate's as ever
					 */
	abs[0][0] = '\0';
	pidfd = nono_gate_pidfd(req->pid);
	if (pidfd >= 0 && nono_gate_still_valid(listener, req->id)) {
		for (size_t i = 0; i < n; i++)
			if (!record(g, req, pidfd, &refs[i], abs[i], &how))
				abs[i][0] = '\0';
	} else {
		g->learn_dropped++;
	}
	if (nono_learngate_gate_decides(g, req))
		return NONO_LEARN_GATE;
	fl = open_flags(req, how);
	if (fl >= 0 && abs[0][0] &&
	    nono_learnserve_open(g, listener, req, abs[0], (uint64_t)fl))
		return NONO_LEARN_ANSWERED;
	/* An open that writes beyond the grants: a throwaway copy, by
	 * elevation's checks (elevate.c, scratch()).  Name calls, and a pure
	 * read learnserve did not serve, stay refused. */
	if (g->elevate && ((fl >= 0 && ((fl & O_ACCMODE) != O_RDONLY ||
					(fl & (O_CREAT | O_TRUNC)))) ||
			   is_creat(req->data.nr))) {
		switch (nono_elevate_handle(g, listener, req)) {
		case NONO_ELEVATE_ANSWERED:
		case NONO_ELEVATE_PARKED:
			return NONO_LEARN_ANSWERED;
		case NONO_ELEVATE_NOT_MINE:
			break;
		}
	}
	return NONO_LEARN_KERNEL;
}

void nono_gate_set_learn(struct nono_gate *g, bool on)
{
	g->learn = on;
	if (on && getrandom(&g->learn_seed, sizeof(g->learn_seed), 0) !=
		      (ssize_t)sizeof(g->learn_seed))
		g->learn_seed = (uint64_t)(uintptr_t)g ^ (uint64_t)getpid();
}

size_t nono_gate_learned_count(const struct nono_gate *g)
{
	return g->learn_cap;
}

const char *nono_gate_learned_at(const struct nono_gate *g, size_t i,
				 unsigned *ops, bool *nofollow)
{
	if (i >= g->learn_cap || !g->learned[i].path)
		return NULL;
	*ops = g->learned[i].ops;
	*nofollow = g->learned[i].nofollow;
	return g->learned[i].path;
}

#define LEARN_NET_MAX 1024

void nono_learngate_net(struct nono_gate *g, const char *what)
{
	size_t i;

	for (i = 0; i < g->learn_net_n; i++)
		if (strcmp(g->learn_net[i].what, what) == 0) {
			g->learn_net[i].uses++;
			return;
		}
	if (!g->learn_net &&
	    !(g->learn_net = calloc(LEARN_NET_MAX, sizeof(*g->learn_net)))) {
		g->learn_dropped++;
		return;
	}
	if (g->learn_net_n == LEARN_NET_MAX) {
		g->learn_dropped++;
		return;
	}
	snprintf(g->learn_net[i].what, sizeof(g->learn_net[i].what), "%s",
		 what);
	g->learn_net[i].uses = 1;
	g->learn_net_n++;
}

bool nono_gate_net_parse(const char *what, struct nono_gate_net *n)
{
	memset(n, 0, sizeof(*n));
	if (sscanf(what, "%15s %63s %u", n->op, n->addr, &n->port) != 3)
		return false;
	n->loopback = strncmp(n->addr, "127.", 4) == 0 ||
		      strcmp(n->addr, "::1") == 0 ||
		      strncmp(n->addr, "::ffff:127.", 11) == 0;
	return true;
}

size_t nono_gate_learned_net_count(const struct nono_gate *g)
{
	return g->learn_net_n;
}

const char *nono_gate_learned_net_at(const struct nono_gate *g, size_t i,
				     size_t *uses)
{
	if (i >= g->learn_net_n)
		return NULL;
	*uses = g->learn_net[i].uses;
	return g->learn_net[i].what;
}

size_t nono_gate_learn_dropped(const struct nono_gate *g)
{
	return g->learn_dropped;
}

size_t nono_gate_learn_metadata(const struct nono_gate *g)
{
	return g->learn_metadata;
}

#define LEARN_DNS_MAX 1024
#define DNS_READ 512 /* a query is far shorter */

bool nono_learngate_dns_call(int nr)
{
	return nr == __NR_sendto || nr == __NR_sendmmsg;
}

static void dns_add(struct nono_gate *g, const char *name)
{
	for (size_t i = 0; i < g->learn_dns_n; i++)
		if (strcmp(g->learn_dns[i], name) == 0)
			return;
	if (!g->learn_dns &&
	    !(g->learn_dns = calloc(LEARN_DNS_MAX, sizeof(*g->learn_dns))))
		return;
	if (g->learn_dns_n == LEARN_DNS_MAX)
		return;
	{
		size_t l = strnlen(name, sizeof(g->learn_dns[0]) - 1);

		memcpy(g->learn_dns[g->learn_dns_n], name, l);
		g->learn_dns[g->learn_dns_n++][l] = '\0';
	}
}

/* @len bytes at @addr in the task: 0, or -1. */
static int task_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = {buf, len};
	struct iovec r = {(void *)(uintptr_t)addr, len};

	return addr && process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)len
		   ? 0
		   : -1;
}

/* The inet address @ss (@len bytes) is a DNS server's: port 53. */
static bool port53(const struct sockaddr_storage *ss, size_t len)
{
	if (ss->ss_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return ntohs(((const struct sockaddr_in *)ss)->sin_port) == 53;
	if (ss->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port) ==
		       53;
	return false;
}

/* The address @addr/@alen (in the task) is a DNS server's. */
static bool to_dns(pid_t pid, uint64_t addr, uint64_t alen)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	return alen <= sizeof(ss) &&
	       task_read(pid, addr, &ss, (size_t)alen) == 0 &&
	       port53(&ss, (size_t)alen);
}

/* The task's socket @fd is connected to port 53 (a resolver's connected
 * UDP socket). */
static bool peer_dns(pid_t pid, int fd)
{
	nono_autoclose int pidfd = nono_gate_pidfd(pid);
	nono_autoclose int sfd = -1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (pidfd < 0)
		return false;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	return sfd >= 0 &&
	       getpeername(sfd, (struct sockaddr *)&ss, &len) == 0 &&
	       port53(&ss, len);
}

/* The name the query at @buf/@len (in the task) asks, into @name: 0 or
 * -1. */
static int dns_payload(pid_t pid, uint64_t buf, uint64_t len, char *name,
		       size_t namelen)
{
	unsigned char q[DNS_READ];
	size_t n = len < sizeof(q) ? (size_t)len : sizeof(q);

	return n && task_read(pid, buf, q, n) == 0
		   ? learn_dns_qname(q, n, name, namelen)
		   : -1;
}

void nono_learngate_dns(struct nono_gate *g, int listener,
			const struct seccomp_notif *req)
{
	const __u64 *a = req->data.args;
	pid_t pid = req->pid;
	char names[2][256];
	unsigned got = 0;

	if (req->data.nr == __NR_sendto) {
		/* The filter sends only those with an address. */
		if (to_dns(pid, a[4], a[5] & 0xffffffffu) &&
		    dns_payload(pid, a[1], a[2], names[0], sizeof(names[0])) ==
			0)
			got = 1;
	} else {
		/* glibc's resolver: A and AAAA in one sendmmsg on a
		 * connected socket. */
		struct mmsghdr m[2];
		unsigned n = (unsigned)(a[2] & 0xffffffffu);
		bool peer = false, asked = false;

		if (n > 2)
			n = 2;
		if (!n || task_read(pid, a[1], m, n * sizeof(m[0])) < 0)
			return;
		for (unsigned i = 0; i < n; i++) {
			struct iovec iov;
			bool dns;

			if (!m[i].msg_hdr.msg_iovlen ||
			    task_read(pid, (uintptr_t)m[i].msg_hdr.msg_iov,
				      &iov, sizeof(iov)) < 0)
				continue;
			if (m[i].msg_hdr.msg_name) {
				dns = to_dns(pid,
					     (uintptr_t)m[i].msg_hdr.msg_name,
					     m[i].msg_hdr.msg_namelen);
			} else {
				if (!asked)
					peer = peer_dns(pid, (int)a[0]);
				asked = true;
				dns = peer;
			}
			if (dns && dns_payload(pid, (uintptr_t)iov.iov_base,
					       iov.iov_len, names[got],
					       sizeof(names[got])) == 0)
				got++;
		}
	}
	/* Read from the task that is still waiting (not one that took its
	 * pid since). */
	if (got && nono_gate_still_valid(listener, req->id))
		for (unsigned i = 0; i < got; i++)
			dns_add(g, names[i]);
}

size_t nono_gate_learned_dns_count(const struct nono_gate *g)
{
	return g->learn_dns_n;
}

const char *nono_gate_learned_dns_at(const struct nono_gate *g, size_t i)
{
	return i < g->learn_dns_n ? g->learn_dns[i] : NULL;
}
