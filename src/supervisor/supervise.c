// SPDX-License-Identifier: Apache-2.0
/*
 * fork/exec supervision of the sandboxed command: the child confines itself
 * and execs; the parent relays signals and turns the child's fate into an
 * exit status.  Start-up failures travel back over a close-on-exec pipe, so
 * the parent can tell "could not start" from "ran and failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nono/error.h"
#include "supervisor/supervise.h"

/* What the child sends back when it cannot start. */
struct launch_msg {
	int code;
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

static int confine_and_exec(const struct nono_exec_spec *spec,
			    struct nono_exec_error *err)
{
	struct nono_sandbox_error se = {0};
	int r;

	r = nono_sandbox_enter(spec->sb, &se);
	if (r < 0) {
		fill(err, r, se.step, se.path);
		return r;
	}
	cloexec_all();
	execvpe(spec->argv[0], spec->argv, spec->envp);
	r = -errno;
	fill(err, r, "exec", spec->argv[0]);
	return r;
}

int nono_exec_sandboxed(const struct nono_exec_spec *spec,
			struct nono_exec_error *err)
{
	return confine_and_exec(spec, err);
}

static void child(const struct nono_exec_spec *spec, int wfd,
		  const sigset_t *oldmask)
{
	struct nono_exec_error e = {0};
	struct launch_msg m = {0};
	ssize_t n;

	/* Back to the caller's signal state before exec. */
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		signal(forwarded[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	confine_and_exec(spec, &e);
	m.code = e.code;
	snprintf(m.step, sizeof(m.step), "%s", e.step);
	snprintf(m.path, sizeof(m.path), "%s", e.path);
	n = write(wfd, &m, sizeof(m));
	(void)n;
	_exit(strcmp(e.step, "exec") == 0 ? nono_exec_status(e.code) : 1);
}

static int status_of(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 1;
}

int nono_supervise(const struct nono_exec_spec *spec, int *status, int *signo,
		   struct nono_exec_error *err)
{
	struct launch_msg m;
	sigset_t set, old;
	int pfd[2];
	pid_t pid;
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
	/* Blocked before fork so that no signal is lost between fork and
	 * the wait loop; the child restores the old mask. */
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid < 0) {
		fill(err, -errno, "fork", NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(pfd[0]);
		close(pfd[1]);
		return err->code;
	}
	if (pid == 0) {
		close(pfd[0]);
		child(spec, pfd[1], &old);
	}
	close(pfd[1]);

	/* EOF means exec succeeded; a message means the launch failed. */
	do {
		n = read(pfd[0], &m, sizeof(m));
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			pid_t w = waitpid(pid, &ws, WNOHANG);

			if (w == pid && (WIFEXITED(ws) || WIFSIGNALED(ws)))
				break;
			continue;
		}
		/* A terminal-generated signal already reached the child
		 * through the process group: relay only those sent to us. */
		if (si.si_code != SI_KERNEL)
			kill(pid, sig);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	*status = status_of(ws);
	if (WIFSIGNALED(ws))
		*signo = WTERMSIG(ws);
	if (n == (ssize_t)sizeof(m)) {
		m.step[sizeof(m.step) - 1] = '\0';
		m.path[sizeof(m.path) - 1] = '\0';
		fill(err, m.code, m.step, m.path);
		return m.code < 0 ? m.code : -EIO;
	}
	return 0;
}
