#!/usr/bin/env bash
# The pre-exec trust scan (issue 16: under 100 ms warm and under 1 s cold,
# as the ratio to the same run without a policy): a generated repository of
# 10,000 files in 500 directories with 100 instruction files, half signed
# one by one (sidecars), half in one .nono-trust.bundle.
#   bench/bench-trust.sh | tee bench/results/trust-issue16.txt
# NONO_BIN (default build/nono), BENCH_DIR (default /var/lib/nono-bench),
# RUNS (default 30). The cold rows drop the page cache (root only).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NONO_BIN="${NONO_BIN:-$here/../build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
RUNS="${RUNS:-30}"
command -v hyperfine >/dev/null || { echo "bench-trust: install hyperfine" >&2; exit 1; }
W="$BENCH_DIR/trust"
rm -rf "$W" && mkdir -p "$W/with/.config/nono" "$W/without" "$W/repo"
R="$W/repo"
python3 - "$R" <<'PY'
import os, sys, random
root = sys.argv[1]
rnd = random.Random(16)
names = ["CLAUDE.md", "AGENTS.md", "SKILLS.md"]
k = 0
for d in range(500):
    sub = os.path.join(root, "src", "m%03d" % (d // 25), "d%03d" % d)
    os.makedirs(sub, exist_ok=True)
    for f in range(20):
        with open(os.path.join(sub, "f%02d.c" % f), "w") as fh:
            fh.write("int f%d_%d(void) { return %d; }\n" % (d, f, rnd.randint(0, 1 << 30)) * rnd.randint(1, 40))
    if d % 5 == 0:
        with open(os.path.join(sub, names[k % 3]), "w") as fh:
            fh.write("# instructions %d\nBe careful with module %d.\n" % (k, d))
        k += 1
print(k, "instruction files")
PY
echo "repo: $(find "$R" -type f | wc -l) files, $(find "$R" -type d | wc -l) directories"
export HOME="$W/with"
K="file://$W/k.pem"
"$NONO_BIN" trust keygen --keyref "$K" >/dev/null
(cd "$HOME/.config/nono" && "$NONO_BIN" trust init --keyref "$K" >/dev/null)
cd "$R"
mapfile -t files < <(find . -name 'CLAUDE.md' -o -name 'AGENTS.md' -o -name 'SKILLS.md' | sed 's#^\./##' | sort)
half=$(( ${#files[@]} / 2 ))
for f in "${files[@]:0:$half}"; do "$NONO_BIN" trust sign "$f" --keyref "$K" >/dev/null; done
"$NONO_BIN" trust sign "${files[@]:$half}" --keyref "$K" >/dev/null
"$NONO_BIN" trust verify --all | tail -1
json=$(mktemp)
run_with="env HOME=$W/with $NONO_BIN run -s --no-audit --allow $R -- true"
run_without="env HOME=$W/without $NONO_BIN run -s --no-audit --allow $R -- true"
hyperfine -N -w 5 -r "$RUNS" --export-json "$json" "$run_without" "$run_with" >/dev/null 2>&1
python3 - "$json" "warm" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0]["median"], r[1]["median"]
print(f"{sys.argv[2]}: nono run -- true without a policy {a*1e3:.1f} ms, with the scan {b*1e3:.1f} ms: +{(b-a)*1e3:.1f} ms ({b/a:.2f}x), target +100 ms")
PY
if [ "$(id -u)" = 0 ]; then
	hyperfine -N -r 10 --prepare 'sh -c "sync; echo 3 > /proc/sys/vm/drop_caches"' --export-json "$json" \
		"$run_without" "$run_with" >/dev/null 2>&1
	python3 - "$json" "cold (page cache dropped before each run)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0]["median"], r[1]["median"]
print(f"{sys.argv[2]}: without {a*1e3:.1f} ms, with {b*1e3:.1f} ms: +{(b-a)*1e3:.1f} ms ({b/a:.2f}x), target +1000 ms")
PY
fi
rm -f "$json"
