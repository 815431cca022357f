// SPDX-License-Identifier: Apache-2.0
/*
 * Profile loading: names to files, `extends`, parsing against the schema
 * table (profile_schema.c) and merging.  The variables of paths and the
 * built-in profiles are in profile_vars.c.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/json.h"
#include "policy/profile.h"
#include "policy/profile_schema.h"
#include "policy/profiles_data.h"
#include "util/suggest.h"

/* --- small helpers ------------------------------------------------------ */

struct loader {
	const struct nono_profile_env *env;
	char *err;
	size_t errlen;
	const char *file; /* for messages */
	/* The chain being resolved (cycle detection), and what was merged. */
	char *stack[NONO_PROFILE_MAX_DEPTH + 2];
	size_t depth;
	char **done;
	size_t ndone;
};

static int errf(struct loader *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int errf(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	if (l->err && l->errlen && !l->err[0]) {
		va_start(ap, fmt);
		vsnprintf(l->err, l->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "FILE:LINE:COL: " before a message about value @v. */
static int at(struct loader *l, unsigned line, unsigned col, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));

static int at(struct loader *l, unsigned line, unsigned col, const char *fmt,
	      ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return errf(l, "%s:%u:%u: %s", l->file, line, col, msg);
}

static void *slot(struct nono_profile *p, size_t off)
{
	return (char *)p + off;
}

int nono_plist_add(struct nono_plist *l, const char *s)
{
	char **nv, *dup;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 0;
	if (l->n >= 4096)
		return -E2BIG;
	dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		free(dup);
		return -ENOMEM;
	}
	l->v = nv;
	l->v[l->n++] = dup;
	return 0;
}

const char *nono_kv_split(const struct field *f, const char *entry)
{
	return f->check ? strchr(entry, '=') : strrchr(entry, '=');
}

/* For "key=value" lists: replaces an entry with the same key. */
static int kv_set(const struct field *f, struct nono_plist *l, const char *key,
		  const char *value)
{
	size_t klen = strlen(key);
	char *s;

	if (asprintf(&s, "%s=%s", key, value) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (nono_kv_split(f, l->v[i]) == l->v[i] + klen &&
		    strncmp(l->v[i], key, klen) == 0) {
			free(l->v[i]);
			l->v[i] = s;
			return 0;
		}
	if (nono_plist_add(l, s) < 0) {
		free(s);
		return -ENOMEM;
	}
	free(s);
	return 0;
}

static void plist_free(struct nono_plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int ports_add(struct nono_pports *l, uint16_t port)
{
	uint16_t *nv;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == port)
			return 0;
	if (l->n >= 64)
		return -E2BIG;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->v[l->n++] = port;
	return 0;
}

static int set_str(char **dst, const char *s)
{
	char *dup = s ? strdup(s) : NULL;

	if (s && !dup)
		return -ENOMEM;
	free(*dst);
	*dst = dup;
	return 0;
}

static void cred_free(struct nono_custom_cred *c)
{
	free(c->name);
	free(c->upstream);
	free(c->credential_key);
	free(c->inject_header);
	free(c->credential_format);
	free(c->env_var);
	for (size_t i = 0; i < c->nrules; i++) {
		free(c->rules[i].method);
		free(c->rules[i].path);
	}
	free(c->rules);
	memset(c, 0, sizeof(*c));
}

struct nono_profile *nono_profile_new(void)
{
	struct nono_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->net.block = -1;
	p->security.capability_elevation = -1;
	p->security.allow_gpu = -1;
	return p;
}

static void free_table(struct nono_profile *p, const struct field *t)
{
	for (; t->key; t++) {
		switch (t->kind) {
		case K_STR:
		case K_NSTR:
		case K_CSTR:
		case K_ENUM:
			free(*(char **)slot(p, t->off));
			*(char **)slot(p, t->off) = NULL;
			break;
		case K_LIST:
		case K_STRMAP:
		case K_EXTENDS:
			plist_free(slot(p, t->off));
			break;
		case K_PORTS: {
			struct nono_pports *pp = slot(p, t->off);

			free(pp->v);
			pp->v = NULL;
			pp->n = 0;
			break;
		}
		case K_CREDS:
			for (size_t i = 0; i < p->net.ncreds; i++)
				cred_free(&p->net.creds[i]);
			free(p->net.creds);
			p->net.creds = NULL;
			p->net.ncreds = 0;
			break;
		case K_SECTION:
			free_table(p, t->sub);
			break;
		case K_BOOL:
		case K_SCHEMA:
			break;
		}
	}
}

void nono_profile_free(struct nono_profile *p)
{
	if (!p)
		return;
	free_table(p, nono_profile_fields);
	free(p->source);
	free(p);
}

/* --- parsing one file --------------------------------------------------- */

static int type_err(struct loader *l, const struct nono_json *v,
		    const char *path, const char *want)
{
	return at(l, v->line, v->col, "%s: expected %s, got %s", path, want,
		  nono_json_type_name(v->type));
}

static int parse_strings(struct loader *l, const struct nono_json *v,
			 const char *path, check_fn check,
			 struct nono_plist *out)
{
	if (v->type != NONO_JSON_ARRAY)
		return type_err(l, v, path, "an array of strings");
	for (size_t i = 0; i < v->len; i++) {
		const struct nono_json *it = v->items[i];
		const char *why;

		if (it->type != NONO_JSON_STRING)
			return at(l, it->line, it->col,
				  "%s[%zu]: expected a string, got %s", path, i,
				  nono_json_type_name(it->type));
		why = check ? check(it->str) : NULL;
		if (why)
			return at(l, it->line, it->col,
				  "%s[%zu]: \"%.80s\": %s", path, i, it->str,
				  why);
		if (nono_plist_add(out, it->str) < 0)
			return errf(l, "%s: too many entries", path);
	}
	return 0;
}

static int parse_creds(struct loader *l, const struct nono_json *v,
		       const char *path, struct nono_profile *p)
{
	if (v->type != NONO_JSON_OBJECT)
		return type_err(l, v, path, "an object of credential services");
	for (size_t i = 0; i < v->len; i++) {
		const struct nono_json_member *m = &v->members[i];
		const struct nono_json *o = m->value;
		struct nono_custom_cred c = {0}, *nc;
		const char *why = nono_profile_check_name(m->key);
		static const char *const keys[] = {"upstream",
						   "credential_key",
						   "inject_header",
						   "credential_format",
						   "env_var",
						   "endpoint_rules",
						   NULL};
		char **dst[] = {&c.upstream,      &c.credential_key,
				&c.inject_header, &c.credential_format,
				&c.env_var,       NULL};

		if (why)
			return at(l, m->line, m->col, "%s.%.64s: %s", path,
				  m->key, why);
		if (o->type != NONO_JSON_OBJECT)
			return type_err(l, o, path, "an object");
		for (size_t k = 0; k < o->len; k++) {
			const struct nono_json_member *f = &o->members[k];
			size_t j;

			for (j = 0; keys[j] && strcmp(keys[j], f->key); j++)
				;
			if (!keys[j]) {
				cred_free(&c);
				return at(l, f->line, f->col,
					  "unknown key \"%.64s\" in %s.%s "
					  "(see nono profile schema)",
					  f->key, path, m->key);
			}
			if (dst[j]) {
				if (f->value->type != NONO_JSON_STRING ||
				    set_str(dst[j], f->value->str) < 0) {
					cred_free(&c);
					return type_err(l, f->value, f->key,
							"a string");
				}
				continue;
			}
			/* endpoint_rules: [{method, path}] */
			if (f->value->type != NONO_JSON_ARRAY) {
				cred_free(&c);
				return type_err(l, f->value, "endpoint_rules",
						"an array");
			}
			c.rules = calloc(f->value->len + 1, sizeof(*c.rules));
			if (!c.rules)
				return errf(l, "out of memory");
			for (size_t r = 0; r < f->value->len; r++) {
				const struct nono_json *rule =
				    f->value->items[r];
				const struct nono_json *meth =
				    nono_json_get(rule, "method");
				const struct nono_json *pth =
				    nono_json_get(rule, "path");

				if (rule->type != NONO_JSON_OBJECT || !meth ||
				    !pth || meth->type != NONO_JSON_STRING ||
				    pth->type != NONO_JSON_STRING ||
				    rule->len != 2) {
					cred_free(&c);
					return at(
					    l, rule->line, rule->col,
					    "endpoint_rules[%zu]: expected "
					    "{\"method\": \"GET\", "
					    "\"path\": \"/v1/**\"}",
					    r);
				}
				c.rules[c.nrules].method = strdup(meth->str);
				c.rules[c.nrules].path = strdup(pth->str);
				c.nrules++;
				if (!c.rules[c.nrules - 1].method ||
				    !c.rules[c.nrules - 1].path) {
					cred_free(&c);
					return errf(l, "out of memory");
				}
			}
		}
		if (!c.upstream) {
			cred_free(&c);
			return at(l, m->line, m->col,
				  "%s.%.64s: \"upstream\" is required", path,
				  m->key);
		}
		if (strncmp(c.upstream, "https://", 8) != 0 &&
		    strncmp(c.upstream, "http://127.", 11) != 0 &&
		    strncmp(c.upstream, "http://localhost", 16) != 0 &&
		    strncmp(c.upstream, "http://[::1]", 12) != 0) {
			cred_free(&c);
			return at(l, m->line, m->col,
				  "%s.%.64s.upstream: must be https://, or "
				  "http:// on a loopback address",
				  path, m->key);
		}
		c.name = strdup(m->key);
		nc = realloc(p->net.creds, (p->net.ncreds + 1) * sizeof(*nc));
		if (!c.name || !nc) {
			free(nc == p->net.creds ? NULL : nc);
			cred_free(&c);
			return errf(l, "out of memory");
		}
		p->net.creds = nc;
		p->net.creds[p->net.ncreds++] = c;
	}
	return 0;
}

static int parse_table(struct loader *l, const struct nono_json *obj,
		       const struct field *table, const char *prefix,
		       struct nono_profile *p);

static int parse_field(struct loader *l, const struct field *f,
		       const struct nono_json *v, const char *path,
		       struct nono_profile *p)
{
	switch (f->kind) {
	case K_SCHEMA:
		if (v->type != NONO_JSON_STRING)
			return type_err(l, v, path, "a string");
		return 0;
	case K_STR:
	case K_NSTR:
	case K_CSTR:
	case K_ENUM: {
		const char *why;

		if (v->type == NONO_JSON_NULL && f->kind != K_STR &&
		    f->kind != K_ENUM) {
			if (f->kind == K_CSTR)
				*(int *)slot(p, f->off2) = 1;
			return set_str(slot(p, f->off), NULL) < 0
				   ? errf(l, "out of memory")
				   : 0;
		}
		if (v->type != NONO_JSON_STRING)
			return type_err(l, v, path,
					f->kind == K_STR || f->kind == K_ENUM
					    ? "a string"
					    : "a string or null");
		if (f->kind == K_ENUM) {
			const char *const *e = f->sub;

			for (; *e && strcmp(*e, v->str); e++)
				;
			if (!*e)
				return at(l, v->line, v->col,
					  "%s: \"%.60s\" is not one of the "
					  "allowed values (nono profile schema "
					  "lists them)",
					  path, v->str);
		}
		why = f->check ? f->check(v->str) : NULL;
		if (why)
			return at(l, v->line, v->col, "%s: \"%.80s\": %s", path,
				  v->str, why);
		if (f->kind == K_CSTR)
			*(int *)slot(p, f->off2) = 1;
		return set_str(slot(p, f->off), v->str) < 0
			   ? errf(l, "out of memory")
			   : 0;
	}
	case K_BOOL:
		if (v->type != NONO_JSON_BOOL)
			return type_err(l, v, path, "true or false");
		*(int *)slot(p, f->off) = v->b;
		return 0;
	case K_LIST:
		if (parse_strings(l, v, path, f->check, slot(p, f->off)) < 0)
			return -1;
		/* Group names are checked where they are written. */
		if (l->env && l->env->group_known &&
		    (strcmp(path, "groups.include") == 0 ||
		     strcmp(path, "groups.exclude") == 0)) {
			for (size_t i = 0; i < v->len; i++) {
				const struct nono_json *it = v->items[i];
				bool req;

				if (!l->env->group_known(it->str, &req))
					return at(l, it->line, it->col,
						  "%s: unknown group \"%s\" "
						  "(nono profile groups lists "
						  "them)",
						  path, it->str);
				if (req && path[7] == 'e')
					return at(
					    l, it->line, it->col,
					    "%s: %s is a required deny "
					    "group and cannot be removed; "
					    "lift a single path with "
					    "filesystem.bypass_protection "
					    "(or --bypass-protection) and "
					    "a grant",
					    path, it->str);
			}
		}
		return 0;
	case K_EXTENDS:
		if (v->type == NONO_JSON_STRING) {
			if (!*v->str)
				return at(l, v->line, v->col,
					  "extends: empty name");
			return nono_plist_add(slot(p, f->off), v->str) < 0
				   ? errf(l, "out of memory")
				   : 0;
		}
		if (v->type != NONO_JSON_ARRAY || v->len == 0)
			return type_err(l, v, path,
					"a name or a non-empty array of names");
		return parse_strings(l, v, path, nono_profile_check_path,
				     slot(p, f->off));
	case K_PORTS:
		if (v->type != NONO_JSON_ARRAY)
			return type_err(l, v, path, "an array of port numbers");
		for (size_t i = 0; i < v->len; i++) {
			const struct nono_json *it = v->items[i];

			if (it->type != NONO_JSON_NUMBER || !it->is_int ||
			    it->integer < 1 || it->integer > 65535)
				return at(l, it->line, it->col,
					  "%s[%zu]: expected a port number "
					  "1-65535",
					  path, i);
			if (ports_add(slot(p, f->off), (uint16_t)it->integer) <
			    0)
				return errf(l, "%s: too many ports", path);
		}
		return 0;
	case K_STRMAP:
		if (v->type != NONO_JSON_OBJECT)
			return type_err(l, v, path, "an object of strings");
		for (size_t i = 0; i < v->len; i++) {
			const struct nono_json_member *m = &v->members[i];
			const char *why = f->check
					      ? f->check(m->key)
					      : nono_profile_check_path(m->key);

			if (why)
				return at(l, m->line, m->col,
					  "%s: key \"%.60s\": %s", path, m->key,
					  why);
			if (m->value->type != NONO_JSON_STRING)
				return type_err(l, m->value, path, "a string");
			if (f->check == NULL &&
			    nono_profile_check_var(m->value->str))
				return at(l, m->value->line, m->value->col,
					  "%s.%.60s: \"%.60s\" is not a valid "
					  "environment variable name",
					  path, m->key, m->value->str);
			if (kv_set(f, slot(p, f->off), m->key, m->value->str) <
			    0)
				return errf(l, "out of memory");
		}
		return 0;
	case K_CREDS:
		return parse_creds(l, v, path, p);
	case K_SECTION:
		if (v->type != NONO_JSON_OBJECT)
			return type_err(l, v, path, "an object");
		return parse_table(l, v, f->sub, path, p);
	}
	return 0;
}

static int parse_table(struct loader *l, const struct nono_json *obj,
		       const struct field *table, const char *prefix,
		       struct nono_profile *p)
{
	for (size_t i = 0; i < obj->len; i++) {
		const struct nono_json_member *m = &obj->members[i];
		const struct field *f;
		char path[128];

		for (f = table; f->key && strcmp(f->key, m->key); f++)
			;
		if (!f->key) {
			const char *keys[64], *near;
			size_t n = 0;
			char mean[96] = "";

			for (f = table; f->key && n < 64; f++)
				keys[n++] = f->key;
			near = nono_suggest(m->key, keys, n);
			if (near)
				snprintf(mean, sizeof(mean),
					 "; did you mean \"%s\"?", near);
			return at(l, m->line, m->col,
				  "unknown key \"%.64s\"%s%s%s (see nono "
				  "profile schema)",
				  m->key, prefix ? " in " : "",
				  prefix ? prefix : "", mean);
		}
		snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "",
			 prefix ? "." : "", f->key);
		if (parse_field(l, f, m->value, path, p) < 0)
			return -1;
	}
	return 0;
}

/* Parses @text (from @file) into a fresh profile, without extends. */
static int parse_text(struct loader *l, const char *file, const char *text,
		      size_t len, struct nono_profile **out)
{
	struct nono_json_error jerr;
	struct nono_json *root = NULL;
	struct nono_profile *p;
	int r;

	*out = NULL;
	l->file = file;
	r = nono_json_parse(text, len, &root, &jerr);
	if (r == -ENOMEM)
		return errf(l, "out of memory");
	if (r < 0)
		return errf(l, "%s:%u:%u: %s", file, jerr.line, jerr.col,
			    jerr.msg);
	if (root->type != NONO_JSON_OBJECT) {
		r = type_err(l, root, "profile", "an object");
		nono_json_free(root);
		return r;
	}
	p = nono_profile_new();
	if (!p) {
		nono_json_free(root);
		return errf(l, "out of memory");
	}
	r = parse_table(l, root, nono_profile_fields, NULL, p);
	nono_json_free(root);
	if (r < 0) {
		nono_profile_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* --- merging ------------------------------------------------------------ */

static int merge_creds(struct nono_profile *dst, const struct nono_profile *src)
{
	for (size_t i = 0; i < src->net.ncreds; i++) {
		const struct nono_custom_cred *s = &src->net.creds[i];
		struct nono_custom_cred c = {0}, *slotp = NULL;
		int bad = 0;

		c.name = strdup(s->name);
		bad |= !c.name;
		bad |= set_str(&c.upstream, s->upstream);
		bad |= set_str(&c.credential_key, s->credential_key);
		bad |= set_str(&c.inject_header, s->inject_header);
		bad |= set_str(&c.credential_format, s->credential_format);
		bad |= set_str(&c.env_var, s->env_var);
		if (s->nrules) {
			c.rules = calloc(s->nrules, sizeof(*c.rules));
			bad |= !c.rules;
			for (size_t r = 0; c.rules && r < s->nrules; r++) {
				c.rules[r].method = strdup(s->rules[r].method);
				c.rules[r].path = strdup(s->rules[r].path);
				c.nrules++;
				bad |= !c.rules[r].method || !c.rules[r].path;
			}
		}
		if (bad) {
			cred_free(&c);
			return -ENOMEM;
		}
		/* The child's definition of a service replaces the base's. */
		for (size_t k = 0; k < dst->net.ncreds; k++)
			if (strcmp(dst->net.creds[k].name, c.name) == 0)
				slotp = &dst->net.creds[k];
		if (slotp) {
			cred_free(slotp);
			*slotp = c;
			continue;
		}
		slotp = realloc(dst->net.creds,
				(dst->net.ncreds + 1) * sizeof(*slotp));
		if (!slotp) {
			cred_free(&c);
			return -ENOMEM;
		}
		dst->net.creds = slotp;
		dst->net.creds[dst->net.ncreds++] = c;
	}
	return 0;
}

/* Applies @src over @dst (the base so far). */
static int merge_table(struct nono_profile *dst, const struct nono_profile *src,
		       const struct field *t)
{
	int r = 0;

	for (; t->key && r == 0; t++) {
		const void *s = (const char *)src + t->off;
		void *d = slot(dst, t->off);

		switch (t->kind) {
		case K_STR:
		case K_NSTR:
		case K_ENUM:
			if (*(char *const *)s)
				r = set_str(d, *(char *const *)s);
			break;
		case K_CSTR:
			if (*(const int *)((const char *)src + t->off2)) {
				r = set_str(d, *(char *const *)s);
				*(int *)slot(dst, t->off2) = 1;
			}
			break;
		case K_BOOL:
			if (*(const int *)s >= 0)
				*(int *)d = *(const int *)s;
			break;
		case K_LIST: {
			const struct nono_plist *sl = s;

			for (size_t i = 0; i < sl->n && r == 0; i++)
				r = nono_plist_add(d, sl->v[i]);
			break;
		}
		case K_STRMAP: {
			const struct nono_plist *sl = s;

			for (size_t i = 0; i < sl->n && r == 0; i++) {
				const char *eq = nono_kv_split(t, sl->v[i]);
				char *key;

				if (!eq)
					continue;
				key =
				    strndup(sl->v[i], (size_t)(eq - sl->v[i]));
				if (!key)
					return -ENOMEM;
				r = kv_set(t, d, key, eq + 1);
				free(key);
			}
			break;
		}
		case K_PORTS: {
			const struct nono_pports *sp = s;

			for (size_t i = 0; i < sp->n && r == 0; i++)
				r = ports_add(d, sp->v[i]);
			break;
		}
		case K_CREDS:
			r = merge_creds(dst, src);
			break;
		case K_SECTION:
			r = merge_table(dst, src, t->sub);
			break;
		case K_EXTENDS:
		case K_SCHEMA:
			break;
		}
	}
	return r;
}

/* --- names, files, extends ---------------------------------------------- */

static int read_file(struct loader *l, const char *path, char **text,
		     size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errf(l, "cannot read profile %s: %s", path,
			    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return errf(l, "profile %s is not a regular file", path);
	}
	if (st.st_size > (off_t)NONO_JSON_MAX_TEXT) {
		close(fd);
		return errf(l, "profile %s is larger than %u bytes", path,
			    NONO_JSON_MAX_TEXT);
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		close(fd);
		return errf(l, "out of memory");
	}
	*len = 0;
	while (*len < (size_t)st.st_size) {
		n = read(fd, *text + *len, (size_t)st.st_size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return 0;
}

static bool looks_like_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".json") == 0) ||
	       (n > 6 && strcmp(s + n - 6, ".jsonc") == 0);
}

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The built-in or user profile name closest to @ref, into @out. */
static bool profile_near(const struct loader *l, const char *ref, char *out,
			 size_t len)
{
	const char *names[96], *near;
	char own[64][65];
	size_t n = 0, nown = 0;
	char dir[PATH_MAX];
	DIR *d = NULL;
	struct dirent *e;

	for (size_t i = 0; i < nono_profile_builtin_count() && n < 32; i++)
		names[n++] = nono_profile_builtin_name(i);
	if (l->env->config_dir &&
	    snprintf(dir, sizeof(dir), "%s/profiles", l->env->config_dir) <
		(int)sizeof(dir))
		d = opendir(dir);
	while (d && (e = readdir(d)) != NULL && nown < 64) {
		size_t nl = strlen(e->d_name);

		if (nl <= 5 || nl - 5 > 64 ||
		    strcmp(e->d_name + nl - 5, ".json") != 0)
			continue;
		snprintf(own[nown], sizeof(own[nown]), "%.*s", (int)(nl - 5),
			 e->d_name);
		names[n++] = own[nown++];
	}
	if (d)
		closedir(d);
	near = nono_suggest(ref, names, n);
	if (!near)
		return false;
	snprintf(out, len, "%s", near);
	return true;
}

/* NAME.json or NAME.jsonc in @dir into @out; both existing is an error. */
static int find_in(struct loader *l, const char *dir, const char *name,
		   char *out, size_t outlen)
{
	char a[PATH_MAX], b[PATH_MAX];
	bool ha, hb;

	if (snprintf(a, sizeof(a), "%s/%s.json", dir, name) >= (int)sizeof(a) ||
	    snprintf(b, sizeof(b), "%s/%s.jsonc", dir, name) >= (int)sizeof(b))
		return errf(l, "profile %s: path too long", name);
	ha = is_file(a);
	hb = is_file(b);
	if (ha && hb)
		return errf(l, "profile %s is ambiguous: both %s and %s exist",
			    name, a, b);
	if (!ha && !hb)
		return 0;
	snprintf(out, outlen, "%s", ha ? a : b);
	return 1;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The installed packs: config_dir/packs/<pack>/NAME.json(c). */
static int find_in_packs(struct loader *l, const char *name, char *out,
			 size_t outlen)
{
	char dir[PATH_MAX], found[PATH_MAX];
	char *packs[256];
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int hits = 0, r = 0;

	if (snprintf(dir, sizeof(dir), "%s/packs", l->env->config_dir) >=
	    (int)sizeof(dir))
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < 256) {
		if (de->d_name[0] == '.')
			continue;
		packs[n] = strdup(de->d_name);
		if (packs[n])
			n++;
	}
	closedir(d);
	qsort(packs, n, sizeof(*packs), by_str);
	for (size_t i = 0; i < n && r >= 0; i++) {
		char pdir[PATH_MAX];

		if (snprintf(pdir, sizeof(pdir), "%s/%s", dir, packs[i]) >=
		    (int)sizeof(pdir))
			continue;
		r = find_in(l, pdir, name, found, sizeof(found));
		if (r > 0) {
			if (hits++)
				r = errf(l,
					 "profile %s is in more than one pack "
					 "(%s and %s): name it by path",
					 name, out, found);
			else
				snprintf(out, outlen, "%s", found);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(packs[i]);
	return r < 0 ? -1 : hits > 0;
}

static int load_node(struct loader *l, const char *ref, const char *from_dir,
		     struct nono_profile *acc);

/* Resolves @ref: the file's path (*@path) or a built-in (*@builtin). */
static int locate(struct loader *l, const char *ref, const char *from_dir,
		  char *path, size_t pathlen, const char **builtin)
{
	const char *why;
	int r;

	*builtin = NULL;
	if (looks_like_path(ref)) {
		int n = ref[0] == '/' || !from_dir
			    ? snprintf(path, pathlen, "%s", ref)
			    : snprintf(path, pathlen, "%s/%s", from_dir, ref);

		if (n < 0 || (size_t)n >= pathlen)
			return errf(l, "profile %.80s: path too long", ref);
		if (!is_file(path))
			return errf(l, "profile %s: no such file", path);
		return 0;
	}
	why = nono_profile_check_name(ref);
	if (why)
		return errf(l, "profile name \"%.64s\": %s", ref, why);
	if (l->env->config_dir) {
		char dir[PATH_MAX];

		if (snprintf(dir, sizeof(dir), "%s/profiles",
			     l->env->config_dir) >= (int)sizeof(dir))
			return errf(l, "profile %s: path too long", ref);
		r = find_in(l, dir, ref, path, pathlen);
		if (r != 0)
			return r < 0 ? -1 : 0;
		r = find_in_packs(l, ref, path, pathlen);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	*builtin = nono_profile_builtin_text(ref);
	if (*builtin)
		return 0;
	{
		char near[80];

		if (profile_near(l, ref, near, sizeof(near)))
			return errf(l,
				    "profile \"%s\" not found; did you mean "
				    "%s? (nono profile list shows them all)",
				    ref, near);
	}
	return errf(l,
		    "profile \"%s\" not found (looked for a user profile in "
		    "%s/profiles, installed packs, and the built-in ones; "
		    "nono profile list shows them)",
		    ref, l->env->config_dir ? l->env->config_dir : "?");
}

/* Loads @ref and what it extends, merging everything into @acc. */

/* Appends @str to @buf (@cap bytes, @off used), cut to fit: a long extends
 * chain is shortened in the message, never overrun. */
static void chain_add(char *buf, size_t cap, size_t *off, const char *str)
{
	size_t n = strlen(str);

	if (*off + 1 >= cap)
		return;
	if (n > cap - 1 - *off)
		n = cap - 1 - *off;
	memcpy(buf + *off, str, n);
	*off += n;
	buf[*off] = '\0';
}
static int load_node(struct loader *l, const char *ref, const char *from_dir,
		     struct nono_profile *acc)
{
	char path[PATH_MAX], id[PATH_MAX + 16], dir[PATH_MAX];
	const char *builtin, *saved_file = l->file;
	struct nono_profile *p = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (locate(l, ref, from_dir, path, sizeof(path), &builtin) < 0)
		return -1;
	if (builtin) {
		snprintf(id, sizeof(id), "built-in:%s", ref);
	} else {
		char *canon = realpath(path, NULL);

		snprintf(id, sizeof(id), "%s", canon ? canon : path);
		free(canon);
	}
	for (size_t i = 0; i < l->depth; i++)
		if (strcmp(l->stack[i], id) == 0) {
			char chain[1024];
			size_t off = 0;

			chain[0] = '\0';
			for (size_t k = i; k < l->depth; k++) {
				chain_add(chain, sizeof(chain), &off,
					  l->stack[k]);
				chain_add(chain, sizeof(chain), &off, " -> ");
			}
			chain_add(chain, sizeof(chain), &off, id);
			return errf(l, "extends cycle: %s", chain);
		}
	/* A base shared by several parents is merged once. */
	for (size_t i = 0; i < l->ndone; i++)
		if (strcmp(l->done[i], id) == 0)
			return 0;
	if (l->depth > NONO_PROFILE_MAX_DEPTH)
		return errf(l,
			    "extends chain deeper than %d at %s (%s extends "
			    "it)",
			    NONO_PROFILE_MAX_DEPTH, id, l->stack[l->depth - 1]);
	if (builtin) {
		r = parse_text(l, id, builtin, strlen(builtin), &p);
	} else {
		if (read_file(l, path, &text, &len) < 0)
			return -1;
		r = parse_text(l, path, text, len, &p);
		free(text);
	}
	if (r < 0)
		return -1;
	l->stack[l->depth] = strdup(id);
	if (!l->stack[l->depth]) {
		nono_profile_free(p);
		return errf(l, "out of memory");
	}
	l->depth++;
	snprintf(dir, sizeof(dir), "%s", builtin ? "" : path);
	if (!builtin) {
		char *slash = strrchr(dir, '/');

		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
	}
	r = 0;
	for (size_t i = 0; i < p->extends.n && r == 0; i++)
		r = load_node(l, p->extends.v[i], builtin ? NULL : dir, acc);
	l->depth--;
	free(l->stack[l->depth]);
	l->stack[l->depth] = NULL;
	l->file = saved_file;
	/* meta describes one file: the nono_profile_fields one's, never a
	 * base's. */
	if (r == 0 && l->depth == 0) {
		set_str(&acc->name, NULL);
		set_str(&acc->version, NULL);
		set_str(&acc->description, NULL);
		set_str(&acc->author, NULL);
	}
	if (r == 0 && merge_table(acc, p, nono_profile_fields) < 0)
		r = errf(l, "out of memory");
	if (r == 0) {
		char **nd = realloc(l->done, (l->ndone + 1) * sizeof(*nd));

		if (!nd || !(nd[l->ndone] = strdup(id))) {
			if (nd)
				l->done = nd;
			r = errf(l, "out of memory");
		} else {
			l->done = nd;
			l->ndone++;
		}
	}
	nono_profile_free(p);
	return r;
}

/* Groups named in the resolved profile must exist; required deny groups
 * cannot be excluded. */
static int check_groups(struct loader *l, const struct nono_profile *p)
{
	bool required;

	if (!l->env->group_known)
		return 0;
	for (size_t i = 0; i < p->groups_include.n; i++)
		if (!l->env->group_known(p->groups_include.v[i], &required))
			return errf(l,
				    "profile %s: groups.include: unknown "
				    "group \"%s\" (nono profile groups lists "
				    "them)",
				    p->name, p->groups_include.v[i]);
	for (size_t i = 0; i < p->groups_exclude.n; i++) {
		const char *g = p->groups_exclude.v[i];

		if (!l->env->group_known(g, &required))
			return errf(l,
				    "profile %s: groups.exclude: unknown "
				    "group \"%s\" (nono profile groups lists "
				    "them)",
				    p->name, g);
		if (required)
			return errf(l,
				    "profile %s: groups.exclude: %s is a "
				    "required deny group and cannot be "
				    "removed; lift a single path with "
				    "filesystem.bypass_protection (or "
				    "--bypass-protection) and a grant",
				    p->name, g);
	}
	return 0;
}

int nono_profile_load(const struct nono_profile_env *env,
		      const char *name_or_path, struct nono_profile **out,
		      char *err, size_t errlen)
{
	struct loader l = {.env = env, .err = err, .errlen = errlen};
	struct nono_profile *acc;
	char path[PATH_MAX];
	const char *builtin;
	int r;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	acc = nono_profile_new();
	if (!acc)
		return errf(&l, "out of memory");
	r = load_node(&l, name_or_path, NULL, acc);
	for (size_t i = 0; i < l.ndone; i++)
		free(l.done[i]);
	free(l.done);
	if (r == 0 && !acc->name) {
		/* Unnamed: the name it was asked by (a file's basename). */
		const char *b = strrchr(name_or_path, '/');
		char *n = strdup(b ? b + 1 : name_or_path), *dot;

		if (n && (dot = strstr(n, ".json")))
			*dot = '\0';
		acc->name = n;
		if (!n)
			r = errf(&l, "out of memory");
	}
	if (r == 0) {
		if (locate(&l, name_or_path, NULL, path, sizeof(path),
			   &builtin) < 0)
			r = -1;
		else
			acc->source = strdup(builtin ? "built-in" : path);
		if (r == 0 && !acc->source)
			r = errf(&l, "out of memory");
	}
	if (r == 0)
		r = check_groups(&l, acc);
	if (r < 0) {
		nono_profile_free(acc);
		return -1;
	}
	*out = acc;
	return 0;
}

int nono_profile_parse(const char *file, const char *text, size_t len,
		       struct nono_profile **out, char *err, size_t errlen)
{
	struct loader l = {.err = err, .errlen = errlen};

	if (err && errlen)
		err[0] = '\0';
	return parse_text(&l, file, text, len, out);
}
