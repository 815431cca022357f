#!/usr/bin/env bash
# The last snapshot of `nono run --rollback` after 100 files changed in a
# 100,000-file tree, for two nono binaries interleaved (ROUNDS rounds), so
# that a change is measured side by side on the same machine state:
#   bench/bench-rollback-last.sh OLD_NONO NEW_NONO
# Environment: BENCH_DIR (default /var/lib/nono-bench), FILES (default
# 100000), ROUNDS (default 7).  The tree is generated as bench-rollback.sh
# does; the store starts empty with two sessions of each binary.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
FILES="${FILES:-100000}"
ROUNDS="${ROUNDS:-7}"
die() { echo "bench-rollback-last: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 OLD_NONO NEW_NONO"
for b in "$@"; do [ -x "$b" ] || die "no nono binary at $b"; done
W="$BENCH_DIR/rollback-last"
rm -rf "$W" && mkdir -p "$W/home" || die "no $W"
export HOME="$W/home"
T="$W/tree"
python3 "$here/lib/rollback_tree.py" "$T" "$FILES" || die "cannot make the tree"
cd "$T" || die "no $T"
echo "# bench-rollback-last $(date -u +%FT%TZ) $(uname -r) $(nproc) cores; $FILES files; $ROUNDS rounds"
for b in "$@"; do
	for k in 1 2; do
		"$b" -s run --rollback --no-rollback-prompt --allow "$T" -- true || die "$b failed"
	done
done
for r in $(seq "$ROUNDS"); do
	for b in "$@"; do
		t=$("$b" -v run --rollback --no-rollback-prompt --allow "$T" -- sh -c "
			for f in \$(find '$T' -type f | sort | head -n 100); do echo changed >> \"\$f\"; done" 2>&1 |
			sed -n 's/.*last snapshot of [0-9]* files in \([0-9.]*\) s.*/\1/p')
		[ -n "$t" ] || die "$b: no last snapshot"
		echo "$b $t"
	done
done | python3 -c '
import sys, statistics
d = {}
for l in sys.stdin:
    k, v = l.split()
    d.setdefault(k, []).append(float(v))
for k, v in d.items():
    print("%s: last snapshot median %.2f s (%s)" % (k, statistics.median(v), " ".join("%.2f" % x for x in sorted(v))))
'
