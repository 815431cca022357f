#!/usr/bin/env bats
# shellcheck disable=SC2154  # bats sets $stderr
# nono setup: the system check with its real test sandbox, example profiles,
# shell integration.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
}

teardown() {
	nono_teardown
}

@test "setup: --check-only reports each feature, runs a test sandbox and writes nothing" {
	run --separate-stderr nono setup --check-only
	assert_status 0
	for line in "Landlock" "seccomp filters" "seccomp user notification" "user namespaces" "test sandbox" "nono is ready"; do
		assert_contains "$output" "$line" stdout
	done
	assert_contains "$output" "a granted path opened; / was refused" stdout
	assert_missing "$HOME/.config"

	# An older Landlock ABI is reported feature by feature (the test knob
	# only lowers the ABI).
	NONO_LANDLOCK_ABI=3 run --separate-stderr nono setup --check-only
	assert_status 0
	assert_contains "$output" "ABI 3" stdout
	assert_contains "$output" "needs ABI 4: --open-port unavailable" stdout
	assert_contains "$output" "needs ABI 6" stdout
}

@test "setup: --profiles writes valid example profiles and never overwrites one" {
	run --separate-stderr nono setup --profiles
	assert_status 0
	for p in example-agent example-readonly; do
		[ -f "$HOME/.config/nono/profiles/$p.json" ] || { show_run; false; }
		[ "$(stat -c %a "$HOME/.config/nono/profiles/$p.json")" = 600 ]
		run --separate-stderr nono profile validate "$p"
		assert_status 0
	done
	echo '{}' >"$HOME/.config/nono/profiles/example-agent.json"
	run --separate-stderr nono setup --profiles
	assert_status 0
	assert_contains "$output" "kept" stdout
	assert_file_content "$HOME/.config/nono/profiles/example-agent.json" '{}'

	run --separate-stderr nono setup --check-only --profiles
	assert_nono_error "--check-only creates no files"
	run --separate-stderr nono setup --bogus
	assert_nono_error "unknown option"
}

@test "setup: --shell-integration prints aliases for bash, zsh and fish and edits nothing" {
	run --separate-stderr nono setup --shell-integration
	assert_status 0
	assert_contains "$output" "alias nclaude='nono run --profile claude-code --allow-cwd -- claude'" stdout
	assert_contains "$output" "alias nclaude 'nono run" stdout
	assert_missing "$HOME/.bashrc"
}
