#!/usr/bin/env bash
# Open-ended run of the gate's property test (tests/cli/lib/gate_property.py):
# random seeds, each a few hundred random operations among persistence
# names, then every persistence target tried and the host socket dialled.
# CI replays fixed seeds (tests/cli/escape_property.bats); a seed that fails
# here goes into that test's list.
#   SEEDS=200 OPS=400 bench/gate-property-long.sh
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
NONO="${NONO_BIN:-$repo/build/nono}"
SEEDS="${SEEDS:-100}"
OPS="${OPS:-400}"
work=$(mktemp -d /var/tmp/nono-prop.XXXXXX)
trap 'kill $srv 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/host"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"PONG"); c.close()' "$work/host/agent" &
srv=$!
failed=0
for ((i = 0; i < SEEDS; i++)); do
	seed=$((RANDOM * 32768 + RANDOM))
	rm -rf "$work/proj"
	mkdir -p "$work/proj/.git/hooks" "$work/proj/.git/objects" "$work/proj/.git/info" "$work/proj/sub"
	out=$(cd "$work/proj/sub" && timeout 60 "$NONO" run -s --no-diagnostics --allow .. \
		--read "$repo/tests/cli/lib" -- python3 "$repo/tests/cli/lib/gate_property.py" \
		"$seed" "$OPS" "$work/host/agent" .. 2>&1)
	if grep -qE 'PLANTED|REACHED' <<<"$out" || ! grep -q "done $seed" <<<"$out"; then
		echo "seed $seed FAILED:"
		sed 's/^/  /' <<<"$out"
		failed=$((failed + 1))
	fi
done
echo "gate property: $SEEDS seeds x $OPS operations, $failed failed"
[ "$failed" -eq 0 ]
