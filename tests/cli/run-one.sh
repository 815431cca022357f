#!/bin/sh
# One bats file of the CLI suite against a build's nono, with the scratch
# directory chosen as scripts/test.sh chooses it (`meson test --suite cli`
# runs this once per file):  tests/cli/run-one.sh BUILD/nono FILE.bats
set -eu
bin=$(readlink -f "$1")
file=$2
if [ "$(id -u)" -eq 0 ]; then
	scratch=${NONO_TEST_SCRATCH:-/var/lib/nono-tests}
else
	scratch=${NONO_TEST_SCRATCH:-${XDG_CACHE_HOME:-$HOME/.cache}/nono-tests}
fi
mkdir -p "$scratch"
chmod 1777 "$scratch" 2>/dev/null || true
NONO_BIN=$bin NONO_TEST_SCRATCH=$scratch exec bats --tap "$file"
