#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, escape 9: Landlock scopes signals and ptrace, not prlimit64,
# setpriority, ioprio_set or sched_set*: prlimit64(pid, RLIMIT_CPU, 1) made
# the kernel kill an outside process.  Only the sandbox's own processes
# (the caller's threads and descendants) may be their target now.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	LIB=$BATS_TEST_DIRNAME/lib
}

teardown() {
	nono_teardown
}

check_refused_and_own() {
	assert_status 0
	local c
	for c in prlimit-outside setpriority-outside affinity-outside sched-outside pgrp user; do
		assert_contains "$output" "$c 1" stdout
	done
	# the caller itself, by pid 0, stays in the kernel
	for c in prlimit-self0 nice-self; do
		assert_contains "$output" "$c ok" stdout
	done
}

@test "escape 9: prlimit, setpriority, affinity and scheduling of an outside process are refused; the sandbox's own pass" {
	sleep 100 &
	local victim=$! nice0
	BG_PIDS+=("$victim")
	nice0=$(ps -o ni= -p "$victim" | tr -d ' ')
	run --separate-stderr nono run -s --allow-cwd --read "$LIB" -- "$PY" "$LIB/proc_calls.py" "$victim"
	check_refused_and_own
	# the supervisor decides these: the caller by its pid, a child and a
	# thread of the caller's
	for c in prlimit-selfpid prlimit-child affinity-child affinity-thread setpriority-thread; do
		assert_contains "$output" "$c ok" stdout
	done
	# the victim is untouched and alive
	kill -0 "$victim"
	[ "$(ps -o ni= -p "$victim" | tr -d ' ')" = "$nice0" ]
	grep -q "^Max cpu time *unlimited" "/proc/$victim/limits"
	# control: outside nono the same calls reach it
	run "$PY" "$LIB/proc_calls.py" "$victim"
	assert_contains "$output" "prlimit-outside ok"
	assert_contains "$output" "setpriority-outside ok"
}

# Without a supervisor to tell whose a pid is, any pid but 0 is refused
# (docs/security.md says so).
@test "escape 9: under wrap (no supervisor) calls naming a pid are refused outright" {
	sleep 100 &
	local victim=$!
	BG_PIDS+=("$victim")
	run --separate-stderr nono wrap -s --allow-cwd --read "$LIB" -- "$PY" "$LIB/proc_calls.py" "$victim"
	check_refused_and_own
	assert_contains "$output" "prlimit-child 1" stdout
	kill -0 "$victim"
}
