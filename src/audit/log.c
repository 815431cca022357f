// SPDX-License-Identifier: Apache-2.0
/* The audit trail's writer: events, the session record, the ledger. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/record.h"
#include "session/registry.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/syncbehind.h"

/* How long the first event of a group commit waits for others. */
#define GATHER_NS 5000000LL

struct nono_audit {
	char id[NONO_AUDIT_ID_LEN + 1];
	char dir[PATH_MAX];
	int dirfd;
	int fd; /* audit-events.ndjson */
	bool integrity;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t flusher;
	bool flusher_on, dirty;
	/* Parked (the end): the flusher touches nothing of the trail again;
	 * it blocks until the trail is freed.  @idle: it is waiting for
	 * work, so a park needs no answer from it. */
	bool park, parked, idle;
	bool release; /* a parked flusher may return (the trail is freed) */
	pthread_cond_t park_cv;
	/* One thread left on the trail (the flusher parked): no locking. */
	bool solo;
	uint64_t seq;
	nono_hash head;
	struct nono_merkle tree;
	int werr; /* first write error, or 0 */
	/* The ceiling (NONO_AUDIT_MAX_MB, and a margin of free disk): past
	 * it one marker, then events are counted, not written. */
	unsigned long long bytes, max_bytes, next_df;
	int level;   /* events of a lower priority are counted, not written */
	bool broken; /* a failed write could not be cut off: write no more */
	unsigned long long dropped;
	/* Durability: fdatasync passes, and how long the oldest event of
	 * each pass waited for it (written -> on disk). */
	long long dirty_since_ns;
	struct nono_audit_stats stats;
	struct nono_ev line; /* reused for every line, under mu */

	struct nono_audit_rec rec;
	/* The start (session_start, policy, the running record), made by
	 * the flusher or by the first event before it, whichever comes
	 * first, under mu. */
	bool ready;
	/* The directory and log made (@open_err: they could not be). */
	bool opened;
	int open_err;
	bool have_policy; /* given (the policy event may be written yet) */
	bool rec_saved;   /* the running record is on disk */
	/* The end has begun: what the record will say. */
	bool ended, end_ran;
	int end_status, end_signo;
	bool named;    /* asked for by name (sync): the end is made at once */
	bool exe_done; /* the executable's digest is taken (or tried) */
	int exe_fd;    /* the executable, opened before the command ran */
	unsigned long long exe_size;
	char *policy, *argv0, *path;
	size_t policy_len;
};

int nono_audit_dir(char *out, size_t len)
{
	return nono_state_dir("audit", out, len);
}

void nono_audit_anchor(const char *id, nono_hash *out)
{
	struct nono_sha256 c;

	nono_sha256_init(&c);
	nono_sha256_update(&c, "nono-audit-chain-v1:", 20);
	nono_sha256_update(&c, id, strlen(id));
	nono_sha256_final(&c, out->b);
}

void nono_audit_ledger_anchor(nono_hash *out)
{
	nono_sha256("nono-audit-ledger-v1", 20, out->b);
}

void nono_audit_line(struct nono_ev *out, uint64_t seq, nono_hash *head,
		     const nono_hash *leaf, const char *event, size_t n)
{
	uint8_t two[2 * NONO_SHA256_LEN];
	char h[NONO_SHA256_HEX], b[64];

	nono_ev_put(out, b,
		    (size_t)snprintf(b, sizeof(b), "{\"seq\":%llu",
				     (unsigned long long)seq));
	nono_hex(head->b, NONO_SHA256_LEN, h);
	nono_ev_put(out, ",\"prev\":\"", 9);
	nono_ev_put(out, h, 64);
	nono_hex(leaf->b, NONO_SHA256_LEN, h);
	nono_ev_put(out, "\",\"leaf\":\"", 10);
	nono_ev_put(out, h, 64);
	/* head = SHA-256(prev || leaf) */
	memcpy(two, head->b, NONO_SHA256_LEN);
	memcpy(two + NONO_SHA256_LEN, leaf->b, NONO_SHA256_LEN);
	nono_sha256(two, sizeof(two), head->b);
	nono_hex(head->b, NONO_SHA256_LEN, h);
	nono_ev_put(out, "\",\"head\":\"", 10);
	nono_ev_put(out, h, 64);
	nono_ev_put(out, "\",\"event\":", 10);
	nono_ev_put(out, event, n);
	nono_ev_put(out, "}\n", 2);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void lock(struct nono_audit *a)
{
	if (!a->solo)
		pthread_mutex_lock(&a->mu);
}

static void unlock(struct nono_audit *a)
{
	if (!a->solo)
		pthread_mutex_unlock(&a->mu);
}

void nono_audit_get_stats(struct nono_audit *a, struct nono_audit_stats *s)
{
	pthread_mutex_lock(&a->mu);
	*s = a->stats;
	s->events = a->seq;
	pthread_mutex_unlock(&a->mu);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int emit_locked(struct nono_audit *a, struct nono_ev *e, int prio);
static void start(struct nono_audit *a);

static int emit(struct nono_audit *a, struct nono_ev *e, int prio)
{
	int r;

	if (!a || e->oom) {
		nono_ev_free(e);
		return a ? -ENOMEM : 0;
	}
	lock(a);
	if (!a->ready)
		start(a); /* before nono_audit_launch or the flusher */
	r = emit_locked(a, e, prio);
	unlock(a);
	nono_ev_free(e);
	return r;
}

int nono_audit_emit(struct nono_audit *a, struct nono_ev *e)
{
	return emit(a, e, NONO_AUDIT_NORMAL);
}

int nono_audit_emit_prio(struct nono_audit *a, struct nono_ev *e, int prio)
{
	return emit(a, e, prio);
}

int nono_audit_emit_always(struct nono_audit *a, struct nono_ev *e)
{
	return emit(a, e, NONO_AUDIT_ALWAYS);
}

/* Free space at the log, in bytes (the margin of the ceiling). */
static unsigned long long free_bytes(int fd)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		return ~0ULL;
	return (unsigned long long)sv.f_bavail * sv.f_frsize;
}

/* A ceiling reached: one marker (written), then events of priority below
 * @level are counted, not written. */
static void go_over(struct nono_audit *a, int level, const char *why)
{
	struct nono_ev e;
	char buf[256];

	a->level = level;
	nono_ev_begin_in(&e, "events_dropped", buf, sizeof(buf));
	nono_ev_str(&e, "reason", why);
	nono_ev_str(&e, "from_now",
		    level == NONO_AUDIT_NORMAL ? "refusals are counted only"
					       : "all but the session's own "
						 "events are counted only");
	nono_ev_int(&e, "after_bytes", (long long)a->bytes);
	if (nono_ev_end(&e) == 0)
		emit_locked(a, &e, NONO_AUDIT_ALWAYS);
	nono_ev_free(&e);
}

/* The ceilings, looked at after each line: refusals (which a command can
 * make at will) stop at NONO_AUDIT_MAX_MB or with 256 MiB free; allowed
 * network decisions go on to a quarter more, or 64 MiB free. */
static void check_ceiling(struct nono_audit *a)
{
	unsigned long long hard = a->max_bytes + a->max_bytes / 4,
			   freeb = ~0ULL;

	if (a->bytes >= a->next_df) {
		a->next_df = a->bytes + (4u << 20);
		freeb = free_bytes(a->fd);
	}
	if (a->level < NONO_AUDIT_ALWAYS &&
	    (a->bytes >= hard || freeb < (64ULL << 20)))
		go_over(a, NONO_AUDIT_ALWAYS,
			a->bytes >= hard ? "NONO_AUDIT_MAX_MB (hard)"
					 : "disk nearly full (64 MiB)");
	else if (a->level < NONO_AUDIT_NORMAL &&
		 (a->bytes >= a->max_bytes || freeb < (256ULL << 20)))
		go_over(a, NONO_AUDIT_NORMAL,
			a->bytes >= a->max_bytes
			    ? "NONO_AUDIT_MAX_MB"
			    : "disk nearly full (256 MiB)");
}

/* Writes @e (a->mu held; not freed here).  The chain moves on only for a
 * line wholly written: a failed write is cut off again, so the log on
 * disk stays a valid prefix (and when it cannot be, nothing more is
 * written). */
static int emit_locked(struct nono_audit *a, struct nono_ev *e, int prio)
{
	struct nono_ev *line;
	nono_hash head = a->head, leaf;
	int r;

	if (e->oom)
		return -ENOMEM;
	if (a->broken || prio < a->level) {
		a->dropped++;
		return 0;
	}
	line = &a->line;
	line->len = 0;
	line->oom = false;
	/* Grown once to the longest line (the policy's, as a rule). */
	nono_ev_reserve(line, e->len + 256);
	if (a->integrity) {
		nono_merkle_leaf(e->buf, e->len, &leaf);
		nono_audit_line(line, a->seq + 1, &head, &leaf, e->buf, e->len);
	} else {
		char b[48];

		nono_ev_put(line, b,
			    (size_t)snprintf(b, sizeof(b),
					     "{\"seq\":%llu,\"event\":",
					     (unsigned long long)a->seq + 1));
		nono_ev_put(line, e->buf, e->len);
		nono_ev_put(line, "}\n", 2);
	}
	r = line->oom ? -ENOMEM : write_all(a->fd, line->buf, line->len);
	if (r < 0) {
		/* Nothing of it stays; the record says the trail lost
		 * events. */
		if (ftruncate(a->fd, (off_t)a->bytes) < 0)
			a->broken = true; /* a torn line would stay */
		if (!a->werr)
			a->werr = r;
		a->dropped++;
	} else {
		a->seq++;
		a->bytes += line->len;
		if (a->integrity) {
			a->head = head;
			nono_merkle_push(&a->tree, &leaf);
		}
		if (prio < NONO_AUDIT_ALWAYS)
			check_ceiling(a);
		/* Only the first event of a pass wakes the flusher; the
		 * others ride along (it looks again after each pass). */
		if (!a->dirty) {
			a->dirty_since_ns = now_ns();
			a->dirty = true;
			if (!a->park)
				pthread_cond_signal(&a->cv);
		}
	}
	return r;
}

/*
 * The executable's digest, from the descriptor opened when the trail began
 * (before the command ran: what it does later to that path cannot change
 * what is hashed), a regular file, read up to the size it had then.
 */
static void hash_exe(struct nono_audit *a)
{
	/* 16 KiB: each new stack page is a fault, dear on a VM. */
	uint8_t d[NONO_SHA256_LEN], buf[16384];
	unsigned long long left = a->exe_size;
	struct nono_sha256 c;
	char hex[NONO_SHA256_HEX];
	struct nono_ev e;
	ssize_t n = 0;
	int fd = a->exe_fd;

	a->exe_fd = -1;
	if (fd < 0)
		return;
	nono_sha256_init(&c);
	while (left &&
	       (n = pread(fd, buf, left < sizeof(buf) ? left : sizeof(buf),
			  (off_t)(a->exe_size - left))) > 0) {
		nono_sha256_update(&c, buf, (size_t)n);
		left -= (unsigned long long)n;
	}
	close(fd);
	if (n < 0 || left)
		return;
	nono_sha256_final(&c, d);
	nono_hex(d, sizeof(d), hex);
	lock(a);
	snprintf(a->rec.exe_sha256, sizeof(a->rec.exe_sha256), "%s", hex);
	unlock(a);
	nono_ev_begin(&e, "executable");
	nono_ev_str(&e, "path", a->rec.exe);
	nono_ev_str(&e, "sha256", hex);
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_always(a, &e);
	else
		nono_ev_free(&e);
}

/* @path opened for hashing when it is what exec would run: a regular
 * file (a FIFO or a device put there would block or never end), with
 * execute permission; never blocking.  The descriptor, or -1. */
static int try_exe(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    access(path, X_OK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * argv[0] as the command's PATH lookup finds it, opened and resolved, in
 * nono_audit_begin: before the command runs, so that what is hashed later
 * is the file that was there when it started (the command renaming
 * another file into its place changes nothing).  One open per PATH entry;
 * the resolved name from the descriptor.
 */
static void find_exe(struct nono_audit *a)
{
	char buf[PATH_MAX], proc[64], real[PATH_MAX];
	const char *path = a->path ? a->path : "/usr/local/bin:/usr/bin:/bin";
	struct stat st;
	ssize_t n;
	int fd = -1;

	if (a->exe_fd >= 0)
		return;
	if (a->rec.exe) { /* resolved already by the caller */
		snprintf(buf, sizeof(buf), "%s", a->rec.exe);
		fd = try_exe(buf, &st);
		if (fd >= 0) {
			a->exe_fd = fd;
			a->exe_size = (unsigned long long)st.st_size;
		}
		return;
	}
	if (!a->argv0 || !*a->argv0)
		return;
	if (strchr(a->argv0, '/')) {
		snprintf(buf, sizeof(buf), "%s", a->argv0);
		fd = try_exe(buf, &st);
	}
	while (fd < 0 && !strchr(a->argv0, '/') && *path) {
		size_t l = strcspn(path, ":");

		if (l > 0 && l + 1 + strlen(a->argv0) < sizeof(buf)) {
			memcpy(buf, path, l);
			buf[l] = '/';
			strcpy(buf + l + 1, a->argv0);
			fd = try_exe(buf, &st);
		}
		path += l;
		if (*path == ':')
			path++;
	}
	if (fd < 0)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, real, sizeof(real) - 1);
	if (n > 0 && real[0] == '/')
		real[n] = '\0';
	else if (!realpath(buf, real))
		snprintf(real, sizeof(real), "%s", buf);
	if (!a->rec.exe && !(a->rec.exe = strdup(real))) {
		close(fd);
		return;
	}
	a->exe_fd = fd;
	a->exe_size = (unsigned long long)st.st_size;
}

/* The start of the trail, on the flusher thread (a->mu held). */
static int open_trail(struct nono_audit *a);

static void policy_event(struct nono_audit *a)
{
	struct nono_ev e;
	int r;

	nono_ev_begin(&e, "policy");
	nono_ev_reserve(&e, a->policy_len + 128);
	nono_ev_str(&e, "sha256", a->rec.policy_sha256);
	nono_ev_raw(&e, "summary", a->policy, a->policy_len);
	nono_ev_end(&e);
	r = emit_locked(a, &e, NONO_AUDIT_ALWAYS);
	nono_ev_free(&e);
	if (r < 0 && !a->werr)
		a->werr = r;
	free(a->policy);
	a->policy = NULL;
}

/* The record, state running (a->mu held). */
static int save_record(struct nono_audit *a)
{
	if (!a->rec.sup_start)
		a->rec.sup_start = nono_proc_start(a->rec.sup_pid);
	a->rec_saved = true;
	return nono_audit_rec_save(a->dirfd, &a->rec, false);
}

void nono_audit_record(struct nono_audit *a)
{
	int r;

	if (!a)
		return;
	lock(a);
	if (!a->rec_saved && !a->ready && (r = save_record(a)) < 0 && !a->werr)
		a->werr = r;
	unlock(a);
}

static void start(struct nono_audit *a)
{
	struct nono_ev e;
	int r;

	a->ready = true;
	find_exe(a); /* made in nono_audit_begin; only if that failed */
	/* The record before the log: a log never goes without one (saved
	 * while the sandbox was built, as a rule). */
	r = a->rec_saved ? 0 : save_record(a);
	if (r < 0 && !a->werr)
		a->werr = r;
	if (!a->opened && (r = open_trail(a)) < 0) {
		/* Nothing can be written: the events are counted. */
		a->open_err = r;
		a->werr = r;
		a->broken = true;
		return;
	}
	nono_ev_begin(&e, "session_start");
	nono_ev_str(&e, "session", a->id);
	nono_ev_str(&e, "mode", a->rec.mode);
	nono_ev_raw(&e, "command", a->rec.command, strlen(a->rec.command));
	nono_ev_str(&e, "executable", a->rec.exe);
	nono_ev_str(&e, "cwd", a->rec.cwd);
	nono_ev_str(&e, "profile", a->rec.profile);
	nono_ev_int(&e, "supervisor_pid", (long long)a->rec.sup_pid);
	nono_ev_raw(&e, "tracked_paths", a->rec.tracked,
		    strlen(a->rec.tracked));
	if (a->rec.redaction)
		nono_ev_raw(&e, "redaction", a->rec.redaction,
			    strlen(a->rec.redaction));
	nono_ev_end(&e);
	r = emit_locked(a, &e, NONO_AUDIT_ALWAYS);
	nono_ev_free(&e);
	if (r < 0 && !a->werr)
		a->werr = r;
	/* The policy comes with nono_audit_launch (or came with the
	 * start). */
	if (a->policy)
		policy_event(a);
}

static void *flusher(void *arg)
{
	struct nono_audit *a = arg;

	pthread_mutex_lock(&a->mu);
	/* The start off the command's way (an event before it starts it). */
	if (!a->ready)
		start(a);
	for (;;) {
		while (!a->dirty && !a->park) {
			a->idle = true;
			pthread_cond_wait(&a->cv, &a->mu);
			a->idle = false;
		}
		if (a->park)
			break;
		/* Everything written until now goes in this pass; what
		 * comes during it, in the next (group commit). */
		{
			long long since = a->dirty_since_ns, lag, wait;

			/* Group commit: the first event of a pass waits at
			 * most GATHER_NS for others to join it. */
			wait = since + GATHER_NS - now_ns();
			if (wait > 0) {
				long long until = since + GATHER_NS;
				struct timespec ts = {
				    (time_t)(until / 1000000000LL),
				    (long)(until % 1000000000LL)};

				/* The end of the session cuts it short. */
				while (!a->park &&
				       pthread_cond_timedwait(&a->cv, &a->mu,
							      &ts) == 0)
					;
				if (a->park)
					break;
			}
			a->dirty = false;
			pthread_mutex_unlock(&a->mu);
			fdatasync(a->fd);
			lag = (now_ns() - since) / 1000;
			pthread_mutex_lock(&a->mu);
			if (a->park)
				break;
			a->stats.flushes++;
			a->stats.lag_sum_us += lag;
			if (lag > a->stats.lag_max_us)
				a->stats.lag_max_us = lag;
		}
		/* The executable's digest, once the session has lasted a
		 * pass (a shorter one gets it at its end). */
		if (!a->exe_done) {
			a->exe_done = true;
			pthread_mutex_unlock(&a->mu);
			hash_exe(a);
			pthread_mutex_lock(&a->mu);
			if (a->park)
				break;
		}
	}
	if (a->park) {
		/* Nothing of the trail from here: the end owns it. */
		a->parked = true;
		pthread_cond_broadcast(&a->park_cv);
		while (!a->release)
			pthread_cond_wait(&a->park_cv, &a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

const char *nono_audit_id(const struct nono_audit *a)
{
	return a->id;
}

const char *nono_audit_path(const struct nono_audit *a)
{
	return a->dir;
}

static int new_id(char out[NONO_AUDIT_ID_LEN + 1])
{
	uint8_t rnd[NONO_AUDIT_ID_LEN / 2];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	nono_hex(rnd, sizeof(rnd), out);
	return 0;
}

static bool id_ok(const char *id)
{
	if (strlen(id) != NONO_AUDIT_ID_LEN)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static void audit_free(struct nono_audit *a)
{
	if (!a)
		return;
	if (a->park) {
		/* Parked (waiting for work, or for its release): joined
		 * before its memory goes. */
		pthread_mutex_lock(&a->mu);
		a->release = true;
		pthread_cond_broadcast(&a->cv);
		pthread_cond_broadcast(&a->park_cv);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->flusher, NULL);
	}
	if (a->fd >= 0)
		close(a->fd);
	if (a->dirfd >= 0)
		close(a->dirfd);
	if (a->exe_fd >= 0)
		close(a->exe_fd);
	free(a->policy);
	free(a->argv0);
	free(a->path);
	nono_audit_rec_clear(&a->rec);
	nono_ev_free(&a->line);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	pthread_cond_destroy(&a->park_cv);
	free(a);
}

/*
 * The session's directory, made before anything else and locked (flock,
 * held by the supervisor until the trail is
 * complete): a session whose supervisor is killed at any point is listed,
 * as incomplete, not lost; while the lock is held, it is running.
 */
static int make_dir(struct nono_audit *a)
{
	if (mkdir(a->dir, 0700) < 0)
		return -errno;
	a->dirfd =
	    open(a->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (a->dirfd < 0)
		return -errno;
	/* A reader may hold it shared for a moment: waited for. */
	while (flock(a->dirfd, LOCK_EX) < 0 && errno == EINTR)
		;
	return 0;
}

/* A trail that could not be made: nothing of it stays. */
static void unmake_dir(struct nono_audit *a)
{
	if (a->dirfd < 0)
		return;
	unlinkat(a->dirfd, NONO_AUDIT_EVENTS, 0);
	unlinkat(a->dirfd, NONO_AUDIT_RECORD, 0);
	rmdir(a->dir); /* only if nothing else is there */
}

/* Its log. */
static int open_trail(struct nono_audit *a)
{
	if (a->dirfd < 0)
		return -EBADF;
	a->fd = openat(a->dirfd, NONO_AUDIT_EVENTS,
		       O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
			   O_CLOEXEC,
		       0600);
	if (a->fd < 0)
		return -errno;
	a->opened = true;
	return 0;
}

static int start_flusher(struct nono_audit *a)
{
	/* The flusher takes no signal: the supervisor reads them from a
	 * signalfd, and a thread that had SIGCHLD unblocked would swallow
	 * the child's exit. */
	sigset_t all, old;
	int pr;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pr = pthread_create(&a->flusher, NULL, flusher, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pr != 0)
		return -pr;
	a->flusher_on = true;
	return 0;
}

void nono_audit_set_policy(struct nono_audit *a, char *policy, size_t len)
{
	uint8_t d[NONO_SHA256_LEN];

	if (!a || !policy) {
		free(policy);
		return;
	}
	lock(a);
	if (a->have_policy) {
		unlock(a);
		free(policy);
		return;
	}
	a->have_policy = true;
	a->policy = policy;
	a->policy_len = len;
	nono_sha256(policy, len, d);
	nono_hex(d, sizeof(d), a->rec.policy_sha256);
	/* Started already (an event came first): its own event now. */
	if (a->ready && a->opened)
		policy_event(a);
	unlock(a);
}

int nono_audit_launch(struct nono_audit *a)
{
	if (!a || a->flusher_on || a->ended)
		return 0;
	return start_flusher(a);
}

int nono_audit_begin(const struct nono_audit_start *s, struct nono_audit **out,
		     char *err, size_t errlen)
{
	char root[PATH_MAX];
	struct nono_audit *a;
	int r;

	*out = NULL;
	r = nono_audit_dir(root, sizeof(root));
	if (r < 0) {
		snprintf(err, errlen, "audit: ~/.nono/audit: %s%s",
			 r == -EPERM ? "not private to you (another user "
				       "owns it, or others may write it)"
				     : strerror(-r),
			 " (--no-audit: no trail, no warning)");
		return -1;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "audit: out of memory");
		return -1;
	}
	a->fd = a->dirfd = a->exe_fd = -1;
	pthread_mutex_init(&a->mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&a->cv, &ca);
		pthread_cond_init(&a->park_cv, NULL);
		pthread_condattr_destroy(&ca);
	}
	if (s->id && id_ok(s->id))
		memcpy(a->id, s->id, NONO_AUDIT_ID_LEN + 1);
	else if ((r = new_id(a->id)) < 0)
		goto fail;
	if ((size_t)snprintf(a->dir, sizeof(a->dir), "%s/%s", root, a->id) >=
	    sizeof(a->dir)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	a->integrity = s->integrity;
	a->named = s->sync;
	a->max_bytes = s->max_bytes ? s->max_bytes : (512ULL << 20);
	a->next_df = 4u << 20;
	nono_audit_anchor(a->id, &a->head);
	nono_merkle_init(&a->tree);
	r = nono_audit_rec_init(&a->rec, a->id, s);
	if (r < 0)
		goto fail;
	a->argv0 = s->argv0 ? strdup(s->argv0) : NULL;
	a->path = s->path ? strdup(s->path) : NULL;
	if ((s->argv0 && !a->argv0) || (s->path && !a->path)) {
		r = -ENOMEM;
		goto fail;
	}
	r = make_dir(a);
	if (r < 0)
		goto fail;
	find_exe(a);
	if (s->policy) {
		a->policy = malloc(s->policy_len + 1);
		if (!a->policy) {
			r = -ENOMEM;
			goto fail;
		}
		memcpy(a->policy, s->policy, s->policy_len);
		a->policy[s->policy_len] = '\0';
		a->policy_len = s->policy_len;
		a->have_policy = true;
	}
	/* The default trail: its log and events once the command runs
	 * (nono_audit_launch), off its way. */
	if (!s->sync) {
		*out = a;
		return 0;
	}
	if (!s->policy) {
		r = -EINVAL;
		goto fail;
	}
	r = open_trail(a);
	if (r < 0)
		goto fail;
	/* Asked for by name: the start here, before the command runs. */
	pthread_mutex_lock(&a->mu);
	start(a);
	pthread_mutex_unlock(&a->mu);
	r = start_flusher(a);
	if (r < 0)
		goto fail;
	pthread_mutex_lock(&a->mu);
	r = a->werr;
	pthread_mutex_unlock(&a->mu);
	if (r < 0) {
		snprintf(err, errlen, "audit: cannot start the trail in %s: %s",
			 a->dir, strerror(-r));
		nono_audit_finish(a, 1, 0, false, NULL, 0);
		return -1;
	}
	*out = a;
	return 0;
fail:
	snprintf(err, errlen, "audit: cannot start the trail in %s: %s%s",
		 a->dir[0] ? a->dir : root, strerror(-r),
		 " (--no-audit: no trail, no warning)");
	unmake_dir(a);
	audit_free(a);
	return -1;
}

void nono_audit_set_signer(struct nono_audit *a, struct nono_signer *s)
{
	if (a)
		a->rec.signer = s;
}

void nono_audit_set_fs(struct nono_audit *a, const char *before,
		       const char *after)
{
	if (!a)
		return;
	a->rec.fs_before = before;
	a->rec.fs_after = after;
}

/* The session_end event. */
static void end_event(struct nono_audit *a, int status, int signo, bool ran)
{
	struct nono_ev e;
	char buf[256];
	bool hash;

	lock(a);
	if (!a->ready)
		start(a); /* a session that ended before its flusher began */
	hash = !a->exe_done;
	a->exe_done = true;
	unlock(a);
	if (hash)
		hash_exe(a);

	nono_ev_begin_in(&e, "session_end", buf, sizeof(buf));
	nono_ev_bool(&e, "ran", ran);
	nono_ev_int(&e, "exit_code", status);
	if (signo)
		nono_ev_int(&e, "signal", signo);
	lock(a);
	if (a->dropped)
		nono_ev_int(&e, "events_dropped", (long long)a->dropped);
	unlock(a);
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_always(a, &e);
	else
		nono_ev_free(&e);
}

/*
 * Parks the flusher for good, cheaper than a join (a thread's exit and
 * join cost a few tenths of a millisecond on a virtual machine): an idle
 * one is not even woken; a busy one finishes what it holds (a pass, the
 * executable's digest) and says so.  It then blocks, holding nothing,
 * until the process exits.
 */
static void park_flusher(struct nono_audit *a)
{
	if (!a->flusher_on) {
		a->solo = true;
		return;
	}
	pthread_mutex_lock(&a->mu);
	a->park = true;
	if (!a->idle) {
		pthread_cond_signal(&a->cv);
		while (!a->parked)
			pthread_cond_wait(&a->park_cv, &a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	a->flusher_on = false;
	a->solo = true;
}

/* The record's final fields. */
static void fill_record(struct nono_audit *a, int status, int signo, bool ran)
{
	a->rec.exit_code = status;
	a->rec.signo = signo;
	a->rec.ran = ran;
	a->rec.events = a->seq;
	a->rec.write_error = a->werr != 0;
	a->rec.dropped = a->dropped;
	if (a->integrity) {
		nono_hash root;

		nono_hex(a->head.b, NONO_SHA256_LEN, a->rec.chain_head);
		nono_merkle_root(&a->tree, &root);
		nono_hex(root.b, NONO_SHA256_LEN, a->rec.merkle_root);
	}
}

/* The end's status; the flusher parked (no join: a thread's exit costs
 * tenths of a millisecond here; it is joined when the trail is freed). */
static void end_now(struct nono_audit *a, int status, int signo, bool ran)
{
	if (!a || a->ended)
		return;
	park_flusher(a);
	a->ended = true;
	a->end_status = status;
	a->end_signo = signo;
	a->end_ran = ran;
}

/*
 * The default end: the log made durable, the record's final fields
 * written (state "ended"), and the ledger entry left to the next reader
 * (nono_audit_settle_all), off the command's way: its three syncs were
 * most of what the trail cost a short command.  Not for a trail asked for
 * by name, signed, or with the trees' roots: what goes wrong there must be
 * said now.  0, or -errno (nothing is left half-done: the caller ends it
 * the full way).
 */
static int end_lazily(struct nono_audit *a)
{
	int r = 0;

	if (a->named || a->rec.signer || a->rec.fs_before || a->werr ||
	    a->broken)
		return -EAGAIN;
	fill_record(a, a->end_status, a->end_signo, a->end_ran);
	a->rec.ended_only = true;
	nono_ev_time(a->rec.ended);
	r = nono_audit_rec_save(a->dirfd, &a->rec, false);
	/* The log's sync is made as nono exits, without waiting for it
	 * (its journal commit takes the record's rename too); where that
	 * cannot be, here. */
	if (r == 0 && nono_sync_behind(a->fd) < 0 && fdatasync(a->fd) < 0)
		r = -errno;
	/* The record says it ended: the directory's lock has done its work
	 * (while it is held, the session runs), and a reader may settle it
	 * from now on. */
	if (r == 0)
		flock(a->dirfd, LOCK_UN);
	if (r < 0) {
		a->rec.ended_only = false;
		a->rec.ended[0] = '\0';
	}
	return r;
}

/* The rest, the flusher out of the way: the executable's digest if not
 * taken yet, the end event, the log made durable, the final record, the
 * ledger entry (its lock already @held, or -1). */
static int complete(struct nono_audit *a, int held, char *err, size_t errlen)
{
	int r, lr;

	end_event(a, a->end_status, a->end_signo, a->end_ran);
	if (a->open_err) {
		/* Never made: nothing of it stays (an empty directory). */
		snprintf(err, errlen,
			 "audit: the trail could not be made in %s: %s; the "
			 "session ran without one (--no-audit: no trail, no "
			 "warning)",
			 a->dir, strerror(-a->open_err));
		unmake_dir(a);
		return -1;
	}
	r = a->werr;
	if (r == 0 && end_lazily(a) == 0)
		return 0;
	/* The log's writeback starts now; it is made durable once the final
	 * record is staged (its sync overlaps this one), before the ledger
	 * entry. */
	if (r == 0)
		sync_file_range(a->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	fill_record(a, a->end_status, a->end_signo, a->end_ran);
	lr = nono_audit_rec_complete(a->dirfd, &a->rec, held,
				     r == 0 ? a->fd : -1);
	if (r < 0) {
		snprintf(err, errlen,
			 "audit: the trail in %s is incomplete: %s", a->dir,
			 strerror(-r));
	} else if (a->rec.signer && a->rec.att_error[0]) {
		snprintf(err, errlen, "audit: the session was not signed: %s",
			 a->rec.att_error);
		r = -EIO;
	} else if (a->rec.ledger_error[0]) {
		snprintf(err, errlen, "audit: %s", a->rec.ledger_error);
		r = -EIO;
	} else if (lr < 0) {
		snprintf(err, errlen, "audit: the record in %s: %s", a->dir,
			 strerror(-lr));
		r = lr;
	}
	return r < 0 ? -1 : 0;
}

int nono_audit_finish(struct nono_audit *a, int status, int signo, bool ran,
		      char *err, size_t errlen)
{
	int r;

	if (!a)
		return 0;
	end_now(a, status, signo, ran);
	r = complete(a, -1, err, errlen);
	audit_free(a);
	return r;
}
