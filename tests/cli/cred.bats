#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Environment credentials (--env-credential, --env-credential-map, profile
# env_credentials) from real sources: a gnome-keyring daemon on a private
# D-Bus session (secret-tool stores, nono-keystore reads), the host
# environment, files, and a stand-in `op` script (the 1Password CLI's real
# interface: `op read REF`, the secret on stdout).  Every refusal has a
# control doing the same thing successfully.

load helpers

# Read before nono_setup, which clears every NONO_* variable.
HELPER_DIR=$(dirname "$NONO")

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

require_keyring() {
	require_cmd dbus-run-session
	require_cmd gnome-keyring-daemon
	require_cmd secret-tool
	[ -x "$HELPER_DIR/nono-keystore" ] ||
		skip_or_fail "nono-keystore is not built next to $NONO (libsecret-1-dev missing?)"
}

# in_keyring SCRIPT: runs the bash SCRIPT in a private D-Bus session with
# an unlocked gnome-keyring whose files live in the fake $HOME; `nono`
# there is the binary under test (stdin from /dev/null).  Sets $status,
# $output and $stderr.
in_keyring() {
	local f=$TEST_ROOT/keyring.sh
	{
		echo 'set -u'
		echo "export XDG_DATA_HOME='$HOME/.local/share' XDG_RUNTIME_DIR='$TEST_ROOT/run'"
		echo 'mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"'
		# A new login keyring is created with this password, unlocked.
		echo 'eval "$(printf test | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null'
		# Until the daemon owns the Secret Service name: a client
		# earlier makes D-Bus start a second daemon, which finds the
		# keyring locked (CI saw "Cannot create an item in a locked
		# collection").  Bounded: 100 x 50 ms.
		echo 'for _ in $(seq 100); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break; sleep 0.05; done'
		echo "nono() { '$NONO' \"\$@\" </dev/null; }"
		printf '%s\n' "$1"
	} >"$f"
	run --separate-stderr timeout 60 dbus-run-session -- bash "$f"
}

# A fake op: answers `op read op://v/i/f` with $1 (plus the newline op
# prints), fails like op does otherwise.
make_op() {
	mkdir -p "$TEST_ROOT/bin"
	cat >"$TEST_ROOT/bin/op" <<EOF
#!/bin/sh
if [ "\$1" = read ] && [ "\$2" = op://v/i/f ] && [ \$# -eq 2 ]; then
	printf '%s\n' '$1'
	exit 0
fi
echo "[ERROR] 2024/01/01 00:00:00 could not read secret '\$2': item not found" >&2
echo "second line" >&2
exit 1
EOF
	chmod 755 "$TEST_ROOT/bin/op"
}

@test "cred: keystore account by name, upper-cased into the variable" {
	require_keyring
	in_keyring '
printf %s sk-test-123 | secret-tool store --label="nono: openai_api_key" service nono account openai_api_key
printf "ant-456\n" | secret-tool store --label="nono: anthropic_api_key" service nono account anthropic_api_key
nono run --allow-cwd --env-credential openai_api_key,anthropic_api_key -- sh -c '\''printf "%s|%s\n" "$OPENAI_API_KEY" "$ANTHROPIC_API_KEY"'\''
NONO_ENV_CREDENTIAL=openai_api_key=KEY1,keystore://anthropic_api_key nono run --allow-cwd -- sh -c '\''printf "%s|%s\n" "$KEY1" "$ANTHROPIC_API_KEY"'\'''
	assert_status 0
	# secret-tool keeps the newline it was given; nono strips one.
	assert_contains "$output" "sk-test-123|ant-456
sk-test-123|ant-456" stdout
}

@test "cred: keyring://SERVICE/ACCOUNT, and the Rust keyring layout (username)" {
	require_keyring
	in_keyring '
printf %s gh-tok | secret-tool store --label=gh service gh:github.com account alice
printf %s rust-tok | secret-tool store --label=rk service my-app username bob
nono run --allow-cwd --env-credential-map keyring://gh:github.com/alice GH_TOKEN \
	--env-credential-map keyring://my-app/bob RUST_TOK -- sh -c '\''printf "%s|%s\n" "$GH_TOKEN" "$RUST_TOK"'\'''
	assert_status 0
	assert_contains "$output" "gh-tok|rust-tok" stdout
}

@test "cred: a missing keystore account stops the run and names secret-tool" {
	require_keyring
	in_keyring '
printf %s present | secret-tool store --label=x service nono account present_key
nono run --allow-cwd --env-credential present_key -- sh -c '\''printf "%s\n" "$PRESENT_KEY"'\'' || exit 9
nono run --allow-cwd --env-credential missing_key -- sh -c '\''echo RAN >ran'\'''
	assert_nono_error "credential 'missing_key' not found in the system keystore (service nono, account missing_key)"
	assert_contains "$stderr" "store it with: secret-tool store --label='nono: missing_key' service nono account missing_key" stderr
	assert_contains "$output" "present" stdout
	assert_missing "$TEST_DIR/ran"
}

@test "cred: the secret never appears in nono's -vv output or --dry-run" {
	require_keyring
	in_keyring '
printf %s "sk-SECRET-vv-789" | secret-tool store --label=x service nono account vv_key
nono run -vv --allow-cwd --env-credential vv_key -- sh -c '\''test "$VV_KEY" = sk-SECRET-vv-789 && echo MATCH'\''
nono run -vv --dry-run --allow-cwd --env-credential vv_key -- true'
	assert_status 0
	assert_contains "$output" "MATCH" stdout
	assert_contains "$output" "[env] VV_KEY <- vv_key (system keystore, service nono, account vv_key)" stdout
	assert_contains "$stderr" "credential VV_KEY loaded from system keystore" stderr
	refute_contains "$output$stderr" "SECRET-vv" "nono's output"
}

@test "cred: no Secret Service: a clear error, fast, nothing runs" {
	[ -x "$HELPER_DIR/nono-keystore" ] ||
		skip_or_fail "nono-keystore is not built next to $NONO"
	# No bus behind the address: the helper fails at once.
	DBUS_SESSION_BUS_ADDRESS=unix:path=$TEST_ROOT/dead.sock NONO_KEYSTORE_TIMEOUT=3 \
		run --separate-stderr timeout 20 "$NONO" run --allow-cwd \
		--env-credential openai_api_key -- sh -c 'echo RAN >ran' </dev/null
	assert_nono_error "credential 'openai_api_key': the system keystore is unavailable"
	assert_missing "$TEST_DIR/ran"
	# A bus that never answers: killed after NONO_KEYSTORE_TIMEOUT.
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
time.sleep(30)' "$TEST_ROOT/silent.sock" </dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=($!)
	wait_for_file "$TEST_ROOT/silent.sock"
	SECONDS=0
	DBUS_SESSION_BUS_ADDRESS=unix:path=$TEST_ROOT/silent.sock NONO_KEYSTORE_TIMEOUT=1 \
		run --separate-stderr timeout 20 "$NONO" run --allow-cwd \
		--env-credential openai_api_key -- sh -c 'echo RAN >ran' </dev/null
	assert_nono_error "credential 'openai_api_key': the system keystore did not answer within 1 s (locked? no Secret Service running?)"
	[ "$SECONDS" -lt 10 ]
	assert_missing "$TEST_DIR/ran"
	# Control: a non-keystore source needs no bus.
	SRC_TOK=ok DBUS_SESSION_BUS_ADDRESS=unix:path=$TEST_ROOT/dead.sock \
		run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC_TOK T -- sh -c 'printf "%s\n" "$T"'
	assert_status 0
	assert_contains "$output" "ok" stdout
}

# Issue 12: --credential PRESET with no Secret Service says how to take the
# key from the environment instead; the profile it shows works as written.
@test "cred: --credential without a Secret Service shows the profile that takes the key from the environment" {
	[ -x "$HELPER_DIR/nono-keystore" ] ||
		skip_or_fail "nono-keystore is not built next to $NONO"
	DBUS_SESSION_BUS_ADDRESS=unix:path=$TEST_ROOT/dead.sock NONO_KEYSTORE_TIMEOUT=3 \
		run --separate-stderr timeout 20 "$NONO" run --allow-cwd \
		--credential openai -- sh -c 'echo RAN >ran' </dev/null
	assert_nono_error "the system keystore is unavailable"
	assert_contains "$stderr" "export OPENAI_API_KEY" stderr
	assert_missing "$TEST_DIR/ran"
	# the shown profile, as written
	local net
	net=$(sed -n 's/^hint: .*use a profile with //p' <<<"$stderr")
	[ -n "$net" ] || { show_run; false; }
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends": "default", "meta": {"name": "envkey"}, %s}\n' "$net" \
		>"$HOME/.config/nono/profiles/envkey.json"
	OPENAI_API_KEY=sk-test-from-env DBUS_SESSION_BUS_ADDRESS=unix:path=$TEST_ROOT/dead.sock \
		run --separate-stderr "$NONO" run -s --allow-cwd --profile envkey \
		--credential openai -- sh -c 'printf "%s %s\n" "$OPENAI_BASE_URL" "${OPENAI_API_KEY:-none}"' </dev/null
	assert_status 0
	assert_contains "$output" "http://127.0.0.1:" stdout
	refute_contains "$output" "sk-test-from-env" stdout
}

@test "cred: without nono-keystore, keystore references name the helper" {
	[ -x "/usr/local/libexec/nono/nono-keystore" ] &&
		skip "nono-keystore is installed in libexecdir"
	mkdir -p "$TEST_ROOT/alone"
	cp "$NONO" "$TEST_ROOT/alone/nono"
	run --separate-stderr "$TEST_ROOT/alone/nono" run --allow-cwd \
		--env-credential openai_api_key -- sh -c 'echo RAN >ran' </dev/null
	assert_nono_error "reading the system keystore needs nono-keystore"
	assert_missing "$TEST_DIR/ran"
	SRC_TOK=ok run --separate-stderr "$TEST_ROOT/alone/nono" run --allow-cwd \
		--env-credential-map env://SRC_TOK T -- sh -c 'printf "%s\n" "$T"' </dev/null
	assert_status 0
	assert_contains "$output" "ok" stdout
}

@test "cred: env:// renames a host variable; hygiene-dropped ones are refused" {
	GITHUB_TOKEN=ghp_abc run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://GITHUB_TOKEN GH_TOKEN -- sh -c 'printf "%s\n" "$GH_TOKEN"'
	assert_status 0
	assert_contains "$output" "ghp_abc" stdout

	run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://LD_PRELOAD X -- sh -c 'echo RAN >ran'
	assert_nono_error "LD_PRELOAD is dropped by nono's environment hygiene"
	assert_missing ran

	run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://NONO_TEST_UNSET_VAR X -- sh -c 'echo RAN >ran'
	assert_nono_error "NONO_TEST_UNSET_VAR is not set in nono's environment"
	EMPTY_TOK= run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://EMPTY_TOK X -- sh -c 'echo RAN >ran'
	assert_nono_error "EMPTY_TOK is empty"
	assert_missing ran
}

@test "cred: file:// strips one newline, warns when others can read it" {
	printf 'file-secret\n' >"$TEST_ROOT/tok"
	chmod 600 "$TEST_ROOT/tok"
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map "file://$TEST_ROOT/tok" FT -- sh -c 'printf "[%s]\n" "$FT"'
	assert_status 0
	assert_contains "$output" "[file-secret]" stdout
	refute_contains "$stderr" "warning" stderr

	chmod 644 "$TEST_ROOT/tok"
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map "file://$TEST_ROOT/tok" FT -- sh -c 'printf "[%s]\n" "$FT"'
	assert_status 0
	assert_contains "$output" "[file-secret]" stdout
	assert_contains "$stderr" "nono: warning: credential file $TEST_ROOT/tok is readable by every user (mode 0644)" stderr
	[ "$(grep -c warning <<<"$stderr")" = 1 ]
}

@test "cred: file:// refuses relative paths, '..', directories, multi-line secrets" {
	printf 'ok-secret\n' >"$TEST_ROOT/tok"
	chmod 600 "$TEST_ROOT/tok"
	mkdir -p "$TEST_ROOT/sub"
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map "file://$TEST_ROOT/sub/../tok" FT -- sh -c 'echo RAN >ran'
	assert_nono_error "'..' is not allowed in the path"
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map "file://tok" FT -- sh -c 'echo RAN >ran'
	assert_nono_error "expected an absolute path: file:///path/to/secret"
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map "file://$TEST_ROOT/sub" FT -- sh -c 'echo RAN >ran'
	assert_nono_error "is not a regular file"
	printf 'line1\nline2\n' >"$TEST_ROOT/two"
	chmod 600 "$TEST_ROOT/two"
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map "file://$TEST_ROOT/two" FT -- sh -c 'echo RAN >ran'
	assert_nono_error "the secret contains a NUL, CR or LF"
	refute_contains "$stderr" "line1" stderr
	assert_missing ran
	# Control: the same file named directly.
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map "file://$TEST_ROOT/tok" FT -- sh -c 'printf "[%s]\n" "$FT"'
	assert_status 0
	assert_contains "$output" "[ok-secret]" stdout
}

@test "cred: op:// runs the 1Password CLI; its failure and its absence are clear" {
	make_op op-secret-1
	PATH="$TEST_ROOT/bin:$SYS_PATH" run --separate-stderr nono run --allow-cwd \
		--env-credential-map op://v/i/f OPENAI_API_KEY \
		--env-credential op://v/i/f=SECOND -- sh -c 'printf "%s|%s\n" "$OPENAI_API_KEY" "$SECOND"'
	assert_status 0
	assert_contains "$output" "op-secret-1|op-secret-1" stdout

	PATH="$TEST_ROOT/bin:$SYS_PATH" run --separate-stderr nono run --allow-cwd \
		--env-credential-map op://v/other/f K -- sh -c 'echo RAN >ran'
	assert_nono_error "credential 'op://v/other/f': op read failed (exit 1): [ERROR] 2024/01/01 00:00:00 could not read secret"
	refute_contains "$stderr" "second line" stderr

	run --separate-stderr nono run --allow-cwd \
		--env-credential-map op://v/i/f K -- sh -c 'echo RAN >ran'
	assert_nono_error "the 1Password CLI (op) is not on PATH"
	assert_missing ran

	run --separate-stderr nono run --allow-cwd \
		--env-credential op://v/i/f -- sh -c 'echo RAN >ran'
	assert_nono_error "name the variable: op://v/i/f=VARIABLE"
}

@test "cred: apple-password:// is macOS only; unknown schemes name the accepted ones" {
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map 'apple-password://github.com/alice@example.com' GITHUB_PASSWORD -- true
	assert_nono_error "apple-password:// is macOS only (Apple Passwords); on Linux use keyring://, file://, env:// or op://"
	run --separate-stderr nono run --allow-cwd \
		--env-credential-map 'vault://x/y' V -- true
	assert_nono_error "unknown scheme 'vault://' (accepted: a keystore account NAME, keystore://NAME, keyring://SERVICE/ACCOUNT, op://VAULT/ITEM/FIELD, env://VAR or file:///PATH)"
	# Also under --dry-run, which loads nothing but checks everything.
	run --separate-stderr nono run --dry-run --allow-cwd \
		--env-credential-map 'apple-password://github.com/alice' P -- true
	assert_nono_error "macOS only"
	SRC=x run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC P -- true
	assert_status 0
}

@test "cred: variable names are checked" {
	SRC=x run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC 1BAD -- true
	assert_nono_error "'1BAD' is not a valid environment variable name"
	SRC=x run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC BAD-NAME -- true
	assert_nono_error "'BAD-NAME' is not a valid environment variable name"
	SRC=x run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC LD_PRELOAD -- true
	assert_nono_error "LD_PRELOAD can inject code into programs"
	SRC=x run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC NODE_OPTIONS -- true
	assert_nono_error "NODE_OPTIONS can inject code"
	run --separate-stderr nono run --allow-cwd --env-credential my-key -- true
	assert_nono_error "MY-KEY is not a valid environment variable name; name one: my-key=VARIABLE"
	SRC=x run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC A --env-credential-map env://SRC A -- true
	assert_nono_error "A is set by two credentials"
	SRC=x run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC NONO_SANDBOX -- true
	assert_nono_error "nono sets NONO_SANDBOX for the command itself"
	run --separate-stderr nono run --allow-cwd --env-credential-map env://SRC -- true
	assert_nono_error "--env-credential-map: needs two values"
	# Control.
	SRC=x run --separate-stderr nono run --allow-cwd \
		--env-credential-map env://SRC GOOD_NAME_2 -- sh -c 'printf "%s\n" "$GOOD_NAME_2"'
	assert_status 0
	assert_contains "$output" "x" stdout
}

@test "cred: --dry-run lists variables and references, loads nothing" {
	SRC_TOK=dry-secret-value run --separate-stderr nono run --dry-run --allow-cwd \
		--env-credential openai_api_key \
		--env-credential-map env://SRC_TOK T \
		--env-credential-map "file://$TEST_ROOT/does-not-exist" F \
		--env-credential-map op://v/i/f O -- true
	assert_status 0
	assert_contains "$output" "[env] OPENAI_API_KEY <- openai_api_key (system keystore, service nono, account openai_api_key)" stdout
	assert_contains "$output" "[env] T <- env://SRC_TOK (environment variable SRC_TOK)" stdout
	assert_contains "$output" "[env] F <- file://$TEST_ROOT/does-not-exist (file $TEST_ROOT/does-not-exist)" stdout
	assert_contains "$output" "[env] O <- op://v/i/f (1Password, op read)" stdout
	refute_contains "$output$stderr" "dry-secret-value" "nono's output"
}

@test "cred: the secret is not in nono's -vv output" {
	printf 'file-SECRET-x\n' >"$TEST_ROOT/tok"
	chmod 600 "$TEST_ROOT/tok"
	SRC_TOK=env-SECRET-y run --separate-stderr nono run -vv --allow-cwd \
		--env-credential-map env://SRC_TOK T \
		--env-credential-map "file://$TEST_ROOT/tok" F -- sh -c '[ "$T|$F" = "env-SECRET-y|file-SECRET-x" ] && echo MATCH'
	assert_status 0
	assert_contains "$output" "MATCH" stdout
	assert_contains "$stderr" "credential F loaded from file $TEST_ROOT/tok" stderr
	refute_contains "$output$stderr" "SECRET-x" "nono's output"
	refute_contains "$stderr" "SECRET-y" stderr
}

@test "cred: profile env_credentials; a flag wins over the profile's" {
	printf '{"env_credentials": {"env://P_SRC": "P_TOK", "env://Q_SRC": "Q_TOK"},
	 "environment": {"set": {"Q_TOK": "from-set"}}}\n' >"$TEST_ROOT/p.json"
	P_SRC=p-val Q_SRC=q-val run --separate-stderr nono run --allow-cwd \
		--profile "$TEST_ROOT/p.json" -- sh -c 'printf "%s|%s\n" "$P_TOK" "$Q_TOK"'
	assert_status 0
	# The credential wins over environment.set of the same name.
	assert_contains "$output" "p-val|q-val" stdout

	P_SRC=p-val Q_SRC=q-val OTHER=o-val run --separate-stderr nono run --allow-cwd \
		--profile "$TEST_ROOT/p.json" --env-credential-map env://OTHER P_TOK \
		-- sh -c 'printf "%s|%s\n" "$P_TOK" "$Q_TOK"'
	assert_status 0
	assert_contains "$output" "o-val|q-val" stdout

	# The profile's references are checked like the flags'.
	printf '{"env_credentials": {"env://LD_PRELOAD": "X"}}\n' >"$TEST_ROOT/bad.json"
	run --separate-stderr nono run --allow-cwd --profile "$TEST_ROOT/bad.json" -- true
	assert_nono_error "profile bad: env_credentials: credential 'env://LD_PRELOAD'"
}

@test "cred: nono wrap and nono shell get the variables too" {
	SRC=w-val run --separate-stderr nono wrap --allow-cwd \
		--env-credential-map env://SRC W -- sh -c 'printf "%s\n" "$W"'
	assert_status 0
	assert_contains "$output" "w-val" stdout
	printf 'printf "%%s\\n" "$S" >shell.out\n' >"$TEST_ROOT/cmds"
	SRC=s-val run --separate-stderr "$NONO" shell --allow . --shell /bin/sh \
		--env-credential-map env://SRC S <"$TEST_ROOT/cmds"
	assert_status 0
	assert_file_content "$TEST_DIR/shell.out" "s-val"
}

@test "cred: inside the sandbox the keystore is out of reach; outside it answers (control)" {
	require_keyring
	in_keyring '
printf %s sk-inside | secret-tool store --label="nono: k" service nono account k
echo "outside=$(secret-tool lookup service nono account k)"
nono run -s --allow-cwd --env-credential k -- sh -c '\''echo "var=$K"; secret-tool lookup service nono account k && echo inside=reached || echo inside=refused'\'''
	assert_status 0
	assert_contains "$output" "outside=sk-inside" stdout
	assert_contains "$output" "var=sk-inside" stdout
	assert_contains "$output" "inside=refused" stdout
	refute_contains "$output" "inside=reached" stdout
}

@test "cred: --credential openai reads openai_api_key from the keystore; the command gets the proxy's URL and a placeholder" {
	require_keyring
	in_keyring '
printf %s sk-preset-789 | secret-tool store --label="nono: openai_api_key" service nono account openai_api_key
nono run -s --allow-cwd --credential openai -- sh -c '\''echo "base=$OPENAI_BASE_URL key=$OPENAI_API_KEY"; env; cat /proc/self/environ'\'''
	assert_status 0
	assert_contains "$output" "base=http://127.0.0.1:" stdout
	assert_contains "$output" "/openai key=nono-" stdout
	refute_contains "$output" "sk-preset-789" stdout
	refute_contains "$stderr" "sk-preset-789" stderr

	# Control: no such account, nothing runs.
	in_keyring '
nono run -s --allow-cwd --credential anthropic -- echo RAN'
	assert_status 1
	refute_contains "$output" RAN stdout
	assert_contains "$stderr" "--credential anthropic:" stderr
	assert_contains "$stderr" "anthropic_api_key" stderr
}

@test "cred: a locked keyring is a clear error, not a prompt or a hang; unlocked, the same run works" {
	require_keyring
	require_cmd dbus-send
	in_keyring '
printf %s sk-locked | secret-tool store --label="nono: lk" service nono account lk
nono run -s --allow-cwd --env-credential lk -- sh -c '\''echo "before=$LK"'\''
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
	org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
NONO_KEYSTORE_TIMEOUT=5 nono run -s --allow-cwd --env-credential lk -- echo RAN
echo "rc=$?"'
	assert_contains "$output" "before=sk-locked" stdout
	assert_contains "$output" "rc=1" stdout
	refute_contains "$output" RAN stdout
	assert_contains "$stderr" "is in a locked keyring" stderr
	refute_contains "$stderr" "sk-locked" stderr
}
