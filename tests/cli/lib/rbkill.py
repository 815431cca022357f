#!/usr/bin/env python3
"""kill -9 at chosen points of a rollback capture and of a restore.

    rbkill.py NONO TREE N SEED

Builds a tree of small files under TREE, then N times:
  capture: `nono run --rollback` killed (SIGKILL) after a delay drawn from
    SEED; every session that has a record must pass `nono rollback
    verify`, and `nono rollback cleanup` must leave no session without one;
  restore: all files changed by a session, then `nono rollback restore`
    killed after a delay; a second restore (not killed) must give the tree
    back exactly (type, mode, size, mtime, link target, content of every
    entry) with no temporary file left.
Delays are spread over the measured time of an unkilled run.  Prints one
line per failure and a summary; exit 1 on any failure.  HOME must be a
scratch directory.
"""
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time


def oracle(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for n in sorted(dirs + files):
            p = os.path.join(d, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out.append(("l", rel, os.readlink(p), st.st_mtime_ns))
            elif os.path.isdir(p):
                out.append(("d", rel, oct(st.st_mode), st.st_mtime_ns))
            else:
                with open(p, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
                out.append(("f", rel, oct(st.st_mode), st.st_size, st.st_mtime_ns, h))
    return out


def run(args, timeout=None, kill_after=None):
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is not None:
        time.sleep(kill_after)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def sessions(nono):
    rc, out, err = run([nono, "rollback", "list", "--json"], timeout=60)
    if rc != 0:
        raise SystemExit(f"rbkill: list failed: {err.strip()}")
    return json.loads(out)


def main():
    nono, tree, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rnd = random.Random(seed)
    os.makedirs(tree, exist_ok=True)
    for d in range(40):
        os.makedirs(os.path.join(tree, f"d{d:02d}"), exist_ok=True)
        for i in range(50):
            with open(os.path.join(tree, f"d{d:02d}", f"f{i:02d}"), "w") as f:
                f.write(f"{d} {i}\n" * (1 + i))
                if i % 10 == 9:  # past a block: its change is a delta
                    f.write(f"pad {d} {i}\n" * 600)
    os.symlink("d00/f00", os.path.join(tree, "lnk"))
    grant = ["--allow", tree]
    os.chdir(tree)  # the granted tree is the working directory
    change = f"for f in {tree}/d*/f*; do echo x >> $f; done"
    failures = 0

    # How long each takes unkilled: the delays are spread over that.
    t0 = time.monotonic()
    rc, _, err = run([nono, "-s", "run", "--rollback", "--no-rollback-prompt", *grant, "--", "sh", "-c", change], timeout=120)
    t_run = time.monotonic() - t0
    if rc != 0:
        raise SystemExit(f"rbkill: a session failed: {err.strip()}")
    sid = sessions(nono)[0]["id"]
    t0 = time.monotonic()
    rc, _, err = run([nono, "rollback", "restore", sid], timeout=120)
    t_restore = time.monotonic() - t0
    if rc != 0:
        raise SystemExit(f"rbkill: a restore failed: {err.strip()}")

    for k in range(n):
        # capture (the baseline, the command, the last snapshot)
        delay = rnd.uniform(0, t_run)
        known = {s["id"] for s in sessions(nono)}
        run([nono, "-s", "run", "--rollback", "--no-rollback-prompt", *grant, "--", "sh", "-c", change],
            timeout=120, kill_after=delay)
        for s in sessions(nono):
            if s["id"] in known:
                continue
            if s.get("state") == "unreadable":
                continue  # no record: cleanup below
            rc, out, err = run([nono, "rollback", "verify", s["id"]], timeout=120)
            if rc != 0:
                failures += 1
                print(f"capture kill at {delay:.3f}s: verify {s['id']}: {(out + err).strip()}", flush=True)
        # The newest 20 kept: listing and marking stay as fast as in the
        # first rounds.
        run([nono, "rollback", "cleanup", "--keep", "20"], timeout=120)
        for s in sessions(nono):
            if s.get("state") == "unreadable":
                failures += 1
                print(f"capture kill at {delay:.3f}s: {s['id']} left without a record", flush=True)
        # restore: a session that changed every file, its restore killed,
        # then run again
        before = oracle(tree)
        rc, _, err = run([nono, "-s", "run", "--rollback", "--no-rollback-prompt", *grant, "--", "sh", "-c", change], timeout=120)
        if rc != 0:
            raise SystemExit(f"rbkill: a session failed: {err.strip()}")
        sid = sessions(nono)[0]["id"]
        delay = rnd.uniform(0, t_restore)
        run([nono, "rollback", "restore", sid], timeout=120, kill_after=delay)
        rc, out, err = run([nono, "rollback", "restore", sid], timeout=120)
        after = oracle(tree)
        left = [e[1] for e in after if ".nono-rb-" in e[1]]
        if rc != 0 or left or after != before:
            failures += 1
            diff = [e for e in after if e not in before][:3]
            print(f"restore kill at {delay:.3f}s: rc {rc} {err.strip()} left {left[:3]} differs {diff}", flush=True)
        if (k + 1) % 50 == 0:
            print(f"rbkill: {k + 1} rounds, {failures} failures so far", flush=True)
    print(f"rbkill: {n} capture kills and {n} restore kills, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
