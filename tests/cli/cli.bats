#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Command line: errors, --dry-run, -s, --no-diagnostics, themes and
# config.toml, the deprecated command blocklist, --allow-gpu.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
}

teardown() {
	nono_teardown
}

@test "cli: an unknown option is an error" {
	run --separate-stderr nono run --allow-cwd --no-such-option -- sh -c 'echo RAN'
	assert_nono_error "unknown option"
	assert_contains "$stderr" "--no-such-option" stderr
	refute_contains "$output" RAN stdout
}

@test "cli: an unknown command is an error" {
	run --separate-stderr nono frobnicate
	assert_nono_error "unknown command"
}

@test "cli: a missing command is an error" {
	run --separate-stderr nono run --allow-cwd --
	assert_nono_error "no command given"
}

@test "cli: --version and --help succeed" {
	run --separate-stderr nono --version
	assert_status 0
	assert_contains "$output" nono stdout
	run --separate-stderr nono run --help
	assert_status 0
	assert_contains "$output" "--allow" stdout
	assert_contains "$output" "--credential SERVICE" stdout
	assert_contains "$output" "--network-profile NAME" stdout
	assert_contains "$output" "--profile NAME" stdout
	# wrap has no proxy: its help does not offer it
	run --separate-stderr nono wrap --help
	assert_status 0
	refute_contains "$output" "--credential" stdout
}

@test "cli: --dry-run prints the capabilities and runs nothing" {
	mkdir ro
	run --separate-stderr nono run -a "$TEST_DIR" -r "$TEST_DIR/ro" --dry-run -- \
		touch "$TEST_DIR/made" arg2
	assert_status 0
	assert_contains "$output" "Capabilities that would be granted:" stdout
	grep -qx "  \[rw\] $TEST_DIR" <<<"$output" || { show_run; false; }
	grep -qx "  \[r-\] $TEST_DIR/ro" <<<"$output" || { show_run; false; }
	grep -qx "  \[net\] allowed" <<<"$output" || { show_run; false; }
	grep -qx "Would execute: touch $TEST_DIR/made arg2" <<<"$output" || { show_run; false; }
	assert_missing "$TEST_DIR/made"
	assert_missing "$TEST_DIR/arg2"

	# control: without --dry-run the same command creates the file
	run --separate-stderr nono run -s -a "$TEST_DIR" -r "$TEST_DIR/ro" -- touch "$TEST_DIR/made"
	assert_status 0
	[ -f "$TEST_DIR/made" ]
}

@test "cli: --dry-run shows a blocked network and the open ports" {
	run --separate-stderr nono run --allow-cwd --block-net --open-port 4000 --dry-run -- true
	assert_status 0
	assert_contains "$output" "[net] blocked" stdout
	assert_contains "$output" 4000 stdout
	grep -qx "Would execute: true" <<<"$output" || { show_run; false; }
}

# Issue 11: one port parser for every flag, URL and host:port (strtol let
# `--proxy-port +8080`, " 8080" or "8080x" through where --open-port did not).
@test "cli: every port is read the same way: digits 1-65535, nothing else" {
	local f v
	for f in --proxy-port --open-port --listen-port; do
		for v in +8080 " 8080" 8080x 0 65536 -1 ""; do
			run nono run --dry-run --allow-cwd --allow-domain example.com \
				"$f" "$v" -- true
			assert_status 1
			assert_contains "$output" "$f"
		done
		# control: a plain port is accepted
		run nono run --dry-run --allow-cwd --allow-domain example.com \
			"$f" 18080 -- true
		assert_status 0
	done
	run nono run --dry-run --allow-cwd --allow-domain example.com \
		--upstream-proxy "squid:+3128" -- true
	assert_status 1
	assert_contains "$output" "HOST:PORT"
	run nono run --dry-run --allow-cwd --allow-domain example.com \
		--upstream-proxy "http://squid:3128/" -- true
	assert_status 0
	run nono run --dry-run --allow-cwd --allow-domain "example.com:+443" -- true
	assert_status 1
	run nono why --host "https://example.com:+443/x"
	assert_status 1
	run nono why --host "https://example.com:443/x" --allow-domain example.com
	assert_contains "$output" "ALLOWED"
}

@test "cli: --dry-run -v adds the Landlock ABI and requested/enforced table" {
	require_landlock
	run --separate-stderr nono run --allow-cwd --dry-run -v -- true
	assert_status 0
	grep -q "Landlock ABI: $HOST_LANDLOCK_ABI" <<<"$output" || { show_run; false; }
	grep -q "requested *enforced" <<<"$output" || { show_run; false; }

	# control: without -v, neither
	run --separate-stderr nono run --allow-cwd --dry-run -- true
	assert_status 0
	refute_contains "$output" "Landlock ABI:" stdout
	refute_contains "$output" "enforced" stdout
}

# Issue 12: the footer appears only when nono has evidence that the sandbox
# refused something (it followed every non-zero exit: grep without a match,
# a failing test run).
@test "cli: the footer needs evidence of a refusal; --no-diagnostics hides it" {
	require_landlock
	echo data >readable
	# a command that merely fails: no footer
	run --separate-stderr nono run --allow-cwd -- sh -c 'exit 3'
	assert_status 3
	refute_contains "$stderr" "command exited with code" stderr
	refute_contains "$stderr" "Refused by the sandbox" stderr
	run --separate-stderr nono run --allow-cwd -- grep nomatch readable
	assert_status 1
	refute_contains "$stderr" "command exited" stderr
	# evidence: a path on the command line the sandbox refuses
	mkdir -p "$TEST_ROOT/outside"
	echo secret >"$TEST_ROOT/outside/f"
	run --separate-stderr nono run --allow-cwd -- cat "$TEST_ROOT/outside/f"
	assert_status 1
	assert_contains "$stderr" "command exited with code 1" stderr
	assert_contains "$stderr" "Refused by the sandbox" stderr
	assert_contains "$stderr" "to allow it: --read-file $TEST_ROOT/outside/f" stderr
	run --separate-stderr nono run --allow-cwd --no-diagnostics -- cat "$TEST_ROOT/outside/f"
	assert_status 1
	refute_contains "$stderr" "command exited with code" stderr
	assert_contains "$stderr" "nono sandbox:" "stderr (banner)"
	# a protected path gets why's answer, never a grant nono would refuse
	mkdir -p "$HOME/.ssh"
	echo KEY >"$HOME/.ssh/id_rsa"
	run --separate-stderr nono run --allow-cwd -- cat "$HOME/.ssh/id_rsa"
	assert_status 1
	assert_contains "$stderr" "to allow it: --bypass-protection $HOME/.ssh" stderr
	refute_contains "$stderr" "--read-file $HOME/.ssh" stderr
	# no footer after a success
	run --separate-stderr nono run --allow-cwd -- true
	assert_status 0
	refute_contains "$stderr" "command exited with code" stderr
}

# --- themes: colours show only on a terminal, so script(1) provides one --

# Prints the first 24-bit colour escape on the banner line, or "none".
# Call require_cmd script first.
banner_colour() { # NONO-ARGS...
	local cmd="$TEST_DIR/tty.sh" out
	printf '%q ' env -u NO_COLOR -u FORCE_COLOR -u CLICOLOR_FORCE \
		TERM="${BANNER_TERM:-xterm-256color}" "$NONO" "$@" >"$cmd"
	out=$(script -qec "sh $cmd" /dev/null </dev/null 2>&1)
	grep -q " sandbox: " <<<"$out" || {
		echo "no banner from: $*" >&2
		printf '%s\n' "$out" >&2
		return 1
	}
	grep " sandbox: " <<<"$out" | head -n1 |
		grep -o $'\e\\[38;2;[0-9;]*m' | head -n1 | grep . || echo none
}

@test "cli: --theme, NONO_THEME and config.toml select the theme, in that order" {
	require_landlock
	require_cmd script
	local mocha latte frappe c
	mocha=$(banner_colour run --allow-cwd -- true)
	latte=$(banner_colour --theme latte run --allow-cwd -- true)
	[ "$mocha" != none ] && [ "$latte" != none ] && [ "$mocha" != "$latte" ] || {
		echo "mocha=$mocha latte=$latte" >&2
		false
	}
	# the flag also works after the command name
	c=$(banner_colour run --theme latte --allow-cwd -- true)
	[ "$c" = "$latte" ]

	c=$(NONO_THEME=latte banner_colour run --allow-cwd -- true)
	[ "$c" = "$latte" ] || { echo "NONO_THEME=latte gave $c" >&2; false; }

	mkdir -p "$HOME/.config/nono"
	printf '[ui]\ntheme = "frappe"\n' >"$HOME/.config/nono/config.toml"
	frappe=$(banner_colour run --allow-cwd -- true)
	[ "$frappe" != "$mocha" ] && [ "$frappe" != "$latte" ] || {
		echo "config frappe gave $frappe" >&2
		false
	}
	# precedence: flag > NONO_THEME > config
	c=$(NONO_THEME=latte banner_colour run --allow-cwd -- true)
	[ "$c" = "$latte" ] || { echo "NONO_THEME under config gave $c" >&2; false; }
	c=$(NONO_THEME=latte banner_colour --theme mocha run --allow-cwd -- true)
	[ "$c" = "$mocha" ] || { echo "--theme under NONO_THEME gave $c" >&2; false; }

	# minimal has no colours
	c=$(banner_colour --theme minimal run --allow-cwd -- true)
	[ "$c" = none ] || { echo "minimal gave $c" >&2; false; }
}

@test "cli: an unknown theme warns and falls back to mocha" {
	require_landlock
	run --separate-stderr nono --theme no-such-theme run --allow-cwd -- echo RAN
	assert_status 0
	[ "$output" = RAN ] || { show_run; false; }
	assert_contains "$stderr" "unknown theme" stderr

	NONO_THEME=no-such-theme run --separate-stderr nono run --allow-cwd -- echo RAN
	assert_status 0
	assert_contains "$stderr" "unknown theme" stderr

	# control: a known theme gives no warning
	run --separate-stderr nono --theme latte run --allow-cwd -- echo RAN
	assert_status 0
	refute_contains "$stderr" "unknown theme" stderr

	require_cmd script
	local mocha c
	mocha=$(banner_colour run --allow-cwd -- true)
	c=$(banner_colour --theme no-such-theme run --allow-cwd -- true)
	[ "$c" = "$mocha" ] || { echo "fallback gave $c, mocha is $mocha" >&2; false; }
}

# Issue 12: colour is off for NO_COLOR and TERM=dumb, forced by FORCE_COLOR
# and CLICOLOR_FORCE even without a terminal.
@test "cli: NO_COLOR and TERM=dumb turn colour off; FORCE_COLOR and CLICOLOR_FORCE force it" {
	require_landlock
	require_cmd script
	local c
	c=$(banner_colour run --allow-cwd -- true)
	[ "$c" != none ] || { echo "no colour on a terminal" >&2; false; }
	c=$(BANNER_TERM=dumb banner_colour run --allow-cwd -- true)
	[ "$c" = none ] || { echo "TERM=dumb gave $c" >&2; false; }
	printf '%q ' env NO_COLOR=1 TERM=xterm-256color "$NONO" run --allow-cwd -- true >"$TEST_DIR/nc.sh"
	run sh -c "script -qec 'sh $TEST_DIR/nc.sh' /dev/null </dev/null"
	refute_contains "$output" $'\e[38;2' stdout
	# no terminal: plain, unless forced
	run --separate-stderr nono run --allow-cwd -- true
	refute_contains "$stderr" $'\e[' stderr
	FORCE_COLOR=1 run --separate-stderr nono run --allow-cwd -- true
	assert_contains "$stderr" $'\e[38;2' stderr
	CLICOLOR_FORCE=1 run --separate-stderr nono run --allow-cwd -- true
	assert_contains "$stderr" $'\e[38;2' stderr
	FORCE_COLOR=0 run --separate-stderr nono run --allow-cwd -- true
	refute_contains "$stderr" $'\e[' stderr
	NO_COLOR=1 FORCE_COLOR=1 run --separate-stderr nono run --allow-cwd -- true
	refute_contains "$stderr" $'\e[' stderr
}

@test "cli: an unparseable config.toml is an error" {
	mkdir -p "$HOME/.config/nono"
	printf '[ui\ntheme = \n' >"$HOME/.config/nono/config.toml"
	run --separate-stderr nono run --allow-cwd -- sh -c 'echo RAN'
	assert_nono_error "config:"
	refute_contains "$output" RAN stdout
}

@test "cli: -c FILE reads that file; a missing one is an error" {
	require_landlock
	run --separate-stderr nono run -c "$TEST_DIR/missing.toml" --allow-cwd -- sh -c 'echo RAN'
	assert_nono_error "config:"
	refute_contains "$output" RAN stdout

	printf '[ui]\ntheme = "frappe"\n' >"$TEST_DIR/good.toml"
	run --separate-stderr nono run -c "$TEST_DIR/good.toml" --allow-cwd -- sh -c 'echo RAN'
	assert_status 0
	[ "$output" = RAN ] || { show_run; false; }

	printf 'garbage[[\n' >"$TEST_DIR/bad.toml"
	run --separate-stderr nono run -c "$TEST_DIR/bad.toml" --allow-cwd -- sh -c 'echo RAN'
	assert_nono_error "config:"
}

# --- deprecated start-up command blocklist -------------------------------

@test "cli: rm is blocked at start-up; the hint names --allow-command" {
	require_landlock
	echo keep >victim
	run --separate-stderr nono run -a "$TEST_DIR" -- rm victim
	assert_nono_error "command blocked"
	grep -q '^hint: .*--allow-command' <<<"$stderr" || { show_run; false; }
	assert_file_content victim keep
}

@test "cli: --allow-command rm runs it, with a deprecation warning" {
	require_landlock
	echo keep >victim
	run --separate-stderr nono run -a "$TEST_DIR" --allow-command rm -- rm victim
	assert_status 0
	assert_contains "$stderr" deprecated stderr
	assert_missing victim
}

@test "cli: --block-command blocks another command" {
	require_landlock
	touch listed-file
	run --separate-stderr nono run --allow-cwd --block-command ls -- ls
	assert_nono_error "command blocked"
	refute_contains "$output" listed-file stdout

	# control
	run --separate-stderr nono run --allow-cwd -- ls
	assert_status 0
	assert_contains "$output" listed-file stdout
}

@test "cli: --allow-gpu runs where devices are absent" {
	require_landlock
	run --separate-stderr nono run -s --allow-cwd --allow-gpu -- echo RAN
	assert_status 0
	[ "$output" = RAN ] || { show_run; false; }
}

# --- diagnostics (each of these exposes a bug, see the report) -----------

@test "cli: the footer tells an exit code above 128 from a signal" {
	require_landlock
	mkdir -p "$TEST_ROOT/outside"
	# evidence (an ungranted argument), then a real signal
	run --separate-stderr nono run --allow-cwd -- sh -c 'kill -INT $$' sh "$TEST_ROOT/outside"
	assert_status 130
	assert_contains "$stderr" "killed by signal 2" stderr
	run --separate-stderr nono run --allow-cwd -- sh -c 'exit 130' sh "$TEST_ROOT/outside"
	assert_status 130
	refute_contains "$stderr" "killed by signal" stderr
	assert_contains "$stderr" "command exited with code 130" stderr
}

@test "cli: the footer does not blame the sandbox for the command's own executable" {
	require_landlock
	run --separate-stderr nono run --allow-cwd -- /bin/false
	assert_status 1
	refute_contains "$stderr" "command exited with code" stderr
	refute_contains "$stderr" "--allow-file /usr/bin/false" stderr
	refute_contains "$stderr" "--allow-file /bin/false" stderr
}

# The exec diagnosis reads a script's first line: never from a FIFO or a
# device named as the command (it blocked on the FIFO's open).
@test "cli: --dry-run of a FIFO named as the command does not hang" {
	mkfifo fifo
	chmod +x fifo
	run --separate-stderr timeout 10 "$NONO" run --dry-run --allow-cwd -- ./fifo
	assert_status 0
	assert_contains "$output" "Would execute: ./fifo" stdout
}

@test "cli: a non-executable file in a granted directory is not blamed on the sandbox" {
	require_landlock
	printf '#!/bin/sh\necho RAN\n' >script.sh
	chmod 644 script.sh
	run --separate-stderr nono run -a "$TEST_DIR" -- ./script.sh
	assert_status 126
	assert_contains "$stderr" "Permission denied" stderr
	# the directory is granted read-write: telling the user to grant it
	# with --read sends them the wrong way
	refute_contains "$stderr" "grant the directory that holds it" stderr
}

# A private /dev (as root, in a private mount namespace) with stand-in nodes
# for the GPU devices: character devices with /dev/null's numbers, so that
# open, write and ioctl behave like a real driver's node that answers
# ENOTTY.  What is checked is nono's grant set, which is what --allow-gpu is.
GPU_PROBE='
import errno, fcntl, os, sys, termios, threading
def dev(p):
    try:
        fd = os.open(p, os.O_RDWR)
    except OSError as e:
        return "%s:denied" % p
    try:
        fcntl.ioctl(fd, termios.TCGETS)
        r = "ioctl-ok"
    except OSError as e:
        r = "ioctl-ok" if e.errno == errno.ENOTTY else "ioctl-denied"
    os.close(fd)
    return "%s:open,%s" % (p, r)
out = [dev(p) for p in sys.argv[1:]]
try:
    with open("/proc/self/task/%d/comm" % threading.get_native_id(), "w") as f:
        f.write("cuda-worker")
    out.append("comm:ok")
except OSError:
    out.append("comm:denied")
try:
    open("/sys/devices/system/cpu/online").read()
    out.append("sysfs:ok")
except OSError:
    out.append("sysfs:denied")
print(" ".join(out))
'

COMM_PROBE='
import os, threading
def name(path, value):
    try:
        with open(path, "w") as f:
            f.write(value)
        return open(path).read().strip()
    except OSError:
        return "denied"
out = ["main:" + name("/proc/self/task/%d/comm" % threading.get_native_id(), "named")]
def worker():
    out.append("thread:" + name("/proc/thread-self/comm", "worker"))
t = threading.Thread(target=worker)
t.start()
t.join()
out.append("oom:" + ("denied" if name("/proc/self/oom_score_adj", "500") == "denied" else "written"))
out.append("parent:" + ("denied" if name("/proc/%d/comm" % os.getppid(), "x") == "denied" else "written"))
print(" ".join(out))
'

@test "gpu: --allow-gpu opens compute nodes read-write with ioctl; display nodes stay closed" {
	[ "$(id -u)" -eq 0 ] || skip "a private /dev needs root (covered by the root run)"
	require_landlock
	command -v unshare >/dev/null || skip_or_fail "unshare is not installed"
	cat >"$TEST_DIR/gpu.sh" <<-'SH'
		set -e
		mount -t tmpfs -o mode=755 nodev /dev
		mknod -m 666 /dev/null c 1 3
		mknod -m 666 /dev/zero c 1 5
		mknod -m 666 /dev/urandom c 1 9
		mkdir -p /dev/dri /dev/nvidia-caps /dev/shm
		for n in nvidia0 nvidiactl nvidia-uvm kfd dri/renderD128 dri/card0 nvidia-caps/nvidia-cap1 sda; do
			mknod -m 666 "/dev/$n" c 1 3
		done
		exec "$@"
	SH
	local nodes="/dev/nvidia0 /dev/nvidiactl /dev/nvidia-uvm /dev/kfd /dev/dri/renderD128 /dev/nvidia-caps/nvidia-cap1 /dev/dri/card0 /dev/sda"

	run --separate-stderr unshare -m --propagation private sh "$TEST_DIR/gpu.sh" \
		"$NONO" run -s --allow-cwd --allow-gpu -- "$PY" -c "$GPU_PROBE" $nodes
	assert_status 0
	for n in nvidia0 nvidiactl nvidia-uvm kfd dri/renderD128 nvidia-caps/nvidia-cap1; do
		assert_contains "$output" "/dev/$n:open,ioctl-ok" stdout
	done
	# Display nodes and unrelated devices are not part of the GPU set.
	assert_contains "$output" "/dev/dri/card0:denied" stdout
	assert_contains "$output" "/dev/sda:denied" stdout
	# CUDA names its threads; the driver reads CPU and NUMA topology.
	assert_contains "$output" "comm:ok" stdout
	assert_contains "$output" "sysfs:ok" stdout

	# A process started by the command (a shell's child, a worker) names
	# its threads too, from any thread; nothing else of /proc is writable.
	run --separate-stderr nono run -s --allow-cwd --allow-gpu -- \
		sh -c '"$0" -c "$1"; true' "$PY" "$COMM_PROBE"
	assert_status 0
	assert_contains "$output" "main:named thread:worker" stdout
	assert_contains "$output" "oom:denied parent:denied" stdout
	run --separate-stderr nono run -s --allow-cwd -- \
		sh -c '"$0" -c "$1"; true' "$PY" "$COMM_PROBE"
	assert_status 0
	assert_contains "$output" "main:denied thread:denied" stdout

	# control: the same run without --allow-gpu
	run --separate-stderr unshare -m --propagation private sh "$TEST_DIR/gpu.sh" \
		"$NONO" run -s --allow-cwd -- "$PY" -c "$GPU_PROBE" $nodes
	assert_status 0
	assert_contains "$output" "/dev/nvidia0:denied" stdout
	assert_contains "$output" "/dev/dri/renderD128:denied" stdout
	assert_contains "$output" "comm:denied" stdout
	assert_contains "$output" "sysfs:denied" stdout
}

# Issue 12: "did you mean" for commands, flags, profile names, network
# profiles and profile keys; a short option missing its value is named;
# --block-net with proxy flags is a conflict; nono help CMD.
@test "cli: did-you-mean, missing values, flag conflicts, nono help CMD" {
	run --separate-stderr nono rnu
	assert_nono_error "unknown command 'rnu'"
	assert_contains "$stderr" "did you mean nono run?" stderr
	run --separate-stderr nono run --alow . -- true
	assert_nono_error "unknown option '--alow' for nono run; did you mean --allow?"
	run --separate-stderr nono run -r
	assert_nono_error "-r: missing value"
	run --separate-stderr nono run --allow
	assert_nono_error "--allow: missing value"
	run --separate-stderr nono run --profile clade-code --allow-cwd -- true
	assert_nono_error "did you mean claude-code?"
	run --separate-stderr nono run --network-profile claude-cod --allow-cwd -- true
	assert_nono_error "no such network profile"
	assert_contains "$stderr" "did you mean --network-profile claude-code?" stderr
	echo '{"extends":"default","meta":{"name":"t"},"network":{"blcok":true}}' >"$TEST_DIR/t.json"
	run --separate-stderr nono profile validate "$TEST_DIR/t.json"
	assert_nono_error 'unknown key "blcok" in network; did you mean "block"?'
	assert_contains "$stderr" "t.json:1:" stderr
	run --separate-stderr nono run --block-net --allow-domain example.com --allow-cwd -- true
	assert_nono_error "--block-net and --allow-domain conflict"
	run --separate-stderr nono run --block-net --network-profile minimal --allow-cwd -- true
	assert_nono_error "--block-net and --network-profile conflict"
	# nothing close: no guess
	run --separate-stderr nono bogus
	assert_nono_error "unknown command 'bogus'"
	refute_contains "$stderr" "did you mean" stderr
	# nono help CMD is CMD --help
	local c
	for c in run wrap shell why setup profile; do
		run --separate-stderr nono help "$c"
		assert_status 0
		assert_contains "$output" "Usage: nono $c" stdout
	done
}

# Issue 12: --json is implemented where the reference has it, and refused
# where it has no meaning.
@test "cli: run --dry-run --json and setup --check-only --json give JSON; --json elsewhere is refused" {
	mkdir -p "$TEST_DIR/proj"
	run --separate-stderr nono run --dry-run --json --allow "$TEST_DIR/proj" --block-net --open-port 8080 -- make test
	assert_status 0
	"$PY" - "$output" "$TEST_DIR/proj" <<'PYEOF'
import json, sys
d = json.loads(sys.argv[1])
assert d["command"] == ["make", "test"], d["command"]
g = [x for x in d["grants"] if x["path"] == sys.argv[2]]
assert g and g[0]["access"] == "readwrite" and g[0]["source"] == "user", g
assert d["network"]["mode"] == "blocked" and d["network"]["open_ports"] == [8080], d["network"]
for k in ("protected", "guarded", "made_first", "unix_sockets", "exec_problem"):
    assert k in d, k
PYEOF
	run --separate-stderr nono run --dry-run --json --allow-cwd --profile claude-code --network-profile claude-code -- claude
	assert_status 0
	"$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["profile"] == "claude-code"; assert d["network"]["mode"] == "proxy"; assert d["network"]["proxy"]["hosts"]' "$output"
	run --separate-stderr nono setup --check-only --json
	"$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); assert isinstance(d["ready"], bool); assert d["checks"] and "ok" in d["checks"][0]' "$output"
	# --json where it has no meaning: refused, nothing runs
	run --separate-stderr nono run --json --allow-cwd -- sh -c 'echo RAN'
	assert_nono_error "--json goes with --dry-run"
	refute_contains "$output" RAN stdout
	run --separate-stderr nono setup --json --profiles
	assert_nono_error "--json goes with the checks only"
	run --separate-stderr nono profile validate default --json
	assert_nono_error "--json is for list and show"
	run --separate-stderr nono profile list --json
	assert_status 0
	"$PY" -c 'import json,sys; json.loads(sys.argv[1])' "$output"
}

# Issue 12: completions from the option table, and the manual from --help.
@test "cli: nono completions bash|zsh|fish; bash completes commands, flags and profile names" {
	command -v bash >/dev/null || skip "bash is not installed"
	run --separate-stderr nono completions bash
	assert_status 0
	printf '%s\n' "$output" >"$TEST_DIR/nono.bash"
	bash -n "$TEST_DIR/nono.bash"
	NONO=$NONO run bash -c 'nono() { "$NONO" "$@"; }; . "$1"
		COMP_WORDS=(nono ru); COMP_CWORD=1; _nono; echo "cmd: ${COMPREPLY[*]}"
		COMP_WORDS=(nono run --allow-cw); COMP_CWORD=2; _nono; echo "flag: ${COMPREPLY[*]}"
		COMP_WORDS=(nono run --profile clau); COMP_CWORD=3; _nono; echo "profile: ${COMPREPLY[*]}"
		COMP_WORDS=(nono run --network-profile mini); COMP_CWORD=3; _nono; echo "net: ${COMPREPLY[*]}"' \
		sh "$TEST_DIR/nono.bash"
	assert_contains "$output" "cmd: run" stdout
	assert_contains "$output" "flag: --allow-cwd" stdout
	assert_contains "$output" "profile: claude-code" stdout
	assert_contains "$output" "net: minimal" stdout
	local sh
	for sh in zsh fish; do
		run --separate-stderr nono completions "$sh"
		assert_status 0
		assert_contains "$output" "nono" stdout
		if command -v "$sh" >/dev/null; then
			printf '%s\n' "$output" >"$TEST_DIR/c.$sh"
			"$sh" -n "$TEST_DIR/c.$sh"
		fi
	done
	run --separate-stderr nono completions tcsh
	assert_nono_error "unknown shell 'tcsh'"
	run --separate-stderr nono completions --help
	assert_status 0
	assert_contains "$output" "Usage: nono completions" stdout
}

@test "cli: every command has a man page made from its --help" {
	local gen=$BATS_TEST_DIRNAME/../../tools/gen_man.sh c
	for c in nono run wrap shell why setup profile completions; do
		sh "$gen" "$NONO" "$c" 0 "$TEST_DIR/$c.1"
		grep -q '^\.TH ' "$TEST_DIR/$c.1" || { cat "$TEST_DIR/$c.1"; false; }
		grep -q '^\.SH SYNOPSIS' "$TEST_DIR/$c.1"
	done
	# what --help says is in the manual
	grep -q -- '--allow-cwd' "$TEST_DIR/run.1"
	grep -q -- '--json' "$TEST_DIR/setup.1"
	if command -v man >/dev/null; then
		MANWIDTH=120 man -l "$TEST_DIR/why.1" 2>/dev/null | grep -q "nono-why"
	fi
}

# Issue 12: a write into a read-only grant names the grant and the flag
# that makes it writable (the gate sees each write-open when the session
# has a writable grant; Landlock refuses it and records nothing itself).
@test "cli: the footer names the read-only grant a refused write met, and --allow for it" {
	require_landlock
	mkdir -p "$TEST_ROOT/ro"
	echo data >"$TEST_ROOT/ro/f"
	run --separate-stderr nono run --allow . --read "$TEST_ROOT/ro" -- sh -c "echo x >$TEST_ROOT/ro/f; echo y >/usr/nono-test-x"
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" "writing $TEST_ROOT/ro/f: $TEST_ROOT/ro is granted read only (--read)" stderr
	assert_contains "$stderr" "to make it writable: --allow $TEST_ROOT/ro" stderr
	assert_contains "$stderr" "writing /usr/nono-test-x: /usr is read-only in every sandbox" stderr
	assert_file_content "$TEST_ROOT/ro/f" data
	# control: the flag it names makes the write work
	run --separate-stderr nono run -s --allow . --allow "$TEST_ROOT/ro" -- sh -c "echo x >$TEST_ROOT/ro/f"
	assert_status 0
	assert_file_content "$TEST_ROOT/ro/f" x
}
