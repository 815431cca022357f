// SPDX-License-Identifier: Apache-2.0
/*
 * What a sandbox printed, made safe for the user's terminal (see
 * termsafe.h).  A byte-at-a-time state machine, resumable across chunks;
 * what it passes is copied in runs.
 */
#include <stdbool.h>
#include <string.h>

#include "session/termsafe.h"

void nono_termsafe_filter(struct nono_termsafe *z, const char *data, size_t len,
			  nono_termsafe_out out, void *arg)
{
	static const char keep_csi[] = "mABCDEFGHJKfd";
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		switch (z->st) {
		case 0:
			if (z->cont && c >= 0x80 && c < 0xc0) {
				z->cont--; /* inside a UTF-8 character */
				break;
			}
			z->cont = 0;
			if (c >= 0xc3 && c <= 0xf4) {
				z->cont = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
				break;
			}
			if (c == 0x1b ||
			    (c < 0x20 && c != '\n' && c != '\r' && c != '\t' &&
			     c != '\b') ||
			    c == 0x7f || c == 0xc2 || (c >= 0x80 && c < 0xc3)) {
				out(arg, data + start, i - start);
				start = i + 1;
				if (c == 0x1b)
					z->st = 1;
				else if (c == 0xc2)
					z->st = 5;
				/* a stray byte (0x80-0xc1) is dropped */
			}
			break;
		case 5: /* U+0080..U+009F are C1 controls: dropped */
			z->st = 0;
			if (c >= 0xa0 && c < 0xc0) {
				out(arg, "\xc2", 1);
				start = i; /* U+00A0..U+00BF: the pair passes */
			} else if (c >= 0x80 && c < 0xa0) {
				start = i + 1;
			} else {
				start =
				    i; /* a lone 0xc2 goes; this byte anew */
				i--;
			}
			break;
		case 1:
			if (c == '[') {
				z->st = 2;
				z->n = 0;
				z->seq[z->n++] = 0x1b;
				z->seq[z->n++] = '[';
			} else if (c == ']' || c == 'P' || c == '_' ||
				   c == '^' || c == 'X') {
				z->st = 3;
				z->osc = c == ']';
			} else {
				z->st = 0; /* ESC x: dropped */
			}
			start = i + 1;
			break;
		case 2:
			if (c >= 0x40 && c <= 0x7e) {
				/* The final byte: colours and moves pass
				 * (no private marker, no intermediate). */
				bool plain = z->n <= 2 || (z->seq[2] >= '0' &&
							   z->seq[2] <= ';');

				for (size_t k = 2; k < z->n; k++)
					if (!((z->seq[k] >= '0' &&
					       z->seq[k] <= '9') ||
					      z->seq[k] == ';'))
						plain = false;
				if (plain && strchr(keep_csi, c)) {
					out(arg, z->seq, z->n);
					out(arg, (const char *)&c, 1);
				}
				z->st = 0;
			} else if (c < 0x20 || c > 0x7e ||
				   z->n == sizeof(z->seq)) {
				z->st = 0; /* broken: dropped */
			} else {
				z->seq[z->n++] = (char)c;
			}
			start = i + 1;
			break;
		case 3:
			if (c == 0x1b)
				z->st = 4;
			else if (c == 0x07 && z->osc)
				z->st = 0;
			start = i + 1;
			break;
		case 4:
			/* ESC \ ends it; any other escape ends it too (as
			 * terminals do) and starts anew. */
			z->st = c == '\\' ? 0 : 1;
			if (c != '\\')
				i--;
			start = i + 1;
			break;
		default:
			z->st = 0;
			break;
		}
	}
	if (z->st == 0 && start < len)
		out(arg, data + start, len - start);
}
