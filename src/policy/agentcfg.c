// SPDX-License-Identifier: Apache-2.0
/*
 * Agent configuration files whose code-carrying keys the sandbox may not
 * change (see agentcfg.h).  The attack they block: a file the agent must
 * keep writable (Claude Code saves its account and project state in
 * ~/.claude.json all the time) also names programs the agent starts
 * without asking, so a sandbox that plants one there runs it, unsandboxed,
 * the next time the user starts the agent without nono.  The run keeps
 * the keys that do so as they were at its start; everything else in the
 * file stays the sandbox's.  Only key paths are compared, on trees of the
 * one JSON reader (policy/json.c, fuzzed); the writer here is what
 * fuzz/fuzz_agentcfg.c checks: its output parses again, with the keys
 * back and the rest as the sandbox left it.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/agentcfg.h"
#include "util/jsonout.h"

/*
 * Claude Code (@anthropic-ai/claude-code 2.1.197, the version
 * scripts/agents.sh installs; read from its bundled cli.js): the global
 * configuration ~/.claude.json is read with JSON.parse (a byte order mark
 * skipped) and spread over its defaults.  The keys below are those it
 * reads there that start a program, or lift the prompt before one
 * starts.  Not listed, because they run nothing: the account and its
 * caches (oauthAccount, primaryApiKey: the sandbox could switch accounts,
 * not run code), counters and history, customApiKeyResponses (which key
 * from the environment to use), bypassPermissionsModeAccepted (only the
 * warning before --dangerously-skip-permissions).  hooks, statusLine,
 * awsAuthRefresh, awsCredentialExport, otelHeadersHelper and permissions
 * are read from the settings files only (~/.claude/settings.json and the
 * project's, which the profile keeps read-only), never from here.
 */
static const char *const claude_keys[] = {
    /* User-scope MCP servers: started at every launch, no prompt. */
    "mcpServers",
    /* Copied into Claude Code's own process.env at start (w$e():
     * Object.assign(process.env, globalConfig.env)): NODE_OPTIONS=
     * --require, PATH, BASH_ENV run code in it and every tool. */
    "env",
    /* A shell command run for the API key: `claude config set -g`
     * still writes it here, and older versions ran it from here. */
    "apiKeyHelper",
    /* Local-scope MCP servers of each project: started unasked when
     * claude runs in that directory. */
    "projects.*.mcpServers",
    /* Approvals of a project's .mcp.json servers (all of them, or by
     * name): at start they are migrated into the project's
     * .claude/settings.local.json, which then starts them unasked;
     * older versions read them here directly.  A rejection removed is a
     * server asked about again, so rejections are kept too. */
    "projects.*.enableAllProjectMcpServers",
    "projects.*.enabledMcpjsonServers",
    "projects.*.disabledMcpjsonServers",
    /* The workspace trust dialog: a trusted directory, and every
     * directory below it (the check walks up), has its project
     * settings applied (hooks, MCP approvals) without the dialog;
     * projects["/"] would trust every repository the user opens. */
    "projects.*.hasTrustDialogAccepted",
    /* Per-project permission rules of older versions (Bash(*) without
     * asking). */
    "projects.*.allowedTools",
    /* Named in Claude Code's settings schema; read from the settings
     * files today, kept here against a version that reads them from the
     * global configuration. */
    "enableAllProjectMcpServers",
    "enabledMcpjsonServers",
    "disabledMcpjsonServers",
    NULL,
};

static const struct nono_agentcfg table[] = {
    {".claude.json", "Claude Code", claude_keys},
    /* Claude Code takes ~/.claude/.config.json, where it exists, as its
     * whole global configuration instead of ~/.claude.json (review 4 of
     * session 17: a server planted there ran at the next claude; the
     * profile grants ~/.claude).  One that was not there at the start
     * loses these keys when the session ends. */
    {".claude/.config.json", "Claude Code", claude_keys},
};

size_t nono_agentcfg_count(void)
{
	return sizeof(table) / sizeof(table[0]);
}

const struct nono_agentcfg *nono_agentcfg_at(size_t i)
{
	return i < nono_agentcfg_count() ? &table[i] : NULL;
}

int nono_agentcfg_parse(const char *text, size_t len, struct nono_json **out,
			struct nono_json_error *err)
{
	/* The reader skips a byte order mark itself. */
	return nono_json_parse_limits(text, len, NONO_AGENTCFG_MAX_TEXT,
				      NONO_AGENTCFG_MAX_VALUES, out, err);
}

/* A key path split at its dots (pointers into the table's string). */
#define MAX_DEPTH 8
struct kpath {
	const char *c[MAX_DEPTH];
	size_t len[MAX_DEPTH];
	size_t n;
};

struct keys {
	struct kpath p[NONO_AGENTCFG_MAX_KEYS];
	size_t n;
};

/* The table's key paths of @g, split.  -EINVAL for a malformed table
 * (caught by the unit test, never by input). */
static int split(const struct nono_agentcfg *g, struct keys *k)
{
	k->n = 0;
	for (size_t i = 0; g->keys[i]; i++) {
		struct kpath *p = &k->p[k->n];
		const char *s = g->keys[i];

		if (k->n == NONO_AGENTCFG_MAX_KEYS)
			return -EINVAL;
		p->n = 0;
		for (;;) {
			size_t l = strcspn(s, ".");

			if (l == 0 || p->n == MAX_DEPTH)
				return -EINVAL;
			p->c[p->n] = s;
			p->len[p->n++] = l;
			if (!s[l])
				break;
			s += l + 1;
		}
		k->n++;
	}
	return 0;
}

/* Does component @i of @p match member name @key? */
static bool comp_match(const struct kpath *p, size_t i, const char *key)
{
	if (p->len[i] == 1 && p->c[i][0] == '*')
		return true;
	return strlen(key) == p->len[i] && memcmp(key, p->c[i], p->len[i]) == 0;
}

static const struct nono_json *member(const struct nono_json *obj,
				      const char *key)
{
	return obj && obj->type == NONO_JSON_OBJECT ? nono_json_get(obj, key)
						    : NULL;
}

/* ---- which keys differ ---- */

struct diff {
	struct strv *out;
	int found;
	bool oom;
	char path[4096];
	size_t plen;
};

/* Appends one component to d->path: .name, or ["key"] for a key that a
 * '*' matched (project paths: any bytes), with control bytes as '?'. */
static size_t path_push(struct diff *d, const char *key, bool quoted)
{
	size_t at = d->plen, room = sizeof(d->path) - d->plen;
	int n;

	if (quoted)
		n = snprintf(d->path + at, room, "[\"%s\"]", key);
	else
		n = snprintf(d->path + at, room, "%s%s", at ? "." : "", key);
	if (n < 0 || (size_t)n >= room)
		n = (int)(room ? room - 1 : 0); /* cut; still shown */
	for (size_t i = at; i < at + (size_t)n; i++)
		if ((unsigned char)d->path[i] < 0x20 || d->path[i] == 0x7f)
			d->path[i] = '?';
	d->plen += (size_t)n;
	return at;
}

static void diff_walk(struct diff *d, const struct kpath *p, size_t i,
		      const struct nono_json *b, const struct nono_json *a);

static void diff_member(struct diff *d, const struct kpath *p, size_t i,
			const char *key, const struct nono_json *b,
			const struct nono_json *a)
{
	size_t at = path_push(d, key, p->len[i] == 1 && p->c[i][0] == '*');

	diff_walk(d, p, i + 1, b, a);
	d->plen = at;
	d->path[at] = '\0';
}

static void diff_walk(struct diff *d, const struct kpath *p, size_t i,
		      const struct nono_json *b, const struct nono_json *a)
{
	char key[256];

	if (i == p->n) {
		char *dup;

		if (nono_json_equal(b, a))
			return;
		if (d->found++ >= NONO_AGENTCFG_MAX_SHOWN)
			return;
		dup = strdup(d->path);
		if (!dup || strv_push(d->out, dup) < 0) {
			free(dup);
			d->oom = true;
		}
		return;
	}
	if (!(p->len[i] == 1 && p->c[i][0] == '*')) {
		snprintf(key, sizeof(key), "%.*s", (int)p->len[i], p->c[i]);
		diff_member(d, p, i, key, member(b, key), member(a, key));
		return;
	}
	/* Every member of either side: the union of their names. */
	if (b && b->type == NONO_JSON_OBJECT)
		for (size_t k = 0; k < b->len; k++)
			diff_member(d, p, i, b->members[k].key,
				    b->members[k].value,
				    member(a, b->members[k].key));
	if (a && a->type == NONO_JSON_OBJECT)
		for (size_t k = 0; k < a->len; k++)
			if (!member(b, a->members[k].key))
				diff_member(d, p, i, a->members[k].key, NULL,
					    a->members[k].value);
}

int nono_agentcfg_diff(const struct nono_agentcfg *g,
		       const struct nono_json *before,
		       const struct nono_json *after, struct strv *changed)
{
	struct keys k;
	struct diff *d;
	int r;

	if (split(g, &k) < 0)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->out = changed;
	for (size_t i = 0; i < k.n; i++)
		diff_walk(d, &k.p[i], 0, before, after);
	r = d->oom ? -ENOMEM : d->found;
	free(d);
	return r;
}

/* ---- the merged file ---- */

/* The key paths still in play at one depth: bit i for k->p[i]. */
typedef uint32_t kmask;

struct writer {
	FILE *f;
	const struct keys *k;
};

static void indent(struct writer *w, unsigned depth)
{
	fputc('\n', w->f);
	for (unsigned i = 0; i < depth; i++)
		fputs("  ", w->f);
}

/* A number: integers as read, others in the fewest digits that read
 * back to the same double (as JSON.stringify writes them). */
static void number(struct writer *w, const struct nono_json *v)
{
	char buf[40];

	if (v->is_int) {
		fprintf(w->f, "%lld", v->integer);
		return;
	}
	if (isinf(v->num)) {
		/* 1e400 reads as infinity, here and in JSON.parse: written
		 * so that it still does (JSON.stringify would write null). */
		fputs(v->num < 0 ? "-1e999" : "1e999", w->f);
		return;
	}
	if (isnan(v->num)) { /* JSON has no way to write one */
		fputs("null", w->f);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v->num);
		if (strtod(buf, NULL) == v->num)
			break;
	}
	/* Read as written: 5.0 stays a fraction, not the integer 5 (the
	 * reader tells them apart, and so a later compare would). */
	fputs(buf, w->f);
	if (!strpbrk(buf, ".eEni"))
		fputs(".0", w->f);
}

/* @v verbatim (as JSON, re-indented). */
static void value(struct writer *w, const struct nono_json *v, unsigned depth)
{
	switch (v->type) {
	case NONO_JSON_NULL:
		fputs("null", w->f);
		return;
	case NONO_JSON_BOOL:
		fputs(v->b ? "true" : "false", w->f);
		return;
	case NONO_JSON_NUMBER:
		number(w, v);
		return;
	case NONO_JSON_STRING:
		nono_json_strn(w->f, v->str, v->len);
		return;
	case NONO_JSON_ARRAY:
		if (!v->len) {
			fputs("[]", w->f);
			return;
		}
		fputc('[', w->f);
		for (size_t i = 0; i < v->len; i++) {
			indent(w, depth + 1);
			value(w, v->items[i], depth + 1);
			if (i + 1 < v->len)
				fputc(',', w->f);
		}
		indent(w, depth);
		fputc(']', w->f);
		return;
	case NONO_JSON_OBJECT:
		if (!v->len) {
			fputs("{}", w->f);
			return;
		}
		fputc('{', w->f);
		for (size_t i = 0; i < v->len; i++) {
			indent(w, depth + 1);
			nono_json_str(w->f, v->members[i].key);
			fputs(": ", w->f);
			value(w, v->members[i].value, depth + 1);
			if (i + 1 < v->len)
				fputc(',', w->f);
		}
		indent(w, depth);
		fputc('}', w->f);
		return;
	}
}

/* Of the paths in @m at depth @i, those that end at member @key (@leaf)
 * and those that go on below it (returned). */
static kmask step(const struct keys *k, kmask m, size_t i, const char *key,
		  bool *leaf)
{
	kmask next = 0;

	*leaf = false;
	for (size_t j = 0; j < k->n; j++) {
		if (!(m & ((kmask)1 << j)) || !comp_match(&k->p[j], i, key))
			continue;
		if (k->p[j].n == i + 1)
			*leaf = true;
		else
			next |= (kmask)1 << j;
	}
	return next;
}

/* Does @b hold any of the keys @m (at depth @i)? */
static bool holds(const struct keys *k, const struct nono_json *b, kmask m,
		  size_t i)
{
	if (!m || !b || b->type != NONO_JSON_OBJECT)
		return false;
	for (size_t j = 0; j < b->len; j++) {
		bool leaf;
		kmask next = step(k, m, i, b->members[j].key, &leaf);

		if (leaf || holds(k, b->members[j].value, next, i + 1))
			return true;
	}
	return false;
}

/* A member separator and key. */
static void key_out(struct writer *w, const char *key, unsigned depth,
		    bool *first)
{
	if (!*first)
		fputc(',', w->f);
	*first = false;
	indent(w, depth + 1);
	nono_json_str(w->f, key);
	fputs(": ", w->f);
}

/* Only the keys @m of @b (which holds() some), with the objects on
 * their way. */
static void project(struct writer *w, const struct nono_json *b, kmask m,
		    size_t i, unsigned depth)
{
	bool first = true;

	fputc('{', w->f);
	for (size_t j = 0; j < b->len; j++) {
		const struct nono_json_member *bm = &b->members[j];
		bool leaf;
		kmask next = step(w->k, m, i, bm->key, &leaf);

		if (leaf) {
			key_out(w, bm->key, depth, &first);
			value(w, bm->value, depth + 1);
		} else if (holds(w->k, bm->value, next, i + 1)) {
			key_out(w, bm->key, depth, &first);
			project(w, bm->value, next, i + 1, depth + 1);
		}
	}
	indent(w, depth);
	fputc('}', w->f);
}

static void merged(struct writer *w, const struct nono_json *a,
		   const struct nono_json *b, kmask m, size_t i,
		   unsigned depth);

/* Object @a with the keys @m (depth @i) taken from @b. */
static void merged_object(struct writer *w, const struct nono_json *a,
			  const struct nono_json *b, kmask m, size_t i,
			  unsigned depth)
{
	bool first = true;

	fputc('{', w->f);
	for (size_t j = 0; j < a->len; j++) {
		const struct nono_json_member *am = &a->members[j];
		const struct nono_json *bv = member(b, am->key);
		bool leaf;
		kmask next = step(w->k, m, i, am->key, &leaf);

		if (leaf) {
			/* The start's value, or none when it had none. */
			if (!bv)
				continue;
			key_out(w, am->key, depth, &first);
			value(w, bv, depth + 1);
			continue;
		}
		key_out(w, am->key, depth, &first);
		merged(w, am->value, bv, next, i + 1, depth + 1);
	}
	/* What the sandbox removed, back (after the rest: order in an object
	 * means nothing to JSON.parse's readers). */
	for (size_t j = 0; b && b->type == NONO_JSON_OBJECT && j < b->len;
	     j++) {
		const struct nono_json_member *bm = &b->members[j];
		bool leaf;
		kmask next;

		if (nono_json_member(a, bm->key))
			continue;
		next = step(w->k, m, i, bm->key, &leaf);
		if (leaf) {
			key_out(w, bm->key, depth, &first);
			value(w, bm->value, depth + 1);
		} else if (holds(w->k, bm->value, next, i + 1)) {
			key_out(w, bm->key, depth, &first);
			project(w, bm->value, next, i + 1, depth + 1);
		}
	}
	if (first) {
		fputc('}', w->f);
		return;
	}
	indent(w, depth);
	fputc('}', w->f);
}

/* @a (the sandbox's value), with the keys @m below it taken from @b. */
static void merged(struct writer *w, const struct nono_json *a,
		   const struct nono_json *b, kmask m, size_t i, unsigned depth)
{
	if (!m) {
		value(w, a, depth);
		return;
	}
	if (a->type == NONO_JSON_OBJECT) {
		merged_object(w, a, b, m, i, depth);
		return;
	}
	/* Not an object where the start had keys below: those come back,
	 * in an object of their own (what stood there held none). */
	if (holds(w->k, b, m, i))
		project(w, b, m, i, depth);
	else
		value(w, a, depth);
}

int nono_agentcfg_merge(const struct nono_agentcfg *g,
			const struct nono_json *before,
			const struct nono_json *after, char **out, size_t *len)
{
	static const struct nono_json empty = {.type = NONO_JSON_OBJECT};
	struct writer w = {0};
	struct keys k;
	char *buf = NULL;
	size_t n = 0;
	kmask all;
	int r;

	*out = NULL;
	*len = 0;
	if (split(g, &k) < 0)
		return -EINVAL;
	all = k.n == 32 ? UINT32_MAX : (((kmask)1 << k.n) - 1);
	w.k = &k;
	w.f = open_memstream(&buf, &n);
	if (!w.f)
		return -ENOMEM;
	merged(&w, after ? after : &empty, before, all, 0, 0);
	fputc('\n', w.f);
	r = ferror(w.f) ? -ENOMEM : 0;
	if (fclose(w.f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0 && n > 4 * (size_t)NONO_AGENTCFG_MAX_TEXT)
		r = -E2BIG;
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*len = n;
	return 0;
}
