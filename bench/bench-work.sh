#!/usr/bin/env bash
# Real work under the gate, side by side in one run (issue 10's speed
# targets): each job bare, under `nono run --allow D` (D the job's
# directory, a writable user grant) and, when NONO_OLD_BIN is set, under an
# older build; runs interleaved (bare, nono, old, bare, ...), each after a
# sync, medians reported with the ratio to bare.
#   NONO_BIN=build/nono RUNS=5 bench/bench-work.sh
#   JOBS="clone files" bench/bench-work.sh       # a subset
# Jobs:
#   clone   git clone of a local 5,000-file repository into D (a new
#           directory at the grant's root, the common case for an agent);
#           the source is granted read-only, so git copies its objects
#           (a hard link would give them the write right of D)
#   clonein the same with the source inside the writable grant, deeper
#           than nono looks for repositories at start (so its .git is not a
#           pinned mount): git hard-links the objects, as it does bare
#   files   10,000 files in a new 100-directory tree (python3)
#   build   a C build of nono itself (meson setup + ninja, gcc -O2)
#   npm     npm ci of a real project (express, 60+ packages) from a local
#           npm cache (filled from the registry on the first run)
# The fixture lives under ${BENCH_DIR:-/var/lib/nono-bench-work} (on disk;
# not /tmp, which nono grants by default).  HOME is a fake one inside it.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src_root="$(cd "$here/.." && pwd)"
NONO="$(readlink -f "${NONO_BIN:-$here/../build/nono}")"
OLD="${NONO_OLD_BIN:+$(readlink -f "$NONO_OLD_BIN")}"
RUNS="${RUNS:-5}"
# Extra flags for this build (agents clone: a new .git needs the flag) and
# for the older one (which may not know them).
NONO_FLAGS="${NONO_FLAGS:---allow-new-repos}"
OLD_FLAGS="${OLD_FLAGS:-}"
JOBS="${JOBS:-clone clonein files build npm}"
base="${BENCH_DIR:-/var/lib/nono-bench-work}"
case "$base" in /tmp/* | /var/tmp/* | /dev/shm/*)
	echo "bench-work: BENCH_DIR must not be under /tmp, /var/tmp or /dev/shm" >&2
	exit 1
	;;
esac
mkdir -p "$base/home" "$base/w"
export HOME="$base/home"
git config --global user.email bench@example.invalid
git config --global user.name bench

# Fixtures, made once.
if [ ! -f "$base/repo/.done" ]; then
	rm -rf "$base/repo"
	mkdir -p "$base/repo"
	(cd "$base/repo" && git init -q &&
		python3 - <<'PY'
import os
for d in range(50):
    os.makedirs("d%02d" % d)
    for f in range(100):
        with open("d%02d/f%03d.c" % (d, f), "w") as fh:
            fh.write("int f_%d_%d(void) { return %d; }\n" % (d, f, d * f) * 20)
PY
		git add -A && git commit -qm fixture && touch .done) || exit 1
fi
if [ ! -d "$base/in/the/tree/repo/.git" ]; then
	mkdir -p "$base/in/the/tree"
	git clone -q "$base/repo" "$base/in/the/tree/repo" || exit 1
fi
cat >"$base/files.py" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    p = os.path.join(root, "d%02d" % d)
    os.makedirs(p)
    for f in range(100):
        with open(os.path.join(p, "f%03d" % f), "w") as fh:
            fh.write("x")
PY
git -C "$src_root" archive HEAD >"$base/nono-src.tar" || exit 1
npm_ok=0
if [[ " $JOBS " == *" npm "* ]]; then
	if [ ! -f "$base/npmproj/.done" ] && command -v npm >/dev/null; then
		rm -rf "$base/npmproj"
		mkdir -p "$base/npmproj"
		(cd "$base/npmproj" &&
			printf '{"name":"bench","version":"1.0.0","private":true}\n' >package.json &&
			npm install --cache "$base/npm-cache" --no-audit --no-fund \
				--loglevel=error express@4.21.2 >/dev/null &&
			rm -rf node_modules && touch .done) || echo "bench-work: npm fixture failed; npm skipped" >&2
	fi
	[ -f "$base/npmproj/.done" ] && npm_ok=1
fi

# job NAME DIR: the command line for job NAME run in DIR (an empty dir).
job_cmd() {
	case "$1" in
	clone) echo "git clone -q $base/repo $2/c" ;;
	clonein) echo "git clone -q $base/in/the/tree/repo $2/c" ;;
	files) echo "python3 $base/files.py $2/t" ;;
	build) echo "sh -c 'cd $2 && tar xf $base/nono-src.tar && CC=gcc meson setup -Dwerror=false --buildtype=release b >/dev/null && ninja -C b >/dev/null'" ;;
	npm) echo "sh -c 'cp $base/npmproj/package.json $base/npmproj/package-lock.json $2/ && cd $2 && npm ci --offline --cache $base/npm-cache --no-audit --no-fund --loglevel=error >/dev/null'" ;;
	esac
}

# grants JOB DIR: the job's grants (clonein: the source in the writable one).
grants() {
	if [ "$1" = clonein ]; then
		echo "--allow $base --read $src_root"
	else
		echo "--allow $2 --read $base --read $src_root"
	fi
}

# one MODE JOB: seconds for one run (MODE bare, nono or old).
one() {
	local mode=$1 job=$2 d="$base/w/$1" cmd t0 t1 rc
	rm -rf "$d"
	mkdir -p "$d"
	sync
	cmd=$(job_cmd "$job" "$d")
	t0=$(date +%s.%N)
	case "$mode" in
	bare) (cd "$d" && eval "$cmd") ;;
	nono) (cd "$d" && eval "$NONO -s run $NONO_FLAGS $(grants "$job" "$d") -- $cmd") ;;
	old) (cd "$d" && eval "$OLD -s run $OLD_FLAGS $(grants "$job" "$d") -- $cmd") ;;
	esac
	rc=$?
	t1=$(date +%s.%N)
	[ $rc -eq 0 ] || { echo "bench-work: $job failed under $mode (exit $rc)" >&2; echo nan; return; }
	echo "$t1 - $t0" | bc
}

median() { python3 -c 'import sys,statistics as s; v=[float(x) for x in sys.argv[1:] if x!="nan"]; print("%.3f" % s.median(v) if v else "nan")' "$@"; }
ratio() { python3 -c 'import sys; a,b=sys.argv[1:]; print("%.2fx" % (float(a)/float(b)) if "nan" not in (a,b) else "-")' "$1" "$2"; }

modes="bare nono"
[ -n "$OLD" ] && modes="bare nono old"
printf '%-10s %9s %9s %8s' job bare nono nono/b
[ -n "$OLD" ] && printf ' %9s %8s' old old/b
printf '   (median of %s, seconds)\n' "$RUNS"
for job in $JOBS; do
	[ "$job" = npm ] && [ $npm_ok -eq 0 ] && continue
	declare -A got=()
	for _ in $(seq "$RUNS"); do
		for m in $modes; do
			got[$m]="${got[$m]:-} $(one "$m" "$job")"
		done
	done
	b=$(median ${got[bare]})
	n=$(median ${got[nono]})
	printf '%-10s %9s %9s %8s' "$job" "$b" "$n" "$(ratio "$n" "$b")"
	if [ -n "$OLD" ]; then
		o=$(median ${got[old]})
		printf ' %9s %8s' "$o" "$(ratio "$o" "$b")"
	fi
	printf '\n'
	unset got
done
rm -rf "$base/w"
echo "nono $("$NONO" --version 2>/dev/null | head -1), kernel $(uname -r), $(nproc) cores, $(date -u '+%F %T') UTC"
