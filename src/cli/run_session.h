/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono run and shell as supervised sessions (run_session.c): a PTY of
 * their own, relayed and recorded, registered for nono ps and attach.
 */
#ifndef NONO_CLI_RUN_SESSION_H
#define NONO_CLI_RUN_SESSION_H

#include <stdbool.h>

#include "cli/run_ctx.h"
#include "supervisor/supervise.h"

/*
 * Before anything starts: a session when the run is on a terminal or
 * --detached.  Returns 0 to go on (in the supervisor: for --detached, the
 * background process), 1 in the foreground of a detached start, whose
 * exit status is then *@status, or -1 after printing an error.
 */
int run_session_begin(struct run_ctx *c, char **argv, int *status);
/* The session's id, or NULL without a session. */
const char *run_session_id(const struct run_ctx *c);
/* The PTY and the relay into @spec.  0, or -1 after printing an error. */
int run_session_spec(struct run_ctx *c, char *const *argv,
		     struct nono_exec_spec *spec);
/* The command has exec'd: the record says running; a detached start's
 * foreground is told. */
void run_session_started(struct run_ctx *c);
/* The command ended (@ran) or never started: the user's terminal is
 * restored, the record and the event log closed. */
void run_session_end(struct run_ctx *c, int status, int signo, bool ran);
/* A detached session whose command ended can still ask its attached
 * client (run_session_ask): the save prompt's way. */
bool run_session_can_ask(const struct run_ctx *c);
/* Asks the client that controls the session (or the first to attach),
 * within NONO_PROMPT_TIMEOUT seconds (120).  0 with the answer, or
 * -ETIMEDOUT / -ENOTTY: the answer is no. */
int run_session_ask(struct run_ctx *c, const char *detail, const char *question,
		    char *answer, size_t len);
/* Capability elevation's questions while the command runs, through the
 * relay (nono_relay_question): NULL relay, -ENOTTY. */
bool run_session_has_relay(const struct run_ctx *c);
int run_session_question(struct run_ctx *c, const char *text, const char *code);
int run_session_question_answer(const struct run_ctx *c);
void run_session_question_end(struct run_ctx *c, const char *said);
/* Whether --startup-timeout stopped the command. */
bool run_session_timed_out(const struct run_ctx *c);

#endif
