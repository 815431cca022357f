// SPDX-License-Identifier: Apache-2.0
/*
 * Sandbox assembly: prepares Landlock and seccomp from a capability set in
 * the parent, and enters them (after the mount masks) in the child, in the
 * one order that leaves no window: masks, no_new_privs, Landlock, seccomp.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nono/error.h"
#include "nono/ns.h"
#include "nono/sandbox.h"
#include "nono/seccomp.h"

struct nono_sandbox {
	const struct nono_caps *caps;
	struct nono_landlock_report report;
	int ruleset_fd;
	struct nono_seccomp *seccomp;
};

static int fail(struct nono_sandbox_error *err, int code, const char *step,
		const char *path)
{
	if (err) {
		err->code = code;
		err->step = step;
		snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	}
	return code;
}

void nono_sandbox_free(struct nono_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->ruleset_fd >= 0)
		close(sb->ruleset_fd);
	nono_seccomp_free(sb->seccomp);
	free(sb);
}

int nono_sandbox_prepare(const struct nono_caps *caps,
			 struct nono_sandbox **out,
			 struct nono_sandbox_error *err)
{
	struct nono_seccomp_opts so = {0};
	struct nono_sandbox *sb;
	char bad[PATH_MAX];
	int abi, r;

	*out = NULL;
	abi = nono_landlock_abi();
	if (abi < 0)
		return fail(err, abi, "landlock", NULL);
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return fail(err, -ENOMEM, "prepare", NULL);
	sb->caps = caps;
	sb->ruleset_fd = -1;
	nono_landlock_describe(abi, caps, &sb->report);

	r = nono_landlock_build(caps, abi, &sb->ruleset_fd, bad, sizeof(bad));
	if (r < 0) {
		nono_sandbox_free(sb);
		return fail(err, r, "landlock", bad);
	}
	so.block_net = nono_caps_net(caps) == NONO_NET_BLOCK;
	so.tcp_landlock = abi >= 4;
	so.allow_unix = nono_caps_socket_count(caps) > 0;
	so.gate = nono_caps_gate(caps);
	so.gate_create = nono_caps_guard_count(caps) > 0;
	so.gate_write = so.gate && nono_caps_proc_self_write(caps);
	so.learn = so.gate && nono_caps_learn(caps);
	so.learn_meta = so.learn && nono_caps_learn_meta(caps);
	so.elevate = so.gate && nono_caps_elevate(caps);
	so.deny_unix = nono_caps_unix_blocked(caps);
	r = nono_seccomp_build(&so, &sb->seccomp);
	if (r < 0) {
		nono_sandbox_free(sb);
		return fail(err, r, "seccomp", NULL);
	}
	*out = sb;
	return 0;
}

/*
 * No capability survives into the command: bounding, ambient, inheritable,
 * permitted and effective sets all empty, and the securebits locked so that
 * exec as uid 0 grants nothing back.  A root run kept every capability
 * before, and with them reached what Landlock does not mediate (the mount
 * API on the masks, every process's memory and environment); so did uid 0
 * inside the user namespace nono makes for the masks, over everything
 * mounted there.  An unprivileged process without one holds nothing to
 * drop and cannot change its bounding set: that is not an error.
 */
static int drop_capabilities(void)
{
	struct __user_cap_header_struct h = {.version =
						 _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	bool had = false;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		had =
		    had || d[i].permitted || d[i].effective || d[i].inheritable;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (had) {
		/* Needs CAP_SETPCAP, which is still ours here. */
		for (int cap = 0; cap <= 63; cap++) {
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
				continue;
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			return -errno;
		}
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			      SECBIT_NO_SETUID_FIXUP |
			      SECBIT_NO_SETUID_FIXUP_LOCKED |
			      SECBIT_KEEP_CAPS_LOCKED |
			      SECBIT_NO_CAP_AMBIENT_RAISE |
			      SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
			  0, 0, 0) < 0)
			return -errno;
	}
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

int nono_sandbox_enter(const struct nono_sandbox *sb, int *listener,
		       int *net_listener, int *net_diag,
		       struct nono_sandbox_error *err)
{
	uint16_t net_port = nono_caps_isolated_net(sb->caps);
	char path[PATH_MAX];
	int r;

	*listener = -1;
	if (net_listener)
		*net_listener = -1;
	if (net_diag)
		*net_diag = -1;
	if (net_port) {
		if (!net_listener || !net_diag)
			return fail(err, -EINVAL, "network namespace", NULL);
		r = nono_ns_isolate_net(net_port,
					nono_caps_mask_count(sb->caps) > 0,
					net_listener, net_diag);
		if (r < 0)
			return fail(err, r, "network namespace", NULL);
	}
	if (nono_caps_mask_count(sb->caps) > 0) {
		r = nono_ns_apply_masks(sb->caps, path, sizeof(path));
		if (r < 0)
			return fail(err, r, "mask", path);
	}
	/* Without a supervisor to name threads (see the gate's
	 * name_thread()), the process's own /proc entry is writable. */
	if (nono_caps_proc_self_write(sb->caps) && !nono_caps_gate(sb->caps)) {
		/* Resolved here, in the process being confined: the parent's
		 * /proc/self would name the wrong process. */
		snprintf(path, sizeof(path), "/proc/%d", (int)getpid());
		r = nono_landlock_add_path(sb->ruleset_fd, sb->report.abi, path,
					   NONO_ACCESS_RW, NONO_GRANT_NOEXEC);
		if (r < 0)
			return fail(err, r, "landlock", path);
	}
	r = drop_capabilities();
	if (r < 0)
		return fail(err, r, "capabilities", NULL);
	/* no_new_privs: a setuid binary must not regain what we drop, and
	 * both Landlock and seccomp require it of an unprivileged caller. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(err, -errno, "no_new_privs", NULL);
	r = nono_landlock_restrict(sb->ruleset_fd);
	if (r < 0)
		return fail(err, r, "landlock", NULL);
	r = nono_seccomp_load(sb->seccomp, listener);
	if (r < 0)
		return fail(err, r, "seccomp", NULL);
	if (nono_caps_gate(sb->caps) && *listener < 0)
		return fail(err, -EBADF, "seccomp listener", NULL);
	return 0;
}

const struct nono_landlock_report *
nono_sandbox_report(const struct nono_sandbox *sb)
{
	return &sb->report;
}

const struct nono_caps *nono_sandbox_caps(const struct nono_sandbox *sb)
{
	return sb->caps;
}
