#!/usr/bin/env bash
# Rollback's costs (issue 15), side by side in one run, on a tree this
# script generates (FILES files, about 12 KiB each, in FILES/50
# directories; the issue's tree is 100,000 files, 1.2 GiB):
#   1. cp -a of the tree, and the first baseline of nono run --rollback
#      (an empty store), both with the page cache warm;
#   2. the baseline of a second session over the unchanged tree;
#   3. the last snapshot after 100 files changed, and the restore of them;
#   4. ten sessions with 1% of the files changed each: the store's size
#      against the tree's;
#   5. the largest resident set of nono during a baseline.
#   bench/bench-rollback.sh | tee bench/results/rollback-issue15.txt
# Environment: NONO_BIN (default build/nono), BENCH_DIR (default
# /var/lib/nono-bench), FILES (default 100000), ROUNDS (of step 1,
# default 3).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
NONO_BIN="${NONO_BIN:-$repo/build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
FILES="${FILES:-100000}"
ROUNDS="${ROUNDS:-3}"
die() { echo "bench-rollback: $*" >&2; exit 1; }

[ -x "$NONO_BIN" ] || die "no nono binary at $NONO_BIN"
W="$BENCH_DIR/rollback"
rm -rf "$W" && mkdir -p "$W/home" || die "no $W"
export HOME="$W/home"
T="$W/tree"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b - a}'; }

echo "# bench-rollback $(date -u +%FT%TZ) $(uname -r) $(nproc) cores; disk: $(df -T "$W" | awk 'NR==2{print $2" on "$1}'); $FILES files"
python3 "$here/lib/rollback_tree.py" "$T" "$FILES" || die "cannot make the tree"
cd "$T" || die "no $T" # the granted tree is the working directory
tree_kb=$(du -sk "$T" | cut -f1)
echo "tree: $FILES files, $(find "$T" -type d | wc -l) directories, $((tree_kb / 1024)) MiB"
cat $(find "$T" -type f | head -n 2000) >/dev/null 2>&1
tar cf - "$T" 2>/dev/null | cat >/dev/null # warm the page cache

echo
echo "## 1. first baseline vs cp -a (warm cache), $ROUNDS rounds interleaved"
# Both create as many files, and nothing is deleted between rounds (ext4's
# inode allocator scans past recently freed inodes: a copy made right after
# a mass deletion took 2-3x as long in earlier runs of this script).  The
# baseline makes its copy durable (one syncfs before its manifest); cp -a
# leaves its copy in the page cache: the sync it needs is timed too.
ratios=""
for r in $(seq "$ROUNDS"); do
	sync; sleep 5
	s=$(now); cp -a "$T" "$W/copy$r" || die "cp failed"; e=$(now)
	cp_s=$(secs "$s" "$e")
	s=$(now); sync; e=$(now)
	cps_s=$(awk -v a="$cp_s" -v b="$(secs "$s" "$e")" 'BEGIN{printf "%.2f", a + b}')
	sleep 5
	# The last round's store is the one the next sections use.
	h="$W/home$r"
	[ "$r" -eq "$ROUNDS" ] && h="$HOME"
	mkdir -p "$h"
	out=$(HOME="$h" "$NONO_BIN" -v run --rollback --no-rollback-prompt --allow "$T" -- true 2>&1) || die "run failed: $out"
	b1=$(printf '%s\n' "$out" | sed -n 's/.*baseline of \([0-9]*\) files in \([0-9.]*\) s.*/\2/p')
	ratio=$(awk -v a="$b1" -v b="$cp_s" 'BEGIN{printf "%.2f", a/b}')
	ratios="$ratios $ratio"
	echo "round $r: cp -a ${cp_s} s (${cps_s} s with its sync); nono baseline ${b1} s: ${ratio}x of cp -a, $(awk -v a="$b1" -v b="$cps_s" 'BEGIN{printf "%.2f", a/b}')x of cp -a and sync"
done
rm -rf "$W"/copy* "$W"/home[0-9]*; sync
echo "median: $(printf '%s\n' $ratios | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')x of cp -a (target: at most 1x)"

echo
echo "## 2. the baseline of a second session, tree unchanged"
out=$("$NONO_BIN" -v run --rollback --no-rollback-prompt --allow "$T" -- true 2>&1) || die "run failed"
b2=$(printf '%s\n' "$out" | sed -n 's/.*baseline of \([0-9]*\) files in \([0-9.]*\) s.*/\2/p')
echo "second baseline: ${b2} s (target: under 1 s)"

echo
echo "## 3. 100 files changed: the last snapshot, then the restore"
out=$("$NONO_BIN" -v run --rollback --no-rollback-prompt --allow "$T" -- sh -c "
	for f in \$(find '$T' -type f | sort | head -n 100); do echo changed >> \"\$f\"; done" 2>&1) || die "run failed"
last=$(printf '%s\n' "$out" | sed -n 's/.*last snapshot of [0-9]* files in \([0-9.]*\) s.*/\1/p')
id=$("$NONO_BIN" rollback list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
s=$(now); "$NONO_BIN" rollback restore "$id" >/dev/null || die "restore failed"; e=$(now)
echo "last snapshot: ${last} s (target: under 0.5 s); nono rollback restore of the 100 files: $(secs "$s" "$e") s (it scans the tree first)"
# The review's restore at the end of the session (answered on a pty): the
# tree as it is is the last snapshot, just taken.
python3 "$repo/tests/cli/lib/ptydrive.py" --log "$W/tty.log" \
	"on:(d: the diffs) [y/N] =>y\r" wait -- \
	"$NONO_BIN" -v run --rollback --allow "$T" -- sh -c "
	for f in \$(find '$T' -type f | sort | head -n 100); do echo changed >> \"\$f\"; done" >/dev/null 2>&1
rv=$(sed -n 's/.*rollback: restore: \([0-9]*\) written, [0-9]* removed in \([0-9.]*\) s.*/\1 files in \2 s/p' "$W/tty.log")
[ -n "$rv" ] || die "the review's restore did not run: $(tail -5 "$W/tty.log")"
echo "the review's restore (answered yes): $rv (target: under 0.3 s)"

echo
echo "## 4. ten sessions, 1% of the files changed in each"
n1=$((FILES / 100))
for k in $(seq 10); do
	"$NONO_BIN" run -s --rollback --no-rollback-prompt --allow "$T" -- sh -c "
		for f in \$(find '$T' -type f | shuf -n $n1 --random-source=/dev/zero); do echo 'session $k' >> \"\$f\"; done" \
		>/dev/null 2>&1 || die "session $k failed"
done
store_kb=$(du -sk "$HOME/.nono/rollback" | cut -f1)
echo "store after 12 sessions: $((store_kb / 1024)) MiB for a $((tree_kb / 1024)) MiB tree: $(awk -v a="$store_kb" -v b="$tree_kb" 'BEGIN{printf "%.2fx", a/b}') (target: at most 1.1x)"
R="$HOME/.nono/rollback"
echo "  of which: objects $(du -sk "$R/objects" | cut -f1) KiB ($(find "$R/objects" -name '*.d' | wc -l) kept as deltas), sessions $(du -sk "$R/sessions" | cut -f1) KiB, stat caches $(du -sk "$R/statcache" | cut -f1) KiB"

echo
echo "## 5. peak RSS of a baseline (fresh store)"
rm -rf "$HOME/.nono/rollback"
rss=$( { /usr/bin/time -f '%M' "$NONO_BIN" run -s --rollback --no-rollback-prompt --allow "$T" -- true; } 2>&1 | tail -n1)
echo "max RSS: $((rss / 1024)) MiB (target: under 64 MiB)"
