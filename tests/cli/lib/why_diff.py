#!/usr/bin/env python3
"""Differential test of `nono why` against `nono run`.

For several sandbox configurations (flags, and a profile), generates path
and operation cases over a fixture tree (project with a repository,
a home with credentials and rc files, other trees), asks `nono why --json`
for each, then performs every case inside one `nono run` of the same
configuration and compares. Prints each disagreement and a summary line
"checked N cases, M disagreements"; exits 1 on any disagreement.

usage: why_diff.py NONO ROOT   (ROOT: an empty directory, outside /tmp)
"""
import json
import os
import subprocess
import sys

NONO, ROOT = sys.argv[1], os.path.realpath(sys.argv[2])
HOME = os.path.join(ROOT, "home")
PROJ = os.path.join(ROOT, "proj")
OTHER = os.path.join(ROOT, "other")
MARK = "nono-why-fixture"

FILES = [
    "home/.ssh/id_rsa", "home/.aws/credentials", "home/.bashrc",
    "home/.gitconfig", "home/notes.txt", "home/.cache/tool/data",
    "home/.config/app/settings", "proj/README", "proj/src/main.c",
    "proj/.git/config", "proj/.git/hooks/pre-commit", "proj/.git/HEAD",
    "proj/.envrc", "proj/secret/token", "proj/sub/.vscode/settings.json",
    "other/data.txt", "other/deep/more.txt",
]
DIRS = ["home", "home/.ssh", "home/.cache", "home/.config/app", "proj",
        "proj/src", "proj/.git", "proj/.git/hooks", "proj/secret", "proj/sub",
        "other", "other/deep"]
MISSING = ["proj/new.txt", "proj/src/new.c", "proj/.git/hooks/post-merge",
           "proj/.envrc.new", "proj/.gitmodules", "home/.newtool",
           "home/.ssh/new_key", "home/.profile", "other/new.txt",
           "home/.cache/tool/new", "proj/secret/new"]


def make_fixture():
    for d in DIRS:
        os.makedirs(os.path.join(ROOT, d), exist_ok=True)
    for f in FILES:
        os.makedirs(os.path.dirname(os.path.join(ROOT, f)), exist_ok=True)
        with open(os.path.join(ROOT, f), "w") as fh:
            fh.write(MARK + "\n")
    os.makedirs(os.path.join(HOME, ".config", "nono", "profiles"),
                exist_ok=True)
    with open(os.path.join(HOME, ".config/nono/profiles/diff.json"), "w") as f:
        json.dump({"extends": "default",
                   "filesystem": {"allow": ["$WORKDIR"],
                                  "read": [OTHER],
                                  "deny": ["$WORKDIR/secret"]},
                   "groups": {"include": ["user_caches"]},
                   "workdir": {"access": "readwrite"}}, f)


CONFIGS = {
    "allow-proj": ["--allow", PROJ],
    "read-proj-allow-other": ["--read", PROJ, "--allow", OTHER],
    "profile": ["--profile", "diff"],
    "allow-home": ["--allow", HOME, "--read", OTHER, "--allow-cwd"],
    "files": ["--read-file", os.path.join(PROJ, "README"),
              "--allow-file", os.path.join(OTHER, "data.txt"),
              "--allow-cwd"],
}

PROBE = r'''
import json, os, sys
MARK = sys.argv[1]
out = {}
for case in sys.argv[2:]:
    op, kind, path = case.split(":", 2)
    ok = False
    try:
        if op == "read" and kind == "file":
            with open(path) as f:
                ok = f.read().startswith(MARK)
        elif op == "read" and kind == "dir":
            ok = len(os.listdir(path)) > 0
        elif op == "write" and kind == "file":
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            os.close(fd)
            ok = True
        elif op == "write" and kind == "dir":
            p = os.path.join(path, ".nono-probe-%d" % os.getpid())
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            os.unlink(p)
            ok = True
        elif op == "write" and kind == "missing":
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            os.unlink(path)
            ok = True
    except OSError:
        ok = False
    out[case] = ok
print(json.dumps(out))
'''


def cases():
    for f in FILES:
        for op in ("read", "write"):
            yield op, "file", os.path.join(ROOT, f)
    for d in DIRS:
        for op in ("read", "write"):
            yield op, "dir", os.path.join(ROOT, d)
    for m in MISSING:
        yield "write", "missing", os.path.join(ROOT, m)


def main():
    make_fixture()
    env = dict(os.environ, HOME=HOME)
    env.pop("XDG_CONFIG_HOME", None)
    checked = disagree = 0
    reasons = {}
    for name, flags in CONFIGS.items():
        allcases = list(cases())
        expect = {}
        for op, kind, path in allcases:
            r = subprocess.run([NONO, "why", "--json", "--path", path,
                                "--op", op] + flags, cwd=PROJ, env=env,
                               capture_output=True, text=True)
            if r.returncode != 0:
                print("why failed for %s %s %s: %s" % (name, op, path,
                                                       r.stderr.strip()))
                return 2
            expect["%s:%s:%s" % (op, kind, path)] = json.loads(r.stdout)
        r = subprocess.run([NONO, "run", "-s", "--no-diagnostics"] + flags +
                           ["--", os.environ.get("PY", "/usr/bin/python3"), "-c", PROBE, MARK] +
                           list(expect), cwd=PROJ, env=env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("run failed for %s: %s" % (name, r.stderr.strip()))
            return 2
        got = json.loads(r.stdout)
        for case, v in expect.items():
            checked += 1
            reasons[v["reason"]] = reasons.get(v["reason"], 0) + 1
            want = v["status"] == "allowed"
            if got[case] != want:
                disagree += 1
                print("DISAGREE [%s] %s: why says %s (%s), run %s" % (
                    name, case, v["status"], v["reason"],
                    "succeeded" if got[case] else "was refused"))
    print("reasons: " + ", ".join("%s %d" % kv for kv in sorted(reasons.items())))
    print("checked %d cases, %d disagreements" % (checked, disagree))
    return 1 if disagree else 0


sys.exit(main())
