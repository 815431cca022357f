# Calls that act on a process by pid (issue 10, escape 9): prints "<name> ok"
# or "<name> <errno>" for each, against the outside process argv[1], the
# caller itself, a child and a thread of its own.
import os, sys, resource, threading, subprocess, ctypes
out = int(sys.argv[1])
def tryit(name, f):
    try: f(); print(name, "ok")
    except OSError as e: print(name, e.errno)
tryit("prlimit-outside", lambda: resource.prlimit(out, resource.RLIMIT_CPU, (1, 1)))
tryit("setpriority-outside", lambda: os.setpriority(os.PRIO_PROCESS, out, 19))
tryit("affinity-outside", lambda: os.sched_setaffinity(out, {0}))
tryit("sched-outside", lambda: os.sched_setscheduler(out, os.SCHED_IDLE, os.sched_param(0)))
tryit("pgrp", lambda: os.setpriority(os.PRIO_PGRP, 0, 19))
tryit("user", lambda: os.setpriority(os.PRIO_USER, os.getuid(), 19))
tryit("prlimit-self0", lambda: resource.prlimit(0, resource.RLIMIT_NOFILE))
tryit("prlimit-selfpid", lambda: resource.prlimit(os.getpid(), resource.RLIMIT_NOFILE))
tryit("nice-self", lambda: os.nice(1))
child = subprocess.Popen(["sleep", "5"])
tryit("prlimit-child", lambda: resource.prlimit(child.pid, resource.RLIMIT_CPU, (100, 100)))
tryit("affinity-child", lambda: os.sched_setaffinity(child.pid, {0}))
child.kill()
libc = ctypes.CDLL(None, use_errno=True)
res = []
def th():
    tid = threading.get_native_id(); res.append(tid)
    import time; time.sleep(0.5)
t = threading.Thread(target=th); t.start()
import time; time.sleep(0.1)
tryit("affinity-thread", lambda: os.sched_setaffinity(res[0], {0}))
tryit("setpriority-thread", lambda: os.setpriority(os.PRIO_PROCESS, res[0], 19))
t.join()
