#!/usr/bin/env python3
"""Interleaved wall-clock medians of commands (bench-audit.sh).

  interleave.py ROUNDS GAP_S CMD_A CMD_B
      runs CMD_A and CMD_B (shell-free, split on spaces) alternately
      ROUNDS times each, GAP_S seconds of idle before each run (so that
      work a command leaves behind, such as the audit trail's finisher, is
      done before the next starts; 0 for back to back).  Prints
      "median_a_ms median_b_ms".
"""
import statistics
import subprocess
import sys
import time


def main():
    rounds, gap = int(sys.argv[1]), float(sys.argv[2])
    cmds = [c.split() for c in sys.argv[3:5]]
    times = [[], []]
    for _ in range(rounds):
        for k, c in enumerate(cmds):
            time.sleep(gap)
            t = time.perf_counter()
            r = subprocess.run(c, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            times[k].append((time.perf_counter() - t) * 1000)
            if r.returncode != 0:
                sys.exit("interleave: %s exited %d" % (c, r.returncode))
    print("%.2f %.2f" % tuple(statistics.median(t) for t in times))


if __name__ == "__main__":
    main()
