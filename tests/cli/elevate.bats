#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Capability elevation (issue 17): --capability-elevation puts an open,
# creat or mkdir the grants refuse to the user on the terminal (a real pty:
# tests/cli/lib/ptydrive.py types the answers), and the supervisor performs
# what is approved.  Protected paths are never offered; without a terminal
# nothing is asked and everything beyond the grants stays refused.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	DRIVE="$BATS_TEST_DIRNAME/lib/ptydrive.py"
	O="$TEST_DIR/out"
	mkdir -p "$O" proj "$HOME/.ssh"
	echo APPROVED-BYTES >"$O/ok.txt"
	echo OTHER-BYTES >"$O/other.txt"
	echo PRIVATE-KEY-BYTES >"$HOME/.ssh/id_rsa"
	cd proj || return 1
}

teardown() {
	[ -z "${KEEPLOG:-}" ] || cp "$TEST_ROOT/term.log" "$KEEPLOG.$BATS_TEST_NUMBER" 2>/dev/null || true
	nono_teardown
}

# Keys typed before 0.4 s are ignored by a question (type-ahead): answers
# come 0.6 s after it appears.
drive() {
	"$PY" "$DRIVE" --timeout 30 --log "$TEST_ROOT/term.log" "$@"
}

term_log() {
	tr -d '\r' <"$TEST_ROOT/term.log"
}

@test "elevation: a read beyond the grants is asked on the terminal: once serves it, deny refuses it; without the flag nothing is asked" {
	run drive expect:'asks to read' sleep:0.6 'send:o{code}' wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "cat '$O/ok.txt'; echo rc=\$?"
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "asks to read $O/ok.txt" terminal
	assert_contains "$(term_log)" "APPROVED-BYTES" terminal
	assert_contains "$(term_log)" "rc=0" terminal
	run drive expect:'asks to read' sleep:0.6 send:d wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "cat '$O/ok.txt'; echo rc=\$?"
	refute_contains "$(term_log)" "APPROVED-BYTES" terminal
	assert_contains "$(term_log)" "rc=1" terminal
	# Control: without elevation, no question and a refusal.
	run drive sleep:1 wait -- \
		"$NONO" run -s --allow-cwd -- sh -c "cat '$O/ok.txt'; echo rc=\$?"
	refute_contains "$(term_log)" "asks to" terminal
	refute_contains "$(term_log)" "APPROVED-BYTES" terminal
	assert_contains "$(term_log)" "rc=1" terminal
}

@test "elevation: keys typed before a question appears, or without its digits, do not answer it" {
	# o and the digits arrive with the question, within the 0.4 s in
	# which keys are the command's; then s and o without the digits (a
	# user typing "so"): the question stays up and is denied by 'd'.
	run drive expect:'asks to read' 'send:o{code}' sleep:0.6 send:so sleep:0.3 send:d wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "cat '$O/ok.txt'; echo rc=\$?"
	refute_contains "$(term_log)" "APPROVED-BYTES" terminal
	assert_contains "$(term_log)" "denied for this session" terminal
	# After o, anything but the right digit denies (one try), and so does
	# a burst holding every code (a paste, a report): review 2.
	run drive expect:'asks to read' sleep:0.6 send:ox wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "cat '$O/ok.txt'; echo rc=\$?"
	refute_contains "$(term_log)" "APPROVED-BYTES" terminal
	assert_contains "$(term_log)" "denied for this session" terminal
	burst=$(for i in $(seq -w 0 99); do printf 'o%s' "$i"; done)
	run drive expect:'asks to read' sleep:0.6 "send:$burst" wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "cat '$O/ok.txt'; echo rc=\$?"
	refute_contains "$(term_log)" "APPROVED-BYTES" terminal
	# Control: the same 'o' after the deaf window approves.
	run drive expect:'asks to read' sleep:0.6 'send:o{code}' wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "cat '$O/ok.txt'; echo rc=\$?"
	assert_contains "$(term_log)" "APPROVED-BYTES" terminal
}

@test "elevation: this session is asked once; writes, new files and directories are performed by the supervisor" {
	run drive ondelay:0.6 on:'asks to=>s{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "
			cat '$O/ok.txt' '$O/ok.txt' '$O/ok.txt' >/dev/null && echo reads:ok
			echo new >'$O/made.txt' && echo create:ok
			echo more >>'$O/other.txt' && echo write:ok
			mkdir '$O/dir' && echo mkdir:ok"
	assert_contains "$output" "EXIT 0" stdout
	[ "$(term_log | grep -c "asks to read $O/ok.txt")" -eq 1 ]
	assert_contains "$(term_log)" "reads:ok" terminal
	assert_contains "$(term_log)" "asks to create $O/made.txt" terminal
	assert_contains "$(term_log)" "asks to write $O/other.txt" terminal
	assert_contains "$(term_log)" "asks to make the directory $O/dir" terminal
	assert_file_content "$O/made.txt" new
	[ "$(tail -1 "$O/other.txt")" = more ]
	[ -d "$O/dir" ]
}

@test "elevation: what was approved is listed after the run and offered to the save prompt; saved, the next run asks nothing" {
	run drive ondelay:0.6 on:'asks to=>o{code}' expect:'Save to profile' sleep:0.3 'send:y\r' wait -- \
		"$NONO" run --capability-elevation --allow-cwd -- sh -c "cat '$O/ok.txt'; echo new >'$O/made.txt'"
	assert_contains "$(term_log)" "approved during this session" terminal
	assert_contains "$(term_log)" "(from the start: --read-file $O/ok.txt)" terminal
	assert_contains "$(term_log)" "(from the start: --allow-file $O/made.txt)" terminal
	grep -q "$O/ok.txt" "$HOME/.config/nono/profiles/local.json"
	grep -q "$O/made.txt" "$HOME/.config/nono/profiles/local.json"
	# Control: with the saved profile, the same command asks nothing.
	run drive sleep:1 wait -- \
		"$NONO" run -s --profile local --capability-elevation --allow-cwd -- cat "$O/ok.txt"
	refute_contains "$(term_log)" "asks to" terminal
	assert_contains "$(term_log)" "APPROVED-BYTES" terminal
}

@test "elevation: protected paths, devices and /proc are never offered" {
	run drive ondelay:0.6 on:'asks to=>o{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "
			cat '$HOME/.ssh/id_rsa'; echo key=\$?
			head -c1 /dev/mem >/dev/null; echo mem=\$?
			cat /sys/devices/system/cpu/online; echo sys=\$?"
	refute_contains "$(term_log)" "asks to" terminal
	refute_contains "$(term_log)" "PRIVATE-KEY-BYTES" terminal
	assert_contains "$(term_log)" "key=1" terminal
	assert_contains "$(term_log)" "sys=1" terminal
	# Control: a plain file beside them is offered.
	run drive ondelay:0.6 on:'asks to=>o{code}' wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- cat "$O/ok.txt"
	assert_contains "$(term_log)" "APPROVED-BYTES" terminal
}

@test "elevation: never asked, whatever name leads there: a key behind a link in ~/.ssh, a hard link, a denied path, a credential's file" {
	mkdir -p "$TEST_DIR/keys" "$TEST_DIR/srv/secret" "$TEST_DIR/hl"
	echo LINKED-KEY-BYTES >"$TEST_DIR/keys/id_ed25519"
	ln -s "$TEST_DIR/keys/id_ed25519" "$HOME/.ssh/id_ed25519"
	ln "$TEST_DIR/keys/id_ed25519" "$TEST_DIR/hl/copy"
	echo DENIED-BYTES >"$TEST_DIR/srv/secret/x"
	echo sk-REAL-API-KEY-123 >"$TEST_DIR/apikey"
	chmod 600 "$TEST_DIR/apikey"
	mkdir -p "$HOME/.config/nono/profiles"
	cat >"$HOME/.config/nono/profiles/rev.json" <<JSON
{"extends":"default","filesystem":{"deny":["$TEST_DIR/srv/secret"]},
 "network":{"credentials":["testai"],"custom_credentials":{"testai":{
   "upstream":"http://127.0.0.1:9/v1","credential_key":"file://$TEST_DIR/apikey"}}}}
JSON
	run drive ondelay:0.6 on:'asks to=>o{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --profile rev --allow-cwd -- sh -c "
			cat '$HOME/.ssh/id_ed25519' '$TEST_DIR/hl/copy' '$TEST_DIR/srv/secret/x' '$TEST_DIR/apikey'; echo DONE"
	assert_contains "$(term_log)" "DONE" terminal
	refute_contains "$(term_log)" "asks to" terminal
	refute_contains "$(term_log)" "LINKED-KEY-BYTES" terminal
	refute_contains "$(term_log)" "DENIED-BYTES" terminal
	refute_contains "$(term_log)" "sk-REAL-API-KEY-123" terminal
	# Control: a plain file beside them is asked about and served.
	echo PLAIN-BYTES >"$TEST_DIR/srv/plain"
	run drive ondelay:0.6 on:'asks to=>o{code}' wait -- \
		"$NONO" run -s --capability-elevation --profile rev --allow-cwd -- cat "$TEST_DIR/srv/plain"
	assert_contains "$(term_log)" "PLAIN-BYTES" terminal
}

@test "elevation: names that would run code outside the sandbox later are never asked about, wherever they are" {
	git init -q .
	mkdir -p "$HOME/.config" "$HOME/.local" "$HOME/.cargo" "$O/vs/.vscode"
	git init -q --bare "$O/bare.git"
	run drive ondelay:0.6 on:'asks to=>o{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "
			echo x >>.git/config; echo x >.git/hooks/pre-commit; echo x >.envrc
			echo x >'$HOME/.gitconfig'; mkdir '$HOME/.config/autostart'
			mkdir -p '$HOME/.local/bin' 2>/dev/null; echo x >'$HOME/.local/bin/ls'; ls /sys >/dev/null
			echo x >'$O/vs/.vscode/tasks.json'; echo x >'$O/bare.git/hooks/post-update'
			echo x >'$HOME/.cargo/config.toml'; echo DONE"
	assert_contains "$(term_log)" "DONE" terminal
	refute_contains "$(term_log)" "asks to" terminal
	[ ! -e .envrc ]
	[ ! -e .git/hooks/pre-commit ]
	[ ! -e "$HOME/.gitconfig" ]
	[ ! -e "$HOME/.config/autostart" ]
	[ ! -e "$HOME/.local/bin" ]
	[ ! -e "$O/vs/.vscode/tasks.json" ]
	[ ! -e "$O/bare.git/hooks/post-update" ]
	[ ! -e "$HOME/.cargo/config.toml" ]
	! grep -q x .git/config
	# Review 2 of session 16 (F5): a directory on PATH (here one that is
	# no tool's) was offered; a plain directory beside it still is.
	mkdir -p "$O/mybin" "$O/plain"
	PATH="$O/mybin:$PATH" run drive ondelay:0.6 on:'asks to=>o{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "
			echo x >'$O/mybin/ls'; echo x >'$O/plain/f'; echo DONE"
	assert_contains "$(term_log)" "DONE" terminal
	refute_contains "$(term_log)" "asks to create $O/mybin" terminal
	assert_contains "$(term_log)" "asks to create $O/plain/f" terminal
	[ ! -e "$O/mybin/ls" ]
	[ -e "$O/plain/f" ]
	# Control: a plain new file beside them is asked about and made.
	run drive ondelay:0.6 on:'asks to=>o{code}' wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "echo x >plain.txt"
	assert_contains "$(term_log)" "asks to create" terminal
	[ -f plain.txt ]
}

@test "elevation: the question is shown whole and plain: the terminal reset first, control and non-ASCII bytes escaped" {
	name=$(printf 'x\302\2332K\342\200\256txt')
	echo NAMED-BYTES >"$O/$name"
	run drive ondelay:0.6 on:'asks to=>o{code}' wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "printf '\033]2;unterminated'; cat '$O/$name'"
	assert_contains "$(term_log)" 'x\xc2\x9b2K\xe2\x80\xaetxt' terminal
	# The unfinished string is ended before the question (CAN, ST).
	grep -q "$(printf '\030\033\\\\')" "$TEST_ROOT/term.log"
	! grep -q "$(printf '\302\233')" "$TEST_ROOT/term.log"
	assert_contains "$(term_log)" "NAMED-BYTES" terminal
}

@test "elevation: what is performed is the object asked about: a hard link renamed over it meanwhile is refused" {
	W="$TEST_DIR/wo"
	mkdir -p "$W"
	echo NOTES-BYTES >"$W/notes.txt"
	ln "$HOME/.ssh/id_rsa" "$W/hl"
	cat >swap.py <<PY
import os, threading, time
def swap():
    time.sleep(0.3)
    os.rename("$W/hl", "$W/notes.txt")
threading.Thread(target=swap).start()
try:
    print("GOT", open("$W/notes.txt").read().strip())
except OSError as e:
    print("REFUSED", e.errno)
PY
	run drive ondelay:1.0 on:'asks to read=>o{code}' wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd --write "$W" -- "$PY" swap.py
	assert_contains "$(term_log)" "asks to read $W/notes.txt" terminal
	refute_contains "$(term_log)" "PRIVATE-KEY-BYTES" terminal
	assert_contains "$(term_log)" "REFUSED" terminal
}

# The served cache (src/supervisor/elevate_fast.c): a path approved for
# the session and opened once is opened again on what was found then, but
# only while it is that object.
@test "elevation: an approved file opened again is served only while it is the object approved: a key linked over it is refused" {
	W="$TEST_DIR/wo"
	mkdir -p "$W"
	echo NOTES-BYTES >"$W/notes.txt"
	ln "$HOME/.ssh/id_rsa" "$W/hl"
	echo NEW-BYTES >"$W/new.txt"
	cat >again.py <<PY
import os
def read(tag):
    try:
        print(tag, open("$W/notes.txt").read().strip())
    except OSError as e:
        print(tag, "REFUSED", e.errno)
for i in range(3):
    read("first%d" % i)
os.rename("$W/hl", "$W/notes.txt")
read("linked")
os.rename("$W/new.txt", "$W/notes.txt")
read("replaced")
read("again")
PY
	run drive ondelay:1.0 on:'asks to read=>s{code}' wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd --write "$W" -- "$PY" again.py
	assert_contains "$output" "EXIT 0" stdout
	# Asked once, served three times (twice from the cache).
	[ "$(term_log | grep -c "asks to read $W/notes.txt")" -eq 1 ]
	[ "$(term_log | grep -c "first[0-9] NOTES-BYTES")" -eq 3 ]
	# A hard link to the key renamed over it: never served.
	assert_contains "$(term_log)" "linked REFUSED" terminal
	refute_contains "$(term_log)" "PRIVATE-KEY-BYTES" terminal
	# Control: a plain file put there is what the path's answer now
	# serves (the cached object is gone, nothing stale is handed out).
	assert_contains "$(term_log)" "replaced NEW-BYTES" terminal
	assert_contains "$(term_log)" "again NEW-BYTES" terminal
}

@test "elevation: a detached session asks its attached client, after the same terminal reset; a line for another question does not approve it" {
	"$NONO" run --detached --name el --capability-elevation --allow-cwd -- sh -c \
		"sleep 1; printf '\033]2;unterminated'; cat '$O/ok.txt'; echo rc=\$?; sleep 3" </dev/null >/dev/null
	run drive expect:'once: type o' sleep:0.3 'send:o00\r' sleep:0.5 'send:o{code}\r' expect:'rc=' \
		'send:\x1dd' wait -- "$NONO" attach el
	assert_contains "$(term_log)" "asks to read $O/ok.txt" terminal
	assert_contains "$(term_log)" "APPROVED-BYTES" terminal
	assert_contains "$(term_log)" "rc=0" terminal
	grep -q "$(printf '\030\033\\\\')" "$TEST_ROOT/term.log"
	"$NONO" stop --force el >/dev/null 2>&1 || true
	# A client waiting for its answer line still leaves on SIGTERM
	# (review: it ignored every signal but SIGKILL).
	"$NONO" run --detached --name el2 --capability-elevation --allow-cwd -- sh -c \
		"cat '$O/ok.txt'; sleep 30" </dev/null >/dev/null
	run drive expect:'once: type o' sleep:0.3 signal:SIGTERM wait -- "$NONO" attach el2
	refute_contains "$output" "TIMEOUT" stdout
	refute_contains "$(term_log)" "APPROVED-BYTES" terminal
	"$NONO" stop --force el2 >/dev/null 2>&1 || true
}

@test "elevation: without a terminal nothing is asked and what the grants refuse stays refused; the variable and the profile key turn it on, wrap refuses it" {
	run --separate-stderr nono run --capability-elevation --allow-cwd -- cat "$O/ok.txt"
	[ "$status" -ne 0 ]
	assert_contains "$stderr" "no terminal to ask on" stderr
	refute_contains "$output" "APPROVED-BYTES" stdout
	run --separate-stderr env NONO_CAPABILITY_ELEVATION=true "$NONO" run --allow-cwd -- true
	assert_status 0
	assert_contains "$stderr" "no terminal to ask on" stderr
	run --separate-stderr env NONO_CAPABILITY_ELEVATION=maybe "$NONO" run --allow-cwd -- true
	assert_status 1
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","security":{"capability_elevation":true}}\n' \
		>"$HOME/.config/nono/profiles/elev.json"
	run --separate-stderr nono run --profile elev --allow-cwd -- true
	assert_status 0
	assert_contains "$stderr" "no terminal to ask on" stderr
	# The flag's absence does not override the profile, a false variable
	# does.
	run --separate-stderr env NONO_CAPABILITY_ELEVATION=false "$NONO" run --profile elev --allow-cwd -- true
	assert_status 0
	refute_contains "$stderr" "no terminal to ask on" stderr
	run --separate-stderr nono wrap --capability-elevation -- true
	assert_status 1
	assert_contains "$stderr" "not available on nono wrap" stderr
	# Control: without any of them, nothing is said.
	run --separate-stderr nono run --allow-cwd -- true
	assert_status 0
	refute_contains "$stderr" "capability elevation" stderr
}

@test "elevation: every request and answer is in the audit trail" {
	run drive ondelay:0.6 on:'asks to read=>o{code}' wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- cat "$O/ok.txt"
	assert_contains "$(term_log)" "APPROVED-BYTES" terminal
	log=$(cat "$HOME"/.nono/audit/*/audit-events.ndjson)
	assert_contains "$log" '"type":"elevation"' audit
	assert_contains "$log" '"decision":"requested"' audit
	assert_contains "$log" '"decision":"approved"' audit
	assert_contains "$log" "\"object\":\"$O/ok.txt\"" audit
	# A rename names both ends, a symlink what it holds.
	rm -rf "$HOME"/.nono/audit
	run drive ondelay:0.6 on:'asks to=>o{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "mv '$O/ok.txt' '$O/moved.txt'; ln -s ok.txt '$O/sl'"
	assert_file_content "$O/moved.txt" APPROVED-BYTES
	log=$(cat "$HOME"/.nono/audit/*/audit-events.ndjson)
	assert_contains "$log" "\"op\":\"rename\",\"object\":\"$O/moved.txt\",\"from\":\"$O/ok.txt\"" audit
	assert_contains "$log" "\"op\":\"symlink\",\"object\":\"$O/sl\",\"target\":\"ok.txt\"" audit
}

# The race: one thread rewrites the path buffer between an approved file
# and another, a second swaps a symlink in the working directory between
# them, while the main thread opens and reads, 20,000 times.  The
# approved file is allowed for the session, the other denied for it: every
# read that succeeds returns the approved file's bytes.
@test "elevation: threads swapping the path buffer and symlinks during approvals reach nothing but the approved file" {
	run drive ondelay:0.6 on:"asks to read $O/ok.txt=>s{code}" on:"asks to read $O/other.txt=>d" \
		sleep:2 wait -- \
		"$NONO" run -s --capability-elevation --allow . --read "$BATS_TEST_DIRNAME/lib" -- "$PY" "$BATS_TEST_DIRNAME/lib/elevate_race.py" "$O/ok.txt" "$O/other.txt" 20000
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "bad=0 " terminal
	refute_contains "$(term_log)" "OTHER-BYTES" terminal
	# Control: the approvals did their part (some opens served), and the
	# symlink was swapped while they ran.
	term_log | grep -Eq 'good=[1-9]'
	term_log | grep -Eq 'swaps=[1-9]'
}

@test "elevation: removals, renames, hard links, symlinks and mknod beyond the grants are asked and performed by the supervisor" {
	echo MINE >mine.txt
	mkdir "$O/empty"
	run drive ondelay:0.6 on:'asks to=>o{code}' expect:'Save to profile' sleep:0.3 'send:n\r' wait -- \
		"$NONO" run --capability-elevation --allow . -- sh -c "
			rm '$O/other.txt' && echo rm:ok
			rmdir '$O/empty' && echo rmdir:ok
			mv '$O/ok.txt' ./in.txt && echo mvin:ok
			mv mine.txt '$O/out.txt' && echo mvout:ok
			ln '$O/out.txt' '$O/hard.txt' && echo link:ok
			ln -s out.txt '$O/sym' && echo sym:ok
			$PY -c 'import os, stat; os.mknod(\"$O/node\", stat.S_IFREG | 0o600)' && echo mknod:ok"
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "asks to remove $O/other.txt" terminal
	assert_contains "$(term_log)" "asks to remove $O/empty" terminal
	assert_contains "$(term_log)" "asks to move $O/ok.txt to $PWD/in.txt" terminal
	assert_contains "$(term_log)" "asks to move $PWD/mine.txt to $O/out.txt" terminal
	assert_contains "$(term_log)" "asks to make a hard link $O/hard.txt to $O/out.txt" terminal
	assert_contains "$(term_log)" "asks to make the symlink $O/sym -> out.txt" terminal
	assert_contains "$(term_log)" "asks to create $O/node" terminal
	for w in rm rmdir mvin mvout link sym mknod; do
		assert_contains "$(term_log)" "$w:ok" terminal
	done
	[ ! -e "$O/other.txt" ]
	[ ! -e "$O/empty" ]
	[ ! -e "$O/ok.txt" ]
	assert_file_content in.txt APPROVED-BYTES
	assert_file_content "$O/out.txt" MINE
	[ "$(stat -c %i "$O/hard.txt")" = "$(stat -c %i "$O/out.txt")" ]
	[ "$(readlink "$O/sym")" = out.txt ]
	[ -f "$O/node" ]
	[ "$(stat -c %a "$O/node")" = 600 ]
	# The footer names each, with the grant that would have allowed it.
	assert_contains "$(term_log)" "remove $O/other.txt   (from the start: --allow $O)" terminal
	assert_contains "$(term_log)" "move   $O/ok.txt -> $PWD/in.txt   (from the start: --allow $O)" terminal
	assert_contains "$(term_log)" "move   $PWD/mine.txt -> $O/out.txt   (from the start: --allow $O)" terminal
	assert_contains "$(term_log)" "link   $O/hard.txt to $O/out.txt   (from the start: --allow $O)" terminal
	# Only the file made is offered to the save prompt (a directory's
	# write right would be more than was approved).
	assert_contains "$(term_log)" "allow file   $O/node" terminal
	refute_contains "$(term_log)" "allow file   $O/out.txt" terminal
	# Denied: nothing changes.  Control: without elevation, refused unasked.
	echo X >"$O/keep.txt"
	run drive ondelay:0.6 on:'asks to=>d' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "rm -f '$O/keep.txt'; echo rc=\$?; mv '$O/keep.txt' .; echo mv=\$?"
	assert_contains "$(term_log)" "asks to remove $O/keep.txt" terminal
	assert_contains "$(term_log)" "rc=1" terminal
	assert_contains "$(term_log)" "mv=1" terminal
	[ -f "$O/keep.txt" ]
	run drive sleep:1 wait -- \
		"$NONO" run -s --allow-cwd -- sh -c "rm -f '$O/keep.txt'; echo rc=\$?"
	refute_contains "$(term_log)" "asks to" terminal
	assert_contains "$(term_log)" "rc=1" terminal
	[ -f "$O/keep.txt" ]
}

@test "elevation: names never offered: protected files, directories moved, other hard links, persistence names, a link that would gain a right" {
	mkdir -p "$O/tree" "$O/ro"
	echo T >"$O/tree/f"
	echo L >"$O/l1" && ln "$O/l1" "$O/l2"
	echo S >"$O/secret.txt"
	run drive ondelay:0.6 on:'asks to=>o{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow . --read "$O/ro" -- sh -c "
			rm -f '$HOME/.ssh/id_rsa'; echo key-rm=\$?
			mv '$HOME/.ssh/id_rsa' ./k; echo key-mv=\$?
			ln '$HOME/.ssh/id_rsa' '$O/k2'; echo key-ln=\$?
			mv '$O/tree' ./tree; echo dir-mv=\$?
			mv '$O/l1' ./l1; echo hard-mv=\$?
			mv '$O/other.txt' ./.envrc; echo envrc-mv=\$?
			ln -s /tmp '$O/.envrc'; echo envrc-sym=\$?
			ln '$O/secret.txt' '$O/ro/s.txt'; echo gain-ln=\$?"
	refute_contains "$(term_log)" "asks to" terminal
	for w in key-rm key-mv key-ln dir-mv hard-mv envrc-mv envrc-sym gain-ln; do
		assert_contains "$(term_log)" "$w=1" terminal
	done
	assert_file_content "$HOME/.ssh/id_rsa" PRIVATE-KEY-BYTES
	[ -d "$O/tree" ]
	[ -f "$O/l1" ]
	[ -f "$O/other.txt" ]
	[ ! -e .envrc ]
	[ ! -e "$O/ro/s.txt" ]
	# Control: the same calls on a plain file are asked; a link that
	# gains nothing (the source readable too) is asked.
	run drive ondelay:0.6 on:'asks to=>o{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow . --read "$O/ro" --read-file "$O/secret.txt" -- sh -c "
			mv '$O/other.txt' ./plain; echo mv=\$?
			ln '$O/secret.txt' '$O/ro/s.txt'; echo ln=\$?"
	assert_contains "$(term_log)" "asks to move $O/other.txt to $PWD/plain" terminal
	assert_contains "$(term_log)" "asks to make a hard link $O/ro/s.txt to $O/secret.txt" terminal
	assert_contains "$(term_log)" "mv=0" terminal
	assert_contains "$(term_log)" "ln=0" terminal
}

# The rename race: a thread swaps ./a between a file and a symlink while
# the main thread renames it out of the grants, 10,000 times, each approved
# for the session: only regular files ever arrive.
@test "elevation: a rename raced by a thread swapping its source moves nothing but a regular file" {
	run drive ondelay:0.6 on:"asks to move=>s{code}" on:"asks to remove=>s{code}" \
		sleep:2 wait -- \
		"$NONO" run -s --capability-elevation --allow . --read "$BATS_TEST_DIRNAME/lib" -- "$PY" "$BATS_TEST_DIRNAME/lib/elevate_race_names.py" "$O" 10000
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "bad=0 " terminal
	# Control: renames were approved and performed, and ./a was swapped.
	term_log | grep -Eq 'good=[1-9]'
	term_log | grep -Eq 'swaps=[1-9]'
	[ ! -L "$O/a" ]
	[ ! -e "$O/a" ]
}

@test "elevation: nono why --self reports what this session approved, and asks nothing itself" {
	run drive ondelay:0.6 on:'asks to read=>s{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd --read-file "$NONO" -- sh -c "
			'$NONO' why --self --json --path '$O/ok.txt' --op read; echo
			cat '$O/ok.txt' >/dev/null && echo cat:ok
			'$NONO' why --self --json --path '$O/ok.txt' --op read; echo
			'$NONO' why --self --json --path '$O/other.txt' --op read; echo"
	assert_contains "$output" "EXIT 0" stdout
	# One question only: the cat's; the probes asked nothing.
	[ "$(term_log | grep -c "asks to read")" -eq 1 ]
	assert_contains "$(term_log)" "cat:ok" terminal
	assert_contains "$(term_log)" "\"status\":\"denied\",\"reason\":\"denied_here\",\"subject\":\"$O/ok.txt\"" terminal
	assert_contains "$(term_log)" "\"status\":\"allowed\",\"reason\":\"runtime_grant\",\"subject\":\"$O/ok.txt\"" terminal
	# Control: a path nobody approved stays denied, unasked.
	assert_contains "$(term_log)" "\"status\":\"denied\",\"reason\":\"denied_here\",\"subject\":\"$O/other.txt\"" terminal
	refute_contains "$(term_log)" "asks to read $O/other.txt" terminal
}

@test "elevation: the answer p allows for the session and saves the grant at once; the next run asks nothing" {
	run drive ondelay:0.6 on:'asks to read=>p{code}' on:'asks to make the directory=>p{code}' sleep:1 wait -- \
		"$NONO" run --capability-elevation --allow-cwd -- sh -c "cat '$O/ok.txt' '$O/ok.txt'; mkdir '$O/newdir' && echo mkdir:ok"
	assert_contains "$output" "EXIT 0" stdout
	assert_contains "$(term_log)" "and save: p" terminal
	assert_contains "$(term_log)" "allowed for this session, saved to profile local" terminal
	[ "$(term_log | grep -c "asks to read $O/ok.txt")" -eq 1 ]
	assert_contains "$(term_log)" "(saved to the profile)" terminal
	grep -q "\"$O/ok.txt\"" "$HOME/.config/nono/profiles/local.json"
	# A directory made is not a grant to save: p is this session only.
	refute_contains "$(term_log | grep -A1 'make the directory')" "and save: p" mkdir-question
	assert_contains "$(term_log)" "mkdir:ok" terminal
	! grep -q newdir "$HOME/.config/nono/profiles/local.json"
	# Nothing left for the save prompt to offer (saved already).
	refute_contains "$(term_log)" "Save to profile" terminal
	# Control: the saved profile grants it; nothing is asked.
	run drive sleep:1 wait -- \
		"$NONO" run -s --profile local --capability-elevation --allow-cwd -- cat "$O/ok.txt"
	refute_contains "$(term_log)" "asks to" terminal
	assert_contains "$(term_log)" "APPROVED-BYTES" terminal
}

@test "elevation: a refused AF_UNIX connect is asked about by where its listener bound it; a link to it elsewhere shows the real place" {
	mkdir -p "$TEST_DIR/host"
	start_unix_server "$TEST_DIR/host/svc.sock"
	ln "$TEST_DIR/host/svc.sock" "$TEST_DIR/proj/benign.sock"
	printf '%s' "$UNIX_CONNECT" >"$TEST_DIR/conn.py"
	run drive ondelay:0.6 on:'asks to connect=>o{code}' on:'asks to read=>d' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd --read-file "$TEST_DIR/conn.py" -- sh -c "
			$PY '$TEST_DIR/conn.py' '$TEST_DIR/host/svc.sock'; echo direct=\$?
			$PY '$TEST_DIR/conn.py' benign.sock; echo linked=\$?"
	assert_contains "$output" "EXIT 0" stdout
	[ "$(term_log | grep -c "asks to connect to the socket $TEST_DIR/host/svc.sock")" -eq 2 ]
	assert_contains "$(term_log)" "socket $TEST_DIR/host/svc.sock (whatever listens there acts for it, outside the sandbox)" terminal
	refute_contains "$(term_log)" "socket $TEST_DIR/proj/benign.sock" terminal
	assert_contains "$(term_log)" "direct=0" terminal
	assert_contains "$(term_log)" "linked=0" terminal
	[ "$(term_log | grep -c PONG)" -ge 2 ]
	# Denied: refused.  Control: without elevation, refused unasked.
	run drive ondelay:0.6 on:'asks to connect=>d' on:'asks to read=>d' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd --read-file "$TEST_DIR/conn.py" -- \
		"$PY" "$TEST_DIR/conn.py" "$TEST_DIR/host/svc.sock"
	assert_contains "$(term_log)" "asks to connect" terminal
	assert_contains "$(term_log)" "ERR 13" terminal
	run drive sleep:1 wait -- \
		"$NONO" run -s --allow-cwd --read-file "$TEST_DIR/conn.py" -- \
		"$PY" "$TEST_DIR/conn.py" "$TEST_DIR/host/svc.sock"
	refute_contains "$(term_log)" "asks to" terminal
	assert_contains "$(term_log)" "ERR 13" terminal
	# A socket under a protected directory is never offered.
	start_unix_server "$HOME/.ssh/agent.sock"
	run drive ondelay:0.6 on:'asks to connect=>o{code}' on:'asks to read=>d' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd --read-file "$TEST_DIR/conn.py" -- \
		"$PY" "$TEST_DIR/conn.py" "$HOME/.ssh/agent.sock"
	refute_contains "$(term_log)" "asks to connect" terminal
	refute_contains "$(term_log)" "PONG" terminal
}

# Review 1 of session 15, finding 1 (HIGH): a rename that met an object
# swapped in at its destination, by an exchange still in the kernel, was
# "put back" by the supervisor into the source's directory, outside every
# grant: the sandbox's directory planted there.  Moves are now made on the
# source's inode (a link, then the source's name removed), and nothing is
# ever moved back.  The reviewer's program, the supervisor and the racing
# threads on separate CPUs, 20,000 tries (the build before hit at tries
# 260-5,571 this way).
@test "elevation: a rename raced at its destination never puts anything into the source's directory" {
	command -v cc >/dev/null || skip "no cc"
	command -v taskset >/dev/null || skip "no taskset"
	[ "$(nproc)" -ge 2 ] || skip "one CPU"
	cc -O2 -pthread -o plant "$BATS_TEST_DIRNAME/lib/elevate_plant.c"
	mkdir -p "$O/ro" && echo USERDATA >"$O/ro/doc.txt"
	T=$(mktemp -d /tmp/nono-plant.XXXXXX)
	mkdir "$T/evil" && echo PLANTED >"$T/evil/payload"
	run env MAINCPU=1 SWEEP=0.01 FIXED=1 "$PY" "$DRIVE" --timeout 170 --log "$TEST_ROOT/term.log" \
		ondelay:0.6 on:'asks to move=>s{code}' sleep:3 wait -- \
		taskset -c 0 "$NONO" run -s --capability-elevation --allow-cwd -- ./plant "$O/ro/doc.txt" "$T" 20000 0
	[ ! -d "$O/ro/doc.txt" ]
	refute_contains "$(term_log)" "PLANTED at" terminal
	# Control: the loop ran its tries, each move performed and undone.
	assert_contains "$(term_log)" "no hit in 20000 tries" terminal
	refute_contains "$(term_log)" "lost track" terminal
	rm -rf "$T"
}

# Review 1 of session 15, findings 2 and 6: names that run code later
# outside the home (a root run was asked to write /etc/cron.d, /etc/profile.d,
# /usr/local/bin), more of the home's (~/bin, on PATH; ~/.bash_logout, the
# other shells'), and symlinks leading to a protected path or into a
# writable grant are never asked about.
@test "elevation: system directories, ~/bin and the shells' files, and symlinks to protected or writable places are never offered" {
	run drive ondelay:0.6 on:'asks to=>d' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow . -- sh -c "
			echo x >f1; mv f1 /etc/cron.d/nono-test; echo cron=\$?
			ln -s /tmp/x.sh /etc/profile.d/nono-test.sh; echo profiled=\$?
			ln -s /tmp/x /usr/local/bin/nono-test; echo usrlocal=\$?
			ln -s /tmp '$HOME/bin'; echo homebin=\$?
			echo x >f2; mv f2 '$HOME/.bash_logout'; echo logout=\$?
			ln -s /tmp/x '$HOME/.cshrc'; echo cshrc=\$?
			ln -s '$HOME/.bashrc' '$O/build.log'; echo tobashrc=\$?
			ln -s \"\$PWD/f3\" '$O/into-grant'; echo intogrant=\$?
			ln -s /tmp/evil '$O/into-tmp'; echo intotmp=\$?"
	refute_contains "$(term_log)" "asks to" terminal
	for w in cron profiled usrlocal homebin logout cshrc tobashrc intogrant intotmp; do
		refute_contains "$(term_log)" "$w=0" terminal
	done
	[ ! -e /etc/cron.d/nono-test ]
	[ ! -L /usr/local/bin/nono-test ]
	[ ! -e "$HOME/bin" ]
	# Control: a file and a symlink to a plain place outside the grants
	# are asked about.
	run drive ondelay:0.6 on:'asks to=>o{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow . -- sh -c "
			echo x >f1; mv f1 '$O/f1'; echo mv=\$?
			ln -s other.txt '$O/ok-link'; echo ln=\$?"
	assert_contains "$(term_log)" "asks to move" terminal
	assert_contains "$(term_log)" "asks to make the symlink $O/ok-link -> other.txt" terminal
	assert_contains "$(term_log)" "mv=0" terminal
	assert_contains "$(term_log)" "ln=0" terminal
}

# Review 1 of session 15, findings 4 and 5: an answer for the session
# covers only what was asked (a move to a free name is not a replacement,
# a file's removal not a directory's), and what the supervisor makes has
# no set-id bit.
@test "elevation: a session's answer covers only the operation asked (replacing, rmdir asked again); no set-id bit on what is made" {
	echo A1 >a1 && echo A2 >a2
	echo F >"$O/f"
	run drive ondelay:0.6 on:'asks to=>s{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow . -- sh -c "
			mv a1 '$O/b'; echo mv1=\$?
			mv a2 '$O/b'; echo mv2=\$?
			rm '$O/f'; echo rm=\$?
			mkdir '$O/f'; echo mkdir=\$?
			rmdir '$O/f'; echo rmdir=\$?
			$PY -c 'import os, stat; os.umask(0); os.mknod(\"$O/suid\", stat.S_IFREG | 0o6777); os.close(os.open(\"$O/suid2\", os.O_CREAT | os.O_WRONLY, 0o6777))'; echo made=\$?"
	assert_contains "$output" "EXIT 0" stdout
	[ "$(term_log | grep -c "asks to move $PWD/a1 to $O/b")" -eq 1 ]
	assert_contains "$(term_log)" "asks to move $PWD/a2 to $O/b (replacing it)" terminal
	[ "$(term_log | grep -c "asks to remove $O/f")" -eq 2 ]
	for w in mv1 mv2 rm mkdir rmdir made; do
		assert_contains "$(term_log)" "$w=0" terminal
	done
	assert_file_content "$O/b" A2
	[ "$(stat -c %a "$O/suid")" = 777 ]
	[ "$(stat -c %a "$O/suid2")" = 777 ]
}

# Review 1 of session 15, finding 3: the list after the run shows the
# sandbox's names as the question does, never raw.
@test "elevation: the list after the run shows names plainly: escape sequences in a name reach the terminal as text" {
	run drive ondelay:0.6 on:'asks to=>o{code}' expect:'Save to profile' sleep:0.3 'send:n\r' wait -- \
		"$NONO" run --capability-elevation --allow . -- sh -c "
			n=\$(printf 'x\033[2K\rFAKE-LINE\033]0;title\007'); echo hi >\"\$n\"; mv \"\$n\" '$O/'; echo mv=\$?"
	assert_contains "$(term_log)" "mv=0" terminal
	assert_contains "$(term_log)" 'x\x1b[2K\x0dFAKE-LINE' terminal
	refute_contains "$(cat "$TEST_ROOT/term.log")" "$(printf '\033[2K\rFAKE-LINE')" terminal
}

# Review 2 of session 15 (LOW): the answer p saved a name with '$' (which a
# profile expands) or bytes that are not UTF-8, and the profile stopped
# loading; and p on a directory saved a read of its whole tree.
@test "elevation: p never saves a name a profile cannot hold, nor a directory's whole tree" {
	echo C >"$O/cost\$" && mkdir -p "$O/dir/sub" && echo D >"$O/dir/sub/deep.txt"
	run drive ondelay:0.6 on:'asks to read=>p{code}' sleep:1 wait -- \
		"$NONO" run -s --capability-elevation --allow-cwd -- sh -c "cat '$O/cost\$'; ls '$O/dir'; cat '$O/ok.txt'"
	assert_contains "$(term_log)" "allowed for this session; not saved" terminal
	refute_contains "$(term_log | grep -A1 "asks to read $O/dir")" "and save: p" dir-question
	assert_contains "$(term_log)" "APPROVED-BYTES" terminal
	# Only the plain file was saved; the profile loads.
	grep -q "\"$O/ok.txt\"" "$HOME/.config/nono/profiles/local.json"
	! grep -q 'cost' "$HOME/.config/nono/profiles/local.json" || false
	! grep -q "\"$O/dir\"" "$HOME/.config/nono/profiles/local.json" || false
	run --separate-stderr nono run -s --profile local --allow-cwd -- cat "$O/ok.txt"
	assert_status 0
	assert_contains "$output" "APPROVED-BYTES"
}

# A rename refused after its source was pinned (a file with another hard
# link) closed none of that fd: 1,000 such renames left 1,000 descriptors
# open in the supervisor (2,011 counted on the build before).
@test "elevation: refused renames leave no descriptor behind in the supervisor" {
	echo L >"$O/l1" && ln "$O/l1" "$O/l2"
	marker="fd-leak-$$-$RANDOM"
	"$NONO" run -s --capability-elevation --allow . -- "$PY" -c "
import os, sys, time
for i in range(1000):
    try: os.rename('$O/l1', 'x')
    except OSError: pass
open('renamed-all', 'w').close()
time.sleep(5)" "$marker" </dev/null >/dev/null 2>&1 &
	BG_PIDS+=($!)
	for _ in $(seq 200); do [ -e renamed-all ] && break; sleep 0.05; done
	[ -e renamed-all ]
	sup=$(pgrep -f -o -- "$marker")
	n=$(ls "/proc/$sup/fd" | wc -l)
	echo "supervisor $sup holds $n fds"
	[ "$n" -lt 100 ]
	# Control: the renames were refused (the file is still there), and
	# each reached elevation (the file has another hard link).
	[ -f "$O/l1" ]
	[ ! -e x ]
}
