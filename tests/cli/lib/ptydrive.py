#!/usr/bin/env python3
"""Drives a command on a real terminal (a pty), as a user would.

    ptydrive.py [--rows R] [--cols C] [--log FILE] [--timeout S] \\
        STEP... -- COMMAND [ARGS...]

Steps, in order (each bounded by --timeout, default 15 s):
    expect:TEXT    wait until the output so far contains TEXT
    expect-re:RE   the same with a regular expression (bytes, DOTALL)
    send:TEXT      type TEXT (Python escapes: \\r, \\x1d, \\x03...)
    sleep:S        wait S seconds, reading output
    resize:RxC     change the window size (the command gets SIGWINCH)
    signal:NAME    send a signal to the command's process
    close          hang up the terminal (close the master)
    on:TEXT=>KEYS  from now on, when TEXT appears (again), type KEYS once
                   per appearance (a question that may or may not come)
    ondelay:S      the on: steps after it type their keys S seconds after
                   TEXT appears (a question that ignores early keys)
In send: and on: keys, {code} stands for the digits of the last question
nono's capability elevation showed ("once: type oNN").
    wait           wait for the command to exit
At the end (after `wait`, or when the steps are done and the command
exits within the timeout) it prints "EXIT <code>" ("EXIT signal N" for a
signal, "EXIT none" when it still runs, then kills it) and writes
everything the terminal showed to --log.  A step that times out prints
"TIMEOUT <step>" and exits 3.  Nothing here is random.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    rows, cols, log, timeout = 24, 80, None, 15.0
    steps = []
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--rows":
            rows = int(args.pop(0))
        elif a == "--cols":
            cols = int(args.pop(0))
        elif a == "--log":
            log = args.pop(0)
        elif a == "--timeout":
            timeout = float(args.pop(0))
        else:
            steps.append(a)
    if not args:
        sys.exit("ptydrive: no command")
    cmd = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = bytearray()
    status = None
    triggers = []  # [text, keys, times seen, delay, [times due]]
    ondelay = 0.0

    def pump(wait):
        nonlocal status
        if fd < 0:
            time.sleep(wait)
            return
        r, _, _ = select.select([fd], [], [], wait)
        if r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                d = b""
            out.extend(d)
            for t in triggers:
                while bytes(out).count(t[0]) > t[2]:
                    t[2] += 1
                    t[4].append(time.time() + t[3])
        for t in triggers:
            while fd >= 0 and t[4] and t[4][0] <= time.time():
                t[4].pop(0)
                os.write(fd, with_code(t[1]))
        if status is None:
            w, st = os.waitpid(pid, os.WNOHANG)
            if w == pid:
                status = st

    def with_code(keys):
        codes = re.findall(rb"once: type o(\d\d)", bytes(out))
        return keys.replace(b"{code}", codes[-1] if codes else b"??")

    def done():
        if log:
            with open(log, "wb") as f:
                f.write(bytes(out))

    for step in steps:
        name, _, arg = step.partition(":")
        deadline = time.time() + timeout
        if name in ("expect", "expect-re"):
            want = arg.encode().decode("unicode_escape").encode("latin-1")
            while True:
                text = bytes(out)
                if name == "expect" and want in text:
                    break
                if name == "expect-re" and re.search(want, text, re.S):
                    break
                if time.time() > deadline:
                    done()
                    print("TIMEOUT", step)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    sys.exit(3)
                pump(0.05)
        elif name == "send":
            os.write(fd, with_code(
                arg.encode().decode("unicode_escape").encode("latin-1")))
            pump(0.01)
        elif name == "sleep":
            end = time.time() + float(arg)
            while time.time() < end:
                pump(0.05)
        elif name == "resize":
            r, c = arg.split("x")
            fcntl.ioctl(fd, termios.TIOCSWINSZ,
                        struct.pack("HHHH", int(r), int(c), 0, 0))
            pump(0.01)
        elif name == "signal":
            os.kill(pid, getattr(signal, arg))
            pump(0.01)
        elif name == "on":
            text, _, keys = arg.partition("=>")
            dec = lambda x: x.encode().decode("unicode_escape").encode("latin-1")
            triggers.append([dec(text), dec(keys), bytes(out).count(dec(text)),
                             ondelay, []])
        elif name == "ondelay":
            ondelay = float(arg)
        elif name == "close":
            os.close(fd)
            fd = -1
        elif name == "wait":
            while status is None:
                if time.time() > deadline:
                    done()
                    print("TIMEOUT", step)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    sys.exit(3)
                pump(0.05)
        else:
            sys.exit("ptydrive: unknown step " + step)
    # The rest of the output, if it has exited (or exits now).
    deadline = time.time() + timeout
    while status is None and time.time() < deadline and "wait" in steps:
        pump(0.05)
    for _ in range(20):
        if fd < 0:
            break
        r, _, _ = select.select([fd], [], [], 0.02)
        if not r:
            break
        try:
            d = os.read(fd, 65536)
        except OSError:
            break
        if not d:
            break
        out.extend(d)
    if status is None:
        w, st = os.waitpid(pid, os.WNOHANG)
        if w == pid:
            status = st
    done()
    if status is None:
        print("EXIT none")
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    elif os.WIFSIGNALED(status):
        print("EXIT signal", os.WTERMSIG(status))
    else:
        print("EXIT", os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
