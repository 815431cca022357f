#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10: escapes through the network rules.  Escape 7: listen(2) on a
# socket never bound makes the kernel bind it to the wildcard address, past
# the gate's bind(2) decision, so under --block-net (and in the proxy's
# fallback with --listen-port) any host that could reach the machine had a
# channel in.

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

LISTEN='
import socket, sys
port = int(sys.argv[1])
s = socket.socket()
try:
    s.listen(1); print("unbound listen", s.getsockname())
except OSError as e:
    print("unbound listen", e.errno)
s6 = socket.socket(socket.AF_INET6)
try:
    s6.listen(1); print("unbound listen6", s6.getsockname()[:2])
except OSError as e:
    print("unbound listen6", e.errno)
b = socket.socket(); b.bind(("127.0.0.1", port)); b.listen(1)
print("bound listen ok")
'

@test "escape 7: listen() without bind() is refused under --block-net; a bound loopback port listens" {
	local port
	port=$(free_port)
	run --separate-stderr nono run -s --allow-cwd --block-net --open-port "$port" -- \
		"$PY" -c "$LISTEN" "$port"
	assert_status 0
	assert_contains "$output" "unbound listen 13" stdout
	assert_contains "$output" "unbound listen6 13" stdout
	# control: the port granted, bound on loopback, listens
	assert_contains "$output" "bound listen ok" stdout
	# control: outside nono the same unbound listen works
	run "$PY" -c "$LISTEN" "$((port + 1))"
	assert_contains "$output" "unbound listen ('0.0.0.0'"
}

@test "escape 7: in the proxy's fallback (--listen-port), listen() without bind() is refused" {
	local port
	port=$(free_port)
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' \
		--listen-port "$port" -- "$PY" -c "$LISTEN" "$port"
	assert_status 0
	assert_contains "$output" "unbound listen 13" stdout
	assert_contains "$output" "bound listen ok" stdout
}
