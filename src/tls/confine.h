/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NONO_TLS_CONFINE_H
#define NONO_TLS_CONFINE_H

/* Confines nono-tls for the rest of its life (see confine.c); 0 or
 * -errno.  Every thread started later inherits it. */
int nono_tls_confine(void);

#endif
