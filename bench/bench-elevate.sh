#!/usr/bin/env bash
# Capability elevation's cost (issue 17), side by side in one run, on a
# real terminal (tests/cli/lib/ptydrive.py answers the one question):
#   - an open of a granted file, N times: bare, nono run, nono run
#     --capability-elevation (every open is heard by the supervisor and
#     handed back to the kernel);
#   - an open of a file beyond the grants approved for the session (the
#     supervisor opens it and injects the fd), N times;
#   - start-up (`true`) with and without the flag.
# Prints microseconds per open and ratios; medians of ROUNDS interleaved
# rounds.
#   bench/bench-elevate.sh | tee bench/results/elevate-issue17.txt
# Environment: NONO_BIN (default build/nono), BENCH_DIR (default
# /var/lib/nono-bench), N (default 20000), ROUNDS (default 5).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
NONO_BIN="${NONO_BIN:-$repo/build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
N="${N:-20000}"
ROUNDS="${ROUNDS:-5}"
DRIVE="$repo/tests/cli/lib/ptydrive.py"
die() { echo "bench-elevate: $*" >&2; exit 1; }
[ -x "$NONO_BIN" ] || die "no nono binary at $NONO_BIN"
W="$BENCH_DIR/elevate"
rm -rf "$W" && mkdir -p "$W/home" "$W/proj" "$W/out" || die "no $W"
export HOME="$W/home"
echo granted >"$W/proj/in.txt"
echo beyond >"$W/out/beyond.txt"
cat >"$W/proj/opens.py" <<'PY'
import os, sys, time
path, n = sys.argv[1], int(sys.argv[2])
os.close(os.open(path, os.O_RDONLY))  # the question, if any, before the clock
t = time.perf_counter()
for _ in range(n):
    os.close(os.open(path, os.O_RDONLY))
print("US=%.2f" % ((time.perf_counter() - t) / n * 1e6))
PY
cd "$W/proj" || die "no proj"

# us MODE FILE: microseconds per open, on a pty (the question answered
# 's' once when one comes).
us() {
	local mode=$1 file=$2 log="$W/term.log"
	case "$mode" in
	bare) /usr/bin/python3 opens.py "$file" "$N" | sed -n 's/^US=//p' ;;
	run | elev)
		local flag=""
		[ "$mode" = elev ] && flag=--capability-elevation
		python3 "$DRIVE" --timeout 120 --log "$log" ondelay:0.6 on:'asks to=>s{code}' wait -- \
			"$NONO_BIN" run -s $flag --allow-cwd -- /usr/bin/python3 opens.py "$file" "$N" >/dev/null
		tr -d '\r' <"$log" | sed -n 's/^US=//p' | tail -1
		;;
	esac
}

startup() {
	local flag=$1 t0 t1
	t0=$(date +%s%N)
	for _ in $(seq 50); do "$NONO_BIN" run -s $flag --allow-cwd -- true </dev/null >/dev/null 2>&1; done
	t1=$(date +%s%N)
	echo "scale=3; ($t1 - $t0) / 50 / 1000000" | bc
}

median() { python3 -c 'import sys,statistics as s; v=[float(x) for x in sys.argv[1:] if x]; print("%.2f" % s.median(v) if v else "nan")' "$@"; }

declare -a a_bare a_run a_elev a_beyond s_off s_on
for _ in $(seq "$ROUNDS"); do
	a_bare+=("$(us bare in.txt)")
	a_run+=("$(us run in.txt)")
	a_elev+=("$(us elev in.txt)")
	a_beyond+=("$(us elev "$W/out/beyond.txt")")
	s_off+=("$(startup "")")
	s_on+=("$(startup --capability-elevation)")
done
b=$(median "${a_bare[@]}")
r=$(median "${a_run[@]}")
e=$(median "${a_elev[@]}")
x=$(median "${a_beyond[@]}")
printf 'us per open (N=%s, median of %s)           us   vs bare\n' "$N" "$ROUNDS"
printf '%-44s %7s\n' "bare, granted file" "$b"
printf '%-44s %7s  %+.1f us\n' "nono run, granted file" "$r" "$(echo "$r - $b" | bc)"
printf '%-44s %7s  %+.1f us\n' "--capability-elevation, granted file" "$e" "$(echo "$e - $b" | bc)"
printf '%-44s %7s  %+.1f us\n' "--capability-elevation, approved (cached)" "$x" "$(echo "$x - $b" | bc)"
printf '%-44s %7s ms\n' "start-up, nono run -- true" "$(median "${s_off[@]}")"
printf '%-44s %7s ms\n' "start-up, with --capability-elevation" "$(median "${s_on[@]}")"
echo "nono $("$NONO_BIN" --version 2>/dev/null | head -1), kernel $(uname -r), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
