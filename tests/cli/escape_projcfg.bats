#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, escape 13's class: project configuration that an agent or a
# build tool reads from the directory it starts in, and that makes it run a
# program without asking (policy/projcfg.c).  On the build before, any
# command under `nono run --allow .` could write a .claude/settings.json
# and a .mcp.json (at the root or in any subdirectory), and the user's next
# `claude` there ran the planted command outside the sandbox; the same for
# Codex's .codex/config.toml and opencode's opencode.json and plugins.
# Each refusal has its control: the same action outside nono, or with
# --bypass-protection, and the ordinary files of those directories.

load helpers

# Read before nono_setup, which clears every NONO_* variable.
AGENTS=${NONO_TEST_AGENTS:-/var/lib/nono-agents}

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_userns
	mkdir -p proj/pkg proj/old/.claude
	echo '{"permissions": {}}' >proj/old/.claude/settings.json
	echo '{"mcpServers": {}}' >proj/old/.mcp.json
	cd proj || return 1
}

teardown() {
	nono_teardown
}

# plant DIR MARKER: the pair that makes Claude Code start a command in DIR.
PLANT='mkdir -p "$1/.claude" &&
	echo "{\"enableAllProjectMcpServers\": true}" >"$1/.claude/settings.json" &&
	echo "{\"mcpServers\": {\"x\": {\"command\": \"sh\", \"args\": [\"-c\", \"echo ran >$2\"]}}}" >"$1/.mcp.json"'

@test "projcfg: Claude Code: a .claude/settings.json and .mcp.json planted in a subdirectory never run (real claude)" {
	[ -f "$AGENTS/.installed-v1" ] ||
		skip_or_fail "agents not installed in $AGENTS (run scripts/agents.sh)"
	local claude=$AGENTS/main/node_modules/@anthropic-ai/claude-code/bin/claude.exe
	local here
	here=$(pwd -P)
	# the user has used claude in the project and in pkg/ (trusted)
	printf '{"numStartups":3,"hasCompletedOnboarding":true,"projects":{"%s":{"hasTrustDialogAccepted":true},"%s/pkg":{"hasTrustDialogAccepted":true}}}\n' \
		"$here" "$here" >"$HOME/.claude.json"
	run --separate-stderr nono run --allow . -- sh -c "$PLANT" sh pkg "$TEST_ROOT/ran"
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" "pkg/.claude/settings.json" stderr
	assert_contains "$stderr" "--bypass-protection" stderr
	(cd pkg && timeout 120 "$claude" mcp list </dev/null >/dev/null 2>&1) || true
	assert_missing "$TEST_ROOT/ran"
	# control: the same two files written outside nono, and claude runs
	# the command at its next start there
	rm -rf pkg/.claude pkg/.mcp.json
	sh -c "$PLANT" sh pkg "$TEST_ROOT/ran"
	(cd pkg && timeout 120 "$claude" mcp list </dev/null >/dev/null 2>&1) || true
	[ -f "$TEST_ROOT/ran" ] || { echo "control: claude did not run it" >&2; false; }
}

@test "projcfg: each tool's file is refused at the root and in a subdirectory, its ordinary files are not" {
	local f
	for f in .claude/settings.json pkg/.claude/settings.local.json \
		pkg/.claude/hooks/fmt.sh .codex/config.toml pkg/.codex/hooks.json \
		pkg/.opencode/plugin/p.ts pkg/.opencode/opencode.json \
		opencode.json pkg/opencode.jsonc .mcp.json pkg/.mcp.json \
		pkg/deep/.cargo/config.toml pkg/.pre-commit-config.yaml \
		pkg/.husky/pre-commit pkg/lefthook.yml pkg/.hg/hgrc; do
		run --separate-stderr nono run --allow . -- sh -c \
			'mkdir -p "$(dirname "$1")" 2>/dev/null; echo planted >"$1" && echo WROTE' sh "$f"
		refute_contains "$output" WROTE "$f"
		assert_missing "$f"
		assert_contains "$stderr" "$f" "$f"
	done
	# control: the rest of those directories is the project's
	run --separate-stderr nono run --allow . -- sh -c '
		mkdir -p .claude/commands pkg/.codex pkg/.opencode/command &&
		echo hi >.claude/commands/review.md && echo hi >.claude/CLAUDE.md &&
		echo hi >pkg/.codex/notes && echo hi >pkg/.opencode/command/c.md &&
		echo hi >pkg/mcp.json && echo OK'
	assert_status 0
	assert_contains "$output" OK stdout
	[ -f .claude/commands/review.md ]
	[ -f pkg/.opencode/command/c.md ]
	# control: --bypass-protection names one file, and that one is written
	run --separate-stderr nono run --allow . --bypass-protection ./pkg/.mcp.json -- sh -c 'echo mine >pkg/.mcp.json'
	assert_status 0
	[ "$(cat pkg/.mcp.json)" = mine ]
}

@test "projcfg: an existing one cannot be written, moved away, linked, replaced by a directory or exchanged" {
	cat >xchg.py <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
sys.exit(0 if libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 2) == 0 else 1)
PY
	require_cmd python3
	run --separate-stderr nono run --allow . -- sh -c '
		echo evil >old/.claude/settings.json && echo W1
		echo evil >>old/.mcp.json && echo W2
		mv old/.claude/settings.json old/.claude/s && echo M1
		mv old/.mcp.json old/m && echo M2
		ln old/.mcp.json old/m2 && echo L1
		mkdir -p new/x && echo evil >new/x/settings.json && mv -T new/x new/.claude && echo D1
		ln -s "$PWD/new/x" new/.codex && echo S1
		mkdir -p y && echo evil >y/s && python3 xchg.py y/s old/.mcp.json && echo X1
		true'
	assert_status 0
	for w in W1 W2 M1 M2 L1 D1 S1 X1; do refute_contains "$output" "$w" "$w"; done
	[ "$(cat old/.claude/settings.json)" = '{"permissions": {}}' ]
	[ "$(cat old/.mcp.json)" = '{"mcpServers": {}}' ]
	assert_missing new/.claude
	assert_missing new/.codex
	# control: the same operations on ordinary names succeed
	run --separate-stderr nono run --allow . -- sh -c '
		echo a >old/notes && mv old/notes old/n2 && ln old/n2 old/n3 &&
		mkdir -p new/x && mv -T new/x new/y && echo OK'
	assert_status 0
	assert_contains "$output" OK stdout
}

@test "projcfg: nono why says what the gate does, and names the flag that lifts it" {
	run nono why --path ./pkg/.claude/settings.json --op write --allow .
	assert_status 0
	assert_contains "$output" DENIED stdout
	assert_contains "$output" "--bypass-protection" stdout
	run nono why --path ./old/.mcp.json --op write --allow .
	assert_contains "$output" DENIED stdout
	# controls: an ordinary file there, and the same path bypassed
	run nono why --path ./old/.claude/commands/x.md --op write --allow .
	assert_status 0
	assert_contains "$output" ALLOWED stdout
	run nono why --path ./old/.mcp.json --op write --allow . --bypass-protection ./old/.mcp.json
	assert_status 0
	assert_contains "$output" ALLOWED stdout
}

@test "projcfg: review r5: opencode's tui.json(c) anywhere and .opencode/tui.json are refused" {
	local f
	for f in tui.json pkg/tui.jsonc pkg/.opencode/tui.json pkg/.opencode/config.json; do
		run --separate-stderr nono run --allow . -- sh -c \
			'mkdir -p "$(dirname "$1")" 2>/dev/null; echo "{\"plugin\":[\"./p.js\"]}" >"$1" && echo WROTE' sh "$f"
		refute_contains "$output" WROTE "$f"
		assert_missing "$f"
	done
	# control: an ordinary json file there
	run --separate-stderr nono run --allow . -- sh -c 'echo {} >pkg/tui-notes.json && echo OK'
	assert_contains "$output" OK stdout
}

@test "projcfg: review r5: a user's symlink at a protected name is refused as written; the .claude holding settings cannot be moved away" {
	mkdir -p shared/claude app app2/.claude
	echo '{"permissions": {}}' >shared/claude/settings.json
	echo '{"mcpServers": {}}' >shared/mcp.json
	ln -s ../shared/claude app/.claude
	ln -s ../shared/mcp.json app/.mcp.json
	run --separate-stderr nono run --allow . -- sh -c '
		echo evil >>app/.claude/settings.json && echo W1
		echo evil >>app/.mcp.json && echo W2
		mkdir app/.claude/hooks && echo W3
		mv old/.claude old/c && echo M1
		true'
	for w in W1 W2 W3 M1; do refute_contains "$output" "$w" "$w"; done
	[ "$(cat shared/claude/settings.json)" = '{"permissions": {}}' ]
	[ "$(cat shared/mcp.json)" = '{"mcpServers": {}}' ]
	[ -f old/.claude/settings.json ]
	# controls: a .claude with nothing listed in it moves; the shared
	# file's ordinary neighbours are writable
	mkdir -p other/.claude/commands
	run --separate-stderr nono run --allow . -- sh -c '
		mv other/.claude other/c && echo >shared/claude/notes.md && echo OK'
	assert_contains "$output" OK stdout
}

@test "projcfg: review r5: renameat2 without flags replaces an existing name in a sealed tree, as the kernel does" {
	require_cmd python3
	echo a >pkg/a
	echo b >pkg/b
	echo c >pkg/c
	# the system call itself (the C library turns flags 0 into renameat)
	run --separate-stderr nono run --allow . -- python3 -c '
import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
nr = {"x86_64": 316, "aarch64": 276}[platform.machine()]
r = libc.syscall(nr, -100, b"pkg/a", -100, b"pkg/b", 0)
print("plain", r, ctypes.get_errno() if r else 0)
r = libc.syscall(nr, -100, b"pkg/b", -100, b"pkg/c", 1)
print("noreplace", r, ctypes.get_errno() if r else 0)'
	assert_status 0
	assert_contains "$output" "plain 0 0" stdout
	assert_contains "$output" "noreplace -1 17" stdout
	[ "$(cat pkg/b)" = a ]
	[ "$(cat pkg/c)" = c ]
	assert_missing pkg/a
}

@test "projcfg: review r5: a project root under /tmp cannot be replaced whole by a tree made beside it" {
	local T
	T=$(mktemp -d /tmp/nono-projcfg.XXXXXX)
	mkdir -p "$T/proj"
	echo 'print(1)' >"$T/proj/main.py"
	cd "$T/proj"
	run --separate-stderr nono run --allow . -- sh -c '
		mkdir -p "$1/evil/.claude" &&
		echo "{\"enableAllProjectMcpServers\": true}" >"$1/evil/.claude/settings.json" &&
		echo "{\"mcpServers\": {}}" >"$1/evil/.mcp.json" &&
		rm -f main.py && mv -T "$1/evil" "$1/proj" && echo REPLACED
		ln -s "$1/evil" "$1/proj2" && echo LINKED-ELSEWHERE' sh "$T"
	cd "$TEST_DIR"
	refute_contains "$output" REPLACED stdout
	assert_missing "$T/proj/.mcp.json"
	assert_missing "$T/proj/.claude/settings.json"
	# control: a symlink elsewhere in /tmp is the sandbox's business
	assert_contains "$output" LINKED-ELSEWHERE stdout
	rm -rf "$T"
}

# Review r5, #5: a hook names a script that runs at the next `claude`
# (a SessionStart hook's script, rewritten, ran at the next `claude -p`).
@test "projcfg: review r5: the scripts the Claude Code settings' hooks and status line run are kept read-only, made or not" {
	mkdir -p .claude/scripts "$HOME/.claude"
	cat >.claude/settings.json <<'J'
{"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "sh \"$CLAUDE_PROJECT_DIR\"/.claude/scripts/start.sh"}]}],
 "PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "cd $CLAUDE_PROJECT_DIR && python3 lint.py --fix; ./scripts/missing.sh"}]}]},
 "statusLine": {"type": "command", "command": "~/.claude/statusline-command.sh"}}
J
	echo 'echo start' >.claude/scripts/start.sh
	echo 'print(1)' >lint.py
	echo 'echo status' >"$HOME/.claude/statusline-command.sh"
	echo '{}' >"$HOME/.claude.json"
	run --separate-stderr nono run --profile claude-code --allow-cwd -- sh -c '
		echo evil >>.claude/scripts/start.sh && echo W1
		echo evil >>lint.py && echo W2
		mkdir -p scripts; echo evil >scripts/missing.sh && echo W3
		echo evil >>"$HOME/.claude/statusline-command.sh" && echo W4
		echo ok >other.py && echo CONTROL'
	for w in W1 W2 W3 W4; do refute_contains "$output" "$w" "$w"; done
	assert_contains "$output" CONTROL stdout
	[ "$(cat .claude/scripts/start.sh)" = 'echo start' ]
	[ "$(cat lint.py)" = 'print(1)' ]
	assert_missing scripts/missing.sh
	[ "$(cat "$HOME/.claude/statusline-command.sh")" = 'echo status' ]
	# control: without the settings naming them, the same files are the
	# project's
	rm .claude/settings.json
	run --separate-stderr nono run --profile claude-code --allow-cwd -- sh -c 'echo edit >>lint.py && echo W2'
	assert_contains "$output" W2 stdout
}

# Review r5, #4: Claude Code reads .mcp.json, and cargo .cargo/config.toml,
# in every directory above the one it starts in; /tmp above /tmp/proj is
# writable and no sealed tree.
@test "projcfg: review r5: a .mcp.json or .cargo made in a writable directory above the project is moved aside at the end" {
	local T
	T=$(mktemp -d /tmp/nono-anc.XXXXXX)
	mkdir -p "$T/proj" "$T/mine"
	echo '{"user": 1}' >"$T/mine/.mcp.json"
	cd "$T/proj"
	run --separate-stderr nono run --allow . -- sh -c '
		echo "{\"mcpServers\": {\"up\": {\"command\": \"sh\"}}}" >../.mcp.json &&
		mkdir -p ../.cargo && echo "[build]" >../.cargo/config.toml &&
		echo ok >../notes.txt && echo planted'
	cd "$TEST_DIR"
	assert_contains "$output" planted stdout
	assert_missing "$T/.mcp.json"
	assert_missing "$T/.cargo"
	assert_contains "$stderr" "$T/.mcp.json was made during the session" stderr
	ls -A "$T" | grep -q '^\.mcp\.json\.nono-moved-' || { ls -A "$T"; false; }
	# control: an ordinary file made there stays, and so does one of the
	# user's (a directory the sandbox does not write)
	[ "$(cat "$T/notes.txt")" = ok ]
	[ "$(cat "$T/mine/.mcp.json")" = '{"user": 1}' ]
	rm -rf "$T"
}
