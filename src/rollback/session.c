// SPDX-License-Identifier: Apache-2.0
/* Rollback sessions on disk (see session.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/event.h"
#include "policy/json.h"
#include "rollback/objects.h"
#include "rollback/session.h"
#include "session/registry.h"
#include "util/fsutil.h"
#include "util/linux_calls.h"
#include "util/sha256.h"

#define RECORD "session.json"
#define RECORD_MAX (16u << 20)
#define MANIFEST_MAX ((size_t)1 << 31)

const char *nono_rb_state_name(enum nono_rb_state s)
{
	switch (s) {
	case NONO_RB_RUNNING:
		return "running";
	case NONO_RB_COMPLETE:
		return "complete";
	case NONO_RB_INCOMPLETE:
		return "incomplete";
	case NONO_RB_UNREADABLE:
		return "unreadable";
	}
	return "?";
}

int nono_rb_home(char *out, size_t len)
{
	return nono_state_dir("rollback", out, len);
}

int nono_rb_cache_path(const char *root, char *out, size_t len)
{
	char home[PATH_MAX], hex[NONO_SHA256_HEX];
	uint8_t h[NONO_SHA256_LEN];
	int r = nono_rb_home(home, sizeof(home));

	if (r < 0)
		return r;
	nono_sha256(root, strlen(root), h);
	nono_hex(h, sizeof(h), hex);
	return (size_t)snprintf(out, len, "%s/statcache/%s", home, hex) >= len
		   ? -ENAMETOOLONG
		   : 0;
}

int nono_rb_cache_drop_all(void)
{
	char home[PATH_MAX], dir[PATH_MAX + 16];
	struct dirent *de;
	DIR *d;
	int r = nono_rb_home(home, sizeof(home));

	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/statcache", home);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			r = -errno;
	closedir(d);
	return r;
}

static bool is_id(const char *s)
{
	if (strlen(s) != 16)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int sessions_dir(char *out, size_t len)
{
	char home[PATH_MAX];
	int r = nono_rb_home(home, sizeof(home));

	if (r < 0)
		return r;
	if ((size_t)snprintf(out, len, "%s/sessions", home) >= len)
		return -ENAMETOOLONG;
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void now_iso(char out[32])
{
	nono_ev_time(out);
}

/* Writes @path atomically and syncs its directory. */
static int write_synced(const char *dir, const char *name, const char *text,
			size_t len)
{
	char path[PATH_MAX];
	int d, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	r = nono_write_atomic(path, text, len, NONO_WRITE_REPLACE, 0600);
	if (r < 0)
		return r;
	d = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return -errno;
	r = fsync(d) < 0 ? -errno : 0;
	close(d);
	return r;
}

int nono_rb_session_new(struct nono_rb_session *s, const char *id,
			const char *const *roots, size_t nroots,
			const struct nono_rb_scope *scope, const char *command)
{
	char sd[PATH_MAX];
	int r;

	memset(s, 0, sizeof(*s));
	nono_rb_scope_init(&s->scope);
	if (nroots == 0 || nroots > NONO_RB_MAX_ROOTS)
		return -EINVAL;
	if (id && is_id(id)) {
		snprintf(s->id, sizeof(s->id), "%s", id);
	} else {
		uint8_t rnd[8];

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		nono_hex(rnd, sizeof(rnd), s->id);
	}
	r = sessions_dir(sd, sizeof(sd));
	if (r < 0)
		return r;
	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s/%s", sd, s->id) >=
	    sizeof(s->dir))
		return -ENAMETOOLONG;
	s->roots = calloc(nroots, sizeof(*s->roots));
	s->command = strdup(command ? command : "[]");
	if (!s->roots || !s->command)
		goto oom;
	for (size_t i = 0; i < nroots; i++)
		if (!(s->roots[i] = strdup(roots[i])))
			goto oom;
	s->nroots = nroots;
	for (size_t i = 0; i < scope->nexclude; i++)
		if (nono_rb_scope_add(&s->scope, 'e', scope->exclude[i]) < 0)
			goto oom;
	for (size_t i = 0; i < scope->ninclude; i++)
		if (nono_rb_scope_add(&s->scope, 'i', scope->include[i]) < 0)
			goto oom;
	for (size_t i = 0; i < scope->nskip; i++)
		if (nono_rb_scope_add(&s->scope, 's', scope->skip[i]) < 0)
			goto oom;
	s->scope.all = scope->all;
	s->scope.max_files = scope->max_files;
	s->state = NONO_RB_RUNNING;
	s->sup_pid = getpid();
	s->sup_start = nono_proc_start(getpid());
	now_iso(s->started);
	if (mkdir(s->dir, 0700) < 0)
		return -errno;
	return 0;
oom:
	nono_rb_session_free(s);
	return -ENOMEM;
}

void nono_rb_session_free(struct nono_rb_session *s)
{
	for (size_t i = 0; s->roots && i < s->nroots; i++)
		free(s->roots[i]);
	free(s->roots);
	free(s->command);
	nono_rb_scope_free(&s->scope);
	memset(s, 0, sizeof(*s));
}

static void put(struct nono_ev *o, const char *s)
{
	nono_ev_put(o, s, strlen(s));
}

static void put_pct(struct nono_ev *o, const char *s)
{
	put(o, "\"");
	nono_rb_pct_encode(o, s, strlen(s));
	put(o, "\"");
}

static int record_text(const struct nono_rb_session *s, struct nono_ev *o)
{
	char num[160], hex[NONO_SHA256_HEX];

	put(o, "{\"version\":1,\"id\":\"");
	put(o, s->id);
	put(o, "\",\"state\":\"");
	put(o, s->state == NONO_RB_COMPLETE ? "complete" : "running");
	put(o, "\",\"started\":\"");
	put(o, s->started);
	put(o, "\",\"ended\":");
	if (s->ended[0]) {
		put(o, "\"");
		put(o, s->ended);
		put(o, "\"");
	} else {
		put(o, "null");
	}
	snprintf(num, sizeof(num),
		 ",\"exit_code\":%d,\"supervisor_pid\":%lld,"
		 "\"supervisor_start\":%llu,\"restores\":%llu,\"command\":",
		 s->exit_code, s->sup_pid, s->sup_start, s->restores);
	put(o, num);
	put(o, s->command);
	put(o, ",\"roots\":[");
	for (size_t i = 0; i < s->nroots; i++) {
		if (i)
			put(o, ",");
		put_pct(o, s->roots[i]);
	}
	put(o, "],\"scope\":");
	nono_rb_scope_json(&s->scope, o);
	put(o, ",\"snapshots\":[");
	for (size_t n = 0; n < s->nsnaps; n++) {
		if (n)
			put(o, ",");
		put(o, "{\"time\":\"");
		put(o, s->snaps[n].time);
		put(o, "\",\"merkle_roots\":[");
		for (size_t r = 0; r < s->nroots; r++) {
			if (r)
				put(o, ",");
			nono_hex(s->snaps[n].roots[r], NONO_SHA256_LEN, hex);
			put(o, "\"");
			put(o, hex);
			put(o, "\"");
		}
		put(o, "]");
		for (size_t r = 0; n == 0 && s->based && r < s->nroots; r++) {
			put(o, r ? "," : ",\"bases\":[");
			if (!(s->based & (1ULL << r))) {
				put(o, "null");
				continue;
			}
			nono_hex(s->bases[r], NONO_SHA256_LEN, hex);
			put(o, "\"");
			put(o, hex);
			put(o, "\"");
		}
		put(o, n == 0 && s->based ? "]}" : "}");
	}
	put(o, "]}\n");
	return o->oom ? -ENOMEM : 0;
}

int nono_rb_session_save(struct nono_rb_session *s)
{
	struct nono_ev o = {0};
	int r = record_text(s, &o);

	if (r == 0)
		r = write_synced(s->dir, RECORD, o.buf, o.len);
	nono_ev_free(&o);
	return r;
}

static int read_file(const char *path, size_t max, char **out, size_t *len);

/* The manifest object @hash (a base): read, checked against its name,
 * parsed. */
static int base_load(const uint8_t hash[NONO_SHA256_LEN],
		     struct nono_rb_manifest *m, char *err, size_t errlen)
{
	char home[PATH_MAX], path[PATH_MAX + 96], hex[NONO_SHA256_HEX],
	    why[160], *text = NULL;
	uint8_t got[NONO_SHA256_LEN];
	size_t len = 0, line = 0;
	int r = nono_rb_home(home, sizeof(home));

	nono_rb_manifest_init(m);
	if (r < 0) {
		snprintf(err, errlen, "~/.nono/rollback: %s", strerror(-r));
		return r;
	}
	nono_hex(hash, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", home, hex, hex + 2);
	if ((r = read_file(path, MANIFEST_MAX, &text, &len)) < 0) {
		snprintf(err, errlen, "%s (a manifest's base): %s", path,
			 strerror(-r));
		return r;
	}
	nono_sha256(text, len, got);
	if (memcmp(got, hash, NONO_SHA256_LEN) != 0) {
		free(text);
		snprintf(err, errlen,
			 "%s: a manifest's base whose content does not have "
			 "its hash (the store was changed)",
			 path);
		return -EBADMSG;
	}
	r = nono_rb_manifest_parse(text, len, m, NULL, &line, why, sizeof(why));
	free(text);
	if (r < 0)
		snprintf(err, errlen, "%s line %zu: %s", path, line, why);
	return r;
}

/* How many of the newest sessions are looked at for a base. */
#define BASE_LOOK 8

/* The base the newest session over @root used (among the BASE_LOOK
 * newest), loaded into @bm, its hash in @hash: 0 or -ENOENT. */
static int base_pick(const struct nono_rb_session *self, const char *root,
		     struct nono_rb_manifest *bm, uint8_t hash[NONO_SHA256_LEN])
{
	char **ids = NULL, err[PATH_MAX + 256];
	size_t n = 0;
	int found = -ENOENT;

	nono_rb_manifest_init(bm);
	if (nono_rb_session_ids(&ids, &n) < 0)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		struct nono_rb_session o;

		if (found == -ENOENT && i < BASE_LOOK &&
		    strcmp(ids[i], self->id) != 0) {
			if (nono_rb_session_load(ids[i], &o, err,
						 sizeof(err)) == 0)
				for (size_t r = 0; r < o.nroots; r++)
					if ((o.based & (1ULL << r)) &&
					    strcmp(o.roots[r], root) == 0) {
						memcpy(hash, o.bases[r],
						       NONO_SHA256_LEN);
						found = 0;
						break;
					}
			nono_rb_session_free(&o);
			if (found == 0 &&
			    base_load(hash, bm, err, sizeof(err)) < 0) {
				nono_rb_manifest_free(bm);
				nono_rb_manifest_init(bm);
				found = -ENOENT; /* a new base, then */
			}
		}
		free(ids[i]);
	}
	free(ids);
	return found;
}

/* The baseline of root @i as a delta (@d) against a base in @store: the
 * one the newest session over the tree used when the delta is at most a
 * quarter of the whole manifest (@full), else @full itself, stored. */
static int baseline_delta(struct nono_rb_session *s, size_t i,
			  const struct nono_rb_manifest *m,
			  const struct nono_ev *full,
			  struct nono_rb_store *store, struct nono_ev *d)
{
	struct nono_rb_manifest bm;
	uint8_t h[NONO_SHA256_LEN];
	bool added;
	int r;

	if (base_pick(s, s->roots[i], &bm, h) == 0 &&
	    bm.version == m->version &&
	    nono_rb_manifest_delta(&bm, m, d, NULL) == 0 && !d->oom &&
	    d->len <= full->len / 4) {
		nono_rb_manifest_free(&bm);
		r = 0;
	} else {
		nono_rb_manifest_free(&bm);
		nono_ev_free(d);
		memset(d, 0, sizeof(*d));
		r = nono_rb_store_put_mem(store, full->buf, full->len, h,
					  &added);
		/* The manifest against itself: its header alone. */
		if (r == 0)
			r = nono_rb_manifest_delta(m, m, d, NULL);
	}
	if (r == 0) {
		memcpy(s->bases[i], h, NONO_SHA256_LEN);
		s->based |= 1ULL << i;
	}
	return r;
}

int nono_rb_session_add_snapshot(struct nono_rb_session *s,
				 const struct nono_rb_manifest *m,
				 const struct nono_rb_manifest *base,
				 struct nono_rb_store *store)
{
	struct nono_rb_snap *sn;
	uint64_t was = s->based;
	bool later = base && s->nsnaps;
	int r = 0;

	if (s->nsnaps >= NONO_RB_MAX_SNAPS)
		return -ENOSPC;
	sn = &s->snaps[s->nsnaps];
	if (s->nsnaps == 0)
		s->based = 0;
	for (size_t i = 0; r == 0 && i < s->nroots; i++) {
		struct nono_ev t = {0}, d = {0};
		char name[64];
		bool delta = later || (store && s->nsnaps == 0);

		/* After the baseline: what changed since (a later snapshot
		 * of a tree that changed by 1% is 1% of a manifest). */
		if (later)
			r = nono_rb_manifest_delta(&base[i], &m[i], &d,
						   sn->roots[i]);
		else
			r = nono_rb_manifest_text(&m[i], &t, sn->roots[i]);
		if (r == 0 && delta && !later)
			r = baseline_delta(s, i, &m[i], &t, store, &d);
		snprintf(name, sizeof(name), "snap-%zu-%zu.%s", s->nsnaps, i,
			 delta ? "delta" : "manifest");
		if (r == 0 && (t.oom || d.oom))
			r = -ENOMEM;
		/* The free-space rule of objects, for manifests too (the
		 * session is in the store's filesystem). */
		if (r == 0 && store)
			r = nono_rb_store_room(
			    store, (long long)(delta ? d.len : t.len));
		if (r == 0)
			r = write_synced(s->dir, name, delta ? d.buf : t.buf,
					 delta ? d.len : t.len);
		nono_ev_free(&t);
		nono_ev_free(&d);
	}
	/* The bases durable before the record names them. */
	if (r == 0 && store && s->nsnaps == 0)
		r = nono_rb_store_sync(store);
	if (r < 0) {
		s->based = was;
		return r;
	}
	now_iso(sn->time);
	s->nsnaps++;
	r = nono_rb_session_save(s);
	if (r < 0) {
		s->nsnaps--;
		s->based = was;
	}
	return r;
}

static int read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *b;
	size_t off = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max) {
		close(fd);
		return -EINVAL;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, b + off, (size_t)st.st_size - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	b[off] = '\0';
	*out = b;
	*len = off;
	return 0;
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

/* Snapshot 0's "bases" (absent: whole manifests): one per root, a hash
 * or null. */
static int parse_bases(const struct nono_json *sn, struct nono_rb_session *s)
{
	const struct nono_json *b = nono_json_get(sn, "bases");

	if (!b)
		return 0;
	if (b->type != NONO_JSON_ARRAY || b->len != s->nroots)
		return -EINVAL;
	for (size_t r = 0; r < s->nroots; r++) {
		const struct nono_json *h = b->items[r];

		if (h->type == NONO_JSON_NULL)
			continue;
		if (h->type != NONO_JSON_STRING ||
		    h->len != 2 * NONO_SHA256_LEN ||
		    nono_unhex(h->str, NONO_SHA256_LEN, s->bases[r]) < 0)
			return -EINVAL;
		s->based |= 1ULL << r;
	}
	return 0;
}

static int parse_record(const struct nono_json *j, struct nono_rb_session *s)
{
	const struct nono_json *roots = nono_json_get(j, "roots"),
			       *snaps = nono_json_get(j, "snapshots"),
			       *cmd = nono_json_get(j, "command");
	const char *id = jstr(j, "id"), *st = jstr(j, "state"),
		   *started = jstr(j, "started"), *ended = jstr(j, "ended");
	long long v = 0, pid = 0, start = 0;
	struct nono_ev c = {0};

	if (j->type != NONO_JSON_OBJECT || !jint(j, "version", &v) || v != 1 ||
	    !id || strcmp(id, s->id) != 0 || !st || !started || !roots ||
	    roots->type != NONO_JSON_ARRAY || roots->len == 0 ||
	    roots->len > NONO_RB_MAX_ROOTS || !snaps ||
	    snaps->type != NONO_JSON_ARRAY || snaps->len > NONO_RB_MAX_SNAPS ||
	    !cmd || cmd->type != NONO_JSON_ARRAY)
		return -EINVAL;
	snprintf(s->started, sizeof(s->started), "%s", started);
	snprintf(s->ended, sizeof(s->ended), "%s", ended ? ended : "");
	if (jint(j, "exit_code", &v))
		s->exit_code = (int)v;
	if (jint(j, "restores", &v) && v >= 0)
		s->restores = (unsigned long long)v;
	jint(j, "supervisor_pid", &pid);
	jint(j, "supervisor_start", &start);
	s->sup_pid = pid;
	s->sup_start = (unsigned long long)start;
	if (strcmp(st, "complete") == 0)
		s->state = NONO_RB_COMPLETE;
	else if (strcmp(st, "running") == 0)
		s->state = pid > 0 && start > 0 &&
				   nono_proc_alive((pid_t)pid,
						   (unsigned long long)start)
			       ? NONO_RB_RUNNING
			       : NONO_RB_INCOMPLETE;
	else
		return -EINVAL;
	/* The command, as it was recorded (strings only). */
	nono_ev_put(&c, "[", 1);
	for (size_t i = 0; i < cmd->len; i++) {
		if (cmd->items[i]->type != NONO_JSON_STRING) {
			nono_ev_free(&c);
			return -EINVAL;
		}
		if (i)
			nono_ev_put(&c, ",", 1);
		nono_ev_quote(&c, cmd->items[i]->str, cmd->items[i]->len);
	}
	nono_ev_put(&c, "]", 1);
	if (c.oom)
		return -ENOMEM;
	s->command = c.buf;
	s->roots = calloc(roots->len, sizeof(*s->roots));
	if (!s->roots)
		return -ENOMEM;
	for (size_t i = 0; i < roots->len; i++) {
		const struct nono_json *r = roots->items[i];

		if (r->type != NONO_JSON_STRING ||
		    nono_rb_pct_decode(r->str, r->len, &s->roots[i], NULL) <
			0 ||
		    s->roots[i][0] != '/')
			return -EINVAL;
		s->nroots = i + 1;
	}
	if (nono_rb_scope_from_json(nono_json_get(j, "scope"), &s->scope) < 0)
		return -EINVAL;
	for (size_t n = 0; n < snaps->len; n++) {
		const struct nono_json *sn = snaps->items[n], *mr;
		const char *t =
		    sn->type == NONO_JSON_OBJECT ? jstr(sn, "time") : NULL;

		mr = t ? nono_json_get(sn, "merkle_roots") : NULL;
		if (!mr || mr->type != NONO_JSON_ARRAY || mr->len != s->nroots)
			return -EINVAL;
		snprintf(s->snaps[n].time, sizeof(s->snaps[n].time), "%s", t);
		for (size_t r = 0; r < s->nroots; r++) {
			const struct nono_json *h = mr->items[r];

			if (h->type != NONO_JSON_STRING ||
			    h->len != 2 * NONO_SHA256_LEN ||
			    nono_unhex(h->str, NONO_SHA256_LEN,
				       s->snaps[n].roots[r]) < 0)
				return -EINVAL;
		}
		if (n == 0 && parse_bases(sn, s) < 0)
			return -EINVAL;
		s->nsnaps = n + 1;
	}
	return 0;
}

int nono_rb_session_load(const char *id, struct nono_rb_session *s, char *err,
			 size_t errlen)
{
	char sd[PATH_MAX], path[PATH_MAX + 32], *text = NULL;
	struct nono_json *j = NULL;
	struct nono_json_error je;
	size_t len = 0;
	int r;

	memset(s, 0, sizeof(*s));
	nono_rb_scope_init(&s->scope);
	s->state = NONO_RB_UNREADABLE;
	if (!is_id(id)) {
		snprintf(err, errlen, "'%.40s' is not a rollback session id",
			 id);
		return -EINVAL;
	}
	snprintf(s->id, sizeof(s->id), "%s", id);
	r = sessions_dir(sd, sizeof(sd));
	if (r < 0) {
		snprintf(err, errlen, "~/.nono/rollback: %s", strerror(-r));
		return r;
	}
	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s/%s", sd, id) >=
		sizeof(s->dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/" RECORD, s->dir) >=
		sizeof(path)) {
		snprintf(err, errlen, "~/.nono/rollback: path too long");
		return -ENAMETOOLONG;
	}
	r = read_file(path, RECORD_MAX, &text, &len);
	if (r == 0 && nono_json_parse(text, len, &j, &je) < 0)
		r = -EINVAL;
	if (r == 0 && (r = parse_record(j, s)) < 0) {
		char keep[sizeof(s->dir)];

		snprintf(keep, sizeof(keep), "%s", s->dir);
		nono_rb_session_free(s);
		snprintf(s->id, sizeof(s->id), "%s", id);
		snprintf(s->dir, sizeof(s->dir), "%s", keep);
		s->state = NONO_RB_UNREADABLE;
	}
	nono_json_free(j);
	free(text);
	if (r < 0)
		snprintf(err, errlen, "rollback session %s: %s: %s", id, RECORD,
			 r == -EINVAL ? "not a valid record" : strerror(-r));
	return r;
}

int nono_rb_session_manifest(const struct nono_rb_session *s, size_t n,
			     size_t r, struct nono_rb_manifest *m, char *err,
			     size_t errlen)
{
	char path[PATH_MAX + 64], *text = NULL, why[160];
	uint8_t root[NONO_SHA256_LEN];
	size_t len = 0, line = 0;
	int ret;

	nono_rb_manifest_init(m);
	if (n >= s->nsnaps || r >= s->nroots) {
		snprintf(err, errlen, "session %s has no snapshot %zu", s->id,
			 n);
		return -ENOENT;
	}
	if (n == 0 && (s->based & (1ULL << r))) {
		/* The baseline kept as a delta against a base in the store. */
		struct nono_rb_manifest base;

		snprintf(path, sizeof(path), "%s/snap-0-%zu.delta", s->dir, r);
		ret = read_file(path, MANIFEST_MAX, &text, &len);
		if (ret < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
		if ((ret = base_load(s->bases[r], &base, err, errlen)) < 0) {
			nono_rb_manifest_free(&base);
			free(text);
			return ret;
		}
		ret = nono_rb_manifest_apply(&base, text, len, m, root, &line,
					     why, sizeof(why));
		nono_rb_manifest_free(&base);
		free(text);
		if (ret < 0) {
			snprintf(err, errlen, "%s line %zu: %s", path, line,
				 why);
			return ret;
		}
		goto check;
	}
	snprintf(path, sizeof(path), "%s/snap-%zu-%zu.manifest", s->dir, n, r);
	ret = read_file(path, MANIFEST_MAX, &text, &len);
	if (ret == -ENOENT && n > 0) {
		/* A later snapshot kept as a delta against the baseline. */
		struct nono_rb_manifest base;

		snprintf(path, sizeof(path), "%s/snap-%zu-%zu.delta", s->dir, n,
			 r);
		ret = read_file(path, MANIFEST_MAX, &text, &len);
		if (ret == 0 && (ret = nono_rb_session_manifest(
				     s, 0, r, &base, err, errlen)) < 0) {
			free(text);
			return ret;
		}
		if (ret == 0) {
			ret = nono_rb_manifest_apply(&base, text, len, m, root,
						     &line, why, sizeof(why));
			nono_rb_manifest_free(&base);
			free(text);
			text = NULL;
			if (ret < 0) {
				snprintf(err, errlen, "%s line %zu: %s", path,
					 line, why);
				return ret;
			}
			goto check;
		}
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret =
	    nono_rb_manifest_parse(text, len, m, root, &line, why, sizeof(why));
	free(text);
	if (ret < 0) {
		snprintf(err, errlen, "%s line %zu: %s", path, line, why);
		return ret;
	}
check:
	if (memcmp(root, s->snaps[n].roots[r], NONO_SHA256_LEN) != 0 ||
	    strcmp(m->root, s->roots[r]) != 0) {
		nono_rb_manifest_free(m);
		snprintf(err, errlen,
			 "%s: its Merkle root or tree is not the one the "
			 "session recorded (the manifest was changed)",
			 path);
		return -EBADMSG;
	}
	return 0;
}

/* A session directory and when it was made (ids are random). */
struct dated {
	char *path;
	long long ns;
};

/* When @path was made: its birth time where the filesystem keeps one,
 * else its mtime (nanoseconds; 0 if neither). */
static long long made_ns(const char *path)
{
	struct statx sx;
	struct stat st;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW,
		  STATX_BTIME | STATX_MTIME, &sx) == 0) {
		if (sx.stx_mask & STATX_BTIME)
			return sx.stx_btime.tv_sec * 1000000000LL +
			       sx.stx_btime.tv_nsec;
		if (sx.stx_mask & STATX_MTIME)
			return sx.stx_mtime.tv_sec * 1000000000LL +
			       sx.stx_mtime.tv_nsec;
	}
	if (lstat(path, &st) == 0)
		return st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	return 0;
}

static int newest_first(const void *a, const void *b)
{
	const struct dated *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

int nono_rb_session_ids(char ***ids, size_t *n)
{
	char sd[PATH_MAX];
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = sessions_dir(sd, sizeof(sd));

	*ids = NULL;
	*n = 0;
	if (r < 0)
		return r;
	d = opendir(sd);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (!is_id(de->d_name))
			continue;
		if (cnt == cap) {
			char **nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		if (asprintf(&p, "%s/%s", sd, de->d_name) < 0)
			break;
		v[cnt++] = p;
	}
	closedir(d);
	if (cnt) {
		struct dated *dv = malloc(cnt * sizeof(*dv));

		if (!dv) {
			for (size_t i = 0; i < cnt; i++)
				free(v[i]);
			free(v);
			return -ENOMEM;
		}
		for (size_t i = 0; i < cnt; i++)
			dv[i] = (struct dated){v[i], made_ns(v[i])};
		qsort(dv, cnt, sizeof(*dv), newest_first);
		for (size_t i = 0; i < cnt; i++)
			v[i] = dv[i].path;
		free(dv);
	}
	for (size_t i = 0; i < cnt; i++)
		memmove(v[i], strrchr(v[i], '/') + 1, 17);
	*ids = v;
	*n = cnt;
	return 0;
}

int nono_rb_session_find(const char *key, char id[17], char *err, size_t errlen)
{
	size_t n = 0, hits = 0, kl = strlen(key);
	char **ids;
	int r;

	if (kl == 0 || kl > 16) {
		snprintf(err, errlen,
			 "'%.40s' is not a rollback session id (16 hex "
			 "digits or a unique prefix; see nono rollback list)",
			 key);
		return -ENOENT;
	}
	r = nono_rb_session_ids(&ids, &n);
	if (r < 0) {
		snprintf(err, errlen, "~/.nono/rollback: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		if (strncmp(ids[i], key, kl) == 0) {
			if (!hits++)
				snprintf(id, 17, "%s", ids[i]);
		}
		free(ids[i]);
	}
	free(ids);
	if (hits == 1)
		return 0;
	if (hits)
		snprintf(err, errlen,
			 "'%s' names %zu rollback sessions: give more digits",
			 key, hits);
	else
		snprintf(err, errlen,
			 "no rollback session '%s' (see nono rollback list)",
			 key);
	return hits ? -EEXIST : -ENOENT;
}

int nono_rb_session_remove(const char *id)
{
	char sd[PATH_MAX], dir[PATH_MAX + 32];
	struct dirent *de;
	DIR *d;
	int r = sessions_dir(sd, sizeof(sd)), dfd;

	if (r < 0)
		return r;
	if (!is_id(id))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%s/%s", sd, id);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0 && r == 0)
			r = -errno;
	closedir(d);
	if (r == 0 && rmdir(dir) < 0)
		r = -errno;
	return r;
}
