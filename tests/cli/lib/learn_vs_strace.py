#!/usr/bin/env python3
"""nono learn's record against strace's (the ground truth).

Usage: learn_vs_strace.py STRACE_LOG REPORT HOME ROOT

STRACE_LOG: `strace -f -qq -y -e trace=%file,%network` of the command,
unsandboxed; REPORT: `nono learn --all` of the same command (the text
report).  Every path below ROOT that strace shows opened or executed
successfully must be in the report: one of its items (what the profile
lacks, what it already allows) or below a directory item; and every inet
connect strace shows made (0, or EINPROGRESS) must be listed ("connect
ADDR port PORT").  Prints each missing one and a last line "N missing, M
checked"; exits 1 when any is missing."""
import os
import re
import sys

log, report, home, root = sys.argv[1:5]
root = os.path.realpath(root)
NEEDS_GRANT = ("open", "openat", "openat2", "creat", "execve", "execveat")
line_re = re.compile(r'^\d+\s+(\w+)\((.*)\) = (-?\d+)')
arg_re = re.compile(r'^(?:(AT_FDCWD|\d+)<([^>]*)>, )?"((?:[^"\\]|\\.)*)"')

conn_re = re.compile(r'^\d+\s+connect\(\d+(?:<[^>]*>)?, \{sa_family=AF_INET6?, '
                     r'sin6?_port=htons\((\d+)\), (?:sin6_flowinfo=[^,]*, )?'
                     r'(?:sin_addr=inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)", &sin6_addr\))'
                     r'.*\) = (?:0|-1 EINPROGRESS)')
seen = set()
conns = set()
for line in open(log, errors="replace"):
    c = conn_re.match(line.strip())
    if c:
        conns.add("%s port %s" % (c.group(2) or c.group(3), c.group(1)))
        continue
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
listed = set()
for line in open(report, errors="replace"):
    c = re.match(r'^  connect +(\S+ port \d+)', line)
    if c:
        listed.add(c.group(1))
        continue
    m = re.match(r'^  --[a-z-]+ +(\S.*?)(?:  \(\d+ access(?:es)?\))?$', line.rstrip("\n"))
    if m:
        p = m.group(1)
        if p.startswith("~"):
            p = home + p[1:]
        items.append(os.path.normpath(p))

missing = [p for p in sorted(seen)
           if not any(p == i or p.startswith(i.rstrip("/") + "/") for i in items)]
missing += sorted("connect " + c for c in conns - listed)
for p in missing:
    print("missing:", p)
print("%d missing, %d checked" % (len(missing), len(seen) + len(conns)))
sys.exit(1 if missing or not (seen or conns) else 0)
