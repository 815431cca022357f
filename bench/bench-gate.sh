#!/usr/bin/env bash
# Per-operation cost of the supervisor's gate, side by side in one run:
# creating files (in an existing subdirectory and in a directory created
# during the run: both performed by the supervisor in a sealed tree),
# opening an existing file for writing (performed too), and loopback TCP
# connects, bare vs nono wrap (Landlock + seccomp, no gate) vs
# nono run (with the gate).  Prints microseconds per operation and ratios.
#   NONO_BIN=build/nono N=3000 bench/bench-gate.sh
# As root the project lives on a private tmpfs (no disk noise); otherwise
# under ${BENCH_DIR:-$HOME/.cache/nono-bench-gate} (not /tmp: nono grants it).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NONO="${NONO_BIN:-$here/../build/nono}"
N="${N:-3000}"
if [ "$(id -u)" -eq 0 ]; then
	base=$(mktemp -d /var/lib/nono-bench-gate.XXXXXX)
	mount -t tmpfs -o size=256m tmpfs "$base" || exit 1
	cleanup() { cd / && umount "$base" && rmdir "$base"; }
else
	base="${BENCH_DIR:-$HOME/.cache/nono-bench-gate}/run.$$"
	mkdir -p "$base"
	cleanup() { rm -rf "$base"; }
fi
trap cleanup EXIT
mkdir -p "$base/p/sub"
cd "$base/p" || exit 1
cat >create.py <<'PY'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
t = time.perf_counter()
for i in range(n):
    with open(os.path.join(d, "f%d" % i), "w") as f:
        f.write("x")
print("%.1f" % ((time.perf_counter() - t) / n * 1e6))
PY
cat >wopen.py <<'PY'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
p = os.path.join(d, "w")
open(p, "w").close()
t = time.perf_counter()
for i in range(n):
    os.close(os.open(p, os.O_WRONLY | os.O_APPEND))
print("%.1f" % ((time.perf_counter() - t) / n * 1e6))
PY
cat >connect.py <<'PY'
import socket, sys, threading, time
n = int(sys.argv[1])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(128)
port = srv.getsockname()[1]
def serve():
    while True:
        c, _ = srv.accept(); c.close()
threading.Thread(target=serve, daemon=True).start()
t = time.perf_counter()
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port)); s.close()
print("%.1f" % ((time.perf_counter() - t) / n * 1e6))
PY
row() { # name bare wrap run
	python3 - "$@" <<'PY'
import sys
name, b, w, r = sys.argv[1], *map(float, sys.argv[2:])
print(f"{name:<40} {b:8.1f} {w:8.1f} {r:8.1f} {w/b:7.2f}x {r/b:7.2f}x")
PY
}
printf '%-40s %8s %8s %8s %8s %8s\n' "us per operation (N=$N)" bare wrap run wrap/b run/b
b=$(python3 create.py sub/bare "$N")
w=$("$NONO" -s wrap --allow . -- python3 create.py sub/wrap "$N")
r=$("$NONO" -s run --allow . -- python3 create.py sub/run "$N")
row "create file, existing subdirectory" "$b" "$w" "$r"
b=$(python3 create.py new_bare "$N")
w=$("$NONO" -s wrap --allow . -- python3 create.py new_wrap "$N")
r=$("$NONO" -s run --allow . -- python3 create.py new_run "$N")
row "create file, new dir at the grant root" "$b" "$w" "$r"
b=$(python3 wopen.py sub/wb "$N")
w=$("$NONO" -s wrap --allow . -- python3 wopen.py sub/ww "$N")
r=$("$NONO" -s run --allow . -- python3 wopen.py sub/wr "$N")
row "open an existing file for writing" "$b" "$w" "$r"
b=$(python3 connect.py "$N")
w=$("$NONO" -s wrap --allow . -- python3 connect.py "$N")
r=$("$NONO" -s run --allow . -- python3 connect.py "$N")
row "loopback TCP connect + close" "$b" "$w" "$r"
echo
echo "wrap: Landlock + seccomp only; run: plus the gate (seccomp user notification)"
echo "nono $("$NONO" --version | cut -d' ' -f2), kernel $(uname -r), $(date -u '+%F %T UTC')"
