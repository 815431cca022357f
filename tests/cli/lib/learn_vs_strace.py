#!/usr/bin/env python3
"""nono learn's record against strace's (the ground truth).

Usage: learn_vs_strace.py STRACE_LOG REPORT HOME ROOT

STRACE_LOG: `strace -f -qq -y -e trace=%file` of the command, unsandboxed;
REPORT: `nono learn --all` of the same command (the text report).  Every
path below ROOT that strace shows opened or executed successfully must be
in the report: one of its items (what the profile lacks, what it already
allows) or below a directory item.  Prints each missing path and a last
line "N missing, M checked"; exits 1 when any is missing."""
import os
import re
import sys

log, report, home, root = sys.argv[1:5]
root = os.path.realpath(root)
NEEDS_GRANT = ("open", "openat", "openat2", "creat", "execve", "execveat")
line_re = re.compile(r'^\d+\s+(\w+)\((.*)\) = (-?\d+)')
arg_re = re.compile(r'^(?:(AT_FDCWD|\d+)<([^>]*)>, )?"((?:[^"\\]|\\.)*)"')

seen = set()
for line in open(log, errors="replace"):
    m = line_re.match(line.strip())
    if not m or m.group(1) not in NEEDS_GRANT or int(m.group(3)) < 0:
        continue
    a = arg_re.match(m.group(2))
    if not a:
        continue
    base, path = a.group(2), a.group(3)
    if not path.startswith("/"):
        if not base:
            continue
        path = os.path.join(base, path)
    path = os.path.normpath(path)
    if path == root or path.startswith(root + "/"):
        seen.add(path)

items = []
for line in open(report, errors="replace"):
    m = re.match(r'^  --[a-z-]+ +(\S.*?)(?:  \(\d+ access(?:es)?\))?$', line.rstrip("\n"))
    if m:
        p = m.group(1)
        if p.startswith("~"):
            p = home + p[1:]
        items.append(os.path.normpath(p))

missing = [p for p in sorted(seen)
           if not any(p == i or p.startswith(i.rstrip("/") + "/") for i in items)]
for p in missing:
    print("missing:", p)
print("%d missing, %d checked" % (len(missing), len(seen)))
sys.exit(1 if missing or not seen else 0)
