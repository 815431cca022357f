#!/usr/bin/env bash
# kill -9 at N random points of rollback captures and of restores (issue
# 15: 500 each), on a scratch HOME: every recorded session must verify and
# a re-run restore must give the exact tree (tests/cli/lib/rbkill.py).
# CI runs the same with a fixed seed and 5 points (tests/cli/rollback.bats).
#   bench/rollback-kill.sh [N] [SEED] | tee bench/results/rollback-kill.txt
# Environment: NONO_BIN (default build/nono), BENCH_DIR (/var/lib/nono-bench).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
NONO_BIN="${NONO_BIN:-$repo/build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
N="${1:-500}"
SEED="${2:-$(date +%s)}"
W="$BENCH_DIR/rollback-kill"
rm -rf "$W" && mkdir -p "$W/home" || exit 1
echo "# rollback-kill $(date -u +%FT%TZ) $(uname -r) $(nproc) cores; N=$N seed=$SEED"
HOME="$W/home" python3 "$repo/tests/cli/lib/rbkill.py" "$NONO_BIN" "$W/tree" "$N" "$SEED"
