/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Globs on '/'-separated relative paths, for trust policy patterns and
 * .gitignore rules: '*' and '?' within one component, '[...]' ('!' or '^'
 * negates, ranges, ']' first is literal), '\' quotes the next character,
 * and '**' as a whole component matches zero or more components (as the
 * last component, one or more: what is inside the directory before it).
 * '*' matches a leading '.', as in .gitignore (a hidden file is still a
 * file the agent reads).
 *
 * Trust patterns match at ANY depth: a pattern is matched against the
 * whole relative path as if its first component were '**', so "CLAUDE*"
 * finds CLAUDE.md and sub/dir/CLAUDE.md, and the built-in .claude pattern
 * (the .md files below a .claude directory) finds
 * pkg/.claude/commands/x.md too.  Upstream's scan (globset) anchors
 * patterns at the scan root and so misses sub/CLAUDE.md, which agents read
 * when they work in sub/; its macOS deny rules match at any depth, as
 * here.  Finding more files is the safe side of a scan.
 *
 * Case: matching is exact, as upstream's.  Folding case for every
 * pattern would make AGENT* take agent.go and Agent.java, and refusing
 * them unsigned would make the check unusable; what folding protects
 * against is a directory where CLAUDE.md opens claude.md, so the scan
 * folds case in exactly those directories (ext4/f2fs/tmpfs casefold,
 * FAT, exFAT, NTFS, SMB: see trust/scan.c).  Folded, a name matches when
 * any spelling of it matches, since any spelling opens the file there
 * ("[!D]x" takes "dx", spelt "dx").  Folding is ASCII only.
 */
#ifndef NONO_TRUST_GLOB_H
#define NONO_TRUST_GLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NONO_TRUST_PATTERN_MAX 512 /* bytes of a trust pattern */
#define NONO_TRUST_PATTERN_COMPS 32
#define NONO_GLOB_MAX_COMPS 63 /* of any compiled glob */
#define NONO_GLOB_MAX_LEN 4096

/* A pattern split into components (it borrows the string). */
struct nono_glob {
	const char *src;
	unsigned n;     /* components */
	uint64_t dstar; /* bit i: component i is "**" */
	uint16_t off[NONO_GLOB_MAX_COMPS], len[NONO_GLOB_MAX_COMPS];
};

/* Splits @pattern (borrowed; must outlive @g) into @g: 0, or -1 when it
 * is empty, longer than NONO_GLOB_MAX_LEN or has too many components. */
int nono_glob_compile(struct nono_glob *g, const char *pattern);

/* Whether @path matches @g: from its first component (@anchored), or from
 * any component on (a trust pattern); ASCII case folded when @fold. */
bool nono_glob_match(const struct nono_glob *g, const char *path, bool anchored,
		     bool fold);

/*
 * For a symlink to a directory at @dirpath, which the scan does not
 * follow: whether a file below it could match @g (at any depth) in a way
 * that depends on the link's own path, i.e. some non-"**" component of @g
 * matched a component of @dirpath and at least one component is left for
 * what is inside.  (When only "**" crossed the link, the same files match
 * at the target's own path, where the scan finds them.)
 */
bool nono_glob_could_match_below(const struct nono_glob *g, const char *dirpath,
				 bool fold);

/*
 * Checks a trust policy pattern: 0, or -EINVAL with the reason in @why:
 * empty, longer than NONO_TRUST_PATTERN_MAX, a control character, a
 * leading or trailing '/', an empty, "." or ".." component, '**' that is
 * not a whole component, an unclosed '[', a dangling '\', or more than
 * NONO_TRUST_PATTERN_COMPS components.
 */
int nono_trust_pattern_check(const char *pattern, char *why, size_t whylen);

/* Whether @relpath ('/'-separated, relative, no "." or ".." components)
 * matches the trust pattern @pattern at any depth (see above); false for
 * a pattern that does not compile. */
bool nono_trust_pattern_match(const char *pattern, const char *relpath);
/* The same with ASCII case folded when @fold. */
bool nono_trust_pattern_match_fold(const char *pattern, const char *relpath,
				   bool fold);

#endif
