// SPDX-License-Identifier: Apache-2.0
/*
 * Environment credentials: plans the variables from flags and the profile,
 * loads their secrets before the sandbox is applied, and wipes nono's copy
 * once the command has exec'd.  The command can read these variables: for
 * API keys that only travel in HTTP headers, the proxy's --credential
 * keeps them out of the sandbox instead.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/envcred.h"
#include "cli/output.h"
#include "cred/secret.h"
#include "policy/envclean.h"
#include "util/envname.h"
#include "util/errbuf.h"

#define MAX_CREDS 256
#define VAR_MAX 255

struct entry {
	char *ref, *var;
	const char *origin; /* the flag, variable or "profile" */
	bool from_profile;
	struct nono_secret env; /* "VAR=value" once loaded */
};

struct cli_envcred {
	struct entry v[MAX_CREDS];
	size_t n;
	char profile_origin[128]; /* "profile NAME: env_credentials" */
};

/* Variables nono itself sets for the command. */
static bool nono_owned(const char *var, bool proxy_mode)
{
	static const char *const proxy_vars[] = {
	    "HTTP_PROXY",         "HTTPS_PROXY",    "http_proxy",
	    "https_proxy",        "NO_PROXY",       "no_proxy",
	    "NODE_USE_ENV_PROXY", "SSL_CERT_FILE",  "CURL_CA_BUNDLE",
	    "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS",
	};

	if (strcmp(var, "NONO_SANDBOX") == 0)
		return true;
	for (size_t i = 0;
	     proxy_mode && i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		if (strcmp(var, proxy_vars[i]) == 0)
			return true;
	return false;
}

static int check_var(const char *var, bool proxy_mode, char *err, size_t errlen)
{
	if (!nono_env_name_ok(var, VAR_MAX))
		return nono_errf(
		    err, errlen,
		    "'%.100s' is not a valid environment variable name "
		    "(letters, digits and _, not starting with a "
		    "digit)",
		    var);
	/* A credential must not become a way around environment
	 * hygiene: LD_PRELOAD=/path would load code into the command. */
	if (nono_env_is_dropped(var, strlen(var)))
		return nono_errf(
		    err, errlen,
		    "%s can inject code into programs and is always "
		    "dropped from the command's environment; choose "
		    "another variable",
		    var);
	if (nono_owned(var, proxy_mode))
		return nono_errf(err, errlen,
				 "nono sets %s for the command itself; choose "
				 "another variable",
				 var);
	return 0;
}

static struct entry *find_var(struct cli_envcred *e, const char *var)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->v[i].var, var) == 0)
			return &e->v[i];
	return NULL;
}

bool cli_envcred_has(struct cli_envcred *e, const char *var)
{
	return e && var && find_var(e, var) != NULL;
}

/* Adds one checked entry; @ref and @var are copied. */
static int add(struct cli_envcred *e, const char *origin, bool from_profile,
	       const char *ref, size_t reflen, const char *var, bool proxy_mode,
	       char *err, size_t errlen)
{
	char *r = strndup(ref, reflen), *v = strdup(var);
	struct entry *old;
	char msg[1024];

	if (!r || !v) {
		free(r);
		free(v);
		return nono_errf(err, errlen, "out of memory");
	}
	if (nono_secret_ref_check(r, msg, sizeof(msg)) < 0 ||
	    check_var(v, proxy_mode, msg, sizeof(msg)) < 0) {
		free(r);
		free(v);
		/* The reference check's message starts "credential 'REF'". */
		return nono_errf(err, errlen, "%s: %s", origin, msg);
	}
	old = find_var(e, v);
	if (old && old->from_profile && !from_profile) {
		/* A flag is more specific than the profile it runs with. */
		out_verbose_msg(1,
				"%s: %s comes from '%s', not the profile's "
				"'%s'",
				origin, v, r, old->ref);
		free(old->ref);
		free(v);
		old->ref = r;
		old->origin = origin;
		old->from_profile = false;
		return 0;
	}
	if (old) {
		nono_errf(err, errlen,
			  "%s is set by two credentials: '%.200s' (%s) and "
			  "'%.200s' (%s); keep one",
			  v, old->ref, old->origin, r, origin);
		free(r);
		free(v);
		return -1;
	}
	if (e->n >= MAX_CREDS) {
		free(r);
		free(v);
		return nono_errf(err, errlen, "%s: at most %d credentials",
				 origin, MAX_CREDS);
	}
	e->v[e->n++] = (struct entry){
	    .ref = r, .var = v, .origin = origin, .from_profile = from_profile};
	return 0;
}

/*
 * One item of --env-credential: `REF=VAR`, or a keystore account (bare or
 * keystore://NAME) whose variable is its upper-cased name, as the
 * reference has it (openai_api_key becomes OPENAI_API_KEY).
 */
static int add_item(struct cli_envcred *e, const char *origin, const char *item,
		    size_t len, bool proxy_mode, char *err, size_t errlen)
{
	char var[VAR_MAX + 1], ref[NONO_SECRET_REF_MAX + 1], msg[1024];
	const char *eq = NULL, *name;
	size_t n;

	for (size_t i = 0; i < len; i++)
		if (item[i] == '=')
			eq = item + i; /* the last one: REF may hold '=' */
	if (eq) {
		n = (size_t)(item + len - eq - 1);
		if (n == 0 || n > VAR_MAX)
			return nono_errf(
			    err, errlen, "%s %.*s: expected REF=VARIABLE",
			    origin, (int)(len > 200 ? 200 : len), item);
		memcpy(var, eq + 1, n);
		var[n] = '\0';
		return add(e, origin, false, item, (size_t)(eq - item), var,
			   proxy_mode, err, errlen);
	}
	if (len > NONO_SECRET_REF_MAX)
		return nono_errf(err, errlen,
				 "%s: credential reference too long", origin);
	memcpy(ref, item, len);
	ref[len] = '\0';
	if (nono_secret_ref_check(ref, msg, sizeof(msg)) < 0)
		return nono_errf(err, errlen, "%s: %s", origin, msg);
	if (strncmp(ref, "keystore://", 11) == 0)
		name = ref + 11;
	else if (strstr(ref, "://"))
		return nono_errf(
		    err, errlen,
		    "%s %.200s: name the variable: %.200s=VARIABLE (or "
		    "--env-credential-map REF VARIABLE)",
		    origin, ref, ref);
	else
		name = ref;
	n = strlen(name);
	if (n > VAR_MAX)
		return nono_errf(err, errlen,
				 "%s %.200s: account name too long", origin,
				 ref);
	for (size_t i = 0; i < n; i++)
		var[i] = (char)toupper((unsigned char)name[i]);
	var[n] = '\0';
	if (!nono_env_name_ok(var, VAR_MAX))
		return nono_errf(
		    err, errlen,
		    "%s %.200s: %s is not a valid environment variable "
		    "name; name one: %.200s=VARIABLE",
		    origin, ref, var, ref);
	return add(e, origin, false, ref, len, var, proxy_mode, err, errlen);
}

int cli_envcred_plan(const struct run_opts *o, const struct nono_profile *p,
		     bool proxy_mode, struct cli_envcred **out, char *err,
		     size_t errlen)
{
	struct cli_envcred *e;
	const char *item_origin = o->env_credential_from_env
				      ? "NONO_ENV_CREDENTIAL"
				      : "--env-credential";
	int r = -1;

	*out = NULL;
	if (!o->env_credential.n && !o->env_credential_map.n &&
	    (!p || !p->env_credentials.n))
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return nono_errf(err, errlen, "out of memory");
	snprintf(e->profile_origin, sizeof(e->profile_origin),
		 "profile %s: env_credentials", p ? p->name : "");
	/* The profile's "REF": "VAR" entries, stored as "REF=VAR": VAR holds
	 * no '=', so the last one splits them. */
	for (size_t i = 0; p && i < p->env_credentials.n; i++) {
		const char *s = p->env_credentials.v[i];
		const char *eq = strrchr(s, '=');

		if (!eq) {
			nono_errf(err, errlen,
				  "profile %s: env_credentials: "
				  "malformed entry",
				  p->name);
			goto out;
		}
		if (add(e, e->profile_origin, true, s, (size_t)(eq - s), eq + 1,
			proxy_mode, err, errlen) < 0)
			goto out;
	}
	for (size_t i = 0; i < o->env_credential.n; i++) {
		const char *s = o->env_credential.v[i];

		while (*s) {
			size_t n = strcspn(s, ",");

			if (n > 0 && add_item(e, item_origin, s, n, proxy_mode,
					      err, errlen) < 0)
				goto out;
			s += n;
			if (*s == ',')
				s++;
		}
	}
	for (size_t i = 0; i + 1 < o->env_credential_map.n; i += 2)
		if (add(e, "--env-credential-map", false,
			o->env_credential_map.v[i],
			strlen(o->env_credential_map.v[i]),
			o->env_credential_map.v[i + 1], proxy_mode, err,
			errlen) < 0)
			goto out;
	if (e->n) {
		*out = e;
		e = NULL;
	}
	r = 0;
out:
	cli_envcred_free(e);
	return r;
}

void cli_envcred_print(const struct cli_envcred *e)
{
	if (!e)
		return;
	printf("Credentials (loaded when the command starts; values never "
	       "shown):\n");
	for (size_t i = 0; i < e->n; i++) {
		char what[1200];

		if (nono_secret_ref_describe(e->v[i].ref, what, sizeof(what)) <
		    0)
			snprintf(what, sizeof(what), "?");
		printf("  [env] %s <- %s (%s)\n", e->v[i].var, e->v[i].ref,
		       what);
	}
}

int cli_envcred_load(struct cli_envcred *e, char *err, size_t errlen)
{
	for (size_t i = 0; e && i < e->n; i++) {
		struct entry *x = &e->v[i];
		struct nono_secret s = {0};
		size_t vl = strlen(x->var);
		char what[1200];

		if (nono_secret_load(x->ref, &s, err, errlen) < 0)
			return -1;
		if (nono_secret_alloc(&x->env, vl + 1 + s.len) < 0) {
			nono_secret_wipe(&s);
			return nono_errf(err, errlen, "out of memory");
		}
		memcpy(x->env.data, x->var, vl);
		x->env.data[vl] = '=';
		memcpy(x->env.data + vl + 1, s.data, s.len);
		nono_secret_wipe(&s);
		if (nono_secret_ref_describe(x->ref, what, sizeof(what)) < 0)
			snprintf(what, sizeof(what), "?");
		out_verbose_msg(1, "credential %s loaded from %s", x->var,
				what);
	}
	return 0;
}

int cli_envcred_apply(struct cli_envcred *e, char ***env)
{
	size_t n = 0;
	char **v;

	if (!e || !e->n)
		return 0;
	while ((*env)[n])
		n++;
	v = realloc(*env, (n + e->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	*env = v;
	for (size_t i = 0; i < e->n; i++) {
		size_t vl = strlen(e->v[i].var), k;

		if (!e->v[i].env.data)
			continue;
		bool had = false;

		/* The credential wins over the variable of the same name
		 * from the host or the profile's environment.set: every
		 * copy of it goes. */
		for (k = 0; k < n; k++)
			if (strncmp(v[k], e->v[i].var, vl) == 0 &&
			    v[k][vl] == '=') {
				v[k--] = v[--n];
				had = true;
			}
		if (had)
			out_verbose_msg(1,
					"credential %s replaces the variable "
					"of the same name",
					e->v[i].var);
		v[n++] = e->v[i].env.data;
	}
	v[n] = NULL;
	return 0;
}

void cli_envcred_wipe(struct cli_envcred *e)
{
	for (size_t i = 0; e && i < e->n; i++)
		nono_secret_wipe(&e->v[i].env);
}

void cli_envcred_free(struct cli_envcred *e)
{
	if (!e)
		return;
	cli_envcred_wipe(e);
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].ref);
		free(e->v[i].var);
	}
	free(e);
}
