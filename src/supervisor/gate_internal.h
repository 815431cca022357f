/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the two halves of the gate: sockets (gate.c) and
 * name creation in guarded directories (fsgate.c).
 */
#ifndef NONO_SUPERVISOR_GATE_INTERNAL_H
#define NONO_SUPERVISOR_GATE_INTERNAL_H

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/gate.h"

/* ioctl(2) on the seccomp listener.  The requests have bit 31 set, and
 * C libraries disagree on the type of ioctl()'s request argument (glibc:
 * unsigned long, musl: int); the system call itself takes it unsigned. */
static inline int notif_ioctl(int listener, unsigned long req, void *arg)
{
	return (int)syscall(SYS_ioctl, listener, req, arg);
}

/* A pathname socket the sandbox bound: the file inode its bind created,
 * and the socket's own inode, which says whether it is still the one. */
struct bound_path {
	dev_t dev;
	ino_t ino;
	ino_t sock;
};

/* An abstract name the sandbox bound (bytes, NULs allowed). */
struct bound_abstract {
	char name[108];
	size_t len;
	ino_t sock;
};

struct nono_gate {
	const struct nono_caps *caps;
	struct bound_path *paths;
	size_t npaths, cap_paths;
	struct bound_abstract *abstracts;
	size_t nabstracts, cap_abstracts;
	/* NETLINK_SOCK_DIAG sockets: [0] ours (opened on first use), [1] one
	 * made inside the sandbox's network namespace, or -1. */
	int diag[2];
	bool diag_tried;
	struct nono_gate_denial denials[NONO_GATE_MAX_DENIALS];
	size_t ndenials;
	/* Told of every refusal as it is made (the audit trail). */
	void (*observer)(void *arg, enum nono_gate_op op, const char *object);
	void *observer_arg;
	char *const *bypass; /* canonical paths whose protection is lifted */
	size_t nbypass;
	char *const *kept; /* a profile's keep_read_only paths, canonical */
	size_t nkept;
	/* The sandbox's root directory (its mount namespace), opened from
	 * the first notification's task: every process of the sandbox has
	 * the same one (chroot, pivot_root and new mount namespaces are
	 * refused inside).  -1 until then. */
	int root;
	/* Umasks of recent creators (see fsgate.c); a umask(2) in flight
	 * (its caller and the value it sets) turns the cache off until the
	 * caller's status shows it done. */
	struct nono_umask_entry {
		pid_t tid;
		int pidfd; /* poll-readable once the thread is gone */
		mode_t mask;
	} umasks[16];
	size_t umask_next;
	struct {
		pid_t tid;
		mode_t mask;
	} umask_flight[8];
	size_t numask_flight;
	bool umask_lost;
	mode_t own_umask; /* the supervisor's, unchanged between calls */
	/* Git directories the sandbox made (gitgate.c), by inode. */
	struct {
		dev_t dev;
		ino_t ino;
	} * own;
	size_t nown, cap_own;
	bool allow_new_repos; /* --allow-new-repos */
	/* nono learn (learngate.c): the paths the sandbox's calls named, an
	 * open-addressing table by path; what did not fit or could not be
	 * read is counted. */
	bool learn;
	struct nono_learned {
		char *path;    /* absolute, as the task named it */
		unsigned ops;  /* LEARN_* */
		bool nofollow; /* named without following its last link */
	} * learned;
	size_t learn_n, learn_cap, learn_dropped, learn_metadata, learn_bytes;
	uint64_t learn_seed;
	/* The connects and binds the policy refused ("connect ADDR PORT"),
	 * each once with how many times. */
	struct nono_learned_net {
		char what[112];
		size_t uses;
	} * learn_net;
	size_t learn_net_n;
	/* Learning: the names the command's DNS queries asked for. */
	char (*learn_dns)[254];
	size_t learn_dns_n;
	/* learnserve.c: whether a refused read may be served while
	 * learning, and how many were. */
	bool (*learn_may)(void *arg, const char *path, bool dir);
	void *learn_may_arg;
	size_t learn_served;
	/* elevate.c: capability elevation, or NULL. */
	struct nono_elevate *elevate;
	struct timespec started; /* when the gate was made (coarse clock) */
};

/* learngate.c: a connect or bind the policy refused while learning. */
void nono_learngate_net(struct nono_gate *g, const char *what);

/* gitgate.c: git repositories in sealed trees. */
enum nono_gitgate_verdict {
	NONO_GITGATE_OK,
	NONO_GITGATE_NEW_REPO, /* a new .git without --allow-new-repos */
	NONO_GITGATE_LAYOUT,   /* a protected name in a git directory */
};
/* The rules for name @name in directory @dfd (@dir its canonical path, in
 * a sealed tree), as a new name or a file opened for writing.  Git
 * directories are recognised by their content, whatever their name. */
/* True when @name in @dir (@dfd) is an existing file of a git
 * directory's objects/ that is not the sandbox's own: git never moves one
 * away, and a name moved away could be made again with other content. */
bool nono_gitgate_object_moves(struct nono_gate *g, int dfd, const char *dir,
			       const char *name);
enum nono_gitgate_verdict nono_gitgate_decide(struct nono_gate *g, int dfd,
					      const char *dir,
					      const char *name);
/* Records @name in @dfd as the sandbox's own git directory when it is a
 * directory called .git (just made through the gate). */
void nono_gitgate_note_own(struct nono_gate *g, int dfd, const char *name);
/* False for a .git directory the sandbox did not make: it stays where it
 * is (moved away, its path would be free for a copy with hooks). */
bool nono_gitgate_may_move(struct nono_gate *g, int dfd, const char *name);

void nono_gate_note_denial(struct nono_gate *g, enum nono_gate_op op,
			   const char *path);
bool nono_gate_under_mask(const struct nono_caps *caps, const char *path,
			  bool readonly_too);
bool nono_gate_still_valid(int listener, __u64 id);
int nono_gate_absolutise(pid_t pid, const char *path, char *out, size_t outlen);
/* Opens absolute @abs as the task @pid sees it (its mount namespace and
 * root, symlinks followed inside that root).  Returns an fd or -errno. */
/*
 * The supervisor acts for the sandbox with no effective capability, so that
 * the kernel's permission checks (modes, owners, search rights) are the
 * sandbox's: nono run as root leaves the sandbox none.  Per thread (threads
 * started meanwhile inherit it).  nono_gate_lower returns 0, or -EPERM
 * when the capabilities could not be lowered (then nothing may be done).
 */
struct nono_caps_save {
	bool lowered;
	struct __user_cap_data_struct saved[_LINUX_CAPABILITY_U32S_3];
};
int nono_gate_lower(struct nono_caps_save *s);
void nono_gate_restore(struct nono_caps_save *s);

/* The caller's own fd that @path reaches through a magic link
 * ("/dev/stderr", "/dev/fd/N", "/proc/self/fd/N",
 * "/proc/thread-self/fd/N"), or -1. */
int nono_gate_own_fd_link(const char *path);
/* commgate.c: the comm file of one of the caller's own threads, opened
 * and injected (--allow-gpu).  True when it answered. */
bool nono_gate_name_thread(int listener, const struct seccomp_notif *req,
			   int flags, __u64 path_addr);
/* fifogate.c: a blocking write-open of the FIFO @name in @dfd, answered
 * from a thread once a reader comes.  True when the thread took it;
 * otherwise *@resp holds the error. */
bool nono_gate_fifo_open_later(int listener, const struct seccomp_notif *req,
			       int dfd, const char *name, int flags,
			       struct seccomp_notif_resp *resp);
/* taskumask.c.  Forgets every cached umask (and closes the pidfds kept
 * with them). */
void nono_gate_umask_flush(struct nono_gate *g);
/* umask(2) from @tid with @mask, about to run (CONTINUE). */
void nono_gate_umask_called(struct nono_gate *g, pid_t tid, mode_t mask);
/* The umask of thread @tid (022 when it cannot be read). */
mode_t nono_gate_task_umask(struct nono_gate *g, pid_t tid);
int nono_gate_open_in_task(const struct nono_gate *g, pid_t pid,
			   const char *abs, int oflags);
/* The same with no symlink followed anywhere on the way (ELOOP): what is
 * opened is named by the path as written, component by component, so a
 * check of that path is a check of every name that led there (learn's
 * served reads, elevation). */
int nono_gate_open_in_task_strict(const struct nono_gate *g, pid_t pid,
				  const char *abs, int oflags);
/* Opens the sandbox's root from the task of notification @req (checked
 * still pending afterwards) the first time it is called. */
void nono_gate_learn_root(struct nono_gate *g, int listener, pid_t pid,
			  __u64 id);
/* PIDFD_THREAD (O_EXCL), absent from older headers. */
#define NONO_PIDFD_THREAD 0x80
/* A pidfd for the process of thread @tid (a notification names the calling
 * thread).  Returns the fd or -errno. */
int nono_gate_pidfd(pid_t tid);
/* Copies a NUL-terminated string of at most @outlen bytes from the task
 * @pid at @addr, page by page (a string near the end of a mapping is still
 * read).  Returns 0, -EFAULT, or -ENAMETOOLONG. */
int nono_gate_read_string(pid_t pid, __u64 addr, char *out, size_t outlen);
/* The absolute form of @path as the task @pid names it relative to its
 * @dirfd (AT_FDCWD: its working directory; @pidfd reaches its fds). */
int nono_gate_task_abs(pid_t pid, int pidfd, int dirfd, const char *path,
		       char *out, size_t len);
/* @fd (any, O_PATH too) is on a filesystem that only stores files (ext4,
 * xfs, btrfs, tmpfs, nfs, fuse...), not one whose files act (proc, sysfs,
 * binfmt_misc...); false when that cannot be told.  What learn serves and
 * elevation offers must be. */
bool nono_gate_plain_fs(int fd);
/* The path of our fd @fd; -ENOENT for a deleted or pseudo file. */
int nono_gate_fd_path(int fd, char *out, size_t len);

/* learngate.c: records the paths of @req when it names any (learning),
 * then says what becomes of the call: back to the kernel (the gate would
 * not have heard it), on to the gate, or answered (a refused read served
 * for the learning run). */
enum nono_learn_next {
	NONO_LEARN_KERNEL,   /* CONTINUE: the kernel decides */
	NONO_LEARN_GATE,     /* on to the gate's own decision */
	NONO_LEARN_ANSWERED, /* served (learnserve.c) */
};
enum nono_learn_next nono_learngate_handle(struct nono_gate *g, int listener,
					   const struct seccomp_notif *req);
/* learnserve.c: a read-only open @req (flags @flags) of @abs (as the task
 * names it) that the sandbox refuses, performed by us for the learning
 * run and its fd injected: 1 when answered, 0 when the kernel is to
 * decide (CONTINUE). */
int nono_learnserve_open(struct nono_gate *g, int listener,
			 const struct seccomp_notif *req, const char *abs,
			 uint64_t flags);
/* elevate.c: a request capability elevation handles (an open, creat or
 * mkdir outside the grants): parked until the user answers, or answered
 * now (a remembered answer, nobody to ask); else the gate's as without
 * elevation. */
enum nono_elevate_next {
	NONO_ELEVATE_NOT_MINE,
	NONO_ELEVATE_PARKED,
	NONO_ELEVATE_ANSWERED,
};
int nono_elevate_handle(struct nono_gate *g, int listener,
			const struct seccomp_notif *req);
/* A refused AF_UNIX connect of the sandbox's socket @sfd to the socket
 * @pfd pins, which its listener bound at @where: asked about (the fds are
 * duplicated when kept).  NONO_ELEVATE_*. */
int nono_elevate_socket(struct nono_gate *g, int listener,
			const struct seccomp_notif *req, int sfd, int pfd,
			const char *where);
/* gate.c's socket helpers, shared with netgate.c: the address argument
 * (@len bytes) copied, then the call checked still pending; a connect
 * performed, on a thread when it would block (1: answered later); a
 * socket the sandbox bound recorded as its own. */
int nono_gate_read_addr(int listener, const struct seccomp_notif *req,
			void *buf, socklen_t len);
int nono_gate_connect_addr(int listener, __u64 id, int sfd, const void *addr,
			   socklen_t len, int keepfd);
void nono_gate_note_own(struct nono_gate *g, int sfd, int dfd,
			const char *name);
/* learngate.c: a sendto or sendmmsg heard while learning (the filter
 * sends those that may carry a DNS query): the name of a query to port 53
 * is recorded; the call is the kernel's. */
bool nono_learngate_dns_call(int nr);
void nono_learngate_dns(struct nono_gate *g, int listener,
			const struct seccomp_notif *req);
/* netgate.c: inet connect/bind, and listen: 0, -errno, or 1 (answered
 * later). */
int nono_netgate_inet(struct nono_gate *g, int listener,
		      const struct seccomp_notif *req, int sfd, bool is_bind);
int nono_netgate_listen(struct nono_gate *g, const struct seccomp_notif *req,
			int sfd, int domain);
/* Connects @sfd to the socket @pfd pins, for notification @id: 0 or
 * -errno for the caller, or 1 when a thread answers it later. */
int nono_gate_connect_fd(int listener, __u64 id, int sfd, int pfd);
/* Whether call @nr is one the elevation filter sends (and only it). */
bool nono_elevate_heard(int nr);
void nono_gate_elevate_free(struct nono_gate *g);
/* Would the filter without learning have sent @req to the gate (its
 * caps: guards, /proc/self writes)?  (test_learn checks it against the
 * generated programs.) */
bool nono_learngate_gate_decides(const struct nono_gate *g,
				 const struct seccomp_notif *req);

/* chmod and chown in all their forms: decided on the file the gate
 * opened, performed with the sandbox's permission checks. */
bool nono_attrgate_handles(int nr);
void nono_attrgate_handle(struct nono_gate *g, int listener,
			  const struct seccomp_notif *req,
			  struct seccomp_notif_resp *resp);

/* The process calls (prlimit64, setpriority, ioprio_set, sched_set*)
 * that act on a pid: those the gate decides. */
bool nono_procgate_handles(int nr);
/* Is @target (a thread id) the caller's own thread, or a process below the
 * caller's in the process tree? */
bool nono_procgate_is_own(pid_t caller, pid_t target);
/* Decides one such call: CONTINUE for the sandbox's own, EPERM else. */
void nono_procgate_handle(struct nono_gate *g, int listener,
			  const struct seccomp_notif *req,
			  struct seccomp_notif_resp *resp);

/* Would creating @name in the directory @dfd (canonical path @dir) make a
 * protected name in a guarded directory?  Notes the refusal. */
bool nono_fsgate_refuses_name(struct nono_gate *g, int dfd, const char *dir,
			      const char *name);

/* Handles a creation syscall (open with O_CREAT, mkdir, symlink, link,
 * rename).  Fills @resp for the caller to send, or returns 1 when the
 * notification was already answered by injecting a file descriptor. */
int nono_fsgate_handle(struct nono_gate *g, int listener,
		       const struct seccomp_notif *req,
		       struct seccomp_notif_resp *resp);

#endif
