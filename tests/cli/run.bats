#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# nono run / nono wrap: the current directory, exit codes, signals, the
# process tree and the child's environment.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
}

teardown() {
	nono_teardown
}

# Issue 12: as upstream nono does, without a terminal to ask and without
# --allow-cwd the command runs without the current directory, and nono says
# so in one line (it refused to run); -s still requires --allow-cwd.
@test "run: without a terminal, an ungranted current directory is not shared (one line says so); -s requires --allow-cwd" {
	echo data >here.txt
	run --separate-stderr nono run -- sh -c 'cat here.txt 2>/dev/null || echo NOT-SHARED'
	assert_status 0
	[ "$output" = NOT-SHARED ] || { show_run; false; }
	assert_contains "$stderr" "nono: not sharing the current directory $TEST_DIR (no terminal to ask; --allow-cwd shares it)" stderr
	[ "$(grep -c 'not sharing' <<<"$stderr")" = 1 ]
	run --separate-stderr nono run -s -- sh -c 'echo RAN'
	assert_nono_error "--silent requires --allow-cwd"
	refute_contains "$output" RAN stdout
	# control: --allow-cwd shares it
	run --separate-stderr nono run --allow-cwd -- cat here.txt
	assert_status 0
	[ "$output" = data ] || { show_run; false; }
}

@test "run: a current directory inside a grant needs no --allow-cwd" {
	mkdir sub
	cd sub
	run --separate-stderr nono run -a "$TEST_DIR" -- sh -c 'echo RAN'
	assert_status 0
	[ "$output" = RAN ] || { show_run; false; }
}

@test "run: --allow-cwd shares the current directory read-only" {
	echo CWD-DATA >data
	run --separate-stderr nono run --allow-cwd -- sh -c \
		'cat data; echo evil >data; echo new >new'
	assert_status 2
	assert_contains "$output" CWD-DATA stdout
	assert_contains "$stderr" "Permission denied" stderr
	assert_file_content data CWD-DATA
	assert_missing new

	# control: --allow . makes the same writes succeed
	run --separate-stderr nono run --allow . -- sh -c 'echo ok >data; echo new >new'
	assert_status 0
	assert_file_content data ok
	assert_file_content new new
}

@test "run: banner on stderr, command output alone on stdout; -s silences it" {
	run --separate-stderr nono run --allow-cwd -- echo hello
	assert_status 0
	[ "$output" = hello ] || { show_run; false; }
	assert_contains "$stderr" "nono sandbox:" stderr

	run --separate-stderr nono run -s --allow-cwd -- echo hello
	assert_status 0
	[ "$output" = hello ] || { show_run; false; }
	[ -z "$stderr" ] || { show_run; false; }

	run --separate-stderr nono -s run --allow-cwd -- echo hello
	assert_status 0
	[ -z "$stderr" ] || { show_run; false; }
}

@test "run: the command's exit code is nono's exit code" {
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'exit 7'
	assert_status 7
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'exit 0'
	assert_status 0
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'exit 255'
	assert_status 255
}

@test "run: a command killed by signal N exits 128+N" {
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'kill -TERM $$'
	assert_status 143
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'kill -KILL $$'
	assert_status 137
}

@test "run: command not found exits 127" {
	run -127 --separate-stderr nono run --allow-cwd -- nono-no-such-command-xyz
	assert_status 127
	assert_contains "$stderr" "command not found" stderr
}

@test "run: a file without execute permission exits 126" {
	printf '#!/bin/sh\necho RAN\n' >script.sh
	chmod 644 script.sh
	run --separate-stderr nono run -a "$TEST_DIR" -- ./script.sh
	assert_status 126
	refute_contains "$output" RAN stdout

	# control: the same file, executable, runs
	chmod 755 script.sh
	run --separate-stderr nono run -a "$TEST_DIR" -- ./script.sh
	assert_status 0
	[ "$output" = RAN ] || { show_run; false; }
}

# Starts nono in the background with a command that traps SIG, then signals
# nono itself (not the command).
signal_nono() { # SIG CODE
	rm -f ready
	"$NONO" run -s -a "$TEST_DIR" -- sh -c \
		"trap 'kill \$! 2>/dev/null; exit $2' $1; sleep 30 & touch ready; wait" \
		>out 2>err </dev/null 3>&- &
	local pid=$!
	BG_PIDS+=("$pid")
	wait_for_file ready 50
	kill "-$1" "$pid"
	wait_bounded "$pid" 10
}

@test "run: SIGTERM to nono reaches the command; its exit status comes back" {
	signal_nono TERM 42
	[ "$WAIT_STATUS" -eq 42 ] || {
		echo "exit status $WAIT_STATUS, expected 42" >&2
		cat err >&2
		false
	}
}

@test "run: SIGINT to nono reaches the command; its exit status comes back" {
	signal_nono INT 43
	[ "$WAIT_STATUS" -eq 43 ] || {
		echo "exit status $WAIT_STATUS, expected 43" >&2
		cat err >&2
		false
	}
}

# Prints "pid=P" and "PPid: Q" of the sandboxed shell; sets NONO_PID.
report_pids() { # run|wrap
	"$NONO" "$1" -s -a "$TEST_DIR" -- sh -c \
		'echo "pid=$$"; grep "^PPid:" /proc/$$/status
		 p=$(awk "/^PPid:/ { print \$2 }" /proc/$$/status)
		 echo "gpid=$(awk "/^PPid:/ { print \$2 }" /proc/$p/status 2>/dev/null)"
		 echo "pcomm=$(cat /proc/$p/comm 2>/dev/null)"' \
		>out 2>err </dev/null 3>&- &
	NONO_PID=$!
	wait_bounded "$NONO_PID" 10
	[ "$WAIT_STATUS" -eq 0 ] || {
		cat out err >&2
		return 1
	}
	CHILD_PID=$(sed -n 's/^pid=//p' out)
	CHILD_PPID=$(awk '/^PPid:/ { print $2 }' out)
	if [ -z "$CHILD_PID" ] || [ -z "$CHILD_PPID" ]; then
		cat out err >&2
		return 1
	fi
}

# Supervised: nono, then nono's guardian (the command's parent and
# subreaper, which takes the sandbox down if nono is SIGKILLed), then the
# command.
@test "run: the command's parent is nono's guardian, a child of nono (supervised)" {
	report_pids run
	local gpid pcomm
	gpid=$(sed -n 's/^gpid=//p' out)
	pcomm=$(sed -n 's/^pcomm=//p' out)
	[ "$gpid" -eq "$NONO_PID" ] || {
		echo "the command's parent $CHILD_PPID has parent $gpid, nono was $NONO_PID" >&2
		cat out >&2
		false
	}
	[ "$CHILD_PPID" -ne "$NONO_PID" ]
	[ "$CHILD_PID" -ne "$NONO_PID" ]
	[ "${pcomm#nono}" != "$pcomm" ] || { echo "parent is $pcomm" >&2; false; }
}

@test "wrap: nono execs the command in place; its parent is nono's caller" {
	report_pids wrap
	[ "$CHILD_PID" -eq "$NONO_PID" ] || {
		echo "pid $CHILD_PID, nono was $NONO_PID" >&2
		false
	}
	[ "$CHILD_PPID" -eq "$BASHPID" ] || {
		echo "PPid $CHILD_PPID, caller was $BASHPID" >&2
		false
	}
}

@test "wrap: the same sandbox applies (writes outside the grants are denied)" {
	mkdir granted other
	cd granted
	run --separate-stderr nono wrap -s -a "$TEST_DIR/granted" -- sh -c \
		"echo a >$TEST_DIR/granted/f; echo b >$TEST_DIR/other/f"
	assert_status 2
	assert_contains "$stderr" "Permission denied" stderr
	assert_file_content "$TEST_DIR/granted/f" a
	assert_missing "$TEST_DIR/other/f"
}

@test "wrap: proxy flags are refused" {
	local f
	for f in --network-profile --allow-domain --credential \
		--upstream-proxy --upstream-bypass; do
		run --separate-stderr nono wrap --allow-cwd "$f" x -- sh -c 'echo RAN'
		assert_nono_error "nono wrap does not support proxy flags"
		refute_contains "$output" RAN stdout
	done
}

@test "run: loader and interpreter start-up variables and secret-store tokens are removed, PATH kept" {
	LD_PRELOAD=libc.so.6 BASH_ENV=/nonexistent/bash_env \
		NODE_OPTIONS=--no-warnings PYTHONSTARTUP=/nonexistent/startup.py \
		OP_SERVICE_ACCOUNT_TOKEN=ops_secret OP_SESSION_acme=sess \
		BW_SESSION=bw VAULT_TOKEN=hvs.x TEST_KEEP_ME=kept \
		run --separate-stderr nono run -s --allow-cwd -- env
	assert_status 0
	local v
	for v in LD_PRELOAD BASH_ENV NODE_OPTIONS PYTHONSTARTUP \
		OP_SERVICE_ACCOUNT_TOKEN OP_SESSION_acme BW_SESSION VAULT_TOKEN; do
		if grep -q "^$v=" <<<"$output"; then
			echo "$v reached the child" >&2
			show_run
			false
		fi
	done
	# control: ordinary variables and PATH pass through
	grep -qx "PATH=$SYS_PATH" <<<"$output" || { show_run; false; }
	grep -qx "TEST_KEEP_ME=kept" <<<"$output" || { show_run; false; }
}

@test "shell: nono shell runs the given --shell inside the sandbox and returns its status" {
	run --separate-stderr sh -c 'printf "%s\n" "touch /var/lib/nono-denied-\$\$ 2>/dev/null && echo wrote" "echo in-shell" "exit 7" |
		"$1" shell -s --allow-cwd --shell /bin/sh' sh "$NONO"
	assert_status 7
	assert_contains "$output" "in-shell" stdout
	refute_contains "$output" "wrote" stdout

	run --separate-stderr nono shell -s --allow-cwd --shell /bin/sh -- extra
	assert_status 1
	assert_nono_error "takes no command"
}

# Issue 12: nono shell starts the user's shell without errors about the rc
# files the sandbox hides, and marks its prompt.
@test "shell: no error from the hidden ~/.bashrc, and (nono) in the prompt" {
	require_cmd script
	command -v bash >/dev/null || skip "bash is not installed"
	echo 'echo RC-RAN' >"$HOME/.bashrc"
	printf '%q ' env SHELL=/bin/bash "$NONO" shell --allow-cwd >"$TEST_DIR/shell.sh"
	run sh -c "printf 'echo in-shell\nexit 0\n' | script -qec 'sh $TEST_DIR/shell.sh' /dev/null"
	assert_status 0
	assert_contains "$output" "in-shell" stdout
	assert_contains "$output" "(nono) " stdout
	refute_contains "$output" "Permission denied" stdout
	refute_contains "$output" "RC-RAN" stdout
	# control: plain bash in the same sandbox complains about the rc file
	printf '%q ' "$NONO" run --allow-cwd -- bash -i >"$TEST_DIR/bash.sh"
	run sh -c "printf 'exit 0\n' | script -qec 'sh $TEST_DIR/bash.sh' /dev/null"
	assert_contains "$output" ".bashrc: Permission denied" stdout
}

@test "abi: an older Landlock ABI is reported; what it cannot enforce is named" {
	run --separate-stderr env NONO_LANDLOCK_ABI=3 "$NONO" run --allow-cwd -- true
	assert_status 0
	assert_contains "$stderr" "Landlock ABI 3 cannot enforce" stderr
	assert_contains "$stderr" "device ioctl" stderr
	assert_contains "$stderr" "signal scoping" stderr

	run --separate-stderr env NONO_LANDLOCK_ABI=3 "$NONO" run --allow-cwd --dry-run -v -- true
	assert_status 0
	assert_contains "$output" "Landlock ABI: 3" stdout
	assert_contains "$output" "NO (kernel too old)" stdout

	# control: the running kernel's own ABI reports nothing missing
	run --separate-stderr nono run --allow-cwd -- true
	assert_status 0
	refute_contains "$stderr" "cannot enforce" stderr
}

@test "abi: without Landlock TCP rules, --block-net still blocks TCP, and --open-port is refused" {
	run --separate-stderr env NONO_LANDLOCK_ABI=3 "$NONO" run -s --allow-cwd --block-net -- \
		"$PY" -c 'import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM); print("tcp CREATED")
except OSError as e:
    print("tcp", e.errno)'
	assert_status 0
	assert_contains "$output" "tcp 13" stdout

	run --separate-stderr env NONO_LANDLOCK_ABI=3 "$NONO" run -s --allow-cwd --block-net --open-port 8080 -- true
	assert_status 1
	assert_nono_error "needs Landlock ABI 4"

	# control: on the running kernel the same flags start
	run --separate-stderr nono run -s --allow-cwd --block-net --open-port 8080 -- true
	assert_status 0
}

@test "nested: nono inside nono runs, keeps the outer protections and only narrows" {
	mkdir -p proj/.git/hooks bin
	cp "$NONO" bin/nono
	cd proj
	run --separate-stderr "$TEST_DIR/bin/nono" -s run --allow . --read "$TEST_DIR/bin" -- \
		"$TEST_DIR/bin/nono" -s run --allow . -- sh -c '
			echo inner:ok
			echo evil >.git/hooks/pre-commit 2>/dev/null && echo hook:ok || echo hook:refused
			echo fine >new.txt && echo create:ok
			"$0" -c "import socket; socket.socket(socket.AF_UNIX)" 2>/dev/null && echo unix:ok || echo unix:refused
			echo x >../outside 2>/dev/null && echo outside:ok || echo outside:refused' "$PY"
	assert_status 0
	assert_contains "$output" "inner:ok" stdout
	assert_contains "$output" "hook:refused" stdout
	assert_contains "$output" "create:ok" stdout
	assert_contains "$output" "unix:refused" stdout
	assert_contains "$output" "outside:refused" stdout
	assert_missing "$TEST_DIR/outside"
	assert_file_content new.txt fine

	# the inner footer says why sockets fail and where to grant them
	run --separate-stderr "$TEST_DIR/bin/nono" -s run --allow . --read "$TEST_DIR/bin" -- \
		"$TEST_DIR/bin/nono" run --allow . -- "$PY" -c "import socket; socket.socket(socket.AF_UNIX)"
	assert_status 1
	assert_contains "$stderr" "AF_UNIX sockets are refused inside another nono sandbox" stderr
}

@test "run: on a terminal, nono asks before sharing the current directory (read-only)" {
	require_cmd script
	mkdir -p here
	cd here
	printf '%q ' "$NONO" run -- sh -c 'ls >/dev/null && echo listed; echo x >f 2>/dev/null && echo wrote || echo write-refused' >"$TEST_DIR/yes.sh"
	run sh -c "printf 'y\n' | script -qec 'sh $TEST_DIR/yes.sh' /dev/null"
	assert_status 0
	assert_contains "$output" "share the current directory" stdout
	assert_contains "$output" "listed" stdout
	assert_contains "$output" "write-refused" stdout
	assert_missing "$TEST_DIR/here/f"

	# answering no: nothing shared, listing it is refused
	printf '%q ' "$NONO" run -- sh -c 'ls >/dev/null 2>&1 && echo listed || echo list-refused' >"$TEST_DIR/no.sh"
	run sh -c "printf 'n\n' | script -qec 'sh $TEST_DIR/no.sh' /dev/null"
	assert_contains "$output" "list-refused" stdout

	# Issue 12: the home (or above it) is never offered, even on a
	# terminal: `nono run --allow ./project` from the home must not ask to
	# share all of it.  It runs with what the flags grant.
	mkdir -p "$HOME/project"
	cd "$HOME"
	printf '%q ' "$NONO" run --allow ./project -- sh -c 'ls "$HOME" >/dev/null 2>&1 && echo home-listed || echo home-refused; echo x >project/f && echo project-written' >"$TEST_DIR/home.sh"
	run sh -c "printf 'y\n' | script -qec 'sh $TEST_DIR/home.sh' /dev/null"
	assert_status 0
	refute_contains "$output" "share the current directory" stdout
	assert_contains "$output" "not sharing the current directory $HOME" stdout
	assert_contains "$output" "home-refused" stdout
	assert_contains "$output" "project-written" stdout
}

@test "run: the command does not outlive a killed supervisor" {
	"$NONO" -s run --allow . -- sh -c 'echo $$ >child.pid; exec sleep 30' </dev/null >/dev/null 2>&1 &
	local sup=$!
	wait_for_file "$TEST_DIR/child.pid" 50
	local child
	child=$(cat "$TEST_DIR/child.pid")
	kill -0 "$child"
	kill -KILL "$sup"
	local i
	for i in $(seq 1 50); do
		kill -0 "$child" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$child" 2>/dev/null; then
		kill -KILL "$child"
		echo "the command survived its supervisor" >&2
		false
	fi
}
