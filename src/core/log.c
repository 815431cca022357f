// SPDX-License-Identifier: Apache-2.0
/*
 * The log sink of libnono: formats a message and forwards it to whatever the
 * embedding program installed, filtered by level.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nono/error.h"
#include "nono/log.h"

/* Set once at start-up by the program; read-only afterwards. */
static nono_log_sink log_sink;
static void *log_data;
static enum nono_log_level log_max = NONO_LOG_WARN;

void nono_log_set_sink(nono_log_sink sink, void *data,
		       enum nono_log_level max_level)
{
	log_sink = sink;
	log_data = data;
	log_max = max_level;
}

int nono_log_enabled(enum nono_log_level level)
{
	return log_sink && level <= log_max;
}

void nono_log(enum nono_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!nono_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_sink(level, buf, log_data);
}

const char *nono_strerror(int err)
{
	switch (-err) {
	case 0:
		return "success";
	case NONO_ENOLANDLOCK:
		return "Landlock is not available in this kernel";
	case NONO_EUNSUPPORTED:
		return "restriction cannot be enforced by this kernel";
	case NONO_ECONFLICT:
		return "grant conflicts with a protected path";
	case NONO_ENOUSERNS:
		return "user namespaces are unavailable";
	case NONO_ESECCOMP:
		return "seccomp filter could not be built";
	case NONO_EPARSE:
		return "malformed input";
	case NONO_ETOOBIG:
		return "input too large";
	case NONO_ECHANGED:
		return "replaced since it was checked (another process changed "
		       "it while nono started; run again)";
	default:
		break;
	}
	if (err < 0 && -err < NONO_EBASE)
		return strerror(-err);
	return "unknown error";
}
