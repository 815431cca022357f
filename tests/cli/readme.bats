#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 12: the README's examples work when pasted.  Each nono line of the
# examples block at the top of README.md and of its quick start for agents
# is run as written, from a fake
# home that holds a fake project: ./project with a Makefile, ./configure,
# ./src/lint.py, and on PATH stand-ins for claude and git (the real agent
# and network are not here) that report what the sandbox gave them.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_userns
	command -v make >/dev/null || skip "make is not installed"
	cd "$HOME" || return 1
	mkdir -p project src bin
	printf 'test:\n\techo tested >result\n' >project/Makefile
	printf '#!/bin/sh\nprintf "all:\\n\\ttrue\\n" >Makefile && echo configured\n' >configure
	echo 'print("lint ok")' >src/lint.py
	# stand-ins: what an agent and git would be given
	cat >bin/claude <<'SH'
#!/bin/sh
echo "claude ran proxy=${HTTPS_PROXY:+yes} state=$(test -w "$HOME/.claude" && echo writable || echo none)"
SH
	cat >bin/git <<'SH'
#!/bin/sh
echo "git $1 proxy=${HTTPS_PROXY:+yes} ca=${GIT_SSL_CAINFO:+yes}"
SH
	cat >bin/codex <<'SH'
#!/bin/sh
echo "codex ran proxy=${HTTPS_PROXY:+yes} state=$(test -w "$HOME/.codex" && echo writable || echo none)"
SH
	chmod +x configure bin/claude bin/git bin/codex
	export PATH="$HOME/bin:$PATH"
}

teardown() {
	nono_teardown
}

# The nono lines of the examples block (the second ```sh fence of
# README.md) and of the quick start (the fourth).
examples() {
	awk '/^```sh$/ { n++; inside = (n == 2 || n == 4); next }
		/^```$/ { inside = 0 }
		inside && /^nono / { print }' "$BATS_TEST_DIRNAME/../../README.md" |
		sed 's/[[:space:]]\{2,\}#.*$//'
}

@test "readme: every example of the top block runs as written" {
	local line n=0
	examples >"$TEST_ROOT/examples"
	[ "$(wc -l <"$TEST_ROOT/examples")" -ge 11 ] || { cat "$TEST_ROOT/examples"; false; }
	while IFS= read -r line; do
		n=$((n + 1))
		rm -f project/result Makefile
		run --separate-stderr eval "$line" </dev/null
		echo "example $n: $line -> $status" >&2
		assert_status 0
		case $line in
		*"make -C project test"*)
			assert_file_content project/result tested
			# it runs from the home without sharing it
			assert_contains "$stderr" "not sharing the current directory" stderr ;;
		*./configure*)
			assert_contains "$output" configured stdout
			[ -f Makefile ] || { show_run; false; } ;;
		*lint.py*)
			assert_contains "$output" "lint ok" stdout ;;
		"nono shell"*)
			;;
		*--dry-run*)
			assert_contains "$output" "Would execute: claude" stdout ;;
		*"--network-profile codex"*)
			assert_contains "$output" "codex ran proxy=yes state=writable" stdout ;;
		*--network-profile*)
			assert_contains "$output" "claude ran proxy=yes state=writable" stdout ;;
		*"--profile claude-code"*)
			assert_contains "$output" "claude ran proxy= state=writable" stdout ;;
		*"profile show python-dev"*)
			assert_contains "$output" "python-dev" stdout ;;
		*"git fetch"*)
			assert_contains "$output" "git fetch proxy=yes" stdout ;;
		*)
			echo "no check for: $line" >&2
			false ;;
		esac
	done <"$TEST_ROOT/examples"
	[ "$n" -ge 11 ]
}

@test "readme: nono shell runs an interactive shell in the sandbox" {
	run --separate-stderr sh -c 'printf "%s\n" "echo in-shell" "exit 3" | "$1" shell -s --allow-cwd --shell /bin/sh' sh "$NONO"
	assert_status 3
	assert_contains "$output" in-shell stdout
}

@test "readme: the example of nono --help runs as written" {
	local line
	line=$(nono --help | sed -n 's/^Example: //p')
	[ -n "$line" ] || { nono --help; false; }
	run --separate-stderr eval "$line" </dev/null
	assert_status 0
	assert_file_content project/result tested
}
