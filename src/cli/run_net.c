// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's network at run time (the plan decided it, plan/network.c):
 * the proxy's listener on the host's loopback, the directory of the
 * session CA, and the credential services' secrets.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/output.h"
#include "cli/run_ctx.h"
#include "cli/run_internal.h"
#include "cred/secret.h"
#include "nono/error.h"

/* Proxy mode on the host's network: listens on 127.0.0.1 (the port of
 * --proxy-port, else any), which Landlock then allows. */
static int proxy_listen(struct run_ctx *c)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	bool planned = c->p.proxy_port != 0;
	int fd, r;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(c->o.proxy_port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		out_error("proxy: cannot listen on 127.0.0.1:%u: %s",
			  c->o.proxy_port, strerror(errno));
		if (c->o.proxy_port)
			out_hint("choose another --proxy-port, or leave it "
				 "out");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c->rt.proxy_fd = fd;
	c->p.proxy_port = ntohs(a.sin_port);
	if (planned)
		return 0;
	r = nono_caps_add_port(c->p.caps, c->p.proxy_port);
	if (r < 0) {
		out_error("proxy: %s", nono_strerror(r));
		return -1;
	}
	out_verbose_msg(1, "proxy mode: the proxy listens on 127.0.0.1:%u",
			c->p.proxy_port);
	return 0;
}

int run_net_start(struct run_ctx *c)
{
	if (!c->p.allow)
		return 0;
	if (!c->p.proxy_netns && proxy_listen(c) < 0)
		return -1;
	/* The CA files the helper writes; the sandbox must read them. */
	if (c->p.tls_exe &&
	    (nono_tls_helper_mkdir(&c->rt.tls) < 0 ||
	     nono_caps_add_path(c->p.caps, c->rt.tls.dir, NONO_ACCESS_READ, 0,
				NONO_ORIGIN_SYSTEM) < 0)) {
		out_error("proxy: cannot make a directory for the session "
			  "CA: %s",
			  strerror(errno));
		return -1;
	}
	return 0;
}

/* No keystore here (a server, CI): the same service with its key taken
 * from the environment, as a profile says it. */
static void hint_env_key(const struct nono_cred_route *r)
{
	char var[80];
	size_t n = 0;

	for (const char *p = r->name; *p && n + 9 < sizeof(var); p++)
		var[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	memcpy(var + n, "_API_KEY", 9);
	out_hint("to take the key from the environment instead, export %s "
		 "and use a profile with \"network\": {\"custom_credentials\": "
		 "{\"%s\": {\"upstream\": \"%s\", \"credential_key\": "
		 "\"env://%s\", \"inject_header\": \"%s\", "
		 "\"credential_format\": \"%s\"}}}",
		 var, r->name, r->upstream, var, r->header, r->format);
}

/*
 * Loads each credential service's secret (before the sandbox exists) and
 * arms its placeholder.  The secret then lives only in the header value
 * the proxy sends upstream; once the command runs, the supervisor stops
 * being dumpable (on_started).
 */
int run_creds_load(struct run_ctx *c)
{
	for (size_t i = 0; i < c->p.creds.n; i++) {
		struct nono_cred_route *r = &c->p.creds.r[i];
		struct nono_secret s = {0};
		char err[512];
		int e;

		if (nono_secret_load(r->key, &s, err, sizeof(err)) < 0) {
			char what[64];

			out_error("--credential %s: %s", r->name, err);
			if (nono_secret_ref_describe(r->key, what,
						     sizeof(what)) ==
			    NONO_SECRET_KEYSTORE)
				hint_env_key(r);
			return -1;
		}
		e = nono_cred_arm(r, s.data, s.len);
		if (e == 0 && s.len < NONO_CRED_SCRUB_MIN)
			out_warn("--credential %s: the key is shorter than %d "
				 "bytes: an upstream's echo of it is not "
				 "scrubbed from answers",
				 r->name, NONO_CRED_SCRUB_MIN);
		nono_secret_wipe(&s);
		if (e < 0) {
			out_error("--credential %s: %s", r->name,
				  e == -EINVAL ? "the secret is longer than "
						 "8 KiB"
					       : strerror(-e));
			return -1;
		}
	}
	return 0;
}
