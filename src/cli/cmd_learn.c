// SPDX-License-Identifier: Apache-2.0
/*
 * nono learn [--profile P] [--json] [--timeout S] [--all] [-v] -- CMD
 * (issue 17): runs CMD under the profile's sandbox with every call that
 * names a path recorded by the supervisor (no strace), then says what the
 * profile lacks, in its keys.  Reads the profile refuses are served for
 * the run by the supervisor (learnserve.c), and an open that writes gets a
 * throwaway copy (elevate.c), so that the command goes on; name calls
 * (mkdir, rename, unlink...) outside the grants are refused as in nono
 * run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_learn.h"
#include "cli/cmd_run.h"
#include "cli/output.h"
#include "cli/run_ctx.h"
#include "cli/save_prompt.h"
#include "learn/suggest.h"
#include "nono/path.h"
#include "plan/verdict.h"
#include "proxy/hosts.h"
#include "supervisor/gate.h"
#include "supervisor/supervise.h"

static struct cli_learn the_learn;
const struct cli_learn *cli_learn;

static void usage(FILE *f)
{
	fputs(
	    "Usage: nono learn [OPTIONS] -- COMMAND [ARGS...]\n\n"
	    "Runs COMMAND in the profile's sandbox, records in the supervisor "
	    "every path its\ncalls name (no strace), and prints what the "
	    "profile lacks, as the flags that\ngrant it.  Reads the profile "
	    "refuses are served for this run, so that COMMAND\ngoes on past "
	    "them (never protected paths, devices, /proc or /sys); writes "
	    "and\ncreations outside the grants stay refused, and are "
	    "reported.\n\n"
	    "Options:\n"
	    "  -p, --profile NAME  compare with this profile (default: the "
	    "default profile)\n"
	    "      --json          print the additions as a profile fragment "
	    "(COMMAND's\n                      output goes to stderr)\n"
	    "      --timeout SECS  stop the command after SECS seconds\n"
	    "      --all           list what the profile already allows too\n"
	    "      --trace         macOS only (refused on Linux)\n"
	    "  -v, --verbose       more detail\n\n"
	    "Example: nono learn --profile node-dev -- npm test\n",
	    f);
}

int cmd_learn(int argc, char **argv, struct global_opts *g)
{
	enum { OPT_JSON = 256, OPT_TIMEOUT, OPT_ALL, OPT_TRACE };
	static const struct option longopts[] = {
	    {"profile", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"all", no_argument, NULL, OPT_ALL},
	    {"trace", no_argument, NULL, OPT_TRACE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"silent", no_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *profile = NULL;
	char **rargv;
	int opt, rargc = 0;

	memset(&the_learn, 0, sizeof(the_learn));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+p:vsh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'p':
			profile = optarg;
			break;
		case OPT_JSON:
			the_learn.json = true;
			break;
		case OPT_TIMEOUT: {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v <= 0 ||
			    v > 86400) {
				fprintf(stderr,
					"nono: learn: --timeout takes a "
					"number of seconds from 1 to 86400, "
					"not '%s'\n",
					optarg);
				return 1;
			}
			the_learn.timeout = (unsigned)v;
			break;
		}
		case OPT_ALL:
			the_learn.all = true;
			break;
		case OPT_TRACE:
			fprintf(stderr,
				"nono: learn: --trace is the macOS tracer "
				"(fs_usage and nettop); on Linux nono learn "
				"traces natively: leave --trace out\n");
			return 1;
		case 'v':
			g->verbose++;
			break;
		case 's':
			g->silent = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "nono: learn: unknown option '%s'\n",
				argv[optind - 1]);
			fprintf(stderr, "hint: see nono learn --help\n");
			return 1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "nono: learn: no command given (nono learn "
				"[OPTIONS] -- COMMAND [ARGS...])\n");
		return 1;
	}
	/* A run of the command under the profile, with learning on. */
	rargv = calloc((size_t)(argc - optind) + 6, sizeof(*rargv));
	if (!rargv) {
		fprintf(stderr, "nono: out of memory\n");
		return 1;
	}
	rargv[rargc++] = (char *)"run";
	if (profile) {
		rargv[rargc++] = (char *)"--profile";
		rargv[rargc++] = (char *)profile;
	}
	rargv[rargc++] = (char *)"--";
	for (int i = optind; i < argc; i++)
		rargv[rargc++] = argv[i];
	/* --json: the fragment alone on stdout (nono learn --json -- cmd >
	 * frag.json); the command's own output goes to stderr, now that
	 * its reads are served and it gets further. */
	the_learn.out = stdout;
	if (the_learn.json) {
		int fd;

		fflush(stdout);
		fd = dup(STDOUT_FILENO);
		if (fd < 0 || !(the_learn.out = fdopen(fd, "w")) ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			fprintf(stderr,
				"nono: learn: cannot keep stdout for "
				"the fragment: %s\n",
				strerror(errno));
			if (fd >= 0 && !the_learn.out)
				close(fd);
			free(rargv);
			return 1;
		}
	}
	cli_learn = &the_learn;
	opt = cmd_run(MODE_RUN, rargc, rargv, g);
	cli_learn = NULL;
	free(rargv);
	if (the_learn.out != stdout && fclose(the_learn.out) != 0 && opt == 0)
		opt = 1;
	return opt;
}

/* The --timeout clock: running while the command is supervised; once
 * supervision ends it does nothing (a SIGTERM then would kill nono,
 * whose report is being written). */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running;
	unsigned secs;
	pid_t keep; /* a child of ours that is not the command's, or 0 */
} timer = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, 0};

/* Waits @secs or until the run ends; true when still running. */
static bool timer_wait(unsigned secs)
{
	struct timespec until;
	bool running;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&timer.mu);
	while (timer.running &&
	       pthread_cond_timedwait(&timer.cv, &timer.mu, &until) == 0)
		;
	running = timer.running;
	pthread_mutex_unlock(&timer.mu);
	return running;
}

/* --timeout: the command is stopped as a terminal's ^C would stop it
 * (the supervisor forwards SIGTERM), then killed if it lingers; nono
 * itself stays to print the report. */
static void *timer_main(void *arg)
{
	(void)arg;
	if (!timer_wait(timer.secs))
		return NULL;
	kill(getpid(), SIGTERM);
	if (!timer_wait(5))
		return NULL;
	nono_kill_children(&timer.keep, timer.keep ? 1 : 0);
	return NULL;
}

void cli_learn_started(pid_t keep)
{
	pthread_t t;

	if (!cli_learn || !cli_learn->timeout)
		return;
	pthread_mutex_lock(&timer.mu);
	timer.running = true;
	timer.secs = cli_learn->timeout;
	timer.keep = keep;
	pthread_mutex_unlock(&timer.mu);
	if (pthread_create(&t, NULL, timer_main, NULL) == 0)
		pthread_detach(t);
}

void cli_learn_stopped(void)
{
	pthread_mutex_lock(&timer.mu);
	timer.running = false;
	pthread_cond_broadcast(&timer.cv);
	pthread_mutex_unlock(&timer.mu);
}

/* The hosts the proxy saw while learning, in the order first seen. */
#define LEARN_HOSTS_MAX 4096
static struct {
	pthread_mutex_t mu;
	struct learn_host *v;
	size_t n, dropped;
} hosts = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

/* Whether --allow-domain takes @rule as it is (what a profile would
 * refuse is never offered). */
static bool rule_ok(const char *rule)
{
	struct nono_allowlist *a = nono_allowlist_new();
	const char *why = NULL;
	bool ok = a && nono_allowlist_add(a, rule, &why) == 0;

	nono_allowlist_free(a);
	return ok;
}

void cli_learn_host(const char *host, unsigned port, bool missing,
		    const char *never)
{
	char rule[300];
	size_t i;

	if (!cli_learn || !host || !*host || strlen(host) > 253)
		return;
	if (strchr(host, ':'))
		snprintf(rule, sizeof(rule), "[%s]:%u", host, port);
	else if (port == 443 || port == 80)
		snprintf(rule, sizeof(rule), "%s", host);
	else
		snprintf(rule, sizeof(rule), "%s:%u", host, port);
	if (missing && !never && !rule_ok(rule))
		never = "not a rule --allow-domain takes";
	pthread_mutex_lock(&hosts.mu);
	for (i = 0; i < hosts.n && strcmp(hosts.v[i].rule, rule) != 0; i++)
		;
	if (i == hosts.n) {
		char *r = hosts.n < LEARN_HOSTS_MAX ? strdup(rule) : NULL;

		if (r && !hosts.v)
			hosts.v = calloc(LEARN_HOSTS_MAX, sizeof(*hosts.v));
		if (!r || !hosts.v) {
			free(r);
			hosts.dropped++;
			pthread_mutex_unlock(&hosts.mu);
			return;
		}
		hosts.v[hosts.n++] = (struct learn_host){r, false, 0, NULL};
	}
	/* Never offered once any request for it was refused for good. */
	if (missing && never && !hosts.v[i].never)
		hosts.v[i].never = strdup(never);
	/* A request let through while learning is reported twice: learned,
	 * then allowed; counted once. */
	if (missing || !hosts.v[i].missing)
		hosts.v[i].uses++;
	hosts.v[i].missing |= missing;
	pthread_mutex_unlock(&hosts.mu);
}

/* Moves the hosts into @rep: those the profile refuses, and with --all
 * the others too. */
static void take_hosts(struct learn_report *rep, bool all)
{
	size_t k = 0;

	pthread_mutex_lock(&hosts.mu);
	for (size_t i = 0; i < hosts.n; i++) {
		if (hosts.v[i].missing || all) {
			hosts.v[k++] = hosts.v[i];
		} else {
			free(hosts.v[i].rule);
			free(hosts.v[i].never);
		}
	}
	learn_report_hosts(rep, hosts.v, k);
	if (hosts.dropped)
		out_warn("learn: %zu host%s not recorded (past %d)",
			 hosts.dropped, hosts.dropped == 1 ? "" : "s",
			 LEARN_HOSTS_MAX);
	hosts.v = NULL;
	hosts.n = hosts.dropped = 0;
	pthread_mutex_unlock(&hosts.mu);
}

/* @abs canonical, as the report wants it: symlinks resolved (but the
 * last one of a path named without following it). */
static int canon_of(const char *abs, bool nofollow, char **out, bool *exists,
		    bool *dir)
{
	struct stat st;
	int r;

	*dir = false;
	if (nofollow) {
		const char *slash = strrchr(abs, '/');
		char parent[PATH_MAX], *pc = NULL;
		bool pe;

		if (!slash || slash[1] == '\0' || strcmp(slash, "/.") == 0 ||
		    strcmp(slash, "/..") == 0)
			return nono_path_canon(abs, out, exists);
		snprintf(parent, sizeof(parent), "%.*s",
			 slash == abs ? 1 : (int)(slash - abs), abs);
		r = nono_path_canon(parent, &pc, &pe);
		if (r < 0)
			return r;
		if (asprintf(out, "%s%s%s", pc, strcmp(pc, "/") ? "/" : "",
			     slash + 1) < 0) {
			free(pc);
			return -ENOMEM;
		}
		free(pc);
		*exists = lstat(*out, &st) == 0;
		*dir = *exists && S_ISDIR(st.st_mode);
		return 0;
	}
	r = nono_path_canon(abs, out, exists);
	if (r == 0 && *exists && stat(*out, &st) == 0)
		*dir = S_ISDIR(st.st_mode);
	return r;
}

bool cli_learn_may_serve(void *arg, const char *path, bool dir)
{
	const struct nono_plan *p = arg;
	struct plan_verdict v;

	(void)dir;
	memset(&v, 0, sizeof(v));
	plan_why_path(p, NONO_ACCESS_READ, path, true, &v);
	/* Refused whatever a profile grants, so never served either. */
	return !plan_verdict_refused_always(&v);
}

/* The names the command looked up, put to the addresses it connected to
 * (--all): each name (the first 64) resolved here, as the command's
 * resolver answered it a moment ago; an address no name gives stays
 * bare. */
#define LEARN_NAMES_MAX 64
static void name_conns(struct learn_report *rep, const struct nono_gate *gate)
{
	size_t n = nono_gate_learned_dns_count(gate);

	for (size_t i = 0; rep->nconns && i < n && i < LEARN_NAMES_MAX; i++) {
		const char *name = nono_gate_learned_dns_at(gate, i);
		struct addrinfo hints = {.ai_family = AF_UNSPEC,
					 .ai_socktype = SOCK_STREAM};
		struct addrinfo *res = NULL;

		if (!name || getaddrinfo(name, NULL, &hints, &res) != 0)
			continue;
		for (const struct addrinfo *a = res; a; a = a->ai_next) {
			char addr[INET6_ADDRSTRLEN] = "";
			const void *bytes =
			    a->ai_family == AF_INET
				? (const void *)&(
				      (struct sockaddr_in *)a->ai_addr)
				      ->sin_addr
				: (const void *)&(
				      (struct sockaddr_in6 *)a->ai_addr)
				      ->sin6_addr;

			if ((a->ai_family != AF_INET &&
			     a->ai_family != AF_INET6) ||
			    !inet_ntop(a->ai_family, bytes, addr, sizeof(addr)))
				continue;
			for (size_t k = 0; k < rep->nconns; k++)
				if (!rep->conns[k].name[0] &&
				    strcmp(rep->conns[k].addr, addr) == 0)
					snprintf(rep->conns[k].name,
						 sizeof(rep->conns[k].name),
						 "%s", name);
		}
		freeaddrinfo(res);
	}
}

int cli_learn_report(struct run_ctx *c, const struct nono_gate *gate)
{
	const struct nono_plan *p = &c->p;
	struct learn_access *acc = NULL;
	struct learn_report rep;
	size_t n = 0, cap = nono_gate_learned_count(gate);
	int r = 0;

	acc = calloc(cap ? cap : 1, sizeof(*acc));
	if (!acc) {
		out_error("learn: out of memory");
		return 1;
	}
	for (size_t i = 0; i < cap; i++) {
		unsigned ops;
		bool nofollow;
		const char *path =
		    nono_gate_learned_at(gate, i, &ops, &nofollow);
		char *canon = NULL;
		bool exists = false, dir = false;

		if (!path)
			continue;
		if (canon_of(path, nofollow, &canon, &exists, &dir) < 0)
			continue; /* a name too long to keep, or gone */
		acc[n++] = (struct learn_access){canon, ops, exists, dir};
	}
	if (learn_suggest(p, acc, n, cli_learn->all, &rep) < 0) {
		out_error("learn: out of memory");
		r = 1;
	} else {
		rep.metadata += nono_gate_learn_metadata(gate);
		take_hosts(&rep, cli_learn->all);
		for (size_t i = 0; i < nono_gate_learned_net_count(gate); i++) {
			size_t uses = 0;
			const char *what =
			    nono_gate_learned_net_at(gate, i, &uses);

			/* Allowed connections: listed with --all only. */
			if (what && !cli_learn->all &&
			    strncmp(what, "connected ", 10) == 0)
				continue;
			if (what && learn_report_net(&rep, what, uses,
						     p->allow != NULL) < 0)
				out_warn("learn: out of memory: some network "
					 "refusals are not listed");
		}
		/* Only where the command could have asked the resolver
		 * itself: names are the command's, and resolving them here,
		 * outside its sandbox, would carry them out of a blocked or
		 * proxied network (review 2 of session 15). */
		if (nono_caps_net(p->caps) == NONO_NET_ALLOW && !p->allow)
			name_conns(&rep, gate);
		fflush(stderr);
		if (cli_learn->json)
			learn_report_json(&rep, p->home, cli_learn->out);
		else
			learn_report_text(&rep, p->home, stdout);
		if (nono_gate_learn_served(gate))
			out_info("learn: %zu read%s the profile refuses "
				 "served for this run (so that the command "
				 "went on); what they need is above",
				 nono_gate_learn_served(gate),
				 nono_gate_learn_served(gate) == 1 ? "" : "s");
		if (nono_gate_learn_scratched(gate))
			out_info("learn: %zu write%s the profile refuses went "
				 "to throwaway copies (nothing outside the "
				 "grants was changed); what they need is above",
				 nono_gate_learn_scratched(gate),
				 nono_gate_learn_scratched(gate) == 1 ? ""
								      : "s");
		if (nono_gate_learn_dropped(gate))
			out_warn("learn: %zu call%s not recorded (a path "
				 "that could not be read, or past 1,048,576 "
				 "paths)",
				 nono_gate_learn_dropped(gate),
				 nono_gate_learn_dropped(gate) == 1 ? "" : "s");
		/* As the save prompt does: offered as a profile on a
		 * terminal (NAME-local for a built-in profile). */
		if (!cli_learn->json)
			save_prompt_learned(c, &rep);
		learn_report_free(&rep);
	}
	for (size_t i = 0; i < n; i++)
		free((char *)acc[i].path);
	free(acc);
	return r;
}
