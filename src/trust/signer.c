// SPDX-License-Identifier: Apache-2.0
/*
 * Signing keys and signatures through the nono-sign helper (see signer.h).
 * nono never parses a private key itself: it hands the bytes the key
 * reference resolved to the helper, which says whether they are a P-256
 * key, signs with it, and wipes its copy; nono keeps its own copy in
 * locked memory (cred/secret.h) until nono_signer_clear().
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/helper.h"
#include "sys/spawn.h"
#include "trust/signer.h"
#include "util/base64.h"
#include "util/errbuf.h"
#include "util/sha256.h"

/* The helper is local and does one ECDSA operation; 20 s is generous. */
#define HELPER_MS 20000
/* The longest signature argument accepted: a DER P-256 signature is at
 * most 72 bytes, 96 in base64. */
#define SIG_B64_MAX 200

/* Runs the helper with @in as standard input (-1: /dev/null); its output
 * in @out (NUL-terminated, "" on failure). */
static int run_helper(const char *helper, char *const argv[], int in, char *out,
		      size_t cap, size_t *len, struct nono_spawn_result *res)
{
	int r;

	memset(res, 0, sizeof(*res));
	*len = 0;
	r = nono_spawn_capture_in(helper, argv, in, HELPER_MS, out, cap - 1,
				  len, res);
	out[r == 0 ? *len : 0] = '\0';
	return r;
}

/* The value of line "@key VALUE" in @out, copied to @val. */
static bool line_val(const char *out, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = out; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			size_t n = strcspn(p + kl + 1, "\n");

			if (n >= len)
				return false;
			memcpy(val, p + kl + 1, n);
			val[n] = '\0';
			return true;
		}
	}
	return false;
}

int nono_signer_load(const char *ref, const char *what, struct nono_signer *s,
		     char *err, size_t errlen)
{
	char *const argv[] = {(char *)NONO_SIGN_HELPER, (char *)"pubkey", NULL};
	struct nono_spawn_result res;
	char out[1024], kerr[512];
	size_t len = 0;
	int in, r;

	memset(s, 0, sizeof(*s));
	if (nono_helper_find(NONO_SIGN_HELPER, s->helper, sizeof(s->helper)) <
	    0)
		return nono_errf(err, errlen,
				 "%s: the signing helper %s is not installed "
				 "(build nono with OpenSSL: libssl-dev)",
				 what, s->helper);
	if (nono_secret_load_key(ref, &s->key, kerr, sizeof(kerr)) < 0)
		return nono_errf(err, errlen, "%s: %s", what, kerr);
	in = nono_memfd_of((const void *const[]){s->key.data},
			   (const size_t[]){s->key.len}, 1);
	if (in < 0) {
		nono_signer_clear(s);
		return nono_errf(err, errlen, "%s: %s", what, strerror(-in));
	}
	r = run_helper(s->helper, argv, in, out, sizeof(out), &len, &res);
	close(in);
	if (r < 0 || res.status != 0 ||
	    !line_val(out, "keyid", s->keyid, sizeof(s->keyid)) ||
	    !line_val(out, "spki", s->spki, sizeof(s->spki))) {
		nono_signer_clear(s);
		return nono_errf(err, errlen, "%s %.200s: %s", what, ref,
				 res.errline[0] ? res.errline
						: "the key could not be read");
	}
	return 0;
}

void nono_signer_clear(struct nono_signer *s)
{
	if (!s)
		return;
	nono_secret_wipe(&s->key);
	s->keyid[0] = '\0';
	s->spki[0] = '\0';
}

int nono_signer_sign(const struct nono_signer *s, const void *msg, size_t len,
		     char *sig_b64, size_t siglen, char *err, size_t errlen)
{
	char *const argv[] = {(char *)NONO_SIGN_HELPER, (char *)"sign", NULL};
	struct nono_spawn_result res;
	char hdr[32], out[1024];
	size_t olen = 0;
	int in, r;

	if (siglen)
		sig_b64[0] = '\0';
	if (!s->key.data || !s->keyid[0])
		return nono_errf(err, errlen, "no signing key is loaded");
	/* The helper reads "LEN\n", the key, then the message. */
	snprintf(hdr, sizeof(hdr), "%zu\n", s->key.len);
	in = nono_memfd_of((const void *const[]){hdr, s->key.data, msg},
			   (const size_t[]){strlen(hdr), s->key.len, len}, 3);
	if (in < 0)
		return nono_errf(err, errlen, "%s", strerror(-in));
	r = run_helper(s->helper, argv, in, out, sizeof(out), &olen, &res);
	close(in);
	if (r < 0 || res.status != 0 ||
	    !line_val(out, "sig", sig_b64, siglen)) {
		if (siglen)
			sig_b64[0] = '\0';
		return nono_errf(err, errlen, "%s",
				 res.errline[0] ? res.errline
						: "the helper failed");
	}
	return 0;
}

/* The batch (see signer.h): checks keyed by the SHA-256 of what they
 * check. */
struct sig_req {
	uint8_t id[NONO_SHA256_LEN];
	char *pub, *sig;
	unsigned char *msg;
	size_t len;
	int answer; /* -1 none yet, 0 bad, 1 valid, 2 error */
	char keyid[NONO_SHA256_HEX];
	char why[96];
};

static struct {
	enum { BATCH_OFF, BATCH_COLLECT, BATCH_ANSWER } mode;
	struct sig_req *v;
	size_t n, cap;
} batch;

static void req_id(const char *pub, const char *sig, const void *msg,
		   size_t len, uint8_t id[NONO_SHA256_LEN])
{
	struct nono_sha256 c;

	nono_sha256_init(&c);
	nono_sha256_update(&c, pub, strlen(pub) + 1);
	nono_sha256_update(&c, sig, strlen(sig) + 1);
	nono_sha256_update(&c, msg, len);
	nono_sha256_final(&c, id);
}

static struct sig_req *req_find(const uint8_t id[NONO_SHA256_LEN])
{
	for (size_t i = 0; i < batch.n; i++)
		if (memcmp(batch.v[i].id, id, NONO_SHA256_LEN) == 0)
			return &batch.v[i];
	return NULL;
}

/* Records a check (collect mode): 0, or -ENOMEM. */
static int req_add(const uint8_t id[NONO_SHA256_LEN], const char *pub,
		   const char *sig, const void *msg, size_t len)
{
	struct sig_req *r;

	if (req_find(id))
		return 0;
	if (batch.n == batch.cap) {
		size_t cap = batch.cap ? batch.cap * 2 : 64;
		struct sig_req *v = realloc(batch.v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		batch.v = v;
		batch.cap = cap;
	}
	r = &batch.v[batch.n];
	memset(r, 0, sizeof(*r));
	memcpy(r->id, id, NONO_SHA256_LEN);
	r->answer = -1;
	r->pub = strdup(pub + 5);
	r->sig = strdup(sig);
	r->msg = malloc(len ? len : 1);
	if (!r->pub || !r->sig || !r->msg) {
		free(r->pub);
		free(r->sig);
		free(r->msg);
		return -ENOMEM;
	}
	memcpy(r->msg, msg, len);
	r->len = len;
	batch.n++;
	return 0;
}

void nono_sig_batch_collect(void)
{
	nono_sig_batch_end();
	batch.mode = BATCH_COLLECT;
}

void nono_sig_batch_end(void)
{
	for (size_t i = 0; i < batch.n; i++) {
		free(batch.v[i].pub);
		free(batch.v[i].sig);
		free(batch.v[i].msg);
	}
	free(batch.v);
	memset(&batch, 0, sizeof(batch));
}

int nono_sig_batch_run(char *err, size_t errlen)
{
	char *const argv[] = {(char *)NONO_SIGN_HELPER, (char *)"verify-batch",
			      NULL};
	char helper[PATH_MAX], head[600], *out = NULL;
	struct nono_spawn_result res;
	size_t cap = batch.n * 96 + 64, olen = 0;
	const void **parts = NULL;
	size_t *lens = NULL;
	char **heads = NULL;
	int in = -1, ret = -1;

	batch.mode = BATCH_ANSWER;
	if (batch.n == 0)
		return 0;
	if (nono_helper_find(NONO_SIGN_HELPER, helper, sizeof(helper)) < 0) {
		nono_errf(err, errlen,
			  "the signing helper %s is not installed: signatures "
			  "cannot be checked",
			  helper);
		goto out;
	}
	out = malloc(cap);
	parts = calloc(batch.n * 2, sizeof(*parts));
	lens = calloc(batch.n * 2, sizeof(*lens));
	heads = calloc(batch.n, sizeof(*heads));
	if (!out || !parts || !lens || !heads) {
		nono_errf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < batch.n; i++) {
		int w =
		    snprintf(head, sizeof(head), "%s %s %zu\n", batch.v[i].pub,
			     batch.v[i].sig, batch.v[i].len);

		if (w < 0 || (size_t)w >= sizeof(head) ||
		    !(heads[i] = strdup(head))) {
			nono_errf(err, errlen, "a key or signature too long");
			goto out;
		}
		parts[2 * i] = heads[i];
		lens[2 * i] = (size_t)w;
		parts[2 * i + 1] = batch.v[i].msg;
		lens[2 * i + 1] = batch.v[i].len;
	}
	in = nono_memfd_of(parts, lens, batch.n * 2);
	if (in < 0) {
		nono_errf(err, errlen, "%s", strerror(-in));
		goto out;
	}
	if (run_helper(helper, argv, in, out, cap, &olen, &res) < 0 ||
	    res.status != 0) {
		nono_errf(err, errlen, "%s",
			  res.errline[0] ? res.errline
					 : "the signing helper failed");
		goto out;
	}
	{
		char *line = out;

		for (size_t i = 0; i < batch.n; i++) {
			char *nl = line ? strchr(line, '\n') : NULL;
			struct sig_req *r = &batch.v[i];

			if (!nl) {
				nono_errf(err, errlen,
					  "the signing helper answered %zu of "
					  "%zu checks",
					  i, batch.n);
				goto out;
			}
			*nl = '\0';
			if ((strncmp(line, "ok ", 3) == 0 ||
			     strncmp(line, "bad ", 4) == 0) &&
			    strlen(strchr(line, ' ') + 1) ==
				NONO_SHA256_HEX - 1) {
				r->answer = line[0] == 'o';
				memcpy(r->keyid, strchr(line, ' ') + 1,
				       NONO_SHA256_HEX);
			} else {
				r->answer = 2;
				snprintf(r->why, sizeof(r->why), "%.90s",
					 strncmp(line, "error ", 6) == 0
					     ? line + 6
					     : "no answer");
			}
			line = nl + 1;
		}
	}
	ret = 0;
out:
	if (in >= 0)
		close(in);
	for (size_t i = 0; heads && i < batch.n; i++)
		free(heads[i]);
	free(heads);
	free(parts);
	free(lens);
	free(out);
	if (ret < 0)
		nono_sig_batch_end();
	return ret;
}

int nono_sig_verify(const char *pub, const void *msg, size_t len,
		    const char *sig_b64, char keyid_out[NONO_SHA256_HEX],
		    char *err, size_t errlen)
{
	char helper[PATH_MAX], out[1024], keyid[NONO_SHA256_HEX] = "";
	char *const argv[] = {(char *)NONO_SIGN_HELPER, (char *)"verify",
			      (char *)pub, (char *)sig_b64, NULL};
	struct nono_spawn_result res;
	size_t olen = 0, sl = strlen(sig_b64);
	int in, r;

	if (keyid_out)
		keyid_out[0] = '\0';
	/* The signature is an argument: bounded, and never an option. */
	if (sl == 0 || sl > SIG_B64_MAX ||
	    strspn(sig_b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
			    "xyz0123456789+/=") != sl)
		return nono_errf(err, errlen, "the signature is not base64");
	if (!pub[0])
		return nono_errf(err, errlen, "no public key to check it with");
	if (batch.mode != BATCH_OFF && strncmp(pub, "spki:", 5) == 0 &&
	    strlen(pub) < 512 &&
	    strspn(pub + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
			    "vwxyz0123456789+/=") == strlen(pub + 5)) {
		uint8_t id[NONO_SHA256_LEN];
		struct sig_req *q;

		req_id(pub, sig_b64, msg, len, id);
		if (batch.mode == BATCH_COLLECT) {
			/* Provisional: this pass's verdicts are dropped. */
			if (req_add(id, pub, sig_b64, msg, len) < 0)
				return nono_errf(err, errlen, "out of memory");
			if (keyid_out) {
				size_t dl = 0;
				unsigned char *der = nono_b64_decode(
				    pub + 5, strlen(pub + 5), &dl);
				uint8_t d[NONO_SHA256_LEN];

				if (der) {
					nono_sha256(der, dl, d);
					nono_hex(d, sizeof(d), keyid_out);
					free(der);
				}
			}
			return 1;
		}
		q = req_find(id);
		if (q && q->answer == 2)
			return nono_errf(err, errlen, "%s", q->why);
		if (q && q->answer >= 0) {
			if (keyid_out)
				memcpy(keyid_out, q->keyid, NONO_SHA256_HEX);
			return q->answer;
		}
	}
	if (nono_helper_find(NONO_SIGN_HELPER, helper, sizeof(helper)) < 0)
		return nono_errf(err, errlen,
				 "the signing helper %s is not installed: the "
				 "signature cannot be checked",
				 helper);
	in =
	    nono_memfd_of((const void *const[]){msg}, (const size_t[]){len}, 1);
	if (in < 0)
		return nono_errf(err, errlen, "%s", strerror(-in));
	r = run_helper(helper, argv, in, out, sizeof(out), &olen, &res);
	close(in);
	line_val(out, "keyid", keyid, sizeof(keyid));
	/* Exit 0: valid, 1: not; anything else (2: the key, 3: usage, a
	 * signal, the time limit) is no answer at all. */
	if (r < 0 || (res.status != 0 && res.status != 1) ||
	    strlen(keyid) != NONO_SHA256_HEX - 1)
		return nono_errf(err, errlen, "%s",
				 res.errline[0] ? res.errline
						: "the key is not usable");
	if (keyid_out)
		memcpy(keyid_out, keyid, NONO_SHA256_HEX);
	return res.status == 0 ? 1 : 0;
}

char *nono_dsse_pae(const char *type, const void *body, size_t n, size_t *len)
{
	size_t tl = strlen(type), hl;
	char head[48], mid[32];
	char *p;
	int a, b;

	a = snprintf(head, sizeof(head), "DSSEv1 %zu ", tl);
	b = snprintf(mid, sizeof(mid), " %zu ", n);
	if (a < 0 || b < 0)
		return NULL;
	hl = (size_t)a + tl + (size_t)b;
	if (n > SIZE_MAX - hl - 1)
		return NULL;
	p = malloc(hl + n + 1);
	if (!p)
		return NULL;
	memcpy(p, head, (size_t)a);
	memcpy(p + a, type, tl);
	memcpy(p + (size_t)a + tl, mid, (size_t)b);
	if (n)
		memcpy(p + hl, body, n);
	p[hl + n] = '\0';
	*len = hl + n;
	return p;
}

int nono_signer_keygen(char **pem_out, size_t *len, char *err, size_t errlen)
{
	static const char begin[] = "-----BEGIN PRIVATE KEY-----\n";
	char *const argv[] = {(char *)NONO_SIGN_HELPER, (char *)"keygen", NULL};
	char helper[PATH_MAX], out[4096];
	struct nono_spawn_result res;
	size_t olen = 0;
	int r, ret = -1;

	*pem_out = NULL;
	*len = 0;
	if (nono_helper_find(NONO_SIGN_HELPER, helper, sizeof(helper)) < 0)
		return nono_errf(err, errlen,
				 "the signing helper %s is not installed "
				 "(build nono with OpenSSL: libssl-dev)",
				 helper);
	r = run_helper(helper, argv, -1, out, sizeof(out), &olen, &res);
	if (r < 0 || res.status != 0 ||
	    strncmp(out, begin, sizeof(begin) - 1) != 0) {
		nono_errf(err, errlen, "key generation failed: %s",
			  res.errline[0] ? res.errline : "the helper failed");
		goto out;
	}
	*pem_out = malloc(olen + 1);
	if (!*pem_out) {
		nono_errf(err, errlen, "key generation: out of memory");
		goto out;
	}
	memcpy(*pem_out, out, olen + 1);
	*len = olen;
	ret = 0;
out:
	/* The stack copy of the new private key. */
	explicit_bzero(out, sizeof(out));
	return ret;
}

int nono_signer_pem(const struct nono_signer *s, char **pem_out, size_t *len,
		    char *err, size_t errlen)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----\n",
			  end[] = "-----END PUBLIC KEY-----\n";
	size_t n = strlen(s->spki), cap, o = 0;
	char *p;

	*pem_out = NULL;
	*len = 0;
	if (!n)
		return nono_errf(err, errlen, "no signing key is loaded");
	/* RFC 7468: the base64 of the DER in lines of 64 characters. */
	cap = sizeof(begin) + n + n / 64 + 1 + sizeof(end);
	p = malloc(cap);
	if (!p)
		return nono_errf(err, errlen, "out of memory");
	memcpy(p, begin, sizeof(begin) - 1);
	o = sizeof(begin) - 1;
	for (size_t i = 0; i < n; i += 64) {
		size_t k = n - i < 64 ? n - i : 64;

		memcpy(p + o, s->spki + i, k);
		o += k;
		p[o++] = '\n';
	}
	memcpy(p + o, end, sizeof(end));
	o += sizeof(end) - 1;
	*pem_out = p;
	*len = o;
	return 0;
}
