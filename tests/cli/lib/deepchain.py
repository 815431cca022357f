#!/usr/bin/env python3
"""Builds, in the current directory, a chain of directories nested deeper
than a path can name: chains of 1,800 levels ("x/x/...") made one below
the other by renames, K of them, the whole at ./deep.  (mkdir past
PATH_MAX is what a sandbox gets refused; renaming a chain into the bottom
of another is not.)

    deepchain.py K
"""
import os
import sys


def chain(root, top, n):
    os.mkdir(top, dir_fd=root)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY, dir_fd=root)
    for _ in range(n):
        os.mkdir("x", dir_fd=fd)
        nfd = os.open("x", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    return fd


root = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
os.close(chain(root, "t0", 1800))
k = 0
for k in range(1, int(sys.argv[1])):
    bottom = chain(root, f"t{k}", 1800)
    os.rename(f"t{k - 1}", "y", src_dir_fd=root, dst_dir_fd=bottom)
    os.close(bottom)
os.rename(f"t{k}", "deep", src_dir_fd=root, dst_dir_fd=root)
print("depth", 1801 * int(sys.argv[1]))
