#!/usr/bin/env python3
"""Rewrites an audit trail consistently, as someone with write access to
~/.nono/audit but no signing key could (audit.bats):

  audit_rechain.py AUDIT_DIR SESSION_ID exit_code|ledger

exit_code: the session's record says exit code 0; ledger: ledger entry 1
(an older session) gets another Merkle root.  Either way every later
record's ledger.root_before, every entry's session_sha256 and the ledger's
chain are recomputed, so that only a signature can tell."""
import hashlib, json, os, sys

aud, sid, change = sys.argv[1:4]
H = lambda b: hashlib.sha256(b).digest()


def mth(leaves):
    if not leaves:
        return H(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


events = []
for line in open(os.path.join(aud, "ledger.ndjson"), "rb").read().splitlines():
    events.append(line[line.index(b',"event":') + 9:-1])
if change == "ledger":
    e = json.loads(events[0])
    e["merkle_root"] = "00" * 32
    events[0] = json.dumps(e, separators=(",", ":")).encode()
for i, raw_ev in enumerate(events):
    e = json.loads(raw_ev)
    path = os.path.join(aud, e["id"], "session.json")
    if not os.path.exists(path):
        continue
    rec = json.load(open(path))
    if change == "exit_code" and e["id"] == sid:
        rec["exit_code"] = 0
    if rec.get("ledger"):
        rec["ledger"]["root_before"] = mth([H(b"\x00" + x) for x in events[:i]]).hex()
    raw = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
    open(path, "wb").write(raw)
    e["session_sha256"] = hashlib.sha256(raw).hexdigest()
    events[i] = json.dumps(e, separators=(",", ":")).encode()
head = H(b"nono-audit-ledger-v1")
out = b""
for n, ev in enumerate(events, 1):
    leaf = H(b"\x00" + ev)
    new = H(head + leaf)
    out += b'{"seq":%d,"prev":"%s","leaf":"%s","head":"%s","event":%s}\n' % (
        n, head.hex().encode(), leaf.hex().encode(), new.hex().encode(), ev)
    head = new
open(os.path.join(aud, "ledger.ndjson"), "wb").write(out)
try:
    os.unlink(os.path.join(aud, "ledger.state"))
except FileNotFoundError:
    pass
