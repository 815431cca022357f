// SPDX-License-Identifier: Apache-2.0
/*
 * The live session's filter on the command's output (see oscfilter.h).
 * OSC strings pass only with a plain number from a short list (titles,
 * the working directory, hyperlinks, colours, notifications, prompt
 * marks); any other, or one whose number is not plain digits (terminals
 * skip control bytes there: "ESC ] 5 \x01 2" reads as 52 in some), is
 * dropped up to its end and a CAN left in its place.  DCS strings are
 * dropped whole (tmux's passthrough carries any sequence inside).  The
 * 8-bit C1 introducers count too, raw (0x9d, 0x90) or encoded (C2 9D,
 * C2 90).  As a terminal reads them: BEL or ST ends an OSC, ST a DCS;
 * another ESC ends the string and starts a sequence of its own; CAN and
 * SUB cancel it.
 *
 * A raw 0x9d or 0x90 is the same byte as a UTF-8 continuation byte, and
 * the two kinds of terminal read it differently: a UTF-8 one as part of a
 * character (C3 9D is U+00DD), one that honours 8-bit C1 controls as an
 * introducer whatever precedes it.  The filter decodes UTF-8 strictly (a
 * proper lead byte, the ranges its second byte may take, its count): a
 * raw 0x9d or 0x90 that does not continue a valid character is an
 * introducer, and dropped as above (review r3: "E0 9D 52;..." is no
 * character, and passed).  One that does is passed, since dropping it
 * would cut the text of every UTF-8 terminal (U+00DD, U+00D0, a CJK
 * character in about 30, emoji), and the filter then reads what follows
 * as an 8-bit terminal would, passing it as it comes (nothing is held):
 * after 0x9d, the OSC number, C0 and C1 controls skipped; at a ';' after
 * a number off the list (C3 9D "52;c;..."), the ';' is replaced by a CAN,
 * which cancels that OSC in such a terminal before it has an argument
 * (its text then shows as text); after 0x90, the DCS header, and a final
 * byte that selects DECUDK ('|': keys that type a text), tmux's
 * passthrough ('t' alone) or a state or termcap query or restore ('$' or
 * '+' with 'p' or 'q') is replaced by a CAN.  A UTF-8 terminal loses that
 * one byte; any other text passes.  Bytes from 0xa0 end the number or the
 * header (some DEC terminals would read them as 0x20-0x7f there).
 */
#include <stdbool.h>
#include <string.h>

#include "session/oscfilter.h"

enum {
	S_NORM = 0,
	S_ESC,      /* ESC held */
	S_C2,       /* 0xc2 held: U+0080-U+009F would follow */
	S_NUM,      /* an OSC's introducer and digits held */
	S_DROP,     /* inside an OSC that is not passed: dropped */
	S_DROP_ESC, /* ESC inside it: ST if '\' follows */
	S_DCS,      /* inside a DCS: dropped */
	S_DCS_ESC,  /* ESC inside it */
	S_U8OSC,    /* a character ended in or carried 0x9d: its OSC number */
	S_U8DCS,    /* one carried 0x90: its DCS header */
};

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a

void nono_oscf_init(struct nono_oscf *f)
{
	memset(f, 0, sizeof(*f));
}

static size_t flush(struct nono_oscf *f, char *out)
{
	size_t n = f->nhold;

	memcpy(out, f->hold, n);
	f->nhold = 0;
	return n;
}

/* The OSCs a terminal may get from a sandbox: nothing that reads or
 * writes the clipboard (52, kitty's 5522, iTerm2's 1337) or files. */
static bool passed(unsigned num)
{
	static const unsigned short ok[] = {
	    0,   1,   2,   4,   7,   8,   9,   10,  11,  12,  13,
	    14,  15,  16,  17,  18,  19,  104, 110, 111, 112, 113,
	    114, 115, 116, 117, 118, 119, 133, 633, 777};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == num)
			return true;
	return false;
}

/* Where a dropped string began: a CAN, which cancels whatever the
 * terminal had pending (a lone ESC before it, a sequence cut short), as
 * the string's own introducer did, so that the bytes on either side
 * cannot join into a sequence of their own; one byte in place of at
 * least one, never more out than in. */
static size_t cancel(char *out)
{
	out[0] = CAN;
	return 1;
}

/* A UTF-8 lead byte: how many continuation bytes follow it, and the range
 * its first one may take (no overlong form, no surrogate, nothing above
 * U+10FFFF); 0 for a byte that begins no character. */
static void lead(struct nono_oscf *f, unsigned char c)
{
	f->lo = 0x80;
	f->hi = 0xbf;
	f->cont = c >= 0xc2 && c <= 0xdf   ? 1
		  : c >= 0xe0 && c <= 0xef ? 2
		  : c >= 0xf0 && c <= 0xf4 ? 3
					   : 0;
	if (c == 0xe0)
		f->lo = 0xa0;
	else if (c == 0xed)
		f->hi = 0x9f;
	else if (c == 0xf0)
		f->lo = 0x90;
	else if (c == 0xf4)
		f->hi = 0x8f;
}

/* @c continues the character begun: consumed from the count. */
static bool continues(struct nono_oscf *f, unsigned char c)
{
	if (!f->cont || c < f->lo || c > f->hi)
		return false;
	f->cont--;
	f->lo = 0x80;
	f->hi = 0xbf;
	return true;
}

/* A valid continuation byte that an 8-bit terminal reads as an OSC or DCS
 * introducer: watch what follows it as that terminal would. */
static void shadow(struct nono_oscf *f, unsigned char c)
{
	if (c != 0x9d && c != 0x90)
		return;
	f->num = 0;
	f->ndig = 0;
	f->st = c == 0x9d ? S_U8OSC : S_U8DCS;
}

/* A DCS header (after 0x90) that an 8-bit terminal would act on at @c,
 * its final byte: DECUDK (parameters only), tmux's passthrough (nothing
 * before), DECRQSS/DECRSTS and XTGETTCAP/XTSETTCAP.  f->ndig is 1 once the
 * header has a byte; f->num has bit 0 once a '$' or '+' was in it, bit 1
 * once any intermediate (0x20-0x2f) was. */
static bool dcs_acts(const struct nono_oscf *f, unsigned char c)
{
	return (c == '|' && !(f->num & 2)) || (c == 't' && f->ndig == 0) ||
	       ((f->num & 1) && (c == 'p' || c == 'q'));
}

/*
 * One byte after a character that carried 0x9d (S_U8OSC) or 0x90
 * (S_U8DCS), read as a terminal with 8-bit controls would.  Either it is
 * written to @out (or a CAN in its place) and the state says where the
 * filter is, or it ends the watch: true, and S_NORM takes the byte.
 */
static bool u8_shadow(struct nono_oscf *f, unsigned char c, char *out,
		      size_t *o)
{
	bool osc = f->st == S_U8OSC;

	if (c >= 0x80 && c <= 0x9f) {
		/* C1 inside the character: skipped, and another introducer
		 * starts the watch again; a raw ST or introducer is
		 * S_NORM's; any other raw C1 is skipped. */
		if (continues(f, c)) {
			out[(*o)++] = (char)c;
			shadow(f, c);
			return false;
		}
		if (c == 0x9c || c == 0x9d || c == 0x90)
			goto end;
		f->cont = 0;
		out[(*o)++] = (char)c;
		return false;
	}
	if ((c < 0x20 && c != ESC && c != CAN && c != SUB &&
	     (c != BEL || !osc)) ||
	    c == 0x7f) {
		/* C0 controls: skipped inside the number or header (BEL
		 * ends an OSC). */
		f->cont = 0;
		out[(*o)++] = (char)c;
		return false;
	}
	if (osc && c >= '0' && c <= '9') {
		unsigned v = f->num * 10u + (unsigned)(c - '0');

		f->num = (unsigned short)(v > 9999 ? 9999 : v);
		f->ndig = 1;
		f->cont = 0;
		out[(*o)++] = (char)c;
		return false;
	}
	if (osc && c == ';' && f->ndig && !passed(f->num)) {
		/* The OSC would take an argument: cancelled instead. */
		f->cont = 0;
		f->st = S_NORM;
		*o += cancel(out + *o);
		return false;
	}
	if (!osc && c >= 0x20 && c <= 0x3f) {
		f->ndig = 1;
		if (c <= 0x2f)
			f->num |= 2;
		if (c == '$' || c == '+')
			f->num |= 1;
		f->cont = 0;
		out[(*o)++] = (char)c;
		return false;
	}
	if (!osc && c >= 0x40 && c <= 0x7e && dcs_acts(f, c)) {
		f->cont = 0;
		f->st = S_NORM;
		*o += cancel(out + *o);
		return false;
	}
end:
	f->st = S_NORM;
	return true;
}

static void start_num(struct nono_oscf *f)
{
	f->num = 0;
	f->ndig = 0;
	f->st = S_NUM;
}

size_t nono_oscf_run(struct nono_oscf *f, const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

	again:
		switch (f->st) {
		case S_NORM:
			if (continues(f, c)) {
				out[o++] = (char)c;
				shadow(f, c);
				break;
			}
			f->cont = 0;
			if (c == ESC || c == 0xc2 || c == 0x9d) {
				f->hold[0] = (char)c;
				f->nhold = 1;
				if (c == 0x9d)
					start_num(f);
				else
					f->st = c == ESC ? S_ESC : S_C2;
			} else if (c == 0x90) {
				o += cancel(out + o);
				f->st = S_DCS;
			} else {
				lead(f, c);
				out[o++] = (char)c;
			}
			break;
		case S_ESC:
		case S_C2: {
			/* The introducer's second byte: ESC ] or C2 9D for an
			 * OSC, ESC P or C2 90 for a DCS. */
			bool esc = f->st == S_ESC;

			if (c == (esc ? ']' : 0x9d)) {
				f->hold[f->nhold++] = (char)c;
				start_num(f);
				break;
			}
			if (c == (esc ? 'P' : 0x90)) {
				f->nhold = 0;
				o += cancel(out + o);
				f->st = S_DCS;
				break;
			}
			o += flush(f, out + o);
			f->st = S_NORM;
			if (esc)
				f->cont = 0;
			else
				lead(f, 0xc2); /* C2 began a character */
			goto again;
		}
		case S_NUM:
			if (c >= '0' && c <= '9' && f->nhold < NONO_OSCF_HOLD) {
				unsigned v = f->num * 10u + (unsigned)(c - '0');

				f->num = (unsigned short)(v > 9999 ? 9999 : v);
				f->ndig++;
				f->hold[f->nhold++] = (char)c;
				break;
			}
			if (f->ndig &&
			    (c == ';' || c == BEL || c == ESC || c == 0x9c ||
			     c == CAN || c == SUB) &&
			    passed(f->num)) {
				/* Its string passes: the terminal ends it
				 * where this filter sees it end. */
				o += flush(f, out + o);
				f->st = S_NORM;
				goto again;
			}
			o += cancel(out + o);
			f->nhold = 0;
			f->st = S_DROP;
			if (c == ';')
				break;
			goto again;
		case S_DROP:
			if (c == BEL || c == CAN || c == SUB || c == 0x9c)
				f->st = S_NORM;
			else if (c == ESC)
				f->st = S_DROP_ESC;
			break;
		case S_DROP_ESC:
			if (c == '\\') {
				f->st = S_NORM;
				break;
			}
			/* The ESC ended the string and starts a sequence. */
			f->hold[0] = ESC;
			f->nhold = 1;
			f->st = S_ESC;
			goto again;
		case S_DCS:
			if (c == CAN || c == SUB || c == 0x9c)
				f->st = S_NORM;
			else if (c == ESC)
				f->st = S_DCS_ESC;
			break;
		case S_DCS_ESC:
			/* ESC ESC is tmux's escaped ESC: still inside. */
			f->st = c == '\\' ? S_NORM : S_DCS;
			break;
		case S_U8OSC:
		case S_U8DCS:
			if (u8_shadow(f, c, out, &o))
				goto again;
			break;
		}
	}
	return o;
}
