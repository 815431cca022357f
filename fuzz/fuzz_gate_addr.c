// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the AF_UNIX address bytes a sandboxed process hands to
 * connect(2)/bind(2), parsed by the gate and run through its policy.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nono/caps.h"
#include "supervisor/gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nono_caps *caps;
	struct nono_gate *g = NULL;
	enum nono_addr_kind kind;
	char name[128];
	size_t n;

	if (!caps) {
		caps = nono_caps_new();
		if (!caps ||
		    nono_caps_add_path(caps, "/proj", NONO_ACCESS_RW, 0,
				       NONO_ORIGIN_USER) < 0 ||
		    nono_caps_add_socket(caps, "/run/dir", NONO_SOCK_DIR,
					 true) < 0 ||
		    nono_caps_add_mask(caps, "/proj/.ssh", NONO_MASK_HIDE,
				       true) < 0)
			abort();
	}
	if (nono_gate_parse_addr(data, size, &kind, name, &n) < 0)
		return 0;
	if (nono_gate_new(caps, &g) < 0)
		return 0;
	if (kind == NONO_ADDR_PATH) {
		if (strlen(name) != n)
			abort();
		(void)nono_gate_allows(g, NONO_GATE_CONNECT, name);
		(void)nono_gate_allows(g, NONO_GATE_BIND, name);
	}
	if (kind != NONO_ADDR_UNNAMED) {
		bool before = kind == NONO_ADDR_PATH &&
			      nono_gate_allows(g, NONO_GATE_CONNECT, name);

		if (nono_gate_note_bound_abstract(g, name, n, 7) < 0 ||
		    nono_gate_bound_abstract(g, name, n) != 7)
			abort();
		/* Abstract and path names are separate namespaces: binding
		 * an abstract name never opens the path it spells. */
		if (kind == NONO_ADDR_PATH &&
		    nono_gate_allows(g, NONO_GATE_CONNECT, name) != before)
			abort();
		nono_gate_forget(g, 7);
		if (nono_gate_bound_abstract(g, name, n) != 0)
			abort();
	}
	nono_gate_free(g);
	return 0;
}
