// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the path a sandboxed process opens for writing under
 * --allow-gpu, parsed by the gate to see whether it names one of the
 * process's own thread comm files.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096];
	size_t len;
	long tid;

	if (size >= sizeof(path))
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	len = strlen(path);
	tid = nono_gate_parse_comm(path, 1234, 1240);
	/* Only a positive id, and only for a path under /proc ending in
	 * "/comm". */
	if (tid != -1 && (tid <= 0 || strncmp(path, "/proc/", 6) != 0 ||
			  len < 11 || strcmp(path + len - 5, "/comm") != 0))
		abort();
	/* Another process's entry is never answered. */
	if (strncmp(path, "/proc/1/", 8) == 0 && tid != -1)
		abort();
	return 0;
}
