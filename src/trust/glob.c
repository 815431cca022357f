// SPDX-License-Identifier: Apache-2.0
/*
 * Glob matching on relative paths for trust patterns and .gitignore rules.
 * A path is matched component by component with a set of states (one bit
 * per pattern component): '**' keeps its state while it consumes a
 * component, any other component moves on when it matches.  That is
 * linear in the path for any number of '**' (a backtracking matcher is
 * exponential in the number of '**' components), and input from a policy
 * or a .gitignore file cannot make it slow.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trust/glob.h"

static inline unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static inline bool eq(unsigned char a, unsigned char b, bool fold)
{
	return a == b || (fold && lower(a) == lower(b));
}

/* The other case of an ASCII letter, else @c. */
static inline unsigned char swapcase(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 32);
	return lower(c);
}

/*
 * The bracket expression at @p[*i] (a '[') against @c: 1 when it matches,
 * 0 when not (*i moved past the ']'), -1 when it is not closed (then the
 * '[' is an ordinary character, as in git and fnmatch).  Folded, it
 * matches when either case of @c would: in a case-insensitive directory
 * every spelling of a name opens the file, so the scan must find the
 * file when any spelling matches ("[!D]x" takes "dx" as "dx").
 */
static int bracket(const char *p, size_t pl, size_t *i, unsigned char c,
		   bool fold)
{
	const unsigned char o = fold ? swapcase(c) : c;
	size_t j = *i + 1;
	bool neg = false, hit_c = false, hit_o = false, first = true;

	if (j < pl && (p[j] == '!' || p[j] == '^')) {
		neg = true;
		j++;
	}
	while (j < pl) {
		unsigned char lo = (unsigned char)p[j], hi;

		if (lo == ']' && !first) {
			*i = j + 1;
			return neg ? !(hit_c && hit_o) : (hit_c || hit_o);
		}
		first = false;
		if (lo == '\\' && j + 1 < pl)
			lo = (unsigned char)p[++j];
		hi = lo;
		if (j + 2 < pl && p[j + 1] == '-' && p[j + 2] != ']') {
			j += 2;
			hi = (unsigned char)p[j];
			if (hi == '\\' && j + 1 < pl)
				hi = (unsigned char)p[++j];
		}
		j++;
		hit_c |= lo <= c && c <= hi;
		hit_o |= lo <= o && o <= hi;
	}
	return -1;
}

/* One pattern component against one path component (neither holds a
 * '/'): '*' backtracks to its last position only, which is exact for a
 * single component. */
static bool comp_match(const char *p, size_t pl, const char *s, size_t sl,
		       bool fold)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	while (si < sl) {
		if (pi < pl) {
			unsigned char pc = (unsigned char)p[pi];
			unsigned char sc = (unsigned char)s[si];

			if (pc == '*') {
				star_p = ++pi;
				star_s = si;
				continue;
			}
			if (pc == '?') {
				pi++;
				si++;
				continue;
			}
			if (pc == '[') {
				size_t j = pi;
				int b = bracket(p, pl, &j, sc, fold);

				if (b == 1) {
					pi = j;
					si++;
					continue;
				}
				if (b == 0)
					goto retry;
				/* unclosed: a literal '[' */
			}
			if (pc == '\\' && pi + 1 < pl) {
				if (eq((unsigned char)p[pi + 1], sc, fold)) {
					pi += 2;
					si++;
					continue;
				}
				goto retry;
			}
			if (eq(pc, sc, fold)) {
				pi++;
				si++;
				continue;
			}
		}
	retry:
		if (star_p == (size_t)-1)
			return false;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < pl && p[pi] == '*')
		pi++;
	return pi == pl;
}

int nono_glob_compile(struct nono_glob *g, const char *pattern)
{
	size_t len = strlen(pattern), start = 0;

	memset(g, 0, sizeof(*g));
	g->src = pattern;
	if (len == 0 || len > NONO_GLOB_MAX_LEN)
		return -1;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && pattern[i] != '/')
			continue;
		if (g->n >= NONO_GLOB_MAX_COMPS)
			return -1;
		g->off[g->n] = (uint16_t)start;
		g->len[g->n] = (uint16_t)(i - start);
		if (i - start == 2 && pattern[start] == '*' &&
		    pattern[start + 1] == '*')
			g->dstar |= 1ull << g->n;
		g->n++;
		start = i + 1;
	}
	return 0;
}

static inline bool is_dstar(const struct nono_glob *g, unsigned i)
{
	return (g->dstar >> i) & 1;
}

/* Adds the states reachable without consuming: past a '**' that is not
 * the last component (a trailing one must consume at least one). */
static uint64_t closure(const struct nono_glob *g, uint64_t m)
{
	for (unsigned i = 0; i + 1 < g->n; i++)
		if (((m >> i) & 1) && is_dstar(g, i))
			m |= 1ull << (i + 1);
	return m;
}

/* The states after consuming the component [s, s+sl) from @m. */
static uint64_t step(const struct nono_glob *g, uint64_t m, const char *s,
		     size_t sl, bool fold)
{
	uint64_t next = 0;

	for (unsigned i = 0; i < g->n; i++) {
		if (!((m >> i) & 1))
			continue;
		if (is_dstar(g, i)) {
			next |= 1ull << i;
			if (i + 1 == g->n)
				next |= 1ull << g->n; /* consumed one: done */
		} else if (comp_match(g->src + g->off[i], g->len[i], s, sl,
				      fold)) {
			next |= 1ull << (i + 1);
		}
	}
	return next;
}

bool nono_glob_match(const struct nono_glob *g, const char *path, bool anchored,
		     bool fold)
{
	const uint64_t start = closure(g, 1);
	uint64_t cur = start;
	const char *s = path, *base = strrchr(path, '/');
	unsigned last = g->n - 1;

	if (g->n == 0)
		return false;
	/* The common case, cheap: the last component must match the file
	 * name unless the pattern ends in '**'. */
	base = base ? base + 1 : path;
	if (!is_dstar(g, last) &&
	    !comp_match(g->src + g->off[last], g->len[last], base, strlen(base),
			fold))
		return false;
	for (;;) {
		const char *e = strchr(s, '/');
		size_t sl = e ? (size_t)(e - s) : strlen(s);

		if (!anchored)
			cur |= start;
		cur = closure(g, step(g, cur, s, sl, fold));
		if (!cur && anchored)
			return false;
		if (!e)
			break;
		s = e + 1;
	}
	return (cur >> g->n) & 1;
}

bool nono_glob_could_match_below(const struct nono_glob *g, const char *dirpath,
				 bool fold)
{
	/* Two sets of states: reached with no component of @dirpath matched
	 * by a literal one (@none), and with at least one (@used). */
	const uint64_t start = closure(g, 1);
	uint64_t none = start, used = 0;
	const char *s = dirpath;

	if (g->n == 0)
		return false;
	for (;;) {
		const char *e = strchr(s, '/');
		size_t sl = e ? (size_t)(e - s) : strlen(s);
		uint64_t nn = 0, nu = 0;

		none |= start;
		for (unsigned i = 0; i < g->n; i++) {
			uint64_t b = 1ull << i;

			if (!((none | used) & b))
				continue;
			if (is_dstar(g, i)) {
				nn |= none & b;
				nu |= used & b;
			} else if (comp_match(g->src + g->off[i], g->len[i], s,
					      sl, fold)) {
				nu |= b << 1;
			}
		}
		none = closure(g, nn);
		used = closure(g, nu);
		if (!e)
			break;
		s = e + 1;
	}
	/* A component is left for the file inside (state n is "done"). */
	return (used & ((1ull << g->n) - 1)) != 0;
}

/* --- trust patterns ------------------------------------------------------- */

static int why_f(char *why, size_t len, const char *msg)
{
	if (why && len)
		snprintf(why, len, "%s", msg);
	return -EINVAL;
}

/* Checks one component [c, c+n) of a trust pattern. */
static int check_comp(const char *c, size_t n, char *why, size_t whylen)
{
	if (n == 0)
		return why_f(why, whylen, "empty path component ('//')");
	if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
		return why_f(why, whylen,
			     "'.' and '..' components never match (paths are "
			     "normalised)");
	for (size_t i = 0; i < n; i++) {
		if (c[i] == '\\') {
			if (++i == n)
				return why_f(why, whylen,
					     "dangling '\\' at the end of a "
					     "component");
			continue;
		}
		if (c[i] == '*' && i + 1 < n && c[i + 1] == '*' && n != 2)
			return why_f(why, whylen,
				     "'**' must be a whole path component "
				     "(like a/**/b.md)");
		if (c[i] == '[') {
			size_t j = i;
			int b = bracket(c, n, &j, 0, false);

			if (b < 0)
				return why_f(why, whylen,
					     "unclosed '[' (a '[' must be "
					     "closed within one component; "
					     "'\\[' is a literal one)");
			i = j - 1;
		}
	}
	return 0;
}

int nono_trust_pattern_check(const char *pattern, char *why, size_t whylen)
{
	size_t len = strlen(pattern), start = 0, comps = 0;

	if (len == 0)
		return why_f(why, whylen, "empty pattern");
	if (len > NONO_TRUST_PATTERN_MAX) {
		if (why && whylen)
			snprintf(why, whylen, "longer than %d bytes",
				 NONO_TRUST_PATTERN_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)pattern[i] < 0x20 || pattern[i] == 0x7f)
			return why_f(why, whylen, "control character");
	if (pattern[0] == '/')
		return why_f(why, whylen,
			     "a leading '/': patterns are relative to the "
			     "scanned directory and match at any depth");
	if (pattern[len - 1] == '/')
		return why_f(why, whylen,
			     "a trailing '/': patterns name files (DIR/** "
			     "names what is under DIR)");
	for (size_t i = 0; i <= len; i++) {
		int r;

		if (i < len && pattern[i] != '/') {
			/* a '\' quotes the next byte of its component */
			if (pattern[i] == '\\' && i + 1 < len &&
			    pattern[i + 1] != '/')
				i++;
			continue;
		}
		r = check_comp(pattern + start, i - start, why, whylen);
		if (r < 0)
			return r;
		if (++comps > NONO_TRUST_PATTERN_COMPS) {
			if (why && whylen)
				snprintf(why, whylen,
					 "more than %d path components",
					 NONO_TRUST_PATTERN_COMPS);
			return -EINVAL;
		}
		start = i + 1;
	}
	return 0;
}

bool nono_trust_pattern_match_fold(const char *pattern, const char *relpath,
				   bool fold)
{
	struct nono_glob g;

	if (nono_glob_compile(&g, pattern) < 0 || !*relpath)
		return false;
	return nono_glob_match(&g, relpath, false, fold);
}

bool nono_trust_pattern_match(const char *pattern, const char *relpath)
{
	return nono_trust_pattern_match_fold(pattern, relpath, false);
}
