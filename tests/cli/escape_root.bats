#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154  # $vars for the inner sh; bats sets $stderr
# Issue 10, escape 10: a root-run command kept every capability and the
# mount API Landlock does not mediate.  As root, mount_setattr(2) cleared
# the read-only flag on .git/hooks and open_tree(2) cloned a mount without
# nono's masks; user namespaces handed those powers to anyone.  The suite
# runs as root and as nobody: the same refusals hold for both.

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

# Runs each call named on the command line and prints "<name> <errno>"
# (0: it succeeded).  Forks for the namespace calls, so that a success
# changes nothing here.
SYSCALLS='
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
attr = (ctypes.c_uint64 * 4)(0, 1, 0, 0)   # attr_clr = MOUNT_ATTR_RDONLY
calls = {
    "unshare-user": (272, (0x10000000,)),
    "unshare-mnt": (272, (0x00020000,)),
    "clone-user": (56, (0x10000000 | 17, 0, 0, 0, 0)),
    "setns": (308, (-1, 0)),
    "open_tree": (428, (-100, b"/", 1)),
    "mount_setattr": (442, (-100, b"/tmp", 0, attr, 32)),
    "fsopen": (430, (b"tmpfs", 1)),
    "fspick": (433, (-100, b"/tmp", 0)),
    "clone3": (435, (0, 0)),
}
for name in sys.argv[1:]:
    nr, args = calls[name]
    pid = os.fork()
    if pid == 0:
        r = libc.syscall(nr, *args)
        e = ctypes.get_errno() if r < 0 else 0
        if r == 0 and name == "clone-user":
            os._exit(0)        # the new child
        os._exit(e)
    _, st = os.waitpid(pid, 0)
    print(name, os.waitstatus_to_exitcode(st))
'

@test "escape 10: the command holds no capability, whoever runs nono" {
	run --separate-stderr nono run -s --allow-cwd -- \
		sh -c 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status'
	assert_status 0
	local line n=0
	while read -r line; do
		n=$((n + 1))
		# An unprivileged user cannot shrink its bounding set (and
		# no_new_privs makes it moot); root's is emptied.
		[ "$(id -u)" != 0 ] && [[ "$line" == CapBnd* ]] && continue
		[ "${line##*:}" = "$(printf '\t0000000000000000')" ] || {
			echo "capability left: $line" >&2
			show_run
			false
		}
	done <<<"$output"
	[ "$n" = 5 ] || { show_run; false; }
	# with the masks' user namespace too (a writable grant over $HOME)
	mkdir -p "$HOME/.ssh"
	run --separate-stderr nono run -s --allow-cwd --allow "$HOME" -- \
		sh -c 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status'
	assert_status 0
	refute_contains "$output" "ffff" stdout
	# control: outside nono, root holds them (nobody holds none anyway)
	if [ "$(id -u)" = 0 ]; then
		run grep -E '^CapEff' /proc/self/status
		refute_contains "$output" "0000000000000000"
	fi
}

@test "escape 10: the mount API, setns and new namespaces are refused inside" {
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c "$SYSCALLS" \
		unshare-user unshare-mnt clone-user setns open_tree \
		mount_setattr fsopen fspick clone3
	assert_status 0
	assert_contains "$output" "unshare-user 1" stdout
	assert_contains "$output" "unshare-mnt 1" stdout
	assert_contains "$output" "clone-user 1" stdout
	assert_contains "$output" "setns 1" stdout
	assert_contains "$output" "open_tree 1" stdout
	assert_contains "$output" "mount_setattr 1" stdout
	assert_contains "$output" "fsopen 1" stdout
	assert_contains "$output" "fspick 1" stdout
	# clone3 says "not here", so that libraries fall back to clone
	assert_contains "$output" "clone3 38" stdout
	# threads and child processes still start
	run --separate-stderr nono run -s --allow-cwd -- "$PY" -c '
import subprocess, threading
t = threading.Thread(target=print, args=("thread",)); t.start(); t.join()
print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout.strip())'
	assert_status 0
	assert_contains "$output" "thread" stdout
	assert_contains "$output" "child" stdout
	# control: outside nono a user namespace can be made here
	if [ "$HOST_USERNS" = 1 ]; then
		run "$PY" -c "$SYSCALLS" unshare-user clone-user
		assert_contains "$output" "unshare-user 0"
		assert_contains "$output" "clone-user 0"
	fi
}

@test "escape 10: mount_setattr and open_tree cannot write the read-only .git/hooks (root: the reproduced attack)" {
	require_userns
	mkdir -p proj/.git/hooks proj/.git/objects
	echo ORIGINAL >proj/.git/hooks/post-checkout
	cd proj
	run --separate-stderr nono run -s --allow . -- "$PY" -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
attr = (ctypes.c_uint64 * 4)(0, 1, 0, 0)
r = libc.syscall(442, -100, b".git/hooks", 0, attr, 32)
print("mount_setattr", 0 if r == 0 else ctypes.get_errno())
try:
    open(".git/hooks/post-checkout", "w").write("evil\n"); print("write ok")
except OSError as e:
    print("write", e.errno)
fd = libc.syscall(428, -100, b".", 1)        # OPEN_TREE_CLONE, not recursive
print("open_tree", 0 if fd >= 0 else ctypes.get_errno())
if fd >= 0:
    try:
        w = os.open(".git/hooks/post-checkout", os.O_WRONLY | os.O_TRUNC, dir_fd=fd)
        os.write(w, b"evil\n"); print("clone write ok")
    except OSError as e:
        print("clone write", e.errno)
'
	assert_status 0
	assert_contains "$output" "mount_setattr 1" stdout
	assert_contains "$output" "write 30" stdout
	assert_contains "$output" "open_tree 1" stdout
	assert_file_content .git/hooks/post-checkout ORIGINAL
	# control: the rest of the tree is writable
	run nono run -s --allow . -- sh -c 'echo ok >file'
	assert_status 0
	assert_file_content file ok
}
