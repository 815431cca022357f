// SPDX-License-Identifier: Apache-2.0
/* Trust keys (see keys.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred/secret.h"
#include "sys/helper.h"
#include "sys/spawn.h"
#include "trust/keys.h"
#include "trust/signer.h"
#include "util/base64.h"
#include "util/errbuf.h"
#include "util/fsutil.h"

#define KEYSTORE "nono-keystore"
#define KEYSTORE_MS 20000

/* Letters, digits and . _ @ + - (the keystore account of a key). */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._@+-", *s)))
			return false;
	return true;
}

int nono_trust_keyref(const char *id, const char *keyref, const char *flag,
		      char *ref, size_t len, char *err, size_t errlen)
{
	if (id && keyref)
		return nono_errf(err, errlen,
				 "%s and --keyref name a key each: give one",
				 flag);
	if (keyref) {
		if (strncmp(keyref, "keystore://", 11) == 0) {
			if (!name_ok(keyref + 11))
				return nono_errf(
				    err, errlen,
				    "--keyref %.200s: the key name takes "
				    "letters, digits and . _ @ + - (at most "
				    "64)",
				    keyref);
		} else if (strncmp(keyref, "file://", 7) == 0) {
			if (keyref[7] != '/' || strstr(keyref, "/../") ||
			    strlen(keyref) - 7 >= PATH_MAX - 8)
				return nono_errf(err, errlen,
						 "--keyref %.200s: expected "
						 "file:///ABSOLUTE/PATH",
						 keyref);
		} else {
			return nono_errf(err, errlen,
					 "--keyref %.200s: expected "
					 "keystore://NAME or file:///PATH",
					 keyref);
		}
		if ((size_t)snprintf(ref, len, "%s", keyref) >= len)
			return nono_errf(err, errlen, "--keyref: too long");
		return 0;
	}
	if (!id)
		id = "default";
	if (!name_ok(id))
		return nono_errf(err, errlen,
				 "%s %.200s: a key name takes letters, digits "
				 "and . _ @ + - (at most 64)",
				 flag, id);
	snprintf(ref, len, "%s", id);
	return 0;
}

int nono_trust_config_dir(char *out, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		return (size_t)snprintf(out, len, "%s/nono", xdg) < len ? 0
									: -1;
	if (home && home[0] == '/')
		return (size_t)snprintf(out, len, "%s/.config/nono", home) < len
			   ? 0
			   : -1;
	return -1;
}

int nono_trust_pem(const char *spki, char *out, size_t len)
{
	size_t n = strlen(spki), o = 0, dl = 0;
	unsigned char *der = nono_b64_decode(spki, n, &dl);
	int w;

	if (!der)
		return -1;
	free(der);
	w = snprintf(out, len, "-----BEGIN PUBLIC KEY-----\n");
	if (w < 0 || (size_t)w >= len)
		return -1;
	o = (size_t)w;
	for (size_t i = 0; i < n; i += 64) {
		size_t k = n - i < 64 ? n - i : 64;

		if (o + k + 2 > len)
			return -1;
		memcpy(out + o, spki + i, k);
		o += k;
		out[o++] = '\n';
	}
	w = snprintf(out + o, len - o, "-----END PUBLIC KEY-----\n");
	return w < 0 || (size_t)w >= len - o ? -1 : 0;
}

/* The keystore account of @ref, or NULL for a file key. */
static const char *account_of(const char *ref)
{
	if (strncmp(ref, "file://", 7) == 0)
		return NULL;
	if (strncmp(ref, "keystore://", 11) == 0)
		return ref + 11;
	return ref;
}

/* Runs nono-keystore @argv with @in (or -1): its exit status, or -1 with
 * @err. */
static int keystore_run(char *const argv[], int in, char *err, size_t errlen)
{
	char helper[PATH_MAX], out[256];
	struct nono_spawn_result res;
	size_t n = 0;

	if (nono_helper_find(KEYSTORE, helper, sizeof(helper)) < 0)
		return nono_errf(err, errlen,
				 "the keystore helper %s is not installed "
				 "(build nono with libsecret-1-dev), or use "
				 "--keyref file:///PATH",
				 helper);
	if (nono_spawn_capture_in(helper, argv, in, KEYSTORE_MS, out,
				  sizeof(out), &n, &res) < 0)
		return nono_errf(err, errlen, "cannot run %s", helper);
	explicit_bzero(out, sizeof(out));
	if (res.timed_out)
		return nono_errf(err, errlen,
				 "the Secret Service did not answer in %d s "
				 "(is the keyring locked?)",
				 KEYSTORE_MS / 1000);
	if (res.status == 3 || res.status < 0 || res.status > 3)
		return nono_errf(err, errlen, "%s",
				 res.errline[0]
				     ? res.errline
				     : "the keystore is unavailable");
	return res.status;
}

/* Writes @pub's PEM to @path (0644, replaced). */
static int write_pub(const char *path, const struct nono_trust_pub *pub,
		     char *err, size_t errlen)
{
	char pem[512];
	int r;

	if (nono_trust_pem(pub->spki, pem, sizeof(pem)) < 0)
		return nono_errf(err, errlen, "the public key is malformed");
	r = nono_write_atomic(path, pem, strlen(pem), NONO_WRITE_REPLACE, 0644);
	if (r < 0)
		return nono_errf(err, errlen, "cannot write %s: %s", path,
				 strerror(-r));
	return 0;
}

int nono_trust_key_public(const char *ref, struct nono_trust_pub *out,
			  char *err, size_t errlen)
{
	struct nono_signer s;

	memset(out, 0, sizeof(*out));
	if (nono_signer_load(ref, "key", &s, err, errlen) < 0)
		return -1;
	snprintf(out->keyid, sizeof(out->keyid), "%s", s.keyid);
	snprintf(out->spki, sizeof(out->spki), "%s", s.spki);
	nono_signer_clear(&s);
	nono_trust_key_label(ref, out->label, sizeof(out->label));
	return 0;
}

void nono_trust_key_label(const char *ref, char *out, size_t len)
{
	const char *acc = account_of(ref);
	const char *slash = strrchr(ref, '/');

	snprintf(out, len, "%s",
		 acc                 ? acc
		 : slash && slash[1] ? slash + 1
				     : ref);
}

/* A new key into the keystore (account @acc). */
static int keygen_keystore(const char *acc, const char *pem, size_t pemlen,
			   bool force, char *err, size_t errlen)
{
	char label[160];
	char *const look[] = {(char *)KEYSTORE, (char *)"lookup",
			      (char *)NONO_TRUST_KEY_SERVICE, (char *)acc,
			      NULL};
	char *const put[] = {
	    (char *)KEYSTORE, (char *)"store", (char *)NONO_TRUST_KEY_SERVICE,
	    (char *)acc,      label,           NULL};
	int st, in;

	snprintf(label, sizeof(label), "nono trust key %s", acc);
	st = keystore_run(look, -1, err, errlen);
	if (st < 0)
		return -1;
	if (st == 0 && !force)
		return nono_errf(err, errlen,
				 "a trust key '%s' already exists in the "
				 "keystore; add --force to replace it (bundles "
				 "it signed will no longer match a new key)",
				 acc);
	in = nono_memfd_of((const void *const[]){pem}, (const size_t[]){pemlen},
			   1);
	if (in < 0)
		return nono_errf(err, errlen, "memfd: %s", strerror(-in));
	st = keystore_run(put, in, err, errlen);
	close(in);
	if (st < 0)
		return -1;
	if (st != 0)
		return nono_errf(err, errlen,
				 "the keystore refused the key (exit %d)", st);
	return 0;
}

/* A new key into file @path (0600, never through a symlink). */
static int keygen_file(const char *path, const char *pem, size_t pemlen,
		       bool force, char *err, size_t errlen)
{
	struct stat st;
	int r;

	if (lstat(path, &st) == 0) {
		if (!force)
			return nono_errf(err, errlen,
					 "%s already exists; add --force to "
					 "replace it",
					 path);
		if (!S_ISREG(st.st_mode))
			return nono_errf(err, errlen,
					 "%s is not a regular file: not "
					 "replaced",
					 path);
	}
	r = nono_write_atomic(path, pem, pemlen, force ? NONO_WRITE_REPLACE : 0,
			      0600);
	if (r < 0)
		return nono_errf(err, errlen, "cannot write %s: %s", path,
				 strerror(-r));
	return 0;
}

int nono_trust_keygen(const char *ref, bool force, struct nono_trust_pub *out,
		      char *err, size_t errlen)
{
	const char *acc = account_of(ref);
	char *pem = NULL, dir[PATH_MAX];
	size_t pemlen = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (nono_signer_keygen(&pem, &pemlen, err, errlen) < 0)
		return -1;
	r = acc ? keygen_keystore(acc, pem, pemlen, force, err, errlen)
		: keygen_file(ref + 7, pem, pemlen, force, err, errlen);
	explicit_bzero(pem, pemlen);
	free(pem);
	if (r < 0 || nono_trust_key_public(ref, out, err, errlen) < 0)
		return -1;
	if (!acc)
		r = (size_t)snprintf(out->pub_path, sizeof(out->pub_path),
				     "%s.pub", ref + 7) < sizeof(out->pub_path)
			? 0
			: -1;
	else if (nono_trust_config_dir(dir, sizeof(dir)) == 0)
		r = (size_t)snprintf(out->pub_path, sizeof(out->pub_path),
				     "%s/trusted-keys/%s.pub", dir,
				     acc) < sizeof(out->pub_path)
			? 0
			: -1;
	else
		return 0; /* no home: nothing cached */
	if (r < 0)
		return nono_errf(err, errlen, "the key's path is too long");
	return write_pub(out->pub_path, out, err, errlen);
}
