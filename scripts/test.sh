#!/usr/bin/env bash
# Builds nono three times (the shipped static binary, linked with musl where
# it is installed; a dynamic glibc -O2 -D_FORTIFY_SOURCE=3 build; an
# ASan+UBSan build), all with -Werror, plus the fuzzers, and runs every
# suite: unit (cmocka) on the glibc builds; CLI (bats) on the shipped binary
# (as nobody when run as root) and on the other two as the current user;
# the fuzzers (corpus replay, fixed seeds); the format check.  Ends with one line
# "N passed, M failed" and exits non-zero if anything failed.
#   FUZZ_RUNS=100000 mutations per fuzz target and seed (0 skips fuzzing)
#   FUZZ_SEEDS="1 2"  the fixed seeds
#   NONO_TEST_STRICT=1  tests that would skip (no userns...) fail instead
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD
FUZZ_RUNS=${FUZZ_RUNS:-100000}
FUZZ_SEEDS=${FUZZ_SEEDS:-1 2}
logdir=$root/build-logs
mkdir -p "$logdir"
pass=0
fail=0
skipped=0

note() { printf '== %s\n' "$*"; }

# Counts the TAP lines of a finished log: "ok" and "not ok"; skips are
# reported but counted as passed only when not in strict mode.
count_tap() {
	local log=$1 p f s
	p=$(grep -cE '^ok ' "$log")
	f=$(grep -cE '^not ok ' "$log")
	s=$(grep -cE '^ok .*# (skip|SKIP)' "$log")
	pass=$((pass + p))
	fail=$((fail + f))
	skipped=$((skipped + s))
	printf '   %d ok, %d not ok (%d skipped)\n' "$p" "$f" "$s"
	[ "$f" -eq 0 ] || grep -E '^not ok ' "$log" | sed 's/^/   /'
}

# One pass/fail for a step that is not TAP (a build, a format check).
step() {
	local name=$1
	shift
	if "$@" >"$logdir/$name.log" 2>&1; then
		pass=$((pass + 1))
		printf '   %s: ok\n' "$name"
	else
		fail=$((fail + 1))
		printf '   %s: FAILED (log: %s)\n' "$name" "$logdir/$name.log"
		tail -n 20 "$logdir/$name.log" | sed 's/^/   | /'
		return 1
	fi
}

run_unit() { # build-dir label
	local b=$1 label=$2 t
	note "unit tests ($label)"
	: >"$logdir/unit-$label.tap"
	for t in "$b"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$t" \
			>>"$logdir/unit-$label.tap" 2>&1 ||
			grep -q '^not ok' "$logdir/unit-$label.tap" ||
			echo "not ok - $(basename "$t") crashed or timed out" \
				>>"$logdir/unit-$label.tap"
	done
	count_tap "$logdir/unit-$label.tap"
}

# The CLI suite needs a scratch directory outside /tmp, /var/tmp and
# /dev/shm: nono grants those by default, so denial tests there mean nothing.
if [ "$(id -u)" -eq 0 ]; then
	scratch=${NONO_TEST_SCRATCH:-/var/lib/nono-tests}
else
	scratch=${NONO_TEST_SCRATCH:-${XDG_CACHE_HOME:-$HOME/.cache}/nono-tests}
fi
mkdir -p "$scratch" && chmod 1777 "$scratch" 2>/dev/null

# The real agents for the built-in profiles' tests (npm; once per machine).
if [ "$(id -u)" -eq 0 ]; then
	agents=${NONO_TEST_AGENTS:-/var/lib/nono-agents}
else
	agents=${NONO_TEST_AGENTS:-${XDG_CACHE_HOME:-$HOME/.cache}/nono-agents}
fi
export NONO_TEST_AGENTS=$agents

run_cli() { # nono-binary label [as-nobody]
	local bin=$1 label=$2
	note "CLI tests ($label)"
	if [ "${3:-}" = nobody ]; then
		local copy="$scratch/nono-$label"
		install -m 0755 "$bin" "$copy"
		# The helpers (TLS, keystore, signing) are looked for next to the
		# binary.
		[ -x "$(dirname "$bin")/nono-tls" ] &&
			install -m 0755 "$(dirname "$bin")/nono-tls" "$scratch/nono-tls"
		[ -x "$(dirname "$bin")/nono-keystore" ] &&
			install -m 0755 "$(dirname "$bin")/nono-keystore" \
				"$scratch/nono-keystore"
		[ -x "$(dirname "$bin")/nono-sign" ] &&
			install -m 0755 "$(dirname "$bin")/nono-sign" \
				"$scratch/nono-sign"
		chmod -R a+rX "$root/tests/cli"
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env -u XDG_CONFIG_HOME HOME="$scratch" \
			NONO_BIN="$copy" NONO_TEST_SCRATCH="$scratch" \
			NONO_TEST_AGENTS="$agents" \
			NONO_TEST_STRICT="${NONO_TEST_STRICT:-}" \
			bats --tap "$root/tests/cli" >"$logdir/cli-$label.tap" 2>&1
	else
		NONO_BIN="$bin" NONO_TEST_SCRATCH="$scratch" \
			bats --tap "$root/tests/cli" >"$logdir/cli-$label.tap" 2>&1
	fi
	count_tap "$logdir/cli-$label.tap"
}

note "dependencies"
scripts/deps.sh || echo "   (could not install dependencies; continuing)"

note "agents for the profile tests (npm, pinned; cached in $agents)"
if scripts/agents.sh "$agents" >"$logdir/agents.log" 2>&1; then
	echo "   installed"
else
	echo "   could not install them (log: $logdir/agents.log): their tests skip, or fail under NONO_TEST_STRICT"
fi

note "build (release, -O2 -D_FORTIFY_SOURCE=2 -Werror, static; musl if installed)"
step setup-release scripts/setup-build.sh build &&
	step build-release ninja -C build || true

note "build (ASan+UBSan, no recover)"
[ -f build-asan/build.ninja ] ||
	meson setup build-asan --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all \
		-Dwerror=true >/dev/null
step build-asan ninja -C build-asan || true

note "build (glibc, dynamic, -O2 -D_FORTIFY_SOURCE=3 -Werror)"
[ -f build-fortify/build.ninja ] ||
	meson setup build-fortify --buildtype=debugoptimized -Dstatic=false \
		-Dfortify=3 -Dwerror=true >/dev/null
step build-fortify ninja -C build-fortify || true

note "install (meson install to a prefix and a DESTDIR, ninja uninstall)"
step install scripts/check-install.sh || true

note "format (clang-format --dry-run --Werror)"
step format sh -c 'find src include tests/unit fuzz -name "*.[ch]" -print0 |
	xargs -0 clang-format --dry-run --Werror' || true

# Three CLI runs keep the suite short: the shipped binary as users run it
# (as nobody when the suite runs as root), the FORTIFY glibc build and the
# ASan build as the current user (root in CI).
if [ -x build/nono ]; then
	# A musl build has no cmocka: its unit tests run in the other builds.
	ls build/tests/test_* >/dev/null 2>&1 && run_unit build release
	if [ "$(id -u)" -eq 0 ]; then
		run_cli "$root/build/nono" nobody nobody
	else
		run_cli "$root/build/nono" user
	fi
fi
if [ -x build-fortify/nono ]; then
	run_unit build-fortify fortify
	run_cli "$root/build-fortify/nono" fortify
fi
if [ -x build-asan/nono ]; then
	export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:verify_asan_link_order=0
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	run_unit build-asan asan
	run_cli "$root/build-asan/nono" asan-root
	unset ASAN_OPTIONS UBSAN_OPTIONS
fi

# Nothing random decides a run: each target replays its checked-in corpus
# (every crash ever found is in it as a regression input), then makes a
# fixed number of mutations from fixed seeds.  Open-ended fuzzing is
# bench/fuzz-long.sh.
if [ "$FUZZ_RUNS" -gt 0 ] && command -v clang-14 >/dev/null; then
	note "fuzz: corpus replay, then ${FUZZ_RUNS} runs from seeds $FUZZ_SEEDS"
	[ -f build-fuzz/build.ninja ] ||
		CC=clang-14 meson setup build-fuzz -Dfuzz=true --buildtype=debug \
			-Db_sanitize=address,undefined -Db_lundef=false \
			-Dc_args=-fsanitize=fuzzer-no-link -Dwerror=true >/dev/null
	if step build-fuzz ninja -C build-fuzz; then
		for f in build-fuzz/fuzz/fuzz_*; do
			[ -f "$f" ] && [ -x "$f" ] || continue
			name=${f##*/fuzz_}
			step "fuzz-$name-corpus" "$f" -runs=0 -timeout=10 \
				-rss_limit_mb=1024 "fuzz/corpus/$name" || true
			for seed in $FUZZ_SEEDS; do
				work=$(mktemp -d)
				cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null
				step "fuzz-$name-seed$seed" "$f" -seed="$seed" \
					-runs="$FUZZ_RUNS" -timeout=10 \
					-rss_limit_mb=1024 -artifact_prefix="$work/" \
					"$work" || true
				rm -rf "$work"
			done
		done
	fi
fi

echo
[ "$skipped" -gt 0 ] && echo "($skipped skipped: see $logdir)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
