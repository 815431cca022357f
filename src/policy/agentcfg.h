/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Agent configuration files the sandbox may write but whose code-carrying
 * keys it may not change: a table of files below $HOME, each with the JSON
 * key paths that make the agent start a program outside nono (MCP
 * servers, environment, approvals), and the pure logic the run uses at
 * its end: which of those keys differ from the start, and the file as the
 * sandbox left it with those keys put back.  No I/O here (cli/run_agentcfg.c
 * reads and writes the files).
 */
#ifndef NONO_POLICY_AGENTCFG_H
#define NONO_POLICY_AGENTCFG_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/json.h"
#include "util/strv.h"

/* Limits for reading one of these files: larger is refused, never cut. */
#define NONO_AGENTCFG_MAX_TEXT (16u << 20)
#define NONO_AGENTCFG_MAX_VALUES (1u << 20)
/* The most key paths one entry may list (they are a bit mask inside). */
#define NONO_AGENTCFG_MAX_KEYS 32
/* The most changed keys named (in messages and the audit trail). */
#define NONO_AGENTCFG_MAX_SHOWN 64

struct nono_agentcfg {
	const char *rel;   /* below $HOME, no "..", no leading '/' */
	const char *agent; /* who runs what it names, for messages */
	/* Key paths, NULL-terminated: members separated by '.', "*" for
	 * every member of an object (no key written here holds a '.'). */
	const char *const *keys;
};

/* The table: how many entries, and entry @i (NULL past the end). */
size_t nono_agentcfg_count(void);
const struct nono_agentcfg *nono_agentcfg_at(size_t i);

/* Parses @len bytes of a file of the table with its limits (a UTF-8 byte
 * order mark is skipped, as the agents do).  As nono_json_parse(). */
int nono_agentcfg_parse(const char *text, size_t len, struct nono_json **out,
			struct nono_json_error *err)
    __attribute__((warn_unused_result));

/*
 * The concrete keys of @g whose values differ between @before and
 * @after (a key present in one only differs; NULL stands for an empty
 * object), appended to @changed as display strings such as
 * `projects["/home/u/w"].mcpServers` (caller frees them; the first
 * NONO_AGENTCFG_MAX_SHOWN only).  Returns the number found, or -ENOMEM.
 */
int nono_agentcfg_diff(const struct nono_agentcfg *g,
		       const struct nono_json *before,
		       const struct nono_json *after, struct strv *changed)
    __attribute__((warn_unused_result));

/*
 * @after written as JSON (2-space indent, keys in its order), with every
 * key of @g as it was in @before: changed ones back, added ones removed,
 * removed ones added again (with the objects on their way).  Everything
 * else is @after's.  *@out (NUL-terminated, caller frees) and *@len are
 * written only on success.  0, -ENOMEM, or -E2BIG past 4 x
 * NONO_AGENTCFG_MAX_TEXT.
 */
int nono_agentcfg_merge(const struct nono_agentcfg *g,
			const struct nono_json *before,
			const struct nono_json *after, char **out, size_t *len)
    __attribute__((warn_unused_result));

#endif
