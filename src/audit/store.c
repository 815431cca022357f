// SPDX-License-Identifier: Apache-2.0
/* Listing, finding and verifying audited sessions (see store.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/match.h"
#include "audit/record.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "policy/json.h"
#include "session/registry.h"

#define RECORD_MAX (1u << 20)
#define LOG_MAX ((size_t)8 << 30)
#define LEDGER_MAX ((size_t)1 << 30)

static bool is_id(const char *s)
{
	if (strlen(s) != NONO_AUDIT_ID_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

const char *nono_audit_state_name(enum nono_audit_state s)
{
	switch (s) {
	case NONO_AUDIT_COMPLETE:
		return "complete";
	case NONO_AUDIT_RUNNING:
		return "running";
	case NONO_AUDIT_INCOMPLETE:
		return "incomplete";
	case NONO_AUDIT_UNREADABLE:
		return "unreadable";
	case NONO_AUDIT_ENDED:
		return "ended";
	}
	return "?";
}

static const char *jstr(const struct nono_json *o, const char *k)
{
	const struct nono_json *v = nono_json_get(o, k);

	return v && v->type == NONO_JSON_STRING ? v->str : NULL;
}

static bool jint(const struct nono_json *o, const char *k, long long *out)
{
	const struct nono_json *v = nono_json_get(o, k);

	if (!v || v->type != NONO_JSON_NUMBER || !v->is_int)
		return false;
	*out = v->integer;
	return true;
}

/* The state a record's words and its supervisor say. */
static enum nono_audit_state rec_state(const struct nono_json *rec)
{
	const char *st = jstr(rec, "state");
	long long pid = 0, start = 0;

	if (!st)
		return NONO_AUDIT_UNREADABLE;
	if (strcmp(st, "complete") == 0)
		return NONO_AUDIT_COMPLETE;
	if (strcmp(st, "ended") == 0)
		return NONO_AUDIT_ENDED;
	if (strcmp(st, "running") != 0)
		return NONO_AUDIT_UNREADABLE;
	if (jint(rec, "supervisor_pid", &pid) &&
	    jint(rec, "supervisor_start", &start) && pid > 0 && start > 0 &&
	    nono_proc_alive((pid_t)pid, (unsigned long long)start))
		return NONO_AUDIT_RUNNING;
	return NONO_AUDIT_INCOMPLETE;
}

/* ~/.nono/audit, once the sessions being finished are done: their
 * ends hold the ledger's lock, which a reader takes shared. */
static int open_root_locked(int *lock)
{
	char root[PATH_MAX];
	int r = nono_audit_dir(root, sizeof(root));

	*lock = -1;
	if (r < 0)
		return r;
	r = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r < 0)
		return -errno;
	*lock = nono_audit_ledger_lock(r, LOCK_SH);
	return r;
}

static int open_root(void)
{
	int lock, r = open_root_locked(&lock);

	if (lock >= 0)
		close(lock);
	return r;
}

static int load_record_named(int dirfd, const char *name,
			     struct nono_json **rec, char **text, size_t *len)
{
	struct nono_json_error je;
	int r;

	*rec = NULL;
	r = nono_audit_read_file(dirfd, name, RECORD_MAX, text, len);
	if (r < 0)
		return r;
	if (nono_json_parse(*text, *len, rec, &je) < 0 ||
	    (*rec)->type != NONO_JSON_OBJECT) {
		nono_json_free(*rec);
		*rec = NULL;
		return -EINVAL;
	}
	return 0;
}

static int load_record(int dirfd, struct nono_json **rec, char **text,
		       size_t *len)
{
	return load_record_named(dirfd, NONO_AUDIT_RECORD, rec, text, len);
}

/* A complete record staged but not put in place (the finish was killed
 * after the ledger entry, the commit point): its name in @name. */
static int load_staged(int dirfd, const char *id, struct nono_json **rec,
		       char **text, size_t *len, char *name, size_t namelen)
{
	struct dirent *de;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	int r = -ENOENT;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	while (r < 0 && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		const char *rid, *st;

		if (strncmp(de->d_name, "." NONO_AUDIT_RECORD ".", 14) != 0 ||
		    n < 18 || strcmp(de->d_name + n - 4, ".tmp") != 0)
			continue;
		if (load_record_named(dirfd, de->d_name, rec, text, len) < 0)
			continue;
		rid = jstr(*rec, "id");
		st = jstr(*rec, "state");
		if (rid && st && strcmp(rid, id) == 0 &&
		    strcmp(st, "complete") == 0) {
			snprintf(name, namelen, "%s", de->d_name);
			r = 0;
			break;
		}
		nono_json_free(*rec);
		*rec = NULL;
		free(*text);
		*text = NULL;
	}
	closedir(d);
	return r;
}

/* A session's directory without a record yet: its supervisor holds the
 * directory's lock while it runs. */
static enum nono_audit_state recordless_state(int rootfd, const char *id)
{
	int fd =
	    openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	enum nono_audit_state st = NONO_AUDIT_INCOMPLETE;

	if (fd < 0)
		return NONO_AUDIT_UNREADABLE;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		st = NONO_AUDIT_RUNNING;
	close(fd);
	return st;
}

/* Whether the ledger has an entry for @id (a completed session). */
static bool ledger_names(int rootfd, const char *id)
{
	char *text = NULL, want[NONO_AUDIT_ID_LEN + 12];
	size_t len = 0;
	bool found;

	if (nono_audit_read_file(rootfd, NONO_AUDIT_LEDGER, LEDGER_MAX, &text,
				 &len) < 0)
		return false;
	snprintf(want, sizeof(want), "\"id\":\"%s\"", id);
	found = memmem(text, len, want, strlen(want)) != NULL;
	free(text);
	return found;
}

static void iso_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm))
		strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	else
		out[0] = '\0';
}

static void fill_entry(int rootfd, const char *id, struct nono_audit_entry *e)
{
	struct nono_json *rec = NULL;
	char *text = NULL;
	size_t len, used = 0;
	struct stat st;
	int dfd, r;
	long long v;

	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->state = NONO_AUDIT_UNREADABLE;
	if (fstatat(rootfd, id, &st, AT_SYMLINK_NOFOLLOW) == 0)
		e->mtime = (long long)st.st_mtime;
	dfd = openat(rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	r = load_record(dfd, &rec, &text, &len);
	if (r == -ENOENT) {
		/* Made, its record not yet (or its supervisor killed then):
		 * started when the directory was made. */
		e->state = recordless_state(rootfd, id);
		iso_time(e->mtime, e->started);
	} else if (r == 0) {
		const struct nono_json *cmd = nono_json_get(rec, "command");

		e->state = rec_state(rec);
		snprintf(e->started, sizeof(e->started), "%s",
			 jstr(rec, "started") ? jstr(rec, "started") : "");
		snprintf(e->ended, sizeof(e->ended), "%s",
			 jstr(rec, "ended") ? jstr(rec, "ended") : "");
		if (jint(rec, "exit_code", &v)) {
			e->exit_code = (int)v;
			e->has_exit = true;
		}
		if (jint(rec, "events", &v) && v >= 0)
			e->events = (uint64_t)v;
		for (size_t i = 0; cmd && cmd->type == NONO_JSON_ARRAY &&
				   i < cmd->len && used < sizeof(e->command);
		     i++) {
			const char *w = cmd->items[i]->type == NONO_JSON_STRING
					    ? cmd->items[i]->str
					    : "?";
			int n = snprintf(e->command + used,
					 sizeof(e->command) - used, "%s%s",
					 i ? " " : "", w);

			if (n < 0)
				break;
			used += (size_t)n;
		}
	}
	nono_json_free(rec);
	free(text);
	close(dfd);
}

static int newest_first(const void *a, const void *b)
{
	const struct nono_audit_entry *x = a, *y = b;
	int c = strcmp(y->started, x->started);

	return c ? c : strcmp(x->id, y->id);
}

int nono_audit_list(struct nono_audit_entry **out, size_t *n)
{
	struct nono_audit_entry *v = NULL;
	size_t cap = 0, cnt = 0;
	struct dirent *de;
	int rootfd, dfd;
	DIR *d;

	*out = NULL;
	*n = 0;
	rootfd = open_root();
	if (rootfd < 0)
		return rootfd;
	dfd = dup(rootfd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		close(rootfd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_id(de->d_name))
			continue;
		if (cnt == cap) {
			struct nono_audit_entry *nv;

			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				close(rootfd);
				return -ENOMEM;
			}
			v = nv;
		}
		fill_entry(rootfd, de->d_name, &v[cnt++]);
	}
	closedir(d);
	close(rootfd);
	if (cnt)
		qsort(v, cnt, sizeof(*v), newest_first);
	*out = v;
	*n = cnt;
	return 0;
}

int nono_audit_find(const char *key, char id[NONO_AUDIT_ID_LEN + 1], char *err,
		    size_t errlen)
{
	struct nono_audit_entry *v;
	size_t n, hits = 0, klen = strlen(key);
	int r;

	if (!klen || klen > NONO_AUDIT_ID_LEN) {
		snprintf(err, errlen,
			 "'%.40s' is not an audit session id (16 hex digits, "
			 "or a unique prefix; see nono audit list)",
			 key);
		return -ENOENT;
	}
	r = nono_audit_list(&v, &n);
	if (r < 0) {
		snprintf(err, errlen, "~/.nono/audit: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].id, key, klen) == 0) {
			if (hits++ == 0)
				memcpy(id, v[i].id, NONO_AUDIT_ID_LEN + 1);
		}
	free(v);
	if (hits == 1)
		return 0;
	if (hits == 0)
		snprintf(err, errlen,
			 "no audited session '%.40s' (see nono audit list)",
			 key);
	else
		snprintf(err, errlen,
			 "'%.40s' names %zu sessions: give more of the id", key,
			 hits);
	return hits ? -EEXIST : -ENOENT;
}

void nono_audit_report_add(struct nono_audit_report *r, const char *check,
			   bool ok, const char *fmt, ...)
{
	va_list ap;
	struct nono_audit_verdict *v;

	if (!ok)
		r->ok = false;
	if (r->nv >= NONO_AUDIT_MAX_VERDICTS)
		return;
	v = &r->v[r->nv++];
	v->check = check;
	v->ok = ok;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

void nono_audit_report_clear(struct nono_audit_report *r)
{
	free(r->ledger_leaves);
	r->ledger_leaves = NULL;
}

static bool hex_eq(const char *hex, const nono_hash *h)
{
	char mine[NONO_SHA256_HEX];

	nono_hex(h->b, NONO_SHA256_LEN, mine);
	return hex && strcmp(hex, mine) == 0;
}

/* The ledger: its chain, this session's entry (by id), the entry's
 * digests against the record, and the root the record says it had. */
static void check_ledger(int rootfd, const struct nono_json *rec,
			 const char *rec_text, size_t rec_len,
			 struct nono_audit_report *r)
{
	const struct nono_json *lg = nono_json_get(rec, "ledger");
	struct nono_audit_check c;
	char *text = NULL;
	size_t len = 0;
	nono_hash anchor;
	long long index = -1, found = -1;
	const char *p, *end;
	struct nono_audit_lineview fv = {0};
	uint64_t line = 0;
	int ret;

	r->ledger_index = -1;
	ret = nono_audit_read_file(rootfd, NONO_AUDIT_LEDGER, LEDGER_MAX, &text,
				   &len);
	if (ret < 0 && ret != -ENOENT) {
		nono_audit_report_add(r, "ledger", false,
				      "ledger.ndjson cannot be read: %s",
				      strerror(-ret));
		return;
	}
	nono_audit_ledger_anchor(&anchor);
	if (nono_audit_check_log(text ? text : "", len, &anchor, true, &c) <
	    0) {
		nono_audit_report_add(r, "ledger", false, "out of memory");
		free(text);
		return;
	}
	if (!c.ok) {
		nono_audit_report_add(r, "ledger", false,
				      "ledger.ndjson line %llu: %s",
				      (unsigned long long)c.bad_line, c.why);
		goto out;
	}
	/* This session's entry, wherever the ledger has it. */
	for (p = text, end = text + len; text && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct nono_audit_lineview v;
		char why[160], want[NONO_AUDIT_ID_LEN + 12];

		if (!nl || line >= c.lines)
			break;
		snprintf(want, sizeof(want), "\"id\":\"%s\"", r->id);
		if (nono_audit_parse_line(p, (size_t)(nl - p), &v, why,
					  sizeof(why)) == 0 &&
		    memmem(v.event, v.event_len, want, strlen(want))) {
			found = (long long)line;
			fv = v;
			break;
		}
		p = nl + 1;
	}
	if (lg && lg->type == NONO_JSON_OBJECT)
		jint(lg, "index", &index);
	if (found < 0 && index < 0) {
		if (r->state == NONO_AUDIT_COMPLETE)
			nono_audit_report_add(r, "ledger", false,
					      "the session is not in the "
					      "ledger (its record says why: "
					      "see nono audit show)");
		else if (r->state == NONO_AUDIT_ENDED)
			nono_audit_report_add(
			    r, "ledger", false,
			    "the session ended but is not in the ledger yet: "
			    "it could not be added (nono audit list says "
			    "why)");
		goto out;
	}
	if (found < 0) {
		nono_audit_report_add(r, "ledger", false,
				      "the record puts the session at ledger "
				      "entry %lld, which the ledger does not "
				      "have",
				      index + 1);
		goto out;
	}
	if (r->state != NONO_AUDIT_COMPLETE) {
		nono_audit_report_add(r, "ledger", false,
				      "the ledger has the session as "
				      "completed (entry %lld) but its record "
				      "says it is not",
				      found + 1);
		goto out;
	}
	if (index != found) {
		nono_audit_report_add(r, "ledger", false,
				      "the record says ledger entry %lld, the "
				      "ledger has it at %lld",
				      index + 1, found + 1);
		goto out;
	}
	{
		char hex[NONO_SHA256_HEX], want[200];
		uint8_t d[NONO_SHA256_LEN];
		const char *root_before = jstr(lg, "root_before");
		nono_hash before;

		nono_sha256(rec_text, rec_len, d);
		nono_hex(d, sizeof(d), hex);
		snprintf(want, sizeof(want), "\"session_sha256\":\"%s\"", hex);
		if (!memmem(fv.event, fv.event_len, want, strlen(want))) {
			nono_audit_report_add(
			    r, "ledger", false,
			    "session.json is not the record the ledger "
			    "took (entry %lld: another SHA-256): it was "
			    "changed",
			    found + 1);
			goto out;
		}
		/* The entry's own digests are the record's. */
		{
			struct nono_json *ej = NULL;
			struct nono_json_error je;
			bool same = false;

			if (nono_json_parse(fv.event, fv.event_len, &ej, &je) ==
			    0) {
				const char *a = jstr(ej, "merkle_root"),
					   *b = jstr(rec, "merkle_root");
				const char *x = jstr(ej, "chain_head"),
					   *y = jstr(rec, "chain_head");
				long long ne = -1, nr = -2;

				jint(ej, "events", &ne);
				jint(rec, "events", &nr);
				same =
				    ne == nr &&
				    ((!a && !b) || (a && b && !strcmp(a, b))) &&
				    ((!x && !y) || (x && y && !strcmp(x, y)));
			}
			nono_json_free(ej);
			if (!same) {
				nono_audit_report_add(
				    r, "ledger", false,
				    "ledger entry %lld does not hold the "
				    "record's event count, chain head and "
				    "Merkle root",
				    found + 1);
				goto out;
			}
		}
		nono_merkle_mth(c.leaves, 0, (uint64_t)found, &before);
		nono_hex(before.b, NONO_SHA256_LEN, r->ledger_root_before);
		if (!hex_eq(root_before, &before)) {
			nono_audit_report_add(
			    r, "ledger", false,
			    "the ledger's first %lld entries are not the ones "
			    "this session was added after (an older entry "
			    "was rewritten)",
			    found);
			goto out;
		}
		nono_merkle_mth(c.leaves, 0, (uint64_t)found + 1, &before);
		nono_hex(before.b, NONO_SHA256_LEN, r->ledger_root_after);
	}
	r->ledger_index = found;
	r->ledger_size = c.lines;
	r->ledger_leaves = c.leaves;
	c.leaves = NULL;
	nono_audit_report_add(r, "ledger", true,
			      "entry %lld of %llu; the ledger before it is "
			      "unchanged",
			      found + 1, (unsigned long long)c.lines);
out:
	free(c.leaves);
	free(text);
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* What is read from a mapped log, which another process may cut short
 * meanwhile (SIGBUS). */
struct guarded {
	const char *text;
	size_t len;
	const nono_hash *anchor; /* check: nono_audit_check_log */
	struct nono_audit_check *c;
	const struct nono_json *rec; /* match: nono_audit_record_matches */
	char *why;
	size_t whylen;
};

/* The check, or the match when @g->rec: 0 (checked) / 1 (matches) or 0
 * (does not), or -1 (cut short meanwhile: @why says so for a match). */
static int guarded_read(struct guarded *g)
{
	struct sigaction sa = {0}, old;
	volatile int r = -1;

	sa.sa_handler = on_bus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1) == 0) {
		if (g->rec)
			r = nono_audit_record_matches(g->text, g->len, g->rec,
						      g->why, g->whylen);
		else
			r = nono_audit_check_log(g->text, g->len, g->anchor,
						 false, g->c) < 0
				? -1
				: 0;
	} else if (g->rec) {
		snprintf(g->why, g->whylen,
			 "the log changed while it was read");
	}
	sigaction(SIGBUS, &old, NULL);
	return r;
}

static int check_guarded(const char *text, size_t len, const nono_hash *anchor,
			 struct nono_audit_check *c)
{
	struct guarded g = {.text = text, .len = len, .anchor = anchor, .c = c};

	return guarded_read(&g);
}

static int matches_guarded(const char *text, size_t len,
			   const struct nono_json *rec, char *why,
			   size_t whylen)
{
	struct guarded g = {
	    .text = text, .len = len, .rec = rec, .why = why, .whylen = whylen};

	return guarded_read(&g);
}

/* The same over session @dirfd's log, mapped here. */
static int matches_at(int dirfd, const struct nono_json *rec, char *why,
		      size_t whylen)
{
	const char *text = NULL;
	size_t len = 0;
	int r = nono_audit_map_file(dirfd, NONO_AUDIT_EVENTS, &text, &len);

	if (r < 0) {
		snprintf(why, whylen, "its log cannot be read: %s",
			 strerror(-r));
		return r;
	}
	r = matches_guarded(text, len, rec, why, whylen);
	nono_audit_unmap(text, len);
	return r;
}

int nono_audit_verify(const char *id, struct nono_audit_report *r)
{
	struct nono_json *rec = NULL;
	struct nono_audit_check c;
	char *rtext = NULL;
	const char *ltext = NULL;
	size_t rlen = 0, llen = 0;
	nono_hash anchor;
	int rootfd, dfd = -1, ret, lock = -1;
	const char *rid;
	long long events = -1;
	bool integrity = true;
	char why[200];

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->ok = true;
	r->ledger_index = -1;
	/* Shared, for the whole check: no append lands in between. */
	rootfd = open_root_locked(&lock);
	if (rootfd < 0)
		return rootfd;
	dfd = openat(rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		close(rootfd);
		if (lock >= 0)
			close(lock);
		return ret;
	}
	ret = load_record(dfd, &rec, &rtext, &rlen);
	snprintf(r->record_name, sizeof(r->record_name), "%s",
		 NONO_AUDIT_RECORD);
	if (ret == 0 && rec_state(rec) != NONO_AUDIT_COMPLETE) {
		struct nono_json *srec = NULL;
		char *stext = NULL, sname[64];
		size_t slen = 0;

		/* A finish killed after its ledger entry: the staged final
		 * record is the record (the ledger binds its digest). */
		if (load_staged(dfd, id, &srec, &stext, &slen, sname,
				sizeof(sname)) == 0) {
			nono_json_free(rec);
			free(rtext);
			rec = srec;
			rtext = stext;
			rlen = slen;
			snprintf(r->record_name, sizeof(r->record_name), "%s",
				 sname);
			nono_audit_report_add(
			    r, "finish", true,
			    "the end was interrupted after the ledger entry: "
			    "the final record is %s (rename it to "
			    "session.json)",
			    sname);
		}
	}
	if (ret == -ENOENT) {
		r->state = recordless_state(rootfd, id);
		struct stat lst;

		if (ledger_names(rootfd, id))
			nono_audit_report_add(
			    r, "record", false,
			    "session.json is missing, but the ledger has the "
			    "session as completed (the record was removed)");
		else if (fstatat(dfd, NONO_AUDIT_EVENTS, &lst,
				 AT_SYMLINK_NOFOLLOW) == 0)
			/* The record is written before the log is made: a
			 * log without one means it was removed. */
			nono_audit_report_add(
			    r, "record", false,
			    "session.json is missing, but the session has "
			    "events (the record was removed)");
		else
			nono_audit_report_add(
			    r, "record", true, "none yet: the session %s",
			    r->state == NONO_AUDIT_RUNNING
				? "is starting"
				: "was stopped before its command ran (its "
				  "supervisor was killed)");
	} else if (ret < 0) {
		r->state = NONO_AUDIT_UNREADABLE;
		nono_audit_report_add(r, "record", false, "session.json: %s",
				      ret == -EINVAL ? "not a valid record"
						     : strerror(-ret));
	} else {
		const struct nono_json *in = nono_json_get(rec, "integrity");
		long long ver = 0;

		rid = jstr(rec, "id");
		r->state = rec_state(rec);
		integrity = !(in && in->type == NONO_JSON_BOOL && !in->b);
		jint(rec, "events", &events);
		if (!rid || strcmp(rid, id) != 0 ||
		    !jint(rec, "version", &ver) || ver != 1 ||
		    r->state == NONO_AUDIT_UNREADABLE)
			nono_audit_report_add(r, "record", false,
					      "session.json is not this "
					      "session's record (id, version "
					      "or state)");
		else
			nono_audit_report_add(r, "record", true, "%s",
					      nono_audit_state_name(r->state));
	}
	ret = nono_audit_map_file(dfd, NONO_AUDIT_EVENTS, &ltext, &llen);
	if (ret == -ENOENT && (r->state == NONO_AUDIT_RUNNING ||
			       r->state == NONO_AUDIT_INCOMPLETE)) {
		/* The log is made once the command runs. */
		nono_audit_report_add(
		    r, "events", true, "no events yet; the session %s",
		    r->state == NONO_AUDIT_RUNNING
			? "is starting"
			: "was stopped before its log was made (its "
			  "supervisor was killed)");
		goto ledger;
	}
	if (ret < 0) {
		nono_audit_report_add(r, "events", false,
				      "audit-events.ndjson: %s",
				      strerror(-ret));
		goto ledger;
	}
	nono_audit_anchor(id, &anchor);
	if (check_guarded(ltext, llen, &anchor, &c) < 0) {
		nono_audit_report_add(r, "events", false,
				      "audit-events.ndjson changed (was cut "
				      "short) while it was being read");
		goto ledger;
	}
	r->events = c.lines;
	if (!c.ok) {
		nono_audit_report_add(r, "events", false,
				      "audit-events.ndjson line %llu: %s",
				      (unsigned long long)c.bad_line, c.why);
		goto ledger;
	}
	if (c.lines && integrity != c.chained) {
		nono_audit_report_add(r, "events", false,
				      "the record says integrity is %s, the "
				      "log %s",
				      integrity ? "on" : "off",
				      c.chained ? "has it" : "has none");
		goto ledger;
	}
	nono_hex(c.root.b, NONO_SHA256_LEN, r->merkle_root);
	nono_hex(c.head.b, NONO_SHA256_LEN, r->chain_head);
	if (r->state == NONO_AUDIT_COMPLETE || r->state == NONO_AUDIT_ENDED) {
		if (c.partial_tail)
			nono_audit_report_add(
			    r, "events", false,
			    "audit-events.ndjson line %llu: cut short (no "
			    "newline) in a completed session",
			    (unsigned long long)c.lines + 1);
		else if (events < 0 || (uint64_t)events != c.lines)
			nono_audit_report_add(
			    r, "events", false,
			    "the record counts %lld events, the log has %llu "
			    "(lines were removed or added)",
			    events, (unsigned long long)c.lines);
		else if (integrity &&
			 (!hex_eq(jstr(rec, "chain_head"), &c.head) ||
			  !hex_eq(jstr(rec, "merkle_root"), &c.root)))
			nono_audit_report_add(
			    r, "events", false,
			    "the log's chain head or Merkle root is not the "
			    "one the record kept (the log was rewritten)");
		else if (matches_guarded(ltext, llen, rec, why, sizeof(why)) !=
			 1)
			nono_audit_report_add(r, "record", false,
					      "%s (the record was changed)",
					      why);
		else {
			long long dropped = 0;

			jint(rec, "events_dropped", &dropped);
			nono_audit_report_add(
			    r, "events", true, "%llu events; %s%s",
			    (unsigned long long)c.lines,
			    integrity ? "hash chain and Merkle root match "
					"the record"
				      : "no integrity layer "
					"(--no-audit-integrity)",
			    dropped > 0 ? "; some were not written (see the "
					  "events_dropped event and the "
					  "record's events_dropped)"
					: "");
		}
	} else if (rec) {
		nono_audit_report_add(
		    r, "events", true,
		    "%llu events verify as a prefix%s; the session %s",
		    (unsigned long long)c.lines,
		    c.partial_tail ? " (a last line cut short by the end "
				     "of the supervisor is ignored)"
				   : "",
		    r->state == NONO_AUDIT_RUNNING
			? "is still running"
			: "never finished (its supervisor was killed)");
	}
ledger:
	if (rec)
		check_ledger(rootfd, rec, rtext, rlen, r);
	ret = 0;
	nono_json_free(rec);
	free(rtext);
	nono_audit_unmap(ltext, llen);
	close(dfd);
	close(rootfd);
	if (lock >= 0)
		close(lock);
	return ret;
}

/* Whether the log behind @logfd ends where the ended record @rec says:
 * its last line complete, the record's event count and chain head, a
 * session_end event. */
static bool tail_matches(int logfd, const struct nono_audit_rec *rec)
{
	char buf[65536], why[160], head[NONO_SHA256_HEX];
	struct nono_audit_lineview v;
	struct stat st;
	size_t n;
	ssize_t got;
	const char *p, *end;
	static const char want[] = "{\"type\":\"session_end\"";

	if (fstat(logfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 2)
		return false;
	n = (size_t)st.st_size < sizeof(buf) ? (size_t)st.st_size : sizeof(buf);
	got = pread(logfd, buf, n, st.st_size - (off_t)n);
	if (got != (ssize_t)n || buf[n - 1] != '\n')
		return false;
	end = buf + n - 1;
	p = end;
	while (p > buf && p[-1] != '\n')
		p--;
	if (p == buf && (size_t)st.st_size > n)
		return false; /* a last line longer than the window */
	if (nono_audit_parse_line(p, (size_t)(end - p), &v, why, sizeof(why)) <
		0 ||
	    v.seq != rec->events || v.event_len < sizeof(want) - 1 ||
	    memcmp(v.event, want, sizeof(want) - 1) != 0)
		return false;
	if (!rec->integrity)
		return !v.chained;
	if (!v.chained)
		return false;
	memcpy(head, v.head, 64);
	head[64] = '\0';
	return strcmp(head, rec->chain_head) == 0;
}

static void say(void (*warn)(void *, const char *), void *arg, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static void say(void (*warn)(void *, const char *), void *arg, const char *fmt,
		...)
{
	char msg[512];
	va_list ap;

	if (!warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(arg, msg);
}

/* Settles session @id (see nono_audit_settle_all), the ledger's lock
 * @lock held. */
static void settle(int rootfd, int lock, const char *id, const char *ledger,
		   size_t ledger_len, void (*warn)(void *, const char *),
		   void *arg)
{
	struct nono_audit_rec rec;
	struct nono_json *srec = NULL, *jrec = NULL;
	struct nono_json_error je;
	char *text = NULL, *stext = NULL, sname[64], want[32], why[240];
	bool named;
	size_t len = 0, slen = 0;
	int dfd, logfd = -1, r;
	bool have = false;

	dfd =
	    openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	/* Its supervisor, or another reader, holds it: theirs to do. */
	if (flock(dfd, LOCK_EX | LOCK_NB) < 0)
		goto out;
	if (nono_audit_read_file(dfd, NONO_AUDIT_RECORD, RECORD_MAX, &text,
				 &len) < 0)
		goto out;
	/* Parsed once: for the record, and for its match with the log. */
	r = nono_json_parse(text, len, &jrec, &je) < 0
		? -EINVAL
		: nono_audit_rec_from(&rec, jrec, text, len);
	if (r < 0 || strcmp(rec.id, id) != 0) {
		if (r == 0)
			nono_audit_rec_clear(&rec);
		if (r != -ENOMEM)
			say(warn, arg,
			    "session %s: session.json is not a valid ended "
			    "record; it was not added to the ledger (see nono "
			    "audit verify %s)",
			    id, id);
		goto out;
	}
	have = true;
	/* In the ledger already (a settling killed, or whose rename
	 * failed, after its entry): never twice.  The staged final record
	 * is the one the ledger took; one it never took goes. */
	snprintf(want, sizeof(want), "\"id\":\"%s\"", id);
	named = ledger && memmem(ledger, ledger_len, want, strlen(want));
	if (load_staged(dfd, id, &srec, &stext, &slen, sname, sizeof(sname)) ==
	    0) {
		if (named) {
			renameat(dfd, sname, dfd, NONO_AUDIT_RECORD);
			goto out;
		}
		unlinkat(dfd, sname, 0);
	}
	if (named) {
		say(warn, arg,
		    "session %s: the ledger has it, but its final record was "
		    "lost (see nono audit verify %s)",
		    id, id);
		goto out;
	}
	logfd = openat(dfd, NONO_AUDIT_EVENTS,
		       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (logfd < 0 || !tail_matches(logfd, &rec)) {
		say(warn, arg,
		    "session %s: its log does not end where its record says; "
		    "it was not added to the ledger (see nono audit verify "
		    "%s)",
		    id, id);
		goto out;
	}
	/* What the record says of the session is what its log says: the
	 * ledger is about to bind the record. */
	if (matches_at(dfd, jrec, why, sizeof(why)) != 1) {
		say(warn, arg,
		    "session %s: %s; it was not added to the ledger (see "
		    "nono audit verify %s)",
		    id, why, id);
		goto out;
	}
	r = nono_audit_rec_complete(dfd, &rec, lock, logfd);
	if (rec.ledger_error[0])
		say(warn, arg, "audit: session %s: %s", id, rec.ledger_error);
	else if (r < 0)
		say(warn, arg, "audit: session %s: the record: %s", id,
		    strerror(-r));
out:
	if (have)
		nono_audit_rec_clear(&rec);
	nono_json_free(jrec);
	nono_json_free(srec);
	free(stext);
	free(text);
	if (logfd >= 0)
		close(logfd);
	close(dfd); /* releases its lock */
}

/* A session to settle: its id and when it ended. */
struct ended {
	char id[NONO_AUDIT_ID_LEN + 1];
	char when[32];
};

static int by_end(const void *a, const void *b)
{
	const struct ended *x = a, *y = b;
	int c = strcmp(x->when, y->when);

	return c ? c : strcmp(x->id, y->id);
}

/* Whether session @id's record says "ended", and when (@when): the state
 * is its third member and the end its eighth, ahead of anything of
 * variable length but the times, so the first bytes say it. */
static bool says_ended(int rootfd, const char *id, char when[32])
{
	char path[NONO_AUDIT_ID_LEN + sizeof(NONO_AUDIT_RECORD) + 2], buf[512];
	static const char want[] = "\",\"state\":\"ended\"";
	const char *p, *q;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", id, NONO_AUDIT_RECORD);
	fd = openat(rootfd, path,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (!strstr(buf, want))
		return false;
	when[0] = '\0';
	if ((p = strstr(buf, ",\"ended\":\"")) != NULL &&
	    (q = strchr(p + 10, '"')) != NULL && q - (p + 10) < 32) {
		memcpy(when, p + 10, (size_t)(q - (p + 10)));
		when[q - (p + 10)] = '\0';
	}
	return true;
}

int nono_audit_settle_all(void (*warn)(void *arg, const char *msg), void *arg)
{
	char root[PATH_MAX];
	struct ended *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rootfd, dfd, lock, r;
	DIR *d;

	r = nono_audit_dir(root, sizeof(root));
	if (r < 0)
		return r;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT ? 0 : -errno;
	dfd = dup(rootfd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		r = -errno;
		if (dfd >= 0)
			close(dfd);
		close(rootfd);
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		char when[32];

		if (!is_id(de->d_name) || !says_ended(rootfd, de->d_name, when))
			continue;
		if (n == cap) {
			struct ended *nv;

			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		memcpy(v[n].id, de->d_name, NONO_AUDIT_ID_LEN + 1);
		snprintf(v[n].when, sizeof(v[n].when), "%s", when);
		n++;
	}
	closedir(d);
	/* Into the ledger in the order they ended; the lock taken only when
	 * there is work (a reader with nothing to settle never waits on an
	 * end in progress). */
	if (n) {
		qsort(v, n, sizeof(*v), by_end);
		lock = nono_audit_ledger_lock(rootfd, LOCK_EX);
		if (lock < 0) {
			say(warn, arg,
			    "audit: the ledger's lock: %s; %zu ended "
			    "session(s) were not added",
			    strerror(-lock), n);
		} else {
			char *ledger = NULL;
			size_t llen = 0;

			/* Read once: what is appended meanwhile is this
			 * loop's own, one entry per id. */
			nono_audit_read_file(rootfd, NONO_AUDIT_LEDGER,
					     LEDGER_MAX, &ledger, &llen);
			for (size_t i = 0; i < n; i++)
				settle(rootfd, lock, v[i].id, ledger, llen,
				       warn, arg);
			free(ledger);
			close(lock);
		}
	}
	free(v);
	close(rootfd);
	return 0;
}

int nono_audit_remove(const char *id)
{
	static const char *const files[] = {
	    NONO_AUDIT_EVENTS, NONO_AUDIT_RECORD, NONO_AUDIT_BUNDLE};
	char root[PATH_MAX];
	int rootfd, dfd, r = 0;
	DIR *d;
	struct dirent *de;

	if (!is_id(id))
		return -EINVAL;
	r = nono_audit_dir(root, sizeof(root));
	if (r < 0)
		return r;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	dfd =
	    openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		close(rootfd);
		return r;
	}
	(void)files;
	/* A session whose directory is locked (running, or being
	 * settled) is not removed. */
	if (flock(dfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(dfd);
		close(rootfd);
		return r;
	}
	/* Only plain files are there; anything else stops the removal. */
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		close(rootfd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && r == 0)
			r = -errno;
	}
	closedir(d);
	if (r == 0 && unlinkat(rootfd, id, AT_REMOVEDIR) < 0)
		r = -errno;
	close(rootfd);
	return r;
}
