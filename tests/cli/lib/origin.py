#!/usr/bin/env python3
"""A loopback origin for the proxy tests: HTTP, or HTTPS with --tls CERT KEY.

GET /index.html answers "hello"; GET /bytes/N answers N bytes; a path with
"/peer" in it answers "peer=<the client's port> path=<the path>"; any other
path answers "path=<the path> host=<its Host field>".  Like most handlers,
GET never reads a request body (an origin that takes a GET's body for the
next request); POST reads its Content-Length and answers "POST path=<the
path> body=<the body>".  With --log FILE every request parsed is a line
"METHOD PATH" there, and "end" when a connection is done.  Listens on
127.0.0.1 (port 0 unless --port), writes the port to --port-file once it
accepts, and exits after --ttl seconds so that a failed test never leaves
it behind.
"""
import argparse
import http.server
import os
import ssl
import threading


IGNORE_CLOSE = False
LOG = None
LOCK = threading.Lock()


def log(line):
    if LOG:
        with LOCK, open(LOG, "a") as f:
            f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        log("%s %s" % (self.command, self.path))
        if self.path == "/index.html":
            body = b"hello\n"
        elif self.path.startswith("/bytes/"):
            body = b"x" * int(self.path[7:])
        elif "/peer" in self.path:
            # which connection served it (the client's port)
            body = ("peer=%d path=%s\n" % (self.client_address[1],
                                            self.path)).encode()
        else:
            body = ("path=%s host=%s\n" % (self.path,
                                             self.headers.get("Host"))).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if IGNORE_CLOSE:
            # Like origins that serve every request on a connection,
            # whatever "Connection: close" said.
            self.close_connection = False

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n > 0 else b""
        log("%s %s" % (self.command, self.path))
        body = ("POST path=%s body=%s\n" % (
            self.path, data.decode("utf-8", "replace"))).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if IGNORE_CLOSE:
            self.close_connection = False

    def finish(self):
        super().finish()
        log("end")

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--ttl", type=float, default=120)
    ap.add_argument("--ignore-close", action="store_true")
    ap.add_argument("--log")
    a = ap.parse_args()
    global IGNORE_CLOSE, LOG
    IGNORE_CLOSE = a.ignore_close
    LOG = a.log
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    threading.Timer(a.ttl, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
