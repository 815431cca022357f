// SPDX-License-Identifier: Apache-2.0
/*
 * The seccomp rules, written with libseccomp: a default-allow filter with
 * targeted refusals for what Landlock cannot see.  Used at build time only
 * (tools/gen_seccomp.c turns every variant into a BPF program that the
 * binary embeds), so no filter is generated while a command starts.
 *
 * The kernel reads int arguments from the low 32 bits only, so every
 * equality test masks them with a 64-bit MASKED_EQ: libseccomp 2.5's
 * SCMP_CMP32 forms still demand a zero high half, which junk there would
 * dodge (the flatpak TIOCSTI bug, CVE-2019-10063).  Range tests (GE/GT) stay
 * 64-bit: junk only makes the value larger, which fails closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/seccomp_rules.h"
#include "learn/calls.h"

/* libseccomp's SCMP_A*() macros leave datum_b to zero-initialisation,
 * which clang reports; the omission is intended by the library. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* Argument @n equals @v in its low 32 bits, whatever the high half holds. */
#define LOW32(n, v) SCMP_CMP64(n, SCMP_CMP_MASKED_EQ, 0xffffffffULL, (v))

/* Highest address family we know of; anything at or above it is refused. */
#define NONO_AF_LIMIT 64
#define SOCK_TYPE_MASK 0xf

static int deny(scmp_filter_ctx ctx, int err, int nr, unsigned n,
		const struct scmp_arg_cmp *cmp)
{
	int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(err), nr, n, cmp);

	/* -EFAULT: the syscall does not exist on this architecture;
	 * -EEXIST: the same rule is already there. */
	return r == -EFAULT || r == -EEXIST ? 0 : r;
}

#define DENY(ctx, err, name, ...)                                              \
	do {                                                                   \
		const struct scmp_arg_cmp c_[] = {__VA_ARGS__};                \
		int r_ = deny(ctx, err, SCMP_SYS(name),                        \
			      sizeof(c_) / sizeof(c_[0]), c_);                 \
		if (r_ < 0)                                                    \
			return r_;                                             \
	} while (0)

#define DENY0(ctx, err, name)                                                  \
	do {                                                                   \
		int r_ = deny(ctx, err, SCMP_SYS(name), 0, NULL);              \
		if (r_ < 0)                                                    \
			return r_;                                             \
	} while (0)

/* Every CLONE_NEW* flag: unshare(2) takes CLONE_NEWTIME too, which clone(2)
 * cannot (0x80 is part of its exit-signal byte). */
#define NS_FLAGS                                                               \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |         \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
#define NONO_CLONE_NEWTIME 0x80

/*
 * The mount table and namespaces.  Landlock refuses mount(2), umount(2),
 * pivot_root(2) and move_mount(2) to a sandboxed process, but not the rest
 * of the new mount API: as root, mount_setattr(2) cleared the read-only
 * flag nono puts on .git/hooks (and changed the host's /dev/shm), and
 * open_tree(OPEN_TREE_CLONE) took a copy of a mount without the masks on
 * top of it (a hidden ~/.ssh read, a read-only .git/hooks written).  In a
 * new user namespace a process holds every capability over what it
 * creates there, which reopens all of this; setns(2) would join another
 * process's namespaces.  clone3(2) passes its flags in memory, which a
 * filter cannot read: ENOSYS makes the C libraries fall back to clone(2),
 * whose flags it can.
 */
static int add_mount_and_ns(scmp_filter_ctx ctx)
{
	static const int mount_api[] = {
	    SCMP_SYS(mount),      SCMP_SYS(umount2),       SCMP_SYS(pivot_root),
	    SCMP_SYS(move_mount), SCMP_SYS(mount_setattr), SCMP_SYS(open_tree),
	    SCMP_SYS(fsopen),     SCMP_SYS(fsconfig),      SCMP_SYS(fsmount),
	    SCMP_SYS(fspick),     SCMP_SYS(setns),
	};

	for (size_t i = 0; i < sizeof(mount_api) / sizeof(mount_api[0]); i++) {
		int r = deny(ctx, EPERM, mount_api[i], 0, NULL);

		if (r < 0)
			return r;
	}
	/* One rule per flag: a filter compares a masked value for equality,
	 * and "any of these bits" is their union. */
	for (unsigned bit = 0; bit < 32; bit++) {
		unsigned long f = 1UL << bit;

		if (!(f & (NS_FLAGS | NONO_CLONE_NEWTIME)))
			continue;
		DENY(ctx, EPERM, unshare, SCMP_A0_64(SCMP_CMP_MASKED_EQ, f, f));
		if (f & NS_FLAGS)
			DENY(ctx, EPERM, clone,
			     SCMP_A0_64(SCMP_CMP_MASKED_EQ, f, f));
	}
	DENY0(ctx, ENOSYS, clone3);
	return 0;
}

static int notify(scmp_filter_ctx ctx, int nr, unsigned n,
		  const struct scmp_arg_cmp *cmp);

/*
 * chmod and chown in every form go to the gate: Landlock has no right for
 * them, so a file the sandbox may only read could have its mode or group
 * changed.  The gate decides on the file it opens and performs the call.
 */
static int add_attr_calls(scmp_filter_ctx ctx)
{
	static const int calls[] = {
	    SCMP_SYS(chmod),    SCMP_SYS(fchmod), SCMP_SYS(fchmodat),
	    SCMP_SYS(chown),    SCMP_SYS(fchown), SCMP_SYS(lchown),
	    SCMP_SYS(fchownat),
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int r = notify(ctx, calls[i], 0, NULL);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Refusals that hold in every sandbox. */
static int add_base(scmp_filter_ctx ctx)
{
	/*
	 * TIOCSTI pushes bytes into the terminal's input queue: a child could
	 * type commands into the user's shell after nono exits.  TIOCLINUX
	 * subcode 2/3 does the same through the console selection buffer.
	 */
	DENY(ctx, EPERM, ioctl, LOW32(1, TIOCSTI));
	DENY(ctx, EPERM, ioctl, LOW32(1, TIOCLINUX));

	/* Kernel keyrings hold session credentials (Kerberos, fscrypt,
	 * ecryptfs keys) that Landlock does not mediate. */
	DENY0(ctx, EPERM, add_key);
	DENY0(ctx, EPERM, request_key);
	DENY0(ctx, EPERM, keyctl);

	/* io_uring performs socket, connect and open operations without the
	 * syscalls this filter sees.  ENOSYS makes libraries fall back. */
	DENY0(ctx, ENOSYS, io_uring_setup);
	DENY0(ctx, ENOSYS, io_uring_enter);
	DENY0(ctx, ENOSYS, io_uring_register);

	/* open_by_handle_at opens files by inode handle, never walking a
	 * path, so Landlock cannot check it (a root child could read any
	 * file: the "shocker" container escape). */
	DENY0(ctx, EPERM, open_by_handle_at);

	/* Kernel-wide state that a root child must not touch. */
	DENY0(ctx, EPERM, init_module);
	DENY0(ctx, EPERM, finit_module);
	DENY0(ctx, EPERM, delete_module);
	DENY0(ctx, EPERM, kexec_load);
	DENY0(ctx, EPERM, kexec_file_load);
	DENY0(ctx, EPERM, reboot);
	DENY0(ctx, EPERM, swapon);
	DENY0(ctx, EPERM, swapoff);
	DENY0(ctx, EPERM, acct);
	DENY0(ctx, EPERM, settimeofday);
	DENY0(ctx, EPERM, clock_settime);
	DENY0(ctx, EPERM, iopl);
	DENY0(ctx, EPERM, ioperm);
	DENY0(ctx, EPERM, bpf);
	/* userfaultfd freezes kernel threads at chosen points: an exploit
	 * aid, and no ordinary program needs it. */
	DENY0(ctx, EPERM, userfaultfd);
	return add_mount_and_ns(ctx);
}

/* Refuses socket(@family, type other than stream, ...) and stream sockets
 * whose protocol is neither 0 nor TCP (SCTP, MPTCP: Landlock's TCP rules do
 * not cover them). */
static int add_tcp_only(scmp_filter_ctx ctx, int family)
{
	unsigned t;
	int p;

	for (t = 0; t <= SOCK_TYPE_MASK; t++) {
		if (t == SOCK_STREAM)
			continue;
		DENY(ctx, EACCES, socket, LOW32(0, family),
		     SCMP_A1_64(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, t));
	}
	for (p = 1; p < IPPROTO_TCP; p++)
		DENY(ctx, EACCES, socket, LOW32(0, family), LOW32(2, p));
	DENY(ctx, EACCES, socket, LOW32(0, family),
	     SCMP_A2_64(SCMP_CMP_GT, IPPROTO_TCP));
	return 0;
}

static int add_unix_stream_only(scmp_filter_ctx ctx)
{
	unsigned t;

	/* A datagram socket can sendto() any path without connect(): only
	 * connection-oriented AF_UNIX sockets are kept under --block-net. */
	for (t = 0; t <= SOCK_TYPE_MASK; t++) {
		if (t == SOCK_STREAM || t == SOCK_SEQPACKET)
			continue;
		DENY(ctx, EACCES, socket, LOW32(0, AF_UNIX),
		     SCMP_A1_64(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, t));
	}
	return 0;
}

static int add_block_net(scmp_filter_ctx ctx, const struct nono_seccomp_opts *o)
{
	int af;
	int r;

	for (af = 0; af < NONO_AF_LIMIT; af++) {
		if (af == AF_UNIX && o->allow_unix)
			continue;
		if ((af == AF_INET || af == AF_INET6) && o->tcp_landlock)
			continue;
		DENY(ctx, EACCES, socket, LOW32(0, af));
	}
	DENY(ctx, EACCES, socket, SCMP_A0_64(SCMP_CMP_GE, NONO_AF_LIMIT));
	if (o->tcp_landlock) {
		r = add_tcp_only(ctx, AF_INET);
		if (r < 0)
			return r;
		r = add_tcp_only(ctx, AF_INET6);
		if (r < 0)
			return r;
	}
	if (o->allow_unix) {
		r = add_unix_stream_only(ctx);
		if (r < 0)
			return r;
	}
	/* socketpair() creates only connected AF_UNIX pairs: no network. */

	/*
	 * TCP Fast Open connects from sendto()/sendmsg() without calling
	 * connect(), outside the hook Landlock's TCP rules use.
	 */
	DENY(ctx, EACCES, sendto,
	     SCMP_A3_64(SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
	DENY(ctx, EACCES, sendmsg,
	     SCMP_A2_64(SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
	DENY(ctx, EACCES, sendmmsg,
	     SCMP_A3_64(SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
	return 0;
}

static int notify(scmp_filter_ctx ctx, int nr, unsigned n,
		  const struct scmp_arg_cmp *cmp)
{
	int r = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, nr, n, cmp);

	return r == -EFAULT || r == -EEXIST ? 0 : r;
}

/*
 * Calls that act on another process by pid, which Landlock's scoping does
 * not cover: prlimit64(pid, RLIMIT_CPU, 1) made the kernel kill an outside
 * process of the user; setpriority, ioprio_set and sched_set* slowed or
 * pinned them.  A call on the caller itself (pid 0, and for setpriority
 * and ioprio_set "this process") stays in the kernel; any other goes to
 * the gate, which lets the sandbox's own threads and descendants through,
 * or, without a gate, is refused.  The compares are 64-bit: junk in the
 * high half makes a value "not zero", which only sends it to the check.
 */
static int add_proc_calls(scmp_filter_ctx ctx, bool gate)
{
	static const int by_pid[] = {
	    SCMP_SYS(prlimit64),          SCMP_SYS(sched_setaffinity),
	    SCMP_SYS(sched_setscheduler), SCMP_SYS(sched_setparam),
	    SCMP_SYS(sched_setattr),
	};
	static const int by_who[] = {SCMP_SYS(setpriority),
				     SCMP_SYS(ioprio_set)};
	const uint32_t act = gate ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EPERM);
	int r;

	for (size_t i = 0; i < sizeof(by_pid) / sizeof(by_pid[0]); i++) {
		r = seccomp_rule_add(ctx, act, by_pid[i], 1,
				     SCMP_A0_64(SCMP_CMP_NE, 0));
		if (r < 0 && r != -EFAULT && r != -EEXIST)
			return r;
	}
	for (size_t i = 0; i < sizeof(by_who) / sizeof(by_who[0]); i++) {
		/* PRIO_PROCESS is 0, IOPRIO_WHO_PROCESS 1. */
		const uint64_t process = i == 0 ? 0 : 1;

		r = seccomp_rule_add(ctx, act, by_who[i], 1,
				     SCMP_A1_64(SCMP_CMP_NE, 0));
		if (r == 0 || r == -EFAULT || r == -EEXIST)
			r = seccomp_rule_add(ctx, act, by_who[i], 1,
					     SCMP_A0_64(SCMP_CMP_NE, process));
		if (r < 0 && r != -EFAULT && r != -EEXIST)
			return r;
	}
	return 0;
}

/* Name creation goes to the supervisor, which decides it for guarded
 * directories (where Landlock refuses it) and hands the rest back. */
static int add_gate_create(scmp_filter_ctx ctx)
{
	const struct scmp_arg_cmp creat1 =
	    SCMP_A1_64(SCMP_CMP_MASKED_EQ, O_CREAT, O_CREAT);
	const struct scmp_arg_cmp creat2 =
	    SCMP_A2_64(SCMP_CMP_MASKED_EQ, O_CREAT, O_CREAT);
	static const int always[] = {
	    SCMP_SYS(creat),
	    SCMP_SYS(mkdir),
	    SCMP_SYS(mkdirat),
	    SCMP_SYS(symlink),
	    SCMP_SYS(symlinkat),
	    SCMP_SYS(link),
	    SCMP_SYS(linkat),
	    SCMP_SYS(rename),
	    SCMP_SYS(renameat),
	    SCMP_SYS(renameat2),
	    /* Not a creation: the gate keeps the umask of the tasks it
	     * creates for, and must hear when one changes. */
	    SCMP_SYS(umask),
	    /* A sealed tree has no Landlock right to make FIFOs or to
	     * truncate: the gate performs these there. */
	    SCMP_SYS(mknod),
	    SCMP_SYS(mknodat),
	    SCMP_SYS(truncate),
	    /* Its flags are in memory the filter cannot read. */
	    SCMP_SYS(openat2),
	};
	int r;

	r = notify(ctx, SCMP_SYS(open), 1, &creat1);
	if (r < 0)
		return r;
	r = notify(ctx, SCMP_SYS(openat), 1, &creat2);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		r = notify(ctx, always[i], 0, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Opening an existing file for writing (or truncating it) goes to the
 * supervisor, which performs it in sealed trees, answers the task's own
 * thread names (/proc/.../comm), and hands the rest back to the kernel. */
static int add_gate_write(scmp_filter_ctx ctx)
{
	static const int modes[] = {O_WRONLY, O_RDWR};
	const struct scmp_arg_cmp t1 =
	    SCMP_A1_64(SCMP_CMP_MASKED_EQ, O_TRUNC, O_TRUNC);
	const struct scmp_arg_cmp t2 =
	    SCMP_A2_64(SCMP_CMP_MASKED_EQ, O_TRUNC, O_TRUNC);
	int r;

	r = notify(ctx, SCMP_SYS(open), 1, &t1);
	if (r == 0)
		r = notify(ctx, SCMP_SYS(openat), 1, &t2);
	for (size_t i = 0; i < 2 && r == 0; i++) {
		const struct scmp_arg_cmp w1 =
		    SCMP_A1_64(SCMP_CMP_MASKED_EQ, O_ACCMODE, modes[i]);
		const struct scmp_arg_cmp w2 =
		    SCMP_A2_64(SCMP_CMP_MASKED_EQ, O_ACCMODE, modes[i]);

		r = notify(ctx, SCMP_SYS(open), 1, &w1);
		if (r == 0)
			r = notify(ctx, SCMP_SYS(openat), 1, &w2);
	}
	return r;
}

/* nono learn: every call that names a path and that the sandbox can
 * refuse (with @meta, every one) is heard (and recorded) by the
 * supervisor, which hands back to the kernel what the gate does not
 * decide itself. */
static int add_learn(scmp_filter_ctx ctx, bool meta)
{
	/* The sends that carry a resolver's DNS query (glibc: sendmmsg on
	 * a connected socket; musl and others: sendto with the address),
	 * for the names the command looks up; a sendto without an address
	 * (send(2) on a stream) is never heard. */
	const struct scmp_arg_cmp to_addr = SCMP_A4_64(SCMP_CMP_NE, 0);
	int r;

	for (size_t i = 0; i < learn_call_count(); i++) {
		if (!meta && learn_call_looks(i))
			continue;
		r = notify(ctx, learn_call_nr(i), 0, NULL);
		if (r < 0)
			return r;
	}
	r = notify(ctx, SCMP_SYS(sendmmsg), 0, NULL);
	if (r < 0)
		return r;
	return notify(ctx, SCMP_SYS(sendto), 1, &to_addr);
}

/* Capability elevation: opens and every call that makes, removes, renames
 * or links a name are heard by the supervisor, which hands back to the
 * kernel what the grants allow and asks the user about the rest. */
static int add_elevate(scmp_filter_ctx ctx)
{
	static const int calls[] = {
	    SCMP_SYS(open),     SCMP_SYS(openat),    SCMP_SYS(openat2),
	    SCMP_SYS(creat),    SCMP_SYS(mkdir),     SCMP_SYS(mkdirat),
	    SCMP_SYS(mknod),    SCMP_SYS(mknodat),   SCMP_SYS(rename),
	    SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(link),
	    SCMP_SYS(linkat),   SCMP_SYS(symlink),   SCMP_SYS(symlinkat),
	    SCMP_SYS(unlink),   SCMP_SYS(unlinkat),  SCMP_SYS(rmdir),
	    SCMP_SYS(truncate),
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int r = notify(ctx, calls[i], 0, NULL);

		if (r < 0)
			return r;
	}
	return 0;
}

/* The gate: connect and bind are decided by the supervisor. */
static int add_gate(scmp_filter_ctx ctx)
{
	int r;

	r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(connect), 0);
	if (r < 0)
		return r;
	r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(bind), 0);
	if (r < 0)
		return r;
	/*
	 * A later filter that also notifies takes precedence over ours, and
	 * its listener (held by the child) could answer CONTINUE: refuse new
	 * listeners inside the sandbox (seccomp(2) flags are its 2nd arg).
	 */
	DENY(ctx, EPERM, seccomp,
	     SCMP_A1_64(SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			SECCOMP_FILTER_FLAG_NEW_LISTENER));
	/* A datagram pair can still sendto() any socket path, bypassing
	 * connect(2): stream and seqpacket pairs only. */
	DENY(ctx, EACCES, socketpair, LOW32(0, AF_UNIX),
	     SCMP_A1_64(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, SOCK_DGRAM));
	return add_unix_stream_only(ctx);
}

int nono_seccomp_rules(const struct nono_seccomp_opts *opts,
		       scmp_filter_ctx ctx)
{
	/* A syscall made through another ABI (int 0x80, x32) would dodge
	 * every rule below: kill the process instead. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS) < 0)
		return -1;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		return -1;
	/*
	 * Syscall numbers in a binary tree rather than a chain of compares.
	 * The kernel runs the filter once per syscall number when it is
	 * loaded (to cache the always-allowed ones): with a chain that was
	 * ~100 us of every start, and every syscall of the command walked
	 * the chain too.
	 */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		return -1;
	if (add_base(ctx) < 0)
		return -1;
	if (opts->block_net && add_block_net(ctx, opts) < 0)
		return -1;
	if (opts->gate && add_gate(ctx) < 0)
		return -1;
	if (add_proc_calls(ctx, opts->gate) < 0)
		return -1;
	if (opts->gate && add_attr_calls(ctx) < 0)
		return -1;
	/* fchmodat2 (Linux 6.6, number 452 on every architecture): unknown to
	 * this libseccomp, and a way around the chmod rules above.  ENOSYS
	 * makes the C library use fchmodat. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), 452, 0) < 0)
		return -1;
	/*
	 * listen(2) on a socket never bound binds it to the wildcard address
	 * (0.0.0.0 or [::]) on a random port, past the bind(2) the gate
	 * decides: under --block-net any host that reaches this machine got
	 * a channel in.  The gate refuses that and performs the rest.
	 */
	if (opts->gate && opts->block_net &&
	    seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(listen), 0) < 0)
		return -1;
	if (opts->gate && opts->gate_create && add_gate_create(ctx) < 0)
		return -1;
	if (opts->gate && (opts->gate_write || opts->gate_create) &&
	    add_gate_write(ctx) < 0)
		return -1;
	if (opts->gate && opts->learn && add_learn(ctx, opts->learn_meta) < 0)
		return -1;
	if (opts->gate && opts->elevate && add_elevate(ctx) < 0)
		return -1;
	/* No gate (nono wrap, or a nono inside another): no AF_UNIX socket
	 * of its own, and no datagram pair, which could sendto() any socket
	 * path.  Stream and seqpacket pairs reach nothing but each other. */
	if (opts->deny_unix && !opts->gate &&
	    (deny(ctx, EACCES, SCMP_SYS(socket), 1,
		  (const struct scmp_arg_cmp[]){LOW32(0, AF_UNIX)}) < 0 ||
	     deny(ctx, EACCES, SCMP_SYS(socketpair), 2,
		  (const struct scmp_arg_cmp[]){LOW32(0, AF_UNIX),
						SCMP_A1_64(SCMP_CMP_MASKED_EQ,
							   SOCK_TYPE_MASK,
							   SOCK_DGRAM)}) < 0))
		return -1;
	return 0;
}
