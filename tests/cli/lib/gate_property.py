# Property test of the gate's decisions (issue 10): from a fixed seed, a
# sequence of random create, mkdir, rename, exchange, link, symlink, unlink
# and bind operations on names drawn from a small alphabet that includes the
# persistence names, in a tree that is a repository; every outcome is
# allowed.  At the end, from inside, it tries to plant each persistence
# target and to reach the host socket, and prints what it managed: the test
# expects nothing.  Deterministic: the same seed makes the same sequence.
import ctypes, os, random, socket, sys

seed, ops, host_sock = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if len(sys.argv) > 4:
    os.chdir(sys.argv[4])   # the repository (nono was started below it)
rnd = random.Random(seed)
libc = ctypes.CDLL(None, use_errno=True)

NAMES = [".git", ".envrc", "hooks", "config", "commondir", "a", "b", "c",
         "sub", ".vscode", "x.sock", "post-checkout", "modules", "info",
         "attributes", ".claude", "settings.json", ".mcp.json"]
DIRS = [".", "sub", ".git", ".git/hooks", ".git/info", "a", "b", "sub/a",
        ".claude", "a/.claude", "sub/a/.claude"]


def path():
    return os.path.join(rnd.choice(DIRS), rnd.choice(NAMES))


def step():
    op = rnd.randrange(9)
    p, q = path(), path()
    try:
        if op == 0:
            with open(p, "w") as f:
                f.write("#!/bin/sh\ntouch PWNED\n")
        elif op == 1:
            os.mkdir(p)
        elif op == 2:
            os.rename(p, q)
        elif op == 3:
            libc.renameat2(-100, p.encode(), -100, q.encode(), 2)
        elif op == 4:
            os.link(p, q)
        elif op == 5:
            os.symlink(rnd.choice([host_sock, "../" + rnd.choice(NAMES),
                                   "/tmp"]), p)
        elif op == 6:
            os.unlink(p)
        elif op == 7:
            s = socket.socket(socket.AF_UNIX)
            s.bind(p)
            s.listen(1)
            KEEP.append(s)
        else:
            os.rmdir(p)
    except OSError:
        pass


KEEP = []
for _ in range(ops):
    step()

# What an attacker wants at the end: each must fail.
TARGETS = [".envrc", ".git/hooks/post-checkout", ".git/config",
           ".git/commondir", ".git/info/attributes", ".git/modules/m/config",
           "sub/.envrc", ".vscode/tasks.json", ".claude/settings.json",
           "a/.claude/settings.json", "sub/a/.claude/settings.json",
           ".mcp.json", "a/.mcp.json", "sub/a/.mcp.json"]
for t in TARGETS:
    try:
        os.makedirs(os.path.dirname(t) or ".", exist_ok=True)
    except OSError:
        pass
    try:
        with open(t, "a") as f:
            f.write("[core]\n\tfsmonitor = touch PWNED\n")
        print("PLANTED", t)
    except OSError:
        pass
for cand in [host_sock, "x.sock", "sub/x.sock", ".git/x.sock"]:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(1)
        s.connect(cand)
        s.settimeout(0.3)
        try:
            if s.recv(4) == b"PONG":
                print("REACHED", cand)
        except socket.timeout:
            pass
    except OSError:
        pass
print("done", seed)
