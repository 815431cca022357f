#!/usr/bin/env bash
# The audit trail's costs (issue 14), measured side by side in one run:
#   1. recording: events per second through nono's own writer with
#      durability on (bench/lib/audit_bench.c: the group commit's fdatasync
#      passes, and how long an event waits to be on disk), 1 and 4 threads;
#   2. nono audit verify of a 1,000,000-event session (median of 3);
#   3. start-up: nono run -- true with the trail vs --no-audit: one start
#      (interleaved, idle between) and back to back (hyperfine);
#   4. a session that makes 1,000 proxy requests, with the trail vs
#      --no-audit, interleaved (median of ROUNDS each);
#   5. signing: nono run --audit-sign-key (a file key) vs the trail alone.
#
#   bench/bench-audit.sh | tee bench/results/audit-issue14.txt
#
# Environment: NONO_BIN (default build/nono), BENCH_DIR (default
# /var/lib/nono-bench, not under /tmp), ROUNDS (default 7), RUNS (30).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
NONO_BIN="${NONO_BIN:-$repo/build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
ROUNDS="${ROUNDS:-7}"
RUNS="${RUNS:-30}"
die() { echo "bench-audit: $*" >&2; exit 1; }

command -v hyperfine >/dev/null || die "hyperfine is needed (apt-get install hyperfine)"
[ -x "$NONO_BIN" ] || die "no nono binary at $NONO_BIN"
ninja -C "$(dirname "$NONO_BIN")" audit_bench >/dev/null || die "cannot build audit_bench"
AB="$(dirname "$NONO_BIN")/audit_bench"
mkdir -p "$BENCH_DIR/audit" && cd "$BENCH_DIR/audit" || die "no $BENCH_DIR"
export HOME="$BENCH_DIR/audit/home"
rm -rf "$HOME" && mkdir -p "$HOME" "$BENCH_DIR/audit/work"
cd "$BENCH_DIR/audit/work" || exit 1
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "# bench-audit $(date -u +%FT%TZ) $(uname -r) $(nproc) cores; disk: $(df -T "$HOME" | awk 'NR==2{print $2" on "$1}')"
echo
echo "## 1. recording (nono's writer, durability on: fdatasync group commit)"
for t in 1 4; do
	"$AB" 100000 "$t"
done
echo
echo "## 2. nono audit verify of 1,000,000 events"
out=$("$AB" 1000000 1)
echo "$out"
id=${out##* id }
ls -l "$HOME/.nono/audit/$id/audit-events.ndjson" | awk '{printf "log: %.0f MB\n", $5/1e6}'
for i in 1 2 3; do
	s=$(date +%s%N)
	"$NONO_BIN" audit verify "$id" >/dev/null || die "verify failed"
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
done | med | awk '{print "verify median: " $1 " ms (target: under 2000)"}'
rm -rf "$HOME/.nono/audit/$id"

echo
echo "## 3. start-up: nono run -- true, trail vs --no-audit"
# The latency of one start: interleaved, 50 ms idle before each run (the
# trail's finisher is done by then).
read -r a n < <(python3 "$here/lib/interleave.py" $((RUNS * 3)) 0.05 \
	"$NONO_BIN -s run --allow-cwd -- true" \
	"$NONO_BIN -s run --no-audit --allow-cwd -- true") || die "start-up runs failed"
awk -v a="$a" -v n="$n" -v r=$((RUNS * 3)) 'BEGIN{printf "one start (interleaved, idle between, %d each): with the trail %.2f ms, --no-audit %.2f ms: %+.2f ms (target: under +1)\n", r, a, n, a - n}'
# Back to back: each run's finisher overlaps the next run (the cost to a
# script that starts many short commands).
hyperfine -N -w 5 -r "$RUNS" --export-json "$BENCH_DIR/audit/startup.json" \
	"$NONO_BIN -s run --allow-cwd -- true" \
	"$NONO_BIN -s run --no-audit --allow-cwd -- true" >/dev/null 2>&1
python3 - "$BENCH_DIR/audit/startup.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, n = (x["median"] * 1000 for x in r)
print(f"back to back (hyperfine): with the trail {a:.2f} ms, --no-audit {n:.2f} ms: {a - n:+.2f} ms")
PY

echo
echo "## 4. 1,000 proxy requests in one session (median of $ROUNDS, interleaved)"
mkdir -p www && echo ok >www/x
python3 -m http.server --bind 127.0.0.1 --directory www 0 >http.log 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null' EXIT
for i in $(seq 50); do
	port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' http.log | head -1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || die "http server did not start"
load="python3 $here/lib/proxyload.py latency 127.0.0.1 $port /x 1000"
one() { # FLAGS...
	local s e
	s=$(date +%s%N)
	"$NONO_BIN" -s run "$@" --allow-cwd --read "$here/lib" --allow-domain "127.0.0.1:$port" -- \
		sh -c "$load \"\$HTTP_PROXY\" >/dev/null" || die "proxy run failed"
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}
: >on.txt
: >off.txt
: >bg.txt
# The third column: --no-audit beside a process that does what the
# trail's flusher does to the disk (an 800-byte append and an fdatasync
# every 5 ms), and nothing else: what group commit alone costs here.
bgsync() { # until killed
	exec python3 -c '
import os, time
fd = os.open("bgsync.dat", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
while True:
    os.write(fd, b"y" * 800 + b"\n"); time.sleep(0.005); os.fdatasync(fd)'
}
for r in $(seq "$ROUNDS"); do
	one >>on.txt
	one --no-audit >>off.txt
	bgsync &
	bg=$!
	one --no-audit >>bg.txt
	kill "$bg"
	wait "$bg" 2>/dev/null
done
rm -f bgsync.dat
on=$(med <on.txt)
off=$(med <off.txt)
bgm=$(med <bg.txt)
id=$("$NONO_BIN" audit list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
ev=$(grep -c '"type":"network"' "$HOME/.nono/audit/$id/audit-events.ndjson")
echo "with the trail ${on} ms, --no-audit ${off} ms: $(awk -v a="$on" -v b="$off" 'BEGIN{printf "%.3fx", a/b}') (target: within 1.05x); $ev network events in the last session"
echo "--no-audit beside a process doing only the flusher's disk work (append + fdatasync every 5 ms): ${bgm} ms, $(awk -v a="$bgm" -v b="$off" 'BEGIN{printf "%.3fx", a/b}'); the trail against that: $(awk -v a="$on" -v b="$bgm" 'BEGIN{printf "%.3fx", a/b}')"

echo
echo "## 5. signing: --audit-sign-key file:// vs the trail alone (median of $ROUNDS)"
openssl ecparam -genkey -name prime256v1 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$BENCH_DIR/audit/k.pem"
chmod 600 "$BENCH_DIR/audit/k.pem"
: >on.txt
: >off.txt
for r in $(seq "$ROUNDS"); do
	s=$(date +%s%N); "$NONO_BIN" -s run --allow-cwd -- true; e=$(date +%s%N)
	echo $(((e - s) / 1000)) >>off.txt
	s=$(date +%s%N); "$NONO_BIN" -s run --allow-cwd --audit-sign-key "file://$BENCH_DIR/audit/k.pem" -- true; e=$(date +%s%N)
	echo $(((e - s) / 1000)) >>on.txt
done
echo "nono run -- true: $(med <off.txt) us; signed: $(med <on.txt) us (two helper runs: the key checked at start, the signature at the end)"
