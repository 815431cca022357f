// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer harness for the config file parser: feeds arbitrary bytes to
 * nono_config_parse() and checks the promises of its header on each result.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"
#include "nono/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(char **items, size_t n)
{
	size_t i;

	if (n > NONO_CONFIG_MAX_LIST || (n == 0) != (items == NULL))
		abort();
	for (i = 0; i < n; i++) {
		if (!items[i] || strlen(items[i]) > NONO_CONFIG_MAX_STRING)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct nono_config zero;
	struct nono_config cfg;
	char err[128];
	int r;

	r = nono_config_parse((const char *)data, size, &cfg, err, sizeof(err));
	/* The message is always a terminated string within the buffer. */
	if (!memchr(err, '\0', sizeof(err)))
		abort();
	if (r != 0) {
		if (r != -NONO_EPARSE && r != -NONO_ETOOBIG && r != -ENOMEM)
			abort();
		/* Failure leaves nothing behind for the caller to free. */
		if (memcmp(&cfg, &zero, sizeof(cfg)) != 0 || err[0] == '\0')
			abort();
	}
	if (cfg.ui_theme && strlen(cfg.ui_theme) > NONO_CONFIG_MAX_STRING)
		abort();
	check_list(cfg.redaction_extra_flags, cfg.n_redaction_extra_flags);
	check_list(cfg.redaction_extra_headers, cfg.n_redaction_extra_headers);
	check_list(cfg.redaction_extra_query_keys,
		   cfg.n_redaction_extra_query_keys);
	check_list(cfg.redaction_allow_unredacted,
		   cfg.n_redaction_allow_unredacted);
	nono_config_clear(&cfg);
	return 0;
}
