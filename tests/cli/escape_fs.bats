#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, found with the escapes: renameat2(RENAME_EXCHANGE) failed with
# EACCES at the root of a granted writable tree (Landlock wants creation
# rights there, which a guarded directory lacks).  It must work there, and
# still never move a protected name or a file of a read-only tree.

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

XCHG='
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
args = sys.argv[1:]
for a, b in zip(args[::2], args[1::2]):
    r = libc.renameat2(-100, a.encode(), -100, b.encode(), 2)   # RENAME_EXCHANGE
    print(a, b, "ok" if r == 0 else ctypes.get_errno())
'

@test "fs: RENAME_EXCHANGE works at a writable grant's root and below; protected names and read-only trees stay refused" {
	mkdir -p proj/sub ro
	echo A >proj/a
	echo B >proj/b
	echo C >proj/sub/c
	echo ORIG >proj/.envrc
	echo R >ro/r
	cd proj
	run --separate-stderr nono run -s --allow . --read ../ro -- "$PY" -c "$XCHG" \
		a b sub/c a .envrc b ../ro/r b
	assert_status 0
	assert_contains "$output" "a b ok" stdout
	assert_contains "$output" "sub/c a ok" stdout
	refute_contains "$output" ".envrc b ok" stdout
	refute_contains "$output" "../ro/r b ok" stdout
	assert_file_content a C
	assert_file_content sub/c B
	assert_file_content b A
	assert_file_content .envrc ORIG
	assert_file_content ../ro/r R
	# control: outside nono the exchange of the protected name works
	run "$PY" -c "$XCHG" .envrc b
	assert_contains "$output" ".envrc b ok"
}
