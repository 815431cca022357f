#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# The audit trail's default end (issue 14): a run makes its log durable and
# writes its final record (state "ended") without waiting for the ledger;
# the next nono audit command adds each ended session to the ledger, in the
# order they ended, once, and never one whose log does not end where its
# record says.  A trail asked for by name ends complete at once.

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

# Field F of session ID's record.
field() { # ID F
	"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$AUD/$1/session.json" "$2"
}

# The session ids, in the order the ledger has them.
ledger_ids() {
	[ -f "$AUD/ledger.ndjson" ] || return 0
	"$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["event"]["id"])' "$AUD/ledger.ndjson"
}

# Every session id, by the time its record says it ended.
ids_by_end() {
	"$PY" - "$AUD" <<'EOF2'
import json, os, sys
root = sys.argv[1]
recs = []
for n in os.listdir(root):
    p = os.path.join(root, n, "session.json")
    if len(n) == 16 and os.path.exists(p):
        r = json.load(open(p))
        recs.append((r["ended"], n))
for _, n in sorted(recs):
    print(n)
EOF2
}

@test "audit settle: a run ends without waiting for the ledger; the next nono audit adds it, in the order the sessions ended" {
	for code in 3 0 7; do
		run --separate-stderr nono run -s --allow . -- sh -c "exit $code"
		assert_status "$code"
	done
	# No reader yet: every record is final (exit code, events, chain
	# head), not yet in the ledger.
	n=0
	for d in "$AUD"/????????????????; do
		id=${d##*/}
		[ "$(field "$id" state)" = ended ]
		[ "$(field "$id" ledger)" = None ]
		[ "$(field "$id" events)" -ge 4 ]
		n=$((n + 1))
	done
	[ "$n" = 3 ]
	[ -z "$(ledger_ids)" ]
	run --separate-stderr nono audit list --json
	assert_status 0
	[ "$(printf '%s' "$output" | "$PY" -c 'import json,sys; print(sorted({e["state"] for e in json.load(sys.stdin)}))')" = "['complete']" ]
	# In the ledger once each, in the order they ended.
	[ "$(ledger_ids)" = "$(ids_by_end)" ]
	[ "$(ledger_ids | wc -l)" = 3 ]
	for id in $(ledger_ids); do
		[ "$(field "$id" state)" = complete ]
		run --separate-stderr nono audit verify "$id"
		assert_status 0
	done
	# A second reader adds nothing.
	run --separate-stderr nono audit list
	assert_status 0
	[ "$(ledger_ids | wc -l)" = 3 ]
	# Control: a trail asked for by name is complete when nono exits.
	run --separate-stderr nono run -s --allow . --audit-integrity -- true
	assert_status 0
	id=$(ids_by_end | tail -n 1)
	[ "$(field "$id" state)" = complete ]
	[ "$(ledger_ids | tail -n 1)" = "$id" ]
}

@test "audit settle: readers settling at once add each session once" {
	for i in 1 2 3 4 5 6; do
		run --separate-stderr nono run -s --allow . -- true
		assert_status 0
	done
	for i in 1 2 3 4; do
		nono audit list >/dev/null 2>&1 &
	done
	wait
	[ "$(ledger_ids | wc -l)" = 6 ]
	[ "$(ledger_ids | sort -u | wc -l)" = 6 ]
	for id in $(ledger_ids); do
		run --separate-stderr nono audit verify "$id"
		assert_status 0
	done
}

@test "audit settle: an ended session whose log was cut or changed before a reader came is not passed off as intact" {
	run --separate-stderr nono run -s --allow . -- true
	ok=$(ids_by_end | tail -n 1)
	run --separate-stderr nono run -s --allow . -- true
	cut=$(ids_by_end | tail -n 1)
	run --separate-stderr nono run -s --allow . -- true
	flip=$(ids_by_end | tail -n 1)
	# The session_end line taken off one log; a byte of it changed in
	# another.
	sed -i '$d' "$AUD/$cut/audit-events.ndjson"
	sed -i '$s/"ran":true/"ran":fals/' "$AUD/$flip/audit-events.ndjson"
	run --separate-stderr nono audit list
	assert_status 0
	assert_contains "$stderr" "session $cut: its log does not end where its record says"
	[ "$(field "$cut" state)" = ended ]
	! ledger_ids | grep -qx "$cut"
	run --separate-stderr nono audit verify "$cut"
	assert_status 1
	assert_contains "$output" "the record counts 4 events, the log has 3"
	run --separate-stderr nono audit verify "$flip"
	assert_status 1
	assert_contains "$output" "line 4"
	# Control: the untouched one is complete and verifies.
	[ "$(field "$ok" state)" = complete ]
	run --separate-stderr nono audit verify "$ok"
	assert_status 0
}

@test "audit settle: a settling cut short after its ledger entry is finished, not added twice" {
	run --separate-stderr nono run -s --allow . -- true
	id=$(ids_by_end | tail -n 1)
	cp "$AUD/$id/session.json" "$TEST_ROOT/ended.json"
	run --separate-stderr nono audit list
	[ "$(field "$id" state)" = complete ]
	# As a kill between the ledger entry and the rename leaves it: the
	# final record staged, the ended one in place.
	mv "$AUD/$id/session.json" "$AUD/$id/.session.json.4242.tmp"
	cp "$TEST_ROOT/ended.json" "$AUD/$id/session.json"
	run --separate-stderr nono audit list
	assert_status 0
	[ "$(ledger_ids | grep -cx "$id")" = 1 ]
	[ "$(field "$id" state)" = complete ]
	[ ! -e "$AUD/$id/.session.json.4242.tmp" ]
	run --separate-stderr nono audit verify "$id"
	assert_status 0
	# A stale staged record the ledger never took is dropped, and the
	# session added.
	run --separate-stderr nono run -s --allow . -- true
	id2=$(ids_by_end | tail -n 1)
	"$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
r["state"] = "complete"; r["exit_code"] = 99
open(sys.argv[2], "w").write(json.dumps(r, separators=(",", ":")) + "\n")' "$AUD/$id2/session.json" "$AUD/$id2/.session.json.4243.tmp"
	run --separate-stderr nono audit list
	[ "$(ledger_ids | grep -cx "$id2")" = 1 ]
	[ ! -e "$AUD/$id2/.session.json.4243.tmp" ]
	[ "$(field "$id2" exit_code)" = 0 ]
	run --separate-stderr nono audit verify "$id2"
	assert_status 0
}

@test "audit settle: an ended record edited before a reader came (command, cwd, executable digest) is not added; verify names the field" {
	run --separate-stderr nono run -s --allow . -- echo hi
	a=$(ids_by_end | tail -n 1)
	run --separate-stderr nono run -s --allow . -- echo hi
	b=$(ids_by_end | tail -n 1)
	run --separate-stderr nono run -s --allow . -- echo hi
	c=$(ids_by_end | tail -n 1)
	run --separate-stderr nono run -s --allow . -- echo hi
	ok=$(ids_by_end | tail -n 1)
	sed -i 's/"command":\[[^]]*\]/"command":["rm","-rf","x"]/' "$AUD/$a/session.json"
	sed -i 's/"cwd":"[^"]*"/"cwd":"\/elsewhere"/' "$AUD/$b/session.json"
	sed -i 's/"sha256":"[0-9a-f]\{64\}"/"sha256":"'"$(printf '0%.0s' $(seq 64))"'"/' "$AUD/$c/session.json"
	run --separate-stderr nono audit list
	assert_status 0
	assert_contains "$stderr" "session $a: the record's command is not what the log's own events say"
	assert_contains "$stderr" "session $b: the record's cwd is not what the log's own events say"
	assert_contains "$stderr" "session $c: the record's executable digest is not what the log's own events say"
	for id in "$a" "$b" "$c"; do
		! ledger_ids | grep -qx "$id"
		[ "$(field "$id" state)" = ended ]
		run --separate-stderr nono audit verify "$id"
		assert_status 1
		assert_contains "$output" "is not what the log's own events say"
	done
	# Control: the untouched one is in the ledger and verifies.
	ledger_ids | grep -qx "$ok"
	run --separate-stderr nono audit verify "$ok"
	assert_status 0
	# cleanup keeps an ended session that is not in the ledger; the
	# complete one goes.
	run --separate-stderr nono audit cleanup --keep 0
	assert_status 0
	assert_contains "$output" "ended ones not yet in the ledger, are kept"
	for id in "$a" "$b" "$c"; do [ -d "$AUD/$id" ]; done
	[ ! -e "$AUD/$ok" ]
}

@test "audit settle: a session whose final record was lost after its ledger entry is not added twice; a malformed record is named" {
	run --separate-stderr nono run -s --allow . -- true
	id=$(ids_by_end | tail -n 1)
	cp "$AUD/$id/session.json" "$TEST_ROOT/ended.json"
	run --separate-stderr nono audit list
	[ "$(ledger_ids | grep -cx "$id")" = 1 ]
	# As a rename that failed after the entry leaves it: the ended
	# record in place, no staged one.
	cp "$TEST_ROOT/ended.json" "$AUD/$id/session.json"
	run --separate-stderr nono audit list
	assert_status 0
	assert_contains "$stderr" "session $id: the ledger has it, but its final record was lost"
	[ "$(ledger_ids | grep -cx "$id")" = 1 ]
	# A record of two lines, one with a byte-order mark: named, not
	# added, never read at a shifted offset.
	run --separate-stderr nono run -s --allow . -- true
	two=$(ids_by_end | tail -n 1)
	run --separate-stderr nono run -s --allow . -- true
	bom=$(ids_by_end | tail -n 1)
	sed -i 's/"command":/"command":\n/' "$AUD/$two/session.json"
	printf '\357\273\277' | cat - "$AUD/$bom/session.json" > "$TEST_ROOT/bom.json"
	cp "$TEST_ROOT/bom.json" "$AUD/$bom/session.json"
	run --separate-stderr nono audit list
	assert_status 0
	assert_contains "$stderr" "session $two: session.json is not a valid ended record"
	! ledger_ids | grep -qx "$two"
	! ledger_ids | grep -qx "$bom"
}
