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

# Issue 10, found with the escapes: chmod, chown and chgrp succeeded on
# files the sandbox may only read (Landlock has no right for them).
@test "fs: chmod and chown of a file the sandbox may only read are refused; in a writable grant they work" {
	mkdir -p ro rw
	echo R >ro/f
	echo W >rw/f
	chmod 644 ro/f rw/f
	run --separate-stderr nono run -s --allow-cwd --allow rw --read ro -- "$PY" -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def t(n, f):
    try:
        f(); print(n, "ok")
    except OSError as e:
        print(n, e.errno)
t("chmod-ro", lambda: os.chmod("ro/f", 0o777))
t("fchmod-ro", lambda: os.fchmod(os.open("ro/f", os.O_RDONLY), 0o777))
t("chgrp-ro", lambda: os.chown("ro/f", -1, os.getgid()))
t("lchown-ro", lambda: os.lchown("ro/f", -1, os.getgid()))
t("chmod-rw", lambda: os.chmod("rw/f", 0o755))
t("fchmod-rw", lambda: os.fchmod(os.open("rw/f", os.O_RDONLY), 0o700))
t("chgrp-rw", lambda: os.chown("rw/f", -1, os.getgid()))
t("chown-away", lambda: os.chown("rw/f", 4242, -1))
# AT_EMPTY_PATH with a path: the path counts (here ro/f), not the dirfd
d = os.open("rw", os.O_RDONLY)
r = libc.syscall(260, d, b"../ro/f", -1, os.getgid(), 0x1000)   # fchownat
print("emptypath-ro", 0 if r == 0 else ctypes.get_errno())
r = libc.syscall(260, d, b"", -1, os.getgid(), 0x1000)
print("emptypath-rw", 0 if r == 0 else ctypes.get_errno())
r = libc.syscall(452, -100, b"ro/f", 0o777, 0)   # fchmodat2
print("fchmodat2", 0 if r == 0 else ctypes.get_errno())'
	assert_status 0
	local w
	for w in chmod-ro fchmod-ro chgrp-ro lchown-ro chown-away; do
		assert_contains "$output" "$w 1" stdout
	done
	assert_contains "$output" "emptypath-ro 1" stdout
	assert_contains "$output" "emptypath-rw 0" stdout
	# fchmodat2 says "not here", so that libraries use fchmodat
	assert_contains "$output" "fchmodat2 38" stdout
	# controls: in the writable grant they work
	for w in chmod-rw fchmod-rw chgrp-rw; do
		assert_contains "$output" "$w ok" stdout
	done
	[ "$(stat -c %a ro/f)" = 644 ]
	[ "$(stat -c %a rw/f)" = 700 ]
	# control: outside nono the read-only file's mode changes
	chmod 600 ro/f
	[ "$(stat -c %a ro/f)" = 600 ]
}

# Review r6, F3: the gate performs chmod for the sandbox, which no_new_privs
# binds alone: a root run made a setuid-root copy of a program in /tmp that
# another local user then ran as root; a user's run makes one of the user.
@test "fs: chmod through the gate never sets the set-user-ID bit, nor set-group-ID on a file; a directory keeps setgid" {
	mkdir -p rw
	cp /bin/true rw/prog
	run --separate-stderr nono run -s --allow-cwd --allow rw -- sh -c '
		chmod 4755 rw/prog; chmod g+s rw/prog; mkdir rw/d && chmod 2775 rw/d
		cp /bin/true /tmp/nono-setid-$$ && chmod 6755 /tmp/nono-setid-$$ &&
		stat -c "%a %n" /tmp/nono-setid-$$ && rm -f /tmp/nono-setid-$$'
	assert_status 0
	[ "$(stat -c %a rw/prog)" = 755 ] || { stat rw/prog; false; }
	[ "$(stat -c %a rw/d)" = 2775 ]
	assert_contains "$output" "755 /tmp/nono-setid-" stdout
	refute_contains "$output" "6755" stdout
	# control: the same chmod outside nono sets them (the owner may)
	chmod 4755 rw/prog
	[ "$(stat -c %a rw/prog)" = 4755 ]
}
