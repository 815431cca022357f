// SPDX-License-Identifier: Apache-2.0
/*
 * A small ECMA-48 parser that follows the modes a program switches on.  It
 * only has to agree with the terminal on where sequences start and end, and
 * act on the few it tracks; everything else is consumed and forgotten.
 *
 * Where terminals disagree it follows xterm and the DEC model, except:
 * - 8-bit C1 controls (0x9b CSI, 0x9d OSC, 0x9c ST...) are plain bytes: the
 *   output is UTF-8, where they are continuation bytes.
 * - An ESC inside a control string ends it (ESC \\ is ST) and begins a new
 *   sequence, as terminals read it: "OSC 0;x ESC[?1049h BEL" switches to
 *   the alternate screen, and is followed here so that the reset undoes
 *   it (the attacker review showed modes hidden so escaping the reset).
 * - BEL ends an OSC only (as in xterm); DCS, APC, PM and SOS end at ST.
 *   CAN and SUB abort any sequence or string.
 *
 * The kitty keyboard protocol keeps one stack per screen (main and
 * alternate), and switching screens only changes which one is in use:
 * @kitty is the depth of the stack in use, @kother that of the other one.
 * Depths count to KITTY_MAX so that a reset pops at least as much as the
 * terminal holds (kitty keeps 8 a screen; popping more is harmless); the
 * flags of the first 8 levels are kept so that a client that attaches
 * gets the same keyboard mode.
 */
#include <stdbool.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "session/termstate.h"

#define ESC 0x1b
#define NPARAMS 16
#define PARAM_MAX 65535u
#define KITTY_MAX 64u
#define KITTY_LEVELS 8u
#define KITTY_FLAGS 0x7fu /* what kitty keeps of a flags value */

_Static_assert(sizeof(((struct nono_termstate *)0)->params) ==
		   NPARAMS * sizeof(unsigned),
	       "params");
_Static_assert(sizeof(((struct nono_termstate *)0)->kflags[0]) == KITTY_LEVELS,
	       "kflags");

enum {
	ST_GROUND,
	ST_ESC,     /* after ESC */
	ST_ESC_INT, /* ESC and intermediate bytes: up to the final byte */
	ST_CSI,     /* parameters, then intermediate bytes */
	ST_CSI_IGN, /* a malformed or untracked CSI: up to the final byte */
	ST_OSC,     /* ends at BEL or ST */
	ST_OSC_ESC, /* ESC in an OSC: ST when '\' follows */
	ST_STR,     /* DCS, SOS, PM, APC: end at ST */
	ST_STR_ESC,
};

void nono_termstate_init(struct nono_termstate *s)
{
	memset(s, 0, sizeof(*s));
}

/* The kitty stack of a screen (0 main, 1 alternate). */
static unsigned kdepth(const struct nono_termstate *s, bool alt)
{
	return alt == s->alt ? s->kitty : s->kother;
}

static void set_alt(struct nono_termstate *s, bool on)
{
	unsigned char k;

	if (on == s->alt)
		return;
	k = s->kother;
	s->kother = (unsigned char)s->kitty;
	s->kitty = k;
	s->alt = on;
	if (on)
		s->ever_alt = true;
}

static void full_reset(struct nono_termstate *s)
{
	s->alt = false;
	s->cursor_hidden = false;
	s->mouse = 0;
	s->paste = false;
	s->focus = false;
	s->app_cursor = false;
	s->app_keypad = false;
	s->kitty = 0;
	s->kother = 0;
	memset(s->kflags, 0, sizeof(s->kflags));
}

static const struct {
	unsigned short mode;
	unsigned bit;
} mouse_modes[] = {
    {9, NONO_TS_MOUSE_X10},    {1000, NONO_TS_MOUSE_VT200},
    {1001, NONO_TS_MOUSE_HL},  {1002, NONO_TS_MOUSE_BTN},
    {1003, NONO_TS_MOUSE_ANY}, {1005, NONO_TS_MOUSE_UTF8},
    {1006, NONO_TS_MOUSE_SGR}, {1015, NONO_TS_MOUSE_URXVT},
};

static void dec_mode(struct nono_termstate *s, unsigned m, bool on)
{
	switch (m) {
	case 1:
		s->app_cursor = on;
		return;
	case 25:
		s->cursor_hidden = !on;
		return;
	case 47:
	case 1047:
	case 1049:
		set_alt(s, on);
		return;
	case 1004:
		s->focus = on;
		return;
	case 2004:
		s->paste = on;
		return;
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(mouse_modes) / sizeof(mouse_modes[0]);
	     i++) {
		if (mouse_modes[i].mode != m)
			continue;
		if (on)
			s->mouse |= mouse_modes[i].bit;
		else
			s->mouse &= ~mouse_modes[i].bit;
		return;
	}
}

/*
 * CSI = flags ; how u changes the flags of the top level.  On an empty
 * stack kitty writes its bottom slot, which then counts as a level: so
 * does it here, and the reset's pop clears it.
 */
static void kitty_set(struct nono_termstate *s, unsigned flags, unsigned how)
{
	unsigned char *f;

	if (s->kitty == 0) {
		s->kitty = 1;
		s->kflags[s->alt][0] = 0;
	}
	if (s->kitty > KITTY_LEVELS)
		return; /* a level whose flags are not kept */
	f = &s->kflags[s->alt][s->kitty - 1];
	flags &= KITTY_FLAGS;
	if (how == 1)
		*f = (unsigned char)flags;
	else if (how == 2)
		*f |= (unsigned char)flags;
	else if (how == 3)
		*f &= (unsigned char)~flags;
}

static void csi_dispatch(struct nono_termstate *s, unsigned char final,
			 unsigned long long end)
{
	unsigned n = s->nparams < NPARAMS ? s->nparams : NPARAMS;
	unsigned p0 = n ? s->params[0] : 0;

	if (s->inter) {
		/* DECSTR, soft reset: the modes it resets that are tracked. */
		if (s->inter == '!' && !s->priv && final == 'p') {
			s->cursor_hidden = false;
			s->app_cursor = false;
			s->app_keypad = false;
		}
		return;
	}
	switch (s->priv) {
	case 0:
		/* ED 2 and 3 of the main screen; the alternate one is not
		 * what the scrollback replay shows. */
		if (final == 'J' && (p0 == 2 || p0 == 3) && !s->alt)
			s->last_clear = end;
		break;
	case '?':
		if (final == 'h' || final == 'l') {
			bool was = s->alt;

			for (unsigned i = 0; i < n; i++)
				dec_mode(s, s->params[i], final == 'h');
			/* A replay of the alternate screen starts here. */
			if (!was && s->alt)
				s->alt_from = end;
		}
		/* CSI ? u is kitty's query: nothing changes. */
		break;
	case '>':
		if (final == 'u') {
			if (s->kitty < KITTY_LEVELS)
				s->kflags[s->alt][s->kitty] =
				    (unsigned char)(p0 & KITTY_FLAGS);
			if (s->kitty < KITTY_MAX)
				s->kitty++;
		}
		break;
	case '<':
		/* An explicit 0 pops nothing in kitty.  Counting too many
		 * levels is the safe mistake: popping them is harmless. */
		if (final == 'u') {
			unsigned k = n ? p0 : 1;

			s->kitty = k < s->kitty ? s->kitty - k : 0;
		}
		break;
	case '=':
		if (final == 'u')
			kitty_set(s, p0, n > 1 ? s->params[1] : 1);
		break;
	default:
		break;
	}
}

/*
 * Parameter bytes (digits and ';') from @p on; returns where they end.  The
 * value being read stays in a register: this loop is most of the time
 * spent on colourful output.  Past the 16th, parameters are counted once,
 * then dropped.
 */
static const unsigned char *csi_params(struct nono_termstate *s,
				       const unsigned char *p,
				       const unsigned char *e)
{
	unsigned n = s->nparams, v;

	if (p == e || !((*p >= '0' && *p <= '9') || *p == ';'))
		return p;
	if (n == 0) {
		n = 1;
		s->params[0] = 0;
	}
	v = n <= NPARAMS ? s->params[n - 1] : 0;
	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9') {
			/* v <= PARAM_MAX, so this cannot wrap. */
			v = v * 10 + (unsigned)(*p - '0');
			if (v > PARAM_MAX)
				v = PARAM_MAX;
		} else if (*p == ';') {
			if (n <= NPARAMS) {
				s->params[n - 1] = v;
				n++;
			}
			v = 0;
		} else {
			break;
		}
	}
	if (n <= NPARAMS)
		s->params[n - 1] = v;
	s->nparams = (unsigned short)n;
	return p;
}

static void csi_start(struct nono_termstate *s)
{
	s->st = ST_CSI;
	s->priv = 0;
	s->inter = 0;
	s->nparams = 0;
}

/* One byte in any state but ground; @end is the offset just after it. */
static void step(struct nono_termstate *s, unsigned char c,
		 unsigned long long end)
{
	/* CAN and SUB abort whatever is under way. */
	if (c == 0x18 || c == 0x1a) {
		s->st = ST_GROUND;
		return;
	}
	switch (s->st) {
	case ST_ESC:
	case ST_ESC_INT:
	case ST_CSI:
	case ST_CSI_IGN:
		if (c == ESC) {
			s->st = ST_ESC;
			return;
		}
		/* Other C0 controls are executed in passing; DEL is
		 * ignored.  Neither ends the sequence. */
		if (c < 0x20 || c == 0x7f)
			return;
		/* Text: the sequence was cut short. */
		if (c >= 0x80) {
			s->st = ST_GROUND;
			return;
		}
		break;
	case ST_OSC:
		if (c == 0x07)
			s->st = ST_GROUND;
		else if (c == ESC)
			s->st = ST_OSC_ESC;
		return;
	case ST_STR:
		if (c == ESC)
			s->st = ST_STR_ESC;
		return;
	case ST_OSC_ESC:
	case ST_STR_ESC:
		/* ESC \\ is ST.  Any other ESC ends the string and begins a
		 * sequence, as xterm, VTE and tmux read it: "OSC 0;t ESC[?1049h
		 * BEL" does switch the screen, so it must be followed. */
		if (c == '\\') {
			s->st = ST_GROUND;
			return;
		}
		s->st = ST_ESC;
		step(s, c, end);
		return;
	case ST_GROUND:
	default:
		if (c == ESC)
			s->st = ST_ESC;
		return;
	}

	/* 0x20-0x7e in an escape or control sequence. */
	switch (s->st) {
	case ST_ESC:
		s->st = ST_GROUND;
		if (c < 0x30) {
			s->st = ST_ESC_INT;
		} else if (c == '[') {
			csi_start(s);
		} else if (c == ']') {
			s->st = ST_OSC;
		} else if (c == 'P' || c == 'X' || c == '^' || c == '_') {
			s->st = ST_STR;
		} else if (c == '=') {
			s->app_keypad = true;
		} else if (c == '>') {
			s->app_keypad = false;
		} else if (c == 'c') {
			/* RIS: back to the main screen, cleared. */
			full_reset(s);
			s->last_clear = end;
		}
		return;
	case ST_ESC_INT:
		if (c >= 0x30)
			s->st = ST_GROUND;
		return;
	case ST_CSI:
		if (c >= 0x40) {
			s->st = ST_GROUND;
			csi_dispatch(s, c, end);
		} else if (c < 0x30) {
			/* An intermediate byte: more than one is not a
			 * sequence tracked here. */
			if (s->inter)
				s->st = ST_CSI_IGN;
			else
				s->inter = c;
		} else if (s->inter) {
			s->st = ST_CSI_IGN; /* a parameter after one */
		} else if (c <= '9' || c == ';') {
			csi_params(s, &c, &c + 1);
		} else if (c >= 0x3c && !s->priv && !s->nparams) {
			s->priv = c;
		} else {
			/* ':' sub-parameters (SGR colours), a marker that
			 * is not first: none of the tracked sequences. */
			s->st = ST_CSI_IGN;
		}
		return;
	case ST_CSI_IGN:
		if (c >= 0x40)
			s->st = ST_GROUND;
		return;
	case ST_GROUND:
	case ST_OSC:
	case ST_OSC_ESC:
	case ST_STR:
	case ST_STR_ESC:
	default:
		return;
	}
}

/* The first ESC in [p, e), or NULL: the scan over text that the relay's
 * throughput rests on.  musl's memchr takes 8 bytes a step; SSE2 (all
 * x86-64) takes 64, about ten times as fast. */
static const unsigned char *find_esc(const unsigned char *p,
				     const unsigned char *e)
{
#ifdef __SSE2__
	const __m128i esc = _mm_set1_epi8(ESC);

	while (e - p >= 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i b =
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		__m128i c =
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
		__m128i d =
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, esc),
						      _mm_cmpeq_epi8(b, esc)),
					 _mm_or_si128(_mm_cmpeq_epi8(c, esc),
						      _mm_cmpeq_epi8(d, esc)));

		if (_mm_movemask_epi8(m))
			break;
		p += 64;
	}
	while (e - p >= 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m =
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, esc));

		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	return memchr(p, ESC, (size_t)(e - p));
}

void nono_termstate_feed(struct nono_termstate *s, const char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	const unsigned char *p = b, *e = b + len;
	unsigned long long base = s->fed;

	if (len == 0)
		return; /* buf may be NULL */
	while (p < e) {
		switch (s->st) {
		case ST_GROUND:
			/* The hot path: text up to the next ESC. */
			p = find_esc(p, e);
			if (!p)
				goto done;
			s->st = ST_ESC;
			/* Most sequences are CSI: take "ESC [" in one. */
			if (++p < e && *p == '[') {
				csi_start(s);
				p++;
			}
			continue;
		case ST_CSI:
			/* Parameters, the bulk of colourful output (SGR),
			 * without the full step. */
			if (!s->inter)
				p = csi_params(s, p, e);
			if (p == e)
				goto done;
			break;
		case ST_OSC:
		case ST_STR:
			/* Strings can be long (images): skip their plain
			 * bytes without the full step. */
			while (p < e &&
			       (*p >= 0x20 || (*p != ESC && *p != 0x07 &&
					       *p != 0x18 && *p != 0x1a)))
				p++;
			if (p == e)
				goto done;
			break;
		default:
			break;
		}
		step(s, *p, base + (unsigned long long)(p - b) + 1);
		p++;
	}
done:
	s->fed = base + len;
}

/* An appender that never writes past its buffer and remembers if it
 * would have. */
struct out {
	char *buf;
	size_t cap, len;
	bool over;
};

static void put(struct out *o, const char *str)
{
	size_t n = strlen(str);

	if (o->over || n > o->cap - o->len) {
		o->over = true;
		return;
	}
	memcpy(o->buf + o->len, str, n);
	o->len += n;
}

/* @pre, the decimal @v, then @final. */
static void putn(struct out *o, const char *pre, unsigned v, char final)
{
	char num[16], *q = num + sizeof(num);

	*--q = '\0';
	*--q = final;
	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	put(o, pre);
	put(o, q);
}

static size_t finish(const struct out *o, char *out, size_t cap)
{
	if (o->over || o->len > cap)
		return 0;
	memcpy(out, o->buf, o->len);
	return o->len;
}

size_t nono_termstate_reset(const struct nono_termstate *s, char *out,
			    size_t cap)
{
	char tmp[256];
	struct out o = {tmp, sizeof(tmp), 0, false};
	unsigned main_depth = kdepth(s, false);

	/* The terminal is mid-sequence where the program stopped: an ST
	 * ends a string, and its ESC aborts an escape or control
	 * sequence, so that what follows is read as sequences. */
	if (s->st != ST_GROUND)
		put(&o, "\033\\");
	if (s->alt) {
		/* The alternate screen's kitty stack is popped while it is
		 * the one in use. */
		if (s->kitty)
			putn(&o, "\033[<", s->kitty, 'u');
		put(&o, "\033[?1049l");
	}
	for (size_t i = 0; i < sizeof(mouse_modes) / sizeof(mouse_modes[0]);
	     i++)
		if (s->mouse & mouse_modes[i].bit)
			putn(&o, "\033[?", mouse_modes[i].mode, 'l');
	if (s->paste)
		put(&o, "\033[?2004l");
	if (s->focus)
		put(&o, "\033[?1004l");
	if (s->app_cursor)
		put(&o, "\033[?1l");
	if (s->app_keypad)
		put(&o, "\033>");
	if (main_depth)
		putn(&o, "\033[<", main_depth, 'u');
	put(&o, "\033[?25h\033[0m");
	return finish(&o, out, cap);
}

static void kitty_push(struct out *o, const struct nono_termstate *s, bool alt)
{
	unsigned d = kdepth(s, alt);

	for (unsigned i = 0; i < d && i < KITTY_LEVELS; i++)
		putn(o, "\033[>", s->kflags[alt][i], 'u');
}

/*
 * The kitty levels are pushed again with their flags, up to 8 a screen
 * (kitty's own limit).  The stack of the alternate screen is set up only
 * while it is shown: entering it for that would flash the screen.
 */
size_t nono_termstate_setup(const struct nono_termstate *s, char *out,
			    size_t cap)
{
	char tmp[256];
	struct out o = {tmp, sizeof(tmp), 0, false};

	kitty_push(&o, s, false);
	if (s->alt) {
		put(&o, "\033[?1049h");
		kitty_push(&o, s, true);
	}
	for (size_t i = 0; i < sizeof(mouse_modes) / sizeof(mouse_modes[0]);
	     i++)
		if (s->mouse & mouse_modes[i].bit)
			putn(&o, "\033[?", mouse_modes[i].mode, 'h');
	if (s->paste)
		put(&o, "\033[?2004h");
	if (s->focus)
		put(&o, "\033[?1004h");
	if (s->app_cursor)
		put(&o, "\033[?1h");
	if (s->app_keypad)
		put(&o, "\033=");
	if (s->cursor_hidden)
		put(&o, "\033[?25l");
	return finish(&o, out, cap);
}
