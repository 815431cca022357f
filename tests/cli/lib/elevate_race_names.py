#!/usr/bin/env python3
"""Capability elevation's race for renames (tests/cli/elevate.bats).

    elevate_race_names.py OUT N

In a directory below the working directory (writable), a thread keeps swapping the name
"a" between a regular file and a symlink (to OUT/decoy) while the main
thread renames "a" to OUT/a N times; OUT is outside the grants, so each
rename is elevation's, approved for the session, as is the removal that
clears OUT/a after each success.  Prints "good=G bad=B refused=R
swaps=S": bad counts anything but a regular file arriving at OUT/a,
which must never happen (only regular files are ever moved).
"""
import os, stat, sys, threading
out, n = sys.argv[1], int(sys.argv[2])
# Below the grant's root, where Landlock alone decides the swaps (at the
# root the supervisor performs them, one at a time with the renames).
os.makedirs("race", exist_ok=True)
os.chdir("race")
dst = os.path.join(out, "a")
stop = False
swaps = 0
def swap():
    global swaps
    i = 0
    while not stop:
        try:
            if i % 2:
                os.symlink(os.path.join(out, "decoy"), "a.new")
            else:
                with open("a.new", "w") as f:
                    f.write("GOOD\n")
            os.rename("a.new", "a")
            swaps += 1
        except OSError:
            pass
        i += 1
threading.Thread(target=swap, daemon=True).start()
good = bad = refused = 0
for i in range(n):
    try:
        os.rename("a", dst)
    except OSError:
        refused += 1
        continue
    st = os.lstat(dst)
    if stat.S_ISREG(st.st_mode):
        good += 1
    else:
        bad += 1
    os.unlink(dst)
stop = True
print("good=%d bad=%d refused=%d swaps=%d" % (good, bad, refused, swaps))
