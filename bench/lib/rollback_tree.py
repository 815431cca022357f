#!/usr/bin/env python3
"""The rollback benches' tree: N files of 1..24 KiB (random slices of one
64 KiB random block, then the file's number) in N/50 directories, the same
for every run (seed 15).  Usage: rollback_tree.py ROOT N"""
import os
import random
import sys

root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(15)
dirs = max(1, n // 50)
for d in range(dirs):
    os.makedirs(os.path.join(root, "d%04d" % d), exist_ok=True)
block = bytes(rnd.getrandbits(8) for _ in range(65536))
for i in range(n):
    size = rnd.randint(1, 24576)
    off = rnd.randint(0, len(block) - size)
    with open(os.path.join(root, "d%04d" % (i % dirs), "f%06d" % i), "wb") as f:
        f.write(block[off:off + size] + str(i).encode())
