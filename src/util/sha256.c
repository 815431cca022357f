// SPDX-License-Identifier: Apache-2.0
/*
 * SHA-256 from FIPS 180-4 (section 6.2): a portable compression function,
 * and one with the x86 SHA extensions (SHA256RNDS2, SHA256MSG1/2), chosen
 * once by CPUID.  Both are checked against each other and against OpenSSL
 * in tests/unit/test_sha256.c.
 */
#include <string.h>

#include "util/sha256.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHANI_CODE 1
#endif

/* First 32 bits of the fractional parts of the cube roots of the first
 * 64 primes (4.2.2). */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void blocks_portable(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	uint32_t w[64];

	while (nblocks--) {
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
		uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];

		for (int t = 0; t < 16; t++)
			w[t] = load_be32(p + 4 * t);
		for (int t = 16; t < 64; t++) {
			uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^
				      (w[t - 15] >> 3);
			uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^
				      (w[t - 2] >> 10);

			w[t] = w[t - 16] + s0 + w[t - 7] + s1;
		}
		for (int t = 0; t < 64; t++) {
			uint32_t S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
			uint32_t ch = (e & f) ^ (~e & g);
			uint32_t t1 = hh + S1 + ch + K[t] + w[t];
			uint32_t S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
			uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
			uint32_t t2 = S0 + maj;

			hh = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
		h[5] += f;
		h[6] += g;
		h[7] += hh;
		p += 64;
	}
}

#ifdef HAVE_SHANI_CODE
/*
 * The SHA extensions keep the state as two vectors, ABEF and CDGH (A in
 * the highest lane), and SHA256RNDS2 runs two rounds with the two lowest
 * words of W+K.  The message schedule of four words at a time: group j
 * (words 4j..4j+3, j >= 4) = MSG2(MSG1(group j-4, group j-3) + words
 * 4j-7..4j-4, group j-1).
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void
blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	const __m128i bswap =
	    _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i abef, cdgh, t;

	/* h[0..3] = A B C D, h[4..7] = E F G H (lane 0 first). */
	t = _mm_loadu_si128((const __m128i *)&h[0]);
	cdgh = _mm_loadu_si128((const __m128i *)&h[4]);
	t = _mm_shuffle_epi32(t, 0xB1);        /* B A D C */
	cdgh = _mm_shuffle_epi32(cdgh, 0x1B);  /* H G F E */
	abef = _mm_alignr_epi8(t, cdgh, 8);    /* F E B A */
	cdgh = _mm_blend_epi16(cdgh, t, 0xF0); /* H G D C */

	while (nblocks--) {
		__m128i m[4], save_abef = abef, save_cdgh = cdgh;

		for (int i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(
			    _mm_loadu_si128((const __m128i *)(p + 16 * i)),
			    bswap);
		for (int j = 0; j < 16; j++) {
			__m128i wk;

			if (j >= 4) {
				__m128i g4 = m[j % 4], g3 = m[(j + 1) % 4];
				__m128i g2 = m[(j + 2) % 4];
				__m128i g1 = m[(j + 3) % 4];

				t = _mm_add_epi32(_mm_sha256msg1_epu32(g4, g3),
						  _mm_alignr_epi8(g1, g2, 4));
				m[j % 4] = _mm_sha256msg2_epu32(t, g1);
			}
			wk = _mm_add_epi32(
			    m[j % 4],
			    _mm_loadu_si128((const __m128i *)&K[4 * j]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			wk = _mm_shuffle_epi32(wk, 0x0E);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
		}
		abef = _mm_add_epi32(abef, save_abef);
		cdgh = _mm_add_epi32(cdgh, save_cdgh);
		p += 64;
	}

	t = _mm_shuffle_epi32(abef, 0x1B);     /* A B E F */
	cdgh = _mm_shuffle_epi32(cdgh, 0xB1);  /* G H C D */
	abef = _mm_blend_epi16(t, cdgh, 0xF0); /* A B C D */
	cdgh = _mm_alignr_epi8(cdgh, t, 8);    /* E F G H */
	_mm_storeu_si128((__m128i *)&h[0], abef);
	_mm_storeu_si128((__m128i *)&h[4], cdgh);
}

static int cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & (1u << 29)) != 0; /* SHA */
}
#endif

/* -1: not probed yet; 0 portable; 1 SHA extensions. */
static int use_shani = -1;
static int forced_portable;

static void blocks(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
#ifdef HAVE_SHANI_CODE
	if (use_shani < 0)
		use_shani = cpu_has_shani();
	if (use_shani && !forced_portable) {
		blocks_shani(h, p, nblocks);
		return;
	}
#endif
	blocks_portable(h, p, nblocks);
}

int nono_sha256_force_portable(int on)
{
	forced_portable = on;
#ifdef HAVE_SHANI_CODE
	if (use_shani < 0)
		use_shani = cpu_has_shani();
	return use_shani;
#else
	return 0;
#endif
}

void nono_sha256_init(struct nono_sha256 *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
				       0xa54ff53a, 0x510e527f, 0x9b05688c,
				       0x1f83d9ab, 0x5be0cd19};

	memcpy(c->h, h0, sizeof(h0));
	c->total = 0;
	c->used = 0;
}

void nono_sha256_update(struct nono_sha256 *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	c->total += n;
	if (c->used) {
		size_t take = 64 - c->used < n ? 64 - c->used : n;

		memcpy(c->buf + c->used, p, take);
		c->used += take;
		p += take;
		n -= take;
		if (c->used < 64)
			return;
		blocks(c->h, c->buf, 1);
		c->used = 0;
	}
	if (n >= 64) {
		blocks(c->h, p, n / 64);
		p += n & ~(size_t)63;
		n &= 63;
	}
	if (n) {
		memcpy(c->buf, p, n);
		c->used = n;
	}
}

void nono_sha256_final(struct nono_sha256 *c, uint8_t out[NONO_SHA256_LEN])
{
	uint64_t bits = c->total * 8;

	c->buf[c->used++] = 0x80;
	if (c->used > 56) {
		memset(c->buf + c->used, 0, 64 - c->used);
		blocks(c->h, c->buf, 1);
		c->used = 0;
	}
	memset(c->buf + c->used, 0, 56 - c->used);
	for (int i = 0; i < 8; i++)
		c->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	blocks(c->h, c->buf, 1);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
	memset(c, 0, sizeof(*c));
}

void nono_sha256(const void *data, size_t n, uint8_t out[NONO_SHA256_LEN])
{
	struct nono_sha256 c;

	nono_sha256_init(&c);
	nono_sha256_update(&c, data, n);
	nono_sha256_final(&c, out);
}

void nono_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Hex digit values, -1 for anything else. */
static const signed char hexval[256] = {
    ['0'] = 0,  ['1'] = 1,  ['2'] = 2,  ['3'] = 3,  ['4'] = 4,  ['5'] = 5,
    ['6'] = 6,  ['7'] = 7,  ['8'] = 8,  ['9'] = 9,  ['a'] = 10, ['b'] = 11,
    ['c'] = 12, ['d'] = 13, ['e'] = 14, ['f'] = 15, ['A'] = 10, ['B'] = 11,
    ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
};

/* hexval[] with the entries that are not digits at -1 (C leaves them 0). */
static signed char hexv(unsigned char c)
{
	return (c >= '0' && c <= '9') ||
		       ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		   ? hexval[c]
		   : -1;
}

int nono_unhex(const char *in, size_t n, uint8_t *out)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		signed char hi = hexv((unsigned char)in[2 * i]);
		signed char lo = hexv((unsigned char)in[2 * i + 1]);

		bad |= hi | lo; /* negative when either is not a digit */
		out[i] = (uint8_t)((hi & 15) << 4 | (lo & 15));
	}
	return bad < 0 ? -1 : 0;
}
