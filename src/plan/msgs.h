/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What planning has to say: the planner prints nothing.  It records notes
 * (verbose detail, status, warnings) in order, and at most one error: a
 * typed value with the code, the object it names (a flag's path, a
 * profile, a host), the one-line message and what to do next.  The
 * command that called the planner decides how to show them.
 */
#ifndef NONO_PLAN_MSGS_H
#define NONO_PLAN_MSGS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum plan_note_kind {
	PLAN_VERBOSE,  /* shown at -v */
	PLAN_INFO,     /* status, hidden by --silent */
	PLAN_WARN,     /* a warning, hidden by --silent */
	PLAN_SECURITY, /* a relaxed protection: shown even with --silent */
};

struct plan_note {
	enum plan_note_kind kind;
	char *text;
};

struct plan_error {
	int code;                   /* -errno or -NONO_E*: what went wrong */
	char object[PATH_MAX + 64]; /* what it names, or "" */
	char text[2 * PATH_MAX];    /* the message, one line */
	char hint[1024];            /* what to do next, or "" */
};

struct plan_msgs {
	struct plan_note *v;
	size_t n, cap;
	bool failed; /* err is set */
	struct plan_error err;
};

/* Records the error (the first one wins) and returns -1, so that
 * `return plan_fail(...)` reports it.  @object may be NULL. */
int plan_fail(struct plan_msgs *m, int code, const char *object,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* What to do about the recorded error. */
void plan_hint(struct plan_msgs *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends a note.  Out of memory, the note is lost (never the error). */
void plan_note(struct plan_msgs *m, enum plan_note_kind kind, const char *fmt,
	       ...) __attribute__((format(printf, 3, 4)));
void plan_msgs_clear(struct plan_msgs *m);

#endif
