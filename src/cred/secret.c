// SPDX-License-Identifier: Apache-2.0
/*
 * Credential references resolved to secrets.  Each source is read before
 * the sandbox exists; the secret lands in page-aligned memory of its own
 * (locked where RLIMIT_MEMLOCK allows, left out of core dumps) and is
 * wiped when released.  Messages name the reference and its source, never
 * a byte of the secret: they reach terminals, CI logs and -vv output.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred/secret.h"
#include "nono-config.h"
#include "nono/log.h"
#include "policy/envclean.h"
#include "sys/helper.h"
#include "sys/spawn.h"
#include "util/envname.h"
#include "util/errbuf.h"

/* The keystore service of bare account names (`NAME`, `keystore://NAME`),
 * as the reference's keyring layout has it. */
#define KEYSTORE_SERVICE "nono"
#define KEYSTORE_TIMEOUT_S 10
#define OP_TIMEOUT_S 60
/* Room for a trailing CR LF on top of the largest secret. */
#define SCRATCH_LEN (NONO_SECRET_MAX + 2)

#define ACCEPTED                                                               \
	"a keystore account NAME, keystore://NAME, "                           \
	"keyring://SERVICE/ACCOUNT, op://VAULT/ITEM/FIELD, env://VAR or "      \
	"file:///PATH"

/* A reference taken apart; the strings are NUL-terminated copies. */
struct ref {
	enum nono_secret_kind kind;
	char a[NONO_SECRET_REF_MAX + 1]; /* service, variable or path */
	char b[NONO_SECRET_REF_MAX + 1]; /* account */
};

/* Account names that need no quoting anywhere: in a message, in the
 * secret-tool command it suggests, in a variable name once upper-cased. */
static bool account_ok(const char *s, size_t n)
{
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && !strchr("._@+-", c))
			return false;
	}
	return true;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

/* Any ".." component would let a profile that names
 * file:///home/u/.config/x/../../.ssh/id_ed25519 look narrower than it is;
 * refused rather than resolved. */
static bool has_dotdot(const char *path)
{
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

static int copy_part(char *dst, const char *src, size_t n)
{
	if (n > NONO_SECRET_REF_MAX)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static int parse_keyring(const char *ref, const char *rest, struct ref *r,
			 char *err, size_t errlen)
{
	const char *slash = strchr(rest, '/');

	if (!slash || slash == rest || !slash[1])
		return nono_errf(err, errlen,
				 "credential '%.200s': expected "
				 "keyring://SERVICE/ACCOUNT",
				 ref);
	copy_part(r->a, rest, (size_t)(slash - rest));
	copy_part(r->b, slash + 1, strlen(slash + 1));
	return 0;
}

static int parse_op(const char *ref, const char *rest, char *err, size_t errlen)
{
	size_t segs = 0;

	for (const char *p = rest;; p++) {
		size_t n = strcspn(p, "/");

		if (n == 0)
			break; /* an empty segment */
		segs++;
		p += n;
		if (!*p) {
			/* 1Password: VAULT/ITEM/FIELD or VAULT/ITEM/SECTION/
			 * FIELD. */
			if (segs == 3 || segs == 4)
				return 0;
			break;
		}
	}
	return nono_errf(
	    err, errlen,
	    "credential '%.200s': expected op://VAULT/ITEM/FIELD (or "
	    "op://VAULT/ITEM/SECTION/FIELD)",
	    ref);
}

static int parse_env(const char *ref, const char *rest, struct ref *r,
		     char *err, size_t errlen)
{
	if (!nono_env_name_ok(rest, NONO_ENV_NAME_MAX))
		return nono_errf(err, errlen,
				 "credential '%.200s': '%.200s' is not a valid "
				 "environment variable name",
				 ref, rest);
	/* Otherwise a credential mapping could carry LD_PRELOAD (or any
	 * code-injecting variable the hygiene drops) into the command
	 * under another name. */
	if (nono_env_is_dropped(rest, strlen(rest)))
		return nono_errf(err, errlen,
				 "credential '%.200s': %s is dropped by nono's "
				 "environment hygiene (it can inject code into "
				 "programs) and cannot be a credential source",
				 ref, rest);
	copy_part(r->a, rest, strlen(rest));
	return 0;
}

static int parse_file(const char *ref, const char *rest, struct ref *r,
		      char *err, size_t errlen)
{
	if (rest[0] != '/')
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': expected an absolute path: "
		    "file:///path/to/secret",
		    ref);
	if (strlen(rest) >= PATH_MAX)
		return nono_errf(err, errlen,
				 "credential '%.200s': path too long", ref);
	if (has_dotdot(rest))
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': '..' is not allowed in the "
		    "path; name the file directly",
		    ref);
	copy_part(r->a, rest, strlen(rest));
	return 0;
}

static int parse(const char *ref, struct ref *r, char *err, size_t errlen)
{
	const char *sep, *rest;
	size_t n, slen;

	memset(r, 0, sizeof(*r));
	if (!ref || !*ref)
		return nono_errf(err, errlen, "empty credential reference");
	n = strnlen(ref, NONO_SECRET_REF_MAX + 1);
	if (n > NONO_SECRET_REF_MAX)
		return nono_errf(
		    err, errlen,
		    "credential reference too long (over %d bytes)",
		    NONO_SECRET_REF_MAX);
	if (!printable(ref))
		return nono_errf(err, errlen,
				 "a credential reference contains a control "
				 "character");
	sep = strstr(ref, "://");
	slen = sep ? (size_t)(sep - ref) : 0;
	for (size_t i = 0; i < slen; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789+.-", ref[i]))
			slen = 0; /* not a scheme: checked as a name below */
	if (!sep || slen == 0) {
		if (!account_ok(ref, n))
			return nono_errf(
			    err, errlen,
			    "credential '%.200s': not a keystore "
			    "account name (letters, digits and "
			    ". _ @ + -) nor a reference (accepted: "
			    "%s)",
			    ref, ACCEPTED);
		r->kind = NONO_SECRET_KEYSTORE;
		copy_part(r->a, KEYSTORE_SERVICE, strlen(KEYSTORE_SERVICE));
		copy_part(r->b, ref, n);
		return 0;
	}
	rest = sep + 3;
	if (slen == 8 && strncmp(ref, "keystore", 8) == 0) {
		if (!account_ok(rest, strlen(rest)))
			return nono_errf(err, errlen,
					 "credential '%.200s': expected "
					 "keystore://NAME (letters, digits and "
					 ". _ @ + -)",
					 ref);
		r->kind = NONO_SECRET_KEYSTORE;
		copy_part(r->a, KEYSTORE_SERVICE, strlen(KEYSTORE_SERVICE));
		copy_part(r->b, rest, strlen(rest));
		return 0;
	}
	if (slen == 7 && strncmp(ref, "keyring", 7) == 0) {
		r->kind = NONO_SECRET_KEYSTORE;
		return parse_keyring(ref, rest, r, err, errlen);
	}
	if (slen == 2 && strncmp(ref, "op", 2) == 0) {
		r->kind = NONO_SECRET_OP;
		return parse_op(ref, rest, err, errlen);
	}
	if (slen == 3 && strncmp(ref, "env", 3) == 0) {
		r->kind = NONO_SECRET_ENV;
		return parse_env(ref, rest, r, err, errlen);
	}
	if (slen == 4 && strncmp(ref, "file", 4) == 0) {
		r->kind = NONO_SECRET_FILE;
		return parse_file(ref, rest, r, err, errlen);
	}
	if (slen == 14 && strncmp(ref, "apple-password", 14) == 0)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': apple-password:// is macOS "
		    "only (Apple Passwords); on Linux use keyring://, "
		    "file://, env:// or op://",
		    ref);
	return nono_errf(
	    err, errlen,
	    "credential '%.200s': unknown scheme '%.*s://' (accepted: "
	    "%s)",
	    ref, (int)(slen > 40 ? 40 : slen), ref, ACCEPTED);
}

int nono_secret_ref_check(const char *ref, char *err, size_t errlen)
{
	struct ref r;

	return parse(ref, &r, err, errlen) < 0 ? -1 : 0;
}

int nono_secret_ref_describe(const char *ref, char *what, size_t whatlen)
{
	struct ref r;

	if (parse(ref, &r, NULL, 0) < 0)
		return -1;
	switch (r.kind) {
	case NONO_SECRET_KEYSTORE:
		snprintf(what, whatlen,
			 "system keystore, service %s, account %s", r.a, r.b);
		break;
	case NONO_SECRET_OP:
		snprintf(what, whatlen, "1Password, op read");
		break;
	case NONO_SECRET_ENV:
		snprintf(what, whatlen, "environment variable %s", r.a);
		break;
	case NONO_SECRET_FILE:
		snprintf(what, whatlen, "file %s", r.a);
		break;
	}
	return (int)r.kind;
}

/* --- memory --------------------------------------------------------- */

static size_t alloc_size(size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;

	return (len + 1 + page - 1) / page * page;
}

int nono_secret_alloc(struct nono_secret *s, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t sz;
	void *p = NULL;

	s->data = NULL;
	s->len = 0;
	if (len > NONO_SECRET_MAX + 4096)
		return -EINVAL;
	sz = alloc_size(len);
	/* Pages of its own: locking and unlocking them touches no other
	 * allocation, and wiping never races a neighbour. */
	if (posix_memalign(&p, pg > 0 ? (size_t)pg : 4096, sz) != 0)
		return -ENOMEM;
	memset(p, 0, sz);
	/* Best effort: an unprivileged RLIMIT_MEMLOCK may be small.  Locked
	 * pages never reach swap; DONTDUMP keeps them out of core files. */
	(void)mlock(p, sz);
	(void)madvise(p, sz, MADV_DONTDUMP);
	s->data = p;
	s->len = len;
	return 0;
}

void nono_secret_wipe(struct nono_secret *s)
{
	size_t sz;

	if (!s)
		return;
	if (s->data) {
		sz = alloc_size(s->len);
		explicit_bzero(s->data, sz);
		(void)madvise(s->data, sz, MADV_DODUMP);
		(void)munlock(s->data, sz);
		free(s->data);
	}
	s->data = NULL;
	s->len = 0;
}

/* --- sources -------------------------------------------------------- */

/* A word for the suggested shell command: quoted when it needs it. */
static const char *shq(const char *s, char *buf, size_t len)
{
	size_t k = 0;

	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789._@+-:,/=")] == '\0')
		return s;
	buf[k++] = '\'';
	for (; *s && k + 5 < len; s++) {
		if (*s == '\'') {
			memcpy(buf + k, "'\\''", 4);
			k += 4;
		} else {
			buf[k++] = *s;
		}
	}
	buf[k++] = '\'';
	buf[k] = '\0';
	return buf;
}

static int keystore_timeout(const char *ref, int *secs, char *err,
			    size_t errlen)
{
	const char *v = getenv("NONO_KEYSTORE_TIMEOUT");
	char *end;
	long n;

	*secs = KEYSTORE_TIMEOUT_S;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 1 || n > 600)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': NONO_KEYSTORE_TIMEOUT='%.20s' "
		    "is not a number of seconds (1-600)",
		    ref, v);
	*secs = (int)n;
	return 0;
}

static int load_keystore(const char *ref, const struct ref *r, char *buf,
			 size_t cap, size_t *n, char *err, size_t errlen)
{
	char exe[PATH_MAX], q1[1100], q2[1100], q3[2200], label[2100];
	char *argv[] = {"nono-keystore", "lookup", (char *)r->a, (char *)r->b,
			NULL};
	struct nono_spawn_result res;
	int secs, rc;

	if (nono_helper_find("nono-keystore", exe, sizeof(exe)) < 0)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': reading the system keystore "
		    "needs nono-keystore (built with libsecret), which "
		    "is not installed next to nono or in %s; install "
		    "it, or use file://, env:// or op://",
		    ref, NONO_LIBEXECDIR);
	if (keystore_timeout(ref, &secs, err, errlen) < 0)
		return -1;
	nono_debug("credential '%.200s': asking %s", ref, exe);
	rc = nono_spawn_capture(exe, argv, secs * 1000, buf, cap, n, &res);
	if (rc < 0)
		return nono_errf(err, errlen,
				 "credential '%.200s': cannot run %s: %s", ref,
				 exe, strerror(-rc));
	if (res.timed_out)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': the system keystore did not "
		    "answer within %d s (locked? no Secret Service "
		    "running?)",
		    ref, secs);
	if (res.overflow)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': the secret is larger than "
		    "%d KiB",
		    ref, NONO_SECRET_MAX / 1024);
	switch (res.status) {
	case 0:
		return 0;
	case 2:
		/* The label is what secret-tool and Seahorse show. */
		snprintf(label, sizeof(label), "%s: %s", r->a, r->b);
		return nono_errf(
		    err, errlen,
		    "credential '%.200s' not found in the system "
		    "keystore (service %.200s, account %.200s); store "
		    "it with: secret-tool store --label=%s service %s "
		    "account %s",
		    ref, r->a, r->b, shq(label, q3, sizeof(q3)),
		    shq(r->a, q1, sizeof(q1)), shq(r->b, q2, sizeof(q2)));
	case 3:
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': the system keystore is "
		    "unavailable (%s); start and unlock a Secret "
		    "Service (gnome-keyring, KeePassXC)",
		    ref, res.errline[0] ? res.errline : "no reason given");
	default:
		return nono_errf(err, errlen,
				 "credential '%.200s': %s failed (exit %d)%s%s",
				 ref, exe, res.status,
				 res.errline[0] ? ": " : "", res.errline);
	}
}

/* `op` from PATH, absolute entries only: a relative entry ("." or "")
 * would run whatever the current directory holds. */
static int find_op(char *out, size_t len)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		int w;

		if (n > 0 && p[0] == '/') {
			w = snprintf(out, len, "%.*s/op", (int)n, p);
			if (w > 0 && (size_t)w < len && stat(out, &st) == 0 &&
			    S_ISREG(st.st_mode) && access(out, X_OK) == 0)
				return 0;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return -1;
}

static int load_op(const char *ref, char *buf, size_t cap, size_t *n, char *err,
		   size_t errlen)
{
	char exe[PATH_MAX];
	char *argv[] = {"op", "read", (char *)ref, NULL};
	struct nono_spawn_result res;
	int rc;

	if (find_op(exe, sizeof(exe)) < 0)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': the 1Password CLI (op) is not "
		    "on PATH; install it and sign in (op signin), or "
		    "use keyring://, file:// or env://",
		    ref);
	nono_debug("credential '%.200s': running %s read", ref, exe);
	/* op gets nono's environment: its session (OP_SESSION_*,
	 * OP_SERVICE_ACCOUNT_TOKEN) and the desktop app integration live
	 * there.  Its standard output is the secret; only its standard
	 * error ever reaches a message. */
	rc = nono_spawn_capture(exe, argv, OP_TIMEOUT_S * 1000, buf, cap, n,
				&res);
	if (rc < 0)
		return nono_errf(err, errlen,
				 "credential '%.200s': cannot run %s: %s", ref,
				 exe, strerror(-rc));
	if (res.timed_out) {
		char q[2200];

		return nono_errf(err, errlen,
				 "credential '%.200s': op read did not finish "
				 "within %d s; check with: op read %.300s",
				 ref, OP_TIMEOUT_S, shq(ref, q, sizeof(q)));
	}
	if (res.overflow)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': the secret is larger than "
		    "%d KiB",
		    ref, NONO_SECRET_MAX / 1024);
	if (res.status != 0)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': op read failed (exit %d)%s%s; "
		    "is op signed in (op signin)?",
		    ref, res.status, res.errline[0] ? ": " : "", res.errline);
	return 0;
}

static int load_env(const char *ref, const struct ref *r, char *buf, size_t cap,
		    size_t *n, char *err, size_t errlen)
{
	const char *v = getenv(r->a);
	size_t len;

	if (!v)
		return nono_errf(err, errlen,
				 "credential '%.200s': %s is not set in nono's "
				 "environment",
				 ref, r->a);
	if (!*v)
		return nono_errf(err, errlen,
				 "credential '%.200s': %s is empty", ref, r->a);
	len = strlen(v);
	if (len > cap)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': the secret is larger than "
		    "%d KiB",
		    ref, NONO_SECRET_MAX / 1024);
	memcpy(buf, v, len);
	*n = len;
	return 0;
}

static int load_file(const char *ref, const struct ref *r, char *buf,
		     size_t cap, size_t *n, char *err, size_t errlen)
{
	struct stat st;
	size_t k = 0;
	int fd, rc = -1;

	/* O_NONBLOCK: opening a FIFO must not hang; anything but a regular
	 * file is refused below anyway. */
	fd = open(r->a, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nono_errf(err, errlen, "credential '%.200s': %s: %s",
				 ref, r->a, strerror(errno));
	if (fstat(fd, &st) < 0) {
		nono_errf(err, errlen, "credential '%.200s': %s: %s", ref, r->a,
			  strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		nono_errf(err, errlen,
			  "credential '%.200s': %s is not a regular file", ref,
			  r->a);
		goto out;
	}
	if (st.st_size > (off_t)cap) {
		nono_errf(
		    err, errlen,
		    "credential '%.200s': the secret is larger than %d KiB",
		    ref, NONO_SECRET_MAX / 1024);
		goto out;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH))
		nono_warn("credential file %s is readable by %s (mode %04o); "
			  "restrict it with: chmod 600 %s",
			  r->a,
			  (st.st_mode & S_IROTH) ? "every user" : "its group",
			  (unsigned)(st.st_mode & 07777), r->a);
	for (;;) {
		ssize_t got = read(fd, buf + k, cap - k);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			nono_errf(err, errlen, "credential '%.200s': %s: %s",
				  ref, r->a, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		k += (size_t)got;
		if (k == cap) {
			char one;

			if (read(fd, &one, 1) > 0) { /* grew meanwhile */
				nono_errf(err, errlen,
					  "credential '%.200s': the secret is "
					  "larger than %d KiB",
					  ref, NONO_SECRET_MAX / 1024);
				explicit_bzero(&one, sizeof(one));
				goto out;
			}
			break;
		}
	}
	*n = k;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* One trailing newline goes (what `echo`, editors and `op read` add);
 * what is left must fit an environment variable and an HTTP header. */
static int finish(const char *ref, const char *buf, size_t n, bool lines,
		  struct nono_secret *out, char *err, size_t errlen)
{
	if (n > 0 && buf[n - 1] == '\n') {
		n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
	}
	if (n == 0)
		return nono_errf(err, errlen,
				 "credential '%.200s': the secret is empty",
				 ref);
	if (n > NONO_SECRET_MAX)
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': the secret is larger than "
		    "%d KiB",
		    ref, NONO_SECRET_MAX / 1024);
	if (memchr(buf, '\0', n) ||
	    (!lines && (memchr(buf, '\n', n) || memchr(buf, '\r', n))))
		return nono_errf(
		    err, errlen,
		    "credential '%.200s': the secret contains a NUL, "
		    "CR or LF, which an environment variable or a "
		    "header cannot carry",
		    ref);
	if (nono_secret_alloc(out, n) < 0)
		return nono_errf(err, errlen,
				 "credential '%.200s': out of memory", ref);
	memcpy(out->data, buf, n);
	return 0;
}

static int load(const char *ref, bool lines, struct nono_secret *out, char *err,
		size_t errlen)
{
	struct nono_secret scratch = {0};
	struct ref r;
	size_t n = 0;
	int rc = -1;

	if (out) {
		out->data = NULL;
		out->len = 0;
	}
	if (!out)
		return nono_errf(err, errlen, "no place for the secret");
	if (parse(ref, &r, err, errlen) < 0)
		return -1;
	/* Every source reads into locked scratch memory first; only the
	 * trimmed, checked secret is copied out. */
	if (nono_secret_alloc(&scratch, SCRATCH_LEN) < 0)
		return nono_errf(err, errlen,
				 "credential '%.200s': out of memory", ref);
	switch (r.kind) {
	case NONO_SECRET_KEYSTORE:
		rc = load_keystore(ref, &r, scratch.data, SCRATCH_LEN, &n, err,
				   errlen);
		break;
	case NONO_SECRET_OP:
		rc = load_op(ref, scratch.data, SCRATCH_LEN, &n, err, errlen);
		break;
	case NONO_SECRET_ENV:
		rc = load_env(ref, &r, scratch.data, SCRATCH_LEN, &n, err,
			      errlen);
		break;
	case NONO_SECRET_FILE:
		rc = load_file(ref, &r, scratch.data, SCRATCH_LEN, &n, err,
			       errlen);
		break;
	}
	if (rc == 0)
		rc = finish(ref, scratch.data, n, lines, out, err, errlen);
	nono_secret_wipe(&scratch);
	return rc;
}

int nono_secret_load(const char *ref, struct nono_secret *out, char *err,
		     size_t errlen)
{
	return load(ref, false, out, err, errlen);
}

int nono_secret_load_key(const char *ref, struct nono_secret *out, char *err,
			 size_t errlen)
{
	char mapped[NONO_SECRET_REF_MAX + 32];
	const char *name = NULL;

	/* A bare name or keystore://NAME is a trust key id: the keystore
	 * item {service nono-trust, account NAME}. */
	if (ref && !strstr(ref, "://"))
		name = ref;
	else if (ref && strncmp(ref, "keystore://", 11) == 0)
		name = ref + 11;
	if (name) {
		if (!*name || !account_ok(name, strlen(name)))
			return nono_errf(err, errlen,
					 "key '%.200s': not a trust key id "
					 "(letters, digits and . _ @ + -)",
					 ref);
		snprintf(mapped, sizeof(mapped), "keyring://%s/%s",
			 NONO_TRUST_KEY_SERVICE, name);
		return load(mapped, true, out, err, errlen);
	}
	return load(ref, true, out, err, errlen);
}
