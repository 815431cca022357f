// SPDX-License-Identifier: Apache-2.0
/*
 * The session registry (see registry.h).  Records are nono's own JSON,
 * written with the one string writer and read back with the profile's
 * bounded reader: a record is checked like any other input, since a
 * damaged file must give a message, not a crash.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy/json.h"
#include "session/registry.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/jsonout.h"

#define RECORD_MAX (256 * 1024)

static const char *const state_names[] = {
    [NONO_SESSION_STARTING] = "starting", [NONO_SESSION_RUNNING] = "running",
    [NONO_SESSION_EXITED] = "exited",     [NONO_SESSION_FAILED] = "failed",
    [NONO_SESSION_DEAD] = "dead",
};

const char *nono_session_state_name(enum nono_session_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0])
		   ? state_names[s]
		   : "?";
}

/* The state letter and start time (clock ticks since boot) of @pid, from
 * one read of /proc/PID/stat; false when it is gone. */
static bool proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024];
	nono_autoclose int fd = -1;
	ssize_t n;
	char *p;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* pid (comm) state ppid ...: comm may hold spaces and parentheses;
	 * starttime is the 20th field after the state. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return false;
	*state = p[2];
	p += 2;
	for (int field = 0; field < 19 && p; field++)
		p = strchr(p + 1, ' ');
	return p && sscanf(p, " %llu", start) == 1;
}

unsigned long long nono_proc_start(pid_t pid)
{
	unsigned long long start = 0;
	char state;

	return proc_stat(pid, &state, &start) ? start : 0;
}

bool nono_proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now = 0;
	char state = 0;

	/* A zombie has no more to say: gone for our purposes. */
	return start && proc_stat(pid, &state, &now) && now == start &&
	       state != 'Z' && state != 'X';
}

int nono_sessions_dir(char *out, size_t len)
{
	return nono_state_dir("sessions", out, len);
}

const char *nono_sessions_strerror(int r)
{
	if (r == -EPERM)
		return "~/.nono/sessions is not private to you (another user "
		       "owns it, or others may write it): use your own HOME";
	if (r == -ENOTDIR)
		return "~/.nono/sessions is not a directory (a link?)";
	return strerror(-r);
}

/* --- records ------------------------------------------------------------ */

void nono_session_rec_json(FILE *f, const struct nono_session_rec *r)
{
	fprintf(f, "{\"version\":1,\"id\":");
	nono_json_str(f, r->id);
	fprintf(f, ",\"name\":");
	nono_json_str(f, r->name);
	fprintf(f,
		",\"supervisor_pid\":%d,\"supervisor_start\":%llu,"
		"\"child_pid\":%d,\"child_start\":%llu,\"started\":%lld,"
		"\"ended\":%lld,\"status\":\"%s\",\"detached\":%s,"
		"\"attached\":%s,\"observers\":%u,\"exit_code\":%d,"
		"\"signal\":%d,\"command\":%s,\"profile\":",
		(int)r->sup_pid, r->sup_start, (int)r->child_pid,
		r->child_start, r->started, r->ended,
		nono_session_state_name(r->state),
		r->detached ? "true" : "false", r->attached ? "true" : "false",
		r->observers, r->exit_code, r->signo,
		r->command ? r->command : "[]");
	nono_json_str(f, r->profile);
	fprintf(f, ",\"workdir\":");
	nono_json_str(f, r->workdir);
	fprintf(f, ",\"network\":");
	nono_json_str(f, r->network);
	fprintf(f, ",\"waiting\":");
	nono_json_str(f, r->waiting);
	fprintf(f, "}");
}

int nono_session_save(int dirfd, const struct nono_session_rec *rec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return -ENOMEM;
	nono_session_rec_json(f, rec);
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	/* Renamed into place, no fsync: a kill -9 leaves the old record or
	 * the new one; this is not the audit trail. */
	r = nono_replace_at(dirfd, NONO_SESSION_RECORD, text, len, 0600);
	free(text);
	return r;
}

static int get_str(const struct nono_json *o, const char *key, char *out,
		   size_t cap)
{
	const struct nono_json *v = nono_json_get(o, key);

	if (!v || v->type != NONO_JSON_STRING || v->len >= cap)
		return -EINVAL;
	memcpy(out, v->str, v->len + 1);
	return 0;
}

static int get_int(const struct nono_json *o, const char *key, long long min,
		   long long max, long long *out)
{
	const struct nono_json *v = nono_json_get(o, key);

	if (!v || v->type != NONO_JSON_NUMBER || !v->is_int ||
	    v->integer < min || v->integer > max)
		return -EINVAL;
	*out = v->integer;
	return 0;
}

static int get_bool(const struct nono_json *o, const char *key, bool *out)
{
	const struct nono_json *v = nono_json_get(o, key);

	if (!v || v->type != NONO_JSON_BOOL)
		return -EINVAL;
	*out = v->b;
	return 0;
}

/* The command array back as JSON text (its strings re-escaped). */
static char *command_text(const struct nono_json *a)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!a || a->type != NONO_JSON_ARRAY)
		return NULL;
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	fputc('[', f);
	for (size_t i = 0; i < a->len; i++) {
		if (a->items[i]->type != NONO_JSON_STRING) {
			fclose(f);
			free(text);
			return NULL;
		}
		if (i)
			fputc(',', f);
		nono_json_str(f, a->items[i]->str);
	}
	fputc(']', f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static bool valid_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == NONO_SESSION_ID_LEN;
}

static int parse_record(const char *text, size_t len,
			struct nono_session_rec *r)
{
	struct nono_json *root = NULL;
	struct nono_json_error je;
	char state[16];
	long long v[8];
	int e = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (nono_json_parse(text, len, &root, &je) < 0)
		return -EINVAL;
	if (root->type != NONO_JSON_OBJECT ||
	    get_str(root, "id", r->id, sizeof(r->id)) < 0 || !valid_id(r->id) ||
	    get_str(root, "name", r->name, sizeof(r->name)) < 0 ||
	    get_int(root, "supervisor_pid", 0, 1 << 30, &v[0]) < 0 ||
	    get_int(root, "supervisor_start", 0, 1LL << 62, &v[1]) < 0 ||
	    get_int(root, "child_pid", 0, 1 << 30, &v[2]) < 0 ||
	    get_int(root, "child_start", 0, 1LL << 62, &v[3]) < 0 ||
	    get_int(root, "started", 0, 1LL << 40, &r->started) < 0 ||
	    get_int(root, "ended", 0, 1LL << 40, &r->ended) < 0 ||
	    get_str(root, "status", state, sizeof(state)) < 0 ||
	    get_bool(root, "detached", &r->detached) < 0 ||
	    get_bool(root, "attached", &r->attached) < 0 ||
	    get_int(root, "observers", 0, 1 << 20, &v[4]) < 0 ||
	    get_int(root, "exit_code", 0, 255, &v[5]) < 0 ||
	    get_int(root, "signal", 0, 64, &v[6]) < 0 ||
	    get_str(root, "profile", r->profile, sizeof(r->profile)) < 0 ||
	    get_str(root, "workdir", r->workdir, sizeof(r->workdir)) < 0 ||
	    get_str(root, "network", r->network, sizeof(r->network)) < 0 ||
	    get_str(root, "waiting", r->waiting, sizeof(r->waiting)) < 0)
		goto out;
	r->command = command_text(nono_json_get(root, "command"));
	if (!r->command)
		goto out;
	r->sup_pid = (pid_t)v[0];
	r->sup_start = (unsigned long long)v[1];
	r->child_pid = (pid_t)v[2];
	r->child_start = (unsigned long long)v[3];
	r->observers = (unsigned)v[4];
	r->exit_code = (int)v[5];
	r->signo = (int)v[6];
	e = -EINVAL;
	for (int s = NONO_SESSION_STARTING; s < NONO_SESSION_DEAD; s++)
		if (strcmp(state, state_names[s]) == 0) {
			r->state = (enum nono_session_state)s;
			e = 0;
		}
out:
	nono_json_free(root);
	if (e < 0)
		nono_session_rec_clear(r);
	return e;
}

int nono_session_load(int dirfd, struct nono_session_rec *rec)
{
	nono_autoclose int fd = -1;
	char *buf;
	size_t len = 0;
	int r;

	fd = openat(dirfd, NONO_SESSION_RECORD,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	buf = malloc(RECORD_MAX);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + len, RECORD_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == RECORD_MAX) {
			free(buf);
			return -EFBIG;
		}
	}
	r = parse_record(buf, len, rec);
	free(buf);
	if (r == 0 &&
	    (rec->state == NONO_SESSION_STARTING ||
	     rec->state == NONO_SESSION_RUNNING) &&
	    !nono_proc_alive(rec->sup_pid, rec->sup_start)) {
		rec->state = NONO_SESSION_DEAD;
		rec->attached = false;
		rec->observers = 0;
	}
	return r;
}

void nono_session_rec_clear(struct nono_session_rec *rec)
{
	free(rec->command);
	rec->command = NULL;
}

/* --- listing and lookup ------------------------------------------------- */

static int by_newest(const void *a, const void *b)
{
	const struct nono_session_rec *x = a, *y = b;

	if (x->started != y->started)
		return x->started < y->started ? 1 : -1;
	return strcmp(x->id, y->id);
}

int nono_session_list(struct nono_session_rec **out, size_t *n)
{
	char dir[PATH_MAX];
	struct nono_session_rec *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r;

	*out = NULL;
	*n = 0;
	r = nono_sessions_dir(dir, sizeof(dir));
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		struct nono_session_rec rec;
		int fd;

		if (!valid_id(de->d_name))
			continue;
		fd = openat(dirfd(d), de->d_name,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = nono_session_load(fd, &rec);
		close(fd);
		/* A directory without a readable record (a start that was
		 * killed before writing it) is not listed; prune takes it. */
		if (r < 0 || strcmp(rec.id, de->d_name) != 0) {
			if (r == 0)
				nono_session_rec_clear(&rec);
			continue;
		}
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct nono_session_rec *nv =
			    realloc(v, nc * sizeof(*v));

			if (!nv) {
				nono_session_rec_clear(&rec);
				closedir(d);
				nono_session_list_free(v, cnt);
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		v[cnt++] = rec;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), by_newest);
	*out = v;
	*n = cnt;
	return 0;
}

void nono_session_list_free(struct nono_session_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nono_session_rec_clear(&v[i]);
	free(v);
}

static bool live(const struct nono_session_rec *r)
{
	return r->state == NONO_SESSION_STARTING ||
	       r->state == NONO_SESSION_RUNNING;
}

static int open_session(const char *id, int *dirfd)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int r = nono_sessions_dir(dir, sizeof(dir));

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	*dirfd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return *dirfd < 0 ? -errno : 0;
}

int nono_session_find(const char *key, struct nono_session_rec *rec, int *dirfd,
		      char *err, size_t errlen)
{
	struct nono_session_rec *v;
	size_t n, hit = (size_t)-1, nhits = 0, used = 0;
	int r;

	memset(rec, 0, sizeof(*rec));
	if (!key || !*key) {
		snprintf(err, errlen, "no session named");
		return -ENOENT;
	}
	r = nono_session_list(&v, &n);
	if (r < 0) {
		snprintf(err, errlen, "cannot read the sessions: %s",
			 nono_sessions_strerror(r));
		return r;
	}
	/* An exact id, then an exact name (a live session's first: names
	 * are unique among those), then prefixes. */
	for (size_t i = 0; i < n && hit == (size_t)-1; i++)
		if (strcmp(v[i].id, key) == 0)
			hit = i;
	for (int pass = 0; pass < 2 && hit == (size_t)-1; pass++)
		for (size_t i = 0; i < n && hit == (size_t)-1; i++)
			if (strcmp(v[i].name, key) == 0 &&
			    (pass == 1 || live(&v[i])))
				hit = i;
	if (hit == (size_t)-1) {
		size_t klen = strlen(key);

		for (size_t i = 0; i < n; i++)
			if (strncmp(v[i].id, key, klen) == 0 ||
			    strncmp(v[i].name, key, klen) == 0) {
				hit = i;
				nhits++;
			}
		if (nhits > 1) {
			used = (size_t)snprintf(
			    err, errlen, "'%s' is ambiguous: it matches", key);
			for (size_t i = 0; i < n && used < errlen; i++)
				if (strncmp(v[i].id, key, klen) == 0 ||
				    strncmp(v[i].name, key, klen) == 0)
					used += (size_t)snprintf(
					    err + used, errlen - used,
					    " %s (%s)", v[i].name, v[i].id);
			nono_session_list_free(v, n);
			return -EEXIST;
		}
	}
	if (hit == (size_t)-1) {
		snprintf(err, errlen,
			 "no session '%s' (nono ps --all lists them)", key);
		nono_session_list_free(v, n);
		return -ENOENT;
	}
	*rec = v[hit];
	v[hit].command = NULL;
	nono_session_list_free(v, n);
	if (dirfd) {
		r = open_session(rec->id, dirfd);
		if (r < 0) {
			snprintf(err, errlen, "session %s: %s", rec->id,
				 strerror(-r));
			nono_session_rec_clear(rec);
			return r;
		}
	}
	return 0;
}

/* --- creation ----------------------------------------------------------- */

static const char *const adjectives[] = {
    "amber", "brisk", "calm",  "dusky", "eager",  "fleet",  "gentle", "hazel",
    "ivory", "jolly", "keen",  "lucid", "mellow", "nimble", "olive",  "proud",
    "quiet", "rapid", "sunny", "tidy",  "umber",  "vivid",  "witty",  "zesty",
};
static const char *const nouns[] = {
    "badger",  "cedar",  "dune",    "ember",  "falcon", "grove",
    "heron",   "iris",   "juniper", "kite",   "lark",   "maple",
    "newt",    "otter",  "pine",    "quartz", "raven",  "sparrow",
    "thistle", "willow", "yarrow",  "zephyr",
};

static bool name_taken(const struct nono_session_rec *v, size_t n,
		       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (live(&v[i]) && strcmp(v[i].name, name) == 0)
			return true;
	return false;
}

static int check_name(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (len == 0 || len > NONO_SESSION_NAME_MAX) {
		snprintf(err, errlen, "--name: 1 to %d characters",
			 NONO_SESSION_NAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.')) {
			snprintf(err, errlen,
				 "--name: letters, digits, '-', '_' and '.' "
				 "only");
			return -EINVAL;
		}
	}
	return 0;
}

int nono_session_create(struct nono_session_rec *rec, const char *name,
			int *dirfd, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], lock[PATH_MAX + 16];
	struct nono_session_rec *v = NULL;
	nono_autoclose int lfd = -1;
	unsigned char rnd[8];
	size_t n = 0;
	int r;

	*dirfd = -1;
	if (name && *name && check_name(name, err, errlen) < 0)
		return -EINVAL;
	r = nono_sessions_dir(dir, sizeof(dir));
	if (r < 0) {
		snprintf(err, errlen, "cannot make a session: %s",
			 nono_sessions_strerror(r));
		return r;
	}
	/* Names are checked and taken under one lock, so that two starts
	 * cannot both take a name. */
	snprintf(lock, sizeof(lock), "%s/.lock", dir);
	lfd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		return -errno;
	}
	r = nono_session_list(&v, &n);
	if (r < 0) {
		snprintf(err, errlen, "cannot read the sessions: %s",
			 nono_sessions_strerror(r));
		return r;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		nono_session_list_free(v, n);
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -EIO;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(rec->id + 2 * i, 3, "%02x", rnd[i]);
	if (name && *name) {
		if (name_taken(v, n, name)) {
			nono_session_list_free(v, n);
			snprintf(err, errlen,
				 "a running session is already named '%s' "
				 "(nono ps); choose another --name",
				 name);
			return -EEXIST;
		}
		snprintf(rec->name, sizeof(rec->name), "%s", name);
	} else {
		for (unsigned k = 0;; k++) {
			const char *a =
			    adjectives[(rnd[0] + k) % (sizeof(adjectives) /
						       sizeof(adjectives[0]))];
			const char *o =
			    nouns[(rnd[1] + k / 7) %
				  (sizeof(nouns) / sizeof(nouns[0]))];

			if (k < 64)
				snprintf(rec->name, sizeof(rec->name), "%s-%s",
					 a, o);
			else
				snprintf(rec->name, sizeof(rec->name),
					 "%s-%s-%u", a, o, k);
			if (!name_taken(v, n, rec->name))
				break;
		}
	}
	nono_session_list_free(v, n);
	snprintf(path, sizeof(path), "%s/%s", dir, rec->id);
	if (mkdir(path, 0700) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	*dirfd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dirfd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	rec->started = (long long)time(NULL);
	rec->state = NONO_SESSION_STARTING;
	rec->sup_start = nono_proc_start(rec->sup_pid);
	r = nono_session_save(*dirfd, rec);
	if (r < 0) {
		snprintf(err, errlen, "%s/%s: %s", path, NONO_SESSION_RECORD,
			 strerror(-r));
		close(*dirfd);
		*dirfd = -1;
		return r;
	}
	return 0;
}

int nono_session_orphans(char (*ids)[NONO_SESSION_ID_LEN + 1], size_t max,
			 long long min_age)
{
	char dir[PATH_MAX];
	long long now = (long long)time(NULL);
	struct dirent *de;
	size_t n = 0;
	int r;
	DIR *d;

	r = nono_sessions_dir(dir, sizeof(dir));
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return -errno;
	while (n < max && (de = readdir(d)) != NULL) {
		struct nono_session_rec rec;
		struct stat st;
		int fd;

		if (!valid_id(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
			0 ||
		    !S_ISDIR(st.st_mode) || now - st.st_mtime < min_age)
			continue;
		fd = openat(dirfd(d), de->d_name,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = nono_session_load(fd, &rec);
		close(fd);
		if (r == 0) {
			nono_session_rec_clear(&rec);
			continue;
		}
		memcpy(ids[n++], de->d_name, NONO_SESSION_ID_LEN + 1);
	}
	closedir(d);
	return (int)n;
}

int nono_session_remove(const char *id)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct dirent *de;
	int r, dfd;
	DIR *d;

	if (!valid_id(id))
		return -EINVAL;
	r = nono_sessions_dir(dir, sizeof(dir));
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	/* nono's own files only (no subdirectories): unlinked by name in
	 * the directory we opened. */
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return rmdir(path) < 0 ? -errno : 0;
}
