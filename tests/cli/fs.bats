#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Filesystem grants: --allow, --read, --write and the file variants.
# Every denial has a granted control doing the same thing successfully.

load helpers

setup_file() {
	probe_host
}

setup() {
	nono_setup
	require_landlock
	mkdir work dir other
	echo DIR-DATA >dir/f
	echo OTHER-SECRET >other/secret
	cd work || return 1
}

teardown() {
	nono_teardown
}

@test "fs: nothing outside the grants is readable, even where Unix modes allow it" {
	run --separate-stderr nono run -s --allow-cwd -- cat "$TEST_DIR/other/secret"
	assert_status 1
	assert_contains "$stderr" "Permission denied" stderr
	refute_contains "$output" OTHER-SECRET stdout

	# control: the same read with a grant
	run --separate-stderr nono run -s --allow-cwd -r "$TEST_DIR/other" -- \
		cat "$TEST_DIR/other/secret"
	assert_status 0
	[ "$output" = OTHER-SECRET ] || { show_run; false; }
}

@test "fs: --allow grants read and write on a directory tree" {
	mkdir -p "$TEST_DIR/dir/deep/er"
	run --separate-stderr nono run -s --allow-cwd -a "$TEST_DIR/dir" -- sh -c \
		"cat $TEST_DIR/dir/f && echo new >$TEST_DIR/dir/deep/er/g &&
		 rm $TEST_DIR/dir/f && echo other >$TEST_DIR/other/g"
	assert_status 2
	assert_contains "$output" DIR-DATA stdout
	assert_file_content "$TEST_DIR/dir/deep/er/g" new
	assert_missing "$TEST_DIR/dir/f"
	# the sibling directory stays out of reach
	assert_contains "$stderr" "$TEST_DIR/other/g: Permission denied" stderr
	assert_missing "$TEST_DIR/other/g"
}

@test "fs: -a is --allow" {
	run --separate-stderr nono run -s --allow-cwd -a "$TEST_DIR/dir" -- sh -c \
		"echo x >$TEST_DIR/dir/g"
	assert_status 0
	assert_file_content "$TEST_DIR/dir/g" x
}

@test "fs: --read grants reading only" {
	run --separate-stderr nono run -s --allow-cwd --read "$TEST_DIR/dir" -- sh -c \
		"cat $TEST_DIR/dir/f; echo evil >>$TEST_DIR/dir/f; echo new >$TEST_DIR/dir/g; rm -f $TEST_DIR/dir/f"
	assert_status 1
	assert_contains "$output" DIR-DATA stdout
	assert_contains "$stderr" "Permission denied" stderr
	assert_file_content "$TEST_DIR/dir/f" DIR-DATA
	assert_missing "$TEST_DIR/dir/g"

	# control: -r is the short form and reads the same
	run --separate-stderr nono run -s --allow-cwd -r "$TEST_DIR/dir" -- cat "$TEST_DIR/dir/f"
	assert_status 0
	[ "$output" = DIR-DATA ] || { show_run; false; }
}

@test "fs: --write grants writing only" {
	run --separate-stderr nono run -s --allow-cwd --write "$TEST_DIR/dir" -- sh -c \
		"echo new >$TEST_DIR/dir/g && echo WROTE; cat $TEST_DIR/dir/f"
	assert_status 1
	assert_contains "$output" WROTE stdout
	refute_contains "$output" DIR-DATA stdout
	assert_contains "$stderr" "$TEST_DIR/dir/f: Permission denied" stderr
	assert_file_content "$TEST_DIR/dir/g" new

	run --separate-stderr nono run -s --allow-cwd -w "$TEST_DIR/dir" -- ls "$TEST_DIR/dir"
	assert_status 2
	refute_contains "$output" g stdout
	assert_contains "$stderr" "Permission denied" stderr
}

@test "fs: --allow-file grants one file, not its siblings or its directory" {
	echo SIBLING >"$TEST_DIR/dir/sibling"
	run --separate-stderr nono run -s --allow-cwd --allow-file "$TEST_DIR/dir/f" -- sh -c \
		"cat $TEST_DIR/dir/f; echo more >>$TEST_DIR/dir/f; cat $TEST_DIR/dir/sibling; echo new >$TEST_DIR/dir/g"
	assert_status 2
	assert_contains "$output" DIR-DATA stdout
	refute_contains "$output" SIBLING stdout
	assert_contains "$stderr" "$TEST_DIR/dir/sibling: Permission denied" stderr
	assert_file_content "$TEST_DIR/dir/f" "DIR-DATA
more"
	assert_missing "$TEST_DIR/dir/g"
}

@test "fs: --read-file grants reading one file" {
	run --separate-stderr nono run -s --allow-cwd --read-file "$TEST_DIR/dir/f" -- sh -c \
		"cat $TEST_DIR/dir/f; echo evil >>$TEST_DIR/dir/f"
	assert_status 2
	assert_contains "$output" DIR-DATA stdout
	assert_contains "$stderr" "Permission denied" stderr
	assert_file_content "$TEST_DIR/dir/f" DIR-DATA
}

@test "fs: --write-file grants writing one file" {
	run --separate-stderr nono run -s --allow-cwd --write-file "$TEST_DIR/dir/f" -- sh -c \
		"echo more >>$TEST_DIR/dir/f && echo WROTE; cat $TEST_DIR/dir/f"
	assert_status 1
	assert_contains "$output" WROTE stdout
	refute_contains "$output" DIR-DATA stdout
	assert_contains "$stderr" "Permission denied" stderr
	assert_file_content "$TEST_DIR/dir/f" "DIR-DATA
more"
}

@test "fs: --allow on a regular file is an error with a hint" {
	run --separate-stderr nono run --allow-cwd --allow "$TEST_DIR/dir/f" -- sh -c 'echo RAN'
	assert_nono_error "not a directory"
	grep -q '^hint: .*--allow-file' <<<"$stderr" || { show_run; false; }
	refute_contains "$output" RAN stdout
}

@test "fs: --read-file on a directory is an error" {
	run --separate-stderr nono run --allow-cwd --read-file "$TEST_DIR/dir" -- sh -c 'echo RAN'
	assert_nono_error "is a directory"
	refute_contains "$output" RAN stdout
}

# Issue 12: a grant flag naming a path that does not exist is an error
# with a did-you-mean (it was a warning, and the run went on without the
# grant); a profile's optional paths are skipped quietly (-v lists them);
# messages about a profile's grants name the profile key, not a flag the
# user never typed.
@test "fs: a grant of a missing path is an error with a did-you-mean; a profile's is skipped" {
	local flag
	mkdir -p "$TEST_DIR/project"
	echo x >"$TEST_DIR/project/notes.txt"
	for flag in --allow --read --write; do
		run --separate-stderr nono run --allow-cwd "$flag" "$TEST_DIR/projcet" -- sh -c 'echo RAN'
		assert_nono_error "$flag $TEST_DIR/projcet: no such directory"
		assert_contains "$stderr" "did you mean $flag $TEST_DIR/project?" stderr
		refute_contains "$output" RAN stdout
		# control: the right name runs
		run --separate-stderr nono run --allow-cwd "$flag" "$TEST_DIR/project" -- sh -c 'echo RAN'
		assert_status 0
		[ "$output" = RAN ] || { show_run; false; }
	done
	for flag in --allow-file --read-file --write-file; do
		run --separate-stderr nono run --allow-cwd "$flag" "$TEST_DIR/project/note.txt" -- sh -c 'echo RAN'
		assert_nono_error "$flag $TEST_DIR/project/note.txt: no such file"
		assert_contains "$stderr" "did you mean $flag $TEST_DIR/project/notes.txt?" stderr
		refute_contains "$output" RAN stdout
	done
	# nothing close: no suggestion, still an error
	run --separate-stderr nono run --allow-cwd --allow "$TEST_DIR/zzzzzzzzzz" -- true
	assert_nono_error "no such directory"
	refute_contains "$stderr" "did you mean" stderr
	# A profile's missing path is skipped, quietly; -v says so.
	mkdir -p "$HOME/.config/nono/profiles"
	printf '{"extends":"default","meta":{"name":"opt"},"filesystem":{"read":["%s/absent"],"read_file":["%s/project/notes.txt"]}}\n' \
		"$TEST_DIR" "$TEST_DIR" >"$HOME/.config/nono/profiles/opt.json"
	run --separate-stderr nono run --allow-cwd --profile opt -- cat "$TEST_DIR/project/notes.txt"
	assert_status 0
	[ "$output" = x ] || { show_run; false; }
	refute_contains "$stderr" "absent" stderr
	refute_contains "$stderr" "warning" stderr
	run --separate-stderr nono run -v --allow-cwd --profile opt -- true
	assert_status 0
	assert_contains "$stderr" "profile opt: filesystem.read $TEST_DIR/absent: does not exist; skipped" stderr
	# A profile's grant of the wrong kind names the key, not a flag.
	printf '{"extends":"default","meta":{"name":"kind"},"filesystem":{"allow_file":["%s/project"]}}\n' \
		"$TEST_DIR" >"$HOME/.config/nono/profiles/kind.json"
	run --separate-stderr nono run --allow-cwd --profile kind -- true
	assert_nono_error "profile kind: filesystem.allow_file $TEST_DIR/project: is a directory"
	assert_contains "$stderr" "use filesystem.allow for a directory tree" stderr
	refute_contains "$stderr" "--allow" stderr
}

@test "fs: relative grant paths are resolved" {
	cd "$TEST_DIR"
	run --separate-stderr nono run -s --allow-cwd -a ./work/../dir -- sh -c \
		"echo x >$TEST_DIR/dir/g"
	assert_status 0
	assert_file_content "$TEST_DIR/dir/g" x
}

@test "fs: a symlink grant grants its target" {
	ln -s "$TEST_DIR/dir" "$TEST_DIR/link"
	run --separate-stderr nono run --allow-cwd -a "$TEST_DIR/link" --dry-run -- true
	assert_status 0
	assert_contains "$output" "[rw] $TEST_DIR/dir" stdout

	run --separate-stderr nono run -s --allow-cwd -a "$TEST_DIR/link" -- sh -c \
		"echo x >$TEST_DIR/dir/g"
	assert_status 0
	assert_file_content "$TEST_DIR/dir/g" x
}

@test "fs: a symlink inside a grant does not reach outside it" {
	ln -s "$TEST_DIR/other" "$TEST_DIR/dir/escape"
	run --separate-stderr nono run -s --allow-cwd -a "$TEST_DIR/dir" -- sh -c \
		"cat $TEST_DIR/dir/escape/secret; echo evil >$TEST_DIR/dir/escape/planted"
	assert_status 2
	refute_contains "$output" OTHER-SECRET stdout
	assert_contains "$stderr" "Permission denied" stderr
	assert_missing "$TEST_DIR/other/planted"

	# control: with the target granted too, the symlink works
	run --separate-stderr nono run -s --allow-cwd -a "$TEST_DIR/dir" -r "$TEST_DIR/other" -- \
		cat "$TEST_DIR/dir/escape/secret"
	assert_status 0
	[ "$output" = OTHER-SECRET ] || { show_run; false; }
}

@test "fs: system directories are readable but not writable" {
	local victim="/usr/nono-cli-test-$$-$BATS_TEST_NUMBER"
	run --separate-stderr nono run -s --allow-cwd -- sh -c \
		"cat /etc/passwd >/dev/null && echo READ; echo x >$victim"
	[ -e "$victim" ] && rm -f "$victim" && {
		echo "sandboxed command created $victim" >&2
		false
	}
	assert_status 2
	assert_contains "$output" READ stdout
	assert_missing "$victim"
}

@test "fs: NONO_ALLOW grants like --allow; a --allow flag replaces it entirely" {
	mkdir "$TEST_DIR/a" "$TEST_DIR/b" "$TEST_DIR/c"
	NONO_ALLOW="$TEST_DIR/a,$TEST_DIR/b" run --separate-stderr nono run -s --allow-cwd -- sh -c \
		"echo 1 >$TEST_DIR/a/f && echo 2 >$TEST_DIR/b/f && echo 3 >$TEST_DIR/c/f"
	assert_status 2
	assert_file_content "$TEST_DIR/a/f" 1
	assert_file_content "$TEST_DIR/b/f" 2
	assert_missing "$TEST_DIR/c/f"
	rm "$TEST_DIR/a/f" "$TEST_DIR/b/f"

	NONO_ALLOW="$TEST_DIR/a,$TEST_DIR/b" run --separate-stderr nono run -s --allow-cwd \
		--allow "$TEST_DIR/c" -- sh -c \
		"echo 3 >$TEST_DIR/c/f; echo 1 >$TEST_DIR/a/f; echo 2 >$TEST_DIR/b/f"
	assert_status 2
	assert_file_content "$TEST_DIR/c/f" 3
	assert_missing "$TEST_DIR/a/f"
	assert_missing "$TEST_DIR/b/f"
}

# Issue 12: /var/tmp (shared, kept across reboots) is writable only through
# the var_tmp group.
@test "fs: /tmp is writable by default, /var/tmp only with var_tmp" {
	local probe=/var/tmp/nono-test-$$
	rm -f "$probe"
	run --separate-stderr nono run -s --allow-cwd -- sh -c "echo x >$probe"
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_missing "$probe"
	# control: the group grants it
	mkdir -p "$HOME/.config/nono/profiles"
	echo '{"extends":"default","meta":{"name":"vt"},"groups":{"include":["var_tmp"]}}' \
		>"$HOME/.config/nono/profiles/vt.json"
	run --separate-stderr nono run -s --allow-cwd --profile vt -- sh -c "echo x >$probe"
	assert_status 0
	[ -f "$probe" ] && rm -f "$probe"
}

# Issue 12: $TMPDIR is writable wherever it points, as upstream grants it,
# but guarded like an --allow of it (persistence names, repositories), and
# not when the grant would hand over more than a scratch directory.
@test "fs: \$TMPDIR outside /tmp is writable and guarded" {
	mkdir -p "$TEST_DIR/mytmp/repo/.git/hooks" proj
	TMPDIR=$TEST_DIR/mytmp run --separate-stderr nono run -v --allow-cwd -- sh -c \
		'echo x >"$TMPDIR/f" && mkdir "$TMPDIR/d" && echo y >"$TMPDIR/d/g"'
	assert_status 0
	assert_contains "$stderr" "\$TMPDIR $TEST_DIR/mytmp is writable (guarded)" stderr
	assert_file_content "$TEST_DIR/mytmp/f" x
	assert_file_content "$TEST_DIR/mytmp/d/g" y
	# guarded: no persistence name, no new repository, and a repository
	# already there keeps its hooks
	TMPDIR=$TEST_DIR/mytmp run --separate-stderr nono run -s --allow-cwd -- sh -c \
		'echo a >"$TMPDIR/.envrc"; mkdir "$TMPDIR/d/.git"; echo evil >"$TMPDIR/repo/.git/hooks/pre-commit"; exit 0'
	assert_status 0
	assert_missing "$TEST_DIR/mytmp/.envrc"
	assert_missing "$TEST_DIR/mytmp/d/.git"
	assert_missing "$TEST_DIR/mytmp/repo/.git/hooks/pre-commit"
	# control: --allow-new-repos lets a repository be made there
	TMPDIR=$TEST_DIR/mytmp run --separate-stderr nono run -s --allow-cwd --allow-new-repos -- sh -c \
		'mkdir "$TMPDIR/d/.git"'
	assert_status 0
	[ -d "$TEST_DIR/mytmp/d/.git" ]
	# nono wrap cannot guard it: not granted there
	TMPDIR=$TEST_DIR/mytmp run --separate-stderr nono wrap -v --allow-cwd -- sh -c 'echo z >"$TMPDIR/w"'
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_missing "$TEST_DIR/mytmp/w"
	assert_contains "$stderr" "nono wrap cannot guard" stderr
}

@test "fs: \$TMPDIR is not granted where it would hand over more (home, cwd, another user's, a symlink)" {
	mkdir -p "$TEST_DIR/mytmp/sub" "$HOME/tmp"
	# $HOME itself
	TMPDIR=$HOME run --separate-stderr nono run -v --allow-cwd -- sh -c 'echo x >"$TMPDIR/f"'
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_missing "$HOME/f"
	assert_contains "$stderr" "it holds the home directory" stderr
	assert_contains "$stderr" "--allow $HOME grants it" stderr
	# control: a directory in the home is granted
	TMPDIR=$HOME/tmp run --separate-stderr nono run -s --allow-cwd -- sh -c 'echo x >"$TMPDIR/f"'
	assert_status 0
	assert_file_content "$HOME/tmp/f" x
	# the directory the command runs in, not shared
	cd "$TEST_DIR/mytmp/sub"
	TMPDIR=$TEST_DIR/mytmp run --separate-stderr nono run -v -- sh -c 'echo x >"$TMPDIR/f"'
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_missing "$TEST_DIR/mytmp/f"
	assert_contains "$stderr" "it holds the current directory" stderr
	cd "$TEST_DIR"
	# another user's directory
	if [ "$(id -u)" = 0 ]; then
		chown 65534 "$TEST_DIR/mytmp/sub"
		TMPDIR=$TEST_DIR/mytmp/sub run --separate-stderr nono run -v --allow-cwd -- sh -c 'echo x >"$TMPDIR/f"'
		[ "$status" -ne 0 ] || { show_run; false; }
		assert_missing "$TEST_DIR/mytmp/sub/f"
		assert_contains "$stderr" "another user owns it" stderr
		chown 0 "$TEST_DIR/mytmp/sub"
	fi
	# The attack (F3 of the issue-12 review): a TMPDIR in /tmp is renamed
	# and replaced by a link to a repository; the next run must not get
	# the repository writable.
	local t
	t=$(mktemp -d /tmp/nono-tmpdir.XXXXXX)
	mkdir -p "$TEST_DIR/repo/.git/hooks"
	TMPDIR=$t run --separate-stderr nono run -s --allow-cwd -- sh -c "mv $t $t.old && ln -s $TEST_DIR/repo $t"
	assert_status 0
	TMPDIR=$t run --separate-stderr nono run -v --allow-cwd -- sh -c 'echo evil >"$TMPDIR/.git/hooks/pre-commit"; echo x >"$TMPDIR/f"'
	[ "$status" -ne 0 ] || { show_run; false; }
	assert_missing "$TEST_DIR/repo/.git/hooks/pre-commit"
	assert_missing "$TEST_DIR/repo/f"
	assert_contains "$stderr" "reached through a symlink" stderr
	# control: the same directory named as it is gets the guarded grant
	TMPDIR=$TEST_DIR/repo run --separate-stderr nono run -s --allow-cwd -- sh -c 'echo evil >"$TMPDIR/.git/hooks/pre-commit"; echo x >"$TMPDIR/f"'
	assert_status 0
	assert_missing "$TEST_DIR/repo/.git/hooks/pre-commit"
	assert_file_content "$TEST_DIR/repo/f" x
	rm -rf "$t" "$t.old"
}

# A writable grant named through a symlink (a shell's logical $PWD, a HOME
# under a linked /home): the gate's fast path judged the string, saw no
# grant and left it to Landlock, which refuses every write-open in a
# sealed tree.  Now such a parent is resolved first.
@test "fs: writing into a granted tree through a symlinked parent works; its guards still hold" {
	mkdir -p real/proj/sub
	ln -s "$PWD/real" alias
	run --separate-stderr nono run -s --allow-cwd --allow "$PWD/real/proj" -- sh -c "
		echo a >'$PWD/alias/proj/f'; echo f=\$?
		echo b >'$PWD/alias/proj/sub/g'; echo g=\$?
		mkdir '$PWD/alias/proj/d'; echo d=\$?
		mv '$PWD/alias/proj/f' '$PWD/alias/proj/f2'; echo mv=\$?
		echo e >'$PWD/alias/proj/.envrc' 2>/dev/null; echo envrc=\$?
		echo x >'$PWD/alias/outside' 2>/dev/null; echo out=\$?"
	assert_status 0
	for w in f=0 g=0 d=0 mv=0; do
		assert_contains "$output" "$w" stdout
	done
	refute_contains "$output" "envrc=0" stdout
	refute_contains "$output" "out=0" stdout
	assert_file_content real/proj/f2 a
	assert_file_content real/proj/sub/g b
	[ -d real/proj/d ]
	assert_missing real/proj/.envrc
	assert_missing real/outside
}

# openat2 with RESOLVE_NO_MAGICLINKS (alone or with RESOLVE_NO_SYMLINKS)
# is performed by the gate where it creates (the root of a writable grant,
# where Landlock refuses new names), honouring the flags: nono why --self's
# probe.  Other RESOLVE_* stay the kernel's.
@test "fs: openat2 with RESOLVE_NO_MAGICLINKS or NO_SYMLINKS creates at a grant's root; NO_SYMLINKS refuses a symlinked parent" {
	mkdir real && ln -s real lnk
	cat >o2.py <<'PY'
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
how = struct.pack("QQQ", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, int(sys.argv[2]))
r = libc.syscall(437, -100, sys.argv[1].encode(), how, len(how))
print("%s=%s" % (sys.argv[1], "ok" if r >= 0 else os.strerror(ctypes.get_errno())))
PY
	run nono run -s --allow . -- sh -c "$PY o2.py a 2; $PY o2.py b 6; $PY o2.py lnk/c 6; $PY o2.py lnk/d 2; $PY o2.py e 16"
	assert_contains "$output" "a=ok"
	assert_contains "$output" "b=ok"
	assert_contains "$output" "lnk/c=Too many levels of symbolic links"
	assert_contains "$output" "lnk/d=ok"
	# RESOLVE_IN_ROOT (16) is the kernel's: refused at the root, as before.
	refute_contains "$output" "e=ok"
	[ -f a ]
	[ -f b ]
	[ ! -e real/c ]
	[ -f real/d ]
	[ ! -e e ]
}
