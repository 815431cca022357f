/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which hosts the proxy lets a sandbox reach: an allowlist built from a
 * network profile and --allow-domain entries (exact hosts, "*.suffix"
 * wildcards, and https://host/path/glob rules), and the destinations that
 * are refused whatever the list says (cloud metadata names and addresses,
 * link-local ranges).
 */
#ifndef NONO_PROXY_HOSTS_H
#define NONO_PROXY_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct nono_allowlist;

struct nono_allowlist *nono_allowlist_new(void);
void nono_allowlist_free(struct nono_allowlist *a);

/*
 * Adds one --allow-domain entry: "host", "*.suffix", or
 * "https://host[/path glob]" ("*" one path segment, "**" any), each with an
 * optional ":port" after the host (other ports than 443 and 80 need it;
 * ":*" allows every port).  Returns 0,
 * or -EINVAL with *@why naming the problem.
 */
int nono_allowlist_add(struct nono_allowlist *a, const char *entry,
		       const char **why);

/* The entries, in the order added, as they were spelt ("*.suffix",
 * "https://host/glob"), written to @buf (@len bytes). */
size_t nono_allowlist_count(const struct nono_allowlist *a);
const char *nono_allowlist_entry(const struct nono_allowlist *a, size_t i,
				 char *buf, size_t len);

/* Adds every host of network profile @name; -ENOENT if there is none. */
int nono_allowlist_add_profile(struct nono_allowlist *a, const char *name);

/* The network profiles, for messages and documentation. */
size_t nono_network_profile_count(void);
const char *nono_network_profile_name(size_t i);
const char *nono_network_profile_description(size_t i);

/* True for a loopback, unspecified or private address (127/8, 0/8,
 * 10/8, 172.16/12, 192.168/16, 100.64/10, ::1, ::, fc00::/7, and their
 * v4-mapped forms): a host allowed by name reaches one only with a literal
 * grant of that address (or a name for loopback itself: localhost). */
bool nono_addr_private(const struct sockaddr *sa, socklen_t len);
/* Whether @sa is a global unicast address: none of the loopback, private,
 * shared, link-local, documentation, benchmarking, multicast or reserved
 * ranges, IPv4 carried in IPv6 judged as IPv4 (mapped, compatible, NAT64,
 * 6to4), Teredo refused.  What nono learn lets a name through to. */
bool nono_addr_global(const struct sockaddr *sa, socklen_t len);

enum nono_host_verdict {
	NONO_HOST_ALLOWED,
	NONO_HOST_NOT_LISTED,
	NONO_HOST_METADATA, /* refused whatever the list says */
	NONO_HOST_INVALID,
};

/*
 * Decides @host (lower-case, as the parser leaves it) and, when @path is
 * not NULL (a request the proxy can see into), the path against the rules
 * with path globs.  *@has_path_rules (may be NULL) says whether the host
 * has path rules at all (then an opaque tunnel cannot be checked).
 */
enum nono_host_verdict nono_allowlist_check(const struct nono_allowlist *a,
					    const char *host, const char *path,
					    bool *has_path_rules);

/* nono_allowlist_check for a request to @port (0: any port): only the
 * rules that allow that port count, host, port and path from one rule. */
enum nono_host_verdict nono_allowlist_check_port(const struct nono_allowlist *a,
						 const char *host,
						 unsigned port,
						 const char *path,
						 bool *has_path_rules);

/* A tunnel (CONNECT) to @host may use @port: a matching rule names that
 * port, or names none and the port is 443 or 80.  (The host itself is
 * nono_allowlist_check's.) */
bool nono_allowlist_port_ok(const struct nono_allowlist *a, const char *host,
			    unsigned port);

/* @path against @pat: "*" matches within one path segment, "**" across
 * segments, anything else literally (linear in both; no backtracking). */
bool nono_path_glob(const char *pat, const char *path);

/* True when a resolved address must never be connected to: link-local
 * (169.254/16, fe80::/10) and the metadata addresses, also as IPv4-mapped
 * IPv6. */
bool nono_addr_refused(const struct sockaddr *sa, socklen_t len);

#endif
