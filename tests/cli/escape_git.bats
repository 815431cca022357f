#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, escape 2: only .git/hooks and .git/config were protected.
# .git/commondir moves git's config and hooks to a directory the sandbox
# owns, a submodule's .git/modules/*/config and hooks/ and a worktree's
# config.worktree were plain writable files, and "git status" outside then
# ran the sandbox's core.fsmonitor.  Inside a git directory only what git
# writes in normal use may be created now (an allow-list), and what makes
# git run a program stays read-only at every level.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_userns
	require_cmd git
	git_identity
	git config --global protocol.file.allow always
}

teardown() {
	nono_teardown
}

# A repository at the grant root with a submodule and a linked worktree.
make_repos() {
	git init -q "$TEST_DIR/sub"
	git -C "$TEST_DIR/sub" commit -q --allow-empty -m s0
	git init -q "$TEST_DIR/proj"
	cd "$TEST_DIR/proj"
	echo a >a
	git add a
	git commit -q -m a
	git submodule -q add "$TEST_DIR/sub" sub
	git commit -q -m sub
	git worktree add -q "$TEST_DIR/wt"
}

@test "escape 2: git works as usual inside a repository at the grant root" {
	make_repos
	git clone -q "$TEST_DIR/proj" "$TEST_DIR/remote-src"
	run --separate-stderr nono run -s --allow . --read "$HOME" \
		--read "$TEST_DIR/remote-src" -- sh -c '
		set -e
		echo b >b; git add b; git commit -q -m b; echo commit:ok
		git checkout -q -b feat; echo c >c; git add c; git commit -q -m c
		git checkout -q main; git merge -q --no-edit feat; echo merge:ok
		echo d >d; git stash -q -u; git stash pop -q; echo stash:ok
		git tag v1; git tag -a v2 -m v2; echo tag:ok
		git checkout -q -b r2 HEAD~1; echo e >e; git add e; git commit -q -m e
		git rebase -q main; echo rebase:ok
		git fetch -q '"$TEST_DIR/remote-src"' main; echo fetch:ok
		git gc -q; echo gc:ok'
	assert_status 0
	local op
	for op in commit merge stash tag rebase fetch gc; do
		assert_contains "$output" "$op:ok" stdout
	done
}

@test "escape 2: nothing but git's own names can be created in .git, at any level" {
	make_repos
	run --separate-stderr nono run -s --allow . --read "$HOME" -- sh -c '
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:CREATED"; else echo "$1:refused"; fi; }
		try commondir "echo ../../evil >.git/commondir"
		try configwt "echo x >.git/config.worktree"
		try modules "mkdir -p .git/modules/x/hooks"
		try worktrees "mkdir -p .git/worktrees/x"
		try attributes "echo \"* filter=lfs\" >.git/info/attributes"
		try config "git config core.fsmonitor evil"
		try subconfig "echo evil >>.git/modules/sub/config"
		try subhooks "echo evil >.git/modules/sub/hooks/post-checkout"
		try wtconfig "echo x >.git/worktrees/wt/config.worktree"
		try wtcommondir "echo x >.git/worktrees/wt/commondir"
		try index "git add a && echo indexed"
		try newobject "echo n >n && git add n"'
	assert_status 0
	local what
	for what in commondir configwt modules worktrees attributes config subconfig subhooks wtconfig wtcommondir; do
		assert_contains "$output" "$what:refused" stdout
	done
	# control: what git writes in normal use still works
	assert_contains "$output" "index:CREATED" stdout
	assert_contains "$output" "newobject:CREATED" stdout
	assert_missing .git/commondir
	assert_missing .git/worktrees/x
	refute_contains "$(cat .git/modules/sub/config)" evil
	# control: outside nono the same writes work
	echo '# ok' >>.git/modules/sub/config
}

@test "escape 2: a submodule's fsmonitor planted inside does not run on the user's next git status" {
	make_repos
	run --separate-stderr nono run -s --allow . --read "$HOME" -- sh -c '
		git -C sub config core.fsmonitor "touch '"$TEST_ROOT"'/PWNED; false" 2>/dev/null
		printf "[core]\n\tfsmonitor = touch %s/PWNED; false\n" '"$TEST_ROOT"' >>.git/modules/sub/config 2>/dev/null
		true'
	assert_status 0
	# the user, outside, later
	git -C sub status >/dev/null 2>&1 || true
	git status >/dev/null 2>&1 || true
	assert_missing "$TEST_ROOT/PWNED"
}

# Found while pinning ~/.config: the working directory kept referring to the
# directory under a pinned mount, where masks attached later on top did not
# exist, so a relative path from inside .git reached the read-only hooks.
@test "escape 2: started inside .git or ~/.config, relative paths meet the masks too" {
	mkdir -p proj/.git/hooks proj/.git/objects
	echo ORIGINAL >proj/.git/hooks/post-checkout
	cd proj/.git
	run --separate-stderr nono run -s --allow .. -- sh -c '
		echo evil >hooks/post-checkout 2>/dev/null && echo hook:WRITTEN || echo hook:refused
		echo o >objects/x && echo objects:ok'
	assert_status 0
	assert_contains "$output" "hook:refused" stdout
	assert_contains "$output" "objects:ok" stdout
	assert_file_content hooks/post-checkout ORIGINAL

	mkdir -p "$HOME/.config/nono"
	echo NONO-KEY >"$HOME/.config/nono/key"
	cd "$HOME/.config"
	run --separate-stderr nono run -s --allow "$HOME" -- sh -c '
		cat nono/key 2>/dev/null || echo key:hidden
		echo ok >app.conf && echo app:ok'
	assert_status 0
	assert_contains "$output" "key:hidden" stdout
	refute_contains "$output" "NONO-KEY" stdout
	assert_contains "$output" "app:ok" stdout
	# control: outside nono the relative path reads it
	run cat nono/key
	assert_contains "$output" NONO-KEY
}

# Issue 10, escape 3: .git was pinned, its parent was not: the repository
# renamed away and a copy with planted hooks moved into its place ran them
# on the user's next git checkout.
@test "escape 3: a repository below a grant root cannot be renamed away or replaced" {
	mkdir -p work/repo/.git/hooks work/repo/.git/objects work/notrepo
	echo ORIGINAL >work/repo/.git/hooks/post-checkout
	cd work
	run --separate-stderr nono run -s --allow . -- sh -c '
		mv repo repo.orig 2>/dev/null && echo rename:DONE || echo rename:refused
		mkdir -p copy/.git/hooks && echo evil >copy/.git/hooks/post-checkout
		mv -T copy repo 2>/dev/null && echo replace:DONE || echo replace:refused
		echo x >repo/file && echo write:ok
		mv notrepo notrepo2 && echo other:ok'
	assert_status 0
	assert_contains "$output" "rename:refused" stdout
	assert_contains "$output" "replace:refused" stdout
	# controls: the repository's files are writable, other directories
	# move as usual
	assert_contains "$output" "write:ok" stdout
	assert_contains "$output" "other:ok" stdout
	assert_file_content repo/.git/hooks/post-checkout ORIGINAL
	# control: outside nono the rename works
	mv repo repo.orig
}

@test "escape 3: the repository along the working directory is pinned too" {
	mkdir -p work/sub/repo/.git/hooks work/sub/repo/src
	echo ORIGINAL >work/sub/repo/.git/hooks/post-checkout
	cd work/sub/repo/src
	run --separate-stderr nono run -s --allow "$TEST_DIR/work" -- sh -c '
		cd ../.. && mv repo repo.orig 2>/dev/null && echo rename:DONE || echo rename:refused
		cd .. && mv sub sub.orig 2>/dev/null && echo parent:DONE || echo parent:refused'
	assert_status 0
	assert_contains "$output" "rename:refused" stdout
	# a directory above it would take it along, freeing its path
	assert_contains "$output" "parent:refused" stdout
}

# Issue 10, escape 13 (the working directory's part): an .envrc or a .git
# made in a directory of the working directory's chain that lacked one runs
# when the user works there.  (A new directory elsewhere in the tree is not
# guarded yet: docs/security.md says so.)
@test "escape 13: no .envrc or .git can be made along the working directory's chain" {
	mkdir -p proj/sub/deep proj/sib/.git/objects
	cd proj/sub/deep
	run --separate-stderr nono run --no-diagnostics -s --allow "$TEST_DIR/proj" -- sh -c '
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:CREATED"; else echo "$1:refused"; fi; }
		try envrc "echo x >.envrc"
		try envrc-parent "echo x >../.envrc"
		try git "mkdir .git"
		try gitfile "echo gitdir: /tmp/x >../.git"
		try sibling "echo x >../../sib/.git/commondir"
		try file "echo ok >f"
		try dir "mkdir d && echo ok >d/g"'
	assert_status 0
	local w
	for w in envrc envrc-parent git gitfile sibling; do
		assert_contains "$output" "$w:refused" stdout
	done
	assert_contains "$output" "file:CREATED" stdout
	assert_contains "$output" "dir:CREATED" stdout
	assert_missing .envrc
	assert_missing ../.git
	# the refusal names the flag that allows it
	run --separate-stderr nono run --allow "$TEST_DIR/proj" -- sh -c 'echo x >.envrc'
	assert_contains "$stderr" "--bypass-protection $TEST_DIR/proj/sub/deep/.envrc" stderr
	run --separate-stderr nono run -s --allow "$TEST_DIR/proj" \
		--bypass-protection "$TEST_DIR/proj/sub/deep/.envrc" -- sh -c 'echo x >.envrc'
	assert_status 0
	assert_file_content .envrc x
}
