// SPDX-License-Identifier: Apache-2.0
/*
 * Blocking write-opens of FIFOs in sealed trees: the opener waits for a
 * reader as it would without nono, on a thread of the supervisor that
 * answers the notification itself, so the gate stays free meanwhile.
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

/* FIFOs opened for writing and waiting for a reader, at once: a ceiling,
 * so that a sandbox cannot make the supervisor spawn threads without
 * bound (the next one gets EAGAIN).  Process-wide, as the threads are. */
#define MAX_WAITING_FIFOS 32
static _Atomic int waiting_fifos;

struct fifo_job {
	int listener;
	__u64 id;
	int pathfd; /* O_PATH fd of the FIFO */
	int flags;
};

static void *fifo_thread(void *arg)
{
	struct fifo_job *job = arg;
	struct seccomp_notif_resp resp = {.id = job->id};
	struct seccomp_notif_addfd add = {0};
	char self[64];
	int fd;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", job->pathfd);
	fd = open(self, (job->flags & ~(O_CREAT | O_EXCL | O_TRUNC)) |
			    O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		add.id = job->id;
		add.flags = SECCOMP_ADDFD_FLAG_SEND;
		add.srcfd = (__u32)fd;
		add.newfd_flags = (job->flags & O_CLOEXEC) ? O_CLOEXEC : 0;
		if (notif_ioctl(job->listener, SECCOMP_IOCTL_NOTIF_ADDFD,
				&add) < 0 &&
		    errno != ENOENT) {
			resp.error = -errno;
			notif_ioctl(job->listener, SECCOMP_IOCTL_NOTIF_SEND,
				    &resp);
		}
		close(fd);
	} else {
		resp.error = -errno;
		notif_ioctl(job->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	close(job->pathfd);
	free(job);
	waiting_fifos--;
	return NULL;
}

/* A blocking write-open of a FIFO waits for a reader, as the caller's own
 * open would, on a thread that answers the notification itself.  True
 * when the thread took it. */
bool nono_gate_fifo_open_later(int listener, const struct seccomp_notif *req,
			       int dfd, const char *name, int flags,
			       struct seccomp_notif_resp *resp)
{
	struct fifo_job *job;
	pthread_attr_t attr;
	pthread_t th;
	struct stat st;

	if (waiting_fifos >= MAX_WAITING_FIFOS) {
		resp->error = -EAGAIN;
		return false;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		resp->error = -ENOMEM;
		return false;
	}
	job->listener = listener;
	job->id = req->id;
	job->flags = flags;
	job->pathfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (job->pathfd < 0 || fstat(job->pathfd, &st) < 0 ||
	    !S_ISFIFO(st.st_mode) || pthread_attr_init(&attr) != 0) {
		resp->error = job->pathfd < 0 ? -errno : -EAGAIN;
		goto fail;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	waiting_fifos++;
	if (pthread_create(&th, &attr, fifo_thread, job) != 0) {
		waiting_fifos--;
		pthread_attr_destroy(&attr);
		resp->error = -EAGAIN;
		goto fail;
	}
	pthread_attr_destroy(&attr);
	return true;
fail:
	if (job->pathfd >= 0)
		close(job->pathfd);
	free(job);
	return false;
}
