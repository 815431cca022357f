#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, escape 1: the AF_UNIX gate decided by names.  Each attack
# reached a socket outside every grant on the previous build (the user's
# ssh-agent, docker.sock); each comes with its control.  The "host" socket
# lives in a directory of the default-writable /tmp, like the
# ssh-agent's in /tmp: the sandbox can rename and link it.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	HOSTDIR=""
}

teardown() {
	nono_teardown
	[ -n "$HOSTDIR" ] && rm -rf "$HOSTDIR"
	true
}

# A directory in the default-writable /tmp on the same file system as
# $TEST_DIR (hard links and renames need one).
host_dir() {
	local d
	for d in /tmp; do
		if [ "$(stat -c %d "$d")" = "$(stat -c %d "$TEST_DIR")" ]; then
			HOSTDIR=$(mktemp -d "$d/nono-host.XXXXXX")
			return 0
		fi
	done
	skip_or_fail "no default-writable directory shares a file system with $TEST_DIR"
}

# Connects to each path given; prints "<path-basename> PONG", "... ERR n"
# or "... SILENT" (connected to a socket that does not answer).
CONNECT_EACH='
import os, socket, sys
def conn(p):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(3)
    try:
        s.connect(p)
    except OSError as e:
        return "ERR %d" % e.errno
    s.settimeout(0.5)
    try:
        return s.recv(4).decode() or "EOF"
    except socket.timeout:
        return "SILENT"
'

@test "escape 1: an abstract name spelling a path does not open that path" {
	mkdir -p "$TEST_ROOT/elsewhere"
	start_unix_server "$TEST_ROOT/elsewhere/docker.sock"
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$CONNECT_EACH"'
p = sys.argv[1]
a = socket.socket(socket.AF_UNIX); a.bind("\0" + p); a.listen(1)
print("path", conn(p))
print("abstract", conn("\0" + p))
' "$TEST_ROOT/elsewhere/docker.sock"
	assert_status 0
	assert_contains "$output" "path ERR 13" stdout
	# control: the sandbox's own abstract socket is reachable under its
	# own name
	assert_contains "$output" "abstract SILENT" stdout
	# control: granted, the path is reachable
	run --separate-stderr nono run -s --allow-cwd \
		--allow-unix-socket "$TEST_ROOT/elsewhere/docker.sock" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_ROOT/elsewhere/docker.sock"
	assert_status 0
	[ "$output" = PONG ] || { show_run; false; }
}

@test "escape 1: a host socket linked or renamed over a name the sandbox bound stays unreachable" {
	host_dir
	start_unix_server "$HOSTDIR/agent"
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$CONNECT_EACH"'
d = sys.argv[1]
own = d + "/own.sock"
b = socket.socket(socket.AF_UNIX); b.bind(own); b.listen(1)
print("own", conn(own))
os.unlink(own); os.link(d + "/agent", own)
print("linked", conn(own))
os.unlink(own); os.rename(d + "/agent", own)
print("renamed", conn(own))
os.rename(own, d + "/agent")
b.close()
b = socket.socket(socket.AF_UNIX); b.bind(own); b.listen(1)
print("own again", conn(own))
' "$HOSTDIR"
	assert_status 0
	assert_contains "$output" "own SILENT" stdout
	assert_contains "$output" "linked ERR 13" stdout
	assert_contains "$output" "renamed ERR 13" stdout
	assert_contains "$output" "own again SILENT" stdout
	# control: the host socket still answers outside
	run "$PY" -c "$UNIX_CONNECT" "$HOSTDIR/agent"
	[ "$output" = PONG ] || { show_run; false; }
}

@test "escape 1: a host socket linked or moved into a granted directory is not reachable through the grant" {
	host_dir
	mkdir -p proj
	start_unix_server "$HOSTDIR/agent"
	start_unix_server "$TEST_DIR/proj/dev.sock"
	run --separate-stderr nono run -s --allow-cwd --allow proj -- "$PY" -c "$CONNECT_EACH"'
d = sys.argv[1]
print("bound here", conn("proj/dev.sock"))
os.link(d + "/agent", "proj/linked.sock")
print("linked", conn("proj/linked.sock"))
os.unlink("proj/linked.sock")
os.mkdir(d + "/sub")
os.rename(d + "/agent", d + "/sub/agent")
try:
    # a directory from outside a sealed tree: EXDEV (mv would copy it)
    os.rename(d + "/sub", "proj/sub")
    print("dir moved", conn("proj/sub/agent"))
except OSError as e:
    print("dir move refused", e.errno)
os.mkdir("proj/sub")
os.rename(d + "/sub/agent", "proj/sub/agent")
print("moved", conn("proj/sub/agent"))
' "$HOSTDIR"
	assert_status 0
	# control: a socket its owner bound inside the grant is reachable
	assert_contains "$output" "bound here PONG" stdout
	assert_contains "$output" "linked ERR 13" stdout
	assert_contains "$output" "dir move refused 18" stdout
	assert_contains "$output" "moved ERR 13" stdout
	# control: back where it was bound and granted there, it is reachable
	mv "$TEST_DIR/proj/sub/agent" "$HOSTDIR/agent"
	run --separate-stderr nono run -s --allow-cwd --allow proj \
		--allow-unix-socket "$HOSTDIR/agent" -- \
		"$PY" -c "$UNIX_CONNECT" "$HOSTDIR/agent"
	[ "$output" = PONG ] || { show_run; false; }
}

@test "escape 1: the sandbox's own socket stays its own when renamed, in proxy mode too" {
	mkdir -p proj
	local mode
	for mode in "" "--allow-domain localhost:*"; do
		# shellcheck disable=SC2086  # mode is two words or none
		run --separate-stderr nono run -s --allow-cwd --allow proj \
			--allow-unix-socket-subtree-bind proj $mode -- "$PY" -c "$CONNECT_EACH"'
b = socket.socket(socket.AF_UNIX); b.bind("proj/a.sock"); b.listen(1)
os.rename("proj/a.sock", "proj/b.sock")
print("renamed own", conn("proj/b.sock"))
a = socket.socket(socket.AF_UNIX); a.bind("\0nono-own-'"$$"'"); a.listen(1)
print("abstract own", conn("\0nono-own-'"$$"'"))
'
		assert_status 0
		assert_contains "$output" "renamed own SILENT" stdout
		assert_contains "$output" "abstract own SILENT" stdout
	done
}

@test "escape 1: an abstract name the sandbox bound and closed is not reachable once someone else binds it" {
	local name="nono-reuse-$$-$RANDOM"
	nono run -s --allow "$TEST_DIR" -- "$PY" -c "$CONNECT_EACH"'
import time
name = "\0" + sys.argv[1]
a = socket.socket(socket.AF_UNIX); a.bind(name); a.listen(1)
print("own", conn(name), flush=True)
a.close()
open("closed", "w").close()
for _ in range(100):
    if os.path.exists("go"): break
    time.sleep(0.05)
print("reused", conn(name), flush=True)
' "$name" >out 2>err &
	local pid=$!
	wait_for_file closed 100
	"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1]); s.listen(8)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept(); c.sendall(b"PONG"); c.close()
' "$name" "$TEST_DIR/go" </dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=($!)
	wait_for_file go 50
	wait_bounded "$pid" 20
	run cat out
	assert_contains "$output" "own SILENT"
	assert_contains "$output" "reused ERR 13"
	# control: outside the sandbox the name answers
	run "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect("\0" + sys.argv[1])
print(s.recv(4).decode())' "$name"
	[ "$output" = PONG ] || { show_run; false; }
}

# Found by review of the fix: the name a socket was bound with was resolved
# following symlinks, so moving the socket's directory (the user's own
# /tmp/ssh-XXXX) into the grant and leaving a symlink in its place made the
# name lead into the grant again.
@test "escape 1: a socket's directory moved into the grant behind a symlink stays unreachable" {
	host_dir
	mkdir -p proj "$HOSTDIR/ssh-x"
	start_unix_server "$HOSTDIR/ssh-x/agent"
	run --separate-stderr nono run -s --allow-cwd --allow proj -- "$PY" -c "$CONNECT_EACH"'
d = sys.argv[1] + "/ssh-x"
print("before", conn(d + "/agent"))
try:
    os.rename(d, "proj/ssh-x")
except OSError as e:
    # a directory into a sealed tree from outside: EXDEV; moved by hand
    print("dir move refused", e.errno)
    os.mkdir("proj/ssh-x")
    os.rename(d + "/agent", "proj/ssh-x/agent")
    os.rmdir(d)
os.symlink(os.path.abspath("proj/ssh-x"), d)
print("moved", conn("proj/ssh-x/agent"))
print("via link", conn(d + "/agent"))
' "$HOSTDIR"
	assert_status 0
	assert_contains "$output" "before ERR 13" stdout
	assert_contains "$output" "dir move refused 18" stdout
	assert_contains "$output" "moved ERR 13" stdout
	assert_contains "$output" "via link ERR 13" stdout
	# control: a symlink nono did not let the sandbox make is followed
	# (here the test's own, outside the sandbox's writable trees)
	rm "$HOSTDIR/ssh-x"
	mv proj/ssh-x "$HOSTDIR/ssh-x"
	mkdir -p "$TEST_ROOT/links"
	ln -s "$HOSTDIR/ssh-x" "$TEST_ROOT/links/ssh"
	run --separate-stderr nono run -s --allow-cwd \
		--allow-unix-socket "$HOSTDIR/ssh-x/agent" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_ROOT/links/ssh/agent"
	[ "$output" = PONG ] || { show_run; false; }
}

@test "escape 1: a socket bound by a relative name cannot be moved into the grant" {
	host_dir
	mkdir -p proj
	(cd "$HOSTDIR" && start_unix_server agent)
	run --separate-stderr nono run -s --allow-cwd --allow proj -- "$PY" -c "$CONNECT_EACH"'
os.rename(sys.argv[1] + "/agent", "proj/agent")
print("moved", conn("proj/agent"))
' "$HOSTDIR"
	assert_status 0
	assert_contains "$output" "moved ERR 13" stdout
	# control: an absolute name bound in the grant is reachable
	start_unix_server "$TEST_DIR/proj/dev.sock"
	run --separate-stderr nono run -s --allow-cwd --allow proj -- \
		"$PY" -c "$UNIX_CONNECT" proj/dev.sock
	[ "$output" = PONG ] || { show_run; false; }
}

# A 108-byte socket path anywhere on the host (the kernel reports it with a
# NUL added) made every query fail, so no socket could be identified.
@test "escape 1: a host socket with the longest name does not stop the gate" {
	host_dir
	local long
	long="$HOSTDIR/$(printf 'L%.0s' $(seq $((107 - ${#HOSTDIR}))))"
	[ "${#long}" = 108 ]
	# python refuses a name that fills sun_path: bind through libc
	"$PY" -c '
import ctypes, os, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_UNIX)
addr = struct.pack("H", socket.AF_UNIX) + sys.argv[1].encode()
assert len(addr) == 110
if libc.bind(s.fileno(), addr, len(addr)) != 0:
    sys.exit("bind: %d" % ctypes.get_errno())
s.listen(8)
while True:
    c, _ = s.accept(); c.sendall(b"PONG"); c.close()
' "$long" >/dev/null 2>&1 </dev/null 3>&- &
	BG_PIDS+=($!)
	wait_for_file "$long" 50
	mkdir -p proj
	start_unix_server "$TEST_DIR/proj/dev.sock"
	run --separate-stderr nono run -s --allow-cwd --allow proj -- "$PY" -c "$CONNECT_EACH"'
print("granted", conn("proj/dev.sock"))
b = socket.socket(socket.AF_UNIX); b.bind("proj/own.sock"); b.listen(1)
print("own", conn("proj/own.sock"))
'
	assert_status 0
	assert_contains "$output" "granted PONG" stdout
	assert_contains "$output" "own SILENT" stdout
}

# Fail closed: a child that floods the gate gets answers, every one a
# refusal for what is not its own, and the gate still serves afterwards;
# while the supervisor cannot answer (stopped), a gated call waits: it
# never goes through undecided.
@test "gate: flooded from many threads it refuses every host connect and still serves; stopped, it lets nothing through" {
	host_dir
	start_unix_server "$HOSTDIR/agent"
	mkdir -p proj
	run --separate-stderr nono run -s --allow-cwd --allow proj -- "$PY" -c '
import os, socket, sys, threading
host = sys.argv[1]
reached = [0]; refused = [0]; lock = threading.Lock()
def flood():
    for i in range(400):
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(host)
            with lock: reached[0] += 1
        except OSError:
            with lock: refused[0] += 1
        s.close()
        b = socket.socket(socket.AF_UNIX)
        try:
            b.bind("\0" + host + str(i))
        except OSError:
            pass
        b.close()
ts = [threading.Thread(target=flood) for _ in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print("reached", reached[0], "refused", refused[0])
own = socket.socket(socket.AF_UNIX); own.bind("proj/own.sock"); own.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect("proj/own.sock"); print("still serving")
' "$HOSTDIR/agent"
	assert_status 0
	assert_contains "$output" "reached 0 refused 3200" stdout
	assert_contains "$output" "still serving" stdout

	# the supervisor stopped: the sandbox's connect waits for it
	"$NONO" run -s --allow . -- "$PY" -c '
import socket, sys, time
open("ready", "w").close()
time.sleep(0.5)
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("CONNECTED", flush=True)
except OSError as e:
    print("refused", e.errno, flush=True)
' "$HOSTDIR/agent" </dev/null >out 2>&1 &
	local pid=$!
	wait_for_file ready 100
	kill -STOP "$pid"
	sleep 1.5
	# nothing decided while it is stopped
	[ ! -s out ] || { cat out; kill -CONT "$pid"; false; }
	kill -CONT "$pid"
	wait_bounded "$pid" 20
	assert_file_content out "refused 13"
}
