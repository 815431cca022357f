#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, escape 13, second attacker's review of the sealed trees: each
# way below planted code that git, a login or an editor runs later, on the
# build before these fixes (the controls show the same actions outside
# nono, or the ordinary use that still works).

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_userns
	require_cmd git
	require_cmd python3
	git_identity
}

teardown() {
	nono_teardown
}

# A repository deeper than nono looks at start, and the tricks that made it
# "not a repository" for a moment: refs exchanged with a dangling symlink,
# refs moved away and back (which also made it the sandbox's "own" with
# --allow-new-repos).
@test "sealed trees 2: a repository stays one while its pieces are exchanged or moved" {
	mkdir -p proj/org/deep stash
	git init -q proj/org/deep/repo
	git -C proj/org/deep/repo commit -q --allow-empty -m r
	cp proj/org/deep/repo/.git/config config.before
	cat >xchg.py <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 2)
sys.exit(0 if r == 0 else 1)
PY
	cd proj
	for flag in "" --allow-new-repos; do
		# shellcheck disable=SC2086
		run --separate-stderr nono run -s $flag --allow . --allow "$TEST_DIR/stash" --read "$HOME" \
			--read-file "$TEST_DIR/xchg.py" -- sh -c '
			g=org/deep/repo/.git
			try() { if sh -c "$2" 2>/dev/null; then echo "$1:DONE"; else echo "$1:refused"; fi; }
			try exchange "ln -s '"$TEST_DIR"'/stash/realrefs '"$TEST_DIR"'/stash/l && python3 '"$TEST_DIR"'/xchg.py '"$TEST_DIR"'/stash/l $g/refs"
			try config1 "echo \"[core] fsmonitor=evil\" >>$g/config"
			try moveout "mv $g/refs x-refs && mv x-refs $g/refs"
			try config2 "echo \"[core] fsmonitor=evil\" >>$g/config"
			try hook "echo evil >$g/hooks/post-checkout"
			try commit "cd org/deep/repo && git commit -q --allow-empty -m x"'
		assert_status 0
		local what
		for what in exchange config1 moveout config2 hook; do
			assert_contains "$output" "$what:refused" stdout
		done
		assert_contains "$output" "commit:DONE" stdout
		cmp "$TEST_DIR/config.before" org/deep/repo/.git/config
		[ -d org/deep/repo/.git/refs ]
	done
}

@test "sealed trees 2: symlinks out of the tree through /proc, or made inside and moved up, are refused" {
	mkdir -p proj/a/b/c/d/e/f/g/h
	cd proj
	run --separate-stderr nono run -s --allow . -- sh -c '
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:MADE"; else echo "$1:refused"; fi; }
		try proc "ln -s /proc/self/root/tmp/evil p1"
		try procpid "ln -s /proc/1/root/tmp p2"
		try devfd "ln -s /dev/fd/3 p3"
		try climb "ln -s ../../../../../../../../../../../../tmp/evil a/b/c/d/e/f/g/h/l"
		try npmbin "mkdir -p node_modules/.bin node_modules/pkg/bin && ln -s ../pkg/bin/x node_modules/.bin/x"
		try inside "ln -s ../c a/b/up"
		ln -s q/tmp chained 2>/dev/null
		try root "ln -s / q"
		try dev "ln -s /dev v"
		try devnull "ln -s /dev/null n"'
	assert_status 0
	local what
	for what in proc procpid devfd climb root dev; do
		assert_contains "$output" "$what:refused" stdout
	done
	# a dangling link could be completed by another one (q -> /): it
	# leads nowhere writable now
	[ "$(readlink -m chained)" != /tmp ] || { show_run; false; }
	# control: the links package managers make, links inside, and links
	# to a file the sandbox may write where it may not make one, work
	assert_contains "$output" "npmbin:MADE" stdout
	assert_contains "$output" "inside:MADE" stdout
	assert_contains "$output" "devnull:MADE" stdout
}

@test "sealed trees 2: the working directory's chain and ~/.local/share cannot be renamed and made again" {
	mkdir -p proj/c/d
	cd proj/c/d
	run --separate-stderr nono run -s --allow "$TEST_DIR/proj" -- sh -c '
		p='"$TEST_DIR"'/proj
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:DONE"; else echo "$1:refused"; fi; }
		try chain "mv $p/c $p/c_old"
		try cwd "mv $p/c/d $p/c/d2"
		try envrc "echo x >$p/c/d/.envrc"
		try sibling "mkdir $p/c/e && mv $p/c/e $p/c/f"'
	assert_status 0
	local what
	for what in chain cwd envrc; do
		assert_contains "$output" "$what:refused" stdout
	done
	assert_contains "$output" "sibling:DONE" stdout
	[ -d "$TEST_DIR/proj/c/d" ]

	mkdir -p "$HOME/.local/share/app" "$HOME/.local/lib/python3/site-packages"
	cd "$HOME"
	run --separate-stderr nono run -s --allow "$HOME" -- sh -c '
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:DONE"; else echo "$1:refused"; fi; }
		try share "mv .local/share .local/share_old && mkdir -p .local/share/systemd/user"
		try pth "echo \"import os\" >.local/lib/python3/site-packages/zz.pth"
		try hgrc "printf \"[hooks]\\nupdate = evil\\n\" >.hgrc"
		try direnv "mkdir -p .config/direnv && echo evil >.config/direnv/direnvrc"
		try vscode "mkdir -p .config/Code/User && echo {} >.config/Code/User/settings.json"
		try app "echo ok >.local/share/app/state"'
	assert_status 0
	for what in share pth hgrc direnv vscode; do
		assert_contains "$output" "$what:refused" stdout
	done
	assert_contains "$output" "app:DONE" stdout
	assert_missing "$HOME/.local/lib/python3/site-packages/zz.pth"
}

@test "sealed trees 2: a removed working directory takes no new files under another name" {
	mkdir -p proj/d
	cd proj/d
	run --separate-stderr nono run -s --allow "$TEST_DIR/proj" -- sh -c '
		rmdir '"$TEST_DIR"'/proj/d && mkdir "'"$TEST_DIR"'/proj/d (deleted)"
		echo hi >f 2>/dev/null && echo write:DONE || echo write:refused
		echo ok >'"$TEST_DIR"'/proj/d\ \(deleted\)/g && echo named:DONE'
	assert_status 0
	assert_contains "$output" "write:refused" stdout
	assert_missing "$TEST_DIR/proj/d (deleted)/f"
	# control: the directory of that name takes files by its own name
	assert_contains "$output" "named:DONE" stdout
}
