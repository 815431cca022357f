/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PTY relay of a supervised session, run inside the supervisor's event
 * loop (never on a thread of its own, never blocking it: the gate answers
 * in the same loop).  It moves the command's terminal output to the user's
 * terminal (a foreground session), to the clients attached over the
 * session's socket, to the transcript and to a scrollback ring for replay;
 * and input from the user's terminal or the controlling client to the
 * command.  It restores the outer terminal when it ends, enforces the
 * start-up timeout, and drains the output after the command exits.
 */
#ifndef NONO_SESSION_RELAY_H
#define NONO_SESSION_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct nono_event_field;

struct nono_cast;
struct nono_session_rec;
struct nono_relay;

struct nono_relay_cfg {
	int master;            /* the PTY's master (owned from here) */
	int term_in, term_out; /* the user's terminal, or -1 (detached) */
	int listen_fd;         /* the attach socket, listening (owned) */
	int dirfd;             /* the session's directory (borrowed) */
	struct nono_session_rec *rec; /* saved on attach/detach (borrowed) */
	struct nono_cast *cast;       /* the transcript (owned), or NULL */
	int events_fd;                /* the event log (borrowed), or -1 */
	unsigned startup_timeout;     /* seconds, 0 for none */
	unsigned drain_ms;            /* quiet period after the command exits */
	const char *suggest;          /* "--profile opencode" for the warning */
	/* Told of each event the relay logs (attach, detach, prompt...),
	 * or NULL (the audit trail). */
	void (*on_event)(void *arg, const char *type,
			 const struct nono_event_field *f, size_t n);
	void *event_arg;
};

/* NULL with errno set when out of memory or the terminal cannot be set
 * up; the fds of @cfg are then closed. */
struct nono_relay *nono_relay_new(const struct nono_relay_cfg *cfg);
/* Restores the user's terminal and frees; closes every fd it owns. */
void nono_relay_free(struct nono_relay *r);

size_t nono_relay_fds(struct nono_relay *r, struct pollfd *p, size_t cap);
void nono_relay_events(struct nono_relay *r, const struct pollfd *p, size_t n);
/* Milliseconds until the relay needs the loop back (-1: no timer). */
int nono_relay_timeout(struct nono_relay *r);
/* The guardian's pid, once running (for the start-up timeout). */
void nono_relay_started(struct nono_relay *r, pid_t pid);
/* The command has ended: drain, tell the clients, then done. */
void nono_relay_exited(struct nono_relay *r, int status, int signo);
bool nono_relay_done(struct nono_relay *r);
/* The supervisor got SIGWINCH: the user's terminal changed size. */
void nono_relay_winch(struct nono_relay *r);
/*
 * After the command ended (nono_relay_done): asks the session's
 * controlling client @question, after @detail (terminal text), and waits
 * up to @timeout_ms for its answer, serving the socket meanwhile: a client
 * that attaches while it waits is asked too, and `nono ps` shows the
 * question.  0 with the answer in @answer, or -ETIMEDOUT (nobody answered:
 * the caller's default applies, which must be no).
 */
int nono_relay_ask(struct nono_relay *r, const char *detail,
		   const char *question, char *answer, size_t len,
		   unsigned timeout_ms);

/*
 * While the command runs (capability elevation): shows @text, one
 * question, on the user's terminal (reset first; the command's output
 * waits below it) and to the controlling client.  o or s followed by the
 * two digits of @code approve it, d (or n, Enter, Ctrl-C, Escape) denies
 * it; keys in its first 0.4 s are ignored.  0, -EBUSY while another is
 * up, -E2BIG for a text too long to show whole, or -ENOTTY when nobody
 * can be asked (a detached session with no client).
 * nono_relay_question_answer: 0 until answered, then 'o' (once), 's'
 * (this session) or 'd' (deny).  nono_relay_question_end takes it down,
 * printing @said after it.
 */
int nono_relay_question(struct nono_relay *r, const char *text,
			const char *code);
int nono_relay_question_answer(const struct nono_relay *r);
void nono_relay_question_end(struct nono_relay *r, const char *said);

/* Whether the start-up timeout stopped the command. */
bool nono_relay_timed_out(const struct nono_relay *r);

/* A PTY pair: the master (O_NONBLOCK) and the slave, sized and with the
 * modes of @like (a terminal fd) when it is one.  0, or -errno. */
int nono_pty_open(int like, int *master, int *slave);

#endif
