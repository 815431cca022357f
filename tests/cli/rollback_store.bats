#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# The rollback store's sharing (issue 15): a changed file is kept as a
# delta against its earlier version, a repeat session's baseline as a
# delta against a manifest base that sessions over the same tree share.
# Each comes back exactly (the oracle), is checked by verify (a changed or
# missing base is named), and survives the cleanup of the session that
# first stored what it needs.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	P="$TEST_DIR/proj"
	mkdir -p "$P/src"
	seq 1 6000 >"$P/big.txt" # 28 KiB of text
	seq 7 3 30000 >"$P/src/other.txt"
	printf 'small\n' >"$P/small.txt"
	cd "$P" || return 1
	O="$HOME/.nono/rollback/objects"
}

teardown() {
	nono_teardown
}

oracle() {
	(cd "$P" && find . -printf '%y %m %s %T@ %l %n %p\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

newest() {
	nono rollback list --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'
}

deltas() {
	find "$O" -name '*.d' | wc -l
}

whole_of() { # FILE: the whole object of its content exists
	h=$(sha256sum "$1" | cut -c1-64)
	[ -f "$O/${h:0:2}/${h:2}" ]
}

@test "rollback store: an appended file is kept as a delta of one block; restore gives it back exactly; a rewrite is kept whole" {
	before=$(oracle)
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo appended >> big.txt'
	assert_status 0
	id=$(newest)
	[ "$(deltas)" -eq 1 ]
	d=$(find "$O" -name '*.d')
	[ "$(stat -c %s "$d")" -lt 100 ]
	h=$(sha256sum big.txt | cut -c1-64)
	[ "$d" = "$O/${h:0:2}/${h:2}.d" ]
	[ ! -e "$O/${h:0:2}/${h:2}" ]
	run --separate-stderr nono rollback verify "$id"
	assert_status 0
	assert_contains "$output" "verified"
	run --separate-stderr nono rollback restore "$id"
	assert_status 0
	[ "$(oracle)" = "$before" ]
	# The delta's content is what a restore to the last snapshot writes.
	run --separate-stderr nono rollback restore "$id" --snapshot 1
	assert_status 0
	[ "$(tail -n1 big.txt)" = appended ]
	[ "$(sha256sum big.txt | cut -c1-64)" = "$h" ]
	# Control: every byte rewritten is stored whole, no new delta.
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'seq 2 6001 > src/other.txt'
	assert_status 0
	[ "$(deltas)" -eq 1 ]
	whole_of src/other.txt
}

@test "rollback store: a repeat session's baseline is a delta against the base the earlier one stored, and outlives it" {
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- true
	assert_status 0
	first=$(newest)
	before=$(oracle)
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo x >> big.txt; rm small.txt'
	assert_status 0
	second=$(newest)
	S="$HOME/.nono/rollback/sessions"
	b1=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshots"][0]["bases"][0])' "$S/$first/session.json")
	b2=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshots"][0]["bases"][0])' "$S/$second/session.json")
	[ "$b1" = "$b2" ]
	[ -f "$O/${b1:0:2}/${b1:2}" ]
	[ -f "$S/$second/snap-0-0.delta" ]
	[ ! -e "$S/$second/snap-0-0.manifest" ]
	# The tree did not change between the two: the baseline's delta is
	# its header alone (one line).
	[ "$(wc -l <"$S/$second/snap-0-0.delta")" -eq 1 ]
	run --separate-stderr nono rollback cleanup --keep 1
	assert_status 0
	assert_contains "$output" "removed $first"
	[ -f "$O/${b1:0:2}/${b1:2}" ]
	run --separate-stderr nono rollback verify "$second"
	assert_status 0
	run --separate-stderr nono rollback restore "$second"
	assert_status 0
	[ "$(oracle)" = "$before" ]
	# Control: with no session left, the base goes with the rest.
	run --separate-stderr nono rollback cleanup --keep 0
	assert_status 0
	[ ! -e "$O/${b1:0:2}/${b1:2}" ]
	[ "$(find "$O" -type f ! -name lock ! -name deltas | wc -l)" -eq 0 ]
}

@test "rollback store: a changed manifest base, or a delta's base removed, fails verify and names it" {
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo x >> big.txt'
	assert_status 0
	id=$(newest)
	run --separate-stderr nono rollback verify "$id"
	assert_status 0
	b=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshots"][0]["bases"][0])' "$HOME/.nono/rollback/sessions/$id/session.json")
	f="$O/${b:0:2}/${b:2}"
	cp -p "$f" "$TEST_DIR/base.keep"
	chmod u+w "$f"
	sed -i 's/big.txt/bIg.txt/' "$f"
	run --separate-stderr nono rollback verify "$id"
	assert_status 1
	assert_contains "$output" "a manifest's base whose content does not have its hash"
	run --separate-stderr nono rollback restore "$id"
	assert_status 1
	cp -p "$TEST_DIR/base.keep" "$f"
	run --separate-stderr nono rollback verify "$id"
	assert_status 0
	# The delta of big.txt needs the whole object of its first version.
	d=$(find "$O" -name '*.d')
	[ -n "$d" ]
	v0=$(seq 1 6000 | sha256sum | cut -c1-64)
	mv "$O/${v0:0:2}/${v0:2}" "$TEST_DIR/v0.keep"
	run --separate-stderr nono rollback verify "$id"
	assert_status 1
	assert_contains "$output" "object    FAIL"
	mv "$TEST_DIR/v0.keep" "$O/${v0:0:2}/${v0:2}"
	run --separate-stderr nono rollback verify "$id"
	assert_status 0
}

@test "rollback store: cleanup keeps a delta's base while a kept session needs the delta, and removes both after" {
	v0=$(sha256sum big.txt | cut -c1-64)
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo one >> big.txt'
	assert_status 0
	first=$(newest)
	v1=$(sha256sum big.txt | cut -c1-64)
	[ -f "$O/${v1:0:2}/${v1:2}.d" ]
	# A session over the changed tree: it names v1 (a delta), not v0.
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- true
	assert_status 0
	second=$(newest)
	run --separate-stderr nono rollback cleanup --keep 1
	assert_status 0
	assert_contains "$output" "removed $first"
	[ -f "$O/${v0:0:2}/${v0:2}" ]
	[ -f "$O/${v1:0:2}/${v1:2}.d" ]
	run --separate-stderr nono rollback verify "$second"
	assert_status 0
	echo clobbered >big.txt
	run --separate-stderr nono rollback restore "$second"
	assert_status 0
	[ "$(sha256sum big.txt | cut -c1-64)" = "$v1" ]
	run --separate-stderr nono rollback cleanup --keep 0
	assert_status 0
	[ ! -e "$O/${v0:0:2}/${v0:2}" ]
	[ ! -e "$O/${v1:0:2}/${v1:2}.d" ]
}

@test "rollback store: a sweep removes delta objects before whole ones (one cut short never leaves a delta without its base)" {
	require_cmd strace
	mkdir "$P/many"
	for i in $(seq 40); do seq "$i" 1500 >"$P/many/$i"; done
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'for f in many/*; do echo one >> "$f"; done'
	assert_status 0
	[ "$(deltas)" -eq 40 ]
	# Nothing refers to them any more: all go.
	rm -rf "$HOME/.nono/rollback/sessions"
	# (LeakSanitizer, in the ASan build, cannot run under ptrace.)
	run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=unlinkat -o "$TEST_DIR/trace" "$NONO" rollback cleanup
	assert_status 0
	assert_contains "$output" "removed"
	[ "$(find "$O" -type f ! -name lock ! -name deltas | wc -l)" -eq 0 ]
	grep -n 'unlinkat(.*"[0-9a-f]\{62\}' "$TEST_DIR/trace" >"$TEST_DIR/objs"
	last_delta=$(grep '\.d"' "$TEST_DIR/objs" | tail -n1 | cut -d: -f1)
	first_whole=$(grep -v '\.d"' "$TEST_DIR/objs" | head -n1 | cut -d: -f1)
	[ -n "$last_delta" ]
	[ -n "$first_whole" ]
	[ "$last_delta" -lt "$first_whole" ]
}

@test "rollback store: a delta's base that cannot be looked at stops the sweep; nothing is removed" {
	v0=$(sha256sum big.txt | cut -c1-64)
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo one >> big.txt'
	assert_status 0
	v1=$(sha256sum big.txt | cut -c1-64)
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- true
	assert_status 0
	second=$(newest)
	run --separate-stderr nono rollback cleanup --keep 1
	assert_status 0
	# Now only v1's delta needs v0.  Something unreferenced to sweep:
	z=$(printf '%064d' 0)
	mkdir -p "$O/00"
	printf 'junk' >"$O/00/${z:2}"
	# v1's fan-out directory cannot be opened (a symlink).
	mv "$O/${v1:0:2}" "$O/${v1:0:2}.real"
	ln -s "${v1:0:2}.real" "$O/${v1:0:2}"
	run --separate-stderr nono rollback cleanup
	assert_status 0
	assert_contains "$stderr" "no object removed"
	[ -f "$O/${v0:0:2}/${v0:2}" ]
	[ -f "$O/00/${z:2}" ]
	# Control: the directory back, the junk goes and v0 stays (a stray
	# file named like a fan-out directory stops nothing).
	rm "$O/${v1:0:2}"
	mv "$O/${v1:0:2}.real" "$O/${v1:0:2}"
	echo stray >"$O/zz"
	run --separate-stderr nono rollback cleanup
	assert_status 0
	assert_contains "$output" "removed 1 unreferenced object"
	[ ! -e "$O/00/${z:2}" ]
	[ -f "$O/${v0:0:2}/${v0:2}" ]
	run --separate-stderr nono rollback verify "$second"
	assert_status 0
}

@test "rollback store: an object cut short fails the restore, never writes zeros; a FIFO in the store blocks nothing" {
	s0=$(sha256sum small.txt | cut -c1-64)
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo changed > small.txt; echo x >> big.txt'
	assert_status 0
	id=$(newest)
	f="$O/${s0:0:2}/${s0:2}"
	cp -p "$f" "$TEST_DIR/s0.keep"
	chmod u+w "$f"
	: >"$f"
	run --separate-stderr nono rollback restore "$id"
	assert_status 1
	[ "$(cat small.txt)" = changed ]
	# Of the right size but zeroed (a crash before the sync): the same.
	head -c "$(stat -c %s "$TEST_DIR/s0.keep")" /dev/zero >"$f"
	run --separate-stderr nono rollback restore "$id"
	assert_status 1
	assert_contains "$stderr" "small.txt"
	[ "$(cat small.txt)" = changed ]
	cp -p "$TEST_DIR/s0.keep" "$f"
	# A FIFO in place of the delta object: verify and cleanup answer.
	d=$(find "$O" -name '*.d')
	mv "$d" "$TEST_DIR/d.keep"
	mkfifo "$d"
	run --separate-stderr timeout 20 "$NONO" rollback verify "$id"
	assert_status 1
	run --separate-stderr timeout 20 "$NONO" rollback cleanup
	[ "$status" -ne 124 ]
	rm "$d"
	mv "$TEST_DIR/d.keep" "$d"
	# Control: whole again, it restores.
	run --separate-stderr nono rollback restore "$id"
	assert_status 0
	[ "$(cat small.txt)" = small ]
}

@test "rollback store: a cleanup that removes no object keeps the stat caches; one that removes some drops them first" {
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo one >> big.txt'
	assert_status 0
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- true
	assert_status 0
	# The first session goes: big.txt's first version is now needed only
	# as the base of its second's delta.
	run --separate-stderr nono rollback cleanup --keep 1
	assert_status 0
	sleep 2.1 # files changed in the last 2 s are not cached (racily clean)
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- true
	assert_status 0
	C="$HOME/.nono/rollback/statcache"
	[ "$(find "$C" -type f | wc -l)" -eq 1 ]
	# Nothing unreferenced: nothing removed, the caches stay, and the
	# next baseline reads nothing again.
	run --separate-stderr nono rollback cleanup
	assert_status 0
	assert_contains "$output" "removed 0 unreferenced objects"
	[ "$(find "$C" -type f | wc -l)" -eq 1 ]
	run --separate-stderr nono -v run -s --rollback --no-rollback-prompt --allow "$P" -- true
	assert_status 0
	assert_contains "$stderr" "(0 bytes read"
	# Control: something to remove, and the caches go before it.
	z=$(printf '%064d' 0)
	mkdir -p "$O/00"
	printf 'junk' >"$O/00/${z:2}"
	run --separate-stderr nono rollback cleanup
	assert_status 0
	assert_contains "$output" "removed 1 unreferenced object"
	[ "$(find "$C" -type f | wc -l)" -eq 0 ]
}

@test "rollback verify: the snapshots' roots are checked against the audit trail; a session whose record and manifests were swapped for another's fails" {
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo one >> big.txt'
	assert_status 0
	a=$(newest)
	run --separate-stderr nono run -s --rollback --no-rollback-prompt --allow "$P" -- sh -c 'echo two >> small.txt'
	assert_status 0
	b=$(newest)
	run --separate-stderr nono rollback verify "$a"
	assert_status 0
	assert_contains "$output" "audit     ok"
	# b's record and manifests put in a's place, its id made a's: each
	# agrees with the other, not with a's audit trail.
	S="$HOME/.nono/rollback/sessions"
	rm -f "$S/$a"/*
	cp "$S/$b"/* "$S/$a/"
	sed -i "s/\"id\":\"$b\"/\"id\":\"$a\"/" "$S/$a/session.json"
	run --separate-stderr nono rollback verify "$a"
	assert_status 1
	assert_contains "$output" "the audit trail recorded other Merkle roots"
	# A trail whose log is missing: failed for a session that ended; for
	# one whose supervisor died before it began its trail, said.
	c=$(newest)
	mv "$HOME/.nono/audit/$c/audit-events.ndjson" "$TEST_DIR/ev.keep"
	run --separate-stderr nono rollback verify "$c"
	assert_status 1
	assert_contains "$output" "audit-events.ndjson is missing"
	sed -i 's/"state":"complete"/"state":"running"/; s/"supervisor_pid":[0-9]*/"supervisor_pid":999999999/' \
		"$HOME/.nono/rollback/sessions/$c/session.json"
	run --separate-stderr nono rollback verify "$c"
	assert_contains "$output" "audit     note  the session did not end"
	refute_contains "$output" "audit     FAIL"
	# Control: without an audit trail (--no-audit) it is said, not failed.
	run --separate-stderr nono run -s --no-audit --rollback --no-rollback-prompt --allow "$P" -- true
	assert_status 0
	run --separate-stderr nono rollback verify "$(newest)"
	assert_status 0
	assert_contains "$output" "audit     none"
}
