#!/usr/bin/env python3
# tests/e2e/netserve.py -- servers on 127.0.0.1 for the HTTP and notifier
# tests, each printing its port on its first line of stdout.
#   netserve.py echo LOG [CERT KEY]  an HTTP(S) server: GET/POST/any method
#       answers JSON {"method","path","headers","body"} (status from
#       ?status=N), /text answers plain text, /big answers 9 MiB; each
#       request is appended to LOG as one JSON line.
#   netserve.py silent               accepts connections, never answers
#   netserve.py smtp LOG             an SMTP server (aiosmtpd): each message
#       appended to LOG as one JSON line {"from","to","data"}
import json, socket, ssl, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

def echo(log, cert=None, key=None):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
            rec = {"method": self.command, "path": self.path,
                   "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
            with open(log, "a") as f:
                f.write(json.dumps(rec) + "\n")
            status = 200
            if "status=" in self.path:
                status = int(self.path.split("status=")[1].split("&")[0])
            if self.path.startswith("/big"):
                out, ctype = b"x" * (9 << 20), "application/octet-stream"
            elif self.path.startswith("/text"):
                out, ctype = b"plain words\n", "text/plain"
            else:
                out, ctype = json.dumps(rec).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("X-Rbk-Test", "yes")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)
        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()

def silent():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    print(s.getsockname()[1], flush=True)
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)

def smtp(log):
    import asyncio
    from aiosmtpd.controller import Controller
    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with open(log, "a") as f:
                f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                    "data": envelope.content.decode("utf-8", "replace")}) + "\n")
            return "250 Message accepted for delivery"
    # a free port from the kernel, then the controller binds it
    for _ in range(20):
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        try:
            c = Controller(Handler(), hostname="127.0.0.1", port=port)
            c.start()
            break
        except Exception:
            continue
    print(port, flush=True)
    threading.Event().wait()

if __name__ == "__main__":
    what = sys.argv[1]
    if what == "echo": echo(*sys.argv[2:])
    elif what == "silent": silent()
    elif what == "smtp": smtp(sys.argv[2])
    else: sys.exit("usage: netserve.py echo|silent|smtp ...")
