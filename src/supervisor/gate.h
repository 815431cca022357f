/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gate: serves seccomp user notifications for connect(2) and bind(2)
 * from the sandbox, deciding pathname and abstract AF_UNIX addresses that
 * Landlock cannot see, and performing the allowed ones itself.
 */
#ifndef NONO_SUPERVISOR_GATE_H
#define NONO_SUPERVISOR_GATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "nono/caps.h"

enum nono_gate_op {
	NONO_GATE_CONNECT,
	NONO_GATE_BIND,
	NONO_GATE_CREATE,
	NONO_GATE_PROCESS, /* a call on another process (prlimit, nice...) */
	NONO_GATE_ATTR,    /* chmod/chown of a file outside writable grants */
	NONO_GATE_REPO,    /* a new .git without --allow-new-repos */
	NONO_GATE_NET,     /* a TCP connect/bind/listen the policy refused */
	NONO_GATE_WRITE,   /* a write or creation no grant allows (the kernel
			    * refuses it; recorded for the footer) */
	NONO_GATE_ELEVATE, /* more access asked for and refused (capability
			    * elevation: denied, unanswered, nobody to ask) */
};

struct nono_gate;

/* @caps is borrowed and must outlive the gate.  Returns 0 and *@out
 * (caller frees with nono_gate_free), or -ENOMEM. */
int nono_gate_new(const struct nono_caps *caps, struct nono_gate **out)
    __attribute__((warn_unused_result));
void nono_gate_free(struct nono_gate *g);

/* Canonical paths whose protection --bypass-protection lifted (borrowed,
 * must outlive the gate). */
void nono_gate_set_bypass(struct nono_gate *g, char *const *bypass, size_t n);

/* Canonical paths a profile keeps read-only (keep_read_only): refused as
 * new names in their guarded parent (borrowed, must outlive the gate). */
void nono_gate_set_kept(struct nono_gate *g, char *const *kept, size_t n);

/* nono learn: the gate records the paths every call of the sandbox names
 * (the seccomp filter sends them all: nono_caps_set_learn). */
void nono_gate_set_learn(struct nono_gate *g, bool on);
/* The records: slots 0..count-1, NULL for an empty slot, else the path
 * (absolute as the task named it) with *@ops (LEARN_*) and whether it was
 * named without following its last symlink. */
size_t nono_gate_learned_count(const struct nono_gate *g);
const char *nono_gate_learned_at(const struct nono_gate *g, size_t i,
				 unsigned *ops, bool *nofollow);
/* A network refusal as the gate words it ("connect ADDR PORT", "bind
 * ADDR PORT", "listen - 0") read back: true with its parts, and whether
 * ADDR is loopback (127/8, ::1, ::ffff:127/104). */
struct nono_gate_net {
	char op[16], addr[64];
	unsigned port;
	bool loopback;
};
bool nono_gate_net_parse(const char *what, struct nono_gate_net *n);

/* The connects and binds of internet sockets the policy refused while
 * learning: "connect ADDR PORT" or "bind ADDR PORT" (as the footer has
 * them), each once, with how many times in *@uses; NULL past the end. */
size_t nono_gate_learned_net_count(const struct nono_gate *g);
const char *nono_gate_learned_net_at(const struct nono_gate *g, size_t i,
				     size_t *uses);
/* Learning: the host names the command's DNS queries asked for (A and
 * AAAA, to port 53), each once; NULL past the end. */
size_t nono_gate_learned_dns_count(const struct nono_gate *g);
const char *nono_gate_learned_dns_at(const struct nono_gate *g, size_t i);
/* Learning: opens that write beyond the grants given a throwaway copy. */
size_t nono_gate_learn_scratched(const struct nono_gate *g);
/* Calls whose path could not be read or kept; calls naming nothing. */
size_t nono_gate_learn_dropped(const struct nono_gate *g);
/*
 * Learning, a read-only open of a regular file or directory that no grant
 * covers is performed by the supervisor for the run (the command goes on
 * past it) when @may says the object at @path (canonical, as opened) may
 * be read: never what the plan protects or hides.  Without it, the
 * sandbox refuses as in nono run.  nono_gate_learn_served counts them.
 */
void nono_gate_set_learn_serve(struct nono_gate *g,
			       bool (*may)(void *arg, const char *path,
					   bool dir),
			       void *arg);
size_t nono_gate_learn_served(const struct nono_gate *g);
size_t nono_gate_learn_metadata(const struct nono_gate *g);

/* --allow-new-repos: the sandbox may create git repositories (.git) in
 * the user's writable trees; those it creates are its own. */
void nono_gate_set_new_repos(struct nono_gate *g, bool on);

/*
 * The policy, without any I/O: may the sandbox @op the pathname socket at
 * @path (absolute, canonical)?  Connect: socket grants, and (network
 * allowed) paths under a user grant; never under a hidden path.  (Sockets
 * the sandbox bound itself are recognised by inode before this.)  Bind:
 * socket grants with bind, and (network allowed) a directory the
 * capability set lets it write; never under a mask.
 */
bool nono_gate_allows(const struct nono_gate *g, enum nono_gate_op op,
		      const char *path);

/* The policy for a non-AF_UNIX address (@len bytes, untrusted): any with
 * the network allowed; under --block-net only loopback TCP to an open port
 * (the socket types themselves are limited by the seccomp filter). */
bool nono_gate_inet_allowed(const struct nono_gate *g, const void *addr,
			    size_t len);

/*
 * Sockets the sandbox bound through the gate.  A pathname socket is known
 * by the file inode its bind created (@dev, @ino as stat(2) reports them),
 * never by the path, which the sandbox can rename, unlink and link another
 * socket to; an abstract one by its name (@len bytes, NULs allowed).  Both
 * keep @sock, the socket's own inode: a record whose socket has gone, or
 * no longer holds that name, is forgotten when next looked at.  Abstract
 * and path names are separate namespaces.  Bounded: past
 * NONO_GATE_MAX_BOUND records the dead ones are pruned, and -E2BIG when
 * none is.
 */
#define NONO_GATE_MAX_BOUND 4096
int nono_gate_note_bound_path(struct nono_gate *g, dev_t dev, ino_t ino,
			      ino_t sock) __attribute__((warn_unused_result));
int nono_gate_note_bound_abstract(struct nono_gate *g, const char *name,
				  size_t len, ino_t sock)
    __attribute__((warn_unused_result));
/* The socket inode recorded for a file inode or an abstract name, or 0.
 * No I/O: whether that socket still holds it is the caller's to check. */
ino_t nono_gate_bound_path(const struct nono_gate *g, dev_t dev, ino_t ino);
ino_t nono_gate_bound_abstract(const struct nono_gate *g, const char *name,
			       size_t len);
/* Drops every record of socket @sock. */
void nono_gate_forget(struct nono_gate *g, ino_t sock);

/* Hands the gate a NETLINK_SOCK_DIAG socket made inside the sandbox's own
 * network namespace (takes the fd), where its sockets live. */
void nono_gate_set_netns_diag(struct nono_gate *g, int fd);

enum nono_addr_kind {
	NONO_ADDR_UNNAMED,  /* no name: autobind */
	NONO_ADDR_ABSTRACT, /* abstract name (bytes, may hold NULs) */
	NONO_ADDR_PATH,     /* pathname, NUL-terminated */
};

/*
 * Parses a sockaddr_un of @len bytes copied from the sandbox (untrusted).
 * On success fills *@kind, @name (at least 109 bytes: the name, without the
 * leading NUL of an abstract one, NUL-terminated for a path) and *@namelen.
 * Returns 0, or -EINVAL for a short, oversized or non-AF_UNIX address.
 */
/*
 * The thread whose comm file @path (copied from the sandbox, untrusted)
 * names: "/proc/self/comm", "/proc/thread-self/comm" (thread @caller) or
 * "/proc/<pid>[/task/<tid>]/comm" with <pid> being @own ("self" allowed).
 * Returns the thread id, or -1 for any other path.  Whether the thread is
 * @own's is the caller's to check.
 */
long nono_gate_parse_comm(const char *path, pid_t own, pid_t caller);

int nono_gate_parse_addr(const void *buf, size_t len, enum nono_addr_kind *kind,
			 char *name, size_t *namelen);

/* The refusals the gate made, oldest first, for the diagnostic footer
 * (at most NONO_GATE_MAX_DENIALS are kept). */
#define NONO_GATE_MAX_DENIALS 16
struct nono_gate_denial {
	enum nono_gate_op op;
	char path[PATH_MAX]; /* a path, or "@name" for an abstract socket */
};
size_t nono_gate_denial_count(const struct nono_gate *g);
/* @fn is told of every refusal as the gate makes it (from the thread that
 * makes it; the audit trail), before the refusal is answered. */
void nono_gate_set_observer(struct nono_gate *g,
			    void (*fn)(void *arg, enum nono_gate_op op,
				       const char *object),
			    void *arg);
/* "connect", "bind", "create", "process", "chmod", "new_repository",
 * "network", "write". */
const char *nono_gate_op_name(enum nono_gate_op op);
const struct nono_gate_denial *nono_gate_denial_at(const struct nono_gate *g,
						   size_t i);

/*
 * Capability elevation: an open, creat, mkdir, mknod, removal, rename,
 * link or symlink the grants refuse is put to the user, and performed by
 * the supervisor when approved (see
 * src/supervisor/elevate.c).  @may says whether @path (canonical) may be
 * offered at all (never protected or hidden paths; @exists: whether it
 * does); @ask shows one question (0, or -errno when nobody can be asked
 * now; NULL: nobody ever, every request is refused); @answer polls it (0
 * until answered, then 'o' once, 's' this session, 'p' this session and
 * saved, 'd' deny); @end takes
 * it down, printing
 * @said.  @on_event (may be NULL) is told of each request and decision
 * ("requested", "approved", "denied"; op "read", "write", "create",
 * "mkdir", "mknod", "remove", "rename", "link", "symlink"; @from the
 * source of a rename or link, @target what a symlink holds, else NULL;
 * scope "once", "session", "timeout", "rate", "dropped", "unasked", or
 * NULL) for the audit trail.  0 or -ENOMEM.
 */
struct nono_gate_elevation {
	bool (*may)(void *arg, const char *path, bool write, bool exists);
	/* @code: the two digits that approve it, typed after o or s. */
	int (*ask)(void *arg, const char *question, const char *code);
	int (*answer)(void *arg);
	void (*end)(void *arg, const char *said);
	void (*on_event)(void *arg, const char *decision, const char *op,
			 const char *path, const char *from, const char *target,
			 const char *scope, pid_t pid);
	/* The answer 'p' (this session, and saved): saves the grant of
	 * @path (@access NONO_ACCESS_*, @dir a directory) into the user's
	 * profile and says where, or why not, in @said.  0 or -1.  NULL:
	 * nothing is offered for saving. */
	int (*save)(void *arg, const char *path, unsigned access, bool dir,
		    char *said, size_t len);
	void *arg;
	/* nono learn: every request that may be offered is performed at
	 * once, nobody asked (the learning run's writes beyond the grants;
	 * its reads are learnserve's). */
	bool auto_approve;
	/* Canonical, or NULL: where the persistence names of the home,
	 * ~/.config (and $XDG_CONFIG_HOME) and ~/.local are refused. */
	const char *home, *xdg_config;
};
int nono_gate_set_elevate(struct nono_gate *g,
			  const struct nono_gate_elevation *cfg);
/* What was approved during the session (for the footer and the save
 * prompt): each path once, its accesses merged (NONO_ACCESS_*). */
enum nono_elevated_what {
	NONO_ELEVATED_OPEN, /* opened, created (open, creat, mknod), mkdir */
	NONO_ELEVATED_REMOVE,
	NONO_ELEVATED_MOVE, /* @from renamed to @path */
	NONO_ELEVATED_LINK, /* @path made a hard link to @from */
	NONO_ELEVATED_SYMLINK,
	NONO_ELEVATED_SOCKET, /* an AF_UNIX connect to the socket */
};
struct nono_gate_elevated {
	enum nono_elevated_what what;
	char *path;
	char *from; /* MOVE and LINK: the source; else NULL */
	unsigned access;
	bool dir;   /* a directory (read, or made) */
	bool made;  /* it did not exist: created */
	bool saved; /* saved to the profile from the question */
};
size_t nono_gate_elevated_count(const struct nono_gate *g);
const struct nono_gate_elevated *
nono_gate_elevated_at(const struct nono_gate *g, size_t i);
/* The supervisor's loop, every round: requests whose caller has gone are
 * dropped, an answer is applied, the next question asked, unanswered ones
 * refused at their deadline.  Milliseconds until it needs the loop back,
 * or -1. */
int nono_gate_elevate_tick(struct nono_gate *g, int listener);

/*
 * Receives one notification from @listener and answers it.  Never lets the
 * kernel re-read a pointer for an AF_UNIX address: allowed operations are
 * performed here, on the sandbox's own socket (pidfd_getfd).  Returns 0, or
 * -errno when the listener itself failed.
 */
int nono_gate_serve(struct nono_gate *g, int listener);
/*
 * File calls are served with the serving thread's effective capabilities
 * held empty from one call to the next (two capset(2) per call saved in a
 * root run); the supervisor gives them back with nono_gate_release_lowered
 * before it does anything else.  nono_gate_hold_lowered returns 0, or
 * -EPERM when they could not be lowered (nothing may be done then).
 */
int nono_gate_hold_lowered(void);
void nono_gate_release_lowered(void);

#endif
