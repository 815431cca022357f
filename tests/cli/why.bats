#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# nono why: verdicts for paths, hosts and scopes, JSON output, --self, and
# a differential test against what nono run really allows.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	mkdir -p proj/.git/hooks "$HOME/.ssh"
	echo hook >proj/.git/hooks/pre-commit
	echo key >"$HOME/.ssh/id_rsa"
	cd proj || return 1
}

teardown() {
	nono_teardown
}

json_field() { # JSON FIELD
	"$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

@test "why: agrees with nono run on generated paths and operations under several sandboxes" {
	require_userns
	mkdir "$TEST_DIR/diff"
	run env PY="$PY" "$PY" "$BATS_TEST_DIRNAME/lib/why_diff.py" "$NONO" "$TEST_DIR/diff"
	echo "$output" | tail -5
	assert_status 0
	assert_contains "$output" " 0 disagreements" stdout
	# enough cases, and every kind of verdict among them
	n=$(echo "$output" | sed -n 's/^checked \([0-9]*\) cases.*/\1/p')
	[ "$n" -ge 300 ] || { echo "only $n cases" >&2; false; }
	for r in granted_path path_not_granted insufficient_access sensitive_path persistence_file filesystem_deny; do
		assert_contains "$output" "$r" stdout
	done
}

@test "why: a protected path is denied with its category and the flags that lift it" {
	run --separate-stderr nono why --json --path "$HOME/.ssh/id_rsa" --op read
	assert_status 0
	[ "$(json_field "$output" status)" = denied ]
	[ "$(json_field "$output" reason)" = sensitive_path ]
	[ "$(json_field "$output" category)" = "SSH keys and config" ]
	[ "$(json_field "$output" policy_source)" = group:deny_credentials ]
	assert_contains "$(json_field "$output" suggested_flag)" "--bypass-protection $HOME/.ssh" stdout
	# control: bypassed and granted, it is allowed
	run --separate-stderr nono why --json --path "$HOME/.ssh/id_rsa" --op read \
		--bypass-protection "$HOME/.ssh" --read "$HOME/.ssh"
	[ "$(json_field "$output" status)" = allowed ]
}

@test "why: grants, the flag that would grant a denial, persistence files, profiles" {
	run --separate-stderr nono why --json --path "$TEST_DIR/proj/src" --op write
	[ "$(json_field "$output" status)" = denied ]
	[ "$(json_field "$output" reason)" = path_not_granted ]
	[ "$(json_field "$output" suggested_flag)" = "--write $TEST_DIR/proj/src" ]
	run --separate-stderr nono why --json --path "$TEST_DIR/proj/src" --op write --allow .
	[ "$(json_field "$output" status)" = allowed ]
	# upstream nono's vocabulary, which agents parse: the grant and where
	# it came from; a read-only grant asked for write is
	# insufficient_access, with what it gives and what was asked
	[ "$(json_field "$output" reason)" = granted_path ]
	[ "$(json_field "$output" granted_path)" = "$TEST_DIR/proj" ]
	[ "$(json_field "$output" access)" = readwrite ]
	[ "$(json_field "$output" policy_source)" = user ]
	run --separate-stderr nono why --json --path "$TEST_DIR/proj/src" --op write --read .
	[ "$(json_field "$output" reason)" = insufficient_access ]
	[ "$(json_field "$output" granted)" = read ]
	[ "$(json_field "$output" requested)" = write ]
	[ "$(json_field "$output" suggested_flag)" = "--write $TEST_DIR/proj/src" ]
	run --separate-stderr nono why --json --path "$TEST_DIR/proj/src" --op read --profile python-dev
	[ "$(json_field "$output" policy_source)" = profile ]
	run --separate-stderr nono why --json --path .git/hooks/pre-commit --op write --allow .
	[ "$(json_field "$output" reason)" = persistence_file ]
	run --separate-stderr nono why --json --path .git/hooks/pre-commit --op read --allow .
	[ "$(json_field "$output" status)" = allowed ]
	run --separate-stderr nono why --path main.py --op write --profile python-dev
	assert_status 0
	assert_contains "$output" "ALLOWED" stdout
	run --separate-stderr nono why --path "$TEST_ROOT" --op read --profile python-dev
	assert_contains "$output" "DENIED" stdout
}

@test "why: hosts, ports and scopes" {
	run --separate-stderr nono why --json --host https://api.example.com/v1/x
	[ "$(json_field "$output" status)" = allowed ]
	[ "$(json_field "$output" subject)" = api.example.com:443 ]
	run --separate-stderr nono why --json --host example.com --block-net
	[ "$(json_field "$output" reason)" = network_blocked ]
	run --separate-stderr nono why --json --host 127.0.0.1 --port 8080 --block-net --open-port 8080
	[ "$(json_field "$output" reason)" = open_port ]
	run --separate-stderr nono why --json --host localhost --port 9090 --block-net --open-port 8080
	[ "$(json_field "$output" suggested_flag)" = "--open-port 9090" ]
	run --separate-stderr nono why --json --host example.com
	[ "$(json_field "$output" reason)" = network_allowed ]
	run --separate-stderr nono why --json --scope signal
	assert_status 0
	[ "$(json_field "$output" reason)" = scoped ]
	NONO_LANDLOCK_ABI=5 run --separate-stderr nono why --json --scope abstract-unix-socket
	[ "$(json_field "$output" reason)" = abi_too_old ]
}

@test "why --self: tries it from inside the sandbox; outside it is an error" {
	run --separate-stderr nono why --self --path /tmp --op write
	assert_nono_error "not inside a nono sandbox"
	run --separate-stderr nono why --self --json --path /tmp --op write
	assert_status 1
	[ "$(json_field "$output" reason)" = not_sandboxed ]
	run --separate-stderr nono run -s --allow-cwd --read-file "$NONO" -- \
		"$NONO" why --self --json --path "$TEST_ROOT" --op read
	assert_status 0
	[ "$(json_field "$output" status)" = denied ]
	# control: a granted path
	run --separate-stderr nono run -s --allow-cwd --read-file "$NONO" -- \
		"$NONO" why --self --json --path "$TEST_DIR/proj" --op read
	[ "$(json_field "$output" status)" = allowed ]
	run --separate-stderr nono run -s --allow . --read-file "$NONO" -- \
		"$NONO" why --self --json --path "$TEST_DIR/proj" --op write
	[ "$(json_field "$output" status)" = allowed ]
	assert_missing "$TEST_DIR/proj/.nono-why-"*
}

# The reference's example `nono why --self --host https://github.com/...`:
# in proxy mode nono's proxy answers it from the policy (nothing dialled),
# otherwise the network mode nono set for the command does.
@test "why --self --host: the proxy's verdict in proxy mode, nothing dialled" {
	start_http_server
	local q="$NONO why --self --json --host"
	run --separate-stderr nono run -s --allow-cwd --read-file "$NONO" \
		--allow-domain github.com --allow-domain "127.0.0.1:$HTTP_PORT" \
		--allow-domain 'https://api.example.com/v1/ok' -- sh -c "
		$q https://github.com/my-org/repo; $q evil.example --port 443
		$q github.com --port 8443; $q 169.254.169.254 --port 80
		$q 127.0.0.1 --port $HTTP_PORT; $q https://api.example.com/v1/ok
		$q https://api.example.com/v2/no"
	assert_status 0
	local -a l
	mapfile -t l <<<"$output"
	[ "${#l[@]}" -eq 7 ] || { show_run; false; }
	[ "$(json_field "${l[0]}" status)" = allowed ]
	[ "$(json_field "${l[0]}" reason)" = proxy_allowed ]
	[ "$(json_field "${l[0]}" subject)" = github.com:443 ]
	[ "$(json_field "${l[1]}" status)" = denied ]
	[ "$(json_field "${l[1]}" reason)" = proxy_denied ]
	[ "$(json_field "${l[1]}" suggested_flag)" = "--allow-domain evil.example" ]
	[ "$(json_field "${l[2]}" reason)" = proxy_port_denied ]
	[ "$(json_field "${l[3]}" reason)" = metadata ]
	[ "$(json_field "${l[4]}" status)" = allowed ]
	[ "$(json_field "${l[5]}" status)" = allowed ]
	[ "$(json_field "${l[6]}" status)" = denied ]
	# the allowed local server was never reached: nothing was dialled
	refute_contains "$(cat "$TEST_DIR/http.log")" "GET" http.log
	# control: the same outside, from the flags, says the same
	run --separate-stderr nono why --json --allow-domain github.com --host https://github.com/my-org/repo
	[ "$(json_field "$output" reason)" = proxy_allowed ]
	# human output, the reference's example as written
	run --separate-stderr nono run -s --allow-cwd --read-file "$NONO" --allow-domain github.com -- \
		"$NONO" why --self --host https://github.com/my-org/repo
	assert_status 0
	assert_contains "$output" "ALLOWED: github.com:443" stdout
}

@test "why --self --host: open and blocked networks; the proxy's why needs the session's token" {
	run --separate-stderr nono run -s --allow-cwd --read-file "$NONO" -- \
		"$NONO" why --self --json --host example.com
	[ "$(json_field "$output" status)" = allowed ] || { show_run; false; }
	[ "$(json_field "$output" reason)" = network_allowed ]
	run --separate-stderr nono run -s --allow-cwd --read-file "$NONO" --block-net --open-port 8080 -- sh -c "
		$NONO why --self --json --host example.com; $NONO why --self --json --host 127.0.0.1 --port 8080
		$NONO why --self --json --host 127.0.0.1 --port 8081"
	local -a l
	mapfile -t l <<<"$output"
	[ "$(json_field "${l[0]}" reason)" = network_blocked ] || { show_run; false; }
	[ "$(json_field "${l[1]}" reason)" = open_port ]
	[ "$(json_field "${l[2]}" suggested_flag)" = "--open-port 8081" ]
	# An outer sandbox's open ports are not an inner one's.
	NONO_NETWORK=blocked NONO_OPEN_PORTS=9999 run --separate-stderr nono run -s --allow-cwd \
		--read-file "$NONO" --block-net -- "$NONO" why --self --json --host 127.0.0.1 --port 9999
	[ "$(json_field "$output" status)" = denied ] || { show_run; false; }
	# --self --scope is a question for outside
	run --separate-stderr nono run -s --allow-cwd --read-file "$NONO" -- "$NONO" why --self --scope signal
	assert_nono_error "ask without --self"
	# The why endpoint answers only the sandbox's own token, and bad
	# questions are refused.
	run --separate-stderr nono run -s --allow-cwd --allow-domain github.com -- "$PY" -c '
import os, socket, base64, re
m = re.match(r"http://(nono:[0-9a-f]+)@127\.0\.0\.1:(\d+)$", os.environ["HTTP_PROXY"])
def ask(auth, extra):
    s = socket.create_connection(("127.0.0.1", int(m.group(2))), 3)
    h = "GET http://why.nono.invalid/ HTTP/1.1\r\nHost: why.nono.invalid\r\n"
    if auth:
        h += "Proxy-Authorization: Basic " + base64.b64encode(auth.encode()).decode() + "\r\n"
    s.sendall((h + extra + "Connection: close\r\n\r\n").encode())
    d = b""
    while True:
        c = s.recv(65536)
        if not c: break
        d += c
    return d.split(b"\r\n")[0].decode()
print(ask(m.group(1), "Nono-Why-Host: github.com\r\nNono-Why-Port: 443\r\n"))
print(ask("nono:0000", "Nono-Why-Host: github.com\r\nNono-Why-Port: 443\r\n"))
print(ask(None, "Nono-Why-Host: github.com\r\nNono-Why-Port: 443\r\n"))
print(ask(m.group(1), "Nono-Why-Host: github.com\r\nNono-Why-Port: 0\r\n"))
print(ask(m.group(1), "Nono-Why-Port: 443\r\n"))
print(ask(m.group(1), "Nono-Why-Host: github.com\r\nNono-Why-Port: 443\r\nNono-Why-Path: x\r\n"))
'
	assert_status 0
	mapfile -t l <<<"$output"
	[ "${l[0]}" = "HTTP/1.1 200 OK" ] || { show_run; false; }
	[ "${l[1]}" = "HTTP/1.1 407 Proxy Authentication Required" ]
	[ "${l[2]}" = "HTTP/1.1 407 Proxy Authentication Required" ]
	[ "${l[3]}" = "HTTP/1.1 400 Bad Request" ]
	[ "${l[4]}" = "HTTP/1.1 400 Bad Request" ]
	[ "${l[5]}" = "HTTP/1.1 400 Bad Request" ]
}

# Review of session 16: "127.evil.com" was taken for loopback (an open
# port answered allowed), and an allowed name's answer did not say that the
# proxy still refuses it where it resolves to a private address.
@test "why --host: loopback means an address; an allowed name is judged again where it leads" {
	run --separate-stderr nono why --json --block-net --open-port 8080 --host 127.evil.com --port 8080
	[ "$(json_field "$output" status)" = denied ] || { show_run; false; }
	run --separate-stderr nono why --json --block-net --open-port 8080 --host 127.0.0.2 --port 8080
	[ "$(json_field "$output" reason)" = open_port ] || { show_run; false; }
	run --separate-stderr nono why --json --allow-domain github.com --host github.com
	assert_contains "$(json_field "$output" note)" "loopback or private address" note
	run --separate-stderr nono why --json --allow-domain 203.0.113.7 --host 203.0.113.7
	[ "$(json_field "$output" status)" = allowed ] || { show_run; false; }
	[ -z "$(json_field "$output" note)" ] || { show_run; false; }
}

@test "why: bad queries are errors" {
	run --separate-stderr nono why --path a --host b
	assert_nono_error "exactly one of --path, --host, --scope"
	run --separate-stderr nono why --path a --op delete
	assert_nono_error "exactly one of"
	run --separate-stderr nono why --scope ptrace
	assert_nono_error "exactly one of"
	run --separate-stderr nono why --host example.com --port 0
	assert_nono_error "--port 0"
	run --separate-stderr nono why --path x -- ls
	assert_nono_error "takes no command"
}

# Issue 11: `nono why` and `nono run --dry-run` plan what a run would do and
# change nothing (they made ~/.nono, ~/.config/nono and the missing
# credential directories); a protected name that does not exist yet is
# still reported as protected.  Control: a real run makes them.
@test "why and --dry-run write nothing in a fresh home; a missing protected name is still denied" {
	local fresh=$TEST_ROOT/fresh
	mkdir -p "$fresh"
	cd "$fresh"
	HOME=$fresh run nono why --allow "$fresh" --path "$fresh/.ssh/id_rsa"
	assert_contains "$output" "DENIED"
	assert_contains "$output" "deny_credentials"
	HOME=$fresh run nono why --allow "$fresh" --path "$fresh/.netrc"
	assert_contains "$output" "DENIED"
	HOME=$fresh run nono why --allow "$fresh" --path "$fresh/.config/nono/profiles/p.json"
	assert_contains "$output" "DENIED"
	HOME=$fresh run nono why --allow "$fresh" --path "$fresh/proj/x"
	assert_contains "$output" "ALLOWED"
	HOME=$fresh run nono run --dry-run --allow "$fresh" -- true
	assert_status 0
	[ -z "$(find "$fresh" -mindepth 1)" ] || { find "$fresh"; false; }
	# A profile's state directory (~/.claude) too: --dry-run and why
	# list it as made first and granted, and make nothing.
	HOME=$fresh run nono run --dry-run -v --profile claude-code --allow-cwd -- true
	assert_status 0
	assert_contains "$output" "[rw] $fresh/.claude"
	assert_contains "$output" "[made first] $fresh/.claude"
	HOME=$fresh run nono why --profile claude-code --path "$fresh/.claude/x" --op write
	assert_contains "$output" "ALLOWED"
	[ -z "$(find "$fresh" -mindepth 1)" ] || { find "$fresh"; false; }
	# control: the real run makes them before it starts
	HOME=$fresh run nono run -s --allow "$fresh" -- true
	assert_status 0
	[ -d "$fresh/.nono" ]
	[ -d "$fresh/.ssh" ]
	[ -d "$fresh/.config/nono" ]
	HOME=$fresh run nono run -s --profile claude-code --allow-cwd -- sh -c 'touch ~/.claude/x'
	assert_status 0
	[ -f "$fresh/.claude/x" ]
}
