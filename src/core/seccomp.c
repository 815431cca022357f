// SPDX-License-Identifier: Apache-2.0
/*
 * Loading the seccomp filter.  The programs were generated from the rules
 * in seccomp_rules.c at build time (tools/gen_seccomp.c), one per option
 * set, so starting a command costs one table lookup and one seccomp(2)
 * call: no filter compiler runs in the hot path, and libseccomp is needed
 * to build nono, not to run it.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/seccomp_bpf.h"
#include "core/seccomp_rules_index.h"
#include "nono/error.h"
#include "nono/seccomp.h"

struct nono_seccomp {
	struct sock_fprog prog;
	bool gate;
};

int nono_seccomp_build(const struct nono_seccomp_opts *opts,
		       struct nono_seccomp **out)
{
	const struct nono_bpf_program *p;
	struct nono_seccomp *sc;

	*out = NULL;
	p = &nono_bpf_programs[nono_seccomp_variant(opts)];
	if (!p->len)
		return -NONO_ESECCOMP;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->prog.len = p->len;
	sc->prog.filter = (struct sock_filter *)p->insns;
	sc->gate = opts->gate;
	*out = sc;
	return 0;
}

int nono_seccomp_load(const struct nono_seccomp *sc, int *listener)
{
	long r;

	*listener = -1;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    sc->gate ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &sc->prog);
	if (r < 0)
		return -errno;
	if (sc->gate)
		*listener = (int)r;
	return 0;
}

bool nono_seccomp_listener_available(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	pid_t pid;
	int st;

	/* 2: a filter is in place (one prctl, no /proc parsing). */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		return true;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		long fd;

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		_exit(fd < 0 ? 1 : 0);
	}
	if (waitpid(pid, &st, 0) < 0)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void nono_seccomp_free(struct nono_seccomp *sc)
{
	free(sc);
}
