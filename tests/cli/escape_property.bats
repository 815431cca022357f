#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10: a property test of the gate's decisions.  Fixed seeds (nothing
# random gates CI): each runs a few hundred random create / rename /
# exchange / link / symlink / unlink / bind operations among persistence
# names in a repository at the grant root and below it, then tries to plant
# every persistence target and to reach a host socket.  No sequence may end
# with one planted or the socket reached.  More seeds: bench/fuzz-long.sh.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_userns
}

teardown() {
	nono_teardown
}

@test "gate property: no sequence of operations plants a persistence file or reaches a host socket" {
	local seed host
	mkdir -p "$TEST_ROOT/host"
	host="$TEST_ROOT/host/agent"
	start_unix_server "$host"
	for seed in 1 2 3 4 5 6; do
		rm -rf proj
		mkdir -p proj/.git/hooks proj/.git/objects proj/.git/info proj/sub
		echo HOOK >proj/.git/hooks/post-checkout
		echo CONFIG >proj/.git/config
		(
			# started in sub/: the repository at the grant root and the
			# working directory's chain are what nono guards (a new
			# directory elsewhere is escape 13's open part)
			cd proj/sub
			run --separate-stderr nono run -s --no-diagnostics --allow .. \
				--read "$BATS_TEST_DIRNAME/lib" -- \
				"$PY" "$BATS_TEST_DIRNAME/lib/gate_property.py" "$seed" 300 "$host" ..
			cd ..
			assert_status 0
			assert_contains "$output" "done $seed" stdout
			refute_contains "$output" "PLANTED" "stdout (seed $seed)"
			refute_contains "$output" "REACHED" "stdout (seed $seed)"
			assert_file_content .git/hooks/post-checkout HOOK
			assert_file_content .git/config CONFIG
			assert_missing .envrc
			assert_missing .git/commondir
			assert_missing .git/info/attributes
		)
	done
	# control: the same sequence outside nono plants them
	rm -rf proj
	mkdir -p proj/.git/hooks proj/.git/info proj/sub
	(cd proj && "$PY" "$BATS_TEST_DIRNAME/lib/gate_property.py" 1 300 "$host" >../out.txt)
	grep -q PLANTED out.txt
}
