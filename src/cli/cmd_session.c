// SPDX-License-Identifier: Apache-2.0
/*
 * The session commands: nono ps, attach, detach, stop, logs, inspect and
 * prune, over the registry (session/registry.h).  Each takes a session by
 * id, name or unique prefix; an ambiguous prefix lists the candidates.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_session.h"
#include "cli/config.h"
#include "cli/output.h"
#include "policy/json.h"
#include "session/castlog.h"
#include "session/client.h"
#include "session/registry.h"
#include "session/termsafe.h"
#include "util/jsonout.h"

static bool live(const struct nono_session_rec *r)
{
	return r->state == NONO_SESSION_STARTING ||
	       r->state == NONO_SESSION_RUNNING;
}

static void age(long long since, char *out, size_t len)
{
	long long s = (long long)time(NULL) - since;

	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(out, len, "%llds", s);
	else if (s < 7200)
		snprintf(out, len, "%lldm", s / 60);
	else if (s < 172800)
		snprintf(out, len, "%lldh", s / 3600);
	else
		snprintf(out, len, "%lldd", s / 86400);
}

/* Control characters would reach the terminal: C0, DEL and the C1 ones
 * (U+0080-U+009F as UTF-8) are shown as '?'. */
static char *safe(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			*p = '?';
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0) {
			p[0] = '?';
			p[1] = '?';
			p++;
		}
	}
	return s;
}

/* The command's words from the record's JSON array, for a table. */
static void command_line(const char *json, char *out, size_t len)
{
	struct nono_json *a = NULL;
	struct nono_json_error je;
	size_t used = 0;

	out[0] = '\0';
	if (!json || nono_json_parse(json, strlen(json), &a, &je) < 0)
		return;
	for (size_t i = 0; a->type == NONO_JSON_ARRAY && i < a->len; i++) {
		int n = snprintf(out + used, len - used, "%s%s", i ? " " : "",
				 a->items[i]->str ? a->items[i]->str : "");

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	safe(out);
	nono_json_free(a);
}

/* Parses "--flag" style options shared by the commands; returns the index
 * of the first operand or -1 after printing an error. */
struct sopts {
	bool all, json, force, dry_run, follow, read_only, events, raw;
	long long tail;    /* -1: all */
	long long timeout; /* stop: seconds */
	long long older;   /* prune: seconds, -1 none */
	long long keep;    /* prune: -1 none */
};

static long long duration(const char *s)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v < 0 || v > 100LL * 365 * 86400)
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		v *= 60;
		break;
	case 'h':
		v *= 3600;
		break;
	case 'd':
		v *= 86400;
		break;
	case 'w':
		v *= 7 * 86400;
		break;
	default:
		return -1;
	}
	if (*end && end[1])
		return -1;
	return v;
}

static int parse(const char *cmd, int argc, char **argv, const char *allowed,
		 struct sopts *o)
{
	static const struct option longopts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"force", no_argument, NULL, 'F'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"follow", no_argument, NULL, 'f'},
	    {"tail", required_argument, NULL, 'n'},
	    {"dry-run", no_argument, NULL, 'D'},
	    {"older-than", required_argument, NULL, 'O'},
	    {"keep", required_argument, NULL, 'K'},
	    {"read-only", no_argument, NULL, 'R'},
	    {"events", no_argument, NULL, 'E'},
	    {"raw", no_argument, NULL, 'W'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, idx;

	memset(o, 0, sizeof(*o));
	o->tail = o->older = o->keep = -1;
	o->timeout = 10;
	optind = 0; /* a full reset (glibc keeps main()'s "+" mode otherwise) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "afn:h", longopts, &idx)) != -1) {
		const char *name = NULL;

		for (size_t i = 0; longopts[i].name; i++)
			if (longopts[i].val == c)
				name = longopts[i].name;
		if (c == '?' || c == ':') {
			out_error("%s: unknown option '%s'", cmd,
				  argv[optind - 1]);
			out_hint("see nono %s --help", cmd);
			return -1;
		}
		if (c != 'h' && !strchr(allowed, c)) {
			out_error("%s: --%s does not apply here", cmd,
				  name ? name : "?");
			return -1;
		}
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'F':
			o->force = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'D':
			o->dry_run = true;
			break;
		case 'R':
			o->read_only = true;
			break;
		case 'E':
			o->events = true;
			break;
		case 'W':
			o->raw = true;
			break;
		case 'T':
			o->timeout = duration(optarg);
			if (o->timeout < 0) {
				out_error("%s: --timeout: expected seconds, "
					  "got '%s'",
					  cmd, optarg);
				return -1;
			}
			break;
		case 'n': {
			char *end;

			errno = 0;
			o->tail = strtoll(optarg, &end, 10);
			if (errno || *end || o->tail < 0 || *optarg == '-') {
				out_error("%s: --tail: expected a number of "
					  "lines, got '%s'",
					  cmd, optarg);
				return -1;
			}
			break;
		}
		case 'O':
			o->older = duration(optarg);
			if (o->older < 0) {
				out_error("prune: --older-than: expected a "
					  "duration (30s, 10m, 2h, 7d), got "
					  "'%s'",
					  optarg);
				return -1;
			}
			break;
		case 'K': {
			char *end;

			errno = 0;
			o->keep = strtoll(optarg, &end, 10);
			if (errno || *end || o->keep < 0 || *optarg == '-') {
				out_error("prune: --keep: expected a number, "
					  "got '%s'",
					  optarg);
				return -1;
			}
			break;
		}
		case 'h':
			return -2;
		default:
			break;
		}
	}
	return optind;
}

/* Exactly one session operand. */
static int one_session(const char *cmd, int argc, char **argv, int at,
		       struct nono_session_rec *rec, int *dirfd)
{
	char err[2048];
	int r;

	if (at >= argc) {
		out_error("%s: which session? (nono ps lists them)", cmd);
		return -1;
	}
	if (at + 1 < argc) {
		out_error("%s: one session at a time ('%s' is extra)", cmd,
			  argv[at + 1]);
		return -1;
	}
	r = nono_session_find(argv[at], rec, dirfd, err, sizeof(err));
	if (r < 0) {
		out_error("%s", err);
		return -1;
	}
	return 0;
}

static void usage(const char *cmd)
{
	static const struct {
		const char *cmd, *text;
	} u[] = {
	    {"ps", "nono ps [--all] [--json]\n"
		   "  Lists the sessions that run (and the dead ones: their "
		   "supervisor is gone);\n"
		   "  --all adds the ended ones.\n"},
	    {"attach", "nono attach SESSION [--read-only]\n"
		       "  Attaches this terminal; the detach keys (Ctrl-] d, "
		       "[ui] detach_sequence\n"
		       "  in config.toml) leave it running.  --read-only "
		       "watches without typing.\n"},
	    {"detach", "nono detach SESSION\n"
		       "  Detaches the client that controls a detached "
		       "session.\n"},
	    {"stop", "nono stop SESSION [--force] [--timeout S]\n"
		     "  SIGTERM to the command, SIGKILL to every process of "
		     "the session after\n"
		     "  --timeout (10 s); --force kills at once.\n"},
	    {"logs", "nono logs SESSION [-f] [--tail N] [--json] [--events] "
		     "[--raw]\n"
		     "  The session's terminal output (its transcript); "
		     "--events its event log.\n"
		     "  On a terminal only colours and cursor moves pass (no "
		     "queries, titles,\n"
		     "  clipboard or modes); --raw writes the bytes as "
		     "recorded.\n"},
	    {"inspect", "nono inspect SESSION [--json] [--events]\n"
			"  The session's record and files; --events adds its "
			"event log, one line\n"
			"  per event (--json always has them).\n"},
	    {"prune", "nono prune [--dry-run] [--older-than D] [--keep N]\n"
		      "  Removes ended and dead sessions (D: 30s, 10m, 2h, "
		      "7d; --keep the N newest).\n"},
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (strcmp(u[i].cmd, cmd) == 0)
			printf("Usage: %s", u[i].text);
	printf("SESSION: an id, a name, or a unique prefix of either.\n");
}

/* --- ps ------------------------------------------------------------------ */

static int cmd_ps(int argc, char **argv)
{
	struct nono_session_rec *v;
	struct sopts o;
	size_t n, shown = 0;
	int at = parse("ps", argc, argv, "aj", &o), r;

	if (at == -2)
		return usage("ps"), 0;
	if (at < 0)
		return 1;
	if (at < argc) {
		out_error("ps: unexpected argument '%s'", argv[at]);
		return 1;
	}
	r = nono_session_list(&v, &n);
	if (r < 0) {
		out_error("ps: cannot read the sessions: %s",
			  nono_sessions_strerror(r));
		return 1;
	}
	if (o.json)
		printf("[");
	else
		printf("%-16s  %-20s %-8s %-9s %5s  %s\n", "ID", "NAME",
		       "STATUS", "ATTACHED", "AGE", "COMMAND");
	for (size_t i = 0; i < n; i++) {
		const struct nono_session_rec *s = &v[i];
		char cmdline[256], ago[24], att[16];

		if (!o.all && !live(s) && s->state != NONO_SESSION_DEAD)
			continue;
		if (o.json) {
			if (shown)
				printf(",");
			nono_session_rec_json(stdout, s);
			shown++;
			continue;
		}
		command_line(s->command, cmdline, sizeof(cmdline));
		age(s->started, ago, sizeof(ago));
		snprintf(att, sizeof(att), "%s%s",
			 !live(s)      ? "-"
			 : s->attached ? (s->detached ? "yes" : "terminal")
				       : "no",
			 live(s) && s->observers ? "+ro" : "");
		if (s->state == NONO_SESSION_EXITED)
			printf("%-16s  %-20s %-8s %-9s %5s  %s (exit %d)\n",
			       s->id, s->name, "exited", att, ago, cmdline,
			       s->signo ? 128 + s->signo : s->exit_code);
		else
			printf("%-16s  %-20s %-8s %-9s %5s  %s\n", s->id,
			       s->name, nono_session_state_name(s->state), att,
			       ago, cmdline);
		shown++;
	}
	if (o.json)
		printf("]\n");
	nono_session_list_free(v, n);
	return 0;
}

/* --- attach, detach ------------------------------------------------------ */

static unsigned attach_timeout(void)
{
	const char *v = getenv("NONO_PTY_ATTACH_TIMEOUT");
	char *end;
	unsigned long ms;

	if (!v || !*v)
		return 1000;
	errno = 0;
	ms = strtoul(v, &end, 10);
	if (errno || *end || *v < '0' || *v > '9' || ms > 600000) {
		out_warn("NONO_PTY_ATTACH_TIMEOUT: expected milliseconds, "
			 "got '%s'; using 1000",
			 v);
		return 1000;
	}
	return (unsigned)ms;
}

static int cmd_attach(int argc, char **argv)
{
	struct nono_attach_opts ao = {.prefix = 0x1d, .key = 'd'};
	const struct nono_config *cfg = cli_config();
	struct nono_session_rec rec;
	struct sopts o;
	char err[512];
	int at = parse("attach", argc, argv, "R", &o), dfd = -1, st = 0, r;

	if (at == -2)
		return usage("attach"), 0;
	if (at < 0 || one_session("attach", argc, argv, at, &rec, &dfd) < 0)
		return 1;
	if (cfg->ui_detach_sequence &&
	    nono_parse_detach_keys(cfg->ui_detach_sequence, &ao.prefix,
				   &ao.key) < 0) {
		out_error("config: [ui] detach_sequence: expected two keys "
			  "such as \"ctrl-] d\", got '%s'",
			  cfg->ui_detach_sequence);
		goto fail;
	}
	if (!live(&rec)) {
		out_error("attach: session %s has %s; nono logs %s shows "
			  "what it printed",
			  rec.name,
			  rec.state == NONO_SESSION_DEAD ? "no supervisor any "
							   "more (dead)"
							 : "ended",
			  rec.name);
		goto fail;
	}
	ao.read_only = o.read_only;
	ao.timeout_ms = attach_timeout();
	r = nono_session_attach(dfd, &ao, &st, err, sizeof(err));
	close(dfd);
	if (r == NONO_ATTACH_DETACHED) {
		fprintf(stderr, "\r\n[detached from %s: nono attach %s]\r\n",
			rec.name, rec.name);
		nono_session_rec_clear(&rec);
		return 0;
	}
	if (r == NONO_ATTACH_ENDED) {
		nono_session_rec_clear(&rec);
		return st;
	}
	out_error("attach: %s: %s", rec.name, err);
	if (r == -EBUSY && !o.read_only)
		out_hint("nono attach --read-only %s watches it", rec.name);
	nono_session_rec_clear(&rec);
	return 1;
fail:
	if (dfd >= 0)
		close(dfd);
	nono_session_rec_clear(&rec);
	return 1;
}

static int cmd_detach(int argc, char **argv)
{
	struct nono_session_rec rec;
	struct sopts o;
	char err[512];
	int at = parse("detach", argc, argv, "", &o), dfd = -1, r = 1;

	if (at == -2)
		return usage("detach"), 0;
	if (at < 0 || one_session("detach", argc, argv, at, &rec, &dfd) < 0)
		return 1;
	if (!live(&rec)) {
		out_error("detach: session %s is not running", rec.name);
	} else if (!rec.detached) {
		out_error("detach: session %s runs in the foreground of its "
			  "terminal and ends with it",
			  rec.name);
		out_hint("start it with nono run --detached to detach and "
			 "attach at will");
	} else if (!rec.attached) {
		out_error("detach: nothing is attached to session %s",
			  rec.name);
	} else if (nono_session_detach(dfd, attach_timeout(), err,
				       sizeof(err)) < 0) {
		out_error("detach: %s: %s", rec.name, err);
	} else {
		printf("detached the client of %s\n", rec.name);
		r = 0;
	}
	close(dfd);
	nono_session_rec_clear(&rec);
	return r;
}

/* --- stop ---------------------------------------------------------------- */

/*
 * The supervisor as a pidfd, checked by its start time once the pidfd is
 * open: from then on the signals go to that process, never to one that
 * took its pid number.  -1 when it is gone.
 */
static int open_supervisor(const struct nono_session_rec *r)
{
	int fd = (int)syscall(SYS_pidfd_open, r->sup_pid, 0);

	if (fd < 0)
		return -1;
	if (!nono_proc_alive(r->sup_pid, r->sup_start)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* True once the process of @pidfd has exited (within @ms). */
static bool wait_gone(int pidfd, long long ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;

	do {
		r = poll(&p, 1, (int)ms);
	} while (r < 0 && errno == EINTR);
	return r != 0;
}

static int cmd_stop(int argc, char **argv)
{
	struct nono_session_rec rec;
	struct sopts o;
	int at = parse("stop", argc, argv, "FT", &o), dfd = -1, pfd;
	bool killed = false;

	if (at == -2)
		return usage("stop"), 0;
	if (at < 0 || one_session("stop", argc, argv, at, &rec, &dfd) < 0)
		return 1;
	pfd = live(&rec) ? open_supervisor(&rec) : -1;
	if (pfd < 0) {
		out_error("stop: session %s is not running (%s)", rec.name,
			  live(&rec) ? "dead"
				     : nono_session_state_name(rec.state));
		close(dfd);
		nono_session_rec_clear(&rec);
		return 1;
	}
	if (!o.force)
		syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0);
	if (o.force || !wait_gone(pfd, o.timeout * 1000)) {
		/* The supervisor's death takes the whole sandbox with it
		 * (the guardian's PR_SET_PDEATHSIG). */
		syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
		killed = true;
		wait_gone(pfd, 2000);
		/* Nobody is left to close the record: we do. */
		{
			struct nono_session_rec now;

			if (nono_session_load(dfd, &now) == 0) {
				if (now.state == NONO_SESSION_DEAD) {
					now.state = NONO_SESSION_EXITED;
					now.signo = SIGKILL;
					now.exit_code = 137;
					now.ended = (long long)time(NULL);
					nono_session_save(dfd, &now);
				}
				nono_session_rec_clear(&now);
			}
		}
	}
	close(pfd);
	printf("stopped %s%s\n", rec.name, killed ? " (killed)" : "");
	close(dfd);
	nono_session_rec_clear(&rec);
	return 0;
}

/* --- logs ---------------------------------------------------------------- */
static void san_out(void *arg, const char *p, size_t n)
{
	(void)arg;
	fwrite(p, 1, n, stdout);
}

struct logs_state {
	bool json;
	struct nono_termsafe *san; /* NULL: the bytes as they were */
	/* --tail: the output is kept, then its last lines printed. */
	bool tail;
	char *buf;
	size_t len, cap;
};

static int on_event(void *arg, double t, char type, const char *data,
		    size_t len, unsigned cols, unsigned rows)
{
	struct logs_state *s = arg;

	(void)cols;
	(void)rows;
	if (type != 'o')
		return 0;
	if (s->json) {
		printf("{\"time\":%.6f,\"type\":\"o\",\"data\":", t);
		nono_json_strn(stdout, data, len);
		printf("}\n");
		return 0;
	}
	if (s->tail) {
		if (s->cap - s->len < len) {
			size_t nc = (s->cap ? s->cap : 65536);
			char *nb;

			while (nc - s->len < len)
				nc *= 2;
			nb = realloc(s->buf, nc);
			if (!nb)
				return -ENOMEM;
			s->buf = nb;
			s->cap = nc;
		}
		memcpy(s->buf + s->len, data, len);
		s->len += len;
		/* The last lines only: what lies 8 MiB back goes. */
		if (s->len > (16u << 20)) {
			memmove(s->buf, s->buf + s->len - (8u << 20), 8u << 20);
			s->len = 8u << 20;
		}
		return 0;
	}
	if (s->san)
		nono_termsafe_filter(s->san, data, len, san_out, NULL);
	else
		fwrite(data, 1, len, stdout);
	return 0;
}

static int print_events(int dfd, bool json)
{
	char buf[65536];
	int fd =
	    openat(dfd, NONO_SESSION_EVENTS, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	(void)json; /* the event log is JSON lines already */
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}

static int cmd_logs(int argc, char **argv)
{
	struct logs_state ls = {0};
	struct nono_termsafe san = {0};
	struct nono_session_rec rec;
	struct sopts o;
	int at = parse("logs", argc, argv, "fnjEW", &o), dfd = -1, fd, r;

	if (at == -2)
		return usage("logs"), 0;
	if (at < 0 || one_session("logs", argc, argv, at, &rec, &dfd) < 0)
		return 1;
	if (o.events) {
		r = print_events(dfd, o.json);
		if (r < 0)
			out_error("logs: %s has no event log: %s", rec.name,
				  strerror(-r));
		close(dfd);
		nono_session_rec_clear(&rec);
		return r < 0;
	}
	fd = openat(dfd, NONO_SESSION_CAST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		out_error("logs: %s has no transcript (%s)", rec.name,
			  strerror(errno));
		close(dfd);
		nono_session_rec_clear(&rec);
		return 1;
	}
	ls.json = o.json;
	ls.tail = o.tail >= 0 && !o.json;
	if (!o.raw && !o.json && isatty(1))
		ls.san = &san;
	r = nono_cast_read(fd, on_event, &ls);
	if (ls.tail) {
		size_t pos = ls.len, lines = 0;

		/* The last N lines: back over N line ends (a final one
		 * closes the last line, it does not start another). */
		if (pos && ls.buf[pos - 1] == '\n')
			pos--;
		for (; pos > 0; pos--)
			if (ls.buf[pos - 1] == '\n' &&
			    ++lines >= (size_t)o.tail)
				break;
		if (o.tail == 0)
			pos = ls.len;
		if (ls.san)
			nono_termsafe_filter(ls.san, ls.buf + pos, ls.len - pos,
					     san_out, NULL);
		else
			fwrite(ls.buf + pos, 1, ls.len - pos, stdout);
		free(ls.buf);
		ls.tail = false;
	}
	if (r == -EINVAL) {
		fflush(stdout);
		out_warn("logs: %s: the transcript ends with a damaged line",
			 rec.name);
	}
	/* -f: what is appended, until the session ends (then what came
	 * last); whole lines only, a partial one waits for its end. */
	if (o.follow && r == 0) {
		/* Appended lines parse as a file of their own: a header
		 * of ours before them (on_event ignores it). */
		static const char hdr[] =
		    "{\"version\": 2, \"width\": 80, \"height\": 24}\n";
		char buf[65536 * 2];
		size_t have = sizeof(hdr) - 1;
		bool last = false;

		memcpy(buf, hdr, have);

		fflush(stdout);
		for (;;) {
			struct nono_session_rec now;
			ssize_t n =
			    have < sizeof(buf)
				? read(fd, buf + have, sizeof(buf) - have)
				: 0;
			char *nl;

			if (n > 0) {
				have += (size_t)n;
				nl = memrchr(buf + sizeof(hdr) - 1, '\n',
					     have - (sizeof(hdr) - 1));
				if (nl) {
					size_t whole = (size_t)(nl - buf) + 1;
					size_t keep = sizeof(hdr) - 1;

					nono_cast_parse(buf, whole, on_event,
							&ls);
					memmove(buf + keep, buf + whole,
						have - whole);
					have = keep + have - whole;
					fflush(stdout);
				} else if (have == sizeof(buf)) {
					/* a line too long: dropped */
					have = sizeof(hdr) - 1;
				}
				continue;
			}
			if (last)
				break;
			if (nono_session_load(dfd, &now) == 0) {
				last = !live(&now);
				nono_session_rec_clear(&now);
			} else {
				last = true;
			}
			/* Once it has ended: one more read for the end. */
			if (!last)
				usleep(200000);
		}
	}
	close(fd);
	close(dfd);
	nono_session_rec_clear(&rec);
	return 0;
}

/* --- inspect ------------------------------------------------------------- */

/* The event log for people: "TIME EVENT key=value ...", each field checked
 * by the JSON reader (a damaged line is skipped, said once). */
static void print_event_lines(int dfd)
{
	char line[65536];
	bool bad = false;
	FILE *f;
	int fd =
	    openat(dfd, NONO_SESSION_EVENTS, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	printf("Events\n");
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		printf("  (none)\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		struct nono_json *v = NULL;
		struct nono_json_error je;
		const struct nono_json *t, *e;
		size_t l = strlen(line);
		char val[512];

		if (l && line[l - 1] == '\n')
			line[--l] = '\0';
		if (nono_json_parse(line, l, &v, &je) < 0 ||
		    v->type != NONO_JSON_OBJECT ||
		    !(t = nono_json_get(v, "time")) ||
		    t->type != NONO_JSON_STRING ||
		    !(e = nono_json_get(v, "event")) ||
		    e->type != NONO_JSON_STRING) {
			nono_json_free(v);
			bad = true;
			continue;
		}
		snprintf(val, sizeof(val), "%s", t->str);
		printf("  %s", safe(val));
		snprintf(val, sizeof(val), "%s", e->str);
		printf(" %s", safe(val));
		for (size_t i = 0; i < v->len; i++) {
			const struct nono_json_member *m = &v->members[i];

			if (strcmp(m->key, "time") == 0 ||
			    strcmp(m->key, "event") == 0)
				continue;
			if (m->value->type == NONO_JSON_STRING)
				snprintf(val, sizeof(val), "%s=%s", m->key,
					 m->value->str);
			else if (m->value->type == NONO_JSON_NUMBER &&
				 m->value->is_int)
				snprintf(val, sizeof(val), "%s=%lld", m->key,
					 m->value->integer);
			else
				continue;
			printf(" %s", safe(val));
		}
		printf("\n");
		nono_json_free(v);
	}
	fclose(f);
	if (bad)
		printf("  (damaged lines skipped)\n");
}

static int cmd_inspect(int argc, char **argv)
{
	struct nono_session_rec rec;
	struct sopts o;
	char dir[4096], cmdline[1024], ago[24];
	int at = parse("inspect", argc, argv, "jE", &o), dfd = -1;

	if (at == -2)
		return usage("inspect"), 0;
	if (at < 0 || one_session("inspect", argc, argv, at, &rec, &dfd) < 0)
		return 1;
	if (nono_sessions_dir(dir, sizeof(dir)) < 0)
		dir[0] = '\0';
	if (o.json) {
		char line[65536];
		FILE *f;
		int fd;
		bool first = true;

		printf("{\"session\":");
		nono_session_rec_json(stdout, &rec);
		printf(",\"files\":{\"directory\":");
		{
			char path[4200];

			snprintf(path, sizeof(path), "%s/%s", dir, rec.id);
			nono_json_str(stdout, path);
		}
		printf(",\"transcript\":\"%s\",\"events\":\"%s\"}",
		       NONO_SESSION_CAST, NONO_SESSION_EVENTS);
		printf(",\"events\":[");
		fd = openat(dfd, NONO_SESSION_EVENTS,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		f = fd >= 0 ? fdopen(fd, "r") : NULL;
		while (f && fgets(line, sizeof(line), f)) {
			struct nono_json *v = NULL;
			struct nono_json_error je;
			size_t l = strlen(line);

			/* Only well-formed objects go into the answer. */
			if (l && line[l - 1] == '\n')
				line[--l] = '\0';
			if (nono_json_parse(line, l, &v, &je) < 0)
				continue;
			if (v->type == NONO_JSON_OBJECT)
				printf("%s%s", first ? "" : ",", line);
			first = false;
			nono_json_free(v);
		}
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		printf("]}\n");
	} else {
		command_line(rec.command, cmdline, sizeof(cmdline));
		age(rec.started, ago, sizeof(ago));
		printf("Session    %s (%s)\n", safe(rec.name), rec.id);
		printf("Status     %s", nono_session_state_name(rec.state));
		if (rec.state == NONO_SESSION_EXITED)
			printf(" (exit %d)",
			       rec.signo ? 128 + rec.signo : rec.exit_code);
		printf("\nStarted    %s ago%s\n", ago,
		       rec.detached ? ", detached" : ", in the foreground");
		if (live(&rec))
			printf("Attached   %s, %u observer(s)\n",
			       rec.attached ? "yes" : "no", rec.observers);
		printf("Command    %s\n", cmdline);
		printf("Profile    %s\n",
		       rec.profile[0] ? safe(rec.profile) : "-");
		printf("Workdir    %s\n",
		       rec.workdir[0] ? safe(rec.workdir) : "-");
		printf("Network    %s\n", safe(rec.network));
		printf("Supervisor pid %d, sandbox pid %d\n", (int)rec.sup_pid,
		       (int)rec.child_pid);
		if (rec.waiting[0])
			printf("Waiting    %s\n", safe(rec.waiting));
		printf("Files      %s/%s/{%s,%s,%s}\n", dir, rec.id,
		       NONO_SESSION_RECORD, NONO_SESSION_CAST,
		       NONO_SESSION_EVENTS);
		if (o.events)
			print_event_lines(dfd);
	}
	close(dfd);
	nono_session_rec_clear(&rec);
	return 0;
}

/* --- prune --------------------------------------------------------------- */

static int cmd_prune(int argc, char **argv)
{
	struct nono_session_rec *v;
	struct sopts o;
	size_t n, kept = 0, removed = 0;
	long long now = (long long)time(NULL);
	int at = parse("prune", argc, argv, "DOK", &o), r;

	if (at == -2)
		return usage("prune"), 0;
	if (at < 0)
		return 1;
	if (at < argc) {
		out_error("prune: unexpected argument '%s'", argv[at]);
		return 1;
	}
	r = nono_session_list(&v, &n);
	if (r < 0) {
		out_error("prune: cannot read the sessions: %s",
			  nono_sessions_strerror(r));
		return 1;
	}
	/* Newest first: --keep N spares the first N that could go. */
	for (size_t i = 0; i < n; i++) {
		const struct nono_session_rec *s = &v[i];
		long long end = s->ended ? s->ended : s->started;

		if (live(s))
			continue;
		if (o.keep >= 0 && kept < (size_t)o.keep) {
			kept++;
			continue;
		}
		if (o.older >= 0 && now - end < o.older)
			continue;
		if (o.dry_run) {
			printf("would remove %s (%s, %s)\n", s->name, s->id,
			       nono_session_state_name(s->state));
		} else if ((r = nono_session_remove(s->id)) < 0) {
			out_warn("prune: %s: %s", s->id, strerror(-r));
			continue;
		} else {
			printf("removed %s (%s, %s)\n", s->name, s->id,
			       nono_session_state_name(s->state));
		}
		removed++;
	}
	/* Starts killed before their record was written: nothing to show
	 * in ps, still a directory to remove (not a start in progress: one
	 * untouched for 10 s). */
	{
		char ids[256][NONO_SESSION_ID_LEN + 1];
		int k = nono_session_orphans(ids, 256, 10);

		for (int i = 0; i < k; i++) {
			if (o.dry_run)
				printf("would remove %s (no record)\n", ids[i]);
			else if (nono_session_remove(ids[i]) == 0)
				printf("removed %s (no record)\n", ids[i]);
			else
				continue;
			removed++;
		}
	}
	if (!removed)
		printf("nothing to prune\n");
	nono_session_list_free(v, n);
	return 0;
}

int cmd_session(const char *cmd, int argc, char **argv)
{
	if (strcmp(cmd, "ps") == 0)
		return cmd_ps(argc, argv);
	if (strcmp(cmd, "attach") == 0)
		return cmd_attach(argc, argv);
	if (strcmp(cmd, "detach") == 0)
		return cmd_detach(argc, argv);
	if (strcmp(cmd, "stop") == 0)
		return cmd_stop(argc, argv);
	if (strcmp(cmd, "logs") == 0)
		return cmd_logs(argc, argv);
	if (strcmp(cmd, "inspect") == 0)
		return cmd_inspect(argc, argv);
	if (strcmp(cmd, "prune") == 0)
		return cmd_prune(argc, argv);
	return -1;
}
