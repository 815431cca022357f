// SPDX-License-Identifier: Apache-2.0
/*
 * The proxy's name lookups: getaddrinfo on worker threads (at most
 * MAX_RESOLVERS), results handed back to the event loop through the eventfd;
 * names that resolve to private addresses are refused unless allowed as
 * literals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proxy/creds.h"
#include "proxy/http.h"
#include "proxy/server.h"
#include "proxy/server_internal.h"

static void resolved(struct nono_proxy *p, struct conn *c, int err,
		     struct addrinfo *ai, const char *priv);

int px_own_load(struct nono_proxy *p)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next)
		n += i->ifa_addr && (i->ifa_addr->sa_family == AF_INET ||
				     i->ifa_addr->sa_family == AF_INET6);
	p->own = calloc(n ? n : 1, sizeof(*p->own));
	if (!p->own) {
		freeifaddrs(ifa);
		return -ENOMEM;
	}
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && (i->ifa_addr->sa_family == AF_INET ||
				    i->ifa_addr->sa_family == AF_INET6))
			memcpy(&p->own[p->nown++], i->ifa_addr,
			       i->ifa_addr->sa_family == AF_INET
				   ? sizeof(struct sockaddr_in)
				   : sizeof(struct sockaddr_in6));
	freeifaddrs(ifa);
	return 0;
}

/* Whether @a is one of the host's own addresses (@p->own). */
static bool own_addr(const struct nono_proxy *p, const struct addrinfo *a)
{
	for (size_t i = 0; i < p->nown; i++) {
		const struct sockaddr *o = (const void *)&p->own[i];

		if (o->sa_family != a->ai_family)
			continue;
		if (o->sa_family == AF_INET &&
		    ((const struct sockaddr_in *)o)->sin_addr.s_addr ==
			((const struct sockaddr_in *)a->ai_addr)
			    ->sin_addr.s_addr)
			return true;
		if (o->sa_family == AF_INET6 &&
		    memcmp(
			&((const struct sockaddr_in6 *)o)->sin6_addr,
			&((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr,
			16) == 0)
			return true;
	}
	return false;
}

/* @a's address as text, in @out. */
static void addr_text(const struct addrinfo *a, char *out, size_t len)
{
	const void *raw =
	    a->ai_family == AF_INET
		? (const void *)&((const struct sockaddr_in *)a->ai_addr)
		      ->sin_addr
		: (const void *)&((const struct sockaddr_in6 *)a->ai_addr)
		      ->sin6_addr;

	if (!inet_ntop(a->ai_family, raw, out, (socklen_t)len))
		snprintf(out, len, "?");
}

/* A name resolving to @a, a private address or one of the host's own:
 * refused unless the name is localhost's or the address is allowed as a
 * literal for @port.  Writes the address to @out for the message. */
static bool private_refused(struct nono_proxy *p, const char *host,
			    unsigned port, const struct addrinfo *a, char *out,
			    size_t len)
{
	size_t hl = strlen(host);
	const void *raw;

	if (!nono_addr_private(a->ai_addr, a->ai_addrlen) && !own_addr(p, a))
		return false;
	if (strcmp(host, "localhost") == 0 ||
	    (hl > 10 && strcmp(host + hl - 10, ".localhost") == 0))
		return false;
	raw = a->ai_family == AF_INET
		  ? (const void *)&((const struct sockaddr_in *)a->ai_addr)
			->sin_addr
		  : (const void *)&((const struct sockaddr_in6 *)a->ai_addr)
			->sin6_addr;
	if (!inet_ntop(a->ai_family, raw, out, (socklen_t)len))
		return true;
	/* Allowlist lookups only read the list: safe from this thread.
	 * The literal must be allowed for this port (a rule for one port
	 * of 127.0.0.1 opened every port to a name resolving there). */
	return nono_allowlist_check_port(p->cfg.allow, out, port, NULL, NULL) !=
	       NONO_HOST_ALLOWED;
}

static void *resolver(void *arg)
{
	struct nono_proxy *p = arg;
	bool last;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct job *j;
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
					 .ai_flags = AI_ADDRCONFIG};
		char port[8];
		int r;

		while (!p->pending && !p->stopping) {
			p->idle_resolvers++;
			pthread_cond_wait(&p->cv, &p->mu);
			p->idle_resolvers--;
		}
		if (p->stopping)
			break;
		j = p->pending;
		p->pending = j->next;
		pthread_mutex_unlock(&p->mu);
		snprintf(port, sizeof(port), "%u", j->port);
		r = getaddrinfo(j->host, port, &hints, &j->ai);
		/* Under the lock from here: the proxy may be stopping (its
		 * configuration, borrowed from the caller, is valid while
		 * stopping is false and we hold the lock). */
		pthread_mutex_lock(&p->mu);
		if (p->stopping) {
			if (r == 0)
				freeaddrinfo(j->ai);
			free(j);
			break;
		}
		if (r != 0) {
			j->ai = NULL;
			j->err = 502;
		} else {
			/* A name that lands on metadata or link-local
			 * addresses is refused as a whole; one that lands on
			 * a loopback or private address (the host's own
			 * services, the LAN: DNS rebinding of an allowed
			 * name) unless that address itself is allowed. */
			for (struct addrinfo *a = j->ai; a; a = a->ai_next) {
				if (nono_addr_refused(a->ai_addr,
						      a->ai_addrlen)) {
					j->err = 403;
				} else if (j->learned && !j->err &&
					   (!nono_addr_global(a->ai_addr,
							      a->ai_addrlen) ||
					    own_addr(p, a))) {
					/* Let through by nono learn: public
					 * addresses only, no literal grant
					 * counts. */
					j->err = 403;
					addr_text(a, j->priv, sizeof(j->priv));
				} else if (!j->err &&
					   private_refused(p, j->host, j->port,
							   a, j->priv,
							   sizeof(j->priv))) {
					j->err = 403;
				}
			}
		}
		j->next = p->done;
		p->done = j;
		{
			uint64_t one = 1;
			ssize_t w = write(p->wake, &one, sizeof(one));

			(void)w;
		}
	}
	p->resolvers--;
	/* The last one out (nono_proxy_stop, or a resolver that was still
	 * in getaddrinfo then) frees what both use. */
	last = p->owner_done && p->resolvers == 0;
	pthread_mutex_unlock(&p->mu);
	if (last)
		px_free_shared(p);
	return NULL;
}

/* An address literal needs no lookup: no helper thread, no wait. */
static bool resolve_literal(struct nono_proxy *p, struct conn *c)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	const char *host = c->via_upstream ? p->cfg.upstream_host : c->req.host;
	char port[8];
	int err = 0;

	snprintf(port, sizeof(port), "%u",
		 c->via_upstream ? p->cfg.upstream_port : c->req.port);
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return false;
	for (struct addrinfo *a = ai; a; a = a->ai_next)
		if (nono_addr_refused(a->ai_addr, a->ai_addrlen))
			err = 403;
	c->st = S_RESOLVE;
	resolved(p, c, err, ai, NULL);
	return true;
}

int px_resolve(struct nono_proxy *p, struct conn *c)
{
	struct job *j;

	if (resolve_literal(p, c))
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->id = c->id;
	j->cfd = c->cfd;
	if (c->via_upstream) {
		snprintf(j->host, sizeof(j->host), "%s", p->cfg.upstream_host);
		j->port = p->cfg.upstream_port;
	} else {
		memcpy(j->host, c->req.host, sizeof(j->host));
		j->port = c->req.port;
	}
	j->learned = c->learned;
	pthread_mutex_lock(&p->mu);
	j->next = p->pending;
	p->pending = j;
	if (!p->idle_resolvers && p->resolvers < MAX_RESOLVERS) {
		pthread_t t;
		pthread_attr_t at;

		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 * 1024);
		if (pthread_create(&t, &at, resolver, p) == 0)
			p->resolvers++;
		pthread_attr_destroy(&at);
	}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	c->st = S_RESOLVE;
	return 0;
}

/* A lookup's result: connect, or answer why not (owns @ai). */
static void resolved(struct nono_proxy *p, struct conn *c, int err,
		     struct addrinfo *ai, const char *priv)
{
	/* nono learn: reported now that where it leads is known. */
	if (c->learned)
		px_learned(p, c, err != 403,
			   err == 403 ? "resolves to a local, private or "
					"reserved address: a learning run "
					"reaches none"
				      : NULL);
	if (err == 403 && c->learned && priv && priv[0]) {
		char body[512];

		if (ai)
			freeaddrinfo(ai);
		snprintf(body, sizeof(body),
			 "nono: %s resolves to %s, not a public address: "
			 "refused while learning\n",
			 c->req.host, priv);
		px_answer(p, c, 403, "Forbidden", body);
		return;
	}
	if (err == 403) {
		char body[1024], sfx[8];

		if (ai)
			freeaddrinfo(ai);
		if (priv && priv[0])
			snprintf(body, sizeof(body),
				 "nono: %s resolves to %s, a loopback or "
				 "private address: refused unless that "
				 "address is allowed itself; allow it with "
				 "--allow-domain %s%s\n",
				 c->req.host, priv, priv,
				 px_port_suffix(c->req.port, sfx, sizeof(sfx)));
		else
			snprintf(body, sizeof(body),
				 "nono: %s resolves to a cloud metadata or "
				 "link-local address: refused\n",
				 c->req.host);
		px_answer(p, c, 403, "Forbidden", body);
	} else if (err || !ai) {
		if (ai)
			freeaddrinfo(ai);
		px_answer(p, c, 502, "Bad Gateway",
			  "the name does not resolve\n");
	} else {
		c->ai = ai;
		c->next_ai = ai;
		px_start_connect(p, c);
	}
}

void px_on_resolved(struct nono_proxy *p)
{
	struct job *j;
	uint64_t v;
	ssize_t r = read(p->wake, &v, sizeof(v));

	(void)r;
	pthread_mutex_lock(&p->mu);
	j = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->mu);
	while (j) {
		struct job *next = j->next;
		struct conn *c = j->cfd < MAX_FD ? p->byfd[j->cfd] : NULL;

		if (c && c->id == j->id && c->st == S_RESOLVE) {
			resolved(p, c, j->err, j->ai, j->priv);
			j->ai = NULL;
		}
		if (j->ai)
			freeaddrinfo(j->ai);
		free(j);
		j = next;
	}
}
