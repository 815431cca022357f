#!/usr/bin/env bash
# Start-up overhead of nono, side by side with bare `true` and bubblewrap.
#
# Every row is timed in ONE hyperfine run (-N, no shell), so all rows share the
# same machine state; the table reports medians.
#
#   bench/bench-startup.sh                      # RUNS=50 WARMUP=5
#   RUNS=30 bench/bench-startup.sh | tee bench/results/startup.txt
#
# Environment:
#   NONO_BIN   nono binary (default: <repo>/build/nono). It is copied to
#              $BENCH_DIR/bin/nono first, so a concurrent rebuild cannot swap
#              the binary in the middle of a run.
#   BENCH_DIR  fixture folder (default /var/lib/nono-bench). Must NOT be under
#              /tmp, /var/tmp or /dev/shm: nono grants those by default, which
#              would hide the cost of the grants being measured.
#   RUNS       hyperfine runs per command (default 50)
#   WARMUP     hyperfine warm-up runs (default 5)
#   ROUNDS     repeat the whole side-by-side hyperfine run this many times,
#              rotating the order of the rows each round; medians are taken over
#              the pooled samples of all rounds (default 1). Helps on noisy VMs,
#              where hyperfine's "all runs of A, then all runs of B" order lets a
#              transient slow-down land on one row only.
#   GRANTS     number of --read grants in the "200 grants" row (default 200)
#   TREE_DIRS, TREE_FILES  shape of the big tree (default 100 x 1000 files)
#   NO_VERIFY=1  skip the strace checks printed after the table
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

NONO_BIN="${NONO_BIN:-$repo/build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
RUNS="${RUNS:-50}"
WARMUP="${WARMUP:-5}"
ROUNDS="${ROUNDS:-1}"
GRANTS="${GRANTS:-200}"
TREE_DIRS="${TREE_DIRS:-100}"
TREE_FILES="${TREE_FILES:-1000}"

die() { echo "bench-startup: $*" >&2; exit 1; }

# --- prerequisites -----------------------------------------------------------
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v bwrap >/dev/null || missing+=(bubblewrap)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    die "could not install ${missing[*]}"
  fi
fi
command -v python3 >/dev/null || die "python3 is needed"
[ -x "$NONO_BIN" ] || die "no nono binary at $NONO_BIN (build it: ninja -C build, or set NONO_BIN)"

# --- fixture -----------------------------------------------------------------
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd -P)"
case "$BENCH_DIR/" in
  /tmp/*|/var/tmp/*|/dev/shm/*) die "BENCH_DIR=$BENCH_DIR is under a path nono grants by default; pick another" ;;
esac

PLAIN="$BENCH_DIR/plain"            # cwd of the run: no .git, nothing protected
REPO="$BENCH_DIR/repo"              # has .git/hooks and .git/config -> mount namespace
FAKE_HOME="$BENCH_DIR/home"         # HOME for every row (so the real ~ is never read)
GRANT_ROOT="$BENCH_DIR/grants"      # $GRANTS sibling directories
TREE="$BENCH_DIR/bigtree"           # TREE_DIRS x TREE_FILES empty files
BIN="$BENCH_DIR/bin"

mkdir -p "$PLAIN" "$REPO/.git/hooks" "$FAKE_HOME/.ssh" "$GRANT_ROOT" "$BIN"
[ -f "$REPO/.git/config" ] || printf '[core]\n\tbare = false\n' > "$REPO/.git/config"
[ -f "$FAKE_HOME/.ssh/id_rsa" ] || echo FAKE-SSH-KEY > "$FAKE_HOME/.ssh/id_rsa"
for ((i = 0; i < GRANTS; i++)); do printf -v d '%s/g%03d' "$GRANT_ROOT" "$i"; [ -d "$d" ] || mkdir "$d"; done

tree_marker="$TREE/.complete-${TREE_DIRS}x${TREE_FILES}"
if [ ! -f "$tree_marker" ]; then
  echo "creating $TREE ($TREE_DIRS x $TREE_FILES files, once)..." >&2
  rm -rf "$TREE"
  python3 - "$TREE" "$TREE_DIRS" "$TREE_FILES" <<'EOF' || die "cannot create $TREE"
import os, sys
root, nd, nf = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for d in range(nd):
    p = os.path.join(root, f"d{d:03d}")
    os.makedirs(p)
    for f in range(nf):
        os.close(os.open(os.path.join(p, f"f{f:04d}"), os.O_CREAT | os.O_WRONLY, 0o644))
EOF
  touch "$tree_marker"
fi
tree_count="$(find "$TREE" -type f ! -name '.complete-*' | wc -l)"

# Snapshot the binary so a rebuild during the run cannot change what is timed.
if ! { cp -f "$NONO_BIN" "$BIN/nono.new" && mv -f "$BIN/nono.new" "$BIN/nono"; }; then
  die "cannot copy $NONO_BIN"
fi
NONO="$BIN/nono"

export HOME="$FAKE_HOME"
cd "$PLAIN" || die "cannot cd to $PLAIN"

# --- rows ----------------------------------------------------------------------
# name|kind|command   (kind: base, bwrap-min, bwrap, nono; commands are split on
# spaces by hyperfine -N, so no path here may contain a space)
grant_args=""
for ((i = 0; i < GRANTS; i++)); do printf -v d '%s/g%03d' "$GRANT_ROOT" "$i"; grant_args+=" --read $d"; done

rows=(
  "true|base|true"
  "nono run (landlock+seccomp)|nono|$NONO -s run --allow-cwd -- true"
  "nono wrap (no supervisor)|nono|$NONO -s wrap --allow-cwd -- true"
  "nono run + mount ns (.git)|nono|$NONO -s run --allow-cwd --allow $REPO -- true"
  "nono run, $GRANTS --read|nono|$NONO -s run --allow-cwd$grant_args -- true"
  "nono run, --allow ${tree_count}-file tree|nono|$NONO -s run --allow-cwd --allow $TREE -- true"
  "nono run --profile claude-code|nono|$NONO -s run --profile claude-code --allow-cwd -- true"
  "bwrap-min|bwrap-min|bwrap --ro-bind / / true"
  "bwrap-full|bwrap|bwrap --ro-bind / / --dev /dev --proc /proc --bind $PLAIN $PLAIN --bind $REPO $REPO --tmpfs $FAKE_HOME/.ssh --unshare-all --die-with-parent true"
)
# Row 4 in words: the same as `cd $REPO && nono run --allow . -- true` (a writable
# grant whose root holds .git/hooks and .git/config, so nono masks them read-only
# in a private mount namespace). hyperfine has no per-command cwd, so the grant
# is named by path from $PLAIN, and --allow-cwd covers $PLAIN as in row 2.

# Fail early, with nono's own message, if a command does not run.
for row in "${rows[@]}"; do
  name="${row%%|*}"; rest="${row#*|}"; cmd="${rest#*|}"
  # shellcheck disable=SC2086
  if ! out="$($cmd 2>&1)"; then
    # retry without -s so the reason is visible
    # shellcheck disable=SC2086
    die "row '$name' fails: $cmd: ${out:-$(${cmd/ -s / } 2>&1 | tail -3)}"
  fi
done

tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

echo "# nono start-up benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "# kernel:  $(uname -r)"
echo "# cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) CPUs)"
echo "# nono:    $("$NONO" --version 2>&1 | head -1)  (from $NONO_BIN, git $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo '+dirty'))"
echo "# bwrap:   $(bwrap --version 2>&1 | head -1); hyperfine: $(hyperfine --version | head -1)"
echo "# runs=$RUNS warmup=$WARMUP rounds=$ROUNDS, fixture $BENCH_DIR, HOME=$HOME, cwd=$PLAIN"
echo

nrows=${#rows[@]}
for ((round = 0; round < ROUNDS; round++)); do
  hf_args=(-N -w "$WARMUP" -r "$RUNS" --style basic --export-json "$tmp/hf.$round.json")
  for ((j = 0; j < nrows; j++)); do
    row="${rows[$(((j + round) % nrows))]}"   # rotate the order each round
    name="${row%%|*}"; rest="${row#*|}"; cmd="${rest#*|}"
    hf_args+=(-n "$name" "$cmd")
  done
  if ! hyperfine "${hf_args[@]}" >"$tmp/hf.log" 2>&1; then
    cat "$tmp/hf.log" >&2
    die "hyperfine failed (round $((round + 1)))"
  fi
done

python3 - "$tmp" "$ROUNDS" "${rows[@]}" <<'EOF'
import json, statistics, sys
tmp, rounds, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
names = [r.split("|")[0] for r in rows]
kinds = [r.split("|")[1] for r in rows]
times = {n: [] for n in names}      # pooled samples of all rounds, seconds
rmed = {n: [] for n in names}       # per-round medians, ms
for i in range(rounds):
    for r in json.load(open(f"{tmp}/hf.{i}.json"))["results"]:
        times[r["command"]] += r["times"]
        rmed[r["command"]].append(r["median"] * 1e3)
med = {n: statistics.median(times[n]) * 1e3 for n in names}
mn = {n: min(times[n]) * 1e3 for n in names}
base = med[names[kinds.index("base")]]
bmin = med[names[kinds.index("bwrap-min")]] if "bwrap-min" in kinds else None
spread = rounds > 1
hdr = (f"{'row':<36} {'median ms':>9} {'min ms':>7} {'+ms vs true':>11} {'x true':>7}"
       f" {'x bwrap-min':>11} {'+ms vs bwrap-min':>16}" + ("  round medians" if spread else ""))
print(hdr)
print("-" * len(hdr))
for n, k in zip(names, kinds):
    m = med[n]
    vb = f"{m / bmin:11.2f}" if (k == "nono" and bmin) else f"{'':>11}"
    ab = f"{m - bmin:16.2f}" if (k == "nono" and bmin) else f"{'':>16}"
    extra = ("  " + " ".join(f"{x:.2f}" for x in rmed[n])) if spread else ""
    print(f"{n:<36} {m:9.2f} {mn[n]:7.2f} {m - base:11.2f} {m / base:7.2f} {vb} {ab}{extra}")
EOF
echo
echo "commands (the ${GRANTS} --read args are abbreviated):"
for row in "${rows[@]}"; do
  name="${row%%|*}"; rest="${row#*|}"; cmd="${rest#*|}"
  if [ "${#cmd}" -gt 200 ]; then cmd="${cmd:0:150} ... ${cmd: -40}"; fi
  echo "  $name: $cmd"
done

# --- checks: namespace only in row 4, no walk of the big tree ------------------
if [ -z "${NO_VERIFY:-}" ] && command -v strace >/dev/null; then
  echo
  echo "checks (strace -f, one run each):"
  count() { # count SYSCALL-regex CMD...
    local re="$1"; shift
    strace -f -qq -e trace=all -o "$tmp/st" "$@" >/dev/null 2>&1
    grep -cE "$re" "$tmp/st"
  }
  # shellcheck disable=SC2086
  {
    printf '  %-40s unshare(): %s  total syscalls: %s\n' "nono run --allow-cwd" \
      "$(count '^[0-9]+ +unshare\(' $NONO -s run --allow-cwd -- true)" "$(wc -l <"$tmp/st")"
    printf '  %-40s unshare(): %s  total syscalls: %s\n' "nono run --allow-cwd --allow REPO" \
      "$(count '^[0-9]+ +unshare\(' $NONO -s run --allow-cwd --allow "$REPO" -- true)" "$(wc -l <"$tmp/st")"
    printf '  %-40s unshare(): %s  total syscalls: %s\n' "(cd REPO && nono run --allow .)" \
      "$(cd "$REPO" && count '^[0-9]+ +unshare\(' $NONO -s run --allow . -- true)" "$(wc -l <"$tmp/st")"
    printf '  %-40s getdents64(): %s  total syscalls: %s\n' "nono run --allow-cwd --allow TREE" \
      "$(count '^[0-9]+ +getdents64\(' $NONO -s run --allow-cwd --allow "$TREE" -- true)" "$(wc -l <"$tmp/st")"
    printf '  %-40s getdents64(): %s  total syscalls: %s\n' "nono run --allow-cwd (row 2)" \
      "$(count '^[0-9]+ +getdents64\(' $NONO -s run --allow-cwd -- true)" "$(wc -l <"$tmp/st")"
  }
fi
