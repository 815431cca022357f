/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the planner (plan.h is its interface): the steps plan.c chains,
 * each in its own file.  grants.c: paths, files, sockets, the working
 * directory, the gate; network.c: proxy mode and credential services;
 * protection.c: protected names, masks and the directories a run makes;
 * profile_apply.c: what a profile adds to the options.
 */
#ifndef NONO_PLAN_PLAN_INTERNAL_H
#define NONO_PLAN_PLAN_INTERNAL_H

#include <stdbool.h>

#include "plan/plan.h"

/* Canonicalises a user path into the plan's memory; NULL with the plan's
 * error (naming @flag and @path) on failure. */
char *plan_canon_user(struct nono_plan *p, const char *flag, const char *path,
		      bool *exists);
int plan_build_grants(struct run_opts *o, struct nono_plan *p);
int plan_network(struct run_opts *o, struct nono_plan *p);
int plan_bypass(const struct run_opts *o, struct nono_plan *p);
/* Lists in p->mk what a run makes before plan_protect(). */
int plan_dirs(struct nono_plan *p);
/* Adds @path to p->mk (once): a directory, or with @file a state file. */
int plan_want_dir(struct nono_plan *p, const char *path, bool parents);
int plan_want_file(struct nono_plan *p, const char *path);
/* The profile key that put @str (that very string) in the options, or
 * NULL when a flag did. */
const char *plan_source(const struct nono_plan *p, const char *str);
int plan_add_source(struct nono_plan *p, const char *str, const char *key);

bool plan_will_make(const struct nono_plan *p, const char *path);

#endif
