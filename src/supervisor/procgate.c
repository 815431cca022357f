// SPDX-License-Identifier: Apache-2.0
/*
 * The process half of the gate: system calls that act on another process
 * by pid, which Landlock's scoping does not cover (it scopes signals and
 * ptrace, not these).  prlimit64(pid, RLIMIT_CPU, 1) made the kernel kill
 * an outside process of the user; setpriority, ioprio_set,
 * sched_setaffinity and sched_setscheduler slowed or pinned them.  The
 * filter sends a call here only when it names a pid other than 0 (the
 * caller): a thread of the caller's own process, or a process descended
 * from it, is the sandbox's own and goes back to the kernel (CONTINUE, the
 * pid being a register the kernel reads again unchanged); anything else
 * is refused.  A process group or a user as the target is always refused:
 * either reaches outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nono/log.h"
#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

/* "Tgid:" and "PPid:" of @pid's status; false when it is gone. */
static bool proc_ids(pid_t pid, pid_t *tgid, pid_t *ppid)
{
	char path[64], buf[1024];
	nono_autoclose int fd = -1;
	const char *t, *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	t = strstr(buf, "\nTgid:\t");
	p = strstr(buf, "\nPPid:\t");
	if (!t || !p)
		return false;
	*tgid = (pid_t)strtol(t + 7, NULL, 10);
	*ppid = (pid_t)strtol(p + 7, NULL, 10);
	return *tgid > 0;
}

bool nono_procgate_is_own(pid_t caller, pid_t target)
{
	pid_t own, tgid, ppid, cur;

	if (!proc_ids(caller, &own, &ppid) || !proc_ids(target, &tgid, &ppid))
		return false;
	if (tgid == own)
		return true; /* a thread of the caller's own process */
	/* Up the process tree: bounded, and never past our own process or
	 * init (an outside process is not below the caller). */
	cur = ppid;
	for (int depth = 0; depth < 512; depth++) {
		if (cur == own)
			return true;
		if (cur <= 1 || cur == getpid() || !proc_ids(cur, &tgid, &ppid))
			return false;
		cur = ppid;
	}
	return false;
}

bool nono_procgate_handles(int nr)
{
	switch (nr) {
	case __NR_prlimit64:
	case __NR_setpriority:
	case __NR_ioprio_set:
	case __NR_sched_setaffinity:
	case __NR_sched_setscheduler:
	case __NR_sched_setparam:
	case __NR_sched_setattr:
		return true;
	default:
		return false;
	}
}

void nono_procgate_handle(struct nono_gate *g, int listener,
			  const struct seccomp_notif *req,
			  struct seccomp_notif_resp *resp)
{
	const __u64 *a = req->data.args;
	int nr = req->data.nr;
	long target;
	char shown[112];

	(void)g;
	if (nr == __NR_setpriority || nr == __NR_ioprio_set) {
		int which = (int)(a[0] & 0xffffffffu);
		int process =
		    nr == __NR_setpriority ? PRIO_PROCESS : IOPRIO_WHO_PROCESS;

		if (which != process) {
			snprintf(shown, sizeof(shown),
				 "%s of a process group or user",
				 nr == __NR_setpriority ? "setpriority"
							: "ioprio_set");
			nono_gate_note_denial(g, NONO_GATE_PROCESS, shown);
			resp->error = -EPERM;
			return;
		}
		target = (int)(a[1] & 0xffffffffu);
	} else {
		target = (int)(a[0] & 0xffffffffu);
	}
	if (target == 0 ||
	    (target > 0 && nono_procgate_is_own(req->pid, (pid_t)target))) {
		/* Still pending: the caller we looked at is the one asking. */
		if (nono_gate_still_valid(listener, req->id))
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp->error = -ESRCH;
		return;
	}
	snprintf(shown, sizeof(shown), "process %ld (outside the sandbox)",
		 target);
	nono_gate_note_denial(g, NONO_GATE_PROCESS, shown);
	resp->error = -EPERM;
}
