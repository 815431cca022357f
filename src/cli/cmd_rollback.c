// SPDX-License-Identifier: Apache-2.0
/* nono rollback: list, show, restore, verify, cleanup (see cmd_rollback.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_rollback.h"
#include "cli/output.h"
#include "cli/rollback_audit.h"
#include "cli/rollback_diff.h"
#include "policy/json.h"
#include "rollback/capture.h"
#include "rollback/objects.h"
#include "rollback/restore.h"
#include "rollback/session.h"
#include "util/age.h"
#include "util/jsonout.h"
#include "util/suggest.h"

static void usage(void)
{
	printf("Usage: nono rollback <COMMAND>\n\n"
	       "Snapshots of the writable directories of runs made with "
	       "--rollback\n(~/.nono/rollback).\n\n"
	       "Commands:\n"
	       "  list [--json]                 the sessions, newest first\n"
	       "  show <ID> [--json | --diff]   what changed from the "
	       "baseline to the last\n"
	       "                                snapshot (--diff: text "
	       "files as unified diffs)\n"
	       "  restore <ID> [--snapshot N] [--dry-run]\n"
	       "                                put the directories back as "
	       "snapshot N has them\n"
	       "                                (0, the default: before the "
	       "session)\n"
	       "  verify <ID>                   re-hash the objects and check "
	       "the manifests\n"
	       "                                against the session's record\n"
	       "  cleanup [--keep N] [--older-than D] [--dry-run]\n"
	       "                                remove ended sessions beyond "
	       "the newest N or\n"
	       "                                older than D (30d, 12h), then "
	       "the objects\n"
	       "                                nothing refers to any more\n\n"
	       "ID: a session id or a unique prefix of one (nono rollback "
	       "list).\n");
}

/* A path as a terminal may show it: printable ASCII, else \xHH. */
static void put_path(FILE *f, const char *p)
{
	for (const unsigned char *s = (const unsigned char *)p; *s; s++) {
		if (*s >= 0x20 && *s < 0x7f && *s != '\\')
			fputc(*s, f);
		else
			fprintf(f, "\\x%02x", *s);
	}
}

/* The command's words, for a table (shown safely). */
/* The record's command (a JSON array of strings) as one line: words
 * with a space or a quote in single quotes, bytes a terminal would act
 * on as '?'.  (It used to drop every [ ] " and turn commas into spaces,
 * so "[ -f x ]" showed as " -f x ".) */
static void put_command(FILE *f, const char *json)
{
	struct nono_json *v = NULL;
	struct nono_json_error err;

	if (nono_json_parse(json, strlen(json), &v, &err) < 0 ||
	    v->type != NONO_JSON_ARRAY) {
		fputs("?", f);
		nono_json_free(v);
		return;
	}
	for (size_t i = 0; i < v->len; i++) {
		const struct nono_json *w = v->items[i];
		const char *s = w->type == NONO_JSON_STRING ? w->str : "?";
		bool q =
		    !*s || strpbrk(s, " \t'\"\\$`;&|<>()*?[]{}~#!") != NULL;

		if (i)
			fputc(' ', f);
		if (q)
			fputc('\'', f);
		for (const unsigned char *p = (const unsigned char *)s; *p;
		     p++) {
			if (*p == '\'' && q)
				fputs("'\\''", f);
			else
				fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', f);
		}
		if (q)
			fputc('\'', f);
	}
	nono_json_free(v);
}

static int no_args(const char *sub, int argc, char **argv, bool *json)
{
	static const struct option lo[] = {{"json", no_argument, NULL, 'j'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'j' && json) {
			*json = true;
		} else if (c == 'h') {
			usage();
			return 0;
		} else {
			out_error("rollback %s: unknown option '%s' (see nono "
				  "rollback --help)",
				  sub, argv[optind - 1]);
			return -1;
		}
	}
	return 1;
}

static int sub_list(int argc, char **argv)
{
	bool json = false;
	char **ids = NULL, err[PATH_MAX + 64];
	size_t n = 0;
	int r = no_args("list", argc, argv, &json);

	if (r <= 0)
		return r < 0;
	if (optind < argc) {
		out_error("rollback list takes no argument (got '%s')",
			  argv[optind]);
		return 1;
	}
	r = nono_rb_session_ids(&ids, &n);
	if (r < 0) {
		out_error("~/.nono/rollback: %s", strerror(-r));
		return 1;
	}
	if (json)
		printf("[");
	else if (n)
		printf("%-16s  %-24s  %-10s  %5s  %s\n", "ID", "STARTED",
		       "STATE", "SNAPS", "COMMAND");
	for (size_t i = 0; i < n; i++) {
		struct nono_rb_session s;

		nono_rb_session_load(ids[i], &s, err, sizeof(err));
		if (json) {
			printf("%s{\"id\":\"%s\",\"state\":\"%s\",\"started\":",
			       i ? "," : "", ids[i],
			       nono_rb_state_name(s.state));
			nono_json_str(stdout, s.started);
			printf(",\"snapshots\":%zu,\"restores\":%llu,"
			       "\"command\":%s,\"roots\":[",
			       s.nsnaps, s.restores,
			       s.command ? s.command : "[]");
			for (size_t k = 0; k < s.nroots; k++) {
				printf("%s", k ? "," : "");
				nono_json_str(stdout, s.roots[k]);
			}
			printf("]}");
		} else {
			printf("%-16s  %-24s  %-10s  %5zu  ", ids[i],
			       s.started[0] ? s.started : "-",
			       nono_rb_state_name(s.state), s.nsnaps);
			if (s.command)
				put_command(stdout, s.command);
			printf("\n");
		}
		nono_rb_session_free(&s);
		free(ids[i]);
	}
	free(ids);
	if (json)
		printf("]\n");
	else if (!n)
		printf("no rollback sessions (nono run --rollback takes "
		       "them)\n");
	return 0;
}

/* The session named by @key, loaded.  0, or 1 after saying why. */
static int load(const char *key, struct nono_rb_session *s)
{
	char id[17], err[PATH_MAX + 128];

	if (nono_rb_session_find(key, id, err, sizeof(err)) < 0 ||
	    nono_rb_session_load(id, s, err, sizeof(err)) < 0) {
		out_error("%s", err);
		return 1;
	}
	return 0;
}

static int open_store(struct nono_rb_store *st);

/* A restore's note (a group owner it could not set back): said, and the
 * restore goes on. */
static void restore_note(void *arg, const char *line)
{
	(void)arg;
	out_warn("%s", line);
}

struct show {
	FILE *f;
	const char *root;
	bool json, first;
	struct nono_rb_store *diff; /* --diff: the store, else NULL */
	int diff_failed;
};

static void on_change(void *arg, enum nono_rb_change k,
		      const struct nono_rb_entry *from,
		      const struct nono_rb_entry *to)
{
	struct show *s = arg;
	const struct nono_rb_entry *e = to ? to : from;
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s%s%s", s->root,
		 strcmp(e->path, ".") ? "/" : "",
		 strcmp(e->path, ".") ? e->path : "");
	if (s->json) {
		const struct nono_rb_entry *o =
		    to && to->type == NONO_RB_OPAQUE ? to : NULL;

		fprintf(s->f,
			"%s{\"change\":\"%s\",\"path\":", s->first ? "" : ",",
			nono_rb_change_name(k));
		nono_json_str(s->f, path);
		if (o) /* why its content was not captured */
			fprintf(s->f, ",\"not_captured\":\"%s\"", o->target);
		else if (to && to->type == NONO_RB_SKIP) /* made, left out */
			fprintf(s->f, ",\"not_captured\":\"excluded\"");
		if (from && to && from->uid >= 0 && to->uid >= 0 &&
		    from->uid != to->uid) /* a chown */
			fprintf(s->f, ",\"owner\":{\"from\":%lld,\"to\":%lld}",
				from->uid, to->uid);
		if (from && to && from->gid >= 0 && to->gid >= 0 &&
		    from->gid != to->gid) /* a chgrp */
			fprintf(s->f, ",\"group\":{\"from\":%lld,\"to\":%lld}",
				from->gid, to->gid);
		fprintf(s->f, "}");
	} else {
		char note[NONO_RB_NOTE_LEN];

		nono_rb_change_note(from, to, note, sizeof(note));
		fprintf(s->f, "  %-9s ", nono_rb_change_name(k));
		put_path(s->f, path);
		fputs(note, s->f);
		fputc('\n', s->f);
		if (s->diff && k != NONO_RB_ATTRS &&
		    rollback_diff(s->f, s->diff, e->path, from, to) < 0)
			s->diff_failed = 1;
	}
	s->first = false;
}

static int sub_show(int argc, char **argv)
{
	static const struct option lo[] = {{"json", no_argument, NULL, 'j'},
					   {"diff", no_argument, NULL, 'd'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	struct nono_rb_store st = {.fd = -1, .tmpfd = -1, .lockfd = -1};
	struct nono_rb_session s;
	bool json = false, diff = false;
	char err[PATH_MAX + 256];
	int c, ret = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'd') {
			diff = true;
		} else if (c == 'h') {
			usage();
			return 0;
		} else {
			out_error("rollback show: unknown option '%s' (see "
				  "nono rollback --help)",
				  argv[optind - 1]);
			return 1;
		}
	}
	if (json && diff) {
		out_error("rollback show: --diff prints text; use it without "
			  "--json");
		return 1;
	}
	if (optind + 1 != argc) {
		out_error("rollback show takes one session id (see nono "
			  "rollback list)");
		return 1;
	}
	if (load(argv[optind], &s))
		return 1;
	if (diff && open_store(&st) < 0) {
		nono_rb_session_free(&s);
		return 1;
	}
	if (json) {
		printf("{\"id\":\"%s\",\"state\":\"%s\",\"started\":", s.id,
		       nono_rb_state_name(s.state));
		nono_json_str(stdout, s.started);
		printf(",\"snapshots\":%zu,\"changes\":[", s.nsnaps);
	} else {
		printf("session   %s (%s)\nstarted   %s\nsnapshots %zu\n"
		       "command   ",
		       s.id, nono_rb_state_name(s.state), s.started, s.nsnaps);
		put_command(stdout, s.command ? s.command : "");
		printf("\n");
	}
	for (size_t i = 0; i < s.nroots; i++) {
		struct nono_rb_manifest m0, m1;
		struct show sh = {stdout, s.roots[i],        json,
				  i == 0, diff ? &st : NULL, 0};
		size_t last = s.nsnaps ? s.nsnaps - 1 : 0;
		size_t n;

		if (!json) {
			printf("root      ");
			put_path(stdout, s.roots[i]);
			printf("\n");
		}
		if (s.nsnaps < 2) {
			if (!json)
				printf("  (no snapshot after the baseline: the "
				       "session %s)\n",
				       s.state == NONO_RB_RUNNING
					   ? "is running"
					   : "ended before its last one");
			continue;
		}
		nono_rb_manifest_init(&m0);
		nono_rb_manifest_init(&m1);
		if (nono_rb_session_manifest(&s, 0, i, &m0, err, sizeof(err)) <
			0 ||
		    nono_rb_session_manifest(&s, last, i, &m1, err,
					     sizeof(err)) < 0) {
			out_error("%s", err);
			nono_rb_manifest_free(&m0);
			nono_rb_manifest_free(&m1);
			ret = 1;
			continue;
		}
		n = nono_rb_diff(&m0, &m1, on_change, &sh);
		ret |= sh.diff_failed;
		if (!json && !n)
			printf("  no changes\n");
		nono_rb_manifest_free(&m0);
		nono_rb_manifest_free(&m1);
	}
	if (json)
		printf("]}\n");
	nono_rb_session_free(&s);
	nono_rb_store_close(&st);
	return ret;
}

/* The object store, its lock held shared (a sweep waits for us). */
static int open_store(struct nono_rb_store *st)
{
	char home[PATH_MAX];
	int r = nono_rb_home(home, sizeof(home));

	if (r == 0)
		r = nono_rb_store_open(st, home);
	if (r == 0 && (r = nono_rb_store_lock(st, LOCK_SH)) < 0)
		nono_rb_store_close(st);
	if (r < 0)
		out_error("~/.nono/rollback: the object store: %s",
			  strerror(-r));
	return r;
}

static int sub_restore(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"snapshot", required_argument, NULL, 's'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct nono_rb_session s;
	struct nono_rb_store st;
	unsigned long snap = 0;
	bool dry = false;
	char err[PATH_MAX + 256], *end;
	int c, ret = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 's') {
			errno = 0;
			snap = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg ||
			    snap >= NONO_RB_MAX_SNAPS) {
				out_error("--snapshot: expected a snapshot "
					  "number (0: before the session), got "
					  "'%s'",
					  optarg);
				return 1;
			}
		} else if (c == 'n') {
			dry = true;
		} else if (c == 'h') {
			usage();
			return 0;
		} else {
			out_error("rollback restore: unknown option '%s' (see "
				  "nono rollback --help)",
				  argv[optind - 1]);
			return 1;
		}
	}
	if (optind + 1 != argc) {
		out_error("rollback restore takes one session id (see nono "
			  "rollback list)");
		return 1;
	}
	if (load(argv[optind], &s))
		return 1;
	if (s.state == NONO_RB_RUNNING) {
		out_error("rollback session %s is still running: restore it "
			  "after it ends",
			  s.id);
		nono_rb_session_free(&s);
		return 1;
	}
	if (snap >= s.nsnaps) {
		out_error("rollback session %s has %zu snapshot%s (0-%zu)",
			  s.id, s.nsnaps, s.nsnaps == 1 ? "" : "s",
			  s.nsnaps ? s.nsnaps - 1 : 0);
		nono_rb_session_free(&s);
		return 1;
	}
	if (open_store(&st) < 0) {
		nono_rb_session_free(&s);
		return 1;
	}
	for (size_t i = 0; i < s.nroots; i++) {
		struct nono_rb_manifest m;
		struct nono_rb_restore_stats rs;
		struct nono_rb_notes notes = {restore_note, NULL};
		struct nono_rb_cache cache;
		char refused[160] = "";
		char cp[PATH_MAX];

		/* The stat cache: unchanged files are not read to compare. */
		nono_rb_cache_init(&cache);
		if (nono_rb_cache_path(s.roots[i], cp, sizeof(cp)) == 0)
			nono_rb_cache_load(&cache, cp);
		if (nono_rb_session_manifest(&s, snap, i, &m, err,
					     sizeof(err)) < 0 ||
		    nono_rb_restore(&st, &m, &s.scope, &cache, NULL, dry, &rs,
				    &notes, err, sizeof(err)) < 0) {
			out_error("%s", err);
			ret = 1;
			nono_rb_manifest_free(&m);
			nono_rb_cache_free(&cache);
			continue;
		}
		nono_rb_cache_free(&cache);
		/* Each said above. */
		if (rs.owners_refused)
			snprintf(refused, sizeof(refused),
				 " (%llu owner%s not set back)",
				 rs.owners_refused,
				 rs.owners_refused == 1 ? "" : "s");
		if (rs.groups_refused)
			snprintf(refused + strlen(refused),
				 sizeof(refused) - strlen(refused),
				 " (%llu group owner%s not set back)",
				 rs.groups_refused,
				 rs.groups_refused == 1 ? "" : "s");
		if (rs.setid_dropped)
			snprintf(refused + strlen(refused),
				 sizeof(refused) - strlen(refused),
				 " (%llu setuid/setgid file%s without %s bits)",
				 rs.setid_dropped,
				 rs.setid_dropped == 1 ? "" : "s",
				 rs.setid_dropped == 1 ? "its" : "their");
		printf("%s ", dry ? "would restore" : "restored");
		put_path(stdout, s.roots[i]);
		printf(" to snapshot %lu: %llu written, %llu removed, %llu "
		       "mode changes%s%s\n",
		       snap, rs.written, rs.deleted, rs.attrs,
		       rs.not_restorable ? " (some entries were never "
					   "captured and stay as they are)"
					 : "",
		       refused);
		nono_rb_manifest_free(&m);
	}
	if (!dry && ret == 0) {
		s.restores++;
		nono_rb_session_save(&s);
	}
	nono_rb_store_close(&st);
	nono_rb_session_free(&s);
	return ret;
}

static int sub_verify(int argc, char **argv)
{
	struct nono_rb_session s;
	struct nono_rb_store st;
	char err[PATH_MAX + 256], hex[NONO_SHA256_HEX];
	unsigned long long objects = 0, bad = 0;
	int r = no_args("verify", argc, argv, NULL);

	if (r <= 0)
		return r < 0;
	if (optind + 1 != argc) {
		out_error("rollback verify takes one session id");
		return 1;
	}
	if (load(argv[optind], &s))
		return 1;
	if (open_store(&st) < 0) {
		nono_rb_session_free(&s);
		return 1;
	}
	for (size_t n = 0; n < s.nsnaps; n++)
		for (size_t i = 0; i < s.nroots; i++) {
			struct nono_rb_manifest m;

			if (nono_rb_session_manifest(&s, n, i, &m, err,
						     sizeof(err)) < 0) {
				printf("manifest  FAIL  %s\n", err);
				bad++;
				continue;
			}
			for (size_t k = 0; k < m.n; k++) {
				if (m.e[k].type != NONO_RB_FILE)
					continue;
				objects++;
				r = nono_rb_store_check(&st, m.e[k].hash);
				if (r < 0) {
					nono_hex(m.e[k].hash, NONO_SHA256_LEN,
						 hex);
					printf(
					    "object    FAIL  %s (snapshot %zu, "
					    "",
					    hex, n);
					put_path(stdout, m.e[k].path);
					printf("): %s\n",
					       r == -EBADMSG
						   ? "its content does not "
						     "have its hash"
						   : strerror(-r));
					bad++;
				}
			}
			nono_rb_manifest_free(&m);
		}
	bad += rollback_audit_check(&s, stdout);
	printf("%s: %zu snapshot%s, %llu file entries: %s\n", s.id, s.nsnaps,
	       s.nsnaps == 1 ? "" : "s", objects, bad ? "FAILED" : "verified");
	nono_rb_store_close(&st);
	nono_rb_session_free(&s);
	return bad ? 1 : 0;
}

/* "30d", "12h", "90m", "3600s" or plain seconds. */
/* Hashes every kept manifest refers to: sorted, for bsearch. */
struct hashes {
	uint8_t (*v)[NONO_SHA256_LEN];
	size_t n, cap;
};

static int hcmp(const void *a, const void *b)
{
	return memcmp(a, b, NONO_SHA256_LEN);
}

static int mark_one(struct hashes *h, const uint8_t hash[NONO_SHA256_LEN])
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024;
		void *v = realloc(h->v, cap * NONO_SHA256_LEN);

		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	memcpy(h->v[h->n++], hash, NONO_SHA256_LEN);
	return 0;
}

static int mark(struct hashes *h, const struct nono_rb_session *s)
{
	char err[PATH_MAX + 256];

	/* The manifests' bases its baseline is a delta against. */
	for (size_t i = 0; i < s->nroots; i++)
		if ((s->based & (1ULL << i)) && mark_one(h, s->bases[i]) < 0)
			return -1;

	for (size_t n = 0; n < s->nsnaps; n++)
		for (size_t i = 0; i < s->nroots; i++) {
			struct nono_rb_manifest m;

			if (nono_rb_session_manifest(s, n, i, &m, err,
						     sizeof(err)) < 0)
				return -1; /* unreadable: sweep nothing */
			for (size_t k = 0; k < m.n; k++) {
				if (m.e[k].type != NONO_RB_FILE)
					continue;
				if (mark_one(h, m.e[k].hash) < 0) {
					nono_rb_manifest_free(&m);
					return -1;
				}
			}
			nono_rb_manifest_free(&m);
		}
	return 0;
}

/* Whether the store names @name ("ab" and the rest of an object's name)
 * an object: its hash in @hash, *@delta for a delta object. */
static bool object_name(const char *dir, const char *name,
			uint8_t hash[NONO_SHA256_LEN], bool *delta)
{
	char hex[NONO_SHA256_HEX];
	size_t n = strlen(name);

	*delta = n == 62 + strlen(NONO_RB_DELTA_SUFFIX) &&
		 strcmp(name + 62, NONO_RB_DELTA_SUFFIX) == 0;
	if (n != 62 && !*delta)
		return false;
	memcpy(hex, dir, 2);
	memcpy(hex + 2, name, 62);
	hex[64] = '\0';
	return nono_unhex(hex, NONO_SHA256_LEN, hash) == 0;
}

/* Whether @hash is among the first @n (sorted) of @h. */
static bool marked(const struct hashes *h, size_t n, const uint8_t *hash)
{
	return n && bsearch(hash, h->v, n, NONO_SHA256_LEN, hcmp);
}

/*
 * Removes the objects no kept manifest refers to (how many in *@count),
 * in three passes over the store: the first marks the bases of the delta
 * objects kept (a base stays while a delta needs it); the second removes
 * delta objects, the third whole ones (a sweep cut short never leaves a
 * delta whose base it removed).  The stat caches, which may name what
 * goes, are removed before the first object is.  0, or -1 when nothing
 * was removed for an error (said).
 */
static int sweep(const struct nono_rb_store *st, struct hashes *h, bool dry,
		 unsigned long long *count)
{
	bool caches_gone = dry;

	*count = 0;
	for (int pass = 0; pass < 3; pass++) {
		int tfd = dup(st->fd);
		DIR *top = tfd >= 0 ? fdopendir(tfd) : NULL;
		struct dirent *de;
		size_t before = h->n;
		const char *bad = NULL;
		char where[8] = "";
		int err = 0;

		if (!top) {
			if (tfd >= 0)
				close(tfd);
			out_warn("rollback cleanup: cannot read the object "
				 "store: %s",
				 strerror(errno));
			return -1;
		}
		rewinddir(top);
		while (!bad && (de = readdir(top)) != NULL) {
			int sfd;
			DIR *sub;
			struct dirent *o;

			if (strlen(de->d_name) != 2 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			sfd = openat(dirfd(top), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
			sub = sfd >= 0 ? fdopendir(sfd) : NULL;
			if (!sub) {
				struct stat sb;

				err = errno;
				if (sfd >= 0)
					close(sfd);
				/* A stray file named like a fan-out directory
				 * holds nothing of ours.  Anything else (a
				 * symlink, a directory that cannot be read)
				 * may hold deltas whose bases would go
				 * unmarked. */
				if (pass == 0 &&
				    !(fstatat(dirfd(top), de->d_name, &sb,
					      AT_SYMLINK_NOFOLLOW) == 0 &&
				      S_ISREG(sb.st_mode))) {
					snprintf(where, sizeof(where), "%.2s",
						 de->d_name);
					bad = "cannot open objects/";
				}
				continue;
			}
			while (!bad && (o = readdir(sub)) != NULL) {
				uint8_t hash[NONO_SHA256_LEN];
				struct nono_rb_delta d;
				bool delta;
				int r;

				if (!object_name(de->d_name, o->d_name, hash,
						 &delta))
					continue;
				if (pass == 0) {
					if (!delta || !marked(h, before, hash))
						continue;
					/* A kept delta's base; one that cannot
					 * be read (but is not one) stops the
					 * sweep. */
					r = nono_rb_store_delta_base(st, hash,
								     &d);
					if (r == 0 && mark_one(h, d.base) < 0)
						r = -ENOMEM;
					if (r < 0 && r != -EBADMSG) {
						err = -r;
						snprintf(where, sizeof(where),
							 "%.2s", de->d_name);
						bad = "cannot read a delta "
						      "object's base in "
						      "objects/";
					}
					continue;
				}
				if (delta != (pass == 1) ||
				    marked(h, h->n, hash))
					continue;
				/* The stat caches may name what goes: they
				 * go first. */
				if (!caches_gone) {
					if (nono_rb_cache_drop_all() < 0) {
						bad = "cannot remove the stat "
						      "caches in "
						      "~/.nono/rollback/"
						      "statcache";
						break;
					}
					caches_gone = true;
				}
				if (dry ||
				    unlinkat(dirfd(sub), o->d_name, 0) == 0)
					(*count)++;
			}
			closedir(sub);
		}
		closedir(top);
		if (bad) {
			if (err)
				out_warn("rollback cleanup: %s%s: %s; no "
					 "object removed",
					 bad, where, strerror(err));
			else
				out_warn("rollback cleanup: %s%s; no "
					 "object removed",
					 bad, where);
			return -1;
		}
		if (pass == 0 && h->n != before)
			qsort(h->v, h->n, NONO_SHA256_LEN, hcmp);
	}
	return 0;
}

static int sub_cleanup(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"older-than", required_argument, NULL, 'o'},
	    {"keep", required_argument, NULL, 'k'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	long long older = -1, keep = -1;
	bool dry = false;
	char *end;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'o') {
			if (nono_parse_age(optarg, &older) < 0) {
				out_error("--older-than: expected an age such "
					  "as 30d, 12h, 90m, got '%s'",
					  optarg);
				return 1;
			}
		} else if (c == 'k') {
			errno = 0;
			keep = strtoll(optarg, &end, 10);
			if (errno || *end || !*optarg || keep < 0) {
				out_error("--keep: expected a number of "
					  "sessions, got '%s'",
					  optarg);
				return 1;
			}
		} else if (c == 'n') {
			dry = true;
		} else if (c == 'h') {
			usage();
			return 0;
		} else {
			out_error("rollback cleanup: unknown option '%s' (see "
				  "nono rollback --help)",
				  argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc) {
		out_error("rollback cleanup takes no session id (got '%s')",
			  argv[optind]);
		return 1;
	}
	return rollback_cleanup(keep, older, dry, false) < 0;
}

int rollback_cleanup(long long keep, long long older, bool dry, bool quiet)
{
	struct hashes h = {0};
	struct nono_rb_store st = {.fd = -1, .tmpfd = -1, .lockfd = -1};
	bool unreadable = false, excl = false;
	char **ids = NULL, err[PATH_MAX + 256], home[PATH_MAX];
	size_t n = 0, removed = 0;
	int r;

	/* Exclusive, or no sweep: every session that takes snapshots holds
	 * the store shared while it runs.  Taken before the sessions are
	 * listed: one that ran from start to end between the listing and
	 * the lock would have its objects swept. */
	if (nono_rb_home(home, sizeof(home)) == 0 &&
	    nono_rb_store_open(&st, home) == 0)
		excl = nono_rb_store_lock(&st, LOCK_EX | LOCK_NB) == 0;
	r = nono_rb_session_ids(&ids, &n);
	if (r < 0) {
		out_error("~/.nono/rollback: %s", strerror(-r));
		nono_rb_store_close(&st);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct nono_rb_session s;
		bool go = false;

		r = nono_rb_session_load(ids[i], &s, err, sizeof(err));
		if (r == -ENOENT && excl) {
			/* No record, and no session running: one killed
			 * before its baseline was complete.  Nothing can
			 * restore it; it kept every object from a sweep. */
			if (!quiet)
				printf("%s %s (its baseline never completed)\n",
				       dry ? "would remove" : "removed",
				       ids[i]);
			removed++;
			if (!dry)
				nono_rb_session_remove(ids[i]);
		} else if (s.state != NONO_RB_RUNNING) {
			struct tm tm = {0};
			time_t t = 0;

			if (strptime(s.started, "%Y-%m-%dT%H:%M:%S", &tm))
				t = timegm(&tm);
			go = (keep >= 0 && (long long)i >= keep) ||
			     (older >= 0 && t && time(NULL) - t > older);
		}
		if (r == -ENOENT && excl) {
			/* removed above */
		} else if (go) {
			if (!quiet)
				printf("%s %s\n",
				       dry ? "would remove" : "removed",
				       ids[i]);
			removed++;
			if (!dry)
				nono_rb_session_remove(ids[i]);
		} else if (s.state != NONO_RB_UNREADABLE) {
			if (mark(&h, &s) < 0)
				unreadable = true;
		} else {
			unreadable = true;
		}
		nono_rb_session_free(&s);
		free(ids[i]);
	}
	free(ids);
	/* Objects: only when every kept session could be read (one that
	 * cannot might need any of them). */
	if (!excl) {
		if (!quiet)
			out_warn("rollback cleanup: a session with --rollback "
				 "is running; unreferenced objects are removed "
				 "when none is");
	} else if (unreadable) {
		out_warn("rollback cleanup: a session could not be read; no "
			 "object removed");
	} else {
		unsigned long long objs;

		if (h.n)
			qsort(h.v, h.n, NONO_SHA256_LEN, hcmp);
		if (sweep(&st, &h, dry, &objs) == 0 && !quiet)
			printf("%s %llu unreferenced object%s\n",
			       dry ? "would remove" : "removed", objs,
			       objs == 1 ? "" : "s");
	}
	free(h.v);
	nono_rb_store_close(&st);
	if (!removed && !dry && !quiet)
		printf("no session removed\n");
	return (int)removed;
}

int cmd_rollback(int argc, char **argv)
{
	static const char *const subs[] = {"list", "show", "restore", "verify",
					   "cleanup"};
	const char *near;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage();
		return argc < 2 ? 1 : 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return sub_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return sub_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "restore") == 0)
		return sub_restore(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return sub_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "cleanup") == 0)
		return sub_cleanup(argc - 1, argv + 1);
	near = nono_suggest(argv[1], subs, sizeof(subs) / sizeof(subs[0]));
	out_error("unknown rollback command '%s'%s%s%s", argv[1],
		  near ? " (did you mean " : "", near ? near : "",
		  near ? "?)" : "; see nono rollback --help");
	return 1;
}
