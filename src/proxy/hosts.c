// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/hosts.h"
#include "proxy/http.h"
#include "util/port.h"

#define MAX_RULES 4096
#define MAX_GLOB_PATH 4096
#define MAX_GLOB_PATTERN 512

struct rule {
	char *host;    /* exact, or the suffix of "*.suffix" (".example.com") */
	bool wildcard; /* matches subdomains of the suffix, not the suffix */
	char *path;    /* glob, or NULL: any path (and opaque tunnels) */
	unsigned port; /* the one port; 0: 443 and 80; PORT_ANY: every one */
};

#define PORT_ANY 65536u

struct nono_allowlist {
	struct rule *r;
	size_t n;
};

/* clang-format off */
/* "@name" includes another profile. */
static const char *const minimal[] = {
	"api.openai.com", "api.anthropic.com",
	"generativelanguage.googleapis.com", "api.mistral.ai",
	"api.groq.com", "api.deepseek.com", "openrouter.ai", "api.x.ai",
	NULL,
};
static const char *const developer[] = {
	"@minimal",
	"registry.npmjs.org", "registry.yarnpkg.com", "pypi.org",
	"files.pythonhosted.org", "crates.io", "static.crates.io",
	"index.crates.io", "proxy.golang.org", "sum.golang.org",
	"rubygems.org", "repo.maven.apache.org", "repo1.maven.org",
	"github.com", "api.github.com", "codeload.github.com",
	"*.githubusercontent.com",
	NULL,
};
static const char *const claude_code[] = {
	"api.anthropic.com", "console.anthropic.com", "statsig.anthropic.com",
	"claude.ai", "registry.npmjs.org", "github.com", "api.github.com",
	"*.githubusercontent.com",
	NULL,
};
static const char *const codex[] = {
	"api.openai.com", "auth.openai.com", "chatgpt.com",
	"github.com", "api.github.com", "*.githubusercontent.com",
	NULL,
};
static const char *const opencode[] = {
	"@minimal", "opencode.ai", "models.dev", "registry.npmjs.org",
	"github.com", "api.github.com", "*.githubusercontent.com",
	NULL,
};
static const char *const enterprise[] = {
	"@developer",
	NULL,
};

static const struct {
	const char *name, *description;
	const char *const *hosts;
} profiles[] = {
	{"minimal", "LLM provider APIs only", minimal},
	{"developer", "LLM APIs, package registries (npm, PyPI, crates.io, Go, RubyGems, Maven) and GitHub", developer},
	{"claude-code", "Anthropic's API and console, npm and GitHub, for Claude Code", claude_code},
	{"codex", "OpenAI's API and sign-in, and GitHub, for Codex", codex},
	{"opencode", "LLM APIs, opencode.ai and models.dev, npm and GitHub, for opencode", opencode},
	{"enterprise", "the developer set, meant to go out through --upstream-proxy", enterprise},
};

size_t nono_allowlist_count(const struct nono_allowlist *a)
{
	return a ? a->n : 0;
}

const char *nono_allowlist_entry(const struct nono_allowlist *a, size_t i,
				 char *buf, size_t len)
{
	const struct rule *r = &a->r[i];

	char port[16] = "";

	if (r->port == PORT_ANY)
		snprintf(port, sizeof(port), ":*");
	else if (r->port)
		snprintf(port, sizeof(port), ":%u", r->port);
	if (r->path)
		snprintf(buf, len, "https://%s%s%s", r->host, port, r->path);
	else
		snprintf(buf, len, "%s%s%s", r->wildcard ? "*" : "", r->host,
			 port);
	return buf;
}

/* Refused whatever the allowlist says. */
static const char *const metadata_names[] = {
	"metadata.google.internal", "metadata.azure.internal",
	"metadata", "instance-data", "instance-data.ec2.internal",
};
/* clang-format on */

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

struct nono_allowlist *nono_allowlist_new(void)
{
	return calloc(1, sizeof(struct nono_allowlist));
}

void nono_allowlist_free(struct nono_allowlist *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->r[i].host);
		free(a->r[i].path);
	}
	free(a->r);
	free(a);
}

size_t nono_network_profile_count(void)
{
	return NPROFILES;
}

const char *nono_network_profile_name(size_t i)
{
	return i < NPROFILES ? profiles[i].name : NULL;
}

const char *nono_network_profile_description(size_t i)
{
	return i < NPROFILES ? profiles[i].description : NULL;
}

static bool host_ok(const char *h, size_t n)
{
	if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!isalnum(c) && c != '-' && c != '.' && c != '_')
			return false;
		if (c == '.' && i + 1 < n && h[i + 1] == '.')
			return false;
	}
	return true;
}

int nono_allowlist_add(struct nono_allowlist *a, const char *entry,
		       const char **why)
{
	const char *h = entry, *path = NULL;
	struct rule r = {0}, *nr;
	size_t n;

	if (strncmp(h, "https://", 8) == 0) {
		h += 8;
		path = strchr(h, '/');
	} else if (strstr(h, "://")) {
		*why = "only https:// URLs take path rules (plain http is "
		       "filtered by host)";
		return -EINVAL;
	}
	n = path ? (size_t)(path - h) : strlen(h);
	/* "host:8443": the one port a tunnel to it may use (443 and 80
	 * without). */
	{
		const char *colon = memchr(h, ':', n);

		if (colon && colon + 2 == h + n && colon[1] == '*') {
			r.port = PORT_ANY; /* "host:*": every port, asked for */
			n = (size_t)(colon - h);
		} else if (colon) {
			uint16_t pv;

			if (colon + 1 == h + n || colon[1] < '0' ||
			    colon[1] > '9') {
				*why = "not a port after ':'";
				return -EINVAL;
			}
			if (nono_port_parse(colon + 1,
					    (size_t)(h + n - colon - 1),
					    &pv) < 0) {
				*why = "not a port after ':' (1-65535)";
				return -EINVAL;
			}
			r.port = pv;
			n = (size_t)(colon - h);
		}
	}
	if (n && h[n - 1] == '.') /* a trailing root dot */
		n--;
	if (n > 2 && h[0] == '*' && h[1] == '.') {
		r.wildcard = true;
		h++;
		n--;
		if (!host_ok(h + 1, n - 1)) {
			*why = "not a host name";
			return -EINVAL;
		}
	} else if (!host_ok(h, n) || memchr(h, '*', n)) {
		*why = "not a host name (use *.example.com for subdomains)";
		return -EINVAL;
	}
	if (a->n >= MAX_RULES) {
		*why = "too many entries";
		return -EINVAL;
	}
	r.host = strndup(h, n);
	if (!r.host)
		return -ENOMEM;
	for (char *c = r.host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (path && strlen(path) > MAX_GLOB_PATTERN) {
		free(r.host);
		*why = "path rule too long";
		return -EINVAL;
	}
	if (path && strcmp(path, "/**") != 0) {
		r.path = strdup(path);
		if (!r.path) {
			free(r.host);
			return -ENOMEM;
		}
	}
	nr = realloc(a->r, (a->n + 1) * sizeof(*nr));
	if (!nr) {
		free(r.host);
		free(r.path);
		return -ENOMEM;
	}
	a->r = nr;
	a->r[a->n++] = r;
	return 0;
}

static int add_profile(struct nono_allowlist *a, const char *name, int depth)
{
	for (size_t i = 0; i < NPROFILES; i++) {
		if (strcmp(profiles[i].name, name) != 0)
			continue;
		for (const char *const *h = profiles[i].hosts; *h; h++) {
			const char *why;
			int r = (*h)[0] == '@' && depth < 4
				    ? add_profile(a, *h + 1, depth + 1)
				    : nono_allowlist_add(a, *h, &why);

			if (r < 0)
				return r;
		}
		return 0;
	}
	return -ENOENT;
}

int nono_allowlist_add_profile(struct nono_allowlist *a, const char *name)
{
	return add_profile(a, name, 0);
}

/*
 * "*" matches within one path segment, "**" across segments; anything else
 * literally.  The path comes from the sandbox, so no backtracking: one pass
 * over the pattern keeping, for each prefix of the path, whether the
 * pattern so far matches it (O(pattern x path), both bounded).
 */
bool nono_path_glob(const char *pat, const char *s)
{
	size_t n = strlen(s), pl = strlen(pat);
	unsigned char *cur, *nxt;
	bool ok;

	if (n > MAX_GLOB_PATH || pl > MAX_GLOB_PATTERN)
		return false;
	cur = calloc(n + 1, 1);
	nxt = calloc(n + 1, 1);
	if (!cur || !nxt) {
		free(cur);
		free(nxt);
		return false;
	}
	cur[0] = 1;
	for (size_t i = 0; i < pl; i++) {
		memset(nxt, 0, n + 1);
		if (pat[i] == '*' && pat[i + 1] == '*') {
			/* any run of characters, '/' included */
			for (size_t j = 0, on = 0; j <= n; j++) {
				on |= cur[j];
				nxt[j] = (unsigned char)on;
			}
			i++;
		} else if (pat[i] == '*') {
			/* any run without '/' */
			for (size_t j = 0, on = 0; j <= n; j++) {
				if (j > 0 && s[j - 1] == '/')
					on = 0;
				on |= cur[j];
				nxt[j] = (unsigned char)on;
			}
		} else {
			for (size_t j = 0; j < n; j++)
				nxt[j + 1] = cur[j] && s[j] == pat[i];
		}
		memcpy(cur, nxt, n + 1);
	}
	ok = cur[n];
	free(cur);
	free(nxt);
	return ok;
}

static bool host_match(const struct rule *r, const char *host);

enum nono_host_verdict nono_allowlist_check(const struct nono_allowlist *a,
					    const char *host, const char *path,
					    bool *has_path_rules)
{
	return nono_allowlist_check_port(a, host, 0, path, has_path_rules);
}

bool nono_allowlist_port_ok(const struct nono_allowlist *a, const char *host,
			    unsigned port)
{
	char h[256];
	size_t n = strlen(host);

	if (n == 0 || n >= sizeof(h))
		return false;
	for (size_t i = 0; i <= n; i++)
		h[i] = (char)tolower((unsigned char)host[i]);
	if (h[n - 1] == '.')
		h[n - 1] = '\0';
	for (size_t i = 0; i < a->n; i++) {
		if (!host_match(&a->r[i], h))
			continue;
		if (a->r[i].port == PORT_ANY ||
		    (a->r[i].port ? a->r[i].port == port
				  : port == 443 || port == 80))
			return true;
	}
	return false;
}

static bool host_match(const struct rule *r, const char *host)
{
	size_t hn = strlen(host), rn = strlen(r->host);

	if (!r->wildcard)
		return strcmp(host, r->host) == 0;
	/* r->host is ".example.com": a proper subdomain only. */
	return hn > rn && strcmp(host + hn - rn, r->host) == 0;
}

static bool port_fits(const struct rule *r, unsigned port)
{
	if (port == 0 || r->port == PORT_ANY)
		return true;
	return r->port ? r->port == port : port == 443 || port == 80;
}

enum nono_host_verdict
nono_allowlist_check_port(const struct nono_allowlist *a, const char *host,
			  unsigned port, const char *path, bool *has_path_rules)
{
	char h[256], p[4096];
	size_t n = strlen(host);
	bool any = false, paths = false, pathok = false;

	if (has_path_rules)
		*has_path_rules = false;
	if (n == 0 || n >= sizeof(h))
		return NONO_HOST_INVALID;
	memcpy(h, host, n + 1);
	if (h[n - 1] == '.')
		h[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	for (size_t i = 0; i < sizeof(metadata_names) / sizeof(*metadata_names);
	     i++)
		if (strcmp(h, metadata_names[i]) == 0)
			return NONO_HOST_METADATA;
	/* Literal metadata and link-local addresses. */
	{
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
		struct sockaddr_in s4 = {.sin_family = AF_INET};
		char lit[256];

		snprintf(lit, sizeof(lit), "%s", h);
		if (lit[0] == '[' && lit[n - 1] == ']') {
			lit[n - 1] = '\0';
			memmove(lit, lit + 1, n - 1);
		}
		if (inet_pton(AF_INET, lit, &s4.sin_addr) == 1 &&
		    nono_addr_refused((struct sockaddr *)&s4, sizeof(s4)))
			return NONO_HOST_METADATA;
		if (inet_pton(AF_INET6, lit, &s6.sin6_addr) == 1 &&
		    nono_addr_refused((struct sockaddr *)&s6, sizeof(s6)))
			return NONO_HOST_METADATA;
	}
	/* The path without its query, once; one an origin could read
	 * otherwise than the rules (dot segments, encoded separators) matches
	 * no rule. */
	if (path) {
		size_t q = strcspn(path, "?#");

		if (q < sizeof(p) &&
		    !nono_http_path_ambiguous(path, strlen(path))) {
			memcpy(p, path, q);
			p[q] = '\0';
			pathok = true;
		}
	}
	for (size_t i = 0; a && i < a->n; i++) {
		const struct rule *r = &a->r[i];

		/* Host, port and path of one rule together: a port named by
		 * a path rule opens nothing beyond its paths. */
		if (!host_match(r, h) || !port_fits(r, port))
			continue;
		if (!r->path) {
			any = true;
			continue;
		}
		paths = true;
		if (pathok && nono_path_glob(r->path, p))
			any = true;
	}
	if (has_path_rules)
		*has_path_rules = paths;
	/* A host with path rules and no rule without one: only requests
	 * whose path is visible and matches pass. */
	return any ? NONO_HOST_ALLOWED : NONO_HOST_NOT_LISTED;
}

/* The IPv4 address an IPv6 one carries for a translator or a tunnel
 * (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16), in @s4: true when it carries one. */
static bool embedded_v4(const uint8_t b[16], struct sockaddr_in *s4)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[12] = {0};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};

	memset(s4, 0, sizeof(*s4));
	s4->sin_family = AF_INET;
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0 ||
	    (memcmp(b, zero, 12) == 0 &&
	     (b[12] | b[13] | b[14] | (b[15] & 0xfe)) != 0)) {
		memcpy(&s4->sin_addr, b + 12, 4);
		return true;
	}
	if (b[0] == 0x20 && b[1] == 0x02) {
		memcpy(&s4->sin_addr, b + 2, 4);
		return true;
	}
	return false;
}

bool nono_addr_global(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in)) {
		uint32_t a =
		    ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);

		return !((a >> 24) == 0 || (a >> 24) == 10 ||
			 (a >> 24) == 127 || (a >> 22) == (0x64400000u >> 22) ||
			 (a >> 16) == 0xa9fe || (a >> 20) == 0xac1 ||
			 (a >> 8) == 0xc00000 ||             /* 192.0.0/24 */
			 (a >> 8) == 0xc00002 ||             /* 192.0.2/24 */
			 (a >> 8) == 0xc05863 ||             /* 192.88.99/24 */
			 (a >> 16) == 0xc0a8 ||              /* 192.168/16 */
			 (a >> 17) == (0xc6120000u >> 17) || /* 198.18/15 */
			 (a >> 8) == 0xc63364 ||             /* 198.51.100/24 */
			 (a >> 8) == 0xcb0071 ||             /* 203.0.113/24 */
			 (a >> 28) >= 0xe); /* multicast, 240/4 */
	}
	if (sa->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const uint8_t *b =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		struct sockaddr_in s4;

		if (embedded_v4(b, &s4))
			return nono_addr_global((struct sockaddr *)&s4,
						sizeof(s4));
		/* Global unicast is 2000::/3; of it, documentation
		 * (2001:db8::/32) and Teredo (2001::/32, which carries an
		 * address too) are not. */
		if ((b[0] & 0xe0) != 0x20)
			return false;
		if (b[0] == 0x20 && b[1] == 0x01 &&
		    ((b[2] == 0x0d && b[3] == 0xb8) || (b[2] | b[3]) == 0))
			return false;
		return true;
	}
	return false;
}

bool nono_addr_private(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in)) {
		uint32_t a =
		    ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);

		return (a >> 24) == 127 ||
		       (a >> 24) == 0 ||      /* loopback, "this" */
		       (a >> 24) == 10 ||     /* RFC 1918 */
		       (a >> 20) == 0xac1 ||  /* 172.16/12 */
		       (a >> 16) == 0xc0a8 || /* 192.168/16 */
		       (a >> 22) == (0x64400000u >> 22) || /* 100.64/10 */
		       (a >> 8) == 0xc00000 ||             /* 192.0.0/24 */
		       (a >> 17) == (0xc6120000u >> 17);   /* 198.18/15 */
	}
	if (sa->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct in6_addr *in6 =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
		const uint8_t *b = in6->s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(in6) || IN6_IS_ADDR_UNSPECIFIED(in6) ||
		    (b[0] & 0xfe) == 0xfc) /* fc00::/7 */
			return true;
		{
			struct sockaddr_in s4;

			/* Mapped, compatible, NAT64 and 6to4 forms of a
			 * private IPv4 address. */
			if (embedded_v4(b, &s4))
				return nono_addr_private((struct sockaddr *)&s4,
							 sizeof(s4));
		}
	}
	return false;
}

bool nono_addr_refused(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in)) {
		uint32_t a =
		    ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);

		/* 169.254.0.0/16 holds 169.254.169.254 and other clouds';
		 * 0.0.0.0/8 is this host, whatever port it names. */
		return (a >> 16) == 0xa9fe ||
		       a == 0x64640064 || /* 100.100.100.100 */
		       (a >> 24) == 0;
	}
	if (sa->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const uint8_t *b =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t ec2[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0,
						0,    0,    0,    0,    0, 0,
						0,    0,    0x02, 0x54};
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
						   0, 0, 0, 0, 0xff, 0xff};

		if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 */
			return true;
		if (IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)sa)->sin6_addr))
			return true; /* ::, this host */
		if (memcmp(b, ec2, 16) == 0)
			return true;
		if (memcmp(b, mapped, 12) == 0) {
			struct sockaddr_in s4 = {.sin_family = AF_INET};

			memcpy(&s4.sin_addr, b + 12, 4);
			return nono_addr_refused((struct sockaddr *)&s4,
						 sizeof(s4));
		}
	}
	return false;
}
