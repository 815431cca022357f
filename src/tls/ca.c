// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "tls/ca.h"

#define MAX_LEAVES 1024

struct leaf {
	char *host;
	X509 *cert;
};

struct nono_ca {
	EVP_PKEY *key; /* the CA's, and every leaf's */
	X509 *cert;
	char *pem;
	pthread_mutex_t mu;
	struct leaf leaves[MAX_LEAVES];
	size_t nleaves;
};

static EVP_PKEY *p256(void)
{
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return 0;
}

/* A certificate skeleton: random serial, valid from an hour ago for a
 * day, subject CN=@cn. */
static X509 *skeleton(const char *cn, EVP_PKEY *key)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn;
	X509_NAME *name;

	if (!x || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
		BN_free(bn);
		goto fail;
	}
	BN_free(bn);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"nono sandbox", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)cn, -1, -1, 0);
	if (!X509_set_pubkey(x, key))
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

struct nono_ca *nono_ca_new(void)
{
	struct nono_ca *ca = calloc(1, sizeof(*ca));
	BIO *b = NULL;
	char cn[64];
	char *data;
	long n;

	if (!ca)
		return NULL;
	pthread_mutex_init(&ca->mu, NULL);
	ca->key = p256();
	snprintf(cn, sizeof(cn), "nono session CA (pid %d)", (int)getpid());
	if (!ca->key || !(ca->cert = skeleton(cn, ca->key)))
		goto fail;
	X509_set_issuer_name(ca->cert, X509_get_subject_name(ca->cert));
	if (add_ext(ca->cert, ca->cert, NID_basic_constraints,
		    "critical,CA:TRUE,pathlen:0") < 0 ||
	    add_ext(ca->cert, ca->cert, NID_key_usage,
		    "critical,keyCertSign,cRLSign") < 0 ||
	    add_ext(ca->cert, ca->cert, NID_subject_key_identifier, "hash") <
		0 ||
	    !X509_sign(ca->cert, ca->key, EVP_sha256()))
		goto fail;
	b = BIO_new(BIO_s_mem());
	if (!b || !PEM_write_bio_X509(b, ca->cert))
		goto fail;
	n = BIO_get_mem_data(b, &data);
	ca->pem = malloc((size_t)n + 1);
	if (!ca->pem)
		goto fail;
	memcpy(ca->pem, data, (size_t)n);
	ca->pem[n] = '\0';
	BIO_free(b);
	return ca;
fail:
	BIO_free(b);
	nono_ca_free(ca);
	return NULL;
}

void nono_ca_free(struct nono_ca *ca)
{
	if (!ca)
		return;
	for (size_t i = 0; i < ca->nleaves; i++) {
		free(ca->leaves[i].host);
		X509_free(ca->leaves[i].cert);
	}
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->pem);
	pthread_mutex_destroy(&ca->mu);
	free(ca);
}

const char *nono_ca_pem(const struct nono_ca *ca)
{
	return ca->pem;
}

static X509 *make_leaf(struct nono_ca *ca, const char *host)
{
	unsigned char ip[16];
	char san[300];
	X509 *x = skeleton(host, ca->key);

	if (!x)
		return NULL;
	X509_set_issuer_name(x, X509_get_subject_name(ca->cert));
	if (inet_pton(AF_INET, host, ip) == 1 ||
	    inet_pton(AF_INET6, host, ip) == 1)
		snprintf(san, sizeof(san), "IP:%s", host);
	else
		snprintf(san, sizeof(san), "DNS:%s", host);
	if (add_ext(x, ca->cert, NID_subject_alt_name, san) < 0 ||
	    add_ext(x, ca->cert, NID_basic_constraints, "critical,CA:FALSE") <
		0 ||
	    add_ext(x, ca->cert, NID_key_usage, "critical,digitalSignature") <
		0 ||
	    add_ext(x, ca->cert, NID_ext_key_usage, "serverAuth") < 0 ||
	    add_ext(x, ca->cert, NID_authority_key_identifier, "keyid") < 0 ||
	    !X509_sign(x, ca->key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *nono_ca_leaf(struct nono_ca *ca, const char *host, EVP_PKEY **key)
{
	X509 *x = NULL;

	*key = ca->key;
	pthread_mutex_lock(&ca->mu);
	for (size_t i = 0; i < ca->nleaves && !x; i++)
		if (strcmp(ca->leaves[i].host, host) == 0)
			x = ca->leaves[i].cert;
	if (!x && (x = make_leaf(ca, host)) != NULL) {
		if (ca->nleaves == MAX_LEAVES) { /* drop the oldest */
			free(ca->leaves[0].host);
			X509_free(ca->leaves[0].cert);
			memmove(&ca->leaves[0], &ca->leaves[1],
				(MAX_LEAVES - 1) * sizeof(ca->leaves[0]));
			ca->nleaves--;
		}
		ca->leaves[ca->nleaves].host = strdup(host);
		ca->leaves[ca->nleaves].cert = x;
		if (ca->leaves[ca->nleaves].host)
			ca->nleaves++;
		else {
			X509_free(x);
			x = NULL;
		}
	}
	/* The caller's own reference: another thread may evict the cache's
	 * copy at any time. */
	if (x && X509_up_ref(x) != 1)
		x = NULL;
	pthread_mutex_unlock(&ca->mu);
	return x;
}
