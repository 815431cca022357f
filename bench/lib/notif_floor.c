// SPDX-License-Identifier: Apache-2.0
/*
 * The floor under every decision of nono's gate: the cost of one seccomp
 * user-notification round trip on this machine, with a supervisor that
 * decides nothing.  A child calls getppid() N times, each sent to the
 * supervisor, which answers at once: CONTINUE (mode 0), or an injected fd
 * as nono answers an open (mode 1, SECCOMP_ADDFD_FLAG_SEND), optionally
 * with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (as nono sets it).  Prints
 * microseconds per call.  bench/bench-notif-floor.sh builds and runs it.
 *   notif_floor N MODE [sync]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int send_fd(int s, int fd)
{
	char c = 'x', b[CMSG_SPACE(sizeof(int))];
	struct iovec io = {&c, 1};
	struct msghdr m = {.msg_iov = &io,
			   .msg_iovlen = 1,
			   .msg_control = b,
			   .msg_controllen = sizeof(b)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(fd));
	return (int)sendmsg(s, &m, 0);
}

static int recv_fd(int s)
{
	char c, b[CMSG_SPACE(sizeof(int))];
	struct iovec io = {&c, 1};
	struct msghdr m = {.msg_iov = &io,
			   .msg_iovlen = 1,
			   .msg_control = b,
			   .msg_controllen = sizeof(b)};
	int fd;

	if (recvmsg(s, &m, 0) < 0 || !CMSG_FIRSTHDR(&m))
		return -1;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(fd));
	return fd;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0,
	    mode = argc > 2 ? atoi(argv[2]) : 0;
	int sv[2], l, dn;
	pid_t p;

	if (n <= 0) {
		fprintf(stderr, "usage: notif_floor N MODE [sync]\n");
		return 2;
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	p = fork();
	if (p == 0) {
		struct sock_filter f[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			     offsetof(struct seccomp_data, nr)),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog pr = {4, f};
		double t;
		char c;

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		l = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				 SECCOMP_FILTER_FLAG_NEW_LISTENER, &pr);
		send_fd(sv[0], l);
		close(l);
		if (read(sv[0], &c, 1) != 1)
			_exit(1);
		t = now();
		for (int i = 0; i < n; i++) {
			long r = syscall(SYS_getppid);

			if (mode == 1)
				close((int)r);
		}
		printf("%.1f\n", (now() - t) / n * 1e6);
		fflush(stdout);
		_exit(0);
	}
	l = recv_fd(sv[1]);
	if (argc > 3) {
		__u64 flags = 1; /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP */

		ioctl(l, _IOW(SECCOMP_IOC_MAGIC, 4, __u64), flags);
	}
	if (write(sv[1], "g", 1) != 1)
		return 1;
	dn = open("/dev/null", O_RDONLY);
	for (;;) {
		struct pollfd pf = {l, POLLIN, 0};
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;

		if (poll(&pf, 1, -1) < 0 || (pf.revents & POLLHUP))
			break;
		memset(&req, 0, sizeof(req));
		if (ioctl(l, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			break;
		if (mode == 1) {
			struct seccomp_notif_addfd a = {
			    .id = req.id,
			    .flags = SECCOMP_ADDFD_FLAG_SEND,
			    .srcfd = (__u32)dn};

			ioctl(l, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
		} else {
			memset(&resp, 0, sizeof(resp));
			resp.id = req.id;
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			ioctl(l, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		}
	}
	waitpid(p, NULL, 0);
	return 0;
}
