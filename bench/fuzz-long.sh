#!/usr/bin/env bash
# The libFuzzer targets for longer than the test command's smoke run: each
# for SECONDS_PER seconds (default 300), from its corpus, on every core but one.  Prints
# one line per target with the runs it made, and exits non-zero if one
# found a crash (its reproducer is left in build-logs/fuzz-long/).
#   bench/fuzz-long.sh [TARGET...]      e.g. bench/fuzz-long.sh http json
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
SECONDS_PER=${SECONDS_PER:-300}
out=build-logs/fuzz-long
mkdir -p "$out"
[ -f build-fuzz/build.ninja ] ||
	CC=clang-14 meson setup build-fuzz -Dfuzz=true --buildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link >/dev/null
ninja -C build-fuzz >/dev/null || exit 1
jobs=$(($(nproc) > 1 ? $(nproc) - 1 : 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls build-fuzz/fuzz/ | grep -v '\.p$' | sed -n 's/^fuzz_//p'))
bad=0
for t in "${targets[@]}"; do
	work=$(mktemp -d)
	cp -r "fuzz/corpus/$t/." "$work/" 2>/dev/null
	if build-fuzz/fuzz/fuzz_"$t" -max_total_time="$SECONDS_PER" -fork="$jobs" \
		-artifact_prefix="$out/$t-" "$work" >"$out/$t.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$t.log" | awk '{s+=$2} END {print s+0}')
		[ "$runs" -gt 0 ] || runs=$(grep -oE '#[0-9]+' "$out/$t.log" | tail -n 1 | tr -d '#')
		printf '%-12s ok    %s s, %s runs\n' "$t" "$SECONDS_PER" "${runs:-?}"
	else
		printf '%-12s CRASH (see %s)\n' "$t" "$out/$t.log"
		bad=1
	fi
	rm -rf "$work"
done
exit $bad
