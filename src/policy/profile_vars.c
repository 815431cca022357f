// SPDX-License-Identifier: Apache-2.0
/*
 * The variables a profile's paths may use ($HOME, ~, $WORKDIR, $TMPDIR,
 * $XDG_CONFIG_HOME, $UID), expanded against the loading environment, and
 * the built-in profiles compiled into nono.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/profile.h"
#include "policy/profiles_data.h"

/* --- variables ---------------------------------------------------------- */

static const char *var_value(const struct nono_profile_env *env,
			     const char *name, size_t n, char *buf,
			     size_t buflen)
{
	static const struct {
		const char *var, *fallback; /* fallback below $HOME */
	} xdg[] = {
	    {"XDG_CONFIG_HOME", ".config"},
	    {"XDG_CACHE_HOME", ".cache"},
	    {"XDG_DATA_HOME", ".local/share"},
	    {"XDG_STATE_HOME", ".local/state"},
	};
	const char *v;

#define IS(s) (n == strlen(s) && strncmp(name, s, n) == 0)
	if (IS("HOME"))
		return env->home;
	if (IS("WORKDIR"))
		return env->workdir;
	if (IS("TMPDIR")) {
		v = getenv("TMPDIR");
		return v && v[0] == '/' ? v : "/tmp";
	}
	if (IS("UID")) {
		snprintf(buf, buflen, "%u", (unsigned)getuid());
		return buf;
	}
	if (IS("XDG_RUNTIME_DIR")) {
		v = getenv("XDG_RUNTIME_DIR");
		if (v && v[0] == '/')
			return v;
		snprintf(buf, buflen, "/run/user/%u", (unsigned)getuid());
		return buf;
	}
	for (size_t i = 0; i < sizeof(xdg) / sizeof(xdg[0]); i++)
		if (IS(xdg[i].var)) {
			v = getenv(xdg[i].var);
			if (v && v[0] == '/')
				return v;
			if (!env->home)
				return NULL;
			snprintf(buf, buflen, "%s/%s", env->home,
				 xdg[i].fallback);
			return buf;
		}
#undef IS
	return NULL;
}

int nono_profile_expand(const struct nono_profile_env *env, const char *in,
			char **out, char *err, size_t errlen)
{
	char res[PATH_MAX];
	size_t n = 0;
	const char *p = in;

	*out = NULL;
#define PUT(s, len)                                                            \
	do {                                                                   \
		if (n + (len) >= sizeof(res)) {                                \
			snprintf(err, errlen, "%.80s: path too long", in);     \
			return -1;                                             \
		}                                                              \
		memcpy(res + n, (s), (len));                                   \
		n += (len);                                                    \
	} while (0)
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		if (!env->home) {
			snprintf(err, errlen, "%.80s: ~ needs a home directory",
				 in);
			return -1;
		}
		PUT(env->home, strlen(env->home));
		p++;
	}
	while (*p) {
		const char *name, *v;
		char buf[PATH_MAX];
		size_t len;
		bool braced = false;

		if (*p != '$') {
			PUT(p, 1);
			p++;
			continue;
		}
		name = p + 1;
		if (*name == '{') {
			braced = true;
			name++;
		}
		for (len = 0;
		     isalnum((unsigned char)name[len]) || name[len] == '_';
		     len++)
			;
		if (len == 0 || (braced && name[len] != '}')) {
			snprintf(err, errlen,
				 "%.80s: a '$' must start a variable "
				 "($HOME, $WORKDIR, ...)",
				 in);
			return -1;
		}
		v = var_value(env, name, len, buf, sizeof(buf));
		if (!v) {
			snprintf(
			    err, errlen,
			    "%.80s: unknown variable $%.*s (known: HOME, "
			    "WORKDIR, TMPDIR, UID, XDG_CONFIG_HOME, "
			    "XDG_CACHE_HOME, XDG_DATA_HOME, XDG_STATE_HOME, "
			    "XDG_RUNTIME_DIR)",
			    in, (int)len, name);
			return -1;
		}
		PUT(v, strlen(v));
		p = name + len + (braced ? 1 : 0);
	}
#undef PUT
	res[n] = '\0';
	*out = strdup(res);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* --- built-ins ---------------------------------------------------------- */

size_t nono_profile_builtin_count(void)
{
	return nono_builtin_profiles_count;
}

const char *nono_profile_builtin_name(size_t i)
{
	return i < nono_builtin_profiles_count ? nono_builtin_profiles[i].name
					       : NULL;
}

const char *nono_profile_builtin_text(const char *name)
{
	for (size_t i = 0; i < nono_builtin_profiles_count; i++)
		if (strcmp(nono_builtin_profiles[i].name, name) == 0)
			return nono_builtin_profiles[i].text;
	return NULL;
}
