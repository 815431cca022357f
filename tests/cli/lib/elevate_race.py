#!/usr/bin/env python3
"""Capability elevation's race (tests/cli/elevate.bats, bench/elevate-race-long.sh).

    elevate_race.py APPROVED OTHER N

One thread rewrites the path buffer between APPROVED and OTHER, a second
swaps the symlink ./link between them, while the main thread opens and
reads N times (alternately through the buffer and through the link).
Prints "good=G bad=B refused=R": bad counts reads of anything but
APPROVED's bytes ("APPROVED-BYTES\n"), which must never happen when only
APPROVED was approved.
"""
import ctypes, os, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
ok, other, n = sys.argv[1].encode(), sys.argv[2].encode(), int(sys.argv[3])
buf = ctypes.create_string_buffer(4096)
buf.value = ok
stop = False
def rewrite():
    a, b = ok + b"\0", other + b"\0"
    while not stop:
        ctypes.memmove(buf, a, len(a))
        ctypes.memmove(buf, b, len(b))
swaps = 0
def swap():
    global swaps
    i = 0
    while not stop:
        try:
            os.symlink(ok if i % 2 else other, b"link.new")
            os.rename(b"link.new", b"link")
            swaps += 1
        except OSError:
            pass
        i += 1
for f in (rewrite, swap):
    threading.Thread(target=f, daemon=True).start()
good = bad = refused = 0
for i in range(n):
    fd = libc.open(buf if i % 2 else ctypes.c_char_p(b"link"), os.O_RDONLY)
    if fd < 0:
        refused += 1
        continue
    data = os.read(fd, 64)
    os.close(fd)
    if data == b"APPROVED-BYTES\n":
        good += 1
    else:
        bad += 1
stop = True
print("good=%d bad=%d refused=%d swaps=%d" % (good, bad, refused, swaps))
