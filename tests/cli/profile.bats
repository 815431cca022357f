#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Profiles: nono profile subcommands, and --profile / NONO_PROFILE on runs.
# Every denial has a granted control doing the same thing successfully.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	mkdir -p "$HOME/.config/nono/profiles" proj other
	echo OTHER-DATA >other/data
	PROFILES="$HOME/.config/nono/profiles"
	cd proj || return 1
}

teardown() {
	nono_teardown
}

profile() { # NAME JSON
	printf '%s\n' "$2" >"$PROFILES/$1.json"
}

@test "profile: list, show, validate, schema, guide, groups" {
	profile mine '// comment
{"extends": "default", "meta": {"name": "mine", "description": "test profile"}}'
	run --separate-stderr nono profile list
	assert_status 0
	assert_contains "$output" "default" stdout
	assert_contains "$output" "mine" stdout
	assert_contains "$output" "test profile" stdout

	run --separate-stderr nono profile show mine --json
	assert_status 0
	"$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["meta"]["name"] == "mine"; assert d["workdir"]["access"] == "read"' <<<"$output"

	run --separate-stderr nono profile validate mine
	assert_status 0
	assert_contains "$output" "valid" stdout

	run --separate-stderr nono profile schema
	assert_status 0
	"$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["additionalProperties"] is False; assert "filesystem" in d["properties"]' <<<"$output"

	run --separate-stderr nono profile guide
	assert_status 0
	assert_contains "$output" "extends" stdout
	assert_contains "$output" "custom_credentials" stdout

	run --separate-stderr nono profile groups deny_credentials
	assert_status 0
	assert_contains "$output" "~/.ssh" stdout
	run --separate-stderr nono profile groups nope
	assert_nono_error "unknown policy group"
}

@test "profile: every key of the schema is accepted by validate, and nothing else" {
	# The schema lists the keys; a profile using each one validates ...
	run --separate-stderr nono profile schema
	assert_status 0
	"$PY" - "$output" >"$PROFILES/all.json" <<'PYEOF'
import json, sys
schema = json.loads(sys.argv[1])
def sample(s):
    if "properties" in s:
        return {k: sample(v) for k, v in s["properties"].items() if k != "extends"}
    if "enum" in s:
        return s["enum"][0]
    t = s.get("type")
    if isinstance(t, list):
        t = t[0]
    if t == "string":
        return "x"
    if t == "boolean":
        return False
    if t == "array":
        it = s["items"]
        return [80] if it.get("type") == "integer" else ["x"]
    if t == "object":
        return {}
    return None
p = sample(schema)
p["meta"]["name"] = "all"
p["groups"]["include"] = ["deny_keyrings"]  # names must exist
p["groups"]["exclude"] = []
p["network"]["network_profile"] = "minimal"  # and exist
p["network"]["upstream_proxy"] = "proxy.example:3128"
print(json.dumps(p))
PYEOF
	run --separate-stderr nono profile validate all
	assert_status 0
	# ... and one unknown key anywhere is refused, with where it is.
	"$PY" -c 'import json; p=json.load(open("'"$PROFILES"'/all.json")); p["network"]["blcok"]=True; print(json.dumps(p, indent=1))' >"$PROFILES/typo.json"
	run --separate-stderr nono profile validate typo
	assert_nono_error 'unknown key "blcok" in network'
	assert_contains "$stderr" "typo.json:" stderr
}

@test "profile: bad profiles stop nono before anything runs" {
	profile syntax '{"filesystem": {"allow": ["/a",]}}'
	profile cyc1 '{"extends": "cyc2"}'
	profile cyc2 '{"extends": "cyc1"}'
	profile nodeny '{"groups": {"exclude": ["deny_credentials"]}}'
	profile badgroup '{"groups": {"include": ["nope"]}}'
	profile wrongtype '{"network": {"block": 1}}'
	for p in syntax cyc1 nodeny badgroup wrongtype missing; do
		run --separate-stderr nono run --profile "$p" --allow-cwd -- sh -c 'echo RAN >ran'
		assert_status 1
		[ "$(printf '%s\n' "$stderr" | grep -c '^nono: ')" -ge 1 ] || { show_run; false; }
		assert_missing "$TEST_DIR/proj/ran"
	done
	run --separate-stderr nono run --profile syntax --allow-cwd -- true
	assert_contains "$stderr" "syntax.json:1:32" stderr
	run --separate-stderr nono run --profile cyc1 --allow-cwd -- true
	assert_contains "$stderr" "extends cycle" stderr
	run --separate-stderr nono run --profile nodeny --allow-cwd -- true
	assert_contains "$stderr" "--bypass-protection" stderr
}

@test "profile: grants apply; paths outside them stay denied" {
	require_landlock
	profile work '{"extends": "default",
	  "filesystem": {"allow": ["$WORKDIR"], "read": ["'"$TEST_DIR"'/other"]},
	  "workdir": {"access": "readwrite"}}'
	run --separate-stderr nono run -s --profile work -- sh -c '
		echo new >made.txt && echo write:ok
		cat ../other/data
		echo x >../other/new 2>/dev/null && echo other-write:ok || echo other-write:refused
		cat "$HOME/.config/nono/profiles/work.json" >/dev/null 2>&1 && echo home:ok || echo home:refused'
	assert_status 0
	assert_contains "$output" "write:ok" stdout
	assert_contains "$output" "OTHER-DATA" stdout
	assert_contains "$output" "other-write:refused" stdout
	assert_contains "$output" "home:refused" stdout
	assert_file_content made.txt new
	assert_missing "$TEST_DIR/other/new"

	# control: without the profile, the same writes are refused
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'echo x >made2.txt 2>/dev/null && echo write:ok || echo write:refused'
	assert_contains "$output" "write:refused" stdout
	assert_missing made2.txt
	# and NONO_PROFILE names the profile too
	NONO_PROFILE=work run --separate-stderr nono run -s -- sh -c 'echo y >made3.txt && echo write:ok'
	assert_contains "$output" "write:ok" stdout
}

@test "profile: workdir.access decides what --allow-cwd shares" {
	require_landlock
	profile rw '{"workdir": {"access": "readwrite"}}'
	profile ro '{"workdir": {"access": "read"}}'
	profile none '{"workdir": {"access": "none"}}'
	run --separate-stderr nono run -s --profile rw --allow-cwd -- sh -c 'echo a >a && echo ok'
	assert_contains "$output" "ok" stdout
	run --separate-stderr nono run -s --profile ro --allow-cwd -- sh -c 'ls >/dev/null && echo list:ok; echo b >b 2>/dev/null && echo write:ok || echo write:refused'
	assert_contains "$output" "list:ok" stdout
	assert_contains "$output" "write:refused" stdout
	run --separate-stderr nono run -s --profile none --allow-cwd -- sh -c 'ls >/dev/null 2>&1 && echo list:ok || echo list:refused'
	assert_contains "$output" "list:refused" stdout
}

@test "profile: network.block and open ports; a flag wins over the profile" {
	require_landlock
	profile offline '{"network": {"block": true}}'
	run --separate-stderr nono run -s --profile offline --allow-cwd -- "$PY" -c '
import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM); print("udp:ok")
except OSError as e: print("udp:refused", e.errno)'
	assert_contains "$output" "udp:refused 13" stdout
	# control: the same under a profile that leaves the network alone
	profile online '{"network": {"block": false}}'
	run --separate-stderr nono run -s --profile online --allow-cwd -- "$PY" -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM); print("udp:ok")'
	assert_contains "$output" "udp:ok" stdout
	# --block-net wins over network.block false
	run --separate-stderr nono run -s --profile online --block-net --allow-cwd -- "$PY" -c '
import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM); print("udp:ok")
except OSError as e: print("udp:refused", e.errno)'
	assert_contains "$output" "udp:refused 13" stdout
}

@test "profile: environment allow, deny and set; code-injecting variables cannot be set" {
	require_landlock
	profile envp '{"environment": {"deny": ["SECRET_TOKEN"], "set": {"GREETING": "hello"}}}'
	SECRET_TOKEN=s3cr3t KEEP_ME=1 run --separate-stderr nono run -s --profile envp --allow-cwd -- sh -c 'echo "t=${SECRET_TOKEN:-unset} k=${KEEP_ME:-unset} g=$GREETING"'
	assert_status 0
	assert_contains "$output" "t=unset k=1 g=hello" stdout
	# control: without the profile the variable passes
	SECRET_TOKEN=s3cr3t run --separate-stderr nono run -s --allow-cwd -- sh -c 'echo "t=${SECRET_TOKEN:-unset}"'
	assert_contains "$output" "t=s3cr3t" stdout

	profile only '{"environment": {"allow": ["PATH", "KEEP_ME"]}}'
	KEEP_ME=1 OTHER=2 run --separate-stderr nono run -s --profile only --allow-cwd -- sh -c 'echo "k=${KEEP_ME:-unset} o=${OTHER:-unset}"'
	assert_contains "$output" "k=1 o=unset" stdout

	profile inject '{"environment": {"set": {"LD_PRELOAD": "/tmp/evil.so"}}}'
	run --separate-stderr nono run -s --profile inject --allow-cwd -- true
	assert_nono_error 'key "LD_PRELOAD": can inject code'
	assert_contains "$stderr" "inject.json:1:" stderr
}

# Issue 12: validate runs what nono run checks, at the place in the file:
# unknown path variables, network profiles, hosts, gpu in groups.include.
@test "profile: validate catches what a run would refuse, with FILE:LINE:COL" {
	printf '{\n "meta": {"name": "v"},\n "filesystem": {"read": ["$NOPE/x"]}\n}\n' >"$PROFILES/v1.json"
	run --separate-stderr nono profile validate v1
	assert_nono_error "v1.json:3:"
	assert_contains "$stderr" 'unknown variable $NOPE' stderr
	printf '{\n "meta": {"name": "v"},\n "network": {"network_profile": "claude-cod"}\n}\n' >"$PROFILES/v2.json"
	run --separate-stderr nono profile validate v2
	assert_nono_error "v2.json:3:"
	assert_contains "$stderr" 'did you mean "claude-code"?' stderr
	printf '{\n "meta": {"name": "v"},\n "network": {"allow_domain": ["bad host"]}\n}\n' >"$PROFILES/v3.json"
	run --separate-stderr nono profile validate v3
	assert_nono_error "v3.json:3:"
	printf '{\n "meta": {"name": "v"},\n "groups": {"include": ["gpu"]}\n}\n' >"$PROFILES/v4.json"
	run --separate-stderr nono profile validate v4
	assert_nono_error "gpu comes only with --allow-gpu"
	# control: the same profiles, corrected, validate
	printf '{\n "meta": {"name": "v"},\n "filesystem": {"read": ["$HOME/x"]},\n "network": {"network_profile": "claude-code", "allow_domain": ["ok.example"]}\n}\n' >"$PROFILES/v5.json"
	run --separate-stderr nono profile validate v5
	assert_status 0
	assert_contains "$output" "valid" stdout
}

@test "profile: filesystem.deny hides a path inside a granted tree" {
	require_landlock
	require_userns
	mkdir -p "$TEST_DIR/tree/private"
	echo TOP-SECRET >"$TEST_DIR/tree/private/key"
	echo PUBLIC >"$TEST_DIR/tree/readme"
	profile hide '{"filesystem": {"read": ["'"$TEST_DIR"'/tree"], "deny": ["'"$TEST_DIR"'/tree/private"]}}'
	run --separate-stderr nono run -s --profile hide --allow-cwd -- sh -c 'cat "$0/readme"; cat "$0/private/key" 2>/dev/null || echo key:refused' "$TEST_DIR/tree"
	assert_status 0
	assert_contains "$output" "PUBLIC" stdout
	assert_contains "$output" "key:refused" stdout
	refute_contains "$output" "TOP-SECRET" stdout
	# control: the same grant without the deny reads it
	profile nohide '{"filesystem": {"read": ["'"$TEST_DIR"'/tree"]}}'
	run --separate-stderr nono run -s --profile nohide --allow-cwd -- cat "$TEST_DIR/tree/private/key"
	assert_contains "$output" "TOP-SECRET" stdout
	# a grant of the denied path itself is a conflict, not a silent grant
	run --separate-stderr nono run -s --profile hide --read "$TEST_DIR/tree/private" --allow-cwd -- true
	assert_nono_error "denies"
}

@test "profile: security.capability_elevation turns elevation on (wrap refuses it); unknown services are errors, and --allow-gpu needs the opt-in" {
	profile elev '{"security": {"capability_elevation": true}}'
	run --separate-stderr nono run --profile elev --allow-cwd -- true
	assert_status 0
	assert_contains "$stderr" "capability elevation: no terminal to ask on" stderr
	run --separate-stderr nono wrap --profile elev -- true
	assert_nono_error "security.capability_elevation needs nono run"
	# a credential service that is neither a preset nor defined
	profile proxy '{"network": {"credentials": ["nosuch"]}}'
	run --separate-stderr nono run --profile proxy --allow-cwd -- true
	assert_nono_error "--credential nosuch: not a preset service"
	profile nogpu '{"extends": "default"}'
	run --separate-stderr nono run --profile nogpu --allow-gpu --allow-cwd -- true
	assert_nono_error "does not opt into GPU access"
	# control: with the opt-in it runs
	profile gpu '{"security": {"allow_gpu": true}}'
	run --separate-stderr nono run -s --profile gpu --allow-gpu --allow-cwd -- echo RAN
	assert_status 0
	[ "$output" = RAN ] || { show_run; false; }
}

@test "profile: init writes a valid skeleton and never overwrites without --force" {
	run --separate-stderr nono profile init agent1
	assert_status 0
	[ -f "$PROFILES/agent1.json" ] || { show_run; false; }
	[ "$(stat -c %a "$PROFILES/agent1.json")" = 600 ] || { ls -l "$PROFILES"; false; }
	run --separate-stderr nono profile validate agent1
	assert_status 0
	# plain JSON (issue 12): a JSON parser reads it as written; what a
	# comment would say is in meta.description
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["meta"]["name"] == "agent1"; assert "nono profile validate agent1" in d["meta"]["description"]' "$PROFILES/agent1.json"
	run --separate-stderr nono profile init agent1 --output -
	assert_status 0
	"$PY" -c 'import json,sys; json.loads(sys.stdin.read())' <<<"$output"
	# a name a profile cannot have is refused, nothing written
	run --separate-stderr nono profile init 'bad"name'
	assert_nono_error "not a valid name"
	assert_missing "$PROFILES/bad\"name.json"
	# help, and a did-you-mean for a mistyped subcommand
	run --separate-stderr nono profile init --help
	assert_status 0
	assert_contains "$output" "Usage: nono profile init NAME" stdout
	run --separate-stderr nono profile validate --help
	assert_status 0
	assert_contains "$output" "Usage: nono profile COMMAND" stdout
	run --separate-stderr nono profile valdiate agent1
	assert_nono_error "unknown subcommand 'valdiate'"
	assert_contains "$stderr" "did you mean nono profile validate?" stderr
	echo '{}' >"$PROFILES/agent1.json"
	run --separate-stderr nono profile init agent1
	assert_nono_error "exists"
	assert_file_content "$PROFILES/agent1.json" '{}'
	run --separate-stderr nono profile init agent1 --force
	assert_status 0
	run --separate-stderr nono profile diff default agent1
	assert_status 0
	assert_contains "$output" "+ filesystem.allow: \$WORKDIR" stdout
}

@test "profile: policy groups add grants when included, and default ones can be excluded" {
	require_landlock
	mkdir -p "$HOME/.cache/pip"
	profile py '{"groups": {"include": ["python"]}}'
	run --separate-stderr nono run -s --profile py --allow-cwd -- sh -c 'echo x >"$HOME/.cache/pip/wheel" && echo cache:ok'
	assert_status 0
	assert_contains "$output" "cache:ok" stdout
	assert_file_content "$HOME/.cache/pip/wheel" x
	# control: without the group the cache is out of reach
	run --separate-stderr nono run -s --allow-cwd -- sh -c 'echo y >"$HOME/.cache/pip/wheel2" 2>/dev/null && echo cache:ok || echo cache:refused'
	assert_contains "$output" "cache:refused" stdout
	assert_missing "$HOME/.cache/pip/wheel2"

	profile notmp '{"groups": {"exclude": ["system_write"]}}'
	run --separate-stderr nono run -s --profile notmp --allow-cwd -- sh -c 'echo z >/tmp/nono-notmp-$$ 2>/dev/null && echo tmp:ok || echo tmp:refused'
	assert_contains "$output" "tmp:refused" stdout
	# control: the default profile keeps /tmp writable
	run --separate-stderr nono run -s --profile default --allow-cwd -- sh -c 'f=/tmp/nono-tmp-$$; echo z >$f && rm $f && echo tmp:ok'
	assert_contains "$output" "tmp:ok" stdout

	profile gpuinc '{"groups": {"include": ["gpu"]}}'
	run --separate-stderr nono run --profile gpuinc --allow-cwd -- true
	assert_nono_error "gpu comes only with --allow-gpu"

	run --separate-stderr nono profile groups python
	assert_status 0
	assert_contains "$output" "~/.cache/pip" stdout
}

@test "profile: the built-in profiles validate, and the language ones share the project read-write" {
	require_landlock
	for p in default python-dev node-dev rust-dev go-dev; do
		run --separate-stderr nono profile validate "$p"
		assert_status 0
	done
	run --separate-stderr nono run -s --profile python-dev -- sh -c 'echo code >main.py && echo proj:ok'
	assert_status 0
	assert_contains "$output" "proj:ok" stdout
	assert_file_content main.py code
	# and credentials stay hidden under them
	mkdir -p "$HOME/.ssh" && echo KEY >"$HOME/.ssh/id_rsa"
	run --separate-stderr nono run -s --profile python-dev -- cat "$HOME/.ssh/id_rsa"
	refute_contains "$output" KEY stdout
	[ "$status" -ne 0 ] || { show_run; false; }
}

# Runs nono on a terminal answering $1 to the save prompt when it comes.
# (Typed ahead, the answer would go to the command: on a terminal it runs
# on a PTY of its own, which takes what is typed while it runs.)
on_tty() { # ANSWER NONO-ARGS...
	local answer=$1
	shift
	run "$PY" "$BATS_TEST_DIRNAME/lib/ptydrive.py" --log "$TEST_ROOT/tty.log" \
		"on:[s]uppress these: =>$answer\r" wait -- "$NONO" "$@"
	output=$(cat "$TEST_ROOT/tty.log")
}

@test "save prompt: a refused path can be saved to a profile, then it is granted" {
	require_landlock
	require_cmd script
	on_tty y run --allow-cwd -- cat "$TEST_DIR/other/data"
	assert_contains "$output" "the sandbox refused" stdout
	assert_contains "$output" "saved to $PROFILES/local.json" stdout
	run --separate-stderr nono profile validate local
	assert_status 0
	run --separate-stderr nono run -s --profile local --allow-cwd -- cat "$TEST_DIR/other/data"
	assert_status 0
	[ "$output" = OTHER-DATA ] || { show_run; false; }
	# control: answering no saves nothing
	rm "$PROFILES/local.json"
	on_tty n run --allow-cwd -- cat "$TEST_DIR/other/data"
	assert_contains "$output" "the sandbox refused" stdout
	assert_missing "$PROFILES/local.json"
}

@test "save prompt: a path holding \$ is never offered (a profile would expand it into another path)" {
	require_landlock
	require_cmd script
	mkdir -p "$TEST_DIR/other/\$HOME"
	echo D >"$TEST_DIR/other/\$HOME/data"
	on_tty y run --allow-cwd -- cat "$TEST_DIR/other/\$HOME/data"
	assert_missing "$PROFILES/local.json"
	# Control: the same refusal without the \$ is offered and saved.
	on_tty y run --allow-cwd -- cat "$TEST_DIR/other/data"
	assert_contains "$output" "saved to $PROFILES/local.json" stdout
}

# Review of session 16 (F1): the save prompt listed the sandbox's names
# raw; cursor and erase sequences in one could hide the grant really asked
# for.  Such names are neither shown raw nor offered.
@test "save prompt: a name with control bytes is never offered, and nothing reaches the terminal raw" {
	require_landlock
	require_cmd script
	local bad
	bad="$TEST_DIR/other/$(printf 'x\033[1A\033[2K\rFAKE')"
	echo B >"$bad"
	on_tty y run --allow-cwd -- cat "$bad" "$TEST_DIR/other/data"
	assert_contains "$output" "saved to $PROFILES/local.json" stdout
	grep -q "\"$TEST_DIR/other/data\"" "$PROFILES/local.json"
	! grep -q 'FAKE' "$PROFILES/local.json" || false
	refute_contains "$output" "$(printf '\033[1A')" terminal
	run --separate-stderr nono profile validate local
	assert_status 0
}

@test "save prompt: suppress records the path, never a grant; -s, no terminal and --suppress-save-prompt stay quiet" {
	require_landlock
	require_cmd script
	on_tty s run --profile python-dev -- ls "$TEST_DIR/other"
	assert_contains "$output" "will not offer these again" stdout
	grep -q suppress_save_prompt "$PROFILES/python-dev-local.json"
	refute_contains "$(cat "$PROFILES/python-dev-local.json")" '"read"' profile
	# the path stays refused, and is not offered again
	on_tty y run --profile python-dev-local -- ls "$TEST_DIR/other"
	assert_contains "$output" "Permission denied" stdout
	refute_contains "$output" "the sandbox refused" stdout
	# --suppress-save-prompt, -s, and no terminal: no question
	on_tty y run --suppress-save-prompt "$TEST_DIR/other" --allow-cwd -- cat "$TEST_DIR/other/data"
	refute_contains "$output" "the sandbox refused" stdout
	on_tty y -s run --allow-cwd -- cat "$TEST_DIR/other/data"
	refute_contains "$output" "the sandbox refused" stdout
	run --separate-stderr nono run --allow-cwd -- cat "$TEST_DIR/other/data"
	refute_contains "$stderr" "the sandbox refused" stderr
	# protected paths are never offered
	mkdir -p "$HOME/.ssh" && echo k >"$HOME/.ssh/id_rsa"
	on_tty y run --allow-cwd -- cat "$HOME/.ssh/id_rsa"
	refute_contains "$output" "the sandbox refused" stdout
	assert_missing "$PROFILES/local.json"
}

@test "profile: security.signal_mode allow_all lifts the signal scope; the default keeps it" {
	require_landlock
	[ "$(nono why --json --scope signal | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["reason"])')" = scoped ] ||
		skip_or_fail "Landlock ABI < 6: no signal scope"
	sleep 30 &
	local outside=$!
	BG_PIDS+=("$outside")
	run --separate-stderr nono run -s --allow-cwd -- sh -c "kill -0 $outside 2>/dev/null && echo signal:ok || echo signal:refused"
	assert_contains "$output" "signal:refused" stdout
	profile sig '{"security": {"signal_mode": "allow_all"}}'
	run --separate-stderr nono run -s --profile sig --allow-cwd -- sh -c "kill -0 $outside 2>/dev/null && echo signal:ok || echo signal:refused"
	assert_contains "$output" "signal:ok" stdout
	run --separate-stderr nono why --json --scope signal --profile sig
	assert_contains "$output" '"reason":"not_requested"' stdout
}

@test "save prompt: a profile named by path (a repository's) is never edited; NAME-local extends it" {
	require_landlock
	require_cmd script
	printf '{"meta": {"name": "team"}, "workdir": {"access": "read"}}\n' >"$TEST_DIR/team.json"
	cp "$TEST_DIR/team.json" "$TEST_DIR/team.orig"
	on_tty y run --profile "$TEST_DIR/team.json" --allow-cwd -- cat "$TEST_DIR/other/data"
	assert_contains "$output" "saved to $PROFILES/team-local.json" stdout
	cmp "$TEST_DIR/team.json" "$TEST_DIR/team.orig"
	grep -q "$TEST_DIR/team.json" "$PROFILES/team-local.json"
	run --separate-stderr nono run -s --profile team-local --allow-cwd -- cat "$TEST_DIR/other/data"
	assert_status 0
	[ "$output" = OTHER-DATA ] || { show_run; false; }
}
