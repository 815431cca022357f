#!/usr/bin/env bash
# Capability elevation's race, open-ended (issue 17: "a million times"):
# one thread rewrites the path buffer between an approved file and another,
# a second swaps a symlink between them, while the main thread opens and
# reads ITER times (default 1,000,000).  The approved file is allowed for
# the session, the other denied for it, answered on a real pty by
# tests/cli/lib/ptydrive.py.  Prints good/bad/refused; bad must be 0.
# CI runs the same program 20,000 times (tests/cli/elevate.bats).
#   bench/elevate-race-long.sh | tee bench/results/elevate-race.txt
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
NONO_BIN="${NONO_BIN:-$repo/build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
ITER="${ITER:-1000000}"
W="$BENCH_DIR/elevate-race"
rm -rf "$W" && mkdir -p "$W/home" "$W/out" "$W/proj" || exit 1
export HOME="$W/home"
echo APPROVED-BYTES >"$W/out/ok.txt"
echo OTHER-BYTES >"$W/out/other.txt"
cd "$W/proj" || exit 1
t0=$(date +%s)
python3 "$repo/tests/cli/lib/ptydrive.py" --timeout 3600 --log "$W/term.log" ondelay:0.6 \
	on:"asks to read $W/out/ok.txt=>s{code}" on:"asks to read $W/out/other.txt=>d" wait -- \
	"$NONO_BIN" run -s --capability-elevation --allow . --read "$repo/tests/cli/lib" -- /usr/bin/python3 "$repo/tests/cli/lib/elevate_race.py" "$W/out/ok.txt" "$W/out/other.txt" "$ITER" >/dev/null
t1=$(date +%s)
echo "elevation race, $ITER opens: $(tr -d '\r' <"$W/term.log" | grep -o 'good=[0-9]* bad=[0-9]* refused=[0-9]* swaps=[0-9]*') ($((t1 - t0)) s)"
echo "nono $("$NONO_BIN" --version 2>/dev/null | head -1), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
