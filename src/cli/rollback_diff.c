// SPDX-License-Identifier: Apache-2.0
/* nono rollback show --diff (see rollback_diff.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/rollback_diff.h"

#define DIFF "/usr/bin/diff"

/* @e's content, open (/dev/null for none), or -1. */
static int open_side(struct nono_rb_store *st, const struct nono_rb_entry *e)
{
	if (!e)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	return nono_rb_store_get(st, e->hash);
}

/* Whether @fd's first 8 KiB hold a NUL byte (it is then binary). */
static bool binary(int fd)
{
	char buf[8192];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	return n > 0 && memchr(buf, '\0', (size_t)n) != NULL;
}

/* Copies what diff(1) printed, bytes a terminal could act on escaped,
 * at most ROLLBACK_DIFF_OUT bytes of it (the rest is read and dropped:
 * escaping makes a byte four). */
static void copy_safe(FILE *f, int fd)
{
	char buf[8192];
	bool bol = true, cut = false;
	size_t total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (cut)
			continue;
		if (total + (size_t)n > ROLLBACK_DIFF_OUT) {
			n = (ssize_t)(ROLLBACK_DIFF_OUT - total);
			cut = true;
		}
		total += (size_t)n;
		for (ssize_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (bol)
				fputs("    ", f);
			bol = c == '\n';
			if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
				fputc(c, f);
			else
				fprintf(f, "\\x%02x", c);
		}
	}
	if (!bol)
		fputc('\n', f);
	if (cut)
		fprintf(f, "    (the rest of the diff is not shown)\n");
}

int rollback_diff(FILE *f, struct nono_rb_store *st, const char *path,
		  const struct nono_rb_entry *from,
		  const struct nono_rb_entry *to)
{
	char la[PATH_MAX * 4 + 8], lb[PATH_MAX * 4 + 8], fa[32], fb[32];
	char shown[PATH_MAX * 4];
	int a = -1, b = -1, p[2] = {-1, -1}, status = 0, ret = 0;
	pid_t pid;

	if ((from && from->type != NONO_RB_FILE) ||
	    (to && to->type != NONO_RB_FILE) || (!from && !to))
		return 0;
	if ((from && from->size > ROLLBACK_DIFF_MAX) ||
	    (to && to->size > ROLLBACK_DIFF_MAX)) {
		fprintf(f, "    (larger than %d bytes: not shown)\n",
			ROLLBACK_DIFF_MAX);
		return 0;
	}
	a = open_side(st, from);
	b = open_side(st, to);
	if (a < 0 || b < 0) {
		fprintf(f, "    (its content is not in the store: nono "
			   "rollback verify)\n");
		goto out;
	}
	if (binary(a) || binary(b)) {
		fprintf(f, "    (binary: not shown)\n");
		goto out;
	}
	/* The labels as a terminal may show them (a name with a newline
	 * made a second "+++" line). */
	nono_rb_shown(path, shown, sizeof(shown));
	snprintf(la, sizeof(la), "a/%s", shown);
	snprintf(lb, sizeof(lb), "b/%s", shown);
	/* Everything the child needs, made before the fork (it only makes
	 * async-signal-safe calls: nono's supervisor has threads). */
	snprintf(fa, sizeof(fa), "/dev/fd/%d", a);
	snprintf(fb, sizeof(fb), "/dev/fd/%d", b);
	fflush(f);
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		fprintf(f, "    (cannot run diff: %s)\n", strerror(errno));
		ret = -1;
		goto out;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

		/* The objects by descriptor, inherited; no shell. */
		if (dup2(p[1], 1) < 0 || fcntl(a, F_SETFD, 0) < 0 ||
		    fcntl(b, F_SETFD, 0) < 0 || devnull < 0 ||
		    dup2(devnull, 2) < 0)
			_exit(2);
		execl(DIFF, "diff", "-u", "--label", la, "--label", lb, fa, fb,
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	copy_safe(f, p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		fprintf(f, "    (diff failed%s)\n",
			WIFEXITED(status) && WEXITSTATUS(status) == 127
			    ? ": " DIFF " is missing (apt-get install "
			      "diffutils)"
			    : "");
		ret = -1;
	}
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return ret;
}
