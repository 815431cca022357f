/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running a short-lived program before the sandbox exists (the keystore
 * helper, the 1Password CLI) with its standard output captured under a
 * size ceiling and a time limit.
 */
#ifndef NONO_SYS_SPAWN_H
#define NONO_SYS_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

/* How a captured program ended. */
struct nono_spawn_result {
	int status;     /* exit code, 128+N after signal N, -1: not reaped */
	bool timed_out; /* killed (SIGKILL) when the time limit ran out */
	bool overflow;  /* wrote more than the buffer holds (then killed) */
	/* The first line of its standard error, printable ASCII only
	 * (anything else becomes '?'), truncated; "" when it wrote none. */
	char errline[160];
};

/*
 * Runs @path (absolute) with @argv (NULL-terminated; argv[0] is the name)
 * and the caller's environment, standard input from /dev/null, no other
 * inherited descriptor.  Its standard output goes into @buf (@cap bytes,
 * owned by the caller, who wipes it: it may hold a secret even on failure)
 * and *@len; standard error is read for @res->errline and never stored
 * elsewhere.  After @timeout_ms the program is killed.
 *
 * Returns 0 once the program has ended, however it ended (see @res; exec
 * failure is status 127 with the reason in errline), or -errno when it
 * could not be started (pipe, fork).  Not thread-safe: it waits for its
 * own child with waitpid(2), so nobody else may reap it.
 */
int nono_spawn_capture(const char *path, char *const argv[], int timeout_ms,
		       char *buf, size_t cap, size_t *len,
		       struct nono_spawn_result *res)
    __attribute__((warn_unused_result));

/* The same, with standard input read from @in_fd (the child's copy; the
 * caller keeps and closes its own), or /dev/null when -1. */
int nono_spawn_capture_in(const char *path, char *const argv[], int in_fd,
			  int timeout_ms, char *buf, size_t cap, size_t *len,
			  struct nono_spawn_result *res)
    __attribute__((warn_unused_result));

/* What nono_spawn_capture_opts takes besides the program's arguments. */
struct nono_spawn_opts {
	/* The program as an fd (O_PATH will do), run with execveat(2):
	 * the file opened when it was chosen, whatever its name leads to
	 * by now; -1 runs @path. */
	int exec_fd;
	char *const *envp; /* its whole environment; NULL: the caller's */
	int in_fd;         /* standard input (the child's copy), or -1 */
};

/* The same, with the options above (@path then only names the program in
 * messages when @o->exec_fd is given). */
int nono_spawn_capture_opts(const char *path, char *const argv[],
			    const struct nono_spawn_opts *o, int timeout_ms,
			    char *buf, size_t cap, size_t *len,
			    struct nono_spawn_result *res)
    __attribute__((warn_unused_result));

/* A memfd holding the @n buffers @parts (@lens bytes each) at offset 0: a
 * helper's standard input (a memfd rather than a pipe, so that nothing
 * waits on a reader; rather than a file, so that a key never reaches a
 * filesystem).  The descriptor, or -errno. */
int nono_memfd_of(const void *const *parts, const size_t *lens, size_t n);

#endif
