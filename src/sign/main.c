// SPDX-License-Identifier: Apache-2.0
/*
 * nono-sign: ECDSA P-256/SHA-256 for what nono signs (audit sessions,
 * instruction files, trust policies: src/trust/signer.c), with OpenSSL,
 * which the static nono binary cannot link.  nono runs it with
 * everything on standard input and reads one line per result:
 *
 *   nono-sign keygen     stdin: nothing
 *                        out:   a new P-256 private key, PKCS#8 PEM
 *                               ("-----BEGIN PRIVATE KEY-----"), and
 *                               nothing else
 *   nono-sign pubkey     stdin: a private key
 *                        out:   "keyid HEX\nspki BASE64\n"
 *   nono-sign pubkey --pem
 *                        stdin: a private key
 *                        out:   its public key as PEM ("-----BEGIN
 *                               PUBLIC KEY-----", SubjectPublicKeyInfo),
 *                               and nothing else: a separate form rather
 *                               than a third line, since PEM spans lines
 *   nono-sign sign       stdin: "LEN\n" LEN bytes of private key, then
 *                               the payload to sign
 *                        out:   "sig BASE64\nkeyid HEX\nspki BASE64\n"
 *   nono-sign verify PUB SIG
 *                        PUB: a PEM public key file, or "spki:BASE64";
 *                        SIG: BASE64 (DER); stdin: the payload
 *                        out:   "keyid HEX\n", exit 0 when the signature
 *                               is valid, 1 when it is not
 *   nono-sign verify-batch
 *                        stdin: records "SPKI SIG LEN\n" and LEN bytes of
 *                               payload (SPKI, SIG: BASE64 DER), one after
 *                               the other (a pre-exec scan's signatures
 *                               in one run, not one process each)
 *                        out:   a line per record, in order: "ok HEX",
 *                               "bad HEX" (HEX: the key's keyid) or
 *                               "error WHY"; exit 0 once every record is
 *                               answered, 3 for a malformed stream
 *
 * Private keys: PEM (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY",
 * unencrypted) or the base64 of a PKCS#8 DER key, on one line.  Only
 * P-256 keys are accepted.  keyid: SHA-256 of the SubjectPublicKeyInfo
 * DER, in hex (the Sigstore bundle's publicKey.hint).  Exit 2: a key that
 * cannot be used, 3: usage or I/O; one line on stderr says why.  The key
 * is read into memory that is wiped before exit (a generated one is
 * written from a buffer that is wiped too, never through stdio); the
 * process is not dumpable and cannot gain privileges.
 */
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MAX_IN (16u << 20)

static void die(int code, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	fprintf(stderr, "nono-sign: %s%s%s\n", what, buf[0] ? ": " : "", buf);
	exit(code);
}

/* All of standard input (wiped by the caller). */
static unsigned char *read_all(size_t *n)
{
	size_t cap = 65536, len = 0;
	unsigned char *buf = malloc(cap);

	if (!buf)
		die(3, "out of memory");
	for (;;) {
		ssize_t r;

		if (len == cap) {
			unsigned char *nb;

			if (cap >= MAX_IN)
				die(3, "input too large");
			nb = malloc(cap * 2);
			if (!nb)
				die(3, "out of memory");
			memcpy(nb, buf, len);
			OPENSSL_cleanse(buf, cap);
			free(buf);
			buf = nb;
			cap *= 2;
		}
		r = read(0, buf + len, cap - len);
		if (r < 0)
			die(3, "reading standard input");
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*n = len;
	return buf;
}

static int no_password(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return 0; /* an encrypted key is refused, never prompted for */
}

static bool is_p256(EVP_PKEY *k)
{
	char group[64] = "";
	size_t gl = 0;

	return EVP_PKEY_is_a(k, "EC") &&
	       EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
					      group, sizeof(group), &gl) &&
	       (strcmp(group, "prime256v1") == 0 ||
		strcmp(group, "P-256") == 0);
}

static EVP_PKEY *load_private(const unsigned char *key, size_t n)
{
	EVP_PKEY *k = NULL;

	if (n > 10 && memmem(key, n, "-----BEGIN", 10)) {
		BIO *b = BIO_new_mem_buf(key, (int)n);

		if (!b)
			die(3, "out of memory");
		if (memmem(key, n, "ENCRYPTED", 9))
			die(2, "the key is encrypted; give nono an "
			       "unencrypted PKCS#8 key (openssl pkcs8 "
			       "-topk8 -nocrypt)");
		k = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
		BIO_free(b);
	} else {
		/* base64 of a PKCS#8 DER key, whitespace allowed */
		unsigned char *clean = calloc(1, n + 1),
			      *der = calloc(1, n + 1);
		size_t m = 0;
		int dl;

		if (!clean || !der)
			die(3, "out of memory");
		for (size_t i = 0; i < n; i++)
			if (key[i] != '\n' && key[i] != '\r' && key[i] != ' ' &&
			    key[i] != '\t')
				clean[m++] = key[i];
		dl = m % 4 == 0 ? EVP_DecodeBlock(der, clean, (int)m) : -1;
		if (dl > 0) {
			const unsigned char *p = der;

			/* EVP_DecodeBlock counts padding as zero bytes. */
			while (m && clean[m - 1] == '=') {
				m--;
				dl--;
			}
			k = d2i_AutoPrivateKey(NULL, &p, dl);
		}
		OPENSSL_cleanse(clean, n + 1);
		OPENSSL_cleanse(der, n + 1);
		free(clean);
		free(der);
	}
	if (!k)
		die(2, "not a private key (PEM, or base64 PKCS#8 DER)");
	if (!is_p256(k))
		die(2, "not an ECDSA P-256 key (nono signs with P-256 only)");
	return k;
}

static char *b64(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (!out)
		die(3, "out of memory");
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static unsigned char *unb64(const char *s, size_t *n)
{
	size_t len = strlen(s);
	unsigned char *out;
	int dl;

	if (len == 0 || len % 4)
		return NULL;
	out = malloc(len);
	if (!out)
		die(3, "out of memory");
	dl = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
	if (dl < 0) {
		free(out);
		return NULL;
	}
	while (len && s[len - 1] == '=') {
		len--;
		dl--;
	}
	*n = (size_t)dl;
	return out;
}

/* keyid and spki lines of @k. */
static void print_key(EVP_PKEY *k)
{
	unsigned char *der = NULL, md[32];
	char *enc;
	int n = i2d_PUBKEY(k, &der);

	if (n <= 0)
		die(2, "cannot encode the public key");
	EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL);
	printf("keyid ");
	for (int i = 0; i < 32; i++)
		printf("%02x", md[i]);
	enc = b64(der, (size_t)n);
	printf("\nspki %s\n", enc);
	free(enc);
	OPENSSL_free(der);
}

static int cmd_pubkey(void)
{
	size_t n;
	unsigned char *in = read_all(&n);
	EVP_PKEY *k = load_private(in, n);

	OPENSSL_cleanse(in, n);
	free(in);
	print_key(k);
	EVP_PKEY_free(k);
	return 0;
}

/* Writes all of @n bytes at @p to standard output. */
static void write_all(const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(1, p, n);

		if (w < 0)
			die(3, "writing standard output");
		p += w;
		n -= (size_t)w;
	}
}

/* @k's public key, PEM, on standard output. */
static void print_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n;

	if (!b || PEM_write_bio_PUBKEY(b, k) != 1)
		die(2, "cannot encode the public key");
	n = BIO_get_mem_data(b, &data);
	if (n <= 0)
		die(2, "cannot encode the public key");
	write_all((const unsigned char *)data, (size_t)n);
	BIO_free(b);
}

static int cmd_pubkey_pem(void)
{
	size_t n;
	unsigned char *in = read_all(&n);
	EVP_PKEY *k = load_private(in, n);

	OPENSSL_cleanse(in, n);
	free(in);
	print_pem(k);
	EVP_PKEY_free(k);
	return 0;
}

/*
 * A new P-256 key, PKCS#8 PEM, unencrypted (nono keeps it in the
 * keystore or a 0600 file; it never prompts for a passphrase).  Written
 * from a secure-heap memory BIO whose bytes are wiped when it is freed,
 * so that no stdio buffer keeps a copy.
 */
static int cmd_keygen(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	BIO *b;
	char *data = NULL;
	long n;

	if (!k || !is_p256(k))
		die(2, "cannot generate a P-256 key");
	b = BIO_new(BIO_s_secmem());
	if (!b ||
	    PEM_write_bio_PKCS8PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1)
		die(2, "cannot encode the new key");
	n = BIO_get_mem_data(b, &data);
	if (n <= 0)
		die(2, "cannot encode the new key");
	write_all((const unsigned char *)data, (size_t)n);
	OPENSSL_cleanse(data, (size_t)n);
	BIO_free(b);
	EVP_PKEY_free(k);
	return 0;
}

static int cmd_sign(void)
{
	size_t n, klen = 0, i = 0, siglen = 0;
	unsigned char *in = read_all(&n), *sig;
	EVP_MD_CTX *ctx;
	EVP_PKEY *k;
	char *enc;

	while (i < n && i < 12 && in[i] >= '0' && in[i] <= '9')
		klen = klen * 10 + (size_t)(in[i++] - '0');
	if (i == 0 || i >= n || in[i] != '\n' || klen > n - i - 1)
		die(3, "usage: LEN\\n KEY PAYLOAD on standard input");
	i++;
	k = load_private(in + i, klen);
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, in + i + klen, n - i - klen) !=
		1)
		die(2, "cannot sign");
	sig = malloc(siglen);
	if (!sig ||
	    EVP_DigestSign(ctx, sig, &siglen, in + i + klen, n - i - klen) != 1)
		die(2, "cannot sign");
	OPENSSL_cleanse(in, n);
	free(in);
	enc = b64(sig, siglen);
	printf("sig %s\n", enc);
	print_key(k);
	free(enc);
	free(sig);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return 0;
}

static int cmd_verify(const char *pub, const char *sig_b64)
{
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *ctx;
	unsigned char *sig, *in;
	size_t siglen = 0, n;
	int ok;

	if (strncmp(pub, "spki:", 5) == 0) {
		size_t dl = 0;
		unsigned char *der = unb64(pub + 5, &dl);
		const unsigned char *p = der;

		if (der)
			k = d2i_PUBKEY(NULL, &p, (long)dl);
		free(der);
	} else {
		FILE *f = fopen(pub, "r");

		if (!f)
			die(2, "cannot open the public key file");
		k = PEM_read_PUBKEY(f, NULL, no_password, NULL);
		fclose(f);
	}
	if (!k)
		die(2, "not a public key (PEM \"PUBLIC KEY\")");
	if (!is_p256(k))
		die(2, "not an ECDSA P-256 public key");
	sig = unb64(sig_b64, &siglen);
	if (!sig)
		die(3, "the signature is not base64");
	in = read_all(&n);
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) != 1)
		die(2, "cannot verify");
	ok = EVP_DigestVerify(ctx, sig, siglen, in, n) == 1;
	print_key(k);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	free(sig);
	free(in);
	return ok ? 0 : 1;
}

/* One record of verify-batch: its answer line. */
static void batch_one(const char *spki, const char *sig_b64,
		      const unsigned char *msg, size_t n)
{
	unsigned char *der, *sig, *dp = NULL, md[32];
	const unsigned char *p;
	size_t dl = 0, siglen = 0;
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *ctx;
	int ok, m;

	der = unb64(spki, &dl);
	p = der;
	if (der)
		k = d2i_PUBKEY(NULL, &p, (long)dl);
	free(der);
	if (!k || !is_p256(k)) {
		printf("error not an ECDSA P-256 public key\n");
		EVP_PKEY_free(k);
		return;
	}
	sig = unb64(sig_b64, &siglen);
	ctx = EVP_MD_CTX_new();
	m = i2d_PUBKEY(k, &dp);
	if (!sig || !ctx || m <= 0 ||
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) != 1) {
		printf("error %s\n",
		       sig ? "cannot verify" : "the signature is not base64");
	} else {
		ok = EVP_DigestVerify(ctx, sig, siglen, msg, n) == 1;
		EVP_Digest(dp, (size_t)m, md, NULL, EVP_sha256(), NULL);
		printf("%s ", ok ? "ok" : "bad");
		for (int i = 0; i < 32; i++)
			printf("%02x", md[i]);
		printf("\n");
	}
	ERR_clear_error();
	OPENSSL_free(dp);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	free(sig);
}

static int cmd_verify_batch(void)
{
	size_t n = 0, pos = 0;
	unsigned char *in = read_all(&n);

	while (pos < n) {
		char head[1024], spki[512], sig[256];
		unsigned long long len;
		const unsigned char *nl = memchr(in + pos, '\n', n - pos);
		size_t hl = nl ? (size_t)(nl - (in + pos)) : 0;
		char extra;

		if (!nl || hl >= sizeof(head))
			die(3, "verify-batch: a malformed record");
		memcpy(head, in + pos, hl);
		head[hl] = '\0';
		if (sscanf(head, "%511s %255s %llu%c", spki, sig, &len,
			   &extra) != 3 ||
		    len > n - pos - hl - 1)
			die(3, "verify-batch: a malformed record");
		pos += hl + 1;
		batch_one(spki, sig, in + pos, (size_t)len);
		pos += (size_t)len;
	}
	free(in);
	return fflush(stdout) == 0 ? 0 : 3;
}

int main(int argc, char **argv)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (argc == 2 && strcmp(argv[1], "keygen") == 0)
		return cmd_keygen();
	if (argc == 2 && strcmp(argv[1], "pubkey") == 0)
		return cmd_pubkey();
	if (argc == 3 && strcmp(argv[1], "pubkey") == 0 &&
	    strcmp(argv[2], "--pem") == 0)
		return cmd_pubkey_pem();
	if (argc == 2 && strcmp(argv[1], "sign") == 0)
		return cmd_sign();
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[2], argv[3]);
	if (argc == 2 && strcmp(argv[1], "verify-batch") == 0)
		return cmd_verify_batch();
	fprintf(stderr, "nono-sign: usage: nono-sign keygen | pubkey [--pem] | "
			"sign | verify PUBKEY SIG | verify-batch\n");
	return 3;
}
