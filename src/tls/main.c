// SPDX-License-Identifier: Apache-2.0
/*
 * nono-tls: the proxy's TLS interception helper, a process of its own so
 * that OpenSSL (linked dynamically, with glibc) stays out of the static
 * nono binary and out of the supervisor.
 *
 *   nono-tls --dir DIR [--rule https://host/glob]...     (fd 3: the channel,
 *                                                         fd 4: DIR itself)
 *
 * It makes the session's CA (the key never leaves its memory), writes
 * ca.pem (the CA) and bundle.pem in DIR, through fd 4 (the trust store the
 * sandbox is told to use: $SSL_CERT_FILE or the system bundle, plus the CA),
 * says "READY" on fd 3 and then takes connections: each message on fd 3
 * (src/proxy/msg.h) is a tunnel (host, port) or a credential request, with
 * two descriptors, the client's end of a tunnel the proxy
 * has just opened and a socket already connected to the origin (the
 * proxy resolved, checked and connected it, directly or through an upstream
 * proxy).  For each request the client sends inside TLS, the path is
 * checked against the rules; an allowed request goes on to the origin over
 * a verified TLS connection, one request per connection.  Decisions go
 * back on fd 3 as decision messages.  It has no
 * network policy of its own: it never resolves or connects anything.  It
 * exits when fd 3 closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "proxy/creds.h"
#include "proxy/hosts.h"
#include "proxy/http.h"
#include "tls/ca.h"
#include "tls/confine.h"
#include "tls/mitm.h"
#include "util/fsutil.h"

#define CHANNEL 3
#define DIRFD 4 /* the session CA's directory, opened by nono */
#define MAX_ACTIVE 512

/* NAME in the session CA's directory (fd @dirfd, which nono opened and
 * handed over: never a path, which another sandbox sharing /tmp could
 * swap for a symlink to ~/.docker; review 3 of session 16): @a (a newline
 * added when it lacks one), then @b; atomic, 0644 (the sandbox reads it). */
static int write_file(int dirfd, const char *name, const char *a, size_t alen,
		      const char *b)
{
	size_t blen = strlen(b), n = 0;
	char *text = malloc(alen + 1 + blen);
	int r;

	if (!text)
		return -1;
	if (alen) {
		memcpy(text, a, alen);
		n = alen;
		if (a[alen - 1] != '\n')
			text[n++] = '\n';
	}
	memcpy(text + n, b, blen);
	n += blen;
	r = nono_replace_at(dirfd, name, text, n, 0644);
	free(text);
	return r < 0 ? -1 : 0;
}

/* The trust store the sandbox starts from: what the user's tools trust. */
static char *read_base_bundle(size_t *len)
{
	const char *cands[] = {getenv("SSL_CERT_FILE"),
			       "/etc/ssl/certs/ca-certificates.crt",
			       "/etc/pki/tls/certs/ca-bundle.crt"};
	char *buf = NULL;

	*len = 0;
	for (size_t i = 0; i < 3 && !buf; i++) {
		FILE *f;
		long n;

		if (!cands[i] || !*cands[i] || !(f = fopen(cands[i], "re")))
			continue;
		if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
		    n < (64L << 20) && fseek(f, 0, SEEK_SET) == 0 &&
		    (buf = malloc((size_t)n)) != NULL &&
		    fread(buf, 1, (size_t)n, f) == (size_t)n) {
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
		fclose(f);
	}
	return buf;
}

struct job {
	struct nono_mitm *m;
	int cfd, ofd;
	char host[NONO_HTTP_MAX_HOST + 1];
	unsigned port;
	/* A credential request ("R"): the head to send, which holds the
	 * credential (wiped after), and its framing. */
	char *head;
	size_t hlen;
	char method[16], path[600];
	struct nono_mitm_framing fr;
	struct nono_cred_route route; /* to check the later requests */
	bool keep;                    /* the client may send more */
};

static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static int active;

static void *serve(void *arg)
{
	struct job *j = arg;

	if (j->head) {
		nono_mitm_forward(j->m, j->cfd, j->ofd, &j->route, j->keep,
				  j->method, j->path, j->head, j->hlen, &j->fr);
		explicit_bzero(j->head, j->hlen);
		free(j->head);
		nono_creds_clear_route(&j->route);
	} else {
		nono_mitm_serve(j->m, j->cfd, j->ofd, j->host,
				(uint16_t)j->port);
	}
	close(j->cfd);
	close(j->ofd);
	free(j);
	pthread_mutex_lock(&active_mu);
	active--;
	pthread_mutex_unlock(&active_mu);
	return NULL;
}

/* A credential request (NONO_MSG_CRED; see src/proxy/credroute.c): its
 * route, to check the later requests, and the head to send, which holds
 * the credential. */
static int take_cred(struct job *j, const char *msg, size_t n)
{
	struct nono_msg_cred c;

	if (nono_msg_cred_decode(msg, n, &c) < 0 ||
	    nono_msg_route_decode(c.route, c.route_len, &j->route) < 0)
		return -1;
	snprintf(j->host, sizeof(j->host), "%s", c.host);
	j->port = c.port;
	snprintf(j->method, sizeof(j->method), "%s", c.method);
	snprintf(j->path, sizeof(j->path), "%s", c.path);
	j->keep = c.keep;
	j->fr.chunked = c.chunked;
	j->fr.done = c.done;
	j->fr.budget = c.budget;
	j->fr.ch = c.ch;
	j->hlen = c.head_len;
	j->head = malloc(j->hlen ? j->hlen : 1);
	if (!j->head)
		return -1;
	memcpy(j->head, c.head, j->hlen);
	return 0;
}

/* One message from the proxy (an intercepted tunnel or a credential
 * request) and its two descriptors. */
static int take(struct nono_mitm *m)
{
	char *text = malloc(NONO_MSG_MAX);
	struct nono_msg_tunnel t;
	struct job *j;
	int fds[2] = {-1, -1};
	pthread_attr_t at;
	pthread_t pt;
	ssize_t n;
	int type;

	if (!text)
		return -1;
	n = nono_msg_recv(CHANNEL, text, NONO_MSG_MAX, fds, 2, 0);
	if (n == 0 || (n < 0 && n != -EBADMSG)) {
		free(text);
		return -1; /* the supervisor is gone */
	}
	if (n < 0) { /* malformed: dropped, the helper goes on */
		free(text);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	type = nono_msg_type(text, (size_t)n);
	if (!j || (type == NONO_MSG_CRED
		       ? take_cred(j, text, (size_t)n) < 0
		       : type != NONO_MSG_TUNNEL ||
			     nono_msg_tunnel_decode(text, (size_t)n, &t) < 0)) {
		if (j && j->head) {
			explicit_bzero(j->head, j->hlen);
			free(j->head);
		}
		if (j)
			nono_creds_clear_route(&j->route);
		free(j);
		explicit_bzero(text, (size_t)n);
		free(text);
		goto drop;
	}
	if (type == NONO_MSG_TUNNEL) {
		snprintf(j->host, sizeof(j->host), "%s", t.host);
		j->port = t.port;
	}
	explicit_bzero(text, (size_t)n);
	free(text);
	pthread_mutex_lock(&active_mu);
	if (active >= MAX_ACTIVE) {
		pthread_mutex_unlock(&active_mu);
		if (j->head) {
			explicit_bzero(j->head, j->hlen);
			free(j->head);
		}
		nono_creds_clear_route(&j->route);
		free(j);
		goto drop;
	}
	active++;
	pthread_mutex_unlock(&active_mu);
	j->m = m;
	j->cfd = fds[0];
	j->ofd = fds[1];
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	if (pthread_create(&pt, &at, serve, j) != 0) {
		pthread_attr_destroy(&at);
		pthread_mutex_lock(&active_mu);
		active--;
		pthread_mutex_unlock(&active_mu);
		if (j->head) {
			explicit_bzero(j->head, j->hlen);
			free(j->head);
		}
		nono_creds_clear_route(&j->route);
		free(j);
		goto drop;
	}
	pthread_attr_destroy(&at);
	return 0;
drop:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return 0;
}

static void report(void *arg, const struct nono_msg_decision *d)
{
	char buf[2048];
	int n = nono_msg_decision_encode(d, buf, sizeof(buf));

	(void)arg;
	if (n > 0)
		(void)nono_msg_send(CHANNEL, buf, (size_t)n, NULL, 0, 0);
}

int main(int argc, char **argv)
{
	struct nono_allowlist *allow = nono_allowlist_new();
	const char *dir = NULL;
	struct nono_ca *ca;
	struct nono_mitm *m;
	char *base;
	size_t blen;
	ssize_t w;

	/* Goes with the supervisor; holds the CA key and credentials, so no
	 * other process of the user may read its memory. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		const char *why = "invalid";

		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir =
			    argv[++i]; /* for messages: written through fd 4 */
		} else if (strcmp(argv[i], "--rule") == 0 && i + 1 < argc &&
			   allow) {
			if (nono_allowlist_add(allow, argv[++i], &why) < 0) {
				fprintf(stderr, "nono-tls: --rule %s: %s\n",
					argv[i], why);
				return 1;
			}
		} else {
			fprintf(stderr,
				"usage: nono-tls --dir DIR [--rule RULE]... "
				"(started by nono, channel on fd 3)\n");
			return 1;
		}
	}
	if (!dir || !allow || fcntl(CHANNEL, F_GETFD) < 0 ||
	    fcntl(DIRFD, F_GETFD) < 0) {
		fprintf(stderr, "nono-tls: started by nono only (no --dir, or "
				"no channel on fd 3 or directory on fd 4)\n");
		return 1;
	}
	ca = nono_ca_new();
	base = read_base_bundle(&blen);
	if (!ca || write_file(DIRFD, "ca.pem", "", 0, nono_ca_pem(ca)) < 0 ||
	    write_file(DIRFD, "bundle.pem", base ? base : "", blen,
		       nono_ca_pem(ca)) < 0) {
		w = write(CHANNEL, "ERR cannot make the session CA", 30);
		(void)w;
		return 1;
	}
	free(base);
	m = nono_mitm_new(ca, allow, report, NULL);
	if (!m) {
		w = write(CHANNEL, "ERR cannot set up TLS", 21);
		(void)w;
		return 1;
	}
	/* Nothing more is made or connected from here on. */
	if (nono_tls_confine() < 0) {
		w = write(CHANNEL, "ERR cannot confine itself", 25);
		(void)w;
		return 1;
	}
	w = write(CHANNEL, "READY", 5);
	(void)w;
	while (take(m) == 0)
		;
	return 0;
}
