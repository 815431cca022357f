#!/usr/bin/env bash
# nono learn's cost (issue 17): real workloads timed bare, under
# `nono learn` (every call the sandbox can refuse heard by the supervisor),
# `nono learn --all` (every call that names a path), under `nono run`
# (the same sandbox, no recording) and under strace as upstream nono's
# learn calls it (`strace -f -e trace=%file,%network`), interleaved in one
# hyperfine run per workload; ratios against bare.
#   bench/bench-learn.sh | tee bench/results/learn-issue17.txt
# Environment: NONO_BIN (default build/nono), BENCH_DIR (default
# /var/lib/nono-bench), RUNS (default 10).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
NONO_BIN="${NONO_BIN:-$repo/build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
RUNS="${RUNS:-10}"
die() { echo "bench-learn: $*" >&2; exit 1; }
command -v hyperfine >/dev/null || die "needs hyperfine (apt-get install hyperfine)"
command -v strace >/dev/null || die "needs strace (apt-get install strace)"
[ -x "$NONO_BIN" ] || die "no nono binary at $NONO_BIN"
W="$BENCH_DIR/learn"
rm -rf "$W" && mkdir -p "$W/home/.config/nono/profiles" || die "no $W"
export HOME="$W/home"
# A repository of 2,000 files to work in, granted by a profile.
git init -q "$W/repo" && cd "$W/repo" || die "no repo"
for d in $(seq 20); do
	mkdir -p "d$d"
	for f in $(seq 100); do echo "$d $f" >"d$d/f$f.txt"; done
done
git -c user.email=b@b -c user.name=b add -A >/dev/null &&
	git -c user.email=b@b -c user.name=b commit -qm init || die "git failed"
printf '{"extends":"default","filesystem":{"allow":["%s"]}}\n' "$W/repo" \
	>"$HOME/.config/nono/profiles/bench.json"

echo "# bench-learn $(date -u +%FT%TZ) $(uname -r) $(nproc) cores; $("$NONO_BIN" --version 2>&1 | head -n1)"
printf '%-28s %9s %9s %9s %9s %9s   %s\n' workload bare learn learn-all run strace "learn/bare all/bare run/bare strace/bare (median ms)"
work() { # NAME COMMAND...
	local name=$1 cmd
	shift
	cmd=$(printf '%q ' "$@")
	hyperfine -N -r "$RUNS" -w 2 --export-json "$W/h.json" \
		"$cmd" \
		"$NONO_BIN -s learn --profile bench -- $cmd" \
		"$NONO_BIN -s learn --all --profile bench -- $cmd" \
		"$NONO_BIN -s run --profile bench --allow-cwd -- $cmd" \
		"strace -f -qq -e trace=%file,%network -o /dev/null $cmd" \
		>/dev/null 2>&1 || { echo "$name: failed"; return; }
	python3 - "$W/h.json" "$name" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
m = [statistics.median(x["times"]) * 1000 for x in r]
print("%-28s %9.1f %9.1f %9.1f %9.1f %9.1f   %.2fx %.2fx %.2fx %.2fx" % (
    sys.argv[2], m[0], m[1], m[2], m[3], m[4], m[1] / m[0], m[2] / m[0],
    m[3] / m[0], m[4] / m[0]))
PY
}
work "git status (2,000 files)" git status --porcelain
work "python3 -c 'import json'" /usr/bin/python3 -c "import json, email, http.client"
command -v node >/dev/null && work "node -e (require http)" node -e "require('http')"
work "cc -c (a small C file)" sh -c "printf 'int main(void){return 0;}\n' >t.c && cc -c t.c -o t.o"
work "find + cat (2,000 files)" sh -c "find . -name '*.txt' -exec cat {} + >/dev/null"
