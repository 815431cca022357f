// SPDX-License-Identifier: Apache-2.0
/*
 * Writers of profiles: the resolved profile as JSON (`profile show`), one
 * line per setting (`profile diff`), and the JSON Schema (`profile
 * schema`), all from the schema table.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/profile_schema.h"
#include "util/jsonout.h"

/* --- output ------------------------------------------------------------- */

static void json_list(FILE *f, const struct nono_plist *l)
{
	fputc('[', f);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputs(", ", f);
		nono_json_str(f, l->v[i]);
	}
	fputc(']', f);
}

static void indent(FILE *f, int n)
{
	fprintf(f, "%*s", n * 2, "");
}

static void write_creds(FILE *f, const struct nono_profile *p, int lvl)
{
	fputs("{", f);
	for (size_t i = 0; i < p->net.ncreds; i++) {
		const struct nono_custom_cred *c = &p->net.creds[i];
		const char *keys[] = {"upstream", "credential_key",
				      "inject_header", "credential_format",
				      "env_var"};
		const char *vals[] = {c->upstream, c->credential_key,
				      c->inject_header, c->credential_format,
				      c->env_var};
		bool first = true;

		fputs(i ? ",\n" : "\n", f);
		indent(f, lvl + 1);
		nono_json_str(f, c->name);
		fputs(": {", f);
		for (size_t k = 0; k < 5; k++) {
			if (!vals[k])
				continue;
			fputs(first ? "" : ", ", f);
			first = false;
			nono_json_str(f, keys[k]);
			fputs(": ", f);
			nono_json_str(f, vals[k]);
		}
		if (c->nrules) {
			fputs(", \"endpoint_rules\": [", f);
			for (size_t r = 0; r < c->nrules; r++) {
				fputs(r ? ", {\"method\": " : "{\"method\": ",
				      f);
				nono_json_str(f, c->rules[r].method);
				fputs(", \"path\": ", f);
				nono_json_str(f, c->rules[r].path);
				fputc('}', f);
			}
			fputc(']', f);
		}
		fputc('}', f);
	}
	if (p->net.ncreds) {
		fputc('\n', f);
		indent(f, lvl);
	}
	fputc('}', f);
}

/* Writes the members of table @t that are set; returns how many. */
static int write_table(FILE *f, const struct nono_profile *p,
		       const struct field *t, int lvl)
{
	int count = 0;

	for (; t->key; t++) {
		const void *s = (const char *)p + t->off;

		switch (t->kind) {
		case K_SCHEMA:
			continue;
		case K_EXTENDS:
			/* Set only in a profile read from one file (a resolved
			 * profile has merged its bases). */
			if (!((const struct nono_plist *)s)->n)
				continue;
			break;
		case K_STR:
		case K_NSTR:
		case K_ENUM:
			if (!*(char *const *)s)
				continue;
			break;
		case K_CSTR:
			if (!*(const int *)((const char *)p + t->off2))
				continue;
			break;
		case K_BOOL:
			if (*(const int *)s < 0)
				continue;
			break;
		case K_LIST:
		case K_STRMAP:
			if (!((const struct nono_plist *)s)->n)
				continue;
			break;
		case K_PORTS:
			if (!((const struct nono_pports *)s)->n)
				continue;
			break;
		case K_CREDS:
			if (!p->net.ncreds)
				continue;
			break;
		case K_SECTION:
			break;
		}
		if (t->kind == K_SECTION) {
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);
			int n;

			if (!m)
				continue;
			n = write_table(m, p, t->sub, lvl + 1);
			fclose(m);
			if (n) {
				fputs(count ? ",\n" : "\n", f);
				indent(f, lvl + 1);
				nono_json_str(f, t->key);
				fputs(": {", f);
				fputs(buf, f);
				fputc('\n', f);
				indent(f, lvl + 1);
				fputc('}', f);
				count++;
			}
			free(buf);
			continue;
		}
		fputs(count ? ",\n" : "\n", f);
		indent(f, lvl + 1);
		nono_json_str(f, t->key);
		fputs(": ", f);
		count++;
		switch (t->kind) {
		case K_STR:
		case K_NSTR:
		case K_ENUM:
		case K_CSTR:
			if (*(char *const *)s)
				nono_json_str(f, *(char *const *)s);
			else
				fputs("null", f);
			break;
		case K_BOOL:
			fputs(*(const int *)s ? "true" : "false", f);
			break;
		case K_LIST:
			json_list(f, s);
			break;
		case K_STRMAP: {
			const struct nono_plist *l = s;

			fputc('{', f);
			for (size_t i = 0; i < l->n; i++) {
				const char *eq = nono_kv_split(t, l->v[i]);
				char *key =
				    strndup(l->v[i], (size_t)(eq - l->v[i]));

				fputs(i ? ", " : "", f);
				nono_json_str(f, key ? key : "");
				fputs(": ", f);
				nono_json_str(f, eq + 1);
				free(key);
			}
			fputc('}', f);
			break;
		}
		case K_PORTS: {
			const struct nono_pports *pp = s;

			fputc('[', f);
			for (size_t i = 0; i < pp->n; i++)
				fprintf(f, "%s%u", i ? ", " : "", pp->v[i]);
			fputc(']', f);
			break;
		}
		case K_CREDS:
			write_creds(f, p, lvl + 1);
			break;
		case K_EXTENDS:
			json_list(f, s);
			break;
		case K_SECTION:
		case K_SCHEMA:
			break;
		}
	}
	return count;
}

void nono_profile_write_json(FILE *f, const struct nono_profile *p)
{
	fputc('{', f);
	if (write_table(f, p, nono_profile_fields, 0))
		fputc('\n', f);
	fputs("}\n", f);
}

static void schema_table(FILE *f, const struct field *t, int lvl,
			 const char *head)
{
	fputs("{\n", f);
	if (head)
		fputs(head, f);
	indent(f, lvl + 1);
	fputs("\"type\": \"object\",\n", f);
	indent(f, lvl + 1);
	fputs("\"additionalProperties\": false,\n", f);
	indent(f, lvl + 1);
	fputs("\"properties\": {", f);
	for (const struct field *x = t; x->key; x++) {
		fputs(x == t ? "\n" : ",\n", f);
		indent(f, lvl + 2);
		nono_json_str(f, x->key);
		fputs(": ", f);
		switch (x->kind) {
		case K_SECTION:
			schema_table(f, x->sub, lvl + 2, NULL);
			continue;
		case K_STR:
		case K_SCHEMA:
			fputs("{\"type\": \"string\"", f);
			break;
		case K_NSTR:
		case K_CSTR:
			fputs("{\"type\": [\"string\", \"null\"]", f);
			break;
		case K_ENUM: {
			const char *const *e = x->sub;

			fputs("{\"enum\": [", f);
			for (size_t i = 0; e[i]; i++) {
				fputs(i ? ", " : "", f);
				nono_json_str(f, e[i]);
			}
			fputc(']', f);
			break;
		}
		case K_BOOL:
			fputs("{\"type\": \"boolean\"", f);
			break;
		case K_LIST:
			fputs("{\"type\": \"array\", \"items\": {\"type\": "
			      "\"string\"}",
			      f);
			break;
		case K_EXTENDS:
			fputs("{\"oneOf\": [{\"type\": \"string\"}, {\"type\": "
			      "\"array\", \"items\": {\"type\": \"string\"}, "
			      "\"minItems\": 1}]",
			      f);
			break;
		case K_PORTS:
			fputs("{\"type\": \"array\", \"items\": {\"type\": "
			      "\"integer\", \"minimum\": 1, \"maximum\": "
			      "65535}",
			      f);
			break;
		case K_STRMAP:
			fputs("{\"type\": \"object\", "
			      "\"additionalProperties\": {\"type\": "
			      "\"string\"}",
			      f);
			break;
		case K_CREDS:
			fputs("{\"type\": \"object\", "
			      "\"additionalProperties\": {\"type\": "
			      "\"object\", \"additionalProperties\": false, "
			      "\"required\": [\"upstream\"], \"properties\": "
			      "{\"upstream\": {\"type\": \"string\"}, "
			      "\"credential_key\": {\"type\": \"string\"}, "
			      "\"inject_header\": {\"type\": \"string\"}, "
			      "\"credential_format\": {\"type\": \"string\"}, "
			      "\"env_var\": {\"type\": \"string\"}, "
			      "\"endpoint_rules\": {\"type\": \"array\", "
			      "\"items\": {\"type\": \"object\", "
			      "\"additionalProperties\": false, \"required\": "
			      "[\"method\", \"path\"], \"properties\": "
			      "{\"method\": {\"type\": \"string\"}, \"path\": "
			      "{\"type\": \"string\"}}}}}}",
			      f);
			break;
		}
		fputs(", \"description\": ", f);
		nono_json_str(f, x->desc);
		fputc('}', f);
	}
	fputc('\n', f);
	indent(f, lvl + 1);
	fputs("}\n", f);
	indent(f, lvl);
	fputc('}', f);
}

void nono_profile_write_schema(FILE *f)
{
	schema_table(f, nono_profile_fields, 0,
		     "  \"$schema\": "
		     "\"https://json-schema.org/draft/2020-12/schema\",\n"
		     "  \"title\": \"nono profile\",\n"
		     "  \"description\": \"Grants, network policy and security "
		     "settings for a sandboxed command. JSON with // and /* */ "
		     "comments.\",\n");
	fputc('\n', f);
}

static void flat_table(FILE *f, const struct nono_profile *p,
		       const struct field *t, const char *prefix)
{
	for (; t->key; t++) {
		const void *s = (const char *)p + t->off;
		char key[128];

		snprintf(key, sizeof(key), "%s%s%s", prefix ? prefix : "",
			 prefix ? "." : "", t->key);
		switch (t->kind) {
		case K_SECTION:
			flat_table(f, p, t->sub, key);
			break;
		case K_STR:
		case K_NSTR:
		case K_ENUM:
			if (*(char *const *)s)
				fprintf(f, "%s: %s\n", key, *(char *const *)s);
			break;
		case K_CSTR:
			if (*(const int *)((const char *)p + t->off2))
				fprintf(f, "%s: %s\n", key,
					*(char *const *)s ? *(char *const *)s
							  : "null");
			break;
		case K_BOOL:
			if (*(const int *)s >= 0)
				fprintf(f, "%s: %s\n", key,
					*(const int *)s ? "true" : "false");
			break;
		case K_LIST:
		case K_STRMAP: {
			const struct nono_plist *l = s;

			for (size_t i = 0; i < l->n; i++)
				fprintf(f, "%s: %s\n", key, l->v[i]);
			break;
		}
		case K_PORTS: {
			const struct nono_pports *pp = s;

			for (size_t i = 0; i < pp->n; i++)
				fprintf(f, "%s: %u\n", key, pp->v[i]);
			break;
		}
		case K_CREDS:
			for (size_t i = 0; i < p->net.ncreds; i++) {
				const struct nono_custom_cred *c =
				    &p->net.creds[i];

				fprintf(f, "%s.%s.upstream: %s\n", key, c->name,
					c->upstream);
				if (c->credential_key)
					fprintf(f, "%s.%s.credential_key: %s\n",
						key, c->name,
						c->credential_key);
				for (size_t r = 0; r < c->nrules; r++)
					fprintf(
					    f, "%s.%s.endpoint_rule: %s %s\n",
					    key, c->name, c->rules[r].method,
					    c->rules[r].path);
			}
			break;
		case K_EXTENDS:
		case K_SCHEMA:
			break;
		}
	}
}

void nono_profile_write_flat(FILE *f, const struct nono_profile *p)
{
	flat_table(f, p, nono_profile_fields, NULL);
}
