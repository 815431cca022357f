/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp filter: refuses what Landlock cannot express (non-TCP sockets
 * when the network is blocked, terminal injection, kernel keyrings, io_uring,
 * and privileged kernel interfaces that bypass path checks).
 */
#ifndef NONO_SECCOMP_H
#define NONO_SECCOMP_H

#include <stdbool.h>

struct nono_seccomp_opts {
	bool block_net;    /* refuse every socket but those allowed below */
	bool tcp_landlock; /* Landlock controls TCP: TCP sockets may exist */
	bool allow_unix;   /* AF_UNIX stream/seqpacket sockets may exist */
	/* connect(2) and bind(2) go to a supervisor through a seccomp user
	 * notification listener (see nono_seccomp_load()); AF_UNIX
	 * datagram sockets, which send without connecting, are refused. */
	bool gate;
	/* With the gate: creating names (open with O_CREAT, mkdir, symlink,
	 * link, rename) also goes to the supervisor (guarded directories). */
	bool gate_create;
	/* With the gate: opening an existing file for writing also goes to
	 * the supervisor (--allow-gpu: a process names its threads through
	 * /proc/<pid>/task/<tid>/comm, which no Landlock rule made before it
	 * existed can grant). */
	bool gate_write;
	/* With the gate: every call that names a path goes to the
	 * supervisor too (nono learn records them; src/learn/calls.c lists
	 * them). */
	bool learn;
	/* With learn: the calls that only look at a name (stat, access,
	 * readlink, getxattr, chdir: nothing the sandbox refuses) are heard
	 * too (nono learn --all); without it, only those that can need a
	 * grant. */
	bool learn_meta;
	/* With the gate: opens, and the calls that make, remove, rename or
	 * link a name, go to the supervisor too (capability elevation: it
	 * asks the user about those outside the grants). */
	bool elevate;
	/* No AF_UNIX sockets at all but socketpair(): the fallback when no
	 * gate can be installed (inside another nono). */
	bool deny_unix;
};

struct nono_seccomp;

/* Selects the filter for @opts (generated at build time from the rules in
 * src/core/seccomp_rules.c).  Returns 0 and *@out (caller frees with
 * nono_seccomp_free), or -ENOMEM / -NONO_ESECCOMP. */
int nono_seccomp_build(const struct nono_seccomp_opts *opts,
		       struct nono_seccomp **out)
    __attribute__((warn_unused_result));

/* Loads the filter into the calling process.  no_new_privs must be set.
 * With opts.gate, *@listener receives the notification listener fd (owned
 * by the caller); otherwise -1.  Returns 0 or -errno. */
int nono_seccomp_load(const struct nono_seccomp *sc, int *listener)
    __attribute__((warn_unused_result));

void nono_seccomp_free(struct nono_seccomp *sc);

/* True when this process could install a filter with a notification
 * listener (false inside another nono, which refuses new listeners so that
 * its own gate cannot be overridden).  Forks a probe only when a seccomp
 * filter is already in place. */
bool nono_seccomp_listener_available(void);

#endif
