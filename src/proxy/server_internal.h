/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the proxy (server.h is its interface): the connection and relay
 * state, and the functions its parts share.  server.c: the event loop, the
 * request head, start and stop; resolve.c: name lookups on worker threads;
 * relay.c: connecting (directly or through the upstream proxy), tunnels and
 * moving bytes; credroute.c: the credential services' reverse proxy.
 */
#ifndef NONO_PROXY_SERVER_INTERNAL_H
#define NONO_PROXY_SERVER_INTERNAL_H

#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "proxy/creds.h"
#include "proxy/http.h"
#include "proxy/server.h"

#define BUF (64 * 1024)
#define MAX_RESOLVERS 8
#define MAX_FD 65536
#define PIPE_SZ (256 * 1024)
#define MAX_POOLED_PIPES 64

/* S_UPSTREAM: a CONNECT sent to the upstream proxy, its answer awaited. */
enum state { S_HEAD, S_RESOLVE, S_CONNECT, S_UPSTREAM, S_RELAY };

struct conn;

struct end {
	struct conn *c;
	int which; /* 0 client, 1 origin */
};

/* One direction of a relay (see move()). */
struct flow {
	char *buf; /* bytes the proxy wrote itself, or the fallback's */
	size_t len, off, cap;
	int pipe[2]; /* -1 while no bytes wait in one */
	size_t inpipe;
	bool eof, broken;
	unsigned long long bytes;
	/* A plain request's body: exactly its framing is forwarded, then
	 * nothing more is read (a second request behind it would pass no
	 * check).  Tunnels carry no limit. */
	bool limited, chunked, done;
	unsigned long long budget; /* Content-Length bytes still to come */
	struct nono_chunked ch;
	/* A plain credential service's answer (origin to client): scrubbed
	 * of the key (nono_scrub_feed); @held bytes after buf[len] wait for
	 * what follows; @ans tells the text from the chunk framing (@mask)
	 * and a coded body. */
	struct nono_scrub *scrub;
	size_t held;
	struct nono_http_answer *ans;
	unsigned char *mask;
};

struct conn {
	uint64_t id;
	int cfd, ofd;
	enum state st;
	char *head;
	size_t hlen, hcap;
	struct nono_http_request req;
	char method[16], path[512];
	bool via_upstream; /* connects to the upstream proxy, not the host */
	bool intercept;    /* a tunnel the TLS helper will see into */
	/* nono learn let it through: its name must resolve to global
	 * addresses only (reported once resolved). */
	bool learned;
	/* A request to a credential service (origin-form, "/SERVICE/..."):
	 * its upstream head carries the real credential. */
	const struct nono_cred_route *cred;
	char *upath;      /* its upstream path, query included */
	size_t head_used; /* bytes of upf.buf that are our head */
	struct addrinfo *ai, *next_ai;
	uint64_t deadline;
	struct flow upf, downf; /* client->origin, origin->client */
	bool nosplice;          /* splice refused: recv/send */
	bool c_shut, o_shut;
	struct end ce, oe;
	uint32_t cev, oev; /* registered epoll events */
	bool closed;       /* freed after the current batch of events */
	struct conn *prev, *next;
};

struct job {
	uint64_t id;
	int cfd;
	char host[NONO_HTTP_MAX_HOST + 1];
	uint16_t port;
	struct addrinfo *ai;
	int err;       /* 0, or an HTTP status */
	char priv[64]; /* with err 403: the private address it resolved to */
	bool learned;  /* the conn's @learned: global addresses only */
	struct job *next;
};

struct nono_proxy {
	struct nono_proxy_config cfg;
	int ep, wake; /* epoll, eventfd (stop and resolver results) */
	pthread_t thread;
	struct conn **byfd;
	struct conn *all, *dead;
	size_t nconns;
	uint64_t next_id;
	/* Resolver queue: pending jobs, finished jobs, thread count. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *pending, *done;
	int resolvers, idle_resolvers;
	bool stopping;
	/* nono_proxy_stop is done with everything but what resolver threads
	 * still use (the lock, the job lists, the wake fd, this struct): the
	 * last of them frees those (px_free_shared). */
	bool owner_done;
	int pipes[MAX_POOLED_PIPES][2]; /* empty pipes for splice */
	char tls_tag; /* its address marks the TLS helper's channel */
	int npipes;
	/* The host's own addresses when the proxy started (getifaddrs): a
	 * name resolving to one reaches the host's services as loopback
	 * does.  Read-only once the resolvers run. */
	struct sockaddr_storage *own;
	size_t nown;
};

/* Loads @p->own.  0 or -errno (none loaded: only the address ranges
 * count then). */
int px_own_load(struct nono_proxy *p);
/* Reports a request the policy refuses, for nono learn: let through
 * (@pass) or not; @why (or NULL) says why it is never offered. */
void px_learned(struct nono_proxy *p, const struct conn *c, bool pass,
		const char *why);

uint64_t px_now_ms(void);
void px_decide(struct nono_proxy *p, const struct conn *c, bool allowed,
	       int status);
/* The same, with the text the client was answered (a refusal's or an
 * upstream failure's). */
void px_decide_why(struct nono_proxy *p, const struct conn *c, bool allowed,
		   int status, const char *why);
int px_pipe_get(struct nono_proxy *p, int fds[2]);
void px_pipe_put(struct nono_proxy *p, int fds[2]);
void px_close_conn(struct nono_proxy *p, struct conn *c);
void px_answer(struct nono_proxy *p, struct conn *c, int status,
	       const char *reason, const char *body);
int px_watch(struct nono_proxy *p, struct conn *c, int which, uint32_t ev);
int px_resolve(struct nono_proxy *p, struct conn *c);
bool px_frame_body(struct nono_proxy *p, struct conn *c, size_t n);
bool px_cred_build(struct nono_proxy *p, struct conn *c);
void px_scrub_down(struct flow *f, size_t n);
void px_upstream_step(struct nono_proxy *p, struct conn *c);
void px_start_connect(struct nono_proxy *p, struct conn *c);
void px_on_connected(struct nono_proxy *p, struct conn *c);
void px_relay(struct nono_proxy *p, struct conn *c);
void px_cred_request(struct nono_proxy *p, struct conn *c);
const char *px_port_suffix(uint16_t port, char *buf, size_t len);
void px_on_resolved(struct nono_proxy *p);
void px_free_shared(struct nono_proxy *p);

#endif
