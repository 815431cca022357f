#!/usr/bin/env bash
# How long `nono why` takes to answer (the target is under 5 ms), side by
# side with bare `true` in one hyperfine run: a protected path and a host
# under the claude-code profile, and a path under plain flags.
#   bench/bench-why.sh | tee bench/results/why.txt
# NONO_BIN (default build/nono), BENCH_DIR (default /var/lib/nono-bench;
# its home/ is the HOME of every row), RUNS (default 100).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NONO_BIN="${NONO_BIN:-$here/../build/nono}"
BENCH_DIR="${BENCH_DIR:-/var/lib/nono-bench}"
RUNS="${RUNS:-100}"
command -v hyperfine >/dev/null || { echo "bench-why: install hyperfine" >&2; exit 1; }
mkdir -p "$BENCH_DIR/home/.ssh" "$BENCH_DIR/plain"
echo FAKE >"$BENCH_DIR/home/.ssh/id_rsa"
export HOME="$BENCH_DIR/home"
cd "$BENCH_DIR/plain"
json=$(mktemp)
hyperfine -N -w 10 -r "$RUNS" --export-json "$json" \
	"true" \
	"$NONO_BIN why --path $HOME/.ssh/id_rsa --op read --profile claude-code" \
	"$NONO_BIN why --host https://api.openai.com/v1/chat --profile claude-code" \
	"$NONO_BIN why --path $BENCH_DIR/plain/out --op write --allow $BENCH_DIR/plain" \
	>/dev/null 2>&1
python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
print(f"# nono why, medians of {len(r[0]['times'])} runs (hyperfine -N)")
print(f"{'command':<78} {'median ms':>9} {'+ms vs true':>11}")
for x in r:
    cmd = x["command"].split("/nono ")[-1] if "nono" in x["command"] else x["command"]
    print(f"{cmd[:78]:<78} {x['median']*1e3:9.2f} {(x['median']-base)*1e3:11.2f}")
PY
rm -f "$json"
