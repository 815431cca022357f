// SPDX-License-Identifier: Apache-2.0
/*
 * `nono why --self --host` from inside a sandbox, and the proxy's side of
 * it.  In proxy mode the proxy decides every connection, so it is asked:
 * a request for http://why.nono.invalid/ with the session's token and the
 * host, port and path in Nono-Why-* fields, answered from the policy with
 * nothing dialled (src/proxy/server.c).  Otherwise the answer follows the
 * network mode nono set for the command (NONO_NETWORK, NONO_OPEN_PORTS),
 * through the same verdict code as `nono why --host` outside.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli/output.h"
#include "cli/why_self.h"
#include "nono/caps.h"
#include "plan/plan.h"
#include "policy/json.h"
#include "proxy/server.h"
#include "util/base64.h"
#include "util/jsonout.h"
#include "util/port.h"

/* The most of the proxy's answer read (head and body). */
#define ANSWER_MAX 20480

static void field(FILE *f, const char *name, const char *value)
{
	if (!value || !value[0])
		return;
	fprintf(f, ",\"%s\":", name);
	nono_json_str(f, value);
}

void why_verdict_fields(FILE *f, const struct plan_verdict *v)
{
	field(f, "category", v->category);
	field(f, "detail", v->detail);
	field(f, "policy_source", v->source);
	field(f, "granted_path", v->granted_path);
	if (v->requested) {
		field(f, "granted", v->access);
		field(f, "requested", v->requested);
	} else {
		field(f, "access", v->access);
	}
	if (!v->allowed)
		field(f, "suggested_flag", v->flag);
	field(f, "note", v->note);
}

int why_host_json(const struct nono_plan *p, const char *host, unsigned port,
		  const char *path, char *out, size_t len)
{
	struct plan_verdict v;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return -1;
	plan_why_host(p, host, path, (long)port, &v);
	fprintf(f, "{\"status\":\"%s\",\"reason\":",
		v.allowed ? "allowed" : "denied");
	nono_json_str(f, v.reason ? v.reason : "");
	why_verdict_fields(f, &v);
	fputc('}', f);
	if (fclose(f) != 0 || n >= len) {
		free(buf);
		return -1;
	}
	memcpy(out, buf, n);
	out[n] = '\0';
	free(buf);
	return (int)n;
}

/* "http://nono:TOKEN@127.0.0.1:PORT", as nono sets HTTP_PROXY: the token
 * into @token (@len bytes) and the port. */
static int proxy_of(const char *url, char *token, size_t len, uint16_t *port)
{
	static const char pre[] = "http://nono:";
	const char *at, *colon;

	if (!url || strncmp(url, pre, sizeof(pre) - 1) != 0)
		return -1;
	url += sizeof(pre) - 1;
	at = strchr(url, '@');
	if (!at || (size_t)(at - url) >= len || at == url ||
	    strncmp(at + 1, "127.0.0.1:", 10) != 0)
		return -1;
	memcpy(token, url, (size_t)(at - url));
	token[at - url] = '\0';
	colon = at + 10;
	return nono_port_parse(colon + 1, strlen(colon + 1), port) < 0 ? -1 : 0;
}

/* Sends @req to the proxy at 127.0.0.1:@port and reads its answer into
 * @out (up to @len - 1 bytes, terminated); its length, or -errno. */
static ssize_t ask(uint16_t port, const char *req, char *out, size_t len)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 10};
	size_t got = 0, want = strlen(req);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    send(fd, req, want, MSG_NOSIGNAL) != (ssize_t)want)
		r = -errno;
	while (r == 0 && got + 1 < len) {
		ssize_t n = recv(fd, out + got, len - 1 - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	out[got] = '\0';
	return r < 0 ? r : (ssize_t)got;
}

static void take(char *dst, size_t len, const struct nono_json *o,
		 const char *key)
{
	const struct nono_json *s = nono_json_get(o, key);

	snprintf(dst, len, "%s",
		 s && s->type == NONO_JSON_STRING ? s->str : "");
}

static const char *take_str(const struct nono_json *o, const char *key)
{
	const struct nono_json *s = nono_json_get(o, key);

	return s && s->type == NONO_JSON_STRING ? s->str : NULL;
}

/* The proxy's verdict into @v (its strings stay in *@keep). */
static int from_proxy(const char *host, long port, const char *path,
		      struct plan_verdict *v, struct nono_json **keep)
{
	const char *url = getenv("HTTP_PROXY");
	char token[128], auth[160], req[4096];
	char *ans = malloc(ANSWER_MAX), *b64, *body;
	const struct nono_json *st;
	struct nono_json *j = NULL;
	uint16_t pport;
	ssize_t n;
	int len;

	if (!url)
		url = getenv("http_proxy");
	if (!ans)
		return -1;
	if (proxy_of(url, token, sizeof(token), &pport) < 0) {
		out_error("why --self: HTTP_PROXY does not name nono's proxy "
			  "(the command changed it?)");
		free(ans);
		return -1;
	}
	snprintf(auth, sizeof(auth), "nono:%s", token);
	b64 = nono_b64_encode(auth, strlen(auth));
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(token, sizeof(token));
	len = b64 ? snprintf(req, sizeof(req),
			     "GET http://" NONO_PROXY_WHY_HOST
			     "/ HTTP/1.1\r\nHost: " NONO_PROXY_WHY_HOST
			     "\r\nProxy-Authorization: Basic %s\r\n"
			     "Nono-Why-Host: %s\r\nNono-Why-Port: %ld\r\n"
			     "%s%s%sConnection: close\r\n\r\n",
			     b64, host, port, path ? "Nono-Why-Path: " : "",
			     path ? path : "", path ? "\r\n" : "")
		  : -1;
	free(b64);
	if (len < 0 || (size_t)len >= sizeof(req)) {
		out_error("why --self: the question is too long");
		free(ans);
		return -1;
	}
	n = ask(pport, req, ans, ANSWER_MAX);
	explicit_bzero(req, sizeof(req));
	if (n < 0) {
		out_error(
		    "why --self: cannot reach nono's proxy at port %u: %s",
		    (unsigned)pport, strerror((int)-n));
		free(ans);
		return -1;
	}
	body = strstr(ans, "\r\n\r\n");
	if (strncmp(ans, "HTTP/1.1 200 ", 13) != 0 || !body ||
	    nono_json_parse(body + 4, strlen(body + 4), &j, NULL) < 0 ||
	    j->type != NONO_JSON_OBJECT || !(st = nono_json_get(j, "status")) ||
	    st->type != NONO_JSON_STRING || !take_str(j, "reason")) {
		ans[strcspn(ans, "\r\n")] = '\0';
		out_error("why --self: nono's proxy gave no verdict (%s)",
			  out_name(ans));
		nono_json_free(j);
		free(ans);
		return -1;
	}
	free(ans);
	v->allowed = strcmp(st->str, "allowed") == 0;
	v->reason = take_str(j, "reason");
	take(v->category, sizeof(v->category), j, "category");
	take(v->detail, sizeof(v->detail), j, "detail");
	take(v->source, sizeof(v->source), j, "policy_source");
	take(v->granted_path, sizeof(v->granted_path), j, "granted_path");
	take(v->flag, sizeof(v->flag), j, "suggested_flag");
	take(v->note, sizeof(v->note), j, "note");
	v->access = take_str(j, "access");
	*keep = j;
	return 0;
}

/* The network mode nono set: open, or blocked with NONO_OPEN_PORTS. */
static int from_mode(const char *mode, const char *host, long port,
		     const char *path, struct plan_verdict *v)
{
	struct nono_plan p = {0};
	const char *ports = getenv("NONO_OPEN_PORTS");

	p.caps = nono_caps_new();
	if (!p.caps)
		return -1;
	if (strcmp(mode, "blocked") == 0) {
		nono_caps_set_net(p.caps, NONO_NET_BLOCK);
		for (const char *s = ports; s && *s;) {
			size_t n = strcspn(s, ",");
			uint16_t pv;

			if (nono_port_parse(s, n, &pv) == 0 &&
			    nono_caps_add_port(p.caps, pv) < 0)
				break;
			s += n + (s[n] == ',');
		}
	}
	plan_why_host(&p, host, path, port, v);
	snprintf(v->note, sizeof(v->note),
		 "from the network mode nono set for this sandbox "
		 "(NONO_NETWORK=%s)",
		 mode);
	nono_caps_free(p.caps);
	return 0;
}

int why_self_host(const char *host, long port, const char *path,
		  struct plan_verdict *v, struct nono_json **keep)
{
	const char *mode = getenv("NONO_NETWORK");

	memset(v, 0, sizeof(*v));
	*keep = NULL;
	if (mode && strcmp(mode, "proxy") == 0)
		return from_proxy(host, port, path, v, keep);
	if (mode && (strcmp(mode, "open") == 0 || strcmp(mode, "blocked") == 0))
		return from_mode(mode, host, port, path, v);
	out_error("why --self: NONO_NETWORK is %s (nono sets open, blocked or "
		  "proxy)",
		  mode ? "not one nono sets" : "unset");
	return -1;
}
