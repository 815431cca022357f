// SPDX-License-Identifier: Apache-2.0
/* Audit events as JSON objects in memory (see event.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/event.h"

void nono_ev_put(struct nono_ev *e, const char *s, size_t n)
{
	if (e->oom)
		return;
	if (e->len + n + 1 > e->cap) {
		size_t cap = e->cap ? e->cap : 256;
		char *b;

		while (cap < e->len + n + 1)
			cap *= 2;
		b = e->borrowed ? malloc(cap) : realloc(e->buf, cap);
		if (!b) {
			e->oom = true;
			return;
		}
		if (e->borrowed && e->len)
			memcpy(b, e->buf, e->len);
		e->borrowed = false;
		e->buf = b;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

void nono_ev_reserve(struct nono_ev *e, size_t n)
{
	char *b;

	if (e->oom || e->len + n + 1 <= e->cap)
		return;
	b = e->borrowed ? malloc(e->len + n + 1)
			: realloc(e->buf, e->len + n + 1);
	if (!b) {
		e->oom = true;
		return;
	}
	if (e->borrowed && e->len)
		memcpy(b, e->buf, e->len + 1);
	e->borrowed = false;
	e->buf = b;
	e->cap = e->len + n + 1;
}

/* Length of the valid UTF-8 sequence at @s (@n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void nono_ev_quote(struct nono_ev *e, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	nono_ev_put(e, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		size_t l;
		char esc[8];

		/* Plain ASCII, the common case, without the UTF-8 decoder. */
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		l = utf8_len(p + i, n - i);

		if (l >= 1 && c != '"' && c != '\\' && c >= 0x20 && c != 0x7f) {
			i += l;
			run += l;
			continue;
		}
		nono_ev_put(e, (const char *)p + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			nono_ev_put(e, esc, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			nono_ev_put(e, esc, 6);
		}
		i++;
	}
	nono_ev_put(e, (const char *)p + i - run, run);
	nono_ev_put(e, "\"", 1);
}

static void key(struct nono_ev *e, const char *k)
{
	nono_ev_put(e, ",", 1);
	nono_ev_quote(e, k, strlen(k));
	nono_ev_put(e, ":", 1);
}

void nono_ev_time(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

void nono_ev_begin(struct nono_ev *e, const char *type)
{
	nono_ev_begin_in(e, type, NULL, 0);
}

void nono_ev_begin_in(struct nono_ev *e, const char *type, char *buf,
		      size_t cap)
{
	char t[32];

	memset(e, 0, sizeof(*e));
	if (buf && cap) {
		e->buf = buf;
		e->cap = cap;
		e->borrowed = true;
	}
	nono_ev_put(e, "{\"type\":", 8);
	nono_ev_quote(e, type, strlen(type));
	nono_ev_time(t);
	nono_ev_put(e, ",\"time\":\"", 9);
	nono_ev_put(e, t, strlen(t));
	nono_ev_put(e, "\"", 1);
}

void nono_ev_strn(struct nono_ev *e, const char *k, const char *val, size_t n)
{
	key(e, k);
	if (val)
		nono_ev_quote(e, val, n);
	else
		nono_ev_put(e, "null", 4);
}

void nono_ev_str(struct nono_ev *e, const char *k, const char *val)
{
	nono_ev_strn(e, k, val, val ? strlen(val) : 0);
}

void nono_ev_int(struct nono_ev *e, const char *k, long long v)
{
	char b[32];

	key(e, k);
	nono_ev_put(e, b, (size_t)snprintf(b, sizeof(b), "%lld", v));
}

void nono_ev_bool(struct nono_ev *e, const char *k, bool v)
{
	key(e, k);
	nono_ev_put(e, v ? "true" : "false", v ? 4 : 5);
}

void nono_ev_raw(struct nono_ev *e, const char *k, const char *json, size_t n)
{
	const unsigned char *p = (const unsigned char *)json;
	size_t i = 0, run = 0;

	key(e, k);
	/* JSON that nono wrote holds raw bytes only inside strings (paths
	 * are bytes): each one that is not valid UTF-8 becomes \u00XX
	 * there, so that the event stays valid JSON. */
	while (i < n) {
		size_t l = utf8_len(p + i, n - i);
		char esc[8];

		if (l) {
			i += l;
			run += l;
			continue;
		}
		nono_ev_put(e, json + i - run, run);
		run = 0;
		snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
		nono_ev_put(e, esc, 6);
		i++;
	}
	nono_ev_put(e, json + i - run, run);
}

void nono_ev_strv(struct nono_ev *e, const char *k, char *const *v, size_t n)
{
	key(e, k);
	nono_ev_put(e, "[", 1);
	for (size_t i = 0; v && (n == (size_t)-1 ? v[i] != NULL : i < n); i++) {
		if (i)
			nono_ev_put(e, ",", 1);
		nono_ev_quote(e, v[i], strlen(v[i]));
	}
	nono_ev_put(e, "]", 1);
}

int nono_ev_end(struct nono_ev *e)
{
	nono_ev_put(e, "}", 1);
	return e->oom ? -ENOMEM : 0;
}

void nono_ev_free(struct nono_ev *e)
{
	if (!e->borrowed)
		free(e->buf);
	memset(e, 0, sizeof(*e));
}
