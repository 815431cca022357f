#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Supervised sessions (issue 13), on real terminals: tests/cli/lib/ptydrive.py
# runs nono on a pty and types as a user would.  The command gets a PTY of
# its own: relayed both ways, sized, recorded (transcript, event log) and
# registered for nono ps, attach, detach, stop, logs, inspect and prune.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	DRIVE="$BATS_TEST_DIRNAME/lib/ptydrive.py"
}

teardown() {
	# Detached sessions of this test go with it.
	if [ -d "$HOME/.nono/sessions" ]; then
		for s in $("$NONO" ps --json 2>/dev/null | "$PY" -c '
import json, sys
for s in json.load(sys.stdin):
    print(s["id"])' 2>/dev/null); do
			"$NONO" stop --force "$s" >/dev/null 2>&1 || true
		done
	fi
	nono_teardown
}

drive() {
	"$PY" "$DRIVE" --log "$TEST_ROOT/term.log" "$@"
}

term_log() {
	cat "$TEST_ROOT/term.log"
}

# The only session's id (there is one per test unless said otherwise).
only_session() {
	ls "$HOME/.nono/sessions" | grep -E '^[0-9a-f]{16}$'
}

@test "session: on a terminal the command has a PTY of its own; output, exit code and records" {
	run drive expect:ready wait -- "$NONO" run -s --allow-cwd -- \
		sh -c 'tty; stty size; echo ready; exit 7'
	assert_contains "$output" "EXIT 7" stdout
	assert_contains "$(term_log)" "/dev/pts/" terminal
	assert_contains "$(term_log)" "24 80" terminal
	id=$(only_session)
	[ -n "$id" ]
	dir="$HOME/.nono/sessions/$id"
	[ "$(stat -c %a "$HOME/.nono/sessions")" = 700 ]
	grep -q '"status":"exited"' "$dir/session.json"
	grep -q '"exit_code":7' "$dir/session.json"
	grep -q '"event":"start"' "$dir/events.ndjson"
	grep -q '"event":"exit"' "$dir/events.ndjson"
	head -1 "$dir/transcript.cast" | grep -q '"version": 2'
	# the attach socket goes with the session
	assert_missing "$dir/attach.sock"
	run --separate-stderr nono logs "$id"
	assert_status 0
	assert_contains "$output" ready stdout
	# control: without a terminal there is no PTY and no session
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'tty; exit 5'
	assert_status 5
	assert_contains "$output" "not a tty" stdout
	[ "$(only_session | wc -l)" -eq 1 ]
}

# Review 3 of session 16 (F4): OSC 52 (clipboard write and query) went
# from the command to the user's terminal, which puts on the clipboard
# what the user may paste into a shell outside.  Dropped on the way now,
# also when split between writes, behind leading zeros or a control byte
# in its number, inside tmux's DCS passthrough, with a C1 introducer, and
# kitty's and iTerm2's clipboards (review 4); a title and a hyperlink
# pass; the transcript keeps what the command wrote.
@test "session: the clipboard escape (OSC 52) never reaches the user's terminal; other OSCs do" {
	run drive wait -- "$NONO" run --allow-cwd -- sh -c '
		printf "A\033]52;c;ZXZpbA==\007B\033]0;nono-title\007C"
		printf "D\033]5"; sleep 0.3; printf "2;c;?\033\\\\E"
		printf "F\033]00052;c;Zm9v\007G\033]8;;http://x/\033\\\\link\033]8;;\033\\\\H"
		printf "I\033]5\0012;c;YmFy\007J\033Ptmux;\033\033]52;c;dG11eA==\007\033\\\\K"
		printf "L\302\23552;c;eA==\007M\23552;c;eA==\007N\033]5522;x\007O\033]1337;Copy=:x\007P\n"'
	assert_contains "$output" "EXIT 0" stdout
	"$PY" - "$TEST_ROOT/term.log" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
for bad in (b"]52", b"]0005", b"ZXZpbA", b"Zm9v", b"c;?", b"YmFy", b"dG11eA", b"tmux;",
            b"\x9d", b"]5522", b"]1337", b"eA=="):
    assert bad not in t, (bad, t)
for good in (b"\x1b]0;nono-title\x07", b"\x1b]8;;http://x/", b"link"):
    assert good in t, (good, t)
for ch in b"ABCDEFGHIJKLMNOP":
    assert bytes([ch]) in t, (ch, t)
PY
	# control: the transcript keeps the command's bytes
	run --separate-stderr nono logs --raw "$(only_session)"
	assert_contains "$output" $'\e]52;c;ZXZpbA==' stdout
}

# Review r3, finding 2: after a byte >= 0xc0 the filter took a raw 0x9d
# or 0x90 for a UTF-8 continuation and passed it, also where no character
# was (E0 9D); a terminal with 8-bit controls reads it as OSC or DCS.  Now
# the filter decodes UTF-8 strictly, and after a valid character carrying
# one cancels (a CAN) the ';' of an OSC off the list and the final byte of
# a DCS that acts.  Fails on 67c4d75.
@test "session: a C1 OSC or DCS behind a UTF-8 lead byte never reaches the terminal; UTF-8 text passes" {
	run drive wait -- "$NONO" run --allow-cwd -- sh -c '
		printf "A\303\23552;c;ZWNobyBQV05FRA==\007B\340\23552;c;eA==\007C"
		printf "\303\220+q544e\033\\\\D\347\235\20052;c;eA==\007E"
		printf "\303\235x \347\235\200 ok \346\210\220 | 12;3 \360\237\220\215F\n"'
	assert_contains "$output" "EXIT 0" stdout
	"$PY" - "$TEST_ROOT/term.log" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
for bad in (b"\x9d52;", b"\x9d\x8052;", b"\x90+q", b"\xe0\x9d"):
    assert bad not in t, (bad, t)
# control: the text, and the valid characters themselves, pass
for good in (b"\xc3\x9dx \xe7\x9d\x80 ok \xe6\x88\x90 | 12;3 \xf0\x9f\x90\x8dF",
             b"\xc3\x9d52\x18c;ZWNobyBQV05FRA==",  # cancelled: its text shows
             b"B\xe0\x18C"):  # no character: dropped to its end
    assert good in t, (good, t)
for ch in b"ABCDEF":
    assert bytes([ch]) in t, (ch, t)
PY
}

@test "session: the window size follows the terminal (SIGWINCH)" {
	run drive --rows 30 --cols 100 expect:size0 resize:40x120 expect:'size 40 120' \
		'send:q\r' wait -- "$NONO" run -s --allow-cwd -- sh -c '
		trap "echo size \$(stty size)" WINCH
		echo size0 $(stty size)
		read x; exit 0'
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "size0 30 100" terminal
}

@test "session: job control works on the session's own terminal, not the user's" {
	require_cmd bash
	run drive expect-re:'[$#] ' 'send:sleep 100 & echo BG=$!.\r' 'send:jobs\r' expect:Running \
		'send:kill %1; tty; exit 3\r' wait -- \
		"$NONO" run -s --allow-cwd -- bash --norc --noprofile -i
	assert_contains "$output" "EXIT 3" stdout
	assert_contains "$(term_log)" "Running" terminal
	# the shell's terminal is the session's pty
	assert_contains "$(term_log)" "/dev/pts/" terminal
	# control: nothing of it is left running (its pid, not any sleep)
	bg=$(term_log | sed -n 's/.*BG=\([0-9]*\)\..*/\1/p' | head -1)
	[ -n "$bg" ]
	run kill -0 "$bg"
	[ "$status" -ne 0 ] || { echo "sleep $bg outlived the session"; false; }
}

@test "session: modes the program left on are switched off for the user's terminal" {
	run drive expect:tui wait -- "$NONO" run -s --allow-cwd -- sh -c \
		'printf "\033[?1049h\033[?1000h\033[?2004h\033[?25ltui"; sleep 0.2; exit 0'
	assert_contains "$output" "EXIT 0" stdout
	"$PY" - "$TEST_ROOT/term.log" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
after = t[t.rindex(b"tui"):]
for seq in (b"\x1b[?1049l", b"\x1b[?1000l", b"\x1b[?2004l", b"\x1b[?25h"):
    assert seq in after, (seq, after)
PY
	# control: a program that switches nothing on gets no alternate
	# screen switch written after it
	run drive expect:plain wait -- "$NONO" run -s --allow-cwd -- sh -c 'echo plain'
	refute_contains "$(term_log)" $'\e[?1049l' terminal
}

@test "session: --startup-timeout stops a program that never shows its interface" {
	run drive wait -- "$NONO" run --startup-timeout 1 --allow-cwd -- sh -c 'echo banner; sleep 30'
	refute_contains "$output" "EXIT 0" stdout
	assert_contains "$output" "EXIT 143" stdout
	assert_contains "$(term_log)" "startup-timeout" terminal
	grep -q '"event":"startup_timeout"' "$HOME"/.nono/sessions/*/events.ndjson
	# control: one that enters the alternate screen in time runs on
	run drive wait -- "$NONO" run -s --startup-timeout 1 --allow-cwd -- sh -c \
		'printf "\033[?1049h"; sleep 1.5; printf "\033[?1049l"; exit 4'
	assert_contains "$output" "EXIT 4" stdout
	# the hint names the built-in profile of a known agent
	mkdir -p bin
	printf '#!/bin/sh\nsleep 30\n' >bin/opencode
	chmod +x bin/opencode
	run drive wait -- "$NONO" run --startup-timeout 1 --allow-cwd -- ./bin/opencode
	assert_contains "$(term_log)" "--profile opencode" terminal
}

@test "session: bad values of the session flags are one-line errors" {
	run --separate-stderr nono run --startup-timeout soon --allow-cwd -- true
	assert_nono_error "--startup-timeout: expected whole seconds"
	run --separate-stderr nono run --detach-timeout 0 --allow-cwd -- true
	assert_nono_error "--detach-timeout: expected whole seconds, 1 or more"
	NONO_STARTUP_TIMEOUT=x run --separate-stderr nono run --allow-cwd -- true
	assert_nono_error "NONO_STARTUP_TIMEOUT: expected whole seconds"
	run --separate-stderr nono wrap --detached --allow-cwd -- true
	assert_nono_error "--detached is not available on nono wrap"
	run --separate-stderr nono run --name 'a b' --detached --allow-cwd -- true
	assert_nono_error "--name: letters, digits"
	# control: good values start
	run --separate-stderr nono run -s --startup-timeout 0 --allow-cwd -- true
	assert_status 0
}

@test "session: detached start, attach, detach keys, read-only observer, busy, stop" {
	run --separate-stderr nono run --detached --name work --allow-cwd -- sh -c \
		'i=0; while [ $i -lt 600 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done'
	assert_status 0
	assert_contains "$output" "Started session work" stdout
	assert_contains "$output" "nono attach work" stdout
	run --separate-stderr nono ps
	assert_contains "$output" "work" stdout
	assert_contains "$output" "running" stdout
	# a second live session cannot take the name
	run --separate-stderr nono run --detached --name work --allow-cwd -- true
	assert_nono_error "already named 'work'"
	# attach, see it run, detach with Ctrl-] d: it runs on
	run drive expect:tick 'send:\x1dd' expect:detached wait -- "$NONO" attach work
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "[detached from work" terminal
	run --separate-stderr nono ps --json
	assert_contains "$output" '"status":"running"' stdout
	assert_contains "$output" '"attached":false' stdout
	# a controller and an observer at once; a second controller is busy
	"$PY" "$DRIVE" --timeout 20 expect:tick sleep:3 'send:\x1dd' wait -- "$NONO" attach work \
		>"$TEST_ROOT/ctl.out" &
	BG_PIDS+=($!)
	sleep 1
	run --separate-stderr nono attach work
	assert_nono_error "busy"
	assert_contains "$stderr" "nono attach --read-only work" stderr
	run drive expect:tick 'send:\x1dd' wait -- "$NONO" attach --read-only work
	assert_contains "$output" "EXIT 0" stdout
	wait "${BG_PIDS[0]}"
	grep -q "EXIT 0" "$TEST_ROOT/ctl.out"
	# nono stop ends it (the event log says by which signal), and every
	# process of it
	child=$(nono ps --json | "$PY" -c 'import json,sys; print([s for s in json.load(sys.stdin) if s["name"]=="work"][0]["child_pid"])')
	kill -0 "$child"
	run --separate-stderr nono stop work
	assert_status 0
	assert_contains "$output" "stopped work" stdout
	run --separate-stderr nono ps --all
	assert_contains "$output" "exited" stdout
	run --separate-stderr nono logs --events work
	assert_contains "$output" '"event":"signal","signal":15,"name":"TERM"' stdout
	run kill -0 "$child"
	[ "$status" -ne 0 ] || { echo "the sandbox ($child) outlived nono stop"; false; }
}

@test "session: nono detach lets the controlling client go; a foreground session cannot be detached" {
	nono run --detached --name bg --allow-cwd -- sh -c 'while :; do echo x; sleep 0.2; done' >/dev/null
	"$PY" "$DRIVE" --timeout 20 expect:x wait -- "$NONO" attach bg >"$TEST_ROOT/att.out" &
	BG_PIDS+=($!)
	for _ in $(seq 50); do
		nono ps --json | grep -q '"attached":true' && break
		sleep 0.1
	done
	run --separate-stderr nono detach bg
	assert_status 0
	assert_contains "$output" "detached the client of bg" stdout
	wait "${BG_PIDS[0]}"
	grep -q "EXIT 0" "$TEST_ROOT/att.out"
	# nothing attached now: said so
	run --separate-stderr nono detach bg
	assert_nono_error "nothing is attached to session bg"
	# a foreground session ends with its terminal: refused, with the flag
	"$PY" "$DRIVE" --timeout 20 sleep:3 -- "$NONO" run -s --name fg --allow-cwd -- sleep 5 >/dev/null &
	BG_PIDS+=($!)
	for _ in $(seq 50); do
		nono ps | grep -q ' fg ' && break
		sleep 0.1
	done
	run --separate-stderr nono detach fg
	assert_nono_error "runs in the foreground of its terminal"
	assert_contains "$stderr" "nono run --detached" stderr
}

@test "session: logs --tail, --json, --events and -f; inspect; ps --json" {
	run --separate-stderr nono run --detached --name lg --allow-cwd -- sh -c \
		'for i in 1 2 3 4 5; do echo line$i; done; sleep 1; echo late'
	assert_status 0
	sleep 0.5
	run --separate-stderr nono logs lg --tail 2
	assert_status 0
	assert_contains "$output" "line5" stdout
	refute_contains "$output" "line3" stdout
	# -f follows until the session ends
	run --separate-stderr nono logs -f lg
	assert_status 0
	assert_contains "$output" "line1" stdout
	assert_contains "$output" "late" stdout
	run --separate-stderr nono logs --json lg
	assert_contains "$output" '"type":"o"' stdout
	run --separate-stderr nono logs --events lg
	assert_contains "$output" '"event":"start"' stdout
	assert_contains "$output" '"event":"exit"' stdout
	run --separate-stderr nono inspect lg
	assert_contains "$output" "Session    lg" stdout
	assert_contains "$output" "exited" stdout
	run --separate-stderr nono inspect --events lg
	assert_status 0
	assert_contains "$output" " start id=" stdout
	assert_contains "$output" " exit code=0 signal=0" stdout
	run --separate-stderr nono inspect --json lg
	echo "$output" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["session"]["name"] == "lg"; assert d["events"][0]["event"] == "start"'
	run --separate-stderr nono ps --all --json
	echo "$output" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["name"] == "lg" and d[0]["status"] == "exited"'
}

@test "session: unknown, ambiguous and dead sessions; prune; a registry others can write is refused" {
	run --separate-stderr nono attach nosuch
	assert_nono_error "no session 'nosuch'"
	nono run --detached --name alpha1 --allow-cwd -- sleep 30 >/dev/null
	nono run --detached --name alpha2 --allow-cwd -- sleep 30 >/dev/null
	run --separate-stderr nono inspect alpha
	assert_nono_error "'alpha' is ambiguous"
	assert_contains "$stderr" "alpha1" stderr
	assert_contains "$stderr" "alpha2" stderr
	# a supervisor killed outright: dead, never "running"
	read -r pid child < <(nono ps --json | "$PY" -c 'import json,sys; s=[s for s in json.load(sys.stdin) if s["name"]=="alpha1"][0]; print(s["supervisor_pid"], s["child_pid"])')
	kill -0 "$child"
	kill -9 "$pid"
	for _ in $(seq 50); do
		nono ps | grep alpha1 | grep -q dead && break
		sleep 0.1
	done
	run --separate-stderr nono ps
	assert_contains "$output" "dead" stdout
	run --separate-stderr nono attach alpha1
	assert_nono_error "no supervisor any more (dead)"
	# its sandbox went with it
	for _ in $(seq 50); do
		kill -0 "$child" 2>/dev/null || break
		sleep 0.1
	done
	run kill -0 "$child"
	[ "$status" -ne 0 ] || { echo "the sandbox of a dead session runs on"; false; }
	run --separate-stderr nono prune --dry-run
	assert_contains "$output" "would remove alpha1" stdout
	[ -d "$HOME/.nono/sessions" ]
	run --separate-stderr nono prune
	assert_contains "$output" "removed alpha1" stdout
	refute_contains "$output" alpha2 stdout
	run --separate-stderr nono ps --all
	refute_contains "$output" alpha1 stdout
	nono stop --force alpha2 >/dev/null
	# prune --keep 1 keeps the newest ended one
	run --separate-stderr nono prune --keep 1
	assert_contains "$output" "nothing to prune" stdout
	# a registry another user could write is refused
	chmod 0777 "$HOME/.nono/sessions"
	run --separate-stderr nono ps
	assert_status 1
	assert_contains "$stderr" "sessions" stderr
	chmod 0700 "$HOME/.nono/sessions"
	run --separate-stderr nono ps
	assert_status 0
}

@test "session: kill -9 of the supervisor at fixed points never leaves a session shown running" {
	for delay in 0 0.05 0.1 0.2 0.4; do
		"$NONO" run -s --detached --name "k$delay" --allow-cwd -- sleep 30 >/dev/null 2>&1 &
		sleep "$delay"
		pkill -9 -f "nono run -s --detached --name k$delay" || true
		wait || true
	done
	sleep 0.3
	run --separate-stderr nono ps --all --json
	assert_status 0
	echo "$output" | "$PY" -c '
import json, sys, os
for s in json.load(sys.stdin):
    if s["status"] in ("running", "starting"):
        # only when its supervisor really runs
        os.kill(s["supervisor_pid"], 0)
'
	run --separate-stderr nono prune
	assert_status 0
	run --separate-stderr nono ps
	refute_contains "$output" "dead" stdout
}

@test "session: a run started in the background of a shell keeps the direct terminal (no stop on SIGTTOU)" {
	require_cmd bash
	run drive expect-re:'[$#] ' \
		"send:\"$NONO\" run -s --allow-cwd -- sh -c 'sleep 0.3; echo bg-done' & wait; echo waited-\$?\\r" \
		expect:waited- 'send:exit\r' wait -- bash --norc --noprofile -i
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "bg-done" terminal
	assert_contains "$(term_log)" "waited-0" terminal
	refute_contains "$(term_log)" "Stopped" terminal
	# no session for it: it had no terminal of its own
	[ -z "$(only_session 2>/dev/null)" ]
}

@test "session: another user's session is refused, by the registry and by its socket" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to act as two users"
	other="$TEST_ROOT/other-home"
	mkdir -p "$other"
	chown nobody:nogroup "$other"
	chmod 755 "$TEST_ROOT" "$TEST_DIR"
	(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$other" \
		"$NONO" run -s --detached --name theirs --allow-cwd -- sleep 30) >/dev/null
	# their registry is not ours to use
	HOME="$other" run --separate-stderr "$NONO" attach theirs
	assert_status 1
	assert_contains "$stderr" "is not private to you" stderr
	# nor is their socket, reached directly
	sock=$(ls "$other"/.nono/sessions/*/attach.sock)
	run "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
print(s.recv(4096))' "$sock"
	assert_contains "$output" "not your session" stdout
	# control: its owner attaches
	run setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$other" \
		"$PY" "$DRIVE" --log "$other/t.log" sleep:1 'send:\x1dd' wait -- "$NONO" attach theirs
	assert_contains "$output" "EXIT 0" stdout
	setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$other" "$NONO" stop --force theirs >/dev/null
}

# Attacker review: the system grant of nono's own terminal followed nono's
# fds, which in a session are the user's terminal, not the command's; a
# detached sandbox then read what the user typed there.
@test "session: the sandbox cannot open the user's terminal by name, only its own" {
	run drive expect:done wait -- sh -c 'outer=$(tty); exec "$0" run -s --allow-cwd -- sh -c "
		echo stolen >\"\$1\" 2>/dev/null && echo OUTER-OPENED || echo outer-refused
		echo mine >\"\$(tty)\" && echo own-ok; echo done" sh "$outer"' "$NONO"
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "outer-refused" terminal
	refute_contains "$(term_log)" "OUTER-OPENED" terminal
	# control: its own terminal opens by name
	assert_contains "$(term_log)" "own-ok" terminal
	# detached: the terminal it was started from is out of reach too
	run drive expect:Attach wait -- sh -c 'outer=$(tty); exec "$0" run --detached --name steal --allow-cwd -- sh -c "
		sleep 0.5; (echo stolen >\"\$1\") 2>/dev/null && echo OUTER-OPENED || echo outer-refused" sh "$outer"' "$NONO"
	for _ in $(seq 50); do
		nono ps --all | grep steal | grep -q exited && break
		sleep 0.1
	done
	run --separate-stderr nono logs steal
	assert_contains "$output" "outer-refused" stdout
	refute_contains "$output" "OUTER-OPENED" stdout
}

# Attacker review: the transcript had no ceiling, and control bytes take six
# bytes each in it: a sandbox with no write grant filled the home's disk.
@test "session: the transcript has a ceiling (NONO_TRANSCRIPT_MAX_MB); the sandbox cannot fill the disk" {
	NONO_TRANSCRIPT_MAX_MB=1 run --separate-stderr nono run --detached --name fill --allow-cwd -- \
		sh -c 'head -c 20000000 /dev/zero; echo; echo after'
	assert_status 0
	for _ in $(seq 100); do
		nono ps --all | grep fill | grep -q exited && break
		sleep 0.1
	done
	size=$(stat -c %s "$HOME"/.nono/sessions/*/transcript.cast)
	[ "$size" -lt $((2 * 1024 * 1024)) ] || { echo "transcript is $size bytes"; false; }
	grep -q '"event":"transcript_stopped"' "$HOME"/.nono/sessions/*/events.ndjson
	grep -q 'size limit' "$HOME"/.nono/sessions/*/transcript.cast
	# the session itself ran to its end
	grep -q '"exit_code":0' "$HOME"/.nono/sessions/*/session.json
	# control: output under the ceiling is recorded whole
	nono prune >/dev/null
	run --separate-stderr nono run --detached --name small --allow-cwd -- \
		sh -c 'head -c 200000 /dev/zero | tr "\0" "y"; echo; echo the-end'
	for _ in $(seq 100); do
		nono ps --all | grep small | grep -q exited && break
		sleep 0.1
	done
	run --separate-stderr nono logs small
	assert_contains "$output" "the-end" stdout
	[ "$(printf '%s' "$output" | tr -cd y | wc -c)" -eq 200000 ]
}

# Attacker review: nono logs wrote the sandbox's bytes to the user's
# terminal as they were: its queries were answered into the user's shell,
# its OSC 52 set the user's clipboard.
@test "session: nono logs on a terminal passes colours, not queries, clipboard, titles or modes" {
	nono run --detached --name q --allow-cwd -- sh -c \
		'printf "\033[c\033]52;c;Zm9v\007hi \033[31mred\033[0m caf\303\251 \302\251 \302\233X \033[?1049h\033P+q\033\\\\done\n"' >/dev/null
	for _ in $(seq 100); do
		nono ps --all | grep ' q ' | grep -q exited && break
		sleep 0.1
	done
	run drive wait -- "$NONO" logs q
	assert_contains "$output" "EXIT 0" stdout
	"$PY" - "$TEST_ROOT/term.log" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
assert b"hi \x1b[31mred\x1b[0m" in t, t           # colours pass
assert "café ©".encode() in t, t                   # text, UTF-8 whole
for bad in (b"\x1b[c", b"\x1b]52", b"\x1b[?1049h", b"\x1bP", b"\xc2\x9b", b"\x9b"):
    assert bad not in t, (bad, t)
assert b"done" in t, t
PY
	# control: --raw, and a pipe, get the bytes as recorded
	run drive wait -- "$NONO" logs --raw q
	grep -q $'\e\\[c' "$TEST_ROOT/term.log"
	run --separate-stderr nono logs q
	assert_contains "$output" $'\e]52;c;Zm9v' stdout
}

# Attacker review: a switch hidden after an ESC inside an OSC string (which
# terminals act on) escaped the reset.
@test "session: a mode switched on inside an OSC string is switched off too" {
	run drive expect:shown wait -- "$NONO" run -s --allow-cwd -- sh -c \
		'printf "\033]0;t\033[?1000h\033[?1049h\007shown"; sleep 0.2'
	assert_contains "$output" "EXIT 0" stdout
	"$PY" - "$TEST_ROOT/term.log" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
after = t[t.rindex(b"shown"):]
for seq in (b"\x1b[?1049l", b"\x1b[?1000l"):
    assert seq in after, (seq, after)
PY
}

# Attacker review: an attach client that lost its supervisor left the
# session's modes (alternate screen, mouse) on the user's terminal.
@test "session: an attached client whose session is killed restores the user's terminal" {
	nono run --detached --name tui --allow-cwd -- sh -c \
		'printf "\033[?1049h\033[?1000h\033[?25lTUI"; sleep 30' >/dev/null
	"$PY" "$DRIVE" --log "$TEST_ROOT/term.log" --timeout 20 expect:TUI wait -- "$NONO" attach tui \
		>"$TEST_ROOT/att.out" &
	BG_PIDS+=($!)
	for _ in $(seq 50); do
		grep -q TUI "$TEST_ROOT/term.log" 2>/dev/null && break
		nono ps --json | grep -q '"attached":true' && break
		sleep 0.1
	done
	sleep 0.5
	pid=$(nono ps --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["supervisor_pid"])')
	kill -9 "$pid"
	wait "${BG_PIDS[0]}"
	"$PY" - "$TEST_ROOT/term.log" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
after = t[t.rindex(b"TUI"):]
for seq in (b"\x1b[?1049l", b"\x1b[?1000l", b"\x1b[?25h"):
    assert seq in after, (seq, after)
PY
	grep -q "supervisor went away" "$TEST_ROOT/term.log"
}

@test "session: less on a detached session: attach, detach, attach again, the screen is back" {
	require_cmd less
	seq 1 200 | sed 's/^/row-/' >rows.txt
	nono run --detached --name pager --read "$TEST_DIR" --allow-cwd -- env TERM=xterm less rows.txt >/dev/null
	run drive expect:row-1 sleep:0.3 'send:\x1dd' wait -- "$NONO" attach pager
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "row-20" terminal
	# again: the full-screen program is shown as it is (its alternate
	# screen replayed, then its own repaint)
	run drive expect:row-20 'send:q' wait -- "$NONO" attach pager
	assert_contains "$output" "EXIT 0" stdout
	# q ended less: the attached client got its exit
	for _ in $(seq 50); do
		nono ps --all | grep pager | grep -q exited && break
		sleep 0.1
	done
	run --separate-stderr nono ps --all
	assert_contains "$output" "exited" stdout
}

@test "session: a client that goes in the middle of a replay leaves the session serving others" {
	nono run --detached --name big --allow-cwd -- sh -c \
		'i=0; while [ $i -lt 20000 ]; do echo "line $i of a long scrollback"; i=$((i+1)); done; sleep 30' >/dev/null
	sleep 1
	sock=$(ls "$HOME"/.nono/sessions/*/attach.sock)
	# HELLO (read-only, 24x80) in the one codec, read a little, vanish
	"$PY" - "$sock" <<'PY'
import socket, struct, sys
def field(tag, val):
    return struct.pack("<HI", tag, len(val)) + val
u = lambda v: struct.pack("<Q", v)
hello = b"NM" + bytes([1, 5]) + struct.pack("<H", 3) + field(30, u(1)) + field(31, u(24)) + field(32, u(80))
for _ in range(5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    s.send(hello)
    s.recv(65536)
    s.close()
PY
	run drive expect:'line 19999 of' 'send:\x1dd' wait -- "$NONO" attach --read-only big
	assert_contains "$output" "EXIT 0" stdout
	run --separate-stderr nono ps
	assert_contains "$output" "running" stdout
}

@test "session: vim in a session: typed into, saved, exits; the terminal is given back" {
	require_cmd vim
	run drive expect:'~' 'send:ihello from vim\x1b' 'send::wq\r' wait -- \
		"$NONO" run -s --allow-cwd --allow "$TEST_DIR" -- env TERM=xterm vim -u NONE -N note.txt
	assert_contains "$output" "EXIT 0" stdout
	assert_file_content note.txt "hello from vim"
	# vim's alternate screen is left at the end
	"$PY" - "$TEST_ROOT/term.log" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
assert t.rfind(b"\x1b[?1049l") > t.rfind(b"\x1b[?1049h"), t[-300:]
PY
}

@test "session: a detached session asks its save prompt of the attached client; unanswered, it is no" {
	mkdir -p other proj
	echo payload >other/data
	cd proj
	profiles="$HOME/.config/nono/profiles"
	# attached when the question comes: answered there
	nono run --detached --name sp --allow-cwd -- sh -c 'sleep 1; cat "$0"' "$TEST_DIR/other/data" >/dev/null
	run drive "on:[s]uppress these: =>y\r" wait -- "$NONO" attach sp
	assert_contains "$output" "EXIT 1" stdout
	assert_contains "$(term_log)" "the sandbox refused" terminal
	[ -f "$profiles/local.json" ] || { term_log; false; }
	grep -q "$TEST_DIR/other/data" "$profiles/local.json"
	grep -q '"event":"prompt"' "$HOME"/.nono/sessions/*/events.ndjson
	# nobody attached: it waits (nono ps shows the question), then no
	rm -f "$profiles/local.json"
	NONO_PROMPT_TIMEOUT=3 nono run --detached --name sp2 --allow-cwd -- cat "$TEST_DIR/other/data" >/dev/null
	waited=
	for _ in $(seq 50); do
		if nono ps --json | grep -q '"waiting":"Save to profile'; then
			waited=yes
			break
		fi
		sleep 0.1
	done
	[ -n "$waited" ] || { nono ps --json; false; }
	run --separate-stderr nono inspect sp2
	assert_contains "$output" "Waiting    Save to profile" stdout
	for _ in $(seq 100); do
		nono ps --all | grep sp2 | grep -q exited && break
		sleep 0.1
	done
	run --separate-stderr nono ps --all
	assert_contains "$output" "exited" stdout
	[ ! -f "$profiles/local.json" ]
}
