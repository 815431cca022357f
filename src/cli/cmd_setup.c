// SPDX-License-Identifier: Apache-2.0
/*
 * nono setup: checks what this system gives nono (kernel, Landlock ABI and
 * each of its features, seccomp and its user notification, user
 * namespaces), proves it with a real test sandbox, and optionally writes
 * example profiles and prints shell integration.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cmd_setup.h"
#include "cli/output.h"
#include "nono/caps.h"
#include "nono/landlock.h"
#include "nono/ns.h"
#include "nono/sandbox.h"
#include "nono/seccomp.h"
#include "plan/profile_apply.h"
#include "policy/system.h"
#include "util/fsutil.h"
#include "util/jsonout.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: nono setup [--check-only [--json]] [--profiles] "
		   "[--shell-integration] [-v]\n\n"
		   "  --check-only         verify nono can sandbox here; "
		   "create no files\n"
		   "  --json               with --check-only: the checks as "
		   "JSON\n"
		   "  --profiles           write example user profiles to "
		   "~/.config/nono/profiles/\n"
		   "  --shell-integration  print aliases for bash, zsh and "
		   "fish\n");
}

/* --json: the rows as objects of one array. */
static bool json_out;
static int nrows;

static void row(const char *what, bool ok, const char *detail)
{
	if (json_out) {
		printf("%s{\"check\":", nrows++ ? "," : "");
		nono_json_str(stdout, what + strspn(what, " "));
		printf(",\"ok\":%s,\"detail\":", ok ? "true" : "false");
		nono_json_str(stdout, detail);
		printf("}");
		return;
	}
	printf("  %-36s %-4s %s\n", what, ok ? "ok" : "NO", detail);
}

/*
 * A real sandbox in a child: system grants only.  Inside, a granted path
 * must open and an ungranted directory (/ itself) must be refused.
 * Returns 0 when both hold, else a short reason in @why.
 */
static int test_sandbox(char *why, size_t len)
{
	struct nono_caps *caps = nono_caps_new();
	struct nono_sandbox_error se = {0};
	struct nono_sandbox *sb = NULL;
	int st = 0, r;
	pid_t pid;

	if (!caps || nono_policy_add_system(caps) < 0) {
		nono_caps_free(caps);
		snprintf(why, len, "out of memory");
		return -1;
	}
	r = nono_sandbox_prepare(caps, &sb, &se);
	if (r < 0) {
		snprintf(why, len, "%s: %s", se.step, strerror(-r));
		nono_caps_free(caps);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int listener, fd;

		if (nono_sandbox_enter(sb, &listener, NULL, NULL, &se) < 0)
			_exit(10);
		fd = open("/usr", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			_exit(11); /* a grant that does not work */
		close(fd);
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 || errno != EACCES)
			_exit(12); /* a denial that does not hold */
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		st = -1;
	nono_sandbox_free(sb);
	nono_caps_free(caps);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	snprintf(why, len, "%s",
		 !WIFEXITED(st)          ? "the test child died"
		 : WEXITSTATUS(st) == 10 ? "entering the sandbox failed"
		 : WEXITSTATUS(st) == 11 ? "a granted path was refused"
		 : WEXITSTATUS(st) == 12 ? "an ungranted path was not refused"
					 : "the test child failed");
	return -1;
}

static int check(void)
{
	struct nono_landlock_report rep;
	struct nono_caps *caps = nono_caps_new();
	struct utsname u;
	char detail[256];
	int abi = nono_landlock_abi(), bad = 0;
	bool seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	bool notif = nono_seccomp_listener_available();
	bool userns = nono_ns_available();

	uname(&u);
	if (json_out) {
		printf("{\"kernel\":");
		nono_json_str(stdout, u.release);
		printf(",\"machine\":");
		nono_json_str(stdout, u.machine);
		printf(",\"landlock_abi\":%d,\"checks\":[", abi);
	} else {
		printf("nono setup: what this system gives nono\n");
		printf("  %-36s %-4s %s %s (%s)\n", "kernel", "", u.sysname,
		       u.release, u.machine);
	}
	snprintf(detail, sizeof(detail), "ABI %d (nono knows up to %d)", abi,
		 NONO_LANDLOCK_ABI_KNOWN);
	row("Landlock", abi >= 1,
	    abi >= 1 ? detail
		     : "unavailable: nono "
		       "cannot sandbox here");
	bad |= abi < 1;
	if (abi >= 1 && caps) {
		nono_caps_set_net(caps, NONO_NET_BLOCK);
		nono_caps_set_scopes(caps, NONO_SCOPE_SIGNAL |
					       NONO_SCOPE_ABSTRACT_UNIX);
		nono_landlock_describe(abi, caps, &rep);
		row("  filesystem rights", true,
		    "read, write, execute, create");
		row("  rename/link across directories", rep.refer,
		    rep.refer ? "ABI 2+" : "needs ABI 2");
		row("  truncate", rep.truncate,
		    rep.truncate ? "ABI 3+" : "needs ABI 3");
		row("  TCP bind/connect rules", rep.tcp,
		    rep.tcp ? "ABI 4+ (--block-net, --open-port)"
			    : "needs ABI 4: --open-port unavailable");
		row("  device ioctl", rep.ioctl_dev,
		    rep.ioctl_dev ? "ABI 5+" : "needs ABI 5");
		row("  signal and abstract-socket scoping", rep.scope_signal,
		    rep.scope_signal ? "ABI 6+" : "needs ABI 6");
	}
	nono_caps_free(caps);
	row("seccomp filters", seccomp,
	    seccomp ? "refuses terminal injection, keyrings, raw sockets ..."
		    : "unavailable: nono cannot sandbox here");
	bad |= !seccomp;
	row("seccomp user notification", notif,
	    notif ? "the supervisor gate (AF_UNIX, creation guard)"
		  : "unavailable (inside another sandbox?): AF_UNIX refused, "
		    "no creation guard");
	row("user namespaces", userns,
	    userns ? "protected paths hidden inside granted trees"
		   : "unavailable: grants that cover protected paths are "
		     "refused");
	if (!bad) {
		char why[128];
		int r = test_sandbox(why, sizeof(why));

		row("test sandbox", r == 0,
		    r == 0 ? "a granted path opened; / was refused" : why);
		bad |= r != 0;
	}
	if (json_out)
		printf("],\"ready\":%s}\n", bad ? "false" : "true");
	else
		printf("%s\n", bad ? "nono cannot run commands safely on this "
				     "system."
				   : "nono is ready.");
	return bad ? 1 : 0;
}

static int write_example(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	int r;

	if (snprintf(path, sizeof(path), "%s/%s.json", dir, name) >=
	    (int)sizeof(path))
		return -1;
	r = nono_write_atomic(path, text, strlen(text), 0, 0600);
	if (r == -EEXIST) {
		printf("  kept %s (it exists)\n", path);
		return 0;
	}
	if (r < 0) {
		out_error("cannot write %s: %s", path, strerror(-r));
		return -1;
	}
	printf("  wrote %s\n", path);
	return 0;
}

static int profiles(void)
{
	struct nono_profile_env env;
	const char *home = getenv("HOME");
	char dir[PATH_MAX];

	plan_profile_env(&env, home && home[0] == '/' ? home : NULL, NULL);
	if (!env.config_dir || snprintf(dir, sizeof(dir), "%s/profiles",
					env.config_dir) >= (int)sizeof(dir)) {
		out_error("no place for user profiles (set HOME)");
		return 1;
	}
	printf("Example profiles (nono profile show NAME; edit freely):\n");
	if (write_example(
		dir, "example-agent",
		"// An agent working in the current project, offline.\n"
		"{\n"
		"  \"extends\": \"default\",\n"
		"  \"meta\": {\"name\": \"example-agent\", \"description\": "
		"\"The project read-write, git config read-only, no "
		"network.\"},\n"
		"  \"groups\": {\"include\": [\"git_config\"]},\n"
		"  \"filesystem\": {\"allow\": [\"$WORKDIR\"]},\n"
		"  \"network\": {\"block\": true},\n"
		"  \"workdir\": {\"access\": \"readwrite\"}\n"
		"}\n") < 0 ||
	    write_example(
		dir, "example-readonly",
		"// Look, do not touch: the project read-only, no network.\n"
		"{\n"
		"  \"extends\": \"default\",\n"
		"  \"meta\": {\"name\": \"example-readonly\", \"description\": "
		"\"The project read-only and no network: for reviews and "
		"audits.\"},\n"
		"  \"filesystem\": {\"read\": [\"$WORKDIR\"]},\n"
		"  \"network\": {\"block\": true},\n"
		"  \"workdir\": {\"access\": \"read\"}\n"
		"}\n") < 0)
		return 1;
	return 0;
}

static void shell_integration(void)
{
	printf("# nono shell integration: add the lines for your shell.\n\n"
	       "# bash (~/.bashrc) and zsh (~/.zshrc):\n"
	       "alias nrun='nono run --allow-cwd --'\n"
	       "alias nclaude='nono run --profile claude-code --allow-cwd -- "
	       "claude'\n"
	       "alias ncodex='nono run --profile codex --allow-cwd -- codex'\n"
	       "alias nopencode='nono run --profile opencode --allow-cwd -- "
	       "opencode'\n\n"
	       "# fish (~/.config/fish/config.fish):\n"
	       "alias nrun 'nono run --allow-cwd --'\n"
	       "alias nclaude 'nono run --profile claude-code --allow-cwd -- "
	       "claude'\n"
	       "alias ncodex 'nono run --profile codex --allow-cwd -- codex'\n"
	       "alias nopencode 'nono run --profile opencode --allow-cwd -- "
	       "opencode'\n\n"
	       "# nono will not edit these files for you: they are shell "
	       "start-up files,\n# which it protects from sandboxed "
	       "commands.\n");
}

int cmd_setup(int argc, char **argv, struct global_opts *g)
{
	bool check_only = false, want_profiles = false, shell = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check-only") == 0) {
			check_only = true;
		} else if (strcmp(argv[i], "--profiles") == 0) {
			want_profiles = true;
		} else if (strcmp(argv[i], "--shell-integration") == 0) {
			shell = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			json_out = true;
		} else if (strcmp(argv[i], "-v") == 0 ||
			   strcmp(argv[i], "--verbose") == 0) {
			g->verbose++;
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			if (cli_setup_output(g, NULL) == 0)
				out_error("setup: unknown option '%s'",
					  argv[i]);
			usage(stderr);
			return 1;
		}
	}
	if (cli_setup_output(g, NULL) < 0)
		return 1;
	if (json_out && (want_profiles || shell)) {
		out_error("setup: --json goes with the checks only "
			  "(--check-only); drop --profiles and "
			  "--shell-integration");
		return 1;
	}
	if (check_only && want_profiles) {
		out_error("setup: --check-only creates no files; drop "
			  "--profiles or --check-only");
		return 1;
	}
	if (shell) {
		shell_integration();
		return 0;
	}
	r = check();
	if (r == 0 && want_profiles)
		r = profiles();
	return r;
}
