/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One audit event: a flat JSON object built in memory, {"type":...,
 * "time":...} and then the fields of its type.  Strings are written as
 * valid UTF-8 JSON whatever bytes they hold: a byte that is not part of a
 * valid UTF-8 sequence becomes \u00XX (which valid text never produces
 * here, so the original bytes can be told back).  Out of memory is sticky
 * and reported by nono_ev_end().
 */
#ifndef NONO_AUDIT_EVENT_H
#define NONO_AUDIT_EVENT_H

#include <stdbool.h>
#include <stddef.h>

struct nono_ev {
	char *buf;
	size_t len, cap;
	bool oom;
	bool borrowed; /* buf is the caller's (nono_ev_begin_in) */
};

/* Starts {"type":@type,"time":"2026-12-06T13:22:51.123Z"... */
void nono_ev_begin(struct nono_ev *e, const char *type);
/* The same, built in @buf (@cap bytes, the caller's, e.g. on its stack)
 * until it outgrows it: events made per decision cost no allocation. */
void nono_ev_begin_in(struct nono_ev *e, const char *type, char *buf,
		      size_t cap);
void nono_ev_str(struct nono_ev *e, const char *key, const char *val);
void nono_ev_strn(struct nono_ev *e, const char *key, const char *val,
		  size_t n);
void nono_ev_int(struct nono_ev *e, const char *key, long long v);
void nono_ev_bool(struct nono_ev *e, const char *key, bool v);
/* @json must be one valid JSON value (nono builds it). */
void nono_ev_raw(struct nono_ev *e, const char *key, const char *json,
		 size_t n);
/* An array of strings (@v NULL-terminated, or @n of them when @v has no
 * terminator: n = (size_t)-1 for NULL-terminated). */
void nono_ev_strv(struct nono_ev *e, const char *key, char *const *v, size_t n);
/* Closes the object: 0, or -ENOMEM (the event is then lost). */
int nono_ev_end(struct nono_ev *e);
void nono_ev_free(struct nono_ev *e);

/* Appends @n bytes as a JSON string literal (quotes included) to @e. */
void nono_ev_quote(struct nono_ev *e, const char *s, size_t n);
/* Appends raw bytes. */
void nono_ev_put(struct nono_ev *e, const char *s, size_t n);
/* Room for @n more bytes at once: one allocation instead of a doubling
 * per power of two (each a mapping and an unmapping with musl's malloc,
 * tens of microseconds apiece on a virtual machine). */
void nono_ev_reserve(struct nono_ev *e, size_t n);

/* The current time as RFC 3339 UTC with milliseconds (25 bytes). */
void nono_ev_time(char out[32]);

#endif
