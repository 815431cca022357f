// SPDX-License-Identifier: Apache-2.0
/* session.json of the audit trail, and the ledger of completed sessions. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "audit/record.h"
#include "audit/sign.h"
#include "audit/verify.h"
#include "policy/json.h"
#include "session/registry.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *json_array(char *const *v, size_t n)
{
	struct nono_ev e = {0};

	nono_ev_put(&e, "[", 1);
	for (size_t i = 0; v && (n == (size_t)-1 ? v[i] != NULL : i < n); i++) {
		if (i)
			nono_ev_put(&e, ",", 1);
		nono_ev_quote(&e, v[i], strlen(v[i]));
	}
	nono_ev_put(&e, "]", 1);
	if (e.oom) {
		nono_ev_free(&e);
		return NULL;
	}
	return e.buf;
}

int nono_audit_rec_init(struct nono_audit_rec *r, const char *id,
			const struct nono_audit_start *s)
{
	uint8_t d[NONO_SHA256_LEN];

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->integrity = s->integrity;
	r->sup_pid = getpid(); /* its start time with the first save */
	nono_ev_time(r->started);
	r->command = json_array(s->command, (size_t)-1);
	r->exe = dup_or_null(s->exe);
	r->cwd = dup_or_null(s->cwd);
	r->profile = dup_or_null(s->profile);
	snprintf(r->mode, sizeof(r->mode), "%s", s->mode ? s->mode : "run");
	r->tracked = json_array(s->tracked, s->ntracked);
	r->redaction = dup_or_null(s->redaction);
	r->ledger_index = -1;
	if (s->policy) {
		nono_sha256(s->policy, s->policy_len, d);
		nono_hex(d, sizeof(d), r->policy_sha256);
	}
	if (!r->command || !r->tracked || (s->exe && !r->exe) ||
	    (s->cwd && !r->cwd) || (s->profile && !r->profile) ||
	    (s->redaction && !r->redaction)) {
		nono_audit_rec_clear(r);
		return -ENOMEM;
	}
	return 0;
}

void nono_audit_rec_clear(struct nono_audit_rec *r)
{
	free(r->command);
	free(r->exe);
	free(r->cwd);
	free(r->profile);
	free(r->tracked);
	free(r->redaction);
	r->command = r->exe = r->cwd = r->profile = r->tracked = r->redaction =
	    NULL;
}

static void str_or_null(struct nono_ev *e, const char *k, const char *v)
{
	if (v && *v)
		nono_ev_str(e, k, v);
	else
		nono_ev_raw(e, k, "null", 4);
}

/* The record as JSON text (*@out, free()). */
static int rec_text(const struct nono_audit_rec *r, struct nono_ev *e)
{
	memset(e, 0, sizeof(*e));
	nono_ev_put(e, "{\"version\":1", 12);
	nono_ev_str(e, "id", r->id);
	nono_ev_str(e, "state",
		    r->complete     ? "complete"
		    : r->ended_only ? "ended"
				    : "running");
	nono_ev_bool(e, "integrity", r->integrity);
	nono_ev_int(e, "supervisor_pid", r->sup_pid);
	nono_ev_int(e, "supervisor_start", (long long)r->sup_start);
	nono_ev_str(e, "started", r->started);
	str_or_null(e, "ended", r->ended);
	nono_ev_str(e, "mode", r->mode);
	nono_ev_raw(e, "command", r->command, strlen(r->command));
	nono_ev_put(e, ",\"executable\":{", 15);
	nono_ev_put(e, "\"path\":", 7);
	if (r->exe)
		nono_ev_quote(e, r->exe, strlen(r->exe));
	else
		nono_ev_put(e, "null", 4);
	str_or_null(e, "sha256", r->exe_sha256);
	nono_ev_put(e, "}", 1);
	str_or_null(e, "cwd", r->cwd);
	str_or_null(e, "profile", r->profile);
	nono_ev_raw(e, "tracked_paths", r->tracked, strlen(r->tracked));
	nono_ev_str(e, "policy_sha256", r->policy_sha256);
	if (r->redaction)
		nono_ev_raw(e, "redaction", r->redaction, strlen(r->redaction));
	else
		nono_ev_raw(e, "redaction", "null", 4);
	if (r->complete || r->ended_only) {
		nono_ev_bool(e, "ran", r->ran);
		nono_ev_int(e, "exit_code", r->exit_code);
		if (r->signo)
			nono_ev_int(e, "signal", r->signo);
		else
			nono_ev_raw(e, "signal", "null", 4);
		nono_ev_int(e, "events", (long long)r->events);
		nono_ev_bool(e, "write_error", r->write_error);
		nono_ev_int(e, "events_dropped", (long long)r->dropped);
		str_or_null(e, "chain_head", r->chain_head);
		str_or_null(e, "merkle_root", r->merkle_root);
		if (r->fs_before && r->fs_after) {
			nono_ev_put(e, ",\"fs_integrity\":{\"before\":", 26);
			nono_ev_put(e, r->fs_before, strlen(r->fs_before));
			nono_ev_put(e, ",\"after\":", 9);
			nono_ev_put(e, r->fs_after, strlen(r->fs_after));
			nono_ev_put(e, "}", 1);
		} else {
			nono_ev_raw(e, "fs_integrity", "null", 4);
		}
		if (r->att_bundle_sha256[0] && r->signer) {
			nono_ev_put(e, ",\"attestation\":{", 16);
			nono_ev_put(
			    e, "\"bundle\":\"" NONO_AUDIT_BUNDLE "\"",
			    sizeof("\"bundle\":\"" NONO_AUDIT_BUNDLE "\"") - 1);
			nono_ev_str(e, "bundle_sha256", r->att_bundle_sha256);
			nono_ev_str(e, "predicate_type", NONO_AUDIT_PREDICATE);
			nono_ev_str(e, "key_id", r->signer->keyid);
			nono_ev_str(e, "public_key", r->signer->spki);
			nono_ev_put(e, "}", 1);
		} else if (r->att_error[0]) {
			nono_ev_put(e, ",\"attestation\":{", 16);
			nono_ev_put(e, "\"error\":", 8);
			nono_ev_quote(e, r->att_error, strlen(r->att_error));
			nono_ev_put(e, "}", 1);
		} else {
			nono_ev_raw(e, "attestation", "null", 4);
		}
		if (r->ledger_index >= 0) {
			nono_ev_put(e, ",\"ledger\":{", 11);
			nono_ev_put(e, "\"index\":", 8);
			{
				char b[32];

				nono_ev_put(e, b,
					    (size_t)snprintf(b, sizeof(b),
							     "%lld",
							     r->ledger_index));
			}
			nono_ev_str(e, "root_before", r->ledger_root_before);
			nono_ev_put(e, "}", 1);
		} else {
			nono_ev_raw(e, "ledger", "null", 4);
		}
	}
	nono_ev_put(e, "}\n", 2);
	return e->oom ? -ENOMEM : 0;
}

int nono_audit_rec_text(const struct nono_audit_rec *r, struct nono_ev *e)
{
	return rec_text(r, e);
}

/* @v's own bytes in @text (@len bytes, one line: a value's column is its
 * offset), when it is of @type, as an owned string; NULL otherwise.  The
 * bytes as they were written, not written again: a value re-encoded could
 * differ (an invalid byte nono wrote as \u00ff reads back as U+00FF). */
static char *raw_value(const char *text, size_t len, const struct nono_json *v,
		       enum nono_json_type type, int *err)
{
	const char *p, *e;
	char *out;

	*err = -EINVAL;
	if (!v || v->type != type || v->line != 1 || v->col < 1 || v->col > len)
		return NULL;
	p = text + v->col - 1;
	/* The value's own first byte (the column, checked). */
	if (*p != (type == NONO_JSON_ARRAY ? '[' : '{'))
		return NULL;
	e = nono_json_skip(p, text + len);
	if (!e)
		return NULL;
	*err = -ENOMEM;
	out = malloc((size_t)(e - p) + 1);
	if (!out)
		return NULL;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return out;
}

/* Member @k of @o: a string shorter than @size copied to @out (true),
 * or null when @null_ok (@out empty, true). */
static bool get_str(const struct nono_json *o, const char *k, char *out,
		    size_t size, bool null_ok)
{
	const struct nono_json *v = nono_json_get(o, k);

	out[0] = '\0';
	if (v && v->type == NONO_JSON_NULL)
		return null_ok;
	if (!v || v->type != NONO_JSON_STRING || v->len >= size)
		return false;
	memcpy(out, v->str, v->len + 1);
	return true;
}

static bool get_int(const struct nono_json *o, const char *k, long long min,
		    long long *out)
{
	const struct nono_json *v = nono_json_get(o, k);

	if (!v || v->type != NONO_JSON_NUMBER || !v->is_int || v->integer < min)
		return false;
	*out = v->integer;
	return true;
}

static bool get_bool(const struct nono_json *o, const char *k, bool *out)
{
	const struct nono_json *v = nono_json_get(o, k);

	if (!v || v->type != NONO_JSON_BOOL)
		return false;
	*out = v->b;
	return true;
}

static bool is_null(const struct nono_json *o, const char *k)
{
	const struct nono_json *v = nono_json_get(o, k);

	return v && v->type == NONO_JSON_NULL;
}

static bool is_type(const struct nono_json *o, const char *k,
		    enum nono_json_type t)
{
	const struct nono_json *v = nono_json_get(o, k);

	return v && v->type == t;
}

static bool str_or_null_at(const struct nono_json *o, const char *k)
{
	return is_type(o, k, NONO_JSON_STRING) || is_type(o, k, NONO_JSON_NULL);
}

/* An owned copy of string member @k (NULL for null: true). */
static bool get_dup(const struct nono_json *o, const char *k, char **out)
{
	const struct nono_json *v = nono_json_get(o, k);

	*out = NULL;
	if (v && v->type == NONO_JSON_NULL)
		return true;
	if (!v || v->type != NONO_JSON_STRING)
		return false;
	*out = strdup(v->str);
	return *out != NULL;
}

int nono_audit_rec_load(struct nono_audit_rec *r, const char *text, size_t len)
{
	struct nono_json *j = NULL;
	struct nono_json_error je;
	int ret;

	memset(r, 0, sizeof(*r));
	r->ledger_index = -1;
	if (len < 2 || nono_json_parse(text, len, &j, &je) < 0)
		return -EINVAL;
	ret = nono_audit_rec_from(r, j, text, len);
	nono_json_free(j);
	return ret;
}

int nono_audit_rec_from(struct nono_audit_rec *r, const struct nono_json *j,
			const char *text, size_t len)
{
	const struct nono_json *x, *red;
	char st[16];
	long long v, pid, start, code, events, dropped, sig = 0;
	int ret = -EINVAL;

	memset(r, 0, sizeof(*r));
	r->ledger_index = -1;
	/* One line that is one object, no byte-order mark: a value's column
	 * is then its offset (raw_value). */
	if (len < 2 || text[0] != '{' || text[len - 1] != '\n' ||
	    memchr(text, '\n', len - 1) || memchr(text, '\r', len))
		return -EINVAL;
	x = nono_json_get(j, "executable");
	red = nono_json_get(j, "redaction");
	if (j->type != NONO_JSON_OBJECT || !get_int(j, "version", 1, &v) ||
	    v != 1 || !get_str(j, "state", st, sizeof(st), false) ||
	    strcmp(st, "ended") != 0 ||
	    !get_str(j, "id", r->id, sizeof(r->id), false) ||
	    strlen(r->id) != NONO_AUDIT_ID_LEN ||
	    !get_bool(j, "integrity", &r->integrity) ||
	    !get_int(j, "supervisor_pid", 1, &pid) || pid > 0x7fffffffLL ||
	    !get_int(j, "supervisor_start", 0, &start) ||
	    !get_str(j, "started", r->started, sizeof(r->started), false) ||
	    !get_str(j, "ended", r->ended, sizeof(r->ended), false) ||
	    !r->ended[0] ||
	    !get_str(j, "mode", r->mode, sizeof(r->mode), false) || !x ||
	    x->type != NONO_JSON_OBJECT ||
	    !get_str(x, "sha256", r->exe_sha256, sizeof(r->exe_sha256), true) ||
	    !get_str(j, "policy_sha256", r->policy_sha256,
		     sizeof(r->policy_sha256), false) ||
	    !red ||
	    (red->type != NONO_JSON_NULL && red->type != NONO_JSON_OBJECT) ||
	    !get_bool(j, "ran", &r->ran) ||
	    !get_int(j, "exit_code", -0x7fffffffLL, &code) ||
	    code > 0x7fffffffLL ||
	    (!is_null(j, "signal") &&
	     (!get_int(j, "signal", 1, &sig) || sig > 127)) ||
	    !get_int(j, "events", 0, &events) ||
	    !get_bool(j, "write_error", &r->write_error) ||
	    !get_int(j, "events_dropped", 0, &dropped) ||
	    !get_str(j, "chain_head", r->chain_head, sizeof(r->chain_head),
		     true) ||
	    !get_str(j, "merkle_root", r->merkle_root, sizeof(r->merkle_root),
		     true) ||
	    !is_type(j, "command", NONO_JSON_ARRAY) ||
	    !is_type(j, "tracked_paths", NONO_JSON_ARRAY) ||
	    !str_or_null_at(x, "path") || !str_or_null_at(j, "cwd") ||
	    !str_or_null_at(j, "profile") ||
	    /* What only an end made at once has: not settled later. */
	    !is_null(j, "fs_integrity") || !is_null(j, "attestation") ||
	    !is_null(j, "ledger"))
		goto out;
	r->sup_pid = (pid_t)pid;
	r->sup_start = (unsigned long long)start;
	r->exit_code = (int)code;
	r->signo = (int)sig;
	r->events = (uint64_t)events;
	r->dropped = (uint64_t)dropped;
	r->command = raw_value(text, len, nono_json_get(j, "command"),
			       NONO_JSON_ARRAY, &ret);
	if (!r->command)
		goto out;
	r->tracked = raw_value(text, len, nono_json_get(j, "tracked_paths"),
			       NONO_JSON_ARRAY, &ret);
	if (!r->tracked)
		goto out;
	if (red->type == NONO_JSON_OBJECT &&
	    !(r->redaction = raw_value(text, len, red, NONO_JSON_OBJECT, &ret)))
		goto out;
	ret = -ENOMEM;
	if (!get_dup(x, "path", &r->exe) || !get_dup(j, "cwd", &r->cwd) ||
	    !get_dup(j, "profile", &r->profile))
		goto out;
	r->ended_only = true;
	ret = 0;
out:
	if (ret < 0)
		nono_audit_rec_clear(r);
	return ret;
}

/* @name in @dirfd replaced by @len bytes, through a temporary file,
 * fsync'd when @sync (file and directory). */
/* The temporary name of @name's next version (@tmp: 64 bytes). */
static void tmp_name(const char *name, char *tmp)
{
	snprintf(tmp, 64, ".%s.%d.tmp", name, (int)getpid());
}

/* Writes @len bytes to @name's temporary file in @dirfd (fsync'd when
 * @sync), not yet in place.  0 or -errno (the file is then removed). */
static int stage(int dirfd, const char *name, const char *text, size_t len,
		 bool sync)
{
	char tmp[64];
	int fd, r = 0;

	tmp_name(name, tmp);
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t w = write(fd, text, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		text += w;
		len -= (size_t)w;
	}
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

/* Puts @name's staged version in place (the directory fsync'd when
 * @sync).  0 or -errno. */
static int commit(int dirfd, const char *name, bool sync)
{
	char tmp[64];

	tmp_name(name, tmp);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = -errno;

		unlinkat(dirfd, tmp, 0);
		return e;
	}
	if (sync) {
		int d = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (d >= 0) {
			fsync(d);
			close(d);
		}
	}
	return 0;
}

/* @name in @dirfd replaced by @len bytes, through a temporary file,
 * fsync'd when @sync (file and directory). */
static int replace(int dirfd, const char *name, const char *text, size_t len,
		   bool sync)
{
	int r = stage(dirfd, name, text, len, sync);

	return r < 0 ? r : commit(dirfd, name, sync);
}

int nono_audit_rec_save(int dirfd, const struct nono_audit_rec *r, bool sync)
{
	struct nono_ev e;
	int ret = rec_text(r, &e);

	if (ret == 0)
		ret = replace(dirfd, NONO_AUDIT_RECORD, e.buf, e.len, sync);
	nono_ev_free(&e);
	return ret;
}

/*
 * The ledger's state after its last entry (ledger.state): its length in
 * bytes, its entry count, chain head and compact Merkle range, so that an
 * append costs O(log n), not a read of the whole ledger.  A cache: used
 * only when its length is the ledger's, rebuilt from the ledger otherwise
 * (and what it claims is checked by nono audit verify against the ledger
 * itself, through the root each record keeps).
 */
#define LEDGER_STATE "ledger.state"

struct lstate {
	unsigned long long bytes;
	nono_hash head;
	struct nono_merkle tree;
};

static int state_load(int rootfd, unsigned long long bytes, struct lstate *st)
{
	char *text = NULL, *p, *end;
	size_t len = 0;
	unsigned long long b = 0, n = 0;
	int r = -1;

	if (nono_audit_read_file(rootfd, LEDGER_STATE, 64 * 1024, &text, &len) <
	    0)
		return -1;
	memset(st, 0, sizeof(*st));
	p = text;
	end = text + len;
	if (sscanf(p, "nono-ledger-state 1 %llu %llu", &b, &n) != 2 ||
	    b != bytes || n == 0 || !(p = memchr(p, '\n', (size_t)(end - p))))
		goto out;
	p++;
	if (end - p < 65 || nono_unhex(p, 32, st->head.b) < 0 || p[64] != '\n')
		goto out;
	p += 65;
	st->tree.size = n;
	for (unsigned long long k = n; k; k &= k - 1) {
		if (end - p < 65 || st->tree.depth >= 64 ||
		    nono_unhex(p, 32, st->tree.stack[st->tree.depth].b) < 0 ||
		    p[64] != '\n')
			goto out;
		st->tree.depth++;
		p += 65;
	}
	st->bytes = b;
	r = p == end ? 0 : -1;
out:
	free(text);
	return r;
}

static void state_save(int rootfd, const struct lstate *st)
{
	struct nono_ev e = {0};
	char b[96], hex[NONO_SHA256_HEX];
	int dfd;

	nono_ev_put(
	    &e, b,
	    (size_t)snprintf(b, sizeof(b), "nono-ledger-state 1 %llu %llu\n",
			     st->bytes, (unsigned long long)st->tree.size));
	nono_hex(st->head.b, NONO_SHA256_LEN, hex);
	nono_ev_put(&e, hex, 64);
	nono_ev_put(&e, "\n", 1);
	for (unsigned i = 0; i < st->tree.depth; i++) {
		nono_hex(st->tree.stack[i].b, NONO_SHA256_LEN, hex);
		nono_ev_put(&e, hex, 64);
		nono_ev_put(&e, "\n", 1);
	}
	dfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!e.oom && dfd >= 0)
		replace(dfd, LEDGER_STATE, e.buf, e.len, false);
	if (dfd >= 0)
		close(dfd);
	nono_ev_free(&e);
}

/* The state from the ledger itself (no usable ledger.state).  0, or
 * -EBADMSG with @r's ledger_error set (a damaged ledger), or -errno. */
static int state_rebuild(int rootfd, struct nono_audit_rec *r,
			 struct lstate *st)
{
	struct nono_audit_check c;
	nono_hash anchor;
	char *text = NULL, why[96];
	size_t len = 0;
	int ret;

	memset(st, 0, sizeof(*st));
	nono_merkle_init(&st->tree);
	ret = nono_audit_read_file(rootfd, NONO_AUDIT_LEDGER, (size_t)1 << 30,
				   &text, &len);
	if (ret == -ENOENT) {
		nono_audit_ledger_anchor(&st->head);
		return 0;
	}
	if (ret < 0)
		return ret;
	nono_audit_ledger_anchor(&anchor);
	ret = nono_audit_check_log(text, len, &anchor, true, &c);
	if (ret == 0 && c.ok && c.partial_tail) {
		/* Only an append cut short (a kill, a full disk) leaves a
		 * partial last line: cut it off, holding the lock. */
		const char *nl = len ? memrchr(text, '\n', len) : NULL;
		size_t keep = nl ? (size_t)(nl - text) + 1 : 0;
		int fd = openat(rootfd, NONO_AUDIT_LEDGER,
				O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0 && ftruncate(fd, (off_t)keep) == 0) {
			c.partial_tail = false;
			len = keep;
		}
		if (fd >= 0)
			close(fd);
	}
	free(text);
	if (ret < 0)
		return ret;
	snprintf(why, sizeof(why), "%.90s", c.why);
	if (!c.ok || c.partial_tail || (c.lines && !c.chained)) {
		snprintf(r->ledger_error, sizeof(r->ledger_error),
			 "the ledger is damaged at line %llu (%s): this "
			 "session was not added; see nono audit verify",
			 (unsigned long long)(c.partial_tail && c.ok
						  ? c.lines + 1
						  : c.bad_line),
			 c.partial_tail && c.ok ? "a partial line" : why);
		free(c.leaves);
		return -EBADMSG;
	}
	for (uint64_t i = 0; i < c.lines; i++)
		nono_merkle_push(&st->tree, &c.leaves[i]);
	free(c.leaves);
	st->head = c.head;
	st->bytes = len;
	return 0;
}

/*
 * Appends the ledger entry of @r (whose final record is @rec_text), under
 * the ledger's lock: the current ledger is read and checked, its root
 * before this entry goes in the record first.
 */
static int ledger_append(int dirfd, struct nono_audit_rec *r, int held,
			 int logfd)
{
	char root[PATH_MAX];
	int rootfd = -1, lock = -1, lfd = -1, ret;
	struct nono_ev rec = {0}, ev = {0}, line = {0};
	nono_hash leaf, head, before;
	struct lstate st;
	struct stat lst2;
	bool staged = false;
	uint8_t d[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX];

	ret = nono_audit_dir(root, sizeof(root));
	if (ret < 0)
		return ret;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	/* The caller may hold the lock already. */
	if (held < 0) {
		lock = nono_audit_ledger_lock(rootfd, LOCK_EX);
		if (lock < 0) {
			ret = lock;
			goto out;
		}
	}
	{
		struct stat lst;
		unsigned long long bytes = 0;

		if (fstatat(rootfd, NONO_AUDIT_LEDGER, &lst,
			    AT_SYMLINK_NOFOLLOW) == 0)
			bytes = (unsigned long long)lst.st_size;
		if (bytes == 0 || state_load(rootfd, bytes, &st) < 0) {
			ret = state_rebuild(rootfd, r, &st);
			if (ret < 0)
				goto out;
		}
	}
	nono_merkle_root(&st.tree, &before);
	head = st.head;
	r->ledger_index = (long long)st.tree.size;
	nono_hex(before.b, NONO_SHA256_LEN, r->ledger_root_before);
	/* The signed statement binds the ledger position: made under the
	 * lock, before the record that names its digest. */
	if (r->signer) {
		char *bundle = NULL;
		size_t blen = 0;

		if (nono_audit_sign(r->signer, r, &bundle, &blen, r->att_error,
				    sizeof(r->att_error)) == 0) {
			int br = replace(dirfd, NONO_AUDIT_BUNDLE, bundle, blen,
					 true);

			if (br < 0)
				snprintf(r->att_error, sizeof(r->att_error),
					 "%s could not be written: %s",
					 NONO_AUDIT_BUNDLE, strerror(-br));
			else {
				nono_sha256(bundle, blen, d);
				nono_hex(d, sizeof(d), r->att_bundle_sha256);
			}
		}
		free(bundle);
	}
	/* The final record first, synced: its digest is what the ledger
	 * keeps. */
	/* Staged, not yet in place: the ledger entry is the commit point,
	 * then the record takes its place.  A kill in between leaves a
	 * running record, the entry, and the staged record whose digest the
	 * entry holds (nono audit verify says so, not "tampered"). */
	ret = rec_text(r, &rec);
	if (ret == 0)
		ret = stage(dirfd, NONO_AUDIT_RECORD, rec.buf, rec.len, true);
	if (ret < 0)
		goto out;
	staged = true;
	/* The events on disk before the entry that says they are done. */
	if (logfd >= 0 && fdatasync(logfd) < 0) {
		ret = -errno;
		snprintf(r->ledger_error, sizeof(r->ledger_error),
			 "the log could not be made durable: %s; the session "
			 "is not in the ledger",
			 strerror(-ret));
		goto out;
	}
	nono_sha256(rec.buf, rec.len, d);
	nono_hex(d, sizeof(d), hex);
	nono_ev_begin(&ev, "session");
	nono_ev_str(&ev, "id", r->id);
	nono_ev_str(&ev, "started", r->started);
	nono_ev_str(&ev, "ended", r->ended);
	nono_ev_int(&ev, "events", (long long)r->events);
	str_or_null(&ev, "chain_head", r->chain_head);
	str_or_null(&ev, "merkle_root", r->merkle_root);
	nono_ev_str(&ev, "session_sha256", hex);
	if (nono_ev_end(&ev) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	nono_merkle_leaf(ev.buf, ev.len, &leaf);
	nono_audit_line(&line, st.tree.size + 1, &head, &leaf, ev.buf, ev.len);
	if (line.oom) {
		ret = -ENOMEM;
		goto out;
	}
	lfd = openat(rootfd, NONO_AUDIT_LEDGER,
		     O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
			 O_NONBLOCK,
		     0600);
	if (lfd < 0)
		ret = -errno;
	else if (fstat(lfd, &lst2) < 0 || !S_ISREG(lst2.st_mode))
		ret = -EINVAL; /* a FIFO put there would block the lock */
	else if (write(lfd, line.buf, line.len) != (ssize_t)line.len)
		ret = -EIO;
	else if (fdatasync(lfd) < 0)
		ret = -errno;
	if (ret == 0) {
		nono_merkle_push(&st.tree, &leaf);
		st.head = head;
		st.bytes += line.len;
		state_save(rootfd, &st);
		/* The directory is not synced: the entry is the commit
		 * point, and a rename lost in a crash leaves the staged
		 * record, which verify takes as the record. */
		ret = commit(dirfd, NONO_AUDIT_RECORD, false);
		staged = false;
	} else if (lfd >= 0 && ftruncate(lfd, (off_t)st.bytes) < 0) {
		/* a torn line stays: the next append repairs it */
	}
out:
	if (staged) {
		char tmp[64];

		tmp_name(NONO_AUDIT_RECORD, tmp);
		unlinkat(dirfd, tmp, 0);
	}
	if (ret < 0 && ret != -EBADMSG && !r->ledger_error[0])
		snprintf(r->ledger_error, sizeof(r->ledger_error),
			 "the ledger could not be written: %s", strerror(-ret));
	if (lfd >= 0)
		close(lfd);
	if (lock >= 0)
		close(lock); /* releases the lock */
	if (rootfd >= 0)
		close(rootfd);
	nono_ev_free(&rec);
	nono_ev_free(&ev);
	nono_ev_free(&line);
	return ret;
}

int nono_audit_ledger_lock(int rootfd, int how)
{
	int fd = openat(rootfd, NONO_AUDIT_LEDGER_LOCK,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	while (flock(fd, how) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		close(fd);
		return -e;
	}
	return fd;
}

int nono_audit_rec_complete(int dirfd, struct nono_audit_rec *r, int held,
			    int logfd)
{
	int ret;

	r->complete = true;
	r->ended_only = false;
	if (!r->ended[0]) /* a settled record keeps its end */
		nono_ev_time(r->ended);
	ret = ledger_append(dirfd, r, held, logfd);
	if (ret < 0) {
		/* Not in the ledger: the record says complete, with no
		 * ledger position. */
		r->ledger_index = -1;
		r->ledger_root_before[0] = '\0';
		if (nono_audit_rec_save(dirfd, r, true) < 0)
			return ret;
	}
	return ret;
}
