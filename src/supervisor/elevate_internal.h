/* SPDX-License-Identifier: Apache-2.0 */
/* Capability elevation's parts shared by elevate.c (opens, mkdir, the
 * questions) and elevate_names.c (removals, renames, links, symlinks,
 * mknod). */
#ifndef NONO_SUPERVISOR_ELEVATE_INTERNAL_H
#define NONO_SUPERVISOR_ELEVATE_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervisor/gate_internal.h"

#define ELEVATE_QUEUE 16
#define ELEVATE_WAIT_MS 60000
#define ELEVATE_RATE 30 /* questions a minute */
#define ELEVATE_RULES 4096
#define ELEVATE_FAST 64 /* approved objects kept open (elevate_fast.c) */

enum {
	OP_READ = 1u,
	OP_WRITE = 2u,
	OP_CREATE = 4u,
	OP_MKDIR = 8u,
	/* The name calls (elevate_names.c): each changes only names. */
	OP_REMOVE = 16u,   /* unlink, rmdir */
	OP_MKNOD = 32u,    /* a regular file by mknod */
	OP_SYMLINK = 64u,  /* a symlink made at the name */
	OP_LINK = 128u,    /* another name for the source */
	OP_MOVE = 256u,    /* the source renamed to the name */
	OP_CONNECT = 512u, /* an AF_UNIX connect to the socket */
};
#define OP_NAMES (OP_REMOVE | OP_MKNOD | OP_SYMLINK | OP_LINK | OP_MOVE)
/* Two names: the source's and the destination's. */
#define OP_TWO (OP_LINK | OP_MOVE)

struct elv_req {
	__u64 id;
	pid_t pid;
	unsigned op;
	uint64_t flags;
	mode_t mode;
	int dirfd; /* O_PATH: the parent, in the task's view */
	char name[NAME_MAX + 1];
	char real[PATH_MAX]; /* the parent's path and the name */
	long long deadline;  /* ms */
	bool existed;        /* the name was there when asked about */
	bool isdir;          /* then: a directory */
	dev_t dev;           /* then: what it was */
	ino_t ino;
	char code[3]; /* the digits that approve it */
	bool noask;   /* served if approved for the session, never asked */
	/* The name calls: */
	unsigned rflags; /* unlinkat's AT_REMOVEDIR, renameat2's */
	int fromfd;      /* OP_TWO: the source's parent, as dirfd is */
	char from_name[NAME_MAX + 1];
	char from[PATH_MAX]; /* the source's parent's path and name */
	dev_t from_dev;      /* the source when asked about */
	ino_t from_ino;
	char target[PATH_MAX]; /* OP_SYMLINK: what the link holds */
	/* OP_CONNECT: the sandbox's socket (sockfd) and the socket it
	 * connects to (pathfd, O_PATH); OP_LINK, OP_MOVE: pathfd is the
	 * source file itself (O_PATH), what is linked or moved. */
	int sockfd, pathfd;
	/* While the call is handled (never in the queue): the path as the
	 * task named it, absolute, for the served cache. */
	const char *abs;
};
#define ELV_REQ_INIT                                                           \
	{                                                                      \
		.dirfd = -1, .fromfd = -1, .sockfd = -1, .pathfd = -1          \
	}

struct elv_rule {
	char *path;
	unsigned allow, deny; /* OP_* */
};

struct nono_elevate {
	struct nono_gate_elevation cfg;
	struct elv_req q[ELEVATE_QUEUE];
	size_t nq;
	bool asking; /* q[0] is the question up */
	struct elv_rule *rules;
	size_t nrules, caprules;
	size_t dropped; /* refused unasked since the last question */
	long long asked_at[ELEVATE_RATE];
	size_t nasked;
	char last_code[3];
	/* nono learn: writes sent to throwaway copies. */
	size_t scratched;
	/* What was approved, for the footer and the save prompt. */
	struct nono_gate_elevated *done;
	size_t ndone, capdone;
	/* Approved objects, kept to be opened again (elevate_fast.c). */
	struct elv_fast *fast;
	size_t nfast, fast_next;
};

long long nono_elv_now_ms(void);
/* Splits @abs and opens its parent in the task's view, no symlink on the
 * way: rq->dirfd, rq->name, rq->real.  0 or -1 (the kernel's). */
int nono_elv_locate(struct nono_gate *g, pid_t pid, const char *abs,
		    struct elv_req *rq);
/* A name that would run code outside the sandbox later. */
bool nono_elv_persistence(const struct nono_elevate *e, int dirfd,
			  const char *real);
/* @real is a kept path (a PATH directory, cargo's config, a profile's
 * keep_read_only) or below one: never offered. */
bool nono_elv_kept(const struct nono_gate *g, const char *real);
/* What a session's answer is remembered by: the path, or for two names
 * "SOURCE//DEST" (no canonical path holds "//"). */
const char *nono_elv_key(const struct elv_req *rq, char *buf, size_t len);
/* 1 allowed for the session, -1 denied, 0 ask. */
int nono_elv_decided(struct nono_elevate *e, const struct elv_req *rq);
void nono_elv_tell(struct nono_gate *g, const char *decision,
		   const struct elv_req *rq, const char *scope);
void nono_elv_send_error(int listener, __u64 id, int err);
/* Remembers an approval for the footer and the save prompt. */
void nono_elv_approved(struct nono_elevate *e, const struct elv_req *rq);
/* After the request is identified (rq->id, pid, op and the located
 * names): performed when approved for the session, else the kernel's when
 * @may_offer says it is never offered, else refused or queued for a
 * question.  Takes rq->dirfd and rq->fromfd; returns NONO_ELEVATE_*. */
int nono_elv_submit(struct nono_gate *g, int listener, struct elv_req *rq,
		    bool (*may_offer)(struct nono_gate *g,
				      const struct elv_req *rq));

/* 1 allowed for the session, -1 denied, 0 ask: the answer kept for
 * @path (a key of nono_elv_key) and @op. */
int nono_elv_decided_path(struct nono_elevate *e, const char *path,
			  unsigned op);
/* NONO_ACCESS_* of what @op does, as the footer's list counts it. */
unsigned nono_elv_access(unsigned op);
/* Answers request @id with @fd, injected as the call's result. */
void nono_elv_inject(int listener, __u64 id, int fd, bool cloexec);

/* elevate_fast.c: the served cache */
/* After @rq (an existing object, opened) was served as approved for the
 * session: kept by @abs (the path the task named), to be served again
 * without being located again. */
void nono_elv_fast_add(struct nono_elevate *e, const char *abs,
		       const struct elv_req *rq);
/* An open of @abs that the session's answers cover, served from the
 * cache: true when answered, false when the whole way must decide. */
bool nono_elv_fast_serve(struct nono_gate *g, int listener, __u64 id,
			 const char *abs, uint64_t flags, unsigned op);
void nono_elv_fast_free(struct nono_elevate *e);

/* elevate_names.c */
bool nono_elv_name_call(int nr);
int nono_elv_names_handle(struct nono_gate *g, int listener,
			  const struct seccomp_notif *req);
void nono_elv_perform_name(struct nono_gate *g, int listener,
			   const struct elv_req *rq);

#endif
