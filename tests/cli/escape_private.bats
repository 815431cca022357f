#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Tool directories whose code the user's tools run later, outside the
# sandbox, and which tools inside must still fill: npx runs again what it
# installed in ~/.npm/_npx without checking it; opencode the language
# servers and tools it downloaded to ~/.cache/opencode.  Under a writable
# grant the sandbox gets its own copy of each (mounted there, kept in
# ~/.cache/nono/sandbox); the real one is never written.  Each attack
# fails on dbdcfad, where the node group left ~/.npm/_npx writable.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_userns
	mkdir -p "$HOME/.npm" proj
	cd proj || return 1
}

teardown() {
	nono_teardown
}

# try LABEL CMD: runs CMD in sh, prints "LABEL:ok" or "LABEL:refused".
TRY='try() { if sh -c "$2" 2>/dev/null; then echo "$1:ok"; else echo "$1:refused"; fi; }'

@test "private: what the sandbox plants in ~/.npm/_npx stays out of the real one" {
	run --separate-stderr nono run -s --profile node-dev -- sh -c \
		'mkdir -p "$HOME/.npm/_npx/0badc0de/node_modules/.bin" &&
		 echo "#!/bin/sh" >"$HOME/.npm/_npx/0badc0de/node_modules/.bin/x" && echo planted'
	assert_status 0
	assert_contains "$output" planted stdout
	assert_missing "$HOME/.npm/_npx/0badc0de"
	[ -f "$HOME/.cache/nono/sandbox/.npm/_npx/0badc0de/node_modules/.bin/x" ]
	# the copy is kept from run to run, for the sandbox only
	run --separate-stderr nono run -s --profile node-dev -- \
		ls "$HOME/.npm/_npx/0badc0de/node_modules/.bin"
	assert_status 0
	assert_contains "$output" x stdout
	# control: npm's data cache beside it is the real, shared one
	run --separate-stderr nono run -s --profile node-dev -- sh -c 'echo c >"$HOME/.npm/shared"'
	assert_status 0
	assert_file_content "$HOME/.npm/shared" c
}

@test "private: the copy cannot be renamed away, removed or replaced" {
	run --separate-stderr nono run -s --profile node-dev -- sh -c \
		'mv "$HOME/.npm/_npx" "$HOME/.npm/old" 2>/dev/null && echo moved || echo refused
		 rmdir "$HOME/.npm/_npx" 2>/dev/null && echo removed || echo refused2
		 mkdir "$HOME/.npm/new" && mv -T "$HOME/.npm/new" "$HOME/.npm/_npx" 2>/dev/null && echo replaced || echo refused3'
	assert_status 0
	assert_contains "$output" refused stdout
	assert_contains "$output" refused2 stdout
	assert_contains "$output" refused3 stdout
	refute_contains "$output" moved stdout
	[ -d "$HOME/.npm/_npx" ]
	assert_missing "$HOME/.npm/old"
	# control: a sibling directory moves
	run --separate-stderr nono run -s --profile node-dev -- sh -c \
		'mv "$HOME/.npm/new" "$HOME/.npm/new2" && echo moved'
	assert_contains "$output" moved stdout
}

@test "private (review 2 of issue 16, A): the copy's parent cannot be moved away and replaced by a tree whose _npx is the real one" {
	mkdir -p "$HOME/.npm/_npx" "$HOME/.cache/opencode"
	run --separate-stderr nono run -s --allow-cwd --allow "$HOME" -- sh -c '
		mv "$HOME/.npm" "$HOME/npm2" 2>/dev/null && echo moved || echo refused
		mv "$HOME/.cache" "$HOME/cache2" 2>/dev/null && echo cmoved || echo crefused
		mkdir -p "$HOME/x/_npx/abc" && echo planted >"$HOME/x/_npx/abc/x"
		"$0" -c "
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, os.path.expanduser(\"~/.npm\").encode(), -100,
                   os.path.expanduser(\"~/x\").encode(), 2)
print(\"exchanged\" if r == 0 else \"xrefused\")" 2>/dev/null || echo xrefused
		mv "$HOME/x" "$HOME/y" && echo sibling-moved' "$PY"
	assert_status 0
	assert_contains "$output" refused stdout
	assert_contains "$output" crefused stdout
	assert_contains "$output" xrefused stdout
	refute_contains "$output" moved$'\n' stdout
	refute_contains "$output" exchanged stdout
	# control: a directory holding no copy moves
	assert_contains "$output" sibling-moved stdout
	[ -d "$HOME/.npm/_npx" ]
	assert_missing "$HOME/.npm/_npx/abc"
	assert_missing "$HOME/npm2"
}

@test "private: under --allow ~ a missing ~/.npm/_npx is the sandbox's own too" {
	rmdir "$HOME/.npm"
	run --separate-stderr nono run -s --allow-cwd --allow "$HOME" -- sh -c \
		'mkdir -p "$HOME/.npm/_npx/evil" && echo x >"$HOME/.npm/_npx/evil/cli.js" && echo planted'
	assert_status 0
	assert_contains "$output" planted stdout
	assert_missing "$HOME/.npm/_npx/evil"
	[ -f "$HOME/.cache/nono/sandbox/.npm/_npx/evil/cli.js" ]
}

@test "private: opencode's downloaded tools are the sandbox's own copy" {
	mkdir -p "$HOME/.cache/opencode/bin"
	echo real >"$HOME/.cache/opencode/bin/rg"
	run --separate-stderr nono run -s --profile opencode -- sh -c \
		'ls "$HOME/.cache/opencode/bin" 2>/dev/null; mkdir -p "$HOME/.cache/opencode/bin" &&
		 echo evil >"$HOME/.cache/opencode/bin/rg" && echo wrote'
	assert_status 0
	assert_contains "$output" wrote stdout
	assert_file_content "$HOME/.cache/opencode/bin/rg" real
	assert_file_content "$HOME/.cache/nono/sandbox/.cache/opencode/bin/rg" evil
	# --dry-run names it
	run --separate-stderr nono run -s --dry-run --profile opencode -- true
	assert_status 0
	assert_contains "$output" "[private] $HOME/.cache/opencode" stdout
}

# Review r1, F2: opencode spawns $XDG_DATA_HOME/opencode/bin/clangd (zls,
# ...) when the server is not on PATH.  Fails on 67c4d75.
@test "private: opencode's language servers in ~/.local/share/opencode/bin are the sandbox's own" {
	mkdir -p "$HOME/.local/share/opencode/bin"
	echo real >"$HOME/.local/share/opencode/bin/zls"
	run --separate-stderr nono run -s --profile opencode -- sh -c \
		'printf "#!/bin/sh\nid\n" >"$HOME/.local/share/opencode/bin/clangd" && echo planted
		 echo evil >"$HOME/.local/share/opencode/bin/zls" && echo replaced
		 echo ok >"$HOME/.local/share/opencode/storage" && echo data'
	assert_status 0
	assert_contains "$output" planted stdout
	assert_missing "$HOME/.local/share/opencode/bin/clangd"
	assert_file_content "$HOME/.local/share/opencode/bin/zls" real
	[ -f "$HOME/.cache/nono/sandbox/.local/share/opencode/bin/clangd" ]
	# control: the rest of opencode's data directory is the real one
	assert_contains "$output" data stdout
	assert_file_content "$HOME/.local/share/opencode/storage" ok
}

# Review r1, F3: cargo compiles and runs the build.rs of an extracted crate
# (registry/src, marked .cargo-ok) without checking it against the .crate,
# and takes a non-empty registry/cache/NAME.crate without its checksum; the
# rust group granted both read-write.  Fails on 67c4d75.
@test "private: cargo's registry and git caches are the sandbox's own under rust-dev" {
	local src=.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cc-1.0.0
	mkdir -p "$HOME/$src" "$HOME/.cargo/registry/cache/index.crates.io-1949cf8c6b5b557f" \
		"$HOME/.cargo/git/checkouts/x-1/abc" "$HOME/.cargo/bin"
	echo 'fn main(){}' >"$HOME/$src/build.rs"
	touch "$HOME/$src/.cargo-ok"
	run --separate-stderr nono run -s --profile rust-dev -- sh -c "$TRY"'
		try buildrs "mkdir -p ~/'"$src"' && echo evil >~/'"$src"'/build.rs"
		try crate "mkdir -p ~/.cargo/registry/cache/index.crates.io-1949cf8c6b5b557f && echo evil >~/.cargo/registry/cache/index.crates.io-1949cf8c6b5b557f/cc-1.0.1.crate"
		try checkout "mkdir -p ~/.cargo/git/checkouts/x-1/abc && echo evil >~/.cargo/git/checkouts/x-1/abc/build.rs"
		try config "echo x >~/.cargo/config.toml"'
	assert_status 0
	# inside, each write lands in the copy
	assert_contains "$output" "buildrs:ok" stdout
	assert_contains "$output" "crate:ok" stdout
	assert_contains "$output" "checkout:ok" stdout
	assert_file_content "$HOME/$src/build.rs" 'fn main(){}'
	assert_missing "$HOME/.cargo/registry/cache/index.crates.io-1949cf8c6b5b557f/cc-1.0.1.crate"
	assert_missing "$HOME/.cargo/git/checkouts/x-1/abc/build.rs"
	assert_file_content "$HOME/.cache/nono/sandbox/$src/build.rs" evil
	# control: ~/.cargo/config.toml, refused before
	assert_contains "$output" "config:refused" stdout
	assert_missing "$HOME/.cargo/config.toml"
}

@test "private: go's module and build caches are the sandbox's own; no ~/go is made where there is none" {
	mkdir -p "$HOME/go/pkg/mod/example.com/m@v1.0.0" "$HOME/.cache/go-build/ab"
	echo 'package m' >"$HOME/go/pkg/mod/example.com/m@v1.0.0/m.go"
	run --separate-stderr nono run -s --profile go-dev -- sh -c "$TRY"'
		try mod "mkdir -p ~/go/pkg/mod/example.com/m@v1.0.0 && echo evil >~/go/pkg/mod/example.com/m@v1.0.0/m.go"
		try build "mkdir -p ~/.cache/go-build/ab && echo evil >~/.cache/go-build/ab/abcd-d"
		try src "mkdir -p ~/go/src/x && echo ok >~/go/src/x/x.go"'
	assert_status 0
	assert_contains "$output" "mod:ok" stdout
	assert_file_content "$HOME/go/pkg/mod/example.com/m@v1.0.0/m.go" 'package m'
	assert_missing "$HOME/.cache/go-build/ab/abcd-d"
	assert_file_content "$HOME/.cache/nono/sandbox/go/pkg/mod/example.com/m@v1.0.0/m.go" evil
	# control: the rest of GOPATH is the real, shared one
	assert_contains "$output" "src:ok" stdout
	assert_file_content "$HOME/go/src/x/x.go" ok
	# under --allow ~ with no ~/go: nothing is made, and the sandbox cannot
	# make one (the next go build outside would trust it)
	rm -rf "$HOME/go"
	run --separate-stderr nono run -s --allow-cwd --allow "$HOME" -- sh -c "$TRY"'
		try gopath "mkdir -p ~/go/pkg/mod/example.com/m@v1.0.0"
		try other "mkdir -p ~/gox"'
	assert_status 0
	assert_contains "$output" "gopath:refused" stdout
	assert_contains "$output" "other:ok" stdout
	assert_missing "$HOME/go"
}

@test "private: a link planted where the copy lives is refused, nothing is mounted through it" {
	mkdir -p "$HOME/.cache/nono/sandbox" "$HOME/.ssh"
	echo KEY >"$HOME/.ssh/id_rsa"
	mkdir -p "$HOME/elsewhere/_npx"
	ln -s "$HOME/elsewhere" "$HOME/.cache/nono/sandbox/.npm"
	run --separate-stderr nono run -s --profile node-dev -- sh -c 'echo evil >"$HOME/.npm/_npx/f"'
	assert_status 1
	assert_contains "$stderr" "$HOME/.cache/nono/sandbox/.npm" stderr
	assert_missing "$HOME/elsewhere/_npx/f"
	assert_missing "$HOME/.npm/_npx/f"
	# the copy itself a link to the user's keys
	rm "$HOME/.cache/nono/sandbox/.npm"
	mkdir -p "$HOME/.cache/nono/sandbox/.npm"
	ln -s "$HOME/.ssh" "$HOME/.cache/nono/sandbox/.npm/_npx"
	run --separate-stderr nono run -s --profile node-dev -- sh -c 'echo evil >>"$HOME/.npm/_npx/id_rsa"'
	assert_status 1
	assert_contains "$stderr" "the sandbox's own copy of $HOME/.npm/_npx" stderr
	assert_file_content "$HOME/.ssh/id_rsa" KEY
	# control: without the link the run starts
	rm "$HOME/.cache/nono/sandbox/.npm/_npx"
	run --separate-stderr nono run -s --profile node-dev -- sh -c 'echo ok >"$HOME/.npm/_npx/f" && echo ok'
	assert_status 0
	assert_contains "$output" ok stdout
}

@test "private: npx installs and runs a package inside, the real cache untouched" {
	require_cmd npm
	mkdir -p "$TEST_ROOT/pkg"
	printf '{"name":"nono-hello","version":"1.0.0","bin":{"nono-hello":"cli.js"}}\n' \
		>"$TEST_ROOT/pkg/package.json"
	printf '#!/usr/bin/env node\nconsole.log("hello from npx")\n' >"$TEST_ROOT/pkg/cli.js"
	chmod +x "$TEST_ROOT/pkg/cli.js"
	(cd "$TEST_ROOT/pkg" && npm pack --silent >/dev/null 2>&1) || false
	run --separate-stderr nono run -s --profile node-dev --read "$TEST_ROOT/pkg" -- \
		npx --yes --offline --package="$TEST_ROOT/pkg/nono-hello-1.0.0.tgz" nono-hello
	assert_status 0
	assert_contains "$output" "hello from npx" stdout
	[ -z "$(ls -A "$HOME/.npm/_npx")" ] || { ls -R "$HOME/.npm/_npx"; false; }
	[ -n "$(ls -A "$HOME/.cache/nono/sandbox/.npm/_npx")" ]
	# control: the same npx outside fills the real cache
	(cd "$TEST_ROOT/pkg" && npx --yes --offline --package="$TEST_ROOT/pkg/nono-hello-1.0.0.tgz" nono-hello) |
		grep -q "hello from npx"
	[ -n "$(ls -A "$HOME/.npm/_npx")" ]
}
