// SPDX-License-Identifier: Apache-2.0
/* Ages (see age.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "util/age.h"

int nono_parse_age(const char *s, long long *out)
{
	long long v, unit = 1;
	char *end;

	if (*s < '0' || *s > '9') /* strtoll would take " +5" */
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'd':
		unit = 86400;
		end++;
		break;
	case 'h':
		unit = 3600;
		end++;
		break;
	case 'm':
		unit = 60;
		end++;
		break;
	case 's':
		end++;
		break;
	default:
		break;
	}
	if (*end || v > LLONG_MAX / unit)
		return -1;
	*out = v * unit;
	return 0;
}
