#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 12: git works in a plain run.  git's user-level configuration
# (~/.gitconfig, ~/.config/git) is readable, never writable, in every run:
# without it git stops ("unknown error occurred while reading the
# configuration files") and a commit has no identity.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	command -v git >/dev/null || skip "git is not installed"
	git_identity
	mkdir -p "$HOME/.config/git"
	echo '*.log' >"$HOME/.config/git/ignore"
	mkdir -p "$TEST_ROOT/src" "$TEST_ROOT/work"
	(cd "$TEST_ROOT/src" && git init -q && echo one >f && git add f &&
		git commit -qm one)
	cd "$TEST_ROOT/work" || return 1
}

teardown() {
	nono_teardown
}

# A clone makes a new repository, whose hooks and config would run outside
# the sandbox later: that takes --allow-new-repos (issue 10, docs/security.md
# "Persistence files"), and the footer says so.
@test "git: status, commit, log and clone under a plain --allow . with a ~/.gitconfig" {
	run --separate-stderr nono run --allow . --read "$TEST_ROOT/src" -- git clone -q "$TEST_ROOT/src" repo
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" "--allow-new-repos" stderr
	rm -rf repo
	run --separate-stderr nono run -s --allow . --read "$TEST_ROOT/src" --allow-new-repos -- git clone -q "$TEST_ROOT/src" repo
	assert_status 0
	cd repo || return 1
	echo noise >x.log
	run --separate-stderr nono run -s --allow . -- git status --porcelain
	assert_status 0
	# ~/.config/git/ignore was read: x.log is ignored
	[ -z "$output" ] || { show_run; false; }
	run --separate-stderr nono run -s --allow . -- sh -c 'echo two >>f && git commit -qam two && git log --format="%an %s"'
	assert_status 0
	assert_contains "$output" "t two" stdout
	assert_contains "$output" "t one" stdout
}

@test "git: the user's git configuration is never writable from inside" {
	local before
	before=$(cat "$HOME/.gitconfig")
	run --separate-stderr nono run -s --allow . -- sh -c '
		git config --global user.name evil 2>/dev/null && echo config:written || echo config:refused
		echo x >>"$HOME/.config/git/ignore" 2>/dev/null && echo ignore:written || echo ignore:refused
		cat "$HOME/.gitconfig" >/dev/null && echo config:readable'
	assert_status 0
	assert_contains "$output" "config:refused" stdout
	assert_contains "$output" "ignore:refused" stdout
	assert_contains "$output" "config:readable" stdout
	[ "$(cat "$HOME/.gitconfig")" = "$before" ]
	assert_file_content "$HOME/.config/git/ignore" '*.log'
}
