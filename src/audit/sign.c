// SPDX-License-Identifier: Apache-2.0
/* Signed audit sessions (see sign.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/sign.h"
#include "audit/verify.h"

void nono_audit_verify_signature(struct nono_audit_report *r,
				 const char *pubkey_file)
{
	char root[PATH_MAX];
	int dfd;

	if (nono_audit_dir(root, sizeof(root)) < 0)
		return;
	strncat(root, "/", sizeof(root) - strlen(root) - 1);
	strncat(root, r->id, sizeof(root) - strlen(root) - 1);
	dfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	if (faccessat(dfd, NONO_AUDIT_BUNDLE, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		if (pubkey_file)
			nono_audit_report_add(r, "signature", false,
					      "--public-key-file was given but "
					      "the session has no %s (it was "
					      "not run with --audit-sign-key)",
					      NONO_AUDIT_BUNDLE);
		close(dfd);
		return;
	}
	nono_audit_report_add(r, "signature", false,
			      "%s: signatures are not checked by this build",
			      NONO_AUDIT_BUNDLE);
	close(dfd);
}
