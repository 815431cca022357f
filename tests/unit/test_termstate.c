// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the terminal mode tracker (session/termstate.c): the modes
 * it follows, sequences split anywhere, strings it must skip, clears and
 * their offsets, the kitty stacks, and the exact bytes of reset and setup.
 */
#include <stdbool.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "session/termstate.h"

static void feed(struct nono_termstate *s, const char *str)
{
	nono_termstate_feed(s, str, strlen(str));
}

static struct nono_termstate fed(const char *str)
{
	struct nono_termstate s;

	nono_termstate_init(&s);
	feed(&s, str);
	return s;
}

/* The public fields, which must not depend on how the input was cut. */
static void assert_same(const struct nono_termstate *a,
			const struct nono_termstate *b)
{
	assert_int_equal(a->alt, b->alt);
	assert_int_equal(a->ever_alt, b->ever_alt);
	assert_int_equal(a->cursor_hidden, b->cursor_hidden);
	assert_int_equal(a->mouse, b->mouse);
	assert_int_equal(a->paste, b->paste);
	assert_int_equal(a->focus, b->focus);
	assert_int_equal(a->app_cursor, b->app_cursor);
	assert_int_equal(a->app_keypad, b->app_keypad);
	assert_int_equal(a->kitty, b->kitty);
	assert_int_equal(a->fed, b->fed);
	assert_int_equal(a->last_clear, b->last_clear);
}

static void assert_reset(const struct nono_termstate *s, const char *want)
{
	char out[256];
	size_t n = nono_termstate_reset(s, out, sizeof(out));

	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
}

static void assert_setup(const struct nono_termstate *s, const char *want)
{
	char out[256];
	size_t n = nono_termstate_setup(s, out, sizeof(out));

	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
}

static void test_init(void **state)
{
	struct nono_termstate s = fed("plain text\r\n");

	(void)state;
	assert_false(s.alt);
	assert_false(s.ever_alt);
	assert_false(s.cursor_hidden);
	assert_int_equal(s.mouse, 0);
	assert_false(s.paste || s.focus || s.app_cursor || s.app_keypad);
	assert_int_equal(s.kitty, 0);
	assert_int_equal(s.fed, 12);
	assert_int_equal(s.last_clear, 0);
	assert_reset(&s, "\033[?25h\033[0m");
	assert_setup(&s, "");
	/* Nothing at all, and a NULL buffer of length 0. */
	nono_termstate_feed(&s, NULL, 0);
	assert_int_equal(s.fed, 12);
}

static void test_alt_screen(void **state)
{
	static const char *const on[] = {"\033[?1049h", "\033[?47h",
					 "\033[?1047h"};
	static const char *const off[] = {"\033[?1049l", "\033[?47l",
					  "\033[?1047l"};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct nono_termstate s = fed(on[i]);

		assert_true(s.alt);
		assert_true(s.ever_alt);
		feed(&s, off[i]);
		assert_false(s.alt);
		assert_true(s.ever_alt);
	}
	/* Saving the cursor is not a screen switch. */
	struct nono_termstate s = fed("\033[?1048h");

	assert_false(s.alt || s.ever_alt);
	/* An ANSI mode of the same number is not the DEC one. */
	s = fed("\033[1049h");
	assert_false(s.alt);
}

static void test_mouse(void **state)
{
	static const struct {
		const char *on, *off;
		unsigned bit;
	} cases[] = {
	    {"\033[?9h", "\033[?9l", NONO_TS_MOUSE_X10},
	    {"\033[?1000h", "\033[?1000l", NONO_TS_MOUSE_VT200},
	    {"\033[?1001h", "\033[?1001l", NONO_TS_MOUSE_HL},
	    {"\033[?1002h", "\033[?1002l", NONO_TS_MOUSE_BTN},
	    {"\033[?1003h", "\033[?1003l", NONO_TS_MOUSE_ANY},
	    {"\033[?1005h", "\033[?1005l", NONO_TS_MOUSE_UTF8},
	    {"\033[?1006h", "\033[?1006l", NONO_TS_MOUSE_SGR},
	    {"\033[?1015h", "\033[?1015l", NONO_TS_MOUSE_URXVT},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nono_termstate s = fed(cases[i].on);
		char want[32];

		assert_int_equal(s.mouse, cases[i].bit);
		memcpy(want, cases[i].off, strlen(cases[i].off));
		strcpy(want + strlen(cases[i].off), "\033[?25h\033[0m");
		assert_reset(&s, want);
		assert_setup(&s, cases[i].on);
		feed(&s, cases[i].off);
		assert_int_equal(s.mouse, 0);
	}
}

static void test_other_modes(void **state)
{
	struct nono_termstate s;

	(void)state;
	s = fed("\033[?25l");
	assert_true(s.cursor_hidden);
	feed(&s, "\033[?25h");
	assert_false(s.cursor_hidden);
	s = fed("\033[?2004h");
	assert_true(s.paste);
	feed(&s, "\033[?2004l");
	assert_false(s.paste);
	s = fed("\033[?1004h");
	assert_true(s.focus);
	feed(&s, "\033[?1004l");
	assert_false(s.focus);
	s = fed("\033[?1h");
	assert_true(s.app_cursor);
	feed(&s, "\033[?1l");
	assert_false(s.app_cursor);
	s = fed("\033=");
	assert_true(s.app_keypad);
	feed(&s, "\033>");
	assert_false(s.app_keypad);
	/* ESC ( = designates a character set: not the keypad. */
	s = fed("\033(=\033#8");
	assert_false(s.app_keypad);
	/* DECSTR: a soft reset of the cursor, cursor keys and keypad. */
	s = fed("\033[?25l\033[?1h\033=\033[?2004h\033[!p");
	assert_false(s.cursor_hidden || s.app_cursor || s.app_keypad);
	assert_true(s.paste);
	/* Other intermediates (DECSCUSR) and SGR change nothing. */
	s = fed("\033[2 q\033[1;31m\033[38:2::255:0:0m\033[?1049$p");
	assert_false(s.alt);
}

static void test_multi_param(void **state)
{
	struct nono_termstate s = fed("\033[?1049;1006;1000;2004h");

	(void)state;
	assert_true(s.alt);
	assert_int_equal(s.mouse, NONO_TS_MOUSE_SGR | NONO_TS_MOUSE_VT200);
	assert_true(s.paste);
	feed(&s, "\033[?1006;2004l");
	assert_true(s.alt);
	assert_int_equal(s.mouse, NONO_TS_MOUSE_VT200);
	assert_false(s.paste);
	/* Empty parameters are skipped. */
	s = fed("\033[?;1004;;25l");
	assert_false(s.focus);
	s = fed("\033[?;1004;;h");
	assert_true(s.focus);
}

/* A stream with one of most things, fed in two and three pieces cut at
 * every point, and a byte at a time: the state must not differ. */
static void test_split_everywhere(void **state)
{
	static const char in[] =
	    "\033]0;vim\007\033[?1049h\033[22;0;0t\033[>1u\033[?1h\033="
	    "\033P+q436f\033\\\033[2J\033[?2004;1006;1000h\033[?25l"
	    "text \303\251\033[1;31m\033]8;;http://x\033\\\033[<u\033[=5;2u"
	    "\033_Gf=1;QUFB\033\\\033[?1049l\033[3J\033[?99999999h\033[!p";
	const size_t n = sizeof(in) - 1;
	struct nono_termstate whole = fed(in), s;

	(void)state;
	assert_true(whole.ever_alt);
	assert_false(whole.alt);
	assert_int_equal(whole.last_clear, whole.fed - 16);
	for (size_t i = 0; i <= n; i++) {
		nono_termstate_init(&s);
		nono_termstate_feed(&s, in, i);
		nono_termstate_feed(&s, in + i, n - i);
		assert_same(&whole, &s);
		for (size_t j = i; j <= n; j += 7) {
			nono_termstate_init(&s);
			nono_termstate_feed(&s, in, i);
			nono_termstate_feed(&s, in + i, j - i);
			nono_termstate_feed(&s, in + j, n - j);
			assert_same(&whole, &s);
		}
	}
	nono_termstate_init(&s);
	for (size_t i = 0; i < n; i++)
		nono_termstate_feed(&s, in + i, 1);
	assert_same(&whole, &s);
	/* And the same for every cut of one sequence, mid-stream. */
	static const char one[] = "ab\033[?1049;1000;2004h";
	for (size_t i = 0; i <= sizeof(one) - 1; i++) {
		nono_termstate_init(&s);
		nono_termstate_feed(&s, one, i);
		if (i < sizeof(one) - 1)
			assert_false(s.alt);
		nono_termstate_feed(&s, one + i, sizeof(one) - 1 - i);
		assert_true(s.alt && s.paste);
		assert_int_equal(s.mouse, NONO_TS_MOUSE_VT200);
	}
}

/* Text inside a string is not acted on; an ESC in it ends it and begins
 * a sequence, as terminals read it (attacker review: a mode switched on
 * inside an OSC escaped the reset). */
static void test_osc(void **state)
{
	struct nono_termstate s;

	(void)state;
	s = fed("\033]0;title [?1049h\007");
	assert_false(s.alt);
	s = fed("\033]0;title\033[?1049h\007");
	assert_true(s.alt);
	s = fed("\033]2;a\033[?2004h b\033\\\033[?1004h");
	assert_true(s.paste);
	assert_true(s.focus);
	/* ESC ESC \ ends it too; ESC BEL too. */
	s = fed("\033]0;x\033\033\\\033[?1h");
	assert_true(s.app_cursor);
	s = fed("\033]0;x\033\007\033[?1h");
	assert_true(s.app_cursor);
	/* 0x9c, the 8-bit ST, is a UTF-8 continuation byte here: the
	 * string goes on after it. */
	s = fed("\033]0;\305\234\033[?1h\007");
	assert_true(s.app_cursor);
	assert_int_equal(s.st, 0);
}

static void test_strings(void **state)
{
	static const char *const open[] = {"\033P", "\033_", "\033^", "\033X"};
	struct nono_termstate s;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		s = fed(open[i]);
		/* BEL ends an OSC only; nothing inside acts. */
		feed(&s, "1$r[?1049h\007[?2004h[2J");
		assert_false(s.alt || s.paste);
		assert_int_equal(s.last_clear, 0);
		feed(&s, "\033\\\033[?2004h");
		assert_true(s.paste);
		/* An ESC in it ends it, and what follows acts. */
		s = fed(open[i]);
		feed(&s, "x\033[?1049h");
		assert_true(s.alt);
	}
	/* CAN and SUB abort a string or a sequence. */
	s = fed("\033Pq#0;2;0;0;0\030\033[?1004h");
	assert_true(s.focus);
	s = fed("\033]0;x\032\033[?1004h");
	assert_true(s.focus);
	s = fed("\033[?10\03049h");
	assert_false(s.alt);
	assert_int_equal(s.fed, 9);
}

static void test_controls_in_csi(void **state)
{
	struct nono_termstate s;

	(void)state;
	/* A C0 control is executed without ending the sequence. */
	s = fed("\033[?10\n49h");
	assert_true(s.alt);
	/* ESC starts a new one. */
	s = fed("\033[?10\033[?2004h");
	assert_false(s.alt);
	assert_true(s.paste);
	/* Text cuts it short. */
	s = fed("\033[?10\303\25149h");
	assert_false(s.alt);
	s = fed("\033\303\251=");
	assert_false(s.app_keypad);
	/* A private marker not first makes it no sequence tracked. */
	s = fed("\0331049?h\033[1?049h");
	assert_false(s.alt);
	/* DEL is ignored inside. */
	s = fed("\033[?1\177049h");
	assert_true(s.alt);
}

static void test_c1_csi(void **state)
{
	struct nono_termstate s;

	(void)state;
	s = fed("\233?1049h");
	assert_false(s.alt);
	/* The parser was left in ground: the next one is seen. */
	feed(&s, "\342\200\233\033[?2004h");
	assert_true(s.paste);
	s = fed("\235"
		"0;x\007\033[?1h");
	assert_true(s.app_cursor);
}

static void test_ris(void **state)
{
	struct nono_termstate s =
	    fed("\033[>1u\033[?1049h\033[>3u\033[?1000;1006;2004;1004;1h"
		"\033=\033[?25l");

	(void)state;
	assert_true(s.alt);
	feed(&s, "xy\033c");
	assert_false(s.alt);
	assert_true(s.ever_alt);
	assert_false(s.cursor_hidden);
	assert_int_equal(s.mouse, 0);
	assert_false(s.paste || s.focus || s.app_cursor || s.app_keypad);
	assert_int_equal(s.kitty, 0);
	assert_int_equal(s.last_clear, s.fed);
	assert_reset(&s, "\033[?25h\033[0m");
	assert_setup(&s, "");
}

static void test_clears(void **state)
{
	struct nono_termstate s;

	(void)state;
	s = fed("abc\033[2Jdef");
	assert_int_equal(s.last_clear, 7);
	assert_int_equal(s.fed, 10);
	feed(&s, "\033[3J");
	assert_int_equal(s.last_clear, 14);
	/* Other erasures are not clears. */
	feed(&s, "\033[J\033[0J\033[1J\033[?2J\033[2K\033[2 J");
	assert_int_equal(s.last_clear, 14);
	/* Nor those of the alternate screen. */
	feed(&s, "\033[?1049h\033[2J\033[3J\033c");
	assert_int_equal(s.last_clear, s.fed); /* RIS is */
	feed(&s, "\033[?1049h\033[2J\033[?1049l");
	assert_int_equal(s.last_clear, s.fed - 20);
	/* The offset counts the bytes of earlier calls, and a sequence cut
	 * in three. */
	s = fed("0123456789");
	feed(&s, "\033[");
	feed(&s, "2");
	feed(&s, "J");
	assert_int_equal(s.last_clear, 14);
	feed(&s, "\033");
	feed(&s, "c");
	assert_int_equal(s.last_clear, 16);
}

static void test_kitty(void **state)
{
	struct nono_termstate s;

	(void)state;
	s = fed("\033[>1u\033[>3u");
	assert_int_equal(s.kitty, 2);
	feed(&s, "\033[<u");
	assert_int_equal(s.kitty, 1);
	feed(&s, "\033[<5u"); /* popping too many is harmless */
	assert_int_equal(s.kitty, 0);
	feed(&s, "\033[<u");
	assert_int_equal(s.kitty, 0);
	/* A query changes nothing; an explicit 0 pops nothing. */
	s = fed("\033[>u\033[?u\033[<0u");
	assert_int_equal(s.kitty, 1);
	/* The depth is capped; popping it all still empties it. */
	s = fed("");
	for (int i = 0; i < 100; i++)
		feed(&s, "\033[>1u");
	assert_int_equal(s.kitty, 64);
	assert_reset(&s, "\033[<64u\033[?25h\033[0m");
	feed(&s, "\033[<99u");
	assert_int_equal(s.kitty, 0);
	/* CSI = on an empty stack counts as a level (kitty writes its
	 * bottom slot), so that the reset pops it. */
	s = fed("\033[=5u");
	assert_int_equal(s.kitty, 1);
	assert_reset(&s, "\033[<1u\033[?25h\033[0m");
	assert_setup(&s, "\033[>5u");
	/* Set (1), or (2), and-not (3) the flags of the top level. */
	feed(&s, "\033[>1u\033[=8;2u\033[=1;3u");
	assert_int_equal(s.kitty, 2);
	assert_setup(&s, "\033[>5u\033[>8u");
	/* A popped level's flags are not reused by CSI =. */
	s = fed("\033[>31u\033[<u\033[=2;2u");
	assert_setup(&s, "\033[>2u");
	/* Flags keep 7 bits, as in kitty. */
	s = fed("\033[>65535u");
	assert_setup(&s, "\033[>127u");
}

/* Each screen has its own stack; switching changes which is in use. */
static void test_kitty_screens(void **state)
{
	struct nono_termstate s = fed("\033[>1u\033[?1049h\033[>5u\033[>7u");

	(void)state;
	assert_int_equal(s.kitty, 2);
	assert_reset(&s, "\033[<2u\033[?1049l\033[<1u\033[?25h\033[0m");
	assert_setup(&s, "\033[>1u\033[?1049h\033[>5u\033[>7u");
	feed(&s, "\033[?1049h"); /* already there: nothing moves */
	assert_int_equal(s.kitty, 2);
	feed(&s, "\033[?1049l");
	assert_int_equal(s.kitty, 1);
	feed(&s, "\033[?47h");
	assert_int_equal(s.kitty, 2);
	feed(&s, "\033[?1047l\033[<u");
	assert_int_equal(s.kitty, 0);
	/* The alternate stack left behind is not touched from the main
	 * screen. */
	assert_reset(&s, "\033[?25h\033[0m");
	assert_setup(&s, "");
}

static void test_reset_setup_bytes(void **state)
{
	struct nono_termstate s =
	    fed("\033[?1049h\033[?1000h\033[?1006h\033[?2004h\033[?1004h"
		"\033[?1h\033=\033[>1u\033[?25l");

	(void)state;
	assert_reset(&s, "\033[<1u\033[?1049l\033[?1000l\033[?1006l"
			 "\033[?2004l\033[?1004l\033[?1l\033>\033[?25h\033[0m");
	assert_setup(&s, "\033[?1049h\033[>1u\033[?1000h\033[?1006h"
			 "\033[?2004h\033[?1004h\033[?1h\033=\033[?25l");
	/* Every mouse mode, in order. */
	s = fed("\033[?1015;1006;1005;1003;1002;1001;1000;9h");
	assert_reset(&s, "\033[?9l\033[?1000l\033[?1001l\033[?1002l"
			 "\033[?1003l\033[?1005l\033[?1006l\033[?1015l"
			 "\033[?25h\033[0m");
	/* Cut off mid-sequence: ST ends a string and aborts the rest. */
	s = fed("\033]0;unfinished title");
	assert_reset(&s, "\033\\\033[?25h\033[0m");
	s = fed("\033[?2004h\033[?20");
	assert_reset(&s, "\033\\\033[?2004l\033[?25h\033[0m");
}

/* The reset and setup of the fullest state fit 256 bytes and leave the
 * modes as they should when fed back. */
static void test_worst_case(void **state)
{
	struct nono_termstate s, t;
	char out[256];
	size_t n;

	(void)state;
	nono_termstate_init(&s);
	for (int i = 0; i < 70; i++)
		feed(&s, "\033[>127u");
	feed(&s, "\033[?1049h");
	for (int i = 0; i < 70; i++)
		feed(&s, "\033[>127u");
	feed(&s, "\033[?9;1000;1001;1002;1003;1005;1006;1015;2004;1004;1;25l"
		 "\033[?9;1000;1001;1002;1003;1005;1006;1015;2004;1004;1h"
		 "\033=\033[?20");
	n = nono_termstate_setup(&s, out, sizeof(out));
	assert_true(n > 0);
	nono_termstate_init(&t);
	nono_termstate_feed(&t, out, n);
	assert_true(t.alt && t.paste && t.focus && t.app_cursor &&
		    t.app_keypad && t.cursor_hidden);
	assert_int_equal(t.mouse, s.mouse);
	assert_int_equal(t.kitty, 8);
	n = nono_termstate_reset(&s, out, sizeof(out));
	assert_true(n > 0);
	t = s;
	nono_termstate_feed(&t, out, n);
	assert_false(t.alt || t.paste || t.focus || t.app_cursor ||
		     t.app_keypad || t.cursor_hidden);
	assert_int_equal(t.mouse, 0);
	assert_int_equal(t.kitty, 0);
}

static void test_param_overflow(void **state)
{
	struct nono_termstate s;

	(void)state;
	/* 2^32 + 1049 would wrap to 1049. */
	s = fed("\033[?4294968345h");
	assert_false(s.alt);
	s = fed("\033[?99999999999999999999999999999999999999h\033[?1h");
	assert_false(s.alt);
	assert_true(s.app_cursor);
	s = fed("\033[>1u\033[<4294967297u");
	assert_int_equal(s.kitty, 0);
	/* Past the 16th, parameters are dropped but the sequence is
	 * consumed whole. */
	s = fed("\033[?1049;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1004;2004;1000h"
		"\033[?25l");
	assert_true(s.alt && s.app_cursor && s.focus && s.cursor_hidden);
	assert_false(s.paste);
	assert_int_equal(s.mouse, 0);
	/* Many separators and nothing else. */
	s = fed("\033[?;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;h"
		"\033=");
	assert_true(s.app_keypad);
}

static void test_cap(void **state)
{
	struct nono_termstate s = fed("\033[?1049h\033[?2004h\033[>1u");
	char out[256], want[256];
	size_t n = nono_termstate_reset(&s, want, sizeof(want));

	(void)state;
	assert_true(n > 0);
	memset(out, 'Z', sizeof(out));
	assert_int_equal(nono_termstate_reset(&s, out, n - 1), 0);
	assert_int_equal(nono_termstate_reset(&s, out, 0), 0);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 'Z');
	assert_int_equal(nono_termstate_reset(&s, out, n), n);
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], 'Z');

	n = nono_termstate_setup(&s, want, sizeof(want));
	assert_true(n > 0);
	memset(out, 'Z', sizeof(out));
	assert_int_equal(nono_termstate_setup(&s, out, n - 1), 0);
	assert_int_equal(nono_termstate_setup(&s, out, 1), 0);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 'Z');
	assert_int_equal(nono_termstate_setup(&s, out, n), n);
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], 'Z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_alt_screen),
	    cmocka_unit_test(test_mouse),
	    cmocka_unit_test(test_other_modes),
	    cmocka_unit_test(test_multi_param),
	    cmocka_unit_test(test_split_everywhere),
	    cmocka_unit_test(test_osc),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_controls_in_csi),
	    cmocka_unit_test(test_c1_csi),
	    cmocka_unit_test(test_ris),
	    cmocka_unit_test(test_clears),
	    cmocka_unit_test(test_kitty),
	    cmocka_unit_test(test_kitty_screens),
	    cmocka_unit_test(test_reset_setup_bytes),
	    cmocka_unit_test(test_worst_case),
	    cmocka_unit_test(test_param_overflow),
	    cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
