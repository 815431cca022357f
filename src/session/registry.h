/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The session registry: one directory per supervised session on a terminal
 * under ~/.nono/sessions (0700, refused when another user could write it),
 * holding its record (session.json, replaced atomically), its attach
 * socket, its transcript and its event log.  A record names the
 * supervisor's and the command's pids with their start times, so that a
 * reused pid is never taken for the session, and a session whose
 * supervisor died is shown as such, never as running.
 */
#ifndef NONO_SESSION_REGISTRY_H
#define NONO_SESSION_REGISTRY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define NONO_SESSION_ID_LEN 16 /* hex digits */
#define NONO_SESSION_NAME_MAX 63

/* Files of a session directory. */
#define NONO_SESSION_RECORD "session.json"
#define NONO_SESSION_SOCKET "attach.sock"
#define NONO_SESSION_CAST "transcript.cast"
#define NONO_SESSION_EVENTS "events.ndjson"
#define NONO_SESSION_STARTLOG "startup.log"

enum nono_session_state {
	NONO_SESSION_STARTING = 0,
	NONO_SESSION_RUNNING,
	NONO_SESSION_EXITED,
	NONO_SESSION_FAILED, /* it never started */
	NONO_SESSION_DEAD,   /* computed: its supervisor is gone */
};

struct nono_session_rec {
	char id[NONO_SESSION_ID_LEN + 1];
	char name[NONO_SESSION_NAME_MAX + 1];
	pid_t sup_pid;
	unsigned long long sup_start; /* /proc/PID/stat starttime */
	pid_t child_pid;
	unsigned long long child_start;
	long long started, ended; /* Unix seconds; ended 0 while it runs */
	enum nono_session_state state;
	bool detached;      /* started with --detached */
	bool attached;      /* a controlling client (or its own terminal) */
	unsigned observers; /* read-only clients */
	int exit_code;      /* when exited */
	int signo;          /* the signal that ended it, or 0 */
	char *command;      /* JSON array of the redacted argv (owned) */
	char profile[128];
	char workdir[PATH_MAX];
	char network[32];
	/* The prompt that waits while nobody is attached, or "". */
	char waiting[128];
};

/* ~/.nono/sessions made if missing and checked (owner, no group or other
 * write on it or ~/.nono); its path in @out.  0, or -errno (-EPERM when
 * another user could write it). */
int nono_sessions_dir(char *out, size_t len);
/* Why the registry cannot be used (code @r of the functions here), for a
 * message: "~/.nono/sessions is not private to you (...)", or strerror. */
const char *nono_sessions_strerror(int r);

/*
 * A new session: a fresh id, @name (or a generated one when NULL/""),
 * unique among live sessions (-EEXIST otherwise), its directory made and
 * opened (*@dirfd, O_PATH), the record written in state STARTING.  @rec is
 * filled from what the caller put in it (command, profile, workdir,
 * network, detached, sup_pid) plus id, name, started.
 */
int nono_session_create(struct nono_session_rec *rec, const char *name,
			int *dirfd, char *err, size_t errlen);
/* @rec as the JSON object of its record (session.json, ps --json). */
void nono_session_rec_json(FILE *f, const struct nono_session_rec *r);
/* Writes @rec to its directory (@dirfd) atomically.  0, or -errno. */
int nono_session_save(int dirfd, const struct nono_session_rec *rec);
/* Reads the record of directory @dirfd (untrusted bytes: checked).  The
 * state is DEAD when it says starting or running and its supervisor is
 * not alive.  0, or -errno (-EINVAL when malformed). */
int nono_session_load(int dirfd, struct nono_session_rec *rec);
void nono_session_rec_clear(struct nono_session_rec *rec);

/* "starting", "running", "exited", "failed", "dead". */
const char *nono_session_state_name(enum nono_session_state s);
/* The start time of @pid (clock ticks since boot), or 0 when gone. */
unsigned long long nono_proc_start(pid_t pid);
/* True while @pid runs and started at @start. */
bool nono_proc_alive(pid_t pid, unsigned long long start);

/* Every session, newest first (*@out owned: free with
 * nono_session_list_free).  0, or -errno. */
int nono_session_list(struct nono_session_rec **out, size_t *n);
void nono_session_list_free(struct nono_session_rec *v, size_t n);

/*
 * The session @key names: an id, a name, or a unique prefix of an id or a
 * name.  0 with *@rec (and *@dirfd when not NULL); -ENOENT with a message
 * in @err; -EEXIST when ambiguous, the candidates listed in @err.
 */
int nono_session_find(const char *key, struct nono_session_rec *rec, int *dirfd,
		      char *err, size_t errlen);

/* Session directories without a readable record (a start killed before
 * it wrote one), not changed for @min_age seconds: their ids into @ids
 * (at most @max).  The count, or -errno. */
int nono_session_orphans(char (*ids)[NONO_SESSION_ID_LEN + 1], size_t max,
			 long long min_age);

/* Removes the directory of session @id (not running: the caller checks).
 * 0, or -errno. */
int nono_session_remove(const char *id);

#endif
