// SPDX-License-Identifier: Apache-2.0
/*
 * Thread names: a process of the sandbox opening the comm file of one of its
 * own threads (--allow-gpu: CUDA names its threads).  Part of the gate.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

/* The thread group of @tid ("Tgid:" in its status), or -1. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[1024];
	nono_autoclose int fd = -1;
	const char *t;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	t = strstr(buf, "\nTgid:\t");
	return t ? (pid_t)strtol(t + 7, NULL, 10) : -1;
}

/* A positive decimal number at *@s, which moves past it; -1 if none. */
static long number(const char **s)
{
	long v = 0;

	if (**s < '0' || **s > '9')
		return -1;
	while (**s >= '0' && **s <= '9' && v < 1L << 30)
		v = v * 10 + (*(*s)++ - '0');
	return v > 0 ? v : -1;
}

long nono_gate_parse_comm(const char *path, pid_t own, pid_t caller)
{
	const char *s = path + 6;
	long pid, tid = -1;

	if (strncmp(path, "/proc/", 6) != 0)
		return -1;
	if (strncmp(s, "thread-self/", 12) == 0) {
		s += 12;
		pid = own;
		tid = caller;
	} else if (strncmp(s, "self/", 5) == 0) {
		s += 5;
		pid = own;
	} else {
		pid = number(&s);
		if (pid != own || *s++ != '/')
			return -1;
	}
	if (tid < 0 && strncmp(s, "task/", 5) == 0) {
		s += 5;
		tid = number(&s);
		if (tid < 0 || *s++ != '/')
			return -1;
	}
	if (strcmp(s, "comm") != 0)
		return -1;
	return tid < 0 ? pid : tid;
}

/*
 * --allow-gpu: the NVIDIA driver names its threads through
 * /proc/self/task/<tid>/comm, and CUDA fails to start without it.  The
 * Landlock rule made for the first process covers its own /proc entry
 * only; a process it starts (a shell's child, a DataLoader worker) gets
 * its thread names here: for the comm file of a thread of the caller's own
 * process, the supervisor opens it and hands the fd over.  The kernel
 * checks again at write time that the writer is of that thread's process,
 * so a recycled thread id gains nothing.  Anything else goes back to the
 * kernel and Landlock.  True when it answered.
 */
bool nono_gate_name_thread(int listener, const struct seccomp_notif *req,
			   int flags, __u64 path_addr)
{
	struct seccomp_notif_addfd add = {0};
	nono_autoclose int fd = -1;
	char path[PATH_MAX], comm[64];
	pid_t own;
	long tid;

	if ((flags & O_ACCMODE) == O_RDONLY ||
	    nono_gate_read_string(req->pid, path_addr, path, sizeof(path)) <
		0 ||
	    strncmp(path, "/proc/", 6) != 0)
		return false;
	own = tgid_of(req->pid);
	tid = own > 0 ? nono_gate_parse_comm(path, own, req->pid) : -1;
	if (tid < 0 || tgid_of((pid_t)tid) != own)
		return false;
	snprintf(comm, sizeof(comm), "/proc/%ld/comm", tid);
	fd = open(comm, (flags & O_ACCMODE) | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !nono_gate_still_valid(listener, req->id))
		return false;
	add.id = req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (__u32)fd;
	add.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
	return notif_ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) >= 0;
}
