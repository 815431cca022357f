/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the program on a session's terminal has switched on, read from its
 * output as it goes by (escape sequences may be split across reads): the
 * alternate screen (CSI ? 1049 h, ?47h, ?1047h), a hidden cursor (?25l),
 * mouse reporting (?9, ?1000, ?1001, ?1002, ?1003 and the encodings ?1005,
 * ?1006, ?1015), bracketed paste (?2004), focus events (?1004),
 * application cursor keys (?1h) and keypad (ESC =), and the kitty keyboard
 * protocol's stack (CSI > flags u pushes, CSI < n u pops, CSI = flags ; m u
 * sets).  From that the relay restores the outer terminal when it detaches
 * or the program exits, sets a newly attached one up the same way, and
 * the start-up timeout knows whether the program has entered the
 * alternate screen.
 */
#ifndef NONO_SESSION_TERMSTATE_H
#define NONO_SESSION_TERMSTATE_H

#include <stdbool.h>
#include <stddef.h>

struct nono_termstate {
	/* The modes now. */
	bool alt;           /* on the alternate screen */
	bool ever_alt;      /* entered it at least once */
	bool cursor_hidden; /* ?25l */
	unsigned mouse;     /* bit per mouse mode: NONO_TS_MOUSE_* */
	bool paste;         /* bracketed paste */
	bool focus;         /* focus events */
	bool app_cursor;    /* ?1h */
	bool app_keypad;    /* ESC = */
	unsigned kitty;     /* depth of the kitty keyboard stack (capped) */
	/* Counts clears of the main screen (CSI 2 J, CSI 3 J, ESC c) so that
	 * the replay of the scrollback can start after the last one: the
	 * byte offset, in the fed stream, just after the last clear. */
	unsigned long long fed;        /* bytes fed so far */
	unsigned long long last_clear; /* offset after the last clear */
	unsigned long long alt_from;   /* offset after the last entry into
					* the alternate screen */
	/* Parser state (opaque). */
	unsigned char st;
	unsigned char priv;         /* CSI's private marker: ? < = > */
	unsigned char inter;        /* CSI's intermediate byte */
	unsigned char kother;       /* kitty depth of the screen not shown */
	unsigned char kflags[2][8]; /* kitty flags of levels 1-8: main, alt */
	unsigned short nparams;
	unsigned params[16];
};

enum {
	NONO_TS_MOUSE_X10 = 1u << 0,   /* ?9 */
	NONO_TS_MOUSE_VT200 = 1u << 1, /* ?1000 */
	NONO_TS_MOUSE_HL = 1u << 2,    /* ?1001 */
	NONO_TS_MOUSE_BTN = 1u << 3,   /* ?1002 */
	NONO_TS_MOUSE_ANY = 1u << 4,   /* ?1003 */
	NONO_TS_MOUSE_UTF8 = 1u << 5,  /* ?1005 */
	NONO_TS_MOUSE_SGR = 1u << 6,   /* ?1006 */
	NONO_TS_MOUSE_URXVT = 1u << 7, /* ?1015 */
};

void nono_termstate_init(struct nono_termstate *s);
/* Feeds output bytes; never fails, whatever the bytes. */
void nono_termstate_feed(struct nono_termstate *s, const char *buf, size_t len);
/*
 * The bytes that put a terminal back to normal from state @s: leave the
 * alternate screen, show the cursor, mouse modes, bracketed paste, focus
 * events off, normal cursor keys and keypad, pop the kitty stack, reset
 * colours and attributes (SGR 0).  Only what @s has on, except SGR 0 and
 * showing the cursor, which are always written.  Returns the length
 * written to @out (at most @cap; 256 bytes always suffice).
 */
size_t nono_termstate_reset(const struct nono_termstate *s, char *out,
			    size_t cap);
/* The bytes that switch a fresh terminal into the modes of @s (for a
 * client that attaches).  Length written (256 bytes always suffice). */
size_t nono_termstate_setup(const struct nono_termstate *s, char *out,
			    size_t cap);

#endif
