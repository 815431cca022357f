/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The profile schema, inside the policy layer: one table says, for every
 * key, its JSON type, where it lands in struct nono_profile, how it merges
 * and what it means.  Parsing and merging (profile.c) and the writers
 * (profile_out.c) all walk it, so the JSON Schema that `nono profile
 * schema` prints is what loading enforces.
 */
#ifndef NONO_POLICY_PROFILE_SCHEMA_H
#define NONO_POLICY_PROFILE_SCHEMA_H

#include <stddef.h>

#include "policy/profile.h"

enum kind {
	K_STR,     /* string */
	K_NSTR,    /* string or null (null: unset) */
	K_CSTR,    /* string, or null to clear an inherited value */
	K_ENUM,    /* one of sub-list strings */
	K_BOOL,    /* true/false */
	K_LIST,    /* array of strings */
	K_PORTS,   /* array of integers 1..65535 */
	K_STRMAP,  /* object of strings, kept as "key=value" */
	K_CREDS,   /* network.custom_credentials */
	K_EXTENDS, /* string or array of strings */
	K_SCHEMA,  /* "$schema": a string, ignored */
	K_SECTION, /* object with its own table */
};

/* Checks one string item; returns a message or NULL. */
typedef const char *(*check_fn)(const char *s);

struct field {
	const char *key;
	enum kind kind;
	size_t off, off2; /* off2: the "set" flag of K_CSTR */
	const void *sub;  /* K_SECTION: struct field[]; K_ENUM: char*[] */
	check_fn check;
	const char *desc;
};

/* The top level; K_SECTION entries point at their own tables. */
extern const struct field nono_profile_fields[];

const char *nono_profile_check_var(const char *s);
const char *nono_profile_check_path(const char *s);
const char *nono_profile_check_name(const char *s);

/* The '=' that splits a K_STRMAP entry "key=value".  A map whose keys are
 * checked (environment.set: NAME -> value) has no '=' in its keys, so the
 * first one splits; one whose values are variable names (env_credentials:
 * REF -> VAR, and a REF may hold '=') has none in its values, so the last
 * one does.  NULL when the entry has no '='. */
const char *nono_kv_split(const struct field *f, const char *entry);

#endif
