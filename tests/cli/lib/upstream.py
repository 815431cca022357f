#!/usr/bin/env python3
"""A local stand-in for an LLM API, for the credential injection tests.

Records every request it receives (method, path, headers, body, and the
peer's port, which tells connections apart) as one JSON
line in --log, and answers:
  POST .../chat/completions   an OpenAI chat completion; with "stream": true
                              server-sent events, chunked: the first event,
                              then it waits (up to 10 s) for --go to exist
                              before the second, so a test can prove the
                              answer streams through rather than buffers
  POST .../messages           an Anthropic message
  GET .../echo                the request's header fields as the body, the
                              Authorization value in X-Echo too (an
                              upstream that echoes what it received)
  GET .../echo-split          the same body in two writes 0.3 s apart, cut
                              in the middle of the Authorization value
  GET .../echo-gzip           the same body gzip-coded, whatever the
                              request's Accept-Encoding
  GET .../echo-chunked        the same body chunked, a chunk boundary in
                              the middle of the Authorization value
  GET .../echo-overrun        "ok" framed by Content-Length: 2, then the
                              echo past the answer's end, cut in two writes
                              0.3 s apart, then the connection closes
  anything else               200 "ok <method> <path>"
HTTP, or HTTPS with --tls CERT KEY; --idle S closes a kept-alive connection
that stays idle S seconds.  Listens on 127.0.0.1 (port 0), writes
the port to --port-file, exits after --ttl seconds.
"""
import argparse
import gzip
import http.server
import json
import os
import ssl
import threading
import time

LOG = None
GO = None
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def record(self, body):
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps({
                "method": self.command,
                "peer": self.client_address[1],
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }) + "\n")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send_json(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(text, finish=None):
            return ("data: " + json.dumps({
                "id": "chatcmpl-test", "object": "chat.completion.chunk",
                "created": 0, "model": "test",
                "choices": [{"index": 0, "delta": {"content": text},
                             "finish_reason": finish}],
            }) + "\n\n").encode()

        self.chunk(event("first "))
        released = "timeout"
        for _ in range(200):
            if GO and os.path.exists(GO):
                released = "released"
                break
            time.sleep(0.05)
        self.chunk(event(released, "stop"))
        self.chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def do_POST(self):
        body = self.read_body()
        self.record(body)
        if self.path.endswith("/chat/completions"):
            try:
                req = json.loads(body or b"{}")
            except ValueError:
                req = {}
            if req.get("stream"):
                self.stream()
                return
            self.send_json({
                "id": "chatcmpl-test", "object": "chat.completion",
                "created": 0, "model": req.get("model", "test"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant",
                                         "content": "hello from upstream"}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 3,
                          "total_tokens": 4},
            })
        elif self.path.endswith("/messages"):
            self.send_json({
                "id": "msg_test", "type": "message", "role": "assistant",
                "model": "test", "stop_reason": "end_turn",
                "stop_sequence": None,
                "content": [{"type": "text", "text": "hello from upstream"}],
                "usage": {"input_tokens": 1, "output_tokens": 3},
            })
        else:
            self.plain()

    def plain(self):
        body = ("ok %s %s\n" % (self.command, self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def echo(self):
        body = "".join("%s: %s\r\n" % kv
                       for kv in self.headers.items()).encode()
        auth = self.headers.get("Authorization", "")
        coded = self.path.endswith("/echo-gzip")
        # where the split variants cut: in the middle of the key
        cut = body.index(auth.encode()) + len(auth) // 2 if auth else 1
        if self.path.endswith("/echo-overrun"):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"ok" + body[:cut])
            self.wfile.flush()
            time.sleep(0.3)
            self.wfile.write(body[cut:])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path.endswith("/echo-chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.chunk(body[:cut])
            self.chunk(body[cut:])
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        if coded:
            body = gzip.compress(body)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Echo", auth)
        if coded:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path.endswith("/echo-split") and auth:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            time.sleep(0.3)
            body = body[cut:]
        self.wfile.write(body)

    def do_GET(self):
        self.record(b"")
        if "/echo" in self.path:
            self.echo()
            return
        self.plain()

    do_DELETE = do_GET

    def do_HEAD(self):
        self.record(b"")
        body = ("ok %s %s\n" % (self.command, self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()

    def do_TRACE(self):
        # As a server that honours TRACE does: the request, echoed.
        self.record(b"")
        head = "%s %s %s\r\n" % (self.command, self.path, self.request_version)
        head += "".join("%s: %s\r\n" % kv for kv in self.headers.items())
        body = head.encode()
        self.send_response(200)
        self.send_header("Content-Type", "message/http")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_TRACK = do_TRACE

    def log_message(self, *args):
        pass


def main():
    global LOG, GO
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--go")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--ttl", type=float, default=120)
    ap.add_argument("--idle", type=float, help="close idle connections after")
    a = ap.parse_args()
    LOG, GO = a.log, a.go
    if a.idle:
        Handler.timeout = a.idle
    open(LOG, "a").close()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    threading.Timer(a.ttl, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
