/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process supervision: runs a command inside a sandbox, either as a child
 * that the caller supervises (signals forwarded, status propagated) or by
 * replacing the caller (exec, no parent left).
 */
#ifndef NONO_SUPERVISOR_SUPERVISE_H
#define NONO_SUPERVISOR_SUPERVISE_H

#include "nono/sandbox.h"
#include <stdbool.h>

struct nono_gate;
struct pollfd;

/*
 * What else the supervisor's loop serves while the command runs (a
 * session's PTY relay): its fds are polled with the gate's, and after the
 * command has exited the loop goes on until done() says so.
 */
struct nono_loop_hooks {
	void *arg;
	size_t (*fds)(void *arg, struct pollfd *p, size_t cap);
	void (*events)(void *arg, const struct pollfd *p, size_t n);
	int (*timeout)(void *arg); /* ms until it needs the loop, -1 none */
	void (*started)(void *arg, pid_t pid); /* the guardian runs */
	void (*exited)(void *arg, int status, int signo);
	bool (*done)(void *arg);
	/* SIGWINCH reached the supervisor: handled here, not relayed (the
	 * command learns its new size from its own terminal). */
	void (*winch)(void *arg);
	/* A signal sent to nono was relayed to the command (or NULL). */
	void (*relayed)(void *arg, int signo);
};

struct nono_exec_spec {
	const struct nono_sandbox *sb;
	/* Serves connect/bind when the capability set enables the gate;
	 * borrowed, required then (nono_supervise only). */
	struct nono_gate *gate;
	char *const *argv; /* argv[0] is looked up in the child's PATH */
	char *const *envp;
	/* With an isolated network (nono_caps_set_isolated_net): called by
	 * nono_supervise with the listener made inside the sandbox's network
	 * namespace (owned by the callee from then on), before the command
	 * runs.  A negative return stops the launch. */
	int (*on_net_listener)(void *arg, int fd);
	/* Optional: called by nono_supervise once the child has exec'd the
	 * command or failed to (it needs nothing of @envp any more), so the
	 * caller can wipe what only the command was to see (credentials)
	 * while it supervises. */
	void (*on_started)(void *arg);
	/* Optional: called as soon as the sandbox's first process is forked,
	 * while it builds the sandbox (in parallel with it). */
	void (*on_spawned)(void *arg);
	/* Optional: called once from the supervision loop @later_ms after
	 * on_started, unless the command has ended by then: work that need
	 * not delay a short command (the audit trail's thread). */
	void (*on_later)(void *arg);
	int later_ms;
	void *arg;
	/* Children of ours that are not the sandbox's (the TLS helper): they
	 * survive the clean-up of the sandbox's leftovers (borrowed). */
	const pid_t *keep;
	size_t nkeep;
	/* A session on its own terminal: the PTY's slave becomes the
	 * command's controlling terminal and stdin, stdout and stderr (in a
	 * new session led by the guardian).  Owned by nono_supervise, which
	 * closes it once the guardian has its copy. */
	bool pty;
	int pty_slave;
	const struct nono_loop_hooks *hooks; /* or NULL */
};

/* Why a launch failed. */
struct nono_exec_error {
	int code; /* -errno or -NONO_E* */
	/* The sandbox was in place and execve itself failed (exit status
	 * 126/127, the footer explains the command); else a set-up step. */
	bool at_exec;
	/* For messages: the step ("landlock", "mask", "exec", "fork"...). */
	char step[32];
	char path[4096];
};

/*
 * Starts the command in a sandboxed child and waits for it, forwarding
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH and SIGALRM
 * sent to the supervisor (terminal-generated copies already reach the child,
 * which shares our process group).  On return *@status holds the shell-style
 * status: the exit code, or 128+N when the child died of signal N.
 * Returns 0 when the command ran, or a negative code with *@err filled when
 * it could not be started (*@status is then 126 or 127 for exec failures, 1
 * otherwise).  *@signo is the signal that killed the child, 0 when it
 * exited (so "exit 130" and death by SIGINT can be told apart).
 */
int nono_supervise(const struct nono_exec_spec *spec, int *status, int *signo,
		   struct nono_exec_error *err);

/* Confines the calling process and execs the command.  Returns only on
 * failure, with *@err filled; the process must then exit. */
int nono_exec_sandboxed(const struct nono_exec_spec *spec,
			struct nono_exec_error *err);

/* Shell status for an exec failure: 127 for a missing command, 126 for one
 * that exists but cannot run. */
int nono_exec_status(int code);

/* Sends SIGKILL to every child process of ours (of every thread) but
 * the @nkeep in @keep; returns how many. */
size_t nono_kill_children(const pid_t *keep, size_t nkeep);

#endif
