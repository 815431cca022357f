#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, escape 13: protection depended on the directories nono looked at
# start.  A new src/.git (directory or "gitdir:" file) in any directory of a
# writable tree, with core.fsmonitor in its config, ran when the user later
# ran git in src/; a repository deeper in the tree than nono looked had
# writable hooks and config.  Now the user's writable grants are sealed
# trees: Landlock grants no creation and no write-open in them, the
# supervisor performs each one and decides it by the final name and the
# directory it lands in, wherever that is.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	require_userns
	require_cmd git
	require_cmd python3
	git_identity
	git config --global protocol.file.allow always
}

teardown() {
	nono_teardown
}

@test "escape 13: no new .git in an existing subdirectory, in any form" {
	mkdir -p proj/src/deep/er
	cd proj
	run --separate-stderr nono run --allow . --read "$HOME" -- sh -c '
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:CREATED"; else echo "$1:refused"; fi; }
		try dir "mkdir src/.git"
		try deepdir "mkdir src/deep/er/.git"
		try file "echo gitdir: /tmp/evil >src/.git"
		try symlink "ln -s /tmp src/deep/.git"
		try rename "mkdir src/x && mv src/x src/.git"
		try init "git init -q src/deep"
		try ordinary "mkdir src/y && echo ok >src/y/f"
		exit 3'
	# (exit 3: the footer comes with a failed command)
	assert_status 3
	local what
	for what in dir deepdir file symlink rename init; do
		assert_contains "$output" "$what:refused" stdout
	done
	assert_contains "$output" "ordinary:CREATED" stdout
	assert_missing src/.git
	assert_missing src/deep/er/.git
	assert_missing src/deep/.git
	# the footer names the flag that allows it
	assert_contains "$stderr" "--allow-new-repos"
	# control: outside nono the same works
	mkdir src/.git
}

@test "escape 13: the planted fsmonitor cannot reach the user's next git status" {
	mkdir -p proj/src
	cd proj
	run --separate-stderr nono run -s --allow . -- sh -c '
		mkdir -p src/.git 2>/dev/null
		printf "gitdir: %s\n" "$PWD/evil" >src/.git 2>/dev/null
		true'
	assert_status 0
	(cd src && git status >/dev/null 2>&1) || true
	assert_missing "$TEST_ROOT/PWNED"
	assert_missing src/.git
}

@test "escape 13: --allow-new-repos lets git clone and init work, and the clone is the sandbox's own" {
	git init -q origin
	echo a >origin/a
	git -C origin add a
	git -C origin commit -q -m a
	mkdir -p proj/sub
	cd proj
	run --separate-stderr nono run -s --allow-new-repos --allow . \
		--read "$HOME" --read "$TEST_DIR/origin" -- sh -c '
		set -e
		git clone -q '"$TEST_DIR/origin"' sub/c; echo clone:ok
		git init -q sub/n; echo init:ok
		echo "#!/bin/sh" >sub/c/.git/hooks/pre-commit; echo ownhook:ok
		git -C sub/c config user.name x; echo ownconfig:ok'
	assert_status 0
	local what
	for what in clone init ownhook ownconfig; do
		assert_contains "$output" "$what:ok" stdout
	done
	[ -f sub/c/a ]
	[ -d sub/n/.git ]
}

# A repository deeper than nono looks at start (two levels below the root,
# away from the working directory): its git directory follows git's layout.
@test "escape 13: a repository nono did not look for keeps its hooks and config" {
	mkdir -p proj/a/b work
	git init -q proj/a/b/repo
	echo x >proj/a/b/repo/x
	git -C proj/a/b/repo add x
	git -C proj/a/b/repo commit -q -m x
	cp proj/a/b/repo/.git/config config.before
	cd proj/work 2>/dev/null || cd proj
	run --separate-stderr nono run -s --allow "$TEST_DIR/proj" --read "$HOME" -- sh -c '
		r='"$TEST_DIR"'/proj/a/b/repo
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:WRITTEN"; else echo "$1:refused"; fi; }
		try newhook "echo evil >$r/.git/hooks/pre-commit"
		try sample "mv $r/.git/hooks/pre-commit.sample $r/.git/hooks/pre-commit"
		try append "printf \"[core]\\n\\tfsmonitor = evil\\n\" >>$r/.git/config"
		try inplace "python3 -c \"f = open(\\\"$r/.git/config\\\", \\\"r+\\\"); f.write(\\\"[core] fsmonitor=evil\\\")\""
		try truncate "truncate -s 0 $r/.git/config"
		try commondir "echo ../x >$r/.git/commondir"
		try moved "mv $r/.git $r/old-git"
		try commit "cd $r && echo y >y && git add y && git commit -q -m y"
		try work "echo w >$r/w && echo more >>$r/x && mkdir -p $r/.git/lfs/objects"'
	assert_status 0
	local what
	for what in newhook sample append inplace truncate commondir moved; do
		assert_contains "$output" "$what:refused" stdout
	done
	# control: git itself and the working tree are unaffected
	assert_contains "$output" "commit:WRITTEN" stdout
	assert_contains "$output" "work:WRITTEN" stdout
	cmp "$TEST_DIR/config.before" "$TEST_DIR/proj/a/b/repo/.git/config"
	assert_missing "$TEST_DIR/proj/a/b/repo/.git/hooks/pre-commit"
	# control: outside nono the same write works
	printf '# ok\n' >>"$TEST_DIR/proj/a/b/repo/.git/config"
}

# The supervisor decides on a path it copied; the kernel re-reads the
# caller's memory after a CONTINUE.  A second thread flips the name between
# a harmless file and the deep repository's config while the first opens
# it for writing: Landlock (no write right in a sealed tree) refuses every
# open the supervisor did not perform, so no flip gets through.
@test "escape 13: a path swapped during the gate's check does not reach a protected file" {
	mkdir -p proj/a/b
	git init -q proj/a/b/repo
	cp proj/a/b/repo/.git/config config.before
	echo harmless >proj/a/b/h
	cat >race.py <<'PY'
import ctypes, os, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
good = b"a/b/h".ljust(40, b"\0")
bad = b"a/b/repo/.git/config".ljust(40, b"\0")
buf = ctypes.create_string_buffer(good, 64)
stop = False
def flip():
    while not stop:
        ctypes.memmove(buf, bad, 40)
        ctypes.memmove(buf, good, 40)
t = threading.Thread(target=flip)
t.start()
hit = 0
for _ in range(int(sys.argv[1])):
    fd = libc.open(buf, os.O_WRONLY | os.O_APPEND)
    if fd >= 0:
        if os.path.samefile("/proc/self/fd/%d" % fd, "a/b/repo/.git/config"):
            os.write(fd, b"\n[core]\n\tfsmonitor = evil\n")
            hit += 1
        os.close(fd)
stop = True
t.join()
print("hits:%d" % hit)
PY
	cd proj
	run --separate-stderr nono run -s --allow . --read "$TEST_DIR" -- python3 "$TEST_DIR/race.py" 3000
	assert_status 0
	assert_contains "$output" "hits:0" stdout
	cmp "$TEST_DIR/config.before" a/b/repo/.git/config
	# control: outside nono the open the race aims at succeeds (the race
	# itself is left out of the control: it need not hit every time)
	python3 -c 'import os; os.close(os.open("a/b/repo/.git/config", os.O_WRONLY | os.O_APPEND))'
}

@test "sealed trees: ordinary file work keeps its semantics" {
	mkdir -p proj/d
	echo one >proj/d/f
	ln -s f proj/d/link
	cd proj
	run --separate-stderr nono run -s --allow . -- sh -c '
		set -e
		umask 077; echo a >d/private; mkdir d/pdir
		umask 022; echo b >d/shared
		echo two >>d/f; echo via-link >>d/link
		truncate -s 3 d/shared
		mkfifo d/fifo; (cat d/fifo >d/fromfifo &) ; echo piped >d/fifo; wait
		python3 -c "f = open(\"d/f\", \"r+\"); f.write(\"ONE\")"
		mv d/shared d/moved; ln d/moved d/hard
		echo done'
	assert_status 0
	assert_contains "$output" done stdout
	[ "$(stat -c %a d/private)" = 600 ]
	[ "$(stat -c %a d/pdir)" = 700 ]
	[ "$(stat -c %a d/moved)" = 644 ]
	[ "$(stat -c %s d/moved)" = 3 ]
	assert_file_content d/f "$(printf 'ONE\ntwo\nvia-link')"
	[ -p d/fifo ]
	sleep 0.2
	assert_file_content d/fromfifo piped
	[ "$(stat -c %i d/moved)" = "$(stat -c %i d/hard)" ]
}

# Found by the benchmark: tar x restores modes with fchmodat(AT_SYMLINK_NOFOLLOW),
# which the C library turns into chmod("/proc/self/fd/N"); the gate failed it
# (ELOOP), before and after sealing.  And a file of a sealed tree reopened for
# writing through /dev/stderr (stderr redirected into the project).
@test "sealed trees: tar restores modes, /dev/stderr reaches a file of the tree" {
	require_cmd tar
	mkdir -p src/d
	echo f >src/d/f
	chmod 750 src/d
	chmod 640 src/d/f
	tar -C src -cf t.tar d
	mkdir proj
	cd proj
	run --separate-stderr nono run -s --allow . --read-file "$TEST_DIR/t.tar" -- sh -c '
		tar xf '"$TEST_DIR"'/t.tar && echo tar:ok
		exec 2>>log.txt
		echo via-stderr >/dev/stderr && echo stderr:ok >&1'
	assert_status 0
	assert_contains "$output" "tar:ok" stdout
	assert_contains "$output" "stderr:ok" stdout
	[ "$(stat -c %a d)" = 750 ]
	[ "$(stat -c %a d/f)" = 640 ]
	assert_file_content log.txt via-stderr
}

# Found by npm ci: threads creating a directory and entries in it at once.
# A lookup that failed (the parent did not exist yet) was handed back to the
# kernel, which by then met the parent another thread had just made through
# the supervisor, and Landlock refused the creation (EACCES).  Such an
# answer is now given as of the check (ENOENT), and the caller retries.
@test "sealed trees: concurrent mkdir -p of shared parents never fails with EACCES" {
	cat >mk.py <<'PY'
import os, sys, threading
n = int(sys.argv[1])
errs = []
def mkdirp(p):
    # as node does: the child first, the parent on ENOENT, the child again
    try:
        os.mkdir(p)
    except FileNotFoundError:
        mkdirp(os.path.dirname(p))
        try:
            os.mkdir(p)
        except FileExistsError:
            pass
    except FileExistsError:
        pass
def work(i, barrier):
    for r in range(n):
        barrier.wait()
        try:
            mkdirp("r%d/a/t%d" % (r, i))
            with open("r%d/a/t%d/f" % (r, i), "w") as f:
                f.write("x")
        except OSError as e:
            errs.append(e.errno)
b = threading.Barrier(4)
ts = [threading.Thread(target=work, args=(i, b)) for i in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print("errors:%d" % len(errs))
PY
	mkdir proj
	cd proj
	run --separate-stderr nono run -s --allow . --read-file "$TEST_DIR/mk.py" -- python3 "$TEST_DIR/mk.py" 300
	assert_status 0
	assert_contains "$output" "errors:0" stdout
	[ -f r299/a/t3/f ]
}

# The supervisor is not under Landlock: an open it performs in a write-only
# grant must not read.
@test "sealed trees: a write-only grant stays write-only through the supervisor" {
	mkdir out work
	echo SECRET >out/old
	cd work
	run --separate-stderr nono run -s --allow-cwd --write ../out -- sh -c '
		python3 -c "open(\"../out/old\", \"r+\").read()" 2>/dev/null && echo rdwr:READ || echo rdwr:refused
		python3 -c "open(\"../out/new\", \"w+\").read()" 2>/dev/null && echo newrdwr:READ || echo newrdwr:refused
		echo data >../out/written && echo write:ok
		cat ../out/old 2>/dev/null || echo cat:refused'
	assert_status 0
	assert_contains "$output" "rdwr:refused" stdout
	assert_contains "$output" "newrdwr:refused" stdout
	assert_contains "$output" "cat:refused" stdout
	refute_contains "$output" SECRET stdout
	# control: writing works
	assert_contains "$output" "write:ok" stdout
	assert_file_content ../out/written data
}

# Found by an attacker's review: the supervisor performed opens and
# creations with its own capabilities, so a root-run sandbox (no
# capabilities) wrote a 0444 file and read another user's 0600 file through
# it.  The supervisor acts with none now.
@test "sealed trees: as root, file modes bind what the supervisor does for the sandbox" {
	[ "$(id -u)" = 0 ] || skip "needs root (as a user the modes bind anyway)"
	mkdir -p proj/ro proj/theirs
	echo ORIG >proj/ro/f
	chmod 444 proj/ro/f
	echo PRIVATE >proj/theirs/p
	chown nobody proj/theirs proj/theirs/p
	chmod 600 proj/theirs/p
	chmod 555 proj/theirs
	cd proj
	# Between them a chmod and an AF_UNIX connect, which the gate serves
	# with its capabilities given back: the file calls after them are
	# still performed with none (the gate holds them lowered from one file
	# call to the next).
	run --separate-stderr nono run -s --allow . -- sh -c '
		echo x >>ro/f 2>/dev/null && echo append:WRITTEN || echo append:refused
		touch mine2 && chmod 600 mine2 && echo chmod:ok
		mkdir theirs/d 2>/dev/null && echo mkdir:MADE || echo mkdir:refused
		python3 -c "import socket; socket.socket(socket.AF_UNIX).connect_ex(\"/nonexistent.sock\")"
		python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"theirs/sock\")" 2>/dev/null && echo bind:MADE || echo bind:refused
		python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"mine.sock\")" && echo ownbind:ok
		python3 -c "import os; print(os.read(os.open(\"theirs/p\", os.O_RDWR), 64))" 2>/dev/null || echo rdwr:refused
		echo y >>mine && echo own:ok'
	assert_status 0
	assert_contains "$output" "append:refused" stdout
	assert_contains "$output" "mkdir:refused" stdout
	assert_contains "$output" "rdwr:refused" stdout
	refute_contains "$output" PRIVATE stdout
	assert_file_content ro/f ORIG
	# control: the sandbox's own files work, and root outside overrides
	assert_contains "$output" "own:ok" stdout
	assert_contains "$output" "chmod:ok" stdout
	assert_contains "$output" "bind:refused" stdout
	assert_contains "$output" "ownbind:ok" stdout
	echo z >>ro/f
}

# Found by an attacker's review of the sealed trees (each fails on the build
# before): a repository moved in from /tmp (where nothing is decided) or a
# deep one moved out, changed and moved back; a hard link to a deep
# repository's config; a submodule whose name holds a slash
# (.git/modules/libs/foo, which the rules took for modules/NAME); a bare
# repository assembled by hand (HEAD, objects/, refs/, config).
@test "sealed trees: repositories are known by what they are, not by where or how they are named" {
	export GIT_CONFIG_NOSYSTEM=1
	mkdir -p proj/a/b proj/c/d
	git init -q proj/c/d/sub
	git -C proj/c/d/sub commit -q --allow-empty -m s
	git init -q proj/a/b/repo
	git -C proj/a/b/repo -c protocol.file.allow=always submodule -q add "$TEST_DIR/proj/c/d/sub" libs/foo
	git init -q proj/a/b/other
	cd proj
	r=a/b/repo/.git
	cp $r/modules/libs/foo/config sub.before
	cp a/b/other/.git/config other.before
	tmp=$(mktemp -d /tmp/nono-sealed.XXXXXX)
	run --separate-stderr nono run -s --allow . -- sh -c '
		r='"$r"'
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:DONE"; else echo "$1:refused"; fi; }
		try movein "mkdir -p '"$tmp"'/nr/.git/objects '"$tmp"'/nr/.git/refs && echo ref: refs/heads/m >'"$tmp"'/nr/.git/HEAD && mv '"$tmp"'/nr src2 && test -e src2/.git"
		try hardlink "ln a/b/other/.git/config x && echo evil >>x"
		try slashconfig "echo evil >>$r/modules/libs/foo/config"
		try slashhook "echo evil >$r/modules/libs/foo/hooks/post-checkout"
		try bare "mkdir -p bb/objects bb/refs && printf \"[core]\\n\\tpager = evil\\n\" >bb/config && echo ref: refs/heads/main >bb/HEAD"
		try roundtrip "mv c/d/sub '"$tmp"'/r && echo evil >>'"$tmp"'/r/.git/config && mv '"$tmp"'/r c/d/sub && test -e c/d/sub/.git/config"
		try ordinary "mkdir -p n/m && echo a >n/m/f && ln n/m/f n/m/g && mv n/m n/k"'
	rm -rf "$tmp"
	assert_status 0
	local what
	for what in movein hardlink slashconfig slashhook bare roundtrip; do
		assert_contains "$output" "$what:refused" stdout
	done
	assert_contains "$output" "ordinary:DONE" stdout
	cmp sub.before $r/modules/libs/foo/config
	cmp other.before a/b/other/.git/config
	assert_missing $r/modules/libs/foo/hooks/post-checkout
	assert_missing src2/.git
	assert_missing bb/HEAD
	# control: outside nono the same writes work
	echo '# ok' >>$r/modules/libs/foo/config
}

# Found by an attacker's review: a reopen through /proc/self/fd of a file
# the sandbox holds a lease on blocked the supervisor (every gated call of
# the sandbox waited for the lease break time, 45 s).  The supervisor opens
# without waiting: the caller gets EWOULDBLOCK, as with O_NONBLOCK.
@test "sealed trees: a lease cannot make the supervisor wait" {
	mkdir proj
	cd proj
	echo data >f
	run --separate-stderr nono run -s --allow . -- python3 -c '
import errno, fcntl, os, signal
signal.signal(signal.SIGIO, signal.SIG_IGN)  # the lease-break notice
fd = os.open("f", os.O_RDONLY)
fcntl.fcntl(fd, 1024, fcntl.F_RDLCK)  # F_SETLEASE
try:
    os.open("/proc/self/fd/%d" % fd, os.O_WRONLY | os.O_APPEND)
    print("opened")
except OSError as e:
    print("errno:%s" % errno.errorcode[e.errno])
open("g", "w").write("next call served")
print(open("g").read())'
	assert_status 0
	assert_contains "$output" "errno:EAGAIN" stdout
	assert_contains "$output" "next call served" stdout
}

# Found by an attacker's review: O_TMPFILE and openat2(2) in a sealed tree
# failed with EACCES (the gate did not perform them; Landlock refused).
# openat2 is now decoded (its flags are in memory) and held to the same
# rules; with RESOLVE_* flags it stays the kernel's (refused there).
@test "sealed trees: O_TMPFILE and openat2 work, under the same rules" {
	mkdir -p proj/sub
	cd proj
	run --separate-stderr nono run -s --allow . -- python3 -c '
import ctypes, os, struct
fd = os.open("sub", os.O_TMPFILE | os.O_RDWR, 0o600)
os.write(fd, b"tmp"); os.lseek(fd, 0, 0); print("tmpfile:" + os.read(fd, 3).decode())
libc = ctypes.CDLL(None, use_errno=True)
def openat2(path, flags, mode=0, resolve=0):
    b = ctypes.create_string_buffer(struct.pack("QQQ", flags, mode, resolve))
    r = libc.syscall(437, -100, path.encode(), b, 24)
    return r if r >= 0 else -ctypes.get_errno()
fd = openat2("sub/new", os.O_CREAT | os.O_WRONLY, 0o640)
os.write(fd, b"made"); print("create:%s" % (fd >= 0))
print("git:%d" % openat2("sub/.git", os.O_CREAT | os.O_WRONLY, 0o644))
print("read:%s" % (openat2("sub/new", os.O_RDONLY) >= 0))'
	assert_status 0
	assert_contains "$output" "tmpfile:tmp" stdout
	assert_contains "$output" "create:True" stdout
	assert_contains "$output" "git:-13" stdout
	assert_contains "$output" "read:True" stdout
	assert_file_content sub/new made
	[ "$(stat -c %a sub/new)" = 640 ]
	assert_missing sub/.git
}

# A repository made in /tmp (where the sandbox may write and nothing is
# decided) reached through a symlink with a familiar name: the user's next
# "cd src && git status" runs it.  Such a link counts as a new repository.
@test "sealed trees: no symlink out of the tree to a place the sandbox can write" {
	mkdir -p proj/src
	cd proj
	ln -s /tmp ext
	tmp=$(mktemp -d /tmp/nono-sealed.XXXXXX)
	run --separate-stderr nono run -s --allow . -- sh -c '
		try() { if sh -c "$2" 2>/dev/null; then echo "$1:MADE"; else echo "$1:refused"; fi; }
		git init -q '"$tmp"'/evil 2>/dev/null
		try absolute "mv src src.old && ln -s '"$tmp"'/evil src"
		try relative "ln -s ../../../../../../../..'"$tmp"'/evil s2"
		try via-link "ln -s ext/'"$(basename "$tmp")"'/evil s3"
		try moved-in "ln -s '"$tmp"'/evil '"$tmp"'/lnk && mv '"$tmp"'/lnk s4"
		try usr "ln -s /usr/lib s5"
		try inside "ln -s src.old s6 && ln -s nothere s7"'
	rm -rf "$tmp"
	assert_status 0
	local what
	for what in absolute relative via-link moved-in; do
		assert_contains "$output" "$what:refused" stdout
	done
	# control: links to places the sandbox cannot write, or inside
	assert_contains "$output" "usr:MADE" stdout
	assert_contains "$output" "inside:MADE" stdout
	[ ! -L src ]
}
