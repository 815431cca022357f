#!/usr/bin/env python3
"""Load for bench-proxy.sh: small-request latency and idle tunnels.

  proxyload.py latency HOST PORT PATH N [PROXY_URL]
      N sequential GETs, each on a new connection (the proxy closes plain
      HTTP after one exchange, so every path is timed the same way), through
      PROXY_URL (http://[user:token@]host:port) when given.  Prints
      "median_us p99_us mean_us".
  proxyload.py reverse URL N [KEY]
      N sequential GETs of URL (http://host:port/path), each on a new
      connection, with "Authorization: Bearer KEY" when KEY is given (a
      credential service of nono's proxy, or the upstream itself).  Prints
      "median_us p99_us mean_us requests_per_s".
  proxyload.py keepalive URL N [KEY [CAFILE]]
      the same N GETs on one kept-alive connection (https:// URLs verified
      against CAFILE).  Same output.
  proxyload.py tunnels HOST PORT N PROXY_URL RSS_PID
      opens N CONNECT tunnels to HOST:PORT through the proxy and keeps them
      idle; prints "kib_before kib_after" of RSS_PID's VmRSS.
"""
import base64
import socket
import statistics
import sys
import time
import urllib.parse


def proxy_of(url):
    u = urllib.parse.urlsplit(url)
    auth = ""
    if u.username:
        cred = "%s:%s" % (u.username, u.password or "")
        auth = "Proxy-Authorization: Basic %s\r\n" % base64.b64encode(
            cred.encode()).decode()
    return (u.hostname, u.port), auth


def read_all(s):
    n = 0
    while True:
        b = s.recv(65536)
        if not b:
            return n
        n += len(b)


def latency(host, port, path, n, proxy):
    if proxy:
        addr, auth = proxy_of(proxy)
        req = ("GET http://%s:%d%s HTTP/1.1\r\nHost: %s:%d\r\n%s"
               "Connection: close\r\n\r\n" % (host, port, path, host, port,
                                               auth)).encode()
    else:
        addr = (host, port)
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
               % (path, host, port)).encode()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        s = socket.create_connection(addr)
        s.sendall(req)
        got = read_all(s)
        s.close()
        times.append(time.perf_counter() - t0)
        if got < 20:
            sys.exit("short answer")
    times.sort()
    print("%.1f %.1f %.1f" % (statistics.median(times) * 1e6,
                              times[int(len(times) * 0.99)] * 1e6,
                              statistics.mean(times) * 1e6))


def reverse(url, n, key):
    u = urllib.parse.urlsplit(url)
    addr = (u.hostname, u.port or 80)
    auth = "Authorization: Bearer %s\r\n" % key if key else ""
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n"
           % (u.path or "/", u.netloc, auth)).encode()
    times = []
    start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        s = socket.create_connection(addr)
        s.sendall(req)
        head = b""
        while len(head) < 12:
            b = s.recv(12 - len(head))
            if not b:
                break
            head += b
        got = len(head) + read_all(s)
        s.close()
        times.append(time.perf_counter() - t0)
        if not head.startswith(b"HTTP/1.1 200") or got < 20:
            sys.exit("bad answer: %r" % head)
    total = time.perf_counter() - start
    times.sort()
    print("%.1f %.1f %.1f %.0f" % (statistics.median(times) * 1e6,
                                   times[int(len(times) * 0.99)] * 1e6,
                                   statistics.mean(times) * 1e6, n / total))


def keepalive(url, n, key, cafile):
    import http.client
    import ssl
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=cafile)
        c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx)
    else:
        c = http.client.HTTPConnection(u.hostname, u.port)
    headers = {"Authorization": "Bearer %s" % key} if key else {}
    times = []
    start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        c.request("GET", u.path or "/", headers=headers)
        r = c.getresponse()
        body = r.read()
        times.append(time.perf_counter() - t0)
        if r.status != 200 or not body:
            sys.exit("bad answer: %d" % r.status)
    total = time.perf_counter() - start
    times.sort()
    print("%.1f %.1f %.1f %.0f" % (statistics.median(times) * 1e6,
                                   times[int(len(times) * 0.99)] * 1e6,
                                   statistics.mean(times) * 1e6, n / total))


def rss_kib(pid):
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tunnels(host, port, n, proxy, pid):
    addr, auth = proxy_of(proxy)
    before = rss_kib(pid)
    socks = []
    for _ in range(n):
        s = socket.create_connection(addr)
        s.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n"
                   % (host, port, host, port, auth)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            b = s.recv(4096)
            if not b:
                sys.exit("tunnel refused")
            head += b
        if b" 200 " not in head.split(b"\r\n")[0]:
            sys.exit("tunnel refused: %r" % head[:80])
        socks.append(s)
    time.sleep(0.5)
    print("%d %d" % (before, rss_kib(pid)))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "latency":
        latency(a[1], int(a[2]), a[3], int(a[4]), a[5] if len(a) > 5 else None)
    elif a[0] == "reverse":
        reverse(a[1], int(a[2]), a[3] if len(a) > 3 else None)
    elif a[0] == "keepalive":
        keepalive(a[1], int(a[2]), a[3] if len(a) > 3 else None,
                  a[4] if len(a) > 4 else None)
    elif a[0] == "tunnels":
        tunnels(a[1], int(a[2]), int(a[3]), a[4], a[5])
    else:
        sys.exit(__doc__)
