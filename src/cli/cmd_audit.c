// SPDX-License-Identifier: Apache-2.0
/*
 * nono audit: list the audited sessions, show one, verify one (events,
 * record, ledger, signature), remove old ones.  Sessions are named by id
 * or unique prefix.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/merkle.h"
#include "audit/sign.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "cli/cmd_audit.h"
#include "cli/output.h"
#include "policy/json.h"
#include "util/age.h"
#include "util/jsonout.h"
#include "util/suggest.h"

static void usage(void)
{
	printf("Usage: nono audit <COMMAND>\n\n"
	       "The audit trail of supervised runs (~/.nono/audit).\n\n"
	       "Commands:\n"
	       "  list [--json]                 the audited sessions, "
	       "newest first\n"
	       "  show <ID> [--json]            a session's record and "
	       "events\n"
	       "  verify <ID> [--public-key-file FILE] [--json]\n"
	       "                                check its events, record, "
	       "ledger entry and\n"
	       "                                signature\n"
	       "  proof <ID> --event N          an RFC 9162 inclusion proof of "
	       "event N (1-based)\n"
	       "                                in the session's Merkle tree\n"
	       "  proof --ledger --from M       a consistency proof: the "
	       "ledger's first M\n"
	       "                                entries are a prefix of the "
	       "ledger now\n"
	       "  cleanup [--older-than D] [--keep N] [--dry-run]\n"
	       "                                remove ended sessions "
	       "older than D (30d, 12h)\n"
	       "                                or beyond the newest N\n\n"
	       "ID: a session id or a unique prefix of one (nono audit "
	       "list).\n");
}

/*
 * What the trail holds (strings the sandboxed command chose) never drives
 * the terminal: C0 and C1 controls, DEL and the bidirectional overrides
 * (which reorder what is shown) are printed as '?'.
 */
static void safe_print(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t skip = 0;

		if (*p < 0x20 || *p == 0x7f)
			skip = 1;
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			skip = 2; /* U+0080-U+009F */
		else if (p[0] == 0xd8 && p[1] == 0x9c)
			skip = 2; /* U+061C */
		else if (p[0] == 0xe2 && p[1] == 0x80 &&
			 (p[2] == 0x8e || p[2] == 0x8f ||
			  (p[2] >= 0xaa && p[2] <= 0xae)))
			skip = 3; /* U+200E/F, U+202A-U+202E */
		else if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 &&
			 p[2] <= 0xa9)
			skip = 3; /* U+2066-U+2069 */
		if (skip) {
			putchar('?');
			p += skip;
		} else {
			putchar(*p++);
		}
	}
}

static int sub_list(int argc, char **argv)
{
	static const struct option lo[] = {{"json", no_argument, NULL, 'j'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	struct nono_audit_entry *v;
	bool json = false;
	size_t n;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h') {
			printf("Usage: nono audit list [--json]\n");
			return 0;
		} else {
			out_error("audit list: unknown option '%s' (see nono "
				  "audit --help)",
				  argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc) {
		out_error("audit list takes no argument (got '%s')",
			  argv[optind]);
		return 1;
	}
	r = nono_audit_list(&v, &n);
	if (r < 0) {
		out_error("~/.nono/audit: %s", strerror(-r));
		return 1;
	}
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			printf("%s{\"id\":\"%s\",\"state\":\"%s\",\"started\":",
			       i ? "," : "", v[i].id,
			       nono_audit_state_name(v[i].state));
			nono_json_str(stdout, v[i].started);
			printf(",\"ended\":");
			if (v[i].ended[0])
				nono_json_str(stdout, v[i].ended);
			else
				printf("null");
			printf(",\"exit_code\":");
			if (v[i].has_exit)
				printf("%d", v[i].exit_code);
			else
				printf("null");
			printf(",\"events\":%llu,\"command\":",
			       (unsigned long long)v[i].events);
			nono_json_str(stdout, v[i].command);
			printf("}");
		}
		printf("]\n");
	} else if (n == 0) {
		printf("no audited sessions (nono run records one per run; "
		       "--no-audit turns it off)\n");
	} else {
		printf("%-16s  %-24s  %-10s  %4s  %6s  %s\n", "ID", "STARTED",
		       "STATE", "EXIT", "EVENTS", "COMMAND");
		for (size_t i = 0; i < n; i++) {
			char ex[8] = "-";

			if (v[i].has_exit)
				snprintf(ex, sizeof(ex), "%d", v[i].exit_code);
			printf("%-16s  ", v[i].id);
			safe_print(v[i].started);
			printf("  %-10s  %4s  %6llu  ",
			       nono_audit_state_name(v[i].state), ex,
			       (unsigned long long)v[i].events);
			safe_print(v[i].command);
			putchar('\n');
		}
	}
	free(v);
	return 0;
}

/* The one argument of show/verify, with --json (and --public-key-file). */
struct one_opts {
	bool json;
	const char *pubkey;
	const char *key;
};

static int parse_one(const char *sub, int argc, char **argv, bool pubkey,
		     struct one_opts *o)
{
	static const struct option lo[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"public-key-file", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'k':
			if (!pubkey)
				goto unknown;
			o->pubkey = optarg;
			break;
		case 'h':
			printf("Usage: nono audit %s <ID>%s [--json]\n", sub,
			       pubkey ? " [--public-key-file FILE]" : "");
			return 1;
		case ':':
			out_error("%s: missing value", argv[optind - 1]);
			return -1;
		default:
		unknown:
			out_error("audit %s: unknown option '%s' (see nono "
				  "audit --help)",
				  sub, argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		out_error("audit %s: which session? (nono audit %s <ID>; see "
			  "nono audit list)",
			  sub, sub);
		return -1;
	}
	if (optind + 1 < argc) {
		out_error("audit %s takes one session (got '%s' too)", sub,
			  argv[optind + 1]);
		return -1;
	}
	o->key = argv[optind];
	return 0;
}

static int find(const char *key, char id[NONO_AUDIT_ID_LEN + 1])
{
	char err[256];

	if (nono_audit_find(key, id, err, sizeof(err)) < 0) {
		out_error("%s", err);
		return -1;
	}
	return 0;
}

static int sub_show(int argc, char **argv)
{
	char id[NONO_AUDIT_ID_LEN + 1], dir[PATH_MAX], *rec = NULL, *log = NULL;
	struct one_opts o;
	size_t rlen = 0, llen = 0;
	int r, dfd;

	r = parse_one("show", argc, argv, false, &o);
	if (r != 0)
		return r > 0 ? 0 : 1;
	if (find(o.key, id) < 0)
		return 1;
	if (nono_audit_dir(dir, sizeof(dir)) < 0) {
		out_error("~/.nono/audit cannot be used");
		return 1;
	}
	strncat(dir, "/", sizeof(dir) - strlen(dir) - 1);
	strncat(dir, id, sizeof(dir) - strlen(dir) - 1);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || nono_audit_read_file(dfd, NONO_AUDIT_RECORD, 1u << 20,
					    &rec, &rlen) < 0) {
		out_error("%s: no readable session.json", dir);
		if (dfd >= 0)
			close(dfd);
		return 1;
	}
	if (nono_audit_read_file(dfd, NONO_AUDIT_EVENTS, (size_t)8 << 30, &log,
				 &llen) < 0)
		llen = 0;
	close(dfd);
	if (o.json)
		printf("{\"version\":1,\"session\":");
	else
		printf("session %s (%s)\n", id, dir);
	if (o.json) {
		/* The record is JSON that nono wrote; checked before it is
		 * passed on. */
		const char *e = nono_json_skip(rec, rec + rlen);

		if (!e)
			printf("null");
		else
			fwrite(rec, 1, (size_t)(e - rec), stdout);
		printf(",\"events\":[");
	} else {
		while (rlen && rec[rlen - 1] == '\n')
			rec[--rlen] = '\0';
		printf("record: ");
		safe_print(rec);
		printf("\nevents:\n");
	}
	for (const char *p = log, *end = log + llen, *nl; p && p < end;
	     p = nl + 1) {
		struct nono_audit_lineview v;
		static bool first = true;
		char why[160];

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if (nono_audit_parse_line(p, (size_t)(nl - p), &v, why,
					  sizeof(why)) < 0) {
			if (!o.json)
				printf("line: unreadable (%s)\n", why);
			continue;
		}
		if (o.json) {
			printf("%s", first ? "" : ",");
			fwrite(v.event, 1, v.event_len, stdout);
			first = false;
		} else {
			char *ev = strndup(v.event, v.event_len);

			printf("%6llu ", (unsigned long long)v.seq);
			safe_print(ev ? ev : "?");
			putchar('\n');
			free(ev);
		}
	}
	if (o.json)
		printf("]}\n");
	free(rec);
	free(log);
	return 0;
}

static int sub_verify(int argc, char **argv)
{
	char id[NONO_AUDIT_ID_LEN + 1];
	struct nono_audit_report rep;
	struct one_opts o;
	int r;

	r = parse_one("verify", argc, argv, true, &o);
	if (r != 0)
		return r > 0 ? 0 : 1;
	if (find(o.key, id) < 0)
		return 1;
	r = nono_audit_verify(id, &rep);
	if (r < 0) {
		out_error("audit verify %s: %s", id, strerror(-r));
		return 1;
	}
	nono_audit_verify_signature(&rep, o.pubkey);
	if (o.json) {
		printf("{\"id\":\"%s\",\"ok\":%s,\"state\":\"%s\",\"events\":%"
		       "llu,\"merkle_root\":",
		       rep.id, rep.ok ? "true" : "false",
		       nono_audit_state_name(rep.state),
		       (unsigned long long)rep.events);
		if (rep.merkle_root[0])
			printf("\"%s\"", rep.merkle_root);
		else
			printf("null");
		printf(",\"checks\":[");
		for (size_t i = 0; i < rep.nv; i++) {
			printf("%s{\"check\":\"%s\",\"ok\":%s,\"detail\":",
			       i ? "," : "", rep.v[i].check,
			       rep.v[i].ok ? "true" : "false");
			nono_json_str(stdout, rep.v[i].detail);
			printf("}");
		}
		printf("]}\n");
	} else {
		for (size_t i = 0; i < rep.nv; i++) {
			printf("%-9s %s  ", rep.v[i].check,
			       rep.v[i].ok ? "ok  " : "FAIL");
			safe_print(rep.v[i].detail);
			putchar('\n');
		}
		printf("%s: %s\n", rep.id,
		       rep.ok ? (rep.state == NONO_AUDIT_COMPLETE
				     ? "verified"
				     : "verified as far as it goes "
				       "(incomplete)")
			      : "FAILED verification");
	}
	nono_audit_report_clear(&rep);
	return rep.ok ? 0 : 1;
}

/* "30d", "12h", "90m", "3600s" or plain seconds. */
static int sub_cleanup(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"older-than", required_argument, NULL, 'o'},
	    {"keep", required_argument, NULL, 'k'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct nono_audit_entry *v;
	long long older = -1, keep = -1;
	bool dry = false;
	size_t n, removed = 0, kept_live = 0;
	int c, r, ret = 0;
	time_t now = time(NULL);

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (nono_parse_age(optarg, &older) < 0) {
				out_error("--older-than: expected an age like "
					  "30d, 12h, 90m or seconds, got "
					  "'%s'",
					  optarg);
				return 1;
			}
			break;
		case 'k': {
			char *end;

			errno = 0;
			keep = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || keep < 0) {
				out_error("--keep: expected a number of "
					  "sessions, got '%s'",
					  optarg);
				return 1;
			}
			break;
		}
		case 'n':
			dry = true;
			break;
		case 'h':
			printf("Usage: nono audit cleanup [--older-than D] "
			       "[--keep N] [--dry-run]\n");
			return 0;
		case ':':
			out_error("%s: missing value", argv[optind - 1]);
			return 1;
		default:
			out_error("audit cleanup: unknown option '%s' (see "
				  "nono audit --help)",
				  argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc) {
		out_error("audit cleanup takes no session (got '%s')",
			  argv[optind]);
		return 1;
	}
	if (older < 0 && keep < 0) {
		out_error("audit cleanup: say what to remove: --older-than D "
			  "(30d, 12h) and/or --keep N");
		return 1;
	}
	r = nono_audit_list(&v, &n);
	if (r < 0) {
		out_error("~/.nono/audit: %s", strerror(-r));
		return 1;
	}
	/* Newest first: the first @keep ended ones stay. */
	for (size_t i = 0, ended = 0; i < n; i++) {
		bool go;

		/* Running, or ended and not in the ledger yet (a settling
		 * could not add it, or it ended after this one began):
		 * kept. */
		if (v[i].state == NONO_AUDIT_RUNNING ||
		    v[i].state == NONO_AUDIT_ENDED) {
			kept_live++;
			continue;
		}
		ended++;
		go = (keep >= 0 && ended > (size_t)keep) ||
		     (older >= 0 && v[i].mtime > 0 &&
		      (long long)now - v[i].mtime > older);
		if (!go)
			continue;
		if (dry) {
			printf("would remove %s (%s, %s)\n", v[i].id,
			       v[i].started, nono_audit_state_name(v[i].state));
		} else if ((r = nono_audit_remove(v[i].id)) < 0) {
			out_error("cannot remove %s: %s", v[i].id,
				  strerror(-r));
			ret = 1;
			continue;
		}
		removed++;
	}
	free(v);
	printf("%s %zu session(s)%s; the ledger keeps their entries\n",
	       dry ? "would remove" : "removed", removed,
	       kept_live ? " (running ones, and ended ones not yet in the "
			   "ledger, are kept)"
			 : "");
	return ret;
}

static void hexs(const char *key, const nono_hash *h, bool comma)
{
	char x[NONO_SHA256_HEX];

	nono_hex(h->b, NONO_SHA256_LEN, x);
	printf("%s\"%s\":\"%s\"", comma ? "," : "", key, x);
}

static void hex_list(const char *key, const nono_hash *v, size_t n)
{
	char x[NONO_SHA256_HEX];

	printf(",\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		nono_hex(v[i].b, NONO_SHA256_LEN, x);
		printf("%s\"%s\"", i ? "," : "", x);
	}
	printf("]");
}

/* The leaves of a log in @dirfd/@name whose first prev is @anchor. */
static int leaves_of(int dirfd, const char *name, const nono_hash *anchor,
		     struct nono_audit_check *c)
{
	char *text = NULL;
	size_t len = 0;
	/* Read, not mapped: a file cut short meanwhile is then just
	 * shorter (a mapping would fault). */
	int r = nono_audit_read_file(dirfd, name, (size_t)8 << 30, &text, &len);

	memset(c, 0, sizeof(*c));
	if (r < 0)
		return r;
	r = nono_audit_check_log(text, len, anchor, true, c);
	free(text);
	if (r == 0 && (!c->ok || (c->lines && !c->chained)))
		r = -EBADMSG;
	return r;
}

static int sub_proof(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"event", required_argument, NULL, 'e'},
	    {"ledger", no_argument, NULL, 'l'},
	    {"from", required_argument, NULL, 'f'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	char root[PATH_MAX], id[NONO_AUDIT_ID_LEN + 1] = "";
	unsigned long long n = 0;
	struct nono_audit_check c;
	nono_hash anchor, path[128], r1, r2;
	bool ledger = false, have_n = false;
	const char *key = NULL;
	int opt, rootfd, dfd = -1, r;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (opt) {
		case 'e':
		case 'f': {
			char *end;

			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || n == 0) {
				out_error("%s: expected a number from 1, got "
					  "'%s'",
					  opt == 'e' ? "--event" : "--from",
					  optarg);
				return 1;
			}
			have_n = true;
			break;
		}
		case 'l':
			ledger = true;
			break;
		case 'j':
			break; /* the output is JSON either way */
		case 'h':
			printf("Usage: nono audit proof <ID> --event N\n"
			       "       nono audit proof --ledger --from M\n");
			return 0;
		case ':':
			out_error("%s: missing value", argv[optind - 1]);
			return 1;
		default:
			out_error("audit proof: unknown option '%s' (see nono "
				  "audit --help)",
				  argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc)
		key = argv[optind];
	if (!have_n || ledger == (key != NULL) || optind + 1 < argc) {
		out_error("audit proof: say nono audit proof <ID> --event N, "
			  "or nono audit proof --ledger --from M");
		return 1;
	}
	if (nono_audit_dir(root, sizeof(root)) < 0) {
		out_error("~/.nono/audit cannot be used");
		return 1;
	}
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0) {
		out_error("%s: %s", root, strerror(errno));
		return 1;
	}
	if (ledger) {
		nono_audit_ledger_anchor(&anchor);
		r = leaves_of(rootfd, NONO_AUDIT_LEDGER, &anchor, &c);
	} else {
		if (find(key, id) < 0) {
			close(rootfd);
			return 1;
		}
		dfd = openat(rootfd, id,
			     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		nono_audit_anchor(id, &anchor);
		memset(&c, 0, sizeof(c));
		r = dfd < 0 ? -errno
			    : leaves_of(dfd, NONO_AUDIT_EVENTS, &anchor, &c);
	}
	if (dfd >= 0)
		close(dfd);
	close(rootfd);
	if (r < 0) {
		out_error("%s: %s", ledger ? "the ledger" : id,
			  r == -EBADMSG ? "does not verify (nono audit verify "
					  "says where), or has no hash chain"
					: strerror(-r));
		free(c.leaves);
		return 1;
	}
	if (n > c.lines) {
		out_error("%s has %llu %s; %llu is past its end",
			  ledger ? "the ledger" : id,
			  (unsigned long long)c.lines,
			  ledger ? "entries" : "events", n);
		free(c.leaves);
		return 1;
	}
	if (ledger) {
		size_t np = nono_merkle_consistency(c.leaves, n, c.lines, path);

		nono_merkle_mth(c.leaves, 0, n, &r1);
		nono_merkle_mth(c.leaves, 0, c.lines, &r2);
		printf("{\"first\":%llu,\"second\":%llu", n,
		       (unsigned long long)c.lines);
		hexs("first_root", &r1, true);
		hexs("second_root", &r2, true);
		hex_list("proof", path, np);
	} else {
		size_t np =
		    nono_merkle_inclusion(c.leaves, c.lines, n - 1, path);

		nono_merkle_mth(c.leaves, 0, c.lines, &r1);
		printf("{\"session\":\"%s\",\"leaf_index\":%llu,"
		       "\"tree_size\":%llu",
		       id, n - 1, (unsigned long long)c.lines);
		hexs("leaf_hash", &c.leaves[n - 1], true);
		hexs("root", &r1, true);
		hex_list("path", path, np);
	}
	printf("}\n");
	free(c.leaves);
	return 0;
}

static void settle_warn(void *arg, const char *msg)
{
	(void)arg;
	out_warn("%s", msg);
}

int cmd_audit(int argc, char **argv)
{
	static const char *const subs[] = {"list", "show", "verify", "proof",
					   "cleanup"};
	const char *near;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage();
		return argc < 2 ? 1 : 0;
	}
	/* Sessions that ended since the last reader go in the ledger
	 * first: what follows reads them complete. */
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i]) == 0) {
			nono_audit_settle_all(settle_warn, NULL);
			break;
		}
	if (strcmp(argv[1], "list") == 0)
		return sub_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return sub_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return sub_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "cleanup") == 0)
		return sub_cleanup(argc - 1, argv + 1);
	if (strcmp(argv[1], "proof") == 0)
		return sub_proof(argc - 1, argv + 1);
	near = nono_suggest(argv[1], subs, sizeof(subs) / sizeof(subs[0]));
	out_error("unknown audit command '%s'%s%s%s", argv[1],
		  near ? " (did you mean " : "", near ? near : "",
		  near ? "?)" : "; see nono audit --help");
	return 1;
}
