// SPDX-License-Identifier: Apache-2.0
/*
 * nono run and shell as supervised sessions: on a terminal (stdin, stdout
 * and stderr all ttys) or with --detached, the command gets a PTY of its
 * own, relayed by the supervisor (session/relay.c), recorded (transcript,
 * event log) and registered under ~/.nono/sessions so that nono ps,
 * attach, logs, stop... find it.  Pipes and CI keep the direct terminal:
 * no PTY, no session.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli/config.h"
#include "cli/output.h"
#include "cli/run_audit.h"
#include "cli/run_internal.h"
#include "cli/run_session.h"
#include "session/castlog.h"
#include "session/redact.h"
#include "session/registry.h"
#include "session/relay.h"
#include "util/jsonout.h"

struct run_session {
	int dirfd;
	int events_fd;
	int ready_fd; /* --detached: tells the foreground it is attachable */
	int master, slave;
	pid_t guardian;
	struct nono_session_rec rec;
	struct nono_relay *relay;
	struct nono_loop_hooks hooks;
};

static void session_event(struct run_session *s, const char *type,
			  const struct nono_event_field *f, size_t n)
{
	if (s->events_fd >= 0)
		nono_event_append(s->events_fd, type, f, n);
}

/* The command as the record keeps it: redacted, as a JSON array. */
static char *command_json(char *const *argv)
{
	struct nono_redact_policy pol;
	char **red;

	cli_redact_policy(&pol);
	red = nono_redact_argv(argv, &pol);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!red)
		return NULL;
	f = open_memstream(&text, &len);
	if (!f) {
		free(red);
		return NULL;
	}
	fputc('[', f);
	for (size_t i = 0; red[i]; i++) {
		if (i)
			fputc(',', f);
		nono_json_str(f, red[i]);
	}
	fputc(']', f);
	free(red);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* A built-in profile made for this program, when the run does not use it
 * already (the start-up timeout's hint). */
static const char *suggest_profile(const struct run_ctx *c, const char *cmd)
{
	static const char *const known[][2] = {
	    {"claude", "claude-code"},
	    {"codex", "codex"},
	    {"opencode", "opencode"},
	    {"openclaw", "openclaw"},
	};
	static char hint[64];
	const char *base = strrchr(cmd, '/');

	base = base ? base + 1 : cmd;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(base, known[i][0]) == 0 &&
		    (!c->o.profile || strcmp(c->o.profile, known[i][1]) != 0)) {
			snprintf(hint, sizeof(hint), "--profile %s",
				 known[i][1]);
			return hint;
		}
	return NULL;
}

/* NONO_PTY_DRAIN_TIMEOUT in ms; bad values warn and give the default. */
static unsigned drain_ms(void)
{
	const char *v = getenv("NONO_PTY_DRAIN_TIMEOUT");
	char *end;
	unsigned long ms;

	if (!v || !*v)
		return 100;
	errno = 0;
	ms = strtoul(v, &end, 10);
	if (errno || *end || *v < '0' || *v > '9' || ms > 60000) {
		out_warn("NONO_PTY_DRAIN_TIMEOUT: expected milliseconds "
			 "(0-60000), got '%s'; using 100",
			 v);
		return 100;
	}
	return (unsigned)ms;
}

/* NONO_TRANSCRIPT_MAX_MB (MiB, default 256); bad values warn. */
static unsigned long long transcript_max(void)
{
	const char *v = getenv("NONO_TRANSCRIPT_MAX_MB");
	char *end;
	unsigned long mb;

	if (!v || !*v)
		return 256ull << 20;
	errno = 0;
	mb = strtoul(v, &end, 10);
	if (errno || *end || *v < '0' || *v > '9' || mb < 1 ||
	    mb > 1024 * 1024) {
		out_warn("NONO_TRANSCRIPT_MAX_MB: expected MiB (1-1048576), "
			 "got '%s'; using 256",
			 v);
		return 256ull << 20;
	}
	return (unsigned long long)mb << 20;
}

static int listen_socket(int dirfd)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	/* Through the directory's fd: the path stays short whatever the
	 * home's length. */
	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", dirfd,
		 NONO_SESSION_SOCKET);
	unlinkat(dirfd, NONO_SESSION_SOCKET, 0);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 8) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* --- the loop's hooks --------------------------------------------------- */

static size_t h_fds(void *arg, struct pollfd *p, size_t cap)
{
	return nono_relay_fds(((struct run_session *)arg)->relay, p, cap);
}

static void h_events(void *arg, const struct pollfd *p, size_t n)
{
	nono_relay_events(((struct run_session *)arg)->relay, p, n);
}

static int h_timeout(void *arg)
{
	return nono_relay_timeout(((struct run_session *)arg)->relay);
}

static void h_started(void *arg, pid_t pid)
{
	struct run_session *s = arg;

	s->guardian = pid;
	nono_relay_started(s->relay, pid);
}

static void h_exited(void *arg, int status, int signo)
{
	nono_relay_exited(((struct run_session *)arg)->relay, status, signo);
}

static bool h_done(void *arg)
{
	return nono_relay_done(((struct run_session *)arg)->relay);
}

static void h_winch(void *arg)
{
	nono_relay_winch(((struct run_session *)arg)->relay);
}

static void h_relayed(void *arg, int signo)
{
	static const struct {
		int n;
		const char *name;
	} names[] = {
	    {SIGHUP, "HUP"},   {SIGINT, "INT"},   {SIGQUIT, "QUIT"},
	    {SIGTERM, "TERM"}, {SIGUSR1, "USR1"}, {SIGUSR2, "USR2"},
	    {SIGALRM, "ALRM"},
	};
	const char *name = "?";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].n == signo)
			name = names[i].name;
	{
		struct nono_event_field f[] = {
		    {"signal", NULL, signo},
		    {"name", name, 0},
		};

		session_event(arg, "signal", f, 2);
	}
}

/* --- the run's steps ---------------------------------------------------- */

static void session_free(struct run_session *s)
{
	if (!s)
		return;
	nono_relay_free(s->relay);
	if (s->master >= 0)
		close(s->master);
	if (s->slave >= 0)
		close(s->slave);
	if (s->ready_fd >= 0)
		close(s->ready_fd);
	if (s->events_fd >= 0)
		close(s->events_fd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	nono_session_rec_clear(&s->rec);
	free(s);
}

static int swap_tty_grant(struct run_ctx *c, int master)
{
	char name[PATH_MAX];

	for (int fd = 0; fd <= 2; fd++)
		if (ttyname_r(fd, name, sizeof(name)) == 0)
			nono_caps_remove_path(c->p.caps, name);
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return -1;
	return nono_caps_add_path(c->p.caps, name, NONO_ACCESS_RW,
				  NONO_GRANT_FILE | NONO_GRANT_DEVICE |
				      NONO_GRANT_NOEXEC,
				  NONO_ORIGIN_SYSTEM) < 0
		   ? -1
		   : 0;
}

/* The foreground of a detached start: waits for the session to be
 * attachable (or to fail), says so, and gives the exit status. */
static int wait_detached(struct run_session *s, int ready, pid_t daemon,
			 unsigned timeout)
{
	struct pollfd p = {.fd = ready, .events = POLLIN};
	char byte = 0, buf[4096];
	ssize_t n = 0;
	int fd, r;

	do {
		r = poll(&p, 1, (int)timeout * 1000);
	} while (r < 0 && errno == EINTR);
	if (r > 0)
		n = read(ready, &byte, 1);
	close(ready);
	if (n == 1 && byte == 'R') {
		if (!out_silent())
			printf("Started session %s (%s)\n"
			       "Attach: nono attach %s\n",
			       s->rec.name, s->rec.id, s->rec.name);
		return 0;
	}
	if (r == 0) {
		/* Too slow: it goes, rather than linger unattachable. */
		kill(daemon, SIGTERM);
		out_error("session %s did not become attachable within %u s",
			  s->rec.name, timeout);
		out_hint("a slow start needs more: --detach-timeout SECONDS "
			 "(or NONO_DETACH_STARTUP_TIMEOUT)");
	} else {
		out_error("session %s did not start", s->rec.name);
	}
	/* What it said while starting. */
	fd = openat(s->dirfd, NONO_SESSION_STARTLOG,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t got = read(fd, buf, sizeof(buf) - 1);

		if (got > 0) {
			fprintf(stderr, "--- start-up log (%s) ---\n",
				NONO_SESSION_STARTLOG);
			fwrite(buf, 1, (size_t)got, stderr);
		}
		close(fd);
	}
	return 1;
}

/* The background half of a detached start: its own session, no terminal,
 * its output in the start-up log. */
static int become_daemon(struct run_session *s)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log =
	    openat(s->dirfd, NONO_SESSION_STARTLOG,
		   O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (null < 0 || log < 0 || setsid() < 0 || dup2(null, 0) < 0 ||
	    dup2(log, 1) < 0 || dup2(log, 2) < 0)
		return -errno;
	close(null);
	close(log);
	return 0;
}

int run_session_begin(struct run_ctx *c, char **argv, int *status)
{
	struct run_session *s;
	/* In the terminal's foreground only: a job started with & would
	 * be stopped (SIGTTOU) by the switch to raw mode; it keeps the
	 * direct terminal, as a pipe does. */
	bool tty =
	    isatty(0) && isatty(1) && isatty(2) && tcgetpgrp(0) == getpgrp();
	char err[1024];
	int r;

	if (c->o.mode == MODE_WRAP || c->o.dry_run || (!tty && !c->o.detached))
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s) {
		out_error("out of memory");
		return -1;
	}
	s->dirfd = s->events_fd = s->ready_fd = s->master = s->slave = -1;
	s->rec.detached = c->o.detached;
	s->rec.sup_pid = getpid();
	s->rec.command = command_json(argv);
	snprintf(s->rec.profile, sizeof(s->rec.profile), "%s",
		 c->o.profile ? c->o.profile : "");
	if (c->p.cwd)
		snprintf(s->rec.workdir, sizeof(s->rec.workdir), "%s",
			 c->p.cwd);
	snprintf(s->rec.network, sizeof(s->rec.network), "%s",
		 c->p.allow                                   ? "proxy"
		 : nono_caps_net(c->p.caps) == NONO_NET_BLOCK ? "blocked"
							      : "allowed");
	if (!s->rec.command) {
		out_error("out of memory");
		session_free(s);
		return -1;
	}
	r = nono_session_create(&s->rec, c->o.name, &s->dirfd, err,
				sizeof(err));
	if (r < 0) {
		out_error("%s", err);
		session_free(s);
		return -1;
	}
	s->events_fd = openat(
	    s->dirfd, NONO_SESSION_EVENTS,
	    O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	r = nono_pty_open(tty ? 0 : -1, &s->master, &s->slave);
	if (r < 0 || s->events_fd < 0) {
		out_error("session %s: %s", s->rec.name,
			  r < 0 ? "cannot open a terminal (PTY)"
				: "cannot open its event log");
		s->rec.state = NONO_SESSION_FAILED;
		nono_session_save(s->dirfd, &s->rec);
		session_free(s);
		return -1;
	}
	/* The command's terminal is the session's PTY, and only it: the
	 * grant of nono's own terminal (system_write) goes, or the sandbox
	 * could open the user's terminal by name and read what the user
	 * types there, detached or not. */
	if (swap_tty_grant(c, s->master) < 0) {
		out_error("session %s: cannot grant its terminal", s->rec.name);
		s->rec.state = NONO_SESSION_FAILED;
		nono_session_save(s->dirfd, &s->rec);
		session_free(s);
		return -1;
	}
	if (c->o.detached) {
		int ready[2];
		pid_t pid;

		if (pipe2(ready, O_CLOEXEC) < 0) {
			out_error("pipe: %s", strerror(errno));
			session_free(s);
			return -1;
		}
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			out_error("fork: %s", strerror(errno));
			close(ready[0]);
			close(ready[1]);
			session_free(s);
			return -1;
		}
		if (pid > 0) {
			close(ready[1]);
			*status = wait_detached(s, ready[0], pid,
						c->o.detach_timeout);
			session_free(s);
			return 1;
		}
		close(ready[0]);
		s->ready_fd = ready[1];
		if (become_daemon(s) < 0)
			_exit(1);
		s->rec.sup_pid = getpid();
		s->rec.sup_start = nono_proc_start(s->rec.sup_pid);
		nono_session_save(s->dirfd, &s->rec);
	}
	{
		struct nono_event_field f[] = {
		    {"id", s->rec.id, 0},
		    {"name", s->rec.name, 0},
		    {"supervisor_pid", NULL, s->rec.sup_pid},
		    {"detached", NULL, c->o.detached},
		};

		session_event(s, "start", f, 4);
	}
	c->rt.session = s;
	return 0;
}

int run_session_spec(struct run_ctx *c, char *const *argv,
		     struct nono_exec_spec *spec)
{
	struct run_session *s = c->rt.session;
	struct nono_relay_cfg rc = {0};
	bool fg = !c->o.detached;
	unsigned rows = 24, cols = 80;
	const char *term = getenv("TERM");
	int ls;

	if (!s)
		return 0;
	ls = listen_socket(s->dirfd);
	if (ls < 0) {
		out_error("session %s: its attach socket: %s", s->rec.name,
			  strerror(-ls));
		return -1;
	}
	{
		struct winsize ws;

		if (ioctl(s->master, TIOCGWINSZ, &ws) == 0 && ws.ws_row) {
			rows = ws.ws_row;
			cols = ws.ws_col;
		}
	}
	rc.master = s->master;
	rc.term_in = fg ? 0 : -1;
	rc.term_out = fg ? 1 : -1;
	rc.listen_fd = ls;
	rc.dirfd = s->dirfd;
	rc.rec = &s->rec;
	rc.cast = nono_cast_create(s->dirfd, NONO_SESSION_CAST, cols, rows,
				   (double)time(NULL), s->rec.name, term);
	/* The sandbox chooses what it prints, not how much of the disk it
	 * takes: a ceiling per transcript, and a margin of free space. */
	if (rc.cast)
		nono_cast_set_limit(rc.cast, transcript_max(), 256ull << 20);
	rc.events_fd = s->events_fd;
	rc.startup_timeout = c->o.startup_timeout;
	rc.drain_ms = drain_ms();
	rc.suggest = suggest_profile(c, argv[0]);
	rc.on_event = run_audit_relay_event;
	rc.event_arg = c;
	s->master = -1; /* the relay's from here, whatever happens */
	s->relay = nono_relay_new(&rc);
	if (!s->relay) {
		out_error("session %s: cannot relay its terminal: %s",
			  s->rec.name, strerror(errno));
		return -1;
	}
	s->hooks = (struct nono_loop_hooks){
	    .arg = s,
	    .fds = h_fds,
	    .events = h_events,
	    .timeout = h_timeout,
	    .started = h_started,
	    .exited = h_exited,
	    .done = h_done,
	    .winch = h_winch,
	    .relayed = h_relayed,
	};
	spec->pty = true;
	spec->pty_slave = s->slave;
	s->slave = -1; /* nono_supervise's */
	spec->hooks = &s->hooks;
	return 0;
}

void run_session_started(struct run_ctx *c)
{
	struct run_session *s = c->rt.session;

	if (!s)
		return;
	s->rec.state = NONO_SESSION_RUNNING;
	s->rec.child_pid = s->guardian;
	s->rec.child_start = nono_proc_start(s->guardian);
	s->rec.attached = !c->o.detached;
	nono_session_save(s->dirfd, &s->rec);
	{
		struct nono_event_field f[] = {{"pid", NULL, s->guardian}};

		session_event(s, "running", f, 1);
	}
	if (s->ready_fd >= 0) {
		if (write(s->ready_fd, "R", 1) < 0)
			(void)0;
		close(s->ready_fd);
		s->ready_fd = -1;
	}
}

bool run_session_has_relay(const struct run_ctx *c)
{
	return c->rt.session && c->rt.session->relay;
}

int run_session_question(struct run_ctx *c, const char *text, const char *code)
{
	if (!run_session_has_relay(c))
		return -ENOTTY;
	return nono_relay_question(c->rt.session->relay, text, code);
}

int run_session_question_answer(const struct run_ctx *c)
{
	if (!run_session_has_relay(c))
		return 0;
	return nono_relay_question_answer(c->rt.session->relay);
}

void run_session_question_end(struct run_ctx *c, const char *said)
{
	if (run_session_has_relay(c))
		nono_relay_question_end(c->rt.session->relay, said);
}

bool run_session_can_ask(const struct run_ctx *c)
{
	return c->o.detached && c->rt.session && c->rt.session->relay;
}

int run_session_ask(struct run_ctx *c, const char *detail, const char *question,
		    char *answer, size_t len)
{
	const char *v = getenv("NONO_PROMPT_TIMEOUT");
	unsigned long secs = 120;
	char *end;

	if (!run_session_can_ask(c))
		return -ENOTTY;
	if (v && *v) {
		errno = 0;
		secs = strtoul(v, &end, 10);
		if (errno || *end || *v < '0' || *v > '9' || secs > 86400) {
			fprintf(stderr,
				"nono: NONO_PROMPT_TIMEOUT: expected "
				"seconds, got '%s'; using 120\n",
				v);
			secs = 120;
		}
	}
	return nono_relay_ask(c->rt.session->relay, detail, question, answer,
			      len, (unsigned)secs * 1000);
}

bool run_session_timed_out(const struct run_ctx *c)
{
	const struct run_session *s = c->rt.session;

	return s && s->relay && nono_relay_timed_out(s->relay);
}

void run_session_end(struct run_ctx *c, int status, int signo, bool ran)
{
	struct run_session *s = c->rt.session;

	if (!s)
		return;
	/* The user's terminal back first: whatever nono prints next (the
	 * footer) lands on a sane one. */
	nono_relay_free(s->relay);
	s->relay = NULL;
	/* Nobody can attach any more: no socket is left to find. */
	unlinkat(s->dirfd, NONO_SESSION_SOCKET, 0);
	s->rec.state = ran ? NONO_SESSION_EXITED : NONO_SESSION_FAILED;
	s->rec.exit_code = status & 0xff;
	s->rec.signo = signo;
	s->rec.ended = (long long)time(NULL);
	s->rec.attached = false;
	s->rec.observers = 0;
	nono_session_save(s->dirfd, &s->rec);
	{
		struct nono_event_field f[] = {
		    {"code", NULL, status},
		    {"signal", NULL, signo},
		};

		session_event(s, ran ? "exit" : "failed", f, 2);
	}
	session_free(s);
	c->rt.session = NULL;
}

const char *run_session_id(const struct run_ctx *c)
{
	return c->rt.session ? c->rt.session->rec.id : NULL;
}
