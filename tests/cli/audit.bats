#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# The audit trail (issue 14): on by default for nono run, every event in a
# hash chain with RFC 9162 leaves, a record and a ledger; nono audit list,
# show, verify and cleanup; each tampering named by verify; a supervisor
# killed with SIGKILL leaves a prefix that verifies, listed as incomplete.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	AUD="$HOME/.nono/audit"
}

teardown() {
	nono_teardown
}

# The id of the newest session.
newest() {
	nono audit list --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'
}

# Every line of the log is JSON with the chain fields, and its events'
# types, in order, on one line.
event_types() { # ID
	"$PY" - "$AUD/$1/audit-events.ndjson" <<'EOF'
import json, sys
types = []
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    types.append(o["event"]["type"])
print(" ".join(types))
EOF
}

@test "audit: a run records its session by default, and it verifies" {
	run --separate-stderr nono run -s --allow . -- sh -c 'echo hi > out.txt; exit 3'
	assert_status 3
	[ -d "$AUD" ] || { echo "no $AUD" >&2; false; }
	[ "$(stat -c %a "$AUD")" = 700 ]
	id=$(newest)
	[ "$(stat -c %a "$AUD/$id")" = 700 ]
	[ "$(stat -c %a "$AUD/$id/audit-events.ndjson")" = 600 ]
	run event_types "$id"
	assert_contains "$output" "session_start policy"
	assert_contains "$output" "session_end"
	assert_contains "$output" "executable"
	# The record: exit code, the executable's digest, the tracked tree.
	run "$PY" -c '
import json, sys, hashlib
r = json.load(open(sys.argv[1]))
assert r["state"] == "complete", r
assert r["exit_code"] == 3, r
exe = r["executable"]
assert exe["sha256"] == hashlib.sha256(open(exe["path"], "rb").read()).hexdigest(), exe
assert sys.argv[2] in r["tracked_paths"], r["tracked_paths"]
assert r["ledger"]["index"] == 0, r
print("record ok")' "$AUD/$id/session.json" "$(pwd -P)"
	assert_status 0
	assert_contains "$output" "record ok"
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "$id: verified"
	assert_contains "$output" "hash chain and Merkle root match"
	# A unique prefix names it; list shows it.
	run --separate-stderr nono audit verify "${id:0:6}" --json
	assert_status 0
	assert_contains "$output" '"ok":true'
	run --separate-stderr nono audit list
	assert_status 0
	assert_contains "$output" "$id"
	assert_contains "$output" "complete"
}

@test "audit: the leaves and the Merkle root are RFC 9162's, as an independent implementation computes them" {
	run --separate-stderr nono run -s --allow-cwd -- true
	assert_status 0
	id=$(newest)
	run "$PY" - "$AUD/$id" "$id" <<'EOF'
import hashlib, json, sys
d, sid = sys.argv[1], sys.argv[2]
H = lambda b: hashlib.sha256(b).digest()
def mth(leaves):
    n = len(leaves)
    if n == 0: return H(b"")
    if n == 1: return leaves[0]
    k = 1
    while k * 2 < n: k *= 2
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))
prev = H(b"nono-audit-chain-v1:" + sid.encode())
leaves = []
for raw in open(d + "/audit-events.ndjson", "rb"):
    line = raw.rstrip(b"\n")
    ev = line[line.index(b',"event":') + 9:-1]
    leaf = H(b"\x00" + ev)
    o = json.loads(line)
    assert o["leaf"] == leaf.hex() and o["prev"] == prev.hex(), o["seq"]
    prev = H(prev + leaf)
    assert o["head"] == prev.hex()
    leaves.append(leaf)
r = json.load(open(d + "/session.json"))
assert r["merkle_root"] == mth(leaves).hex()
assert r["chain_head"] == prev.hex()
print("rfc9162 ok", len(leaves))
EOF
	assert_status 0
	assert_contains "$output" "rfc9162 ok"
}

@test "audit: --no-audit writes nothing; --no-audit-integrity keeps a plain log" {
	run --separate-stderr nono run -s --no-audit --allow-cwd -- true
	assert_status 0
	assert_missing "$AUD"
	# Control: the same run without the flag records.
	run --separate-stderr nono run -s --allow-cwd -- true
	assert_status 0
	[ -d "$AUD" ]
	rm -rf "$HOME/.nono"
	run --separate-stderr nono run -s --no-audit-integrity --allow-cwd -- true
	assert_status 0
	id=$(newest)
	run grep -c '"leaf"' "$AUD/$id/audit-events.ndjson"
	[ "$output" = 0 ] || { show_run; false; }
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "no integrity layer"
}

@test "audit: conflicting flags are errors; nono wrap keeps no trail" {
	run --separate-stderr nono run --no-audit --audit-integrity --allow-cwd -- true
	assert_nono_error "--no-audit conflicts with --audit-integrity"
	run --separate-stderr nono run --no-audit-integrity --audit-sign-key file:///nonexistent --allow-cwd -- true
	assert_nono_error "--no-audit-integrity conflicts with --audit-sign-key"
	run --separate-stderr nono wrap --audit-integrity --allow-cwd -- true
	assert_nono_error "nono wrap keeps no audit trail"
	run --separate-stderr nono wrap --allow-cwd -- true
	assert_status 0
	assert_missing "$AUD"
}

@test "audit: gate refusals are recorded with their object; a trail that cannot be written warns, and the run goes on" {
	run --separate-stderr nono run -s --allow . -- sh -c 'mkdir sub && git init -q sub/repo 2>/dev/null; exit 0'
	assert_status 0
	id=$(newest)
	run grep '"type":"gate"' "$AUD/$id/audit-events.ndjson"
	assert_contains "$output" '"op":"new_repository"'
	assert_contains "$output" "sub/repo/.git"
	# Control: allowed, no refusal is recorded.
	run --separate-stderr nono run -s --allow . --allow-new-repos -- git init -q sub/repo2
	assert_status 0
	id=$(newest)
	run grep -c '"type":"gate"' "$AUD/$id/audit-events.ndjson"
	[ "$output" = 0 ] || { show_run; false; }
	# ~/.nono/audit not private: the default trail is skipped with a
	# warning; asked for by name, the run is refused.
	chmod 777 "$AUD"
	run --separate-stderr nono run --allow-cwd -- true
	assert_status 0
	assert_contains "$stderr" "running without an audit trail"
	run --separate-stderr nono run --audit-integrity --allow-cwd -- true
	assert_nono_error "not private to you"
	chmod 700 "$AUD"
}

@test "audit: proxy decisions are recorded as they are made, without the query" {
	require_cmd curl
	start_http_server
	run --separate-stderr nono run -s --allow-cwd --allow-domain "127.0.0.1:$HTTP_PORT" -- sh -c "
		env -u NO_PROXY -u no_proxy curl -sS --max-time 10 -o /dev/null 'http://127.0.0.1:$HTTP_PORT/index.txt?token=SECRET123'
		env -u NO_PROXY -u no_proxy curl -sS --max-time 10 -o /dev/null http://denied.invalid/x"
	id=$(newest)
	run grep '"type":"network"' "$AUD/$id/audit-events.ndjson"
	assert_contains "$output" '"decision":"allowed"'
	assert_contains "$output" '"path":"/index.txt"'
	assert_contains "$output" '"query_omitted":true'
	assert_contains "$output" '"decision":"denied"'
	assert_contains "$output" '"host":"denied.invalid"'
	refute_contains "$output" SECRET123
}

@test "audit: every tampering fails verification and says where" {
	run --separate-stderr nono run -s --allow . -- sh -c 'echo a > a'
	assert_status 0
	run --separate-stderr nono run -s --allow . -- sh -c 'echo b > b'
	assert_status 0
	id=$(newest)
	d="$AUD/$id"
	cp -a "$d" "$TEST_ROOT/orig"
	cp "$AUD/ledger.ndjson" "$TEST_ROOT/ledger.orig"
	restore() {
		cp -a "$TEST_ROOT/orig/." "$d/"
		cp "$TEST_ROOT/ledger.orig" "$AUD/ledger.ndjson"
	}
	check() { # WHAT NEEDLE
		run --separate-stderr nono audit verify "$id"
		[ "$status" = 1 ] || { echo "tampering not caught: $1" >&2; show_run; return 1; }
		assert_contains "$output" "$2"
		assert_contains "$output" "FAILED verification"
		restore
	}
	ev="$d/audit-events.ndjson"
	# One byte of an event.
	sed -i '2s/"policy"/"polic!"/' "$ev"
	check flip 'line 2: the event'"'"'s bytes do not match'
	# A line deleted.
	sed -i '2d' "$ev"
	check delete "line 2: sequence 3 where 2 was expected"
	# Two lines swapped.
	awk 'NR==2{l=$0;next} NR==3{print;print l;next}1' "$TEST_ROOT/orig/audit-events.ndjson" >"$ev"
	check reorder "line 2: sequence 3 where 2 was expected"
	# Truncated at a line boundary, then mid-line.
	head -n 2 "$TEST_ROOT/orig/audit-events.ndjson" >"$ev"
	check truncate "the record counts"
	truncate -s -5 "$ev"
	check cut "cut short"
	# The record changed.
	sed -i 's/"exit_code":0/"exit_code":7/' "$d/session.json"
	check record "session.json is not the record the ledger took"
	# An older session rewritten in the ledger.
	sed -i '1s/"events":[0-9]*/"events":99/' "$AUD/ledger.ndjson"
	check ledger "ledger.ndjson line 1"
	# The record made to say "incomplete" to hide a cut: the ledger
	# has it as completed.
	sed -i 's/"state":"complete"/"state":"running"/' "$d/session.json"
	head -n 2 "$TEST_ROOT/orig/audit-events.ndjson" >"$ev"
	check hide "the ledger has the session as completed"
	# Control: untouched, it verifies.
	run --separate-stderr nono audit verify "$id"
	assert_status 0
}

@test "audit: a supervisor killed with SIGKILL leaves a log that verifies as a prefix, listed as incomplete" {
	nono run -s --allow-cwd -- sleep 30 &
	pid=$!
	for i in $(seq 100); do
		ls "$AUD"/*/audit-events.ndjson >/dev/null 2>&1 && break
		sleep 0.05
	done
	id=$(basename "$(dirname "$(ls "$AUD"/*/audit-events.ndjson)")")
	for i in $(seq 100); do
		grep -q '"type":"policy"' "$AUD/$id/audit-events.ndjson" && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	pkill -9 -f "sleep 30" || true
	run --separate-stderr nono audit list
	assert_contains "$output" "incomplete"
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "never finished"
	assert_contains "$output" "verified as far as it goes"
	# A last line cut short by the kill is ignored, not a failure.
	printf '{"seq":99,"prev":"ab' >>"$AUD/$id/audit-events.ndjson"
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	assert_contains "$output" "cut short by the end of the supervisor"
	# Its events are still checked: a change is caught.
	sed -i '1s/"session_start"/"session_stert"/' "$AUD/$id/audit-events.ndjson"
	run --separate-stderr nono audit verify "$id"
	assert_status 1
}

@test "audit: show and list speak JSON; cleanup keeps the newest and running ones" {
	for i in 1 2 3; do
		run --separate-stderr nono run -s --allow-cwd -- true
		assert_status 0
	done
	id=$(newest)
	run --separate-stderr nono audit show "$id" --json
	assert_status 0
	printf '%s' "$output" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["session"]["id"] == sys.argv[1]; assert d["events"][0]["type"] == "session_start"' "$id"
	run --separate-stderr nono audit list --json
	assert_status 0
	[ "$(printf '%s' "$output" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3 ]
	run --separate-stderr nono audit cleanup --keep 1 --dry-run
	assert_status 0
	assert_contains "$output" "would remove 2"
	[ "$(ls -d "$AUD"/*/ | wc -l)" = 3 ]
	run --separate-stderr nono audit cleanup --keep 1
	assert_status 0
	[ "$(ls -d "$AUD"/*/ | wc -l)" = 1 ]
	[ -d "$AUD/$id" ]
	run --separate-stderr nono audit cleanup
	assert_nono_error "--older-than D"
	run --separate-stderr nono audit show nosuchid
	assert_nono_error "no audited session"
	run --separate-stderr nono audit frob
	assert_nono_error "unknown audit command"
}
