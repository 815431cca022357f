/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostic logging of libnono.  The library never writes to a stream by
 * itself: it hands each message to the sink that the program installed.
 */
#ifndef NONO_LOG_H
#define NONO_LOG_H

enum nono_log_level {
	NONO_LOG_ERROR = 0,
	NONO_LOG_WARN = 1,
	NONO_LOG_INFO = 2,
	NONO_LOG_DEBUG = 3,
	NONO_LOG_TRACE = 4,
};

/* Receives one formatted message without a trailing newline. */
typedef void (*nono_log_sink)(enum nono_log_level level, const char *msg,
			      void *data);

/* Installs @sink (NULL drops everything) and the most verbose level passed
 * on.  Not thread-safe: call once at start-up. */
void nono_log_set_sink(nono_log_sink sink, void *data,
		       enum nono_log_level max_level);

/* True when messages at @level reach the sink. */
int nono_log_enabled(enum nono_log_level level);

void nono_log(enum nono_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define nono_warn(...) nono_log(NONO_LOG_WARN, __VA_ARGS__)
#define nono_info(...) nono_log(NONO_LOG_INFO, __VA_ARGS__)
#define nono_debug(...) nono_log(NONO_LOG_DEBUG, __VA_ARGS__)
#define nono_trace(...) nono_log(NONO_LOG_TRACE, __VA_ARGS__)

#endif
