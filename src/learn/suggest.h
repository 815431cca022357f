/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono learn's suggestions (issue 17): from the accesses a traced command
 * made, what a profile lacks, grouped into the profile's filesystem keys.
 * Suggestions that work: a file is granted as a file (never its parent),
 * a directory is offered only when the command used several of its
 * entries, nothing the plan already allows (unless "all"), and never a
 * protected path, a path the plan hides, nor a directory above one of
 * them (a grant of it would be refused, or would make an unstartable
 * profile).  Pure: the plan and the accesses in, the report out.
 */
#ifndef NONO_LEARN_SUGGEST_H
#define NONO_LEARN_SUGGEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "learn/ops.h"
#include "plan/plan.h"

struct learn_access {
	const char *path; /* absolute, canonical */
	unsigned ops;     /* LEARN_* */
	bool exists;      /* at the end of the trace */
	bool is_dir;
};

/* The profile's filesystem keys. */
enum learn_key {
	LEARN_KEY_READ,       /* directories, read */
	LEARN_KEY_WRITE,      /* directories, write */
	LEARN_KEY_ALLOW,      /* directories, read and write */
	LEARN_KEY_READ_FILE,  /* single files */
	LEARN_KEY_WRITE_FILE, /* single files, write */
	LEARN_KEY_ALLOW_FILE, /* single files, read and write */
	LEARN_KEY_COUNT,
};

/* "read", "write", "allow", "read_file", ... */
const char *learn_key_name(enum learn_key k);
/* The flag of a key: "--read", "--allow-file", ... */
const char *learn_key_flag(enum learn_key k);

struct learn_item {
	char *path; /* malloc'd */
	enum learn_key key;
	size_t uses; /* accesses it stands for */
};

/* A path the sandbox refuses whatever the profile says. */
struct learn_refusal {
	char *path;    /* malloc'd */
	char why[256]; /* "protected (SSH keys, group deny_credentials)" */
	char *flag;    /* what would lift it, or NULL; malloc'd */
};

/* A host the command asked the proxy for (proxy mode), as
 * --allow-domain takes it: "host", or "host:port" for a port other than
 * 443 and 80. */
struct learn_host {
	char *rule;   /* malloc'd */
	bool missing; /* the profile refuses it */
	size_t uses;  /* requests */
	/* Why it is never offered (an address, localhost, a name that
	 * resolves to a local address), or NULL; malloc'd. */
	char *never;
};

/* A loopback port the command connected to (--open-port) or bound
 * (--listen-port in proxy mode), refused by the profile. */
struct learn_port {
	unsigned port;
	bool listen; /* network.listen_port, else open_port */
	size_t uses;
};

/* A connection the profile allowed (listed with --all): the address, the
 * port, and the host name the command looked it up by, when known. */
struct learn_conn {
	char addr[64];
	unsigned port;
	size_t uses;
	char name[256]; /* "" when no lookup of the command's gave it */
};

/* At most this many suggestions, refusals and covered paths each: a
 * command that names millions of paths gets a report of bounded size
 * (the rest counted in @omitted). */
#define LEARN_REPORT_MAX 20000

struct learn_report {
	struct learn_item *add; /* what the profile lacks, by path */
	size_t nadd;
	struct learn_refusal *refused; /* protected or hidden, by path */
	size_t nrefused;
	struct learn_item *covered; /* already allowed (with "all") */
	size_t ncovered;
	struct learn_host *hosts; /* through the proxy (proxy mode) */
	size_t nhosts;
	struct learn_port *ports; /* direct, on loopback */
	size_t nports;
	struct learn_conn *conns; /* allowed connections (with "all") */
	size_t nconns;
	size_t metadata; /* accesses that needed no grant (stat, ...) */
	bool looked;     /* the calls that only look were heard (all) */
	size_t omitted;  /* past LEARN_REPORT_MAX */
};

/*
 * The report of @n accesses against plan @p (its grants and protection;
 * @p->home the user's home).  With @all, what the plan already allows is
 * listed too (covered).  0, or -ENOMEM (nothing allocated).
 */
int learn_suggest(const struct nono_plan *p, const struct learn_access *acc,
		  size_t n, bool all, struct learn_report *out);
void learn_report_free(struct learn_report *r);

/* A connect or bind of an internet socket the sandbox refused, as the
 * gate records it ("connect ADDR PORT", "bind ADDR PORT", "listen - 0"),
 * @uses times; @proxy: proxy mode.  A loopback port is offered
 * (open_port, or listen_port for a bind in proxy mode); anything else is
 * a refusal no grant lifts, said with the way there is.  0 or -ENOMEM. */
int learn_report_net(struct learn_report *r, const char *what, size_t uses,
		     bool proxy);
/* Adds @n hosts (moved: the report frees them) in the order given. */
void learn_report_hosts(struct learn_report *r, struct learn_host *h, size_t n);

/* The suggestions as a JSON fragment a profile takes as it is:
 * {"filesystem":{"read":[...],...},"network":{"allow_domain":[...]}},
 * paths below the home written as "$HOME/...". */
void learn_report_json(const struct learn_report *r, const char *home, FILE *f);

/* The report for a person: each suggestion as the flag that grants it
 * (with how many accesses it stands for), the refusals and what would
 * lift them, the covered accesses (when listed), the metadata count.
 * Paths below @home are written ~/... */
void learn_report_text(const struct learn_report *r, const char *home, FILE *f);

#endif
