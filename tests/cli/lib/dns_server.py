#!/usr/bin/env python3
"""A DNS server for tests (tests/cli/learn.bats): on 127.0.0.1:53 (UDP),
answers A queries for names ending in .learn.test with 127.0.0.1; every
other query gets an empty answer.  Writes "ready" to the file given, then
serves until killed, appending each name asked to the second file given
(if any)."""
import socket, struct, sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1], "w").write("ready\n")
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
    question = q[12:i + 5]
    name = ".".join(labels).lower()
    if len(sys.argv) > 2:
        with open(sys.argv[2], "a") as log:
            log.write(name + "\n")
    hit = name.endswith(".learn.test") and qtype == 1
    head = struct.pack(">HHHHHH", struct.unpack(">H", q[:2])[0], 0x8180, 1,
                       1 if hit else 0, 0, 0)
    ans = (b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) +
           socket.inet_aton("127.0.0.1")) if hit else b""
    s.sendto(head + question + ans, peer)
