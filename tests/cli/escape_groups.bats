#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 12's attacker review: what a sandbox that could write in the home
# (--allow ~, --allow ~/.cache) plants there must not widen a later run.
# The policy groups' "~/" entries (git_config, node, user_tools) are the
# user's home, not the system: a directory is granted only where it is,
# with no link on the way; a file only as a regular file of the user's in
# the home that is not protected.  Package managers' code stays read-only.
# Each attack fails on 5bbb079; each has a control.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	mkdir -p "$HOME/.ssh" proj
	echo FAKE-SSH-KEY >"$HOME/.ssh/id_rsa"
	cd proj || return 1
}

teardown() {
	nono_teardown
}

@test "groups: a planted ~/.gitignore_global link does not open the home or a key" {
	ln -s . "$HOME/.gitignore_global"
	run --separate-stderr nono run -s --allow-cwd -- cat "$HOME/.ssh/id_rsa"
	[ "$status" -ne 0 ] || { show_run; false; }
	refute_contains "$output" FAKE-SSH-KEY stdout
	rm "$HOME/.gitignore_global"
	ln -s .ssh/id_rsa "$HOME/.gitignore_global"
	run --separate-stderr nono run -s --allow-cwd -- cat "$HOME/.gitignore_global"
	[ "$status" -ne 0 ] || { show_run; false; }
	refute_contains "$output" FAKE-SSH-KEY stdout
	# control: a dotfile manager's link to a file in the home is read
	rm "$HOME/.gitignore_global"
	mkdir -p "$HOME/dotfiles"
	echo '[user]' >"$HOME/dotfiles/gitconfig"
	ln -s dotfiles/gitconfig "$HOME/.gitconfig"
	run --separate-stderr nono run -s --allow-cwd -- cat "$HOME/.gitconfig"
	assert_status 0
	assert_contains "$output" "[user]" stdout
}

@test "groups: a group directory made a link (or a path too long to resolve) grants nothing" {
	mkdir -p "$HOME/.cache"
	# what a sandbox with --allow ~/.cache can make: a link whose full
	# path is longer than PATH_MAX, which the kernel still follows
	"$PY" -c '
import os, sys
c = sys.argv[1]
os.symlink("./" * 1000 + "../.ssh", c + "/.d1")
os.symlink(".d1/" + "./" * 2000, c + "/pnpm")' "$HOME/.cache"
	run --separate-stderr nono run -s --profile claude-code --allow-cwd -- sh -c \
		'cat "$HOME/.ssh/id_rsa"; echo evil >>"$HOME/.ssh/authorized_keys" && echo WROTE'
	refute_contains "$output" FAKE-SSH-KEY stdout
	refute_contains "$output" WROTE stdout
	assert_missing "$HOME/.ssh/authorized_keys"
	# a plain link to .ssh: skipped, and the run still starts
	ln -s .ssh "$HOME/.npm"
	run --separate-stderr nono run -s --profile claude-code --allow-cwd -- sh -c 'cat "$HOME/.ssh/id_rsa" 2>/dev/null || echo refused'
	assert_status 0
	assert_contains "$output" refused stdout
	# control: the real directory is granted
	rm "$HOME/.npm"
	mkdir "$HOME/.npm"
	run --separate-stderr nono run -s --profile claude-code --allow-cwd -- sh -c 'echo x >"$HOME/.npm/f" && echo cached'
	assert_status 0
	assert_contains "$output" cached stdout
}

@test "groups: git's XDG credential store stays hidden; its config files are read" {
	mkdir -p "$HOME/.config/git"
	echo 'https://user:TOKEN@example.com' >"$HOME/.config/git/credentials"
	echo '*.log' >"$HOME/.config/git/ignore"
	run --separate-stderr nono run -s --allow-cwd -- cat "$HOME/.config/git/credentials"
	[ "$status" -ne 0 ] || { show_run; false; }
	refute_contains "$output" TOKEN stdout
	run --separate-stderr nono run -s --allow "$HOME" -- cat "$HOME/.config/git/credentials"
	refute_contains "$output" TOKEN stdout
	# control
	run --separate-stderr nono run -s --allow-cwd -- cat "$HOME/.config/git/ignore"
	assert_status 0
	assert_contains "$output" "*.log" stdout
}

@test "groups: package managers' code is read-only (pnpm store, corepack, yarn bin, npm prefix etc)" {
	mkdir -p "$HOME/.local/share/pnpm/store/v10/files/ab" "$HOME/.local/share/pnpm/global/5/node_modules/pkg" \
		"$HOME/.cache/node/corepack/pnpm/9" "$HOME/.yarn/bin" "$HOME/.npm-global/etc" "$HOME/.npm-global/bin"
	echo 'module.exports = 1' >"$HOME/.local/share/pnpm/store/v10/files/ab/cdef"
	ln "$HOME/.local/share/pnpm/store/v10/files/ab/cdef" "$HOME/.local/share/pnpm/global/5/node_modules/pkg/index.js"
	echo 'run()' >"$HOME/.cache/node/corepack/pnpm/9/pnpm.js"
	echo '#!/bin/sh' >"$HOME/.yarn/bin/tool"
	echo '//registry.npmjs.org/:_authToken=NPMTOKEN' >"$HOME/.npm-global/etc/npmrc"
	echo '#!/bin/sh' >"$HOME/.npm-global/bin/tool"
	run --separate-stderr nono run -s --profile claude-code --allow-cwd -- sh -c '
		for f in .local/share/pnpm/store/v10/files/ab/cdef .cache/node/corepack/pnpm/9/pnpm.js .yarn/bin/tool .npm-global/bin/tool; do
			echo evil >>"$HOME/$f" 2>/dev/null && echo "$f:written" || echo "$f:refused"
		done
		cat "$HOME/.npm-global/etc/npmrc" 2>/dev/null || echo npmrc:refused
		cat "$HOME/.local/share/pnpm/global/5/node_modules/pkg/index.js" >/dev/null && echo pnpm:readable'
	assert_status 0
	refute_contains "$output" ":written" stdout
	assert_contains "$output" "npmrc:refused" stdout
	refute_contains "$output" NPMTOKEN stdout
	assert_contains "$output" "pnpm:readable" stdout
	assert_file_content "$HOME/.local/share/pnpm/global/5/node_modules/pkg/index.js" 'module.exports = 1'
}

@test "groups: nono's configuration under a custom XDG_CONFIG_HOME cannot be renamed away and replaced" {
	mkdir -p "$HOME/dot/config/nono/profiles"
	XDG_CONFIG_HOME=$HOME/dot/config run --separate-stderr nono run -s --allow-cwd --allow "$HOME" -- sh -c \
		'mv "$HOME/dot" "$HOME/dot.old" 2>/dev/null && echo moved || echo refused
		mv "$HOME/dot/config" "$HOME/dot/c2" 2>/dev/null && echo moved2 || echo refused2'
	assert_status 0
	assert_contains "$output" refused stdout
	assert_contains "$output" refused2 stdout
	[ -d "$HOME/dot/config/nono/profiles" ]
	# control: a sibling directory is the sandbox's to rename
	mkdir -p "$HOME/other"
	XDG_CONFIG_HOME=$HOME/dot/config run --separate-stderr nono run -s --allow-cwd --allow "$HOME" -- sh -c \
		'mv "$HOME/other" "$HOME/other2" && echo moved'
	assert_contains "$output" moved stdout
}

# A profile's writable state directory turned into a link (by a sandbox
# that could write in the home) would hand the next run any directory of
# the user's to delete from: refused, with the flag for those who mean it.
@test "groups: a profile's writable grant that became a link is refused" {
	mkdir -p "$HOME/Documents"
	echo precious >"$HOME/Documents/thesis"
	ln -s "$HOME/Documents" "$HOME/.claude"
	run --separate-stderr nono run -s --profile claude-code --allow-cwd -- sh -c 'rm -f "$HOME/.claude/thesis"'
	assert_nono_error "is a link to $HOME/Documents; a profile grants the place it names"
	assert_contains "$stderr" "grant $HOME/Documents with --allow" stderr
	assert_file_content "$HOME/Documents/thesis" precious
	# control: the real directory is the profile's
	rm "$HOME/.claude"
	run --separate-stderr nono run -s --profile claude-code --allow-cwd -- sh -c 'echo x >"$HOME/.claude/f" && echo ok'
	assert_status 0
	assert_contains "$output" ok stdout
}
