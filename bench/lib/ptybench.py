#!/usr/bin/env python3
"""Terminal benchmarks for sessions (bench/bench-session.sh).

    ptybench.py throughput CMD...   seconds to read everything CMD prints
                                    on a pty (it runs to the end)
    ptybench.py latency N CMD...    CMD echoes what it reads (cat on a
                                    terminal): N keystrokes, one at a time,
                                    each timed to its echo; prints p50 and
                                    p99 in microseconds
    ptybench.py until TEXT CMD...   milliseconds from the start of CMD to
                                    TEXT in its output (then kills it)
"""
import os
import pty
import select
import signal
import sys
import time


def spawn(cmd):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    return pid, fd


def throughput(cmd):
    t0 = time.perf_counter()
    pid, fd = spawn(cmd)
    n = 0
    while True:
        try:
            d = os.read(fd, 1 << 16)
        except OSError:
            break
        if not d:
            break
        n += len(d)
    os.waitpid(pid, 0)
    dt = time.perf_counter() - t0
    print("%.3f %d" % (dt, n))


def latency(count, cmd):
    pid, fd = spawn(cmd)
    time.sleep(1.0)  # let it start (nono's banner, the shell)
    while select.select([fd], [], [], 0.2)[0]:
        os.read(fd, 65536)
    samples = []
    for i in range(count):
        ch = b"abcdefghijklmnopqrstuvwxyz"[i % 26:i % 26 + 1]
        t0 = time.perf_counter()
        os.write(fd, ch)
        got = b""
        while ch not in got:
            r, _, _ = select.select([fd], [], [], 5)
            if not r:
                print("no echo", file=sys.stderr)
                sys.exit(1)
            got += os.read(fd, 4096)
        samples.append((time.perf_counter() - t0) * 1e6)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    samples.sort()
    print("%.1f %.1f" % (samples[len(samples) // 2],
                         samples[int(len(samples) * 0.99)]))


def until(text, cmd):
    want = text.encode()
    t0 = time.perf_counter()
    pid, fd = spawn(cmd)
    buf = b""
    while want not in buf:
        r, _, _ = select.select([fd], [], [], 10)
        if not r:
            print("timeout", file=sys.stderr)
            sys.exit(1)
        try:
            buf += os.read(fd, 1 << 16)
        except OSError:
            break
        buf = buf[-(len(want) + 65536):]
    dt = (time.perf_counter() - t0) * 1000
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    print("%.1f" % dt)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "throughput":
        throughput(sys.argv[2:])
    elif mode == "latency":
        latency(int(sys.argv[2]), sys.argv[3:])
    elif mode == "until":
        until(sys.argv[2], sys.argv[3:])
    else:
        sys.exit("ptybench: unknown mode")
