#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Network: default allowed, --block-net, --open-port, AF_UNIX grants and the
# NONO_BLOCK_NET / NONO_ALLOW_NET variables.  Servers run on loopback only.

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

@test "net: the network is allowed by default" {
	start_http_server
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 0
	[ "$output" = NONO-HTTP-OK ] || { show_run; false; }
}

@test "net: --block-net refuses a TCP connection with EACCES" {
	start_http_server
	run --separate-stderr nono run -s --allow-cwd --block-net -- "$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 3
	assert_contains "$output" "ERR 13 Permission denied" stdout
	refute_contains "$output" NONO-HTTP-OK stdout
}

@test "net: --open-port P allows 127.0.0.1:P under --block-net, and only P" {
	start_http_server
	run --separate-stderr nono run -s --allow-cwd --block-net --open-port "$HTTP_PORT" -- \
		"$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 0
	[ "$output" = NONO-HTTP-OK ] || { show_run; false; }

	run --separate-stderr nono run -s --allow-cwd --block-net --open-port "$((HTTP_PORT + 1))" -- \
		"$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 3
	assert_contains "$output" "ERR 13 Permission denied" stdout
}

@test "net: --open-port rejects invalid ports" {
	local p
	for p in 0 70000 abc 8080x -1; do
		run --separate-stderr nono run --allow-cwd --block-net --open-port "$p" -- sh -c 'echo RAN'
		assert_nono_error "invalid port"
		refute_contains "$output" RAN stdout
	done
}

@test "net: --block-net refuses UDP sockets" {
	local udp='
import socket, sys
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.sendto(b"ping", s.getsockname())
    print(s.recv(4).decode())
except OSError as e:
    print("ERR", e.errno, e.strerror)
    sys.exit(3)
'
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$udp"
	assert_status 0
	[ "$output" = ping ] || { show_run; false; }

	run --separate-stderr nono run -s --allow-cwd --block-net -- "$PY" -c "$udp"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout
}

@test "net: --block-net refuses netlink sockets" {
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$SOCK_OPEN" AF_NETLINK SOCK_RAW 0
	assert_status 0
	[ "$output" = OPEN ] || { show_run; false; }

	run --separate-stderr nono run -s --allow-cwd --block-net -- "$PY" -c "$SOCK_OPEN" AF_NETLINK SOCK_RAW 0
	assert_status 3
	assert_contains "$output" "ERR 13" stdout
}

# Without privilege these fail with EPERM (1) anyway; nono's refusal is
# EACCES (13), so the errno tells them apart.  As root, the unsandboxed
# control shows they would succeed.
@test "net: --block-net refuses raw ICMP and packet sockets with EACCES" {
	local s
	for s in "AF_INET SOCK_RAW 1" "AF_PACKET SOCK_RAW 0"; do
		# shellcheck disable=SC2086
		run --separate-stderr nono run -s --allow-cwd --block-net -- "$PY" -c "$SOCK_OPEN" $s
		assert_status 3
		assert_contains "$output" "ERR 13" "stdout ($s)"
		if [ "$(id -u)" = 0 ]; then
			# control: root opens it outside nono
			# shellcheck disable=SC2086
			run "$PY" -c "$SOCK_OPEN" $s
			assert_status 0
			[ "$output" = OPEN ] || { show_run; false; }
			# inside, even with the network open, root holds no
			# CAP_NET_RAW any more (issue 10, escape 10)
			# shellcheck disable=SC2086
			run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$SOCK_OPEN" $s
			assert_status 3
			assert_contains "$output" "ERR 1" "stdout ($s)"
		fi
	done
}

@test "net: --block-net refuses AF_UNIX connect; --allow-unix-socket lifts it" {
	mkdir sock
	start_unix_server "$TEST_DIR/sock/s"

	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/s"
	assert_status 0
	[ "$output" = PONG ] || { show_run; false; }

	run --separate-stderr nono run -s --allow-cwd --block-net -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/s"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout

	# a plain file grant does not grant the socket under --block-net
	run --separate-stderr nono run -s --allow-cwd --block-net --allow-file "$TEST_DIR/sock/s" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/s"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout

	run --separate-stderr nono run -s --allow-cwd --block-net --allow-unix-socket "$TEST_DIR/sock/s" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/s"
	assert_status 0
	[ "$output" = PONG ] || { show_run; false; }

	local f
	for f in --allow-unix-socket-dir --allow-unix-socket-subtree; do
		run --separate-stderr nono run -s --allow-cwd --block-net "$f" "$TEST_DIR/sock" -- \
			"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/s"
		assert_status 0
		[ "$output" = PONG ] || { echo "with $f" >&2; show_run; false; }
	done
}

@test "net: --block-net refuses AF_UNIX bind; the -bind grants lift it" {
	mkdir sock
	run --separate-stderr nono run -s --allow-cwd --block-net -a "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_BIND" "$TEST_DIR/sock/b"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout
	assert_missing "$TEST_DIR/sock/b"

	# a connect-only grant does not allow bind
	run --separate-stderr nono run -s --allow-cwd --block-net --allow-unix-socket-dir "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_BIND" "$TEST_DIR/sock/b"
	assert_status 3
	assert_missing "$TEST_DIR/sock/b"

	run --separate-stderr nono run -s --allow-cwd --block-net --allow-unix-socket-bind "$TEST_DIR/sock/b" -- \
		"$PY" -c "$UNIX_BIND" "$TEST_DIR/sock/b"
	assert_status 0
	[ "$output" = BOUND ] || { show_run; false; }
	rm -f "$TEST_DIR/sock/b"

	run --separate-stderr nono run -s --allow-cwd --block-net --allow-unix-socket-dir-bind "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_BIND" "$TEST_DIR/sock/c"
	assert_status 0
	[ "$output" = BOUND ] || { show_run; false; }
}

@test "net: NONO_BLOCK_NET accepts true/yes/1 and false/no/0" {
	local v
	for v in true yes 1 TRUE; do
		NONO_BLOCK_NET=$v run --separate-stderr nono run --allow-cwd --dry-run -- true
		assert_status 0
		assert_contains "$output" "[net] blocked" "stdout (NONO_BLOCK_NET=$v)"
	done
	for v in false no 0; do
		NONO_BLOCK_NET=$v run --separate-stderr nono run --allow-cwd --dry-run -- true
		assert_status 0
		assert_contains "$output" "[net] allowed" "stdout (NONO_BLOCK_NET=$v)"
	done
}

@test "net: NONO_BLOCK_NET=true really blocks" {
	start_http_server
	NONO_BLOCK_NET=true run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout

	NONO_BLOCK_NET=false run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 0
	[ "$output" = NONO-HTTP-OK ] || { show_run; false; }
}

@test "net: NONO_BLOCK_NET=maybe is an error" {
	NONO_BLOCK_NET=maybe run --separate-stderr nono run --allow-cwd -- sh -c 'echo RAN'
	assert_nono_error "invalid boolean"
	refute_contains "$output" RAN stdout
}

@test "net: allow-net and block-net together are an error, from env or flags" {
	NONO_ALLOW_NET=true NONO_BLOCK_NET=true run --separate-stderr \
		nono run --allow-cwd -- sh -c 'echo RAN'
	assert_nono_error NONO_BLOCK_NET
	refute_contains "$output" RAN stdout

	run --separate-stderr nono run --allow-cwd --allow-net --block-net -- sh -c 'echo RAN'
	assert_nono_error "--block-net"
	refute_contains "$output" RAN stdout
}

@test "net: a network flag takes precedence over the opposite variable" {
	start_http_server
	NONO_ALLOW_NET=true run --separate-stderr nono run -s --allow-cwd --block-net -- \
		"$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout

	NONO_BLOCK_NET=true run --separate-stderr nono run -s --allow-cwd --allow-net -- \
		"$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 0
	[ "$output" = NONO-HTTP-OK ] || { show_run; false; }
}

# The gate: Landlock does not mediate connect(2) on socket files, nono's
# supervisor does.  Without --block-net, a socket under a user grant is
# reachable, one elsewhere (a tmux or D-Bus socket, say) is not.
@test "gate: without --block-net, only sockets under a user grant are reachable" {
	mkdir -p sock "$TEST_ROOT/elsewhere"
	start_unix_server "$TEST_DIR/sock/s"
	start_unix_server "$TEST_ROOT/elsewhere/session"

	run --separate-stderr nono run -s --allow-cwd --read "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/s"
	assert_status 0
	[ "$output" = PONG ] || { show_run; false; }

	run --separate-stderr nono run -s --allow-cwd --read "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_ROOT/elsewhere/session"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout

	# control: granting it makes it reachable
	run --separate-stderr nono run -s --allow-cwd --allow-unix-socket "$TEST_ROOT/elsewhere/session" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_ROOT/elsewhere/session"
	assert_status 0
	[ "$output" = PONG ] || { show_run; false; }
}

@test "gate: a symlink inside a grant does not reach a socket outside it" {
	mkdir -p sock "$TEST_ROOT/elsewhere"
	start_unix_server "$TEST_ROOT/elsewhere/session"
	ln -s "$TEST_ROOT/elsewhere/session" sock/link

	run --separate-stderr nono run -s --allow-cwd --allow "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/link"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout

	run --separate-stderr nono run -s --allow-cwd --allow "$TEST_DIR/sock" \
		--allow-unix-socket "$TEST_ROOT/elsewhere/session" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/link"
	assert_status 0
	[ "$output" = PONG ] || { show_run; false; }
}

@test "gate: --allow-unix-socket-dir covers direct children only; -subtree covers all" {
	mkdir -p sock/sub
	start_unix_server "$TEST_DIR/sock/sub/deep"

	run --separate-stderr nono run -s --allow-cwd --block-net --allow-unix-socket-dir "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/sub/deep"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout

	run --separate-stderr nono run -s --allow-cwd --block-net --allow-unix-socket-subtree "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/sub/deep"
	assert_status 0
	[ "$output" = PONG ] || { show_run; false; }
}

@test "gate: abstract sockets are refused; the sandbox's own are reachable" {
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c '
import socket
own = socket.socket(socket.AF_UNIX); own.bind("\0nono-test-own-'"$$"'"); own.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect("\0nono-test-own-'"$$"'"); print("own ok")
try:
    socket.socket(socket.AF_UNIX).connect("\0nono-test-absent-'"$$"'")
    print("other CONNECTED")
except OSError as e:
    print("other", e.errno)
'
	assert_status 0
	assert_contains "$output" "own ok" stdout
	assert_contains "$output" "other 13" stdout
}

@test "gate: AF_UNIX datagram sockets are refused under nono run (they send without connect)" {
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c '
import socket
try:
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); print("dgram CREATED")
except OSError as e:
    print("dgram", e.errno)
try:
    socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); print("dgram pair CREATED")
except OSError as e:
    print("dgram pair", e.errno)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM); print("stream pair ok")
'
	assert_status 0
	assert_contains "$output" "dgram 13" stdout
	assert_contains "$output" "dgram pair 13" stdout
	assert_contains "$output" "stream pair ok" stdout
}

@test "gate: the footer names the refused socket and the flag that grants it" {
	mkdir -p "$TEST_ROOT/elsewhere"
	start_unix_server "$TEST_ROOT/elsewhere/session"

	run --separate-stderr nono run --allow-cwd -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_ROOT/elsewhere/session"
	assert_status 3
	assert_contains "$stderr" "connect of unix socket $TEST_ROOT/elsewhere/session" stderr
	assert_contains "$stderr" "--allow-unix-socket $TEST_ROOT/elsewhere/session" stderr

	# control: nothing refused, nothing named
	run --separate-stderr nono run --allow-cwd --allow-unix-socket "$TEST_ROOT/elsewhere/session" -- \
		sh -c "\"$PY\" -c '$UNIX_CONNECT' '$TEST_ROOT/elsewhere/session'; exit 5"
	assert_status 5
	refute_contains "$stderr" "connect of unix socket" stderr
}

@test "gate: connects from threads are served, and a blocked connect does not hold up others" {
	mkdir -p sock
	start_unix_server "$TEST_DIR/sock/s"
	# A TCP listener that never accepts, with a full backlog: a blocking
	# connect to it waits (until the listener goes away in teardown).
	"$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(30)' "$TEST_DIR/port" >/dev/null 2>&1 </dev/null 3>&- &
	BG_PIDS+=($!)
	wait_for_file "$TEST_DIR/port" 50
	run --separate-stderr timeout 20 "$NONO" run -s --allow-cwd --read "$TEST_DIR/sock" -- "$PY" -c '
import socket, sys, threading
port = int(open(sys.argv[1]).read())
stuck = []
def hog():
    try:
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        stuck.append("all connected")
    except OSError as e:
        stuck.append("error %d" % e.errno)
threading.Thread(target=hog, daemon=True).start()
threading.Event().wait(0.5)
out = []
def other():
    c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[2]); out.append(c.recv(4).decode())
t = threading.Thread(target=other); t.start(); t.join(10)
print("other:", out, "hog:", stuck)
' "$TEST_DIR/port" "$TEST_DIR/sock/s"
	assert_status 0
	assert_contains "$output" "other: ['PONG'] hog: []" stdout
}

@test "net: --open-port P lets the sandbox listen on 127.0.0.1:P (both directions); other ports stay closed" {
	local port
	port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run --separate-stderr nono run -s --allow-cwd --block-net --open-port "$port" -- "$PY" -c '
import socket, sys, threading
port = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(1)
def serve():
    c, _ = srv.accept(); c.sendall(b"hi"); c.close()
threading.Thread(target=serve, daemon=True).start()
cl = socket.create_connection(("127.0.0.1", port)); print("got", cl.recv(2).decode())
try:
    socket.socket().bind(("127.0.0.1", port + 1 if port < 65535 else port - 1)); print("other bind ALLOWED")
except OSError as e:
    print("other bind", e.errno)
' "$port"
	assert_status 0
	assert_contains "$output" "got hi" stdout
	assert_contains "$output" "other bind 13" stdout
}

@test "gate: connects waiting on a peer are bounded (EAGAIN past the ceiling), others still served" {
	"$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(30)' "$TEST_DIR/port" >/dev/null 2>&1 </dev/null 3>&- &
	BG_PIDS+=($!)
	wait_for_file "$TEST_DIR/port" 50
	run --separate-stderr timeout 25 "$NONO" run -s --allow-cwd -- "$PY" -c '
import socket, sys, threading, time
port = int(open(sys.argv[1]).read())
errs = []
def one():
    try:
        socket.create_connection(("127.0.0.1", port))
    except OSError as e:
        errs.append(e.errno)
for _ in range(100):
    threading.Thread(target=one, daemon=True).start()
time.sleep(2)
print("EAGAIN-SEEN" if 11 in errs else "NO-EAGAIN", len(errs))
' "$TEST_DIR/port"
	assert_status 0
	assert_contains "$output" "EAGAIN-SEEN" stdout
}

@test "wrap: no supervisor to decide socket connects, so AF_UNIX sockets are refused" {
	mkdir -p sock "$TEST_ROOT/elsewhere"
	start_unix_server "$TEST_ROOT/elsewhere/session"
	start_unix_server "$TEST_DIR/sock/s"

	# A socket outside every grant (the session bus, docker.sock) ...
	run --separate-stderr nono wrap -s --allow-cwd -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_ROOT/elsewhere/session"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout
	# ... and one inside a grant: wrap cannot tell them apart.
	run --separate-stderr nono wrap -s --allow-cwd --read "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/s"
	assert_status 3
	assert_contains "$output" "ERR 13" stdout

	# A datagram pair could sendto() any socket path: refused; a stream
	# pair reaches only itself: allowed.
	run --separate-stderr nono wrap -s --allow-cwd -- "$PY" -c '
import socket
for t, n in ((socket.SOCK_STREAM, "stream"), (socket.SOCK_DGRAM, "dgram")):
    try:
        socket.socketpair(socket.AF_UNIX, t); print(n, "ok")
    except OSError as e:
        print(n, "ERR", e.errno)'
	assert_status 0
	assert_contains "$output" "stream ok" stdout
	assert_contains "$output" "dgram ERR 13" stdout

	# control: nono run's gate connects the granted one
	run --separate-stderr nono run -s --allow-cwd --read "$TEST_DIR/sock" -- \
		"$PY" -c "$UNIX_CONNECT" "$TEST_DIR/sock/s"
	assert_status 0
	[ "$output" = PONG ] || { show_run; false; }
	# and -v says why wrap refuses them
	run --separate-stderr nono wrap -v --allow-cwd -- true
	assert_status 0
	assert_contains "$stderr" "AF_UNIX sockets refused" stderr
}
