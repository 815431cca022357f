// SPDX-License-Identifier: Apache-2.0
/*
 * The PTY relay (see relay.h).  Every fd is non-blocking and every queue is
 * bounded: the command's output is read only when the user's terminal and
 * the controlling client have taken what came before (a slow terminal
 * slows the command, as it would without nono); an observer that falls
 * far behind is dropped, never waited for.  Nothing here may block the
 * supervisor's loop, which also answers the gate.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proxy/msg.h"
#include "session/castlog.h"
#include "session/oscfilter.h"
#include "session/registry.h"
#include "session/relay.h"
#include "session/termstate.h"

#define CHUNK 65536
#define RING (2u << 20)         /* scrollback kept for replay */
#define OBSERVER_MAX (8u << 20) /* queued for an observer before it goes */
#define CONTROL_MAX (1u << 20)  /* queued for the controller: reading waits */
#define MAX_CLIENTS 16
#define HELLO_MS 2000      /* a client that says nothing goes */
#define STOP_GRACE_MS 2000 /* SIGTERM, then SIGKILL */
#define CAST_FLUSH_MS 250  /* nono logs -f sees output this soon */

struct queue {
	char *buf;
	size_t len, cap;
};

struct client {
	int fd;
	bool hello; /* has said who it is */
	bool read_only;
	bool control;    /* the controlling client */
	bool closing;    /* goes once its queue is written */
	long long since; /* ms, when it connected */
	unsigned gen;    /* which client it is (fds are reused) */
	struct queue q;
};

struct nono_relay {
	struct nono_relay_cfg c;
	struct termios saved;
	bool raw;          /* the user's terminal is in raw mode */
	int out;           /* non-blocking handle on the user's terminal */
	struct queue tout; /* to the user's terminal */
	struct queue tin;  /* to the command */
	bool in_eof;
	struct nono_termstate ts;
	struct nono_oscf oscf;       /* OSC 52 out of what the terminal gets */
	char *ring;                  /* the last RING bytes of output */
	unsigned long long ring_end; /* bytes of output so far */
	struct client cl[MAX_CLIENTS];
	size_t ncl;
	long long t0; /* ms, the start */
	pid_t guardian;
	bool exited, master_eof, done, timed_out;
	long long exit_at, last_out, kill_at;
	long long cast_dirty; /* ms of the oldest unwritten output, or 0 */
	bool cast_stopped;    /* the transcript hit its limit */
	/* nono_relay_ask: the answer of the controlling client. */
	bool asking, answered;
	/* nono_relay_question: one question up while the command runs,
	 * its answer (a key), and the controlling client it went to. */
	bool q_on;
	int q_answer;
	unsigned q_asked;  /* the client generation it went to (0: none) */
	long long q_since; /* ms: keys typed before q_since + QUESTION_DEAF
			    * were meant for the command, not the question */
	char q_text[2 * PATH_MAX];
	char q_code[3];    /* the digits that approve, after o or s */
	int q_letter;      /* o or s typed, waiting for the digits */
	unsigned q_digits; /* how many of them were typed */
	unsigned gen;      /* counts clients as they come */
	char *answer;
	size_t answer_len;
	int status, signo;
	unsigned rows, cols;
};

static void question_client_answer(struct nono_relay *r, const char *text);

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static double elapsed(const struct nono_relay *r)
{
	return (double)(now_ms() - r->t0) / 1000.0;
}

static int q_push(struct queue *q, const char *p, size_t n)
{
	if (q->cap - q->len < n) {
		size_t nc = q->cap ? q->cap : 4096;
		char *nb;

		while (nc - q->len < n)
			nc *= 2;
		nb = realloc(q->buf, nc);
		if (!nb)
			return -ENOMEM;
		q->buf = nb;
		q->cap = nc;
	}
	memcpy(q->buf + q->len, p, n);
	q->len += n;
	return 0;
}

static void q_drop(struct queue *q, size_t n)
{
	memmove(q->buf, q->buf + n, q->len - n);
	q->len -= n;
	/* Do not keep a burst's worth of memory for good. */
	if (q->len == 0 && q->cap > 4 * CHUNK) {
		free(q->buf);
		q->buf = NULL;
		q->cap = 0;
	}
}

static void q_free(struct queue *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}

/* Writes what it can of @q to @fd: 0, or -1 when @fd is gone. */
static int q_flush(struct queue *q, int fd)
{
	while (q->len) {
		ssize_t w = write(fd, q->buf, q->len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0)
			return -1;
		q_drop(q, (size_t)w);
	}
	return 0;
}

static void event(struct nono_relay *r, const char *type,
		  const struct nono_event_field *f, size_t n)
{
	if (r->c.events_fd >= 0)
		nono_event_append(r->c.events_fd, type, f, n);
	if (r->c.on_event)
		r->c.on_event(r->c.event_arg, type, f, n);
}

static void save(struct nono_relay *r)
{
	struct nono_session_rec *rec = r->c.rec;

	if (!rec || r->c.dirfd < 0)
		return;
	rec->attached = r->c.term_in >= 0;
	rec->observers = 0;
	for (size_t i = 0; i < r->ncl; i++) {
		if (!r->cl[i].hello || r->cl[i].closing)
			continue;
		if (r->cl[i].control)
			rec->attached = true;
		else
			rec->observers++;
	}
	nono_session_save(r->c.dirfd, rec);
}

/* --- messages to clients ------------------------------------------------ */

static int send_msg(struct client *k, const struct nono_msg_session *m)
{
	char buf[NONO_MSG_DATA_MAX + 256];
	int len = nono_msg_session_encode(m, buf, sizeof(buf));

	if (len < 0)
		return -EINVAL;
	/* Framed by the queue: a 4-byte length before each message, since
	 * a seqpacket send must be whole (see flush_client). */
	{
		unsigned char hdr[4] = {
		    (unsigned char)(len >> 24), (unsigned char)(len >> 16),
		    (unsigned char)(len >> 8), (unsigned char)len};

		if (q_push(&k->q, (const char *)hdr, 4) < 0 ||
		    q_push(&k->q, buf, (size_t)len) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int send_data(struct client *k, const char *p, size_t n)
{
	while (n) {
		struct nono_msg_session m = {.type = NONO_MSG_DATA};
		size_t part = n < NONO_MSG_DATA_MAX ? n : NONO_MSG_DATA_MAX;

		m.data = p;
		m.len = part;
		if (send_msg(k, &m) < 0)
			return -ENOMEM;
		p += part;
		n -= part;
	}
	return 0;
}

static void send_text(struct client *k, int type, const char *text)
{
	struct nono_msg_session m = {.type = type};

	snprintf(m.text, sizeof(m.text), "%s", text);
	send_msg(k, &m);
}

/* Sends whole messages from the client's queue; 0, or -1 when gone. */
static int flush_client(struct client *k)
{
	while (k->q.len >= 4) {
		const unsigned char *h = (const unsigned char *)k->q.buf;
		size_t len = (size_t)h[0] << 24 | (size_t)h[1] << 16 |
			     (size_t)h[2] << 8 | h[3];
		int e = nono_msg_send(k->fd, k->q.buf + 4, len, NULL, 0,
				      MSG_DONTWAIT);

		if (e == -EAGAIN)
			return 0;
		if (e < 0)
			return -1;
		q_drop(&k->q, 4 + len);
	}
	return 0;
}

static void drop_client(struct nono_relay *r, size_t i, const char *why)
{
	struct client *k = &r->cl[i];
	bool was_control = k->control, was_hello = k->hello;

	close(k->fd);
	q_free(&k->q);
	r->cl[i] = r->cl[--r->ncl];
	if (was_hello) {
		struct nono_event_field f[] = {
		    {"client", was_control ? "control" : "read-only", 0},
		    {"reason", why, 0},
		};

		event(r, "detach", f, 2);
		save(r);
	}
}

/* --- the user's terminal ------------------------------------------------ */

static void term_size(int fd, unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	if (fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
	    ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static void set_size(struct nono_relay *r, unsigned rows, unsigned cols)
{
	struct winsize ws = {.ws_row = (unsigned short)rows,
			     .ws_col = (unsigned short)cols};

	if (rows == r->rows && cols == r->cols)
		return;
	r->rows = rows;
	r->cols = cols;
	ioctl(r->c.master, TIOCSWINSZ, &ws);
	if (r->c.cast)
		nono_cast_resize(r->c.cast, elapsed(r), cols, rows);
}

/* A full-screen program repaints when its window changes: a newly attached
 * client gets the screen as it is now. */
static void repaint(struct nono_relay *r)
{
	unsigned rows = r->rows, cols = r->cols;
	struct winsize ws = {
	    .ws_row = (unsigned short)(rows > 1 ? rows - 1 : rows + 1),
	    .ws_col = (unsigned short)cols};

	ioctl(r->c.master, TIOCSWINSZ, &ws);
	ws.ws_row = (unsigned short)rows;
	ioctl(r->c.master, TIOCSWINSZ, &ws);
}

void nono_relay_winch(struct nono_relay *r)
{
	unsigned rows = r->rows, cols = r->cols;

	if (r->c.term_out < 0)
		return;
	term_size(r->c.term_out, &rows, &cols);
	set_size(r, rows, cols);
}

static void term_restore(struct nono_relay *r)
{
	char reset[512];
	size_t n;

	if (r->c.term_out < 0)
		return;
	/* What is still queued, then the modes the program left on. */
	for (int tries = 0; r->tout.len && tries < 200; tries++) {
		struct pollfd p = {.fd = r->out, .events = POLLOUT};

		if (q_flush(&r->tout, r->out) < 0)
			break;
		if (r->tout.len)
			poll(&p, 1, 10);
	}
	n = nono_termstate_reset(&r->ts, reset, sizeof(reset));
	if (n && write(r->c.term_out, reset, n) < 0)
		(void)0;
	if (r->raw)
		tcsetattr(r->c.term_in, TCSAFLUSH, &r->saved);
	r->raw = false;
}

static int term_setup(struct nono_relay *r)
{
	struct termios raw;
	char path[64];

	r->out = -1;
	if (r->c.term_out < 0)
		return 0;
	/* Our own open file description of the terminal, non-blocking: the
	 * shell's shares stdout's flags, and must not find O_NONBLOCK on it
	 * after we exit. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", r->c.term_out);
	r->out = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (r->out < 0)
		r->out = dup(r->c.term_out);
	if (r->out < 0)
		return -errno;
	if (r->c.term_in >= 0 && tcgetattr(r->c.term_in, &r->saved) == 0) {
		raw = r->saved;
		cfmakeraw(&raw);
		if (tcsetattr(r->c.term_in, TCSAFLUSH, &raw) == 0)
			r->raw = true;
	}
	return 0;
}

/* --- life cycle --------------------------------------------------------- */

struct nono_relay *nono_relay_new(const struct nono_relay_cfg *cfg)
{
	struct nono_relay *r = calloc(1, sizeof(*r));

	if (!r || !(r->ring = malloc(RING))) {
		free(r);
		close(cfg->master);
		if (cfg->listen_fd >= 0)
			close(cfg->listen_fd);
		nono_cast_close(cfg->cast);
		errno = ENOMEM;
		return NULL;
	}
	r->c = *cfg;
	nono_termstate_init(&r->ts);
	nono_oscf_init(&r->oscf);
	r->t0 = now_ms();
	r->last_out = r->t0;
	r->rows = 24;
	r->cols = 80;
	term_size(cfg->master, &r->rows, &r->cols);
	if (term_setup(r) < 0) {
		int e = errno;

		nono_relay_free(r);
		errno = e;
		return NULL;
	}
	return r;
}

static void send_exit(struct nono_relay *r);

void nono_relay_free(struct nono_relay *r)
{
	if (!r)
		return;
	term_restore(r);
	if (r->done)
		send_exit(r);
	while (r->ncl) {
		flush_client(&r->cl[r->ncl - 1]);
		close(r->cl[r->ncl - 1].fd);
		q_free(&r->cl[--r->ncl].q);
	}
	if (r->out >= 0 && r->out != r->c.term_out)
		close(r->out);
	if (r->c.listen_fd >= 0)
		close(r->c.listen_fd);
	if (r->c.master >= 0)
		close(r->c.master);
	nono_cast_close(r->c.cast);
	q_free(&r->tout);
	q_free(&r->tin);
	free(r->ring);
	free(r);
}

void nono_relay_started(struct nono_relay *r, pid_t pid)
{
	r->guardian = pid;
}

bool nono_relay_timed_out(const struct nono_relay *r)
{
	return r->timed_out;
}

static struct client *controller(struct nono_relay *r)
{
	for (size_t i = 0; i < r->ncl; i++)
		if (r->cl[i].control && !r->cl[i].closing)
			return &r->cl[i];
	return NULL;
}

/* The command has ended and its output is drained.  The clients stay:
 * a question may still be asked (nono_relay_ask); nono_relay_free tells
 * them the end. */
static void finish(struct nono_relay *r)
{
	r->done = true;
}

static void send_exit(struct nono_relay *r)
{
	struct nono_msg_session m = {.type = NONO_MSG_EXIT};
	char reset[512];
	size_t n = nono_termstate_reset(&r->ts, reset, sizeof(reset));

	m.status = r->status;
	m.signo = r->signo;
	for (size_t i = 0; i < r->ncl; i++) {
		if (!r->cl[i].hello || r->cl[i].closing)
			continue;
		if (n)
			send_data(&r->cl[i], reset, n);
		send_msg(&r->cl[i], &m);
		r->cl[i].closing = true;
	}
}

void nono_relay_exited(struct nono_relay *r, int status, int signo)
{
	r->exited = true;
	r->exit_at = now_ms();
	r->status = status;
	r->signo = signo;
	if (r->master_eof)
		finish(r);
}

bool nono_relay_done(struct nono_relay *r)
{
	if (!r->done)
		return false;
	/* The clients' last words (the exit) go out first, briefly. */
	for (size_t i = 0; i < r->ncl; i++)
		flush_client(&r->cl[i]);
	return true;
}

int nono_relay_timeout(struct nono_relay *r)
{
	long long now = now_ms(), t = -1;

	if (r->cast_dirty) {
		if (r->cast_dirty + CAST_FLUSH_MS <= now) {
			nono_cast_flush(r->c.cast);
			r->cast_dirty = 0;
		} else {
			t = r->cast_dirty + CAST_FLUSH_MS - now;
		}
	}

	if (r->exited && !r->done) {
		long long quiet =
		    r->last_out > r->exit_at ? r->last_out : r->exit_at;

		t = quiet + r->c.drain_ms - now;
		if (t <= 0) {
			finish(r);
			return 0;
		}
	}
	if (!r->exited && r->c.startup_timeout && !r->ts.ever_alt) {
		long long due = r->t0 + (long long)r->c.startup_timeout * 1000;

		if (r->kill_at)
			due = r->kill_at;
		if (due <= now) {
			static const char msg[] =
			    "\r\nnono: the command did not start its "
			    "interface (the alternate screen) within "
			    "--startup-timeout; stopping it\r\n";

			if (!r->timed_out && r->guardian > 0) {
				struct nono_event_field f[] = {
				    {"seconds", NULL, r->c.startup_timeout}};

				r->timed_out = true;
				kill(r->guardian, SIGTERM);
				r->kill_at = now + STOP_GRACE_MS;
				q_push(&r->tout, msg, sizeof(msg) - 1);
				if (r->c.suggest) {
					char hint[256];
					int n = snprintf(
					    hint, sizeof(hint),
					    "hint: this program has a built-in "
					    "profile: %s\r\n",
					    r->c.suggest);

					if (n > 0 && (size_t)n < sizeof(hint))
						q_push(&r->tout, hint,
						       (size_t)n);
				}
				event(r, "startup_timeout", f, 1);
			} else if (r->timed_out && r->guardian > 0) {
				kill(r->guardian, SIGKILL);
				r->kill_at = 0;
				r->c.startup_timeout = 0;
			}
			return 0;
		}
		if (t < 0 || due - now < t)
			t = due - now;
	}
	for (size_t i = 0; i < r->ncl; i++) {
		if (r->cl[i].hello)
			continue;
		if (r->cl[i].since + HELLO_MS <= now) {
			drop_client(r, i--, "no hello");
			continue;
		}
		if (t < 0 || r->cl[i].since + HELLO_MS - now < t)
			t = r->cl[i].since + HELLO_MS - now;
	}
	return t > 0 && t > 60000 ? 60000 : (int)t;
}

/* --- output ------------------------------------------------------------- */

static void ring_add(struct nono_relay *r, const char *p, size_t n)
{
	if (n >= RING) {
		p += n - RING;
		r->ring_end += n - RING;
		n = RING;
	}
	for (size_t done = 0; done < n;) {
		size_t at = (size_t)(r->ring_end % RING);
		size_t part = RING - at < n - done ? RING - at : n - done;

		memcpy(r->ring + at, p + done, part);
		done += part;
		r->ring_end += part;
	}
}

/* The output since @from (clamped to what the ring holds), to @k. */
static void ring_send(struct nono_relay *r, struct client *k,
		      unsigned long long from)
{
	unsigned long long lo = r->ring_end > RING ? r->ring_end - RING : 0;

	if (from < lo)
		from = lo;
	while (from < r->ring_end) {
		size_t at = (size_t)(from % RING);
		unsigned long long left = r->ring_end - from;
		size_t part = RING - at < left ? RING - at : (size_t)left;

		send_data(k, r->ring + at, part);
		from += part;
	}
}

static bool can_read_master(struct nono_relay *r)
{
	struct client *k = controller(r);

	if (r->master_eof)
		return false;
	/* A question is up: the command's output waits below it. */
	if (r->q_on)
		return false;
	if (r->c.term_out >= 0 && r->tout.len >= CHUNK)
		return false;
	return !k || k->q.len < CONTROL_MAX;
}

/* One read of the command's output, relayed; false when there was none. */
static bool read_once(struct nono_relay *r)
{
	static char shown[CHUNK + NONO_OSCF_HOLD];
	char buf[CHUNK];
	ssize_t n = read(r->c.master, buf, sizeof(buf));
	size_t ns;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		/* EIO: every holder of the slave is gone. */
		r->master_eof = true;
		if (r->exited)
			finish(r);
		return false;
	}
	r->last_out = now_ms();
	/* The transcript keeps what the command wrote (nono logs filters
	 * it); the terminals, live or attached, get it without OSC 52: the
	 * clipboard is the user's, outside the sandbox (review 3 of session
	 * 16). */
	ns = nono_oscf_run(&r->oscf, buf, (size_t)n, shown);
	nono_termstate_feed(&r->ts, shown, ns);
	ring_add(r, shown, ns);
	if (r->c.cast && !r->cast_stopped) {
		int e = nono_cast_output(r->c.cast, elapsed(r), buf, (size_t)n);

		if (e == -EFBIG || e == -ENOSPC) {
			struct nono_event_field f[] = {
			    {"reason",
			     e == -EFBIG ? "size limit" : "disk nearly full",
			     0}};

			r->cast_stopped = true;
			event(r, "transcript_stopped", f, 1);
		}
		if (!r->cast_dirty)
			r->cast_dirty = r->last_out;
	}
	if (r->c.term_out >= 0) {
		/* Straight to the terminal when nothing waits before it. */
		ssize_t w = 0;

		if (!r->tout.len && ns) {
			do {
				w = write(r->out, shown, ns);
			} while (w < 0 && errno == EINTR);
			if (w < 0)
				w = 0;
		}
		if ((size_t)w < ns)
			q_push(&r->tout, shown + w, ns - (size_t)w);
	}
	for (size_t i = 0; ns && i < r->ncl; i++) {
		struct client *k = &r->cl[i];

		if (!k->hello || k->closing)
			continue;
		send_data(k, shown, ns);
		if (!k->control && k->q.len > OBSERVER_MAX) {
			drop_client(r, i--, "too slow");
			continue;
		}
	}
	return true;
}

/* A pty hands out a few KiB per read: several reads per wake-up, while
 * the user's terminal and the clients keep up. */
static void read_master(struct nono_relay *r)
{
	for (int i = 0; i < 16 && can_read_master(r); i++)
		if (!read_once(r))
			break;
}

/* --- clients ------------------------------------------------------------ */

static void accept_client(struct nono_relay *r)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd =
	    accept4(r->c.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* Only the session's owner; the directory is 0700 already. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 ||
	    uc.uid != geteuid() || r->ncl == MAX_CLIENTS) {
		struct client k = {.fd = fd};

		send_text(&k, NONO_MSG_REFUSED,
			  r->ncl == MAX_CLIENTS ? "too many clients"
						: "not your session");
		flush_client(&k);
		q_free(&k.q);
		close(fd);
		return;
	}
	r->cl[r->ncl] =
	    (struct client){.fd = fd, .since = now_ms(), .gen = ++r->gen};
	r->ncl++;
}

static void hello(struct nono_relay *r, size_t i,
		  const struct nono_msg_session *m)
{
	struct client *k = &r->cl[i];
	char setup[512];
	size_t n;

	if (!m->read_only && (r->c.term_in >= 0 || controller(r))) {
		send_text(k, NONO_MSG_REFUSED,
			  r->c.term_in >= 0
			      ? "busy: it runs in the foreground of its own "
				"terminal (nono attach --read-only watches)"
			      : "busy: another client controls it (nono "
				"detach, or nono attach --read-only)");
		k->closing = true;
		return;
	}
	k->hello = true;
	k->read_only = m->read_only;
	k->control = !m->read_only;
	send_text(k, NONO_MSG_WELCOME,
		  r->c.rec && r->c.rec->name[0] ? r->c.rec->name : "session");
	/* The screen as it is: a full-screen program repaints itself (its
	 * modes first); otherwise the output since the last clear. */
	if (r->ts.alt) {
		/* Its modes (the alternate screen first), what it drew there
		 * since (while the ring holds it), then its own repaint. */
		n = nono_termstate_setup(&r->ts, setup, sizeof(setup));
		if (n)
			send_data(k, setup, n);
		if (r->ring_end - r->ts.alt_from < RING)
			ring_send(r, k, r->ts.alt_from);
	} else {
		ring_send(r, k, r->ts.last_clear);
		n = nono_termstate_setup(&r->ts, setup, sizeof(setup));
		if (n)
			send_data(k, setup, n);
	}
	if (k->control)
		set_size(r, m->rows, m->cols);
	if (r->ts.alt)
		repaint(r);
	{
		struct nono_event_field f[] = {
		    {"client", k->control ? "control" : "read-only", 0}};

		event(r, "attach", f, 1);
	}
	save(r);
}

/* A client asks to detach the controlling one (nono detach). */
static void detach_controller(struct nono_relay *r, size_t asker,
			      const char *why)
{
	for (size_t i = 0; i < r->ncl; i++) {
		struct client *k = &r->cl[i];
		char reset[512];
		size_t n;

		if (!k->control || k->closing)
			continue;
		n = nono_termstate_reset(&r->ts, reset, sizeof(reset));
		if (n)
			send_data(k, reset, n);
		send_text(k, NONO_MSG_DETACH, why);
		k->closing = true;
		k->control = false;
	}
	if (asker != (size_t)-1) {
		send_text(&r->cl[asker], NONO_MSG_DETACH, "done");
		r->cl[asker].closing = true;
	}
}

static void client_input(struct nono_relay *r, size_t i)
{
	char buf[NONO_MSG_DATA_MAX + 512];
	struct nono_msg_session m;
	struct client *k = &r->cl[i];

	for (int msgs = 0; msgs < 64; msgs++) {
		ssize_t n = nono_msg_recv(k->fd, buf, sizeof(buf), NULL, 0,
					  MSG_DONTWAIT);

		if (n == -EAGAIN)
			return;
		if (n <= 0 || nono_msg_session_decode(buf, (size_t)n, &m) < 0) {
			drop_client(r, i, n == 0 ? "gone" : "bad message");
			return;
		}
		if (!k->hello) {
			if (m.type == NONO_MSG_HELLO) {
				hello(r, i, &m);
			} else if (m.type == NONO_MSG_DETACH) {
				detach_controller(r, i,
						  "detached by nono "
						  "detach");
				save(r);
			} else {
				drop_client(r, i, "bad message");
				return;
			}
			continue;
		}
		switch (m.type) {
		case NONO_MSG_DATA:
			if (k->control && r->tin.len < CONTROL_MAX)
				q_push(&r->tin, m.data, m.len);
			break;
		case NONO_MSG_RESIZE:
			if (k->control)
				set_size(r, m.rows, m.cols);
			break;
		case NONO_MSG_ANSWER:
			if (k->control && r->q_on && !r->q_answer) {
				m.text[sizeof(m.text) - 1] = '\0';
				question_client_answer(r, m.text);
				break;
			}
			if (k->control && r->asking && !r->answered) {
				snprintf(r->answer, r->answer_len, "%s",
					 m.text);
				r->answered = true;
			}
			break;
		case NONO_MSG_DETACH: {
			char reset[512];
			size_t len =
			    nono_termstate_reset(&r->ts, reset, sizeof(reset));

			if (len)
				send_data(k, reset, len);
			send_text(k, NONO_MSG_DETACH, "detached");
			k->closing = true;
			k->control = false;
			save(r);
			break;
		}
		default:
			drop_client(r, i, "bad message");
			return;
		}
	}
}

/* --- questions while the command runs ---------------------------------- */

/* Whatever state the command left the terminal in (an unfinished
 * escape string, another character set, colours, a hidden cursor, no
 * line wrap, a scroll region or margins, origin mode, printer mode)
 * would hide or forge the question (reviews of elevation): ended and
 * reset first, on the user's terminal and an attached client's, and
 * the question starts on the bottom line. */
static const char question_reset[] =
    "\x18\x1b\\"                         /* end any string (OSC, DCS...) */
    "\x0f\x1b(B\x1b)B"                   /* G0 in use, both ASCII */
    "\x1b[0m\x1b[4l\x1b[4i"              /* attributes, insert, printer */
    "\x1b[?25h\x1b[?7h\x1b[?6l\x1b[?69l" /* cursor, wrap, origin, margins */
    "\x1b]104\x1b\\\x1b]110\x1b\\\x1b]111\x1b\\" /* colours */
    "\x1b[r\x1b[999;1H\r\n";

/* Keys typed this soon after a question appears do not answer it: the
 * user was typing to the command. */
#define QUESTION_DEAF_MS 400

/*
 * The user's keys while a question is up.  Denying takes one key (d, n,
 * Enter, Ctrl-C, Escape: also what any terminal report starts with);
 * approving takes o, s or p (this session, and saved to the profile)
 * followed by the question's two random digits,
 * which only the user's terminal shows: the command sees the user's
 * typing and could time a question to meet an 's', but cannot guess the
 * digits, and an answer meant for another question does not fit this
 * one (review of elevation).  After o or s anything but the next digit
 * denies (one try: a burst holding every code cannot approve), and so
 * does any read of more than three bytes (a paste, a terminal report).
 */
static void question_key_in(struct nono_relay *r, int ch)
{
	if (ch == 'd' || ch == 'D' || ch == 'n' || ch == 'N' || ch == '\r' ||
	    ch == '\n' || ch == 3 || ch == 27) {
		r->q_answer = 'd';
		return;
	}
	if (ch == 'o' || ch == 'O' || ch == 's' || ch == 'S' || ch == 'p' ||
	    ch == 'P') {
		r->q_letter = ch | 0x20;
		r->q_digits = 0;
		return;
	}
	if (r->q_letter && r->q_digits < 2) {
		if (ch != r->q_code[r->q_digits]) {
			r->q_answer = 'd';
			return;
		}
		if (++r->q_digits == 2)
			r->q_answer = r->q_letter;
		return;
	}
	r->q_letter = 0;
	r->q_digits = 0;
}

static void question_input(struct nono_relay *r, const char *buf, size_t n)
{
	if (now_ms() - r->q_since < QUESTION_DEAF_MS)
		return;
	if (n > 3) {
		r->q_answer = 'd';
		return;
	}
	for (size_t i = 0; i < n && !r->q_answer; i++)
		question_key_in(r, (unsigned char)buf[i]);
}

/* A line from the controlling client: empty denies; one that does not
 * fit (meant for another question) is ignored and the question sent
 * again. */
static void question_client_answer(struct nono_relay *r, const char *text)
{
	r->q_letter = 0;
	r->q_digits = 0;
	if (!text[0] || ((text[0] | 0x20) == 'd' && !text[1])) {
		r->q_answer = 'd';
		return;
	}
	/* Exactly o, s or p and this question's digits; any other line
	 * (meant for another question) asks again. */
	if (strlen(text) == 3 &&
	    ((text[0] | 0x20) == 'o' || (text[0] | 0x20) == 's' ||
	     (text[0] | 0x20) == 'p') &&
	    text[1] == r->q_code[0] && text[2] == r->q_code[1]) {
		r->q_answer = text[0] | 0x20;
		return;
	}
	r->q_asked = 0;
}

/* Sends the question to the controlling client, once per client: the
 * text as terminal output, then the prompt (a message's text is short). */
static void question_to_client(struct nono_relay *r)
{
	struct client *k = controller(r);
	struct nono_msg_session m = {.type = NONO_MSG_PROMPT};

	if (!r->q_on || r->q_answer || !k || k->gen == r->q_asked)
		return;
	send_data(k, question_reset, sizeof(question_reset) - 1);
	send_data(k, r->q_text, strlen(r->q_text));
	snprintf(m.text, sizeof(m.text),
		 "\r\n  answer (o%s once, s%s this session, p%s this session "
		 "and save, d deny): ",
		 r->q_code, r->q_code, r->q_code);
	send_msg(k, &m);
	r->q_asked = k->gen;
}

int nono_relay_question(struct nono_relay *r, const char *text,
			const char *code)
{
	if (r->q_on || r->done || r->exited)
		return -EBUSY;
	if (r->c.term_out < 0 && !controller(r))
		return -ENOTTY; /* nobody to ask now */
	if (strlen(text) >= sizeof(r->q_text) || strlen(code) != 2)
		return -E2BIG; /* never a question cut short */
	snprintf(r->q_text, sizeof(r->q_text), "%s", text);
	memcpy(r->q_code, code, 3);
	r->q_on = true;
	r->q_answer = 0;
	r->q_letter = 0;
	r->q_digits = 0;
	r->q_asked = 0;
	r->q_since = now_ms();
	/* Type-ahead is the command's, never an answer. */
	if (r->c.term_in >= 0)
		tcflush(r->c.term_in, TCIFLUSH);
	if (r->c.term_out >= 0) {
		q_push(&r->tout, question_reset, sizeof(question_reset) - 1);
		q_push(&r->tout, r->q_text, strlen(r->q_text));
	}
	question_to_client(r);
	{
		/* Its first line: never the digits, which approve it. */
		char first[2 * PATH_MAX];
		struct nono_event_field f[] = {{"question", first, 0}};

		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(text, "\r\n"), text);
		event(r, "prompt", f, 1);
	}
	return 0;
}

int nono_relay_question_answer(const struct nono_relay *r)
{
	return r->q_on ? r->q_answer : 0;
}

void nono_relay_question_end(struct nono_relay *r, const char *said)
{
	pid_t fg;

	if (!r->q_on)
		return;
	r->q_on = false;
	if (r->c.term_out >= 0) {
		q_push(&r->tout, said, strlen(said));
		q_push(&r->tout, "\r\n", 2);
	}
	{
		struct nono_event_field f[] = {{"answer", said, 0}};

		event(r, "answer", f, 1);
	}
	/* The program repaints what the question covered (full-screen ones
	 * do on SIGWINCH; others print on below it). */
	fg = tcgetpgrp(r->c.master);
	if (fg > 0)
		kill(-fg, SIGWINCH);
}

/* --- the loop's side ---------------------------------------------------- */

size_t nono_relay_fds(struct nono_relay *r, struct pollfd *p, size_t cap)
{
	size_t n = 0;

	if (cap < 4 + MAX_CLIENTS)
		return 0;
	p[n++] = (struct pollfd){
	    .fd = can_read_master(r) ? r->c.master : -1,
	    .events = (short)(POLLIN | (r->tin.len ? POLLOUT : 0))};
	if (r->tin.len && p[0].fd < 0)
		p[0].fd = r->c.master;
	p[n++] = (struct pollfd){
	    .fd = r->c.term_in >= 0 && !r->in_eof && !r->tin.len ? r->c.term_in
								 : -1,
	    .events = POLLIN};
	p[n++] =
	    (struct pollfd){.fd = r->tout.len ? r->out : -1, .events = POLLOUT};
	p[n++] = (struct pollfd){.fd = r->done ? -1 : r->c.listen_fd,
				 .events = POLLIN};
	for (size_t i = 0; i < r->ncl; i++)
		p[n++] = (struct pollfd){
		    .fd = r->cl[i].fd,
		    .events = (short)((r->cl[i].closing ? 0 : POLLIN) |
				      (r->cl[i].q.len ? POLLOUT : 0))};
	return n;
}

void nono_relay_events(struct nono_relay *r, const struct pollfd *p, size_t n)
{
	size_t ncl = r->ncl;

	if (n < 4)
		return;
	if (p[0].fd >= 0 && (p[0].revents & POLLOUT) && r->tin.len)
		if (q_flush(&r->tin, r->c.master) < 0)
			r->tin.len = 0;
	if (p[0].fd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    can_read_master(r))
		read_master(r);
	if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
		char buf[4096];
		ssize_t got = read(r->c.term_in, buf, sizeof(buf));

		if (got > 0 && r->q_on)
			question_input(r, buf, (size_t)got);
		else if (got > 0)
			q_push(&r->tin, buf, (size_t)got);
		else if (got == 0 || (errno != EAGAIN && errno != EINTR))
			r->in_eof = true;
	}
	if (p[2].fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP)))
		if (q_flush(&r->tout, r->out) < 0)
			r->tout.len = 0; /* the terminal is gone */
	if (p[3].fd >= 0 && (p[3].revents & POLLIN))
		accept_client(r);
	question_to_client(r);
	/* Clients, from the last (a drop moves the last into its slot). */
	for (size_t j = ncl; j-- > 0;) {
		const struct pollfd *q = &p[4 + j];

		if (4 + j >= n || j >= r->ncl || q->fd != r->cl[j].fd)
			continue;
		if (q->revents & POLLOUT)
			if (flush_client(&r->cl[j]) < 0) {
				drop_client(r, j, "gone");
				continue;
			}
		if (r->cl[j].closing && !r->cl[j].q.len) {
			drop_client(r, j,
				    r->cl[j].hello ? "detached" : "refused");
			continue;
		}
		if (q->revents & (POLLIN | POLLHUP | POLLERR))
			client_input(r, j);
	}
	/* New output queued for clients: try now rather than next round. */
	for (size_t j = 0; j < r->ncl; j++)
		if (r->cl[j].q.len && flush_client(&r->cl[j]) < 0)
			drop_client(r, j--, "gone");
	if (r->c.cast && r->cast_dirty && !can_read_master(r)) {
		nono_cast_flush(r->c.cast);
		r->cast_dirty = 0;
	}
}

int nono_relay_ask(struct nono_relay *r, const char *detail,
		   const char *question, char *answer, size_t len,
		   unsigned timeout_ms)
{
	long long until = now_ms() + timeout_ms;
	int asked = -1; /* the controlling client asked, by fd */

	if (!len)
		return -EINVAL;
	answer[0] = '\0';
	r->asking = true;
	r->answered = false;
	r->answer = answer;
	r->answer_len = len;
	if (r->c.rec) {
		snprintf(r->c.rec->waiting, sizeof(r->c.rec->waiting), "%s",
			 question);
		save(r);
	}
	{
		struct nono_event_field f[] = {{"question", question, 0}};

		event(r, "prompt", f, 1);
	}
	while (!r->answered) {
		struct pollfd p[4 + MAX_CLIENTS];
		struct client *k = controller(r);
		long long left = until - now_ms();
		size_t n;

		/* Asked of whoever controls the session, when it attaches. */
		if (k && k->fd != asked) {
			struct nono_msg_session m = {.type = NONO_MSG_PROMPT};

			send_data(k, detail, strlen(detail));
			snprintf(m.text, sizeof(m.text), "%s", question);
			send_msg(k, &m);
			asked = k->fd;
		}
		if (left <= 0)
			break;
		n = nono_relay_fds(r, p, sizeof(p) / sizeof(p[0]));
		if (poll(p, n, left > 250 ? 250 : (int)left) < 0 &&
		    errno != EINTR)
			break;
		nono_relay_events(r, p, n);
		nono_relay_timeout(r);
	}
	r->asking = false;
	if (r->c.rec) {
		r->c.rec->waiting[0] = '\0';
		save(r);
	}
	{
		struct nono_event_field f[] = {
		    {"answer", r->answered ? answer : "", 0},
		    {"timed_out", NULL, !r->answered},
		};

		event(r, "answer", f, 2);
	}
	return r->answered ? 0 : -ETIMEDOUT;
}
