/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The session's certificate authority for TLS interception: an ECDSA P-256
 * key that lives only in this process's memory, a self-signed CA
 * certificate valid for a day, and leaf certificates for the hosts the
 * proxy must see into, made on demand and cached.
 */
#ifndef NONO_TLS_CA_H
#define NONO_TLS_CA_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct nono_ca;

/* A fresh CA; NULL on failure (OpenSSL's error queue says why). */
struct nono_ca *nono_ca_new(void);
void nono_ca_free(struct nono_ca *ca);

/* The CA certificate, PEM, NUL-terminated; borrowed. */
const char *nono_ca_pem(const struct nono_ca *ca);

/*
 * A leaf certificate for @host (a DNS name, or an IPv4/IPv6 literal), signed
 * by the CA, and the key to serve it with.  The certificate is the caller's
 * reference (X509_free it; the CA caches its own); the key is borrowed.
 * Thread-safe.  NULL on failure.
 */
X509 *nono_ca_leaf(struct nono_ca *ca, const char *host, EVP_PKEY **key);

#endif
