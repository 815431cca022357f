#!/usr/bin/env bash
# Sessions (issue 13), side by side in one run on this machine:
#   relay throughput: cat of SIZE (1 GiB) through nono's PTY vs script -qc
#     (the same pty harness reads both), interleaved RUNS times;
#   keystroke latency: N keystrokes echoed by cat on the session's terminal,
#     nono vs script -qc (p50, p99 of each; the difference is nono's);
#   attach replay: a detached session with 10,000 lines of scrollback, ms
#     from `nono attach --read-only` to its last line on the screen;
#   1,000 attach/detach cycles: the supervisor's fd count and RSS before
#     and after;
#   byte-exact transcript: 100 MiB of random printable output equals the
#     concatenated output events of its transcript (sha256);
#   kill -9 of the supervisor at KILLS random points (random: bench only;
#     the test suite uses fixed points): nono ps never shows a dead session
#     as running, nono prune removes every one.
#   NONO_BIN=build/nono RUNS=3 bench/bench-session.sh
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NONO="$(readlink -f "${NONO_BIN:-$here/../build/nono}")"
RUNS="${RUNS:-3}"
SIZE="${SIZE:-1073741824}"
KEYS="${KEYS:-1000}"
CYCLES="${CYCLES:-1000}"
KILLS="${KILLS:-200}"
PB="$here/lib/ptybench.py"
base="${BENCH_DIR:-/var/lib/nono-bench-session}"
case "$base" in /tmp/* | /var/tmp/* | /dev/shm/*)
	echo "bench-session: BENCH_DIR must not be under /tmp" >&2
	exit 1
	;;
esac
rm -rf "$base/home"
mkdir -p "$base/home" "$base/w"
export HOME="$base/home"
cd "$base/w" || exit 1
N() { "$NONO" -s "$@"; }

if [ ! -f "$base/big.txt" ] || [ "$(stat -c %s "$base/big.txt")" -ne "$SIZE" ]; then
	yes 'the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJ' |
		head -c "$SIZE" >"$base/big.txt"
fi
median() { python3 -c 'import sys,statistics as s; print("%.3f" % s.median([float(x) for x in sys.argv[1:]]))' "$@"; }

echo "# relay throughput: cat of $SIZE bytes through the terminal (median of $RUNS, seconds)"
ns=() ss=()
for _ in $(seq "$RUNS"); do
	sync
	ss+=("$(python3 "$PB" throughput script -qc "cat $base/big.txt" /dev/null | cut -d' ' -f1)")
	ns+=("$(python3 "$PB" throughput "$NONO" -s run --read "$base" --allow-cwd -- cat "$base/big.txt" | cut -d' ' -f1)")
	N prune >/dev/null
done
sm=$(median "${ss[@]}")
nm=$(median "${ns[@]}")
printf '%-34s %8s s\n%-34s %8s s\n%-34s %8.2fx\n' "script -qc cat" "$sm" "nono run (PTY relay)" "$nm" \
	"nono / script" "$(echo "$nm / $sm" | bc -l)"

echo "# keystroke latency: $KEYS keys echoed by cat (p50 p99, microseconds)"
sl=$(python3 "$PB" latency "$KEYS" script -qc cat /dev/null)
nl=$(python3 "$PB" latency "$KEYS" "$NONO" -s run --allow-cwd -- cat)
N prune >/dev/null
printf '%-34s %s\n%-34s %s\n' "script -qc cat" "$sl" "nono run" "$nl"
python3 -c 'import sys; s=list(map(float,sys.argv[1].split())); n=list(map(float,sys.argv[2].split())); print("%-34s %.1f us (p99 %.1f us)" % ("nono adds (p50)", n[0]-s[0], n[1]-s[1]))' "$sl" "$nl"

echo "# attach replay: 10,000 lines of scrollback"
N run --detached --name replay --allow-cwd -- sh -c 'i=0; while [ $i -lt 10000 ]; do echo "line $i of the scrollback"; i=$((i+1)); done; sleep 600' >/dev/null
sleep 2
rt=()
for _ in $(seq 5); do
	rt+=("$(python3 "$PB" until "line 9999 of" "$NONO" attach --read-only replay)")
done
printf '%-34s %8s ms (median of 5; includes starting nono attach)\n' "attach to last line" "$(median "${rt[@]}")"
printf '%-34s %8s ms\n' "nono ps (for scale: a start of nono)" \
	"$(python3 -c 'import subprocess,time,sys; t=time.perf_counter(); [subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL) for _ in range(20)]; print("%.1f" % ((time.perf_counter()-t)*50))' "$NONO" ps)"

echo "# $CYCLES attach/detach cycles: the supervisor's fds and RSS"
sup=$("$NONO" ps --json | python3 -c 'import json,sys; print([s for s in json.load(sys.stdin) if s["name"]=="replay"][0]["supervisor_pid"])')
fd0=$(ls /proc/"$sup"/fd | wc -l)
rss0=$(awk '/VmRSS/ {print $2}' /proc/"$sup"/status)
python3 - "$NONO" "$CYCLES" <<'PY'
import os, pty, select, sys, time
nono, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(nono, [nono, "attach", "replay"])
    buf = b""
    while b"scrollback" not in buf:
        r, _, _ = select.select([fd], [], [], 10)
        if not r:
            sys.exit("attach %d: no output" % i)
        buf += os.read(fd, 65536)
    os.write(fd, b"\x1dd")
    while True:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:
            break
    os.waitpid(pid, 0)
PY
sleep 0.5
fd1=$(ls /proc/"$sup"/fd | wc -l)
rss1=$(awk '/VmRSS/ {print $2}' /proc/"$sup"/status)
printf '%-34s %s -> %s\n%-34s %s kB -> %s kB\n' "supervisor fds" "$fd0" "$fd1" "supervisor RSS" "$rss0" "$rss1"
"$NONO" stop --force replay >/dev/null

echo "# byte-exact transcript: 100 MiB of random printable output"
N run --detached --name exact --read "$base" --allow-cwd -- python3 -c '
import os, sys, hashlib
h = hashlib.sha256()
out = sys.stdout.buffer
table = bytes(range(0x20, 0x7f))
left = 100 << 20
while left:
    b = os.urandom(min(left, 1 << 16)).translate(bytes(table[i % len(table)] for i in range(256)))
    out.write(b); h.update(b); left -= len(b)
out.flush()
open("/tmp/nono-bench-exact.sha", "w").write(h.hexdigest())
' >/dev/null
for _ in $(seq 600); do
	"$NONO" ps --all --json | python3 -c 'import json,sys; sys.exit(not any(s["name"]=="exact" and s["status"]=="exited" for s in json.load(sys.stdin)))' && break
	sleep 0.5
done
want=$(cat /tmp/nono-bench-exact.sha 2>/dev/null)
rm -f /tmp/nono-bench-exact.sha
got=$("$NONO" logs exact | sha256sum | cut -d' ' -f1)
printf '%-34s %s\n' "transcript sha256 == output's" "$([ "$want" = "$got" ] && echo yes || echo "NO ($want vs $got)")"

echo "# kill -9 of the supervisor at $KILLS random points"
set +m
bad=0
for i in $(seq "$KILLS"); do
	"$NONO" -s run --detached --name "k$i" --allow-cwd -- sleep 60 >/dev/null 2>&1 &
	sleep "0.$(printf '%03d' $((RANDOM % 400)))"
	pkill -9 -f -- "--name k$i " || true
	wait 2>/dev/null || true
	if "$NONO" ps --json | python3 -c '
import json, os, sys
for s in json.load(sys.stdin):
    if s["status"] in ("running", "starting"):
        try:
            os.kill(s["supervisor_pid"], 0)
        except ProcessLookupError:
            sys.exit(1)
'; then :; else bad=$((bad + 1)); fi
done
sleep 11 # a start killed before its record is an orphan after 10 s
"$NONO" prune >/dev/null
left=$(ls "$HOME/.nono/sessions" | grep -cE '^[0-9a-f]{16}$' || true)
alive=$("$NONO" ps --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
printf '%-34s %s\n%-34s %s (live ones: %s)\n' "dead shown as running" "$bad of $KILLS" \
	"directories left after prune" "$left" "$alive"
"$NONO" ps --json | python3 -c 'import json,sys; [print(s["id"]) for s in json.load(sys.stdin)]' |
	xargs -r -n1 "$NONO" stop --force >/dev/null 2>&1
echo "nono $("$NONO" --version | cut -d' ' -f2), kernel $(uname -r), $(nproc) cores, $(date -u '+%F %T UTC')"
