#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, escape 8: only the first child died with nono; a daemonised
# descendant outlived "nono run", took the terminal after nono had exited
# and read the user's next line, and kept writing into the granted trees.
# Now every process of the sandbox goes when the session ends: the command
# exits, nono is stopped by a signal it can catch (the terminal going away
# is SIGHUP), or nono is SIGKILLed (its guardian process does it then).

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	MARK="98$$$RANDOM"
}

teardown() {
	pkill -KILL -f "sleep $MARK" 2>/dev/null || true
	nono_teardown
}

# A daemon: its own session, double-forked, writing into the tree.
DAEMON='(setsid sh -c "while :; do date >>tick; sleep 0.1; done & exec sleep $1" </dev/null >/dev/null 2>&1 &)'

alive() { pgrep -f "sleep $MARK" >/dev/null; }

@test "escape 8: a daemonised descendant is gone when the command exits" {
	run --separate-stderr nono run -s --allow . -- sh -c "$DAEMON"'; sleep 0.3; echo started' _ "$MARK"
	assert_status 0
	assert_contains "$output" "started" stdout
	sleep 0.3
	if alive; then
		echo "a process of the sandbox outlived it" >&2
		pgrep -af "sleep $MARK" >&2
		false
	fi
	# and nothing writes into the tree any more
	local a b
	a=$(wc -l <tick)
	sleep 0.4
	b=$(wc -l <tick)
	[ "$a" = "$b" ] || { echo "still writing: $a -> $b lines" >&2; false; }
	# control: the same command outside nono leaves it running
	sh -c "$DAEMON" _ "$MARK"
	sleep 0.3
	alive
}

# Review 3 of session 17: a chain of processes, each forking the next and
# the newest forking again as soon as a round of kills took a level away,
# stayed ahead of every round; nono gave up after 2,000 and the chain
# outlived it (reading the user's next lines where it had the terminal).
# Now each round kills the whole tree below nono, top down, and the next
# follows at once.
@test "escape 8: a chain that forks faster than the rounds of kills is gone when the command exits" {
	command -v cc >/dev/null || skip "no C compiler"
	local fc="$TEST_DIR/fc$$" left
	cc -O2 -o "$fc" "$BATS_TEST_DIRNAME/lib/forkchain.c"
	chmod 755 "$fc"
	run timeout 60 "$NONO" run -s --allow . --read "$TEST_DIR" -- "$fc" "$PWD/made" 6
	assert_status 0
	sleep 1
	left=$(pgrep -x "$(basename "$fc")" || true)
	if [ -n "$left" ]; then
		echo "processes of the sandbox outlived it: $left" >&2
		for _ in $(seq 50); do
			pkill -KILL -x "$(basename "$fc")" || break
			sleep 0.1
		done
		false
	fi
	# Control: the chain was built before the command exited; on the
	# build before this it outlived nono (seven processes left).
	[ "$(cat made)" -ge 4 ]
}

@test "escape 8: when nono is stopped by SIGTERM or SIGHUP, the sandbox's daemons go with it" {
	local sig
	for sig in TERM HUP; do
		"$NONO" run -s --allow . -- sh -c "$DAEMON"'; echo up >up; exec sleep 1000' _ "$MARK" \
			</dev/null >/dev/null 2>&1 &
		local pid=$!
		wait_for_file up 50
		sleep 0.2
		alive
		kill -"$sig" "$pid"
		wait_bounded "$pid" 10
		sleep 0.2
		if alive; then
			echo "SIG$sig: a process of the sandbox outlived nono" >&2
			pgrep -af "sleep $MARK" >&2
			false
		fi
		rm -f up
	done
}

# SIGKILL cannot be caught: the guardian between nono and the command (the
# subreaper of everything the command starts, tied to nono by
# PR_SET_PDEATHSIG) kills the sandbox when nono dies.  Killing the guardian
# instead hands its orphans to nono, which kills them.  Before, a SIGKILL of
# nono left every daemonised descendant running.
@test "escape 8: when nono or its guardian is SIGKILLed, the sandbox's daemons go too" {
	local victim pid cmd
	for victim in nono guardian; do
		"$NONO" run -s --allow . -- sh -c "$DAEMON"'; echo $$ >cmd.pid; exec sleep 1000' _ "$MARK" \
			</dev/null >/dev/null 2>&1 &
		pid=$!
		wait_for_file cmd.pid 50
		sleep 0.2
		alive
		if [ "$victim" = nono ]; then
			kill -KILL "$pid"
		else
			# the command's parent is the guardian, a child of nono
			cmd=$(cat cmd.pid)
			local g
			g=$(awk '{print $4}' "/proc/$cmd/stat")
			[ "$(awk '{print $4}' "/proc/$g/stat")" = "$pid" ] ||
				{ echo "the guardian is not nono's child" >&2; false; }
			kill -KILL "$g"
		fi
		wait_bounded "$pid" 10 || true
		local i
		for i in $(seq 50); do
			alive || break
			sleep 0.1
		done
		if alive; then
			echo "SIGKILL of $victim: a process of the sandbox outlived it" >&2
			pgrep -af "sleep $MARK" >&2
			false
		fi
		rm -f cmd.pid
	done
	# control: the same daemon outlives a SIGKILLed parent outside nono
	sh -c "$DAEMON"'; exec sleep 1000' _ "$MARK" </dev/null >/dev/null 2>&1 &
	pid=$!
	sleep 0.3
	kill -KILL "$pid"
	sleep 0.3
	alive
}

@test "escape 8: in proxy mode too the daemon goes at the end, and the proxy serves until then" {
	start_http_server
	run --separate-stderr nono run -s --allow . --allow-domain '127.0.0.1:*' -- sh -c "$DAEMON"'
		env -u NO_PROXY -u no_proxy curl -sS --max-time 10 http://127.0.0.1:'"$HTTP_PORT"'/index.txt' _ "$MARK"
	assert_status 0
	assert_contains "$output" "NONO-HTTP-OK" stdout
	sleep 0.3
	# (`! alive` would not fail the test: bats ignores a negated status)
	if alive; then
		echo "a process of the sandbox outlived it" >&2
		false
	fi
}
