// SPDX-License-Identifier: Apache-2.0
/*
 * fork/exec supervision of the sandboxed command: the child confines itself
 * and execs; the parent relays signals and turns the child's fate into an
 * exit status.  Start-up failures travel back over a close-on-exec pipe, so
 * the parent can tell "could not start" from "ran and failed".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <sys/ioctl.h>

#include "nono/error.h"
#include "nono/log.h"
#include "supervisor/gate.h"

/* From Linux 6.6 UAPI, absent from older headers. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define NONO_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#else
#define NONO_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOCTL_NOTIF_SET_FLAGS
#endif
#define NONO_NOTIF_FD_SYNC_WAKE_UP (1ULL << 0)
#include "supervisor/supervise.h"

/* What the child sends back when it cannot start. */
struct launch_msg {
	int code;
	bool at_exec;
	char step[32];
	char path[4096];
};

static const int forwarded[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
				SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM};

int nono_exec_status(int code)
{
	return code == -ENOENT || code == -ENOTDIR ? 127 : 126;
}

static void fill(struct nono_exec_error *err, int code, const char *step,
		 const char *path)
{
	err->code = code;
	err->at_exec = false;
	snprintf(err->step, sizeof(err->step), "%s", step ? step : "");
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
}

/* Marks every fd above stderr close-on-exec: an inherited socket or
 * directory fd would carry the parent's reach into the sandbox. */
static void cloexec_all(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Hands @fd to the supervisor over @sock (SCM_RIGHTS). */
static int send_fd(int sock, int fd)
{
	char byte = 'L';
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	memset(ctl, 0, sizeof(ctl));
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/* Receives the listener; -1 when the child died before sending it. */
static int recv_fd(int sock)
{
	char byte;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	ssize_t n;
	int fd = -1;

	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int confine_and_exec(const struct nono_exec_spec *spec, int fdsock,
			    struct nono_exec_error *err)
{
	struct nono_sandbox_error se = {0};
	int listener = -1, net = -1, diag = -1;
	int r;

	r = nono_sandbox_enter(spec->sb, &listener, fdsock >= 0 ? &net : NULL,
			       fdsock >= 0 ? &diag : NULL, &se);
	if (r < 0) {
		if (net >= 0)
			close(net);
		if (diag >= 0)
			close(diag);
		if (listener >= 0)
			close(listener);
		fill(err, r, se.step, se.path);
		return r;
	}
	if (net >= 0) {
		/* The proxy's listener goes to the supervisor first; the
		 * sandbox keeps no handle on it (it could accept). */
		r = send_fd(fdsock, net);
		close(net);
		if (r == 0)
			r = send_fd(fdsock, diag);
		close(diag);
		if (r < 0) {
			if (listener >= 0)
				close(listener);
			fill(err, r, "network handover", NULL);
			return r;
		}
	}
	if (listener >= 0) {
		/* The sandbox keeps no handle on its own gate. */
		r = fdsock >= 0 ? send_fd(fdsock, listener) : -EBADF;
		close(listener);
		if (r < 0) {
			fill(err, r, "gate handover", NULL);
			return r;
		}
	}
	cloexec_all();
	execvpe(spec->argv[0], spec->argv, spec->envp);
	r = -errno;
	fill(err, r, "exec", spec->argv[0]);
	err->at_exec = true;
	return r;
}

int nono_exec_sandboxed(const struct nono_exec_spec *spec,
			struct nono_exec_error *err)
{
	return confine_and_exec(spec, -1, err);
}

static void child(const struct nono_exec_spec *spec, int wfd, int fdsock,
		  const sigset_t *oldmask, pid_t parent)
{
	struct nono_exec_error e = {0};
	struct launch_msg m = {0};
	ssize_t n;

	/* Back to the caller's signal state before exec. */
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		signal(forwarded[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	/* Without its supervisor the command would run on with a dead gate
	 * (its connects failing closed): it goes when the supervisor goes. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(1); /* it died before the line above took effect */
	confine_and_exec(spec, fdsock, &e);
	m.code = e.code;
	m.at_exec = e.at_exec;
	snprintf(m.step, sizeof(m.step), "%s", e.step);
	snprintf(m.path, sizeof(m.path), "%s", e.path);
	n = write(wfd, &m, sizeof(m));
	(void)n;
	_exit(e.at_exec ? nono_exec_status(e.code) : 1);
}

struct child_args {
	const struct nono_exec_spec *spec;
	const sigset_t *oldmask;
	int wfd, rfd, sp_parent, sp_child;
	pid_t parent;
};

static int child_main(void *p)
{
	const struct child_args *a = p;

	close(a->rfd);
	if (a->sp_parent >= 0)
		close(a->sp_parent);
	child(a->spec, a->wfd, a->sp_child, a->oldmask, a->parent);
	return 1; /* not reached */
}

/*
 * Starts the child.  Without masks to mount it shares our memory and we
 * sleep until it has exec'd (CLONE_VM | CLONE_VFORK, as posix_spawn does):
 * no page tables are copied and no page is copied on write, which is a
 * good part of what a supervised start costs.  Until exec the child only
 * makes system calls and writes to its own stack (and errno, which the
 * sleeping parent does not read); its fd table is its own.  Masks and an
 * isolated network need a new user namespace (and keep a little state in
 * the namespace code), so then a plain fork(); so does nono learn, whose
 * gate hears the child's own execve and must be awake to answer it.
 */
static pid_t spawn(struct child_args *a)
{
	static char stack[128 * 1024] __attribute__((aligned(64)));
	pid_t pid;

	const struct nono_caps *caps = nono_sandbox_caps(a->spec->sb);

	if (nono_caps_mask_count(caps) == 0 && !nono_caps_isolated_net(caps) &&
	    !nono_caps_learn(caps))
		return clone(child_main, stack + sizeof(stack),
			     CLONE_VM | CLONE_VFORK | SIGCHLD, a);
	pid = fork();
	if (pid == 0)
		child_main(a);
	return pid;
}

static int status_of(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 1;
}

/* Reaps every exited child (orphans of the sandbox are ours too, as a
 * subreaper); true once @main has exited, with its status in *@ws. */
static bool reap(pid_t main, int *ws)
{
	bool done = false;
	pid_t w;
	int st;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
		if (w == main && (WIFEXITED(st) || WIFSIGNALED(st))) {
			*ws = st;
			done = true;
		}
	}
	return done;
}

static bool kept(const pid_t *keep, size_t nkeep, pid_t pid)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == pid)
			return true;
	return false;
}

/* The pids in one /proc/PID/task/TID/children file (at most @max): their
 * number, or -1 when it cannot be opened. */
static ssize_t read_children(const char *path, pid_t *out, size_t max)
{
	char buf[4096], *p, *end;
	size_t n = 0;
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* A full buffer may end in half a pid ("1234" of 12345): never that;
	 * the rest of the list comes next round. */
	if ((size_t)len == sizeof(buf) - 1) {
		char *sp = strrchr(buf, ' ');

		if (!sp)
			return 0;
		*sp = '\0';
	}
	for (p = buf; n < max; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0)
			out[n++] = (pid_t)pid;
	}
	return (ssize_t)n;
}

/* Our children (at most @max): /proc/self/task/<tid>/children, else a
 * scan of /proc for processes whose parent we are. */
static size_t list_children(pid_t *out, size_t max)
{
	char path[64], buf[4096];
	pid_t self = getpid();
	size_t n = 0;
	DIR *d;
	struct dirent *de;

	d = opendir("/proc/self/task");
	while (d && (de = readdir(d)) != NULL) {
		ssize_t got;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.16s/children",
			 de->d_name);
		got = read_children(path, out + n, max - n);
		if (got < 0) {
			closedir(d);
			d = NULL;
			break; /* no CONFIG_PROC_CHILDREN: scan below */
		}
		n += (size_t)got;
	}
	if (d) {
		closedir(d);
		return n;
	}
	d = opendir("/proc");
	while (d && n < max && (de = readdir(d)) != NULL) {
		long pid = strtol(de->d_name, NULL, 10);
		FILE *f;
		int ppid = 0;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		f = fopen(path, "re");
		/* pid (comm) state ppid: comm may hold spaces or parens. */
		if (f && fgets(buf, sizeof(buf), f)) {
			char *rp = strrchr(buf, ')');

			if (rp)
				sscanf(rp + 1, " %*c %d", &ppid);
		}
		if (f)
			fclose(f);
		if (ppid == self)
			out[n++] = (pid_t)pid;
	}
	if (d)
		closedir(d);
	return n;
}

size_t nono_kill_children(const pid_t *keep, size_t nkeep)
{
	pid_t kids[256];
	size_t nk = list_children(kids, 256), n = 0;

	for (size_t i = 0; i < nk; i++)
		if (!kept(keep, nkeep, kids[i]) && kill(kids[i], SIGKILL) == 0)
			n++;
	return n;
}

/* Kills @pid and then, depth first, everything below it: each process is
 * killed before its children are read, so it cannot add one after (a
 * fork racing the SIGKILL either fails or has linked its child already).
 * Children of a process that has already exited are ours now (we are the
 * subreaper) and come in the next round, and so do those below
 * KILL_DEPTH (a deep chain must not run the stack out).  The number
 * killed. */
#define KILL_DEPTH 64

static size_t kill_tree(pid_t pid, int depth)
{
	char path[80];
	pid_t kids[256];
	size_t n = 0;
	DIR *d;
	struct dirent *de;

	if (kill(pid, SIGKILL) == 0)
		n++;
	if (depth >= KILL_DEPTH)
		return n;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && (de = readdir(d)) != NULL) {
		ssize_t got;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
			 (int)pid, de->d_name);
		got = read_children(path, kids, 256);
		for (ssize_t i = 0; i < got; i++)
			n += kill_tree(kids[i], depth + 1);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * When the command has exited, whatever it left behind goes too.  A
 * daemonised descendant (setsid, double fork) outlived nono before, took
 * the terminal's foreground after nono had exited and read the user's next
 * line, and kept writing into the granted trees.  As the sandbox's
 * subreaper we are the parent of every orphan of it, however it
 * daemonised.  Each round kills our children and everything below them,
 * top down (kill_tree), and the next follows at once while there was
 * anything to kill: a chain of processes that each fork the next and exit
 * stayed one level ahead of rounds that killed only our children, 1 ms
 * apart, and outlived nono (review 3 of session 17).  Bounded by time; a
 * process stuck in the kernel is given up on after about two seconds.
 */
static void kill_leftovers(const struct nono_exec_spec *spec)
{
	const pid_t *keep = spec ? spec->keep : NULL;
	size_t nkeep = spec ? spec->nkeep : 0;
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned round = 0;; round++) {
		pid_t kids[256];
		size_t nk = list_children(kids, 256), n = 0;
		pid_t w;
		int st;

		for (size_t i = 0; i < nk; i++)
			if (!kept(keep, nkeep, kids[i]))
				n += kill_tree(kids[i], 0);
		/* Reap what died (the kept ones are their owners' to reap,
		 * and they tolerate finding them reaped). */
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			;
		if (n == 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 2)
			break;
		/* Progress: the next round at once; a few rounds in, a
		 * breath for what is dying. */
		if (round > 16)
			usleep(100);
	}
	nono_log(NONO_LOG_WARN, "some processes of the sandbox did not die");
}

/*
 * The guardian: a small process of nono's own (not sandboxed) between the
 * supervisor and the command.  It is the command's parent and the
 * subreaper of everything the command starts, however that daemonises.
 * When the command exits it kills what is left; when the supervisor dies
 * (SIGKILL included: PR_SET_PDEATHSIG) it kills the whole sandbox.  Before
 * it, a SIGKILL of nono left daemonised descendants running.  If the
 * guardian itself is killed, its orphans come to the supervisor (also a
 * subreaper), which kills them when it ends.  Signals the supervisor
 * relays reach the command through it; a signal the terminal sent reached
 * the command directly.  It exits as the command did (the same code, or
 * the same signal).
 */
#define GUARD_SIG (SIGRTMIN + 2)

static void guardian(struct child_args *a, const sigset_t *relayed,
		     pid_t supervisor)
{
	struct launch_msg m = {0};
	sigset_t set = *relayed;
	pid_t cmd, w;
	int sfd, st, ws = 0;
	bool done = false;
	ssize_t n;

	sigaddset(&set, GUARD_SIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, GUARD_SIG, 0, 0, 0);
	if (getppid() != supervisor)
		_exit(1); /* it died before the line above took effect */
	/* On the session's own terminal: a new session whose controlling
	 * terminal is the PTY, so that the command's job control and
	 * foreground changes act on it and never on the user's terminal. */
	if (a->spec->pty) {
		int s = a->spec->pty_slave;

		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0 ||
		    dup2(s, 0) < 0 || dup2(s, 1) < 0 || dup2(s, 2) < 0) {
			m.code = -errno;
			snprintf(m.step, sizeof(m.step), "terminal");
			n = write(a->wfd, &m, sizeof(m));
			(void)n;
			_exit(1);
		}
		if (s > 2)
			close(s);
	}
	a->parent = getpid();
	cmd = spawn(a);
	if (cmd < 0) {
		m.code = -errno;
		snprintf(m.step, sizeof(m.step), "fork");
		n = write(a->wfd, &m, sizeof(m));
		(void)n;
		_exit(1);
	}
	/* A copy of the supervisor's memory, secrets included (credential
	 * keys): no other process of the user may read it, and no core.
	 * (After the spawn: the command must start dumpable, for the gate
	 * reads its memory.) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The command has its own copies of what it needs; holding the
	 * supervisor's descriptors here would keep pipes and channels open
	 * (the launch pipe's EOF tells the supervisor that exec worked). */
	if (syscall(SYS_close_range, 3U, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	/* Without it nothing could be relayed or contained: the command
	 * goes (below), and says why. */
	if (sfd < 0)
		nono_log(NONO_LOG_WARN,
			 "guardian: signalfd: %s; stopping the "
			 "command",
			 strerror(errno));
	while (sfd >= 0 && !done) {
		struct signalfd_siginfo si;

		n = read(sfd, &si, sizeof(si));
		if (n != (ssize_t)sizeof(si)) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		if ((int)si.ssi_signo == GUARD_SIG) {
			/* The supervisor is gone: so is the sandbox. */
			kill(cmd, SIGKILL);
			kill_leftovers(NULL);
			_exit(1);
		}
		if (si.ssi_signo == SIGCHLD) {
			while ((w = waitpid(-1, &st, WNOHANG)) > 0)
				if (w == cmd &&
				    (WIFEXITED(st) || WIFSIGNALED(st))) {
					ws = st;
					done = true;
				}
			continue;
		}
		if (si.ssi_code != SI_KERNEL)
			kill(cmd, (int)si.ssi_signo);
	}
	if (!done) {
		kill(cmd, SIGKILL);
		while (waitpid(cmd, &ws, 0) < 0 && errno == EINTR)
			;
	}
	kill_leftovers(NULL);
	if (WIFSIGNALED(ws)) {
		struct rlimit none = {0, 0};
		int sig = WTERMSIG(ws);
		sigset_t one;

		/* The same death for the supervisor to see (no core of ours:
		 * the command's, if any, was written already). */
		setrlimit(RLIMIT_CORE, &none);
		signal(sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	_exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 1);
}

/* The guardian (which starts the command), or -1. */
static pid_t spawn_guarded(struct child_args *a, const sigset_t *relayed)
{
	pid_t supervisor = getpid(), g = fork();

	if (g == 0)
		guardian(a, relayed, supervisor);
	return g;
}

/* Serves signals, the gate and the hooks until the command exits and the
 * hooks are done. */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void supervise_loop(const struct nono_exec_spec *spec, pid_t pid,
			   int sigfd, struct nono_gate *gate, int listener,
			   int *ws)
{
	const struct nono_loop_hooks *h = spec->hooks;
	long long later = spec->on_later ? mono_ms() + spec->later_ms : -1;
	bool exited = false;

	for (;;) {
		struct pollfd pfds[2 + 64];
		size_t nh = 0;
		int n, timeout = -1;
		bool others = false;

		pfds[0] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		pfds[1] = (struct pollfd){.fd = listener, .events = POLLIN};
		/* Capability elevation: answers applied, questions asked
		 * (before the relay's fds: a question holds its output). */
		int et = gate ? nono_gate_elevate_tick(gate, listener) : -1;

		if (h) {
			timeout = h->timeout(h->arg);
			nh = h->fds(h->arg, pfds + 2, 64);
		}
		if (et >= 0 && (timeout < 0 || et < timeout))
			timeout = et;
		if (exited)
			later = -1;
		if (later >= 0) {
			long long left = later - mono_ms();

			if (left <= 0) {
				later = -1;
				nono_gate_release_lowered();
				spec->on_later(spec->arg);
				continue;
			}
			if (timeout < 0 || left < timeout)
				timeout = (int)left;
		}
		n = poll(pfds, 2 + nh, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Cannot wait for events: fall back to a plain wait,
			 * which at least propagates the status. */
			nono_gate_release_lowered();
			if (!exited)
				waitpid(pid, ws, 0);
			return;
		}
		if (listener >= 0 && pfds[1].revents) {
			if (pfds[1].revents & POLLIN) {
				if (nono_gate_serve(gate, listener) < 0)
					pfds[1].revents |= POLLERR;
			}
			/* Every sandboxed process is gone, or the listener
			 * broke: later notifications fail closed (ENOSYS). */
			if (pfds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) {
				close(listener);
				listener = -1;
			}
		}
		/* Anything but a gated call: with the capabilities the
		 * gate held lowered given back. */
		for (size_t i = 0; i < nh; i++)
			others |= pfds[2 + i].revents != 0;
		if (n == 0 || others || pfds[0].revents)
			nono_gate_release_lowered();
		if (h && nh)
			h->events(h->arg, pfds + 2, nh);
		if (pfds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					continue;
				if (si.ssi_signo == SIGWINCH && h && h->winch) {
					h->winch(h->arg);
					continue;
				}
				/* A terminal-generated signal already reached
				 * the child through the process group: relay
				 * only those sent to us. */
				if (si.ssi_code != SI_KERNEL && !exited) {
					kill(pid, (int)si.ssi_signo);
					if (h && h->relayed)
						h->relayed(h->arg,
							   (int)si.ssi_signo);
				}
			}
			if (!exited && reap(pid, ws)) {
				if (!h)
					break;
				exited = true;
				h->exited(h->arg, status_of(*ws),
					  WIFSIGNALED(*ws) ? WTERMSIG(*ws) : 0);
			}
		}
		if (exited && h->done(h->arg))
			break;
	}
	nono_gate_release_lowered();
	if (listener >= 0)
		close(listener);
}

int nono_supervise(const struct nono_exec_spec *spec, int *status, int *signo,
		   struct nono_exec_error *err)
{
	struct nono_gate *gate = spec->gate;
	struct child_args ca;
	struct launch_msg m;
	sigset_t set, old;
	int pfd[2], sp[2] = {-1, -1};
	int sigfd = -1, listener = -1;
	bool gated = nono_caps_gate(nono_sandbox_caps(spec->sb));
	bool netns = nono_caps_isolated_net(nono_sandbox_caps(spec->sb)) != 0;
	pid_t pid, parent;
	ssize_t n;
	int ws = 0;

	*status = 1;
	*signo = 0;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		fill(err, -errno, "pipe", NULL);
		return err->code;
	}
	if (gated && !gate) {
		fill(err, -EINVAL, "gate", NULL);
		goto fail_early;
	}
	if (netns && (!gated || !spec->on_net_listener)) {
		fill(err, -EINVAL, "network namespace", NULL);
		goto fail_early;
	}
	if (gated &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		fill(err, -errno, "gate", NULL);
		goto fail_early;
	}
	/* Orphans of the sandbox stay our descendants: the gate can still
	 * reach their sockets, and nothing is left unreaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* Blocked before fork so that no signal is lost between fork and
	 * the wait loop; the child restores the old mask. */
	sigprocmask(SIG_BLOCK, &set, &old);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		fill(err, -errno, "signalfd", NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto fail_early;
	}
	ca.spec = spec;
	ca.oldmask = &old;
	ca.wfd = pfd[1];
	ca.rfd = pfd[0];
	ca.sp_parent = sp[0];
	ca.sp_child = sp[1];
	ca.parent = parent = getpid();
	pid = spawn_guarded(&ca, &set);
	if (pid < 0) {
		fill(err, -errno, "fork", NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto fail_early;
	}
	close(pfd[1]);
	if (spec->on_spawned)
		spec->on_spawned(spec->arg);
	if (spec->pty) {
		close(spec->pty_slave);
		if (spec->hooks && spec->hooks->started)
			spec->hooks->started(spec->hooks->arg, pid);
	}
	if (gated) {
		close(sp[1]);
		sp[1] = -1;
		if (netns) {
			int net = recv_fd(sp[0]);

			/* -1: the child failed before the handover and says
			 * why below.  A refusal stops the command before it
			 * runs. */
			if (net >= 0 &&
			    spec->on_net_listener(spec->arg, net) < 0)
				kill(pid, SIGKILL);
			/* The diag socket of the sandbox's namespace: the
			 * gate knows its sockets by inode through it. */
			if (net >= 0) {
				int diag = recv_fd(sp[0]);

				if (diag >= 0)
					nono_gate_set_netns_diag(gate, diag);
				else
					kill(pid, SIGKILL);
			}
		}
		listener = recv_fd(sp[0]);
		close(sp[0]);
		sp[0] = -1;
		/* Linux 6.6+: the sandboxed task and we hand the CPU to each
		 * other synchronously, instead of waking across CPUs for every
		 * notification (several times faster per connect or create in
		 * a VM).  Older kernels refuse the flag: nothing changes. */
		if (listener >= 0) {
			__u64 sync = NONO_NOTIF_FD_SYNC_WAKE_UP;

			syscall(SYS_ioctl, listener, NONO_IOCTL_NOTIF_SET_FLAGS,
				sync);
		}
	}

	/* Learning, the child's execve goes to the gate: answered while we
	 * wait for it to happen. */
	if (gate && listener >= 0 &&
	    nono_caps_learn(nono_sandbox_caps(spec->sb))) {
		struct pollfd w[2] = {{.fd = pfd[0], .events = POLLIN},
				      {.fd = listener, .events = POLLIN}};

		for (;;) {
			if (poll(w, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (w[1].revents & POLLIN)
				nono_gate_serve(gate, listener);
			else if (w[1].revents)
				w[1].fd = -1; /* the listener is done */
			if (w[0].revents)
				break; /* exec'd, or failed */
		}
		nono_gate_release_lowered();
	}
	/* EOF means exec succeeded; a message means the launch failed. */
	do {
		n = read(pfd[0], &m, sizeof(m));
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (spec->on_started)
		spec->on_started(spec->arg);

	supervise_loop(spec, pid, sigfd, gate, listener, &ws);
	kill_leftovers(spec);
	close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	*status = status_of(ws);
	if (WIFSIGNALED(ws))
		*signo = WTERMSIG(ws);
	if (n == (ssize_t)sizeof(m)) {
		m.step[sizeof(m.step) - 1] = '\0';
		m.path[sizeof(m.path) - 1] = '\0';
		fill(err, m.code, m.step, m.path);
		err->at_exec = m.at_exec;
		return m.code < 0 ? m.code : -EIO;
	}
	return 0;

fail_early:
	if (spec->pty)
		close(spec->pty_slave);
	close(pfd[0]);
	close(pfd[1]);
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	if (sigfd >= 0)
		close(sigfd);
	return err->code;
}
