#!/usr/bin/env bash
# The floor under the gate (issue 10's speed): one seccomp user
# notification round trip, answered at once, on this machine, beside a bare
# system call.  Each creation nono decides in a sealed tree costs at least
# the "inject an fd" figure; bench/bench-gate.sh gives what nono adds.
#   N=20000 bench/bench-notif-floor.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
N="${N:-20000}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/floor" "$here/lib/notif_floor.c"
med() { python3 -c 'import sys,statistics as s; print("%.1f" % s.median(map(float, sys.argv[1:])))' "$@"; }
row() { # label args...
	local v=()
	for _ in 1 2 3; do v+=("$("$out/floor" "$N" "$@")"); done
	printf '%-52s %8s us\n' "$label" "$(med "${v[@]}")"
}
echo "# one notified system call, answered at once (median of 3 x $N)"
label="CONTINUE" row 0
label="CONTINUE, sync wake-up (Linux 6.6+)" row 0 sync
label="inject an fd (ADDFD_FLAG_SEND), as nono answers opens" row 1
label="inject an fd, sync wake-up (nono's setting)" row 1 sync
echo "nono bench, kernel $(uname -r), $(nproc) cores, $(date -u '+%F %T UTC')"
