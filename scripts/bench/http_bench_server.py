#!/usr/bin/env python3
"""Fast local HTTP server for scripts/bench/http.sh.

Prints "listening on 127.0.0.1:PORT", then serves, per connection:
  /cl     1 GiB with Content-Length
  /c16k   1 GiB in 16 KiB chunks
  /c100   100 MiB in 100-byte chunks
Bodies are built once as ~1 MiB blocks and sent with sendall(), so the
server's cost per byte is one kernel copy; the client is what is measured.
With arguments CERT KEY it serves the same over TLS (1.3 where the client
offers it; OpenSSL's default suite order puts AES-GCM first).
"""
import socket
import ssl
import sys
import threading

GIB = 1 << 30
MIB = 1 << 20


def chunk_block(size, count):
    data = (b"0123456789abcdefghijklmnopqrstuvwxyz" * (size // 36 + 1))[:size]
    return (b"%x\r\n" % size + data + b"\r\n") * count


CL_BLOCK = (b"sockbox-bench-" * (MIB // 14 + 1))[:MIB]
ROUTES = {
    "/cl": (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % GIB, CL_BLOCK, GIB // MIB, b""),
    "/c16k": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
              chunk_block(16384, 64), GIB // (16384 * 64), b"0\r\n\r\n"),
    "/c100": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
              chunk_block(100, 8192), 100 * MIB // (100 * 8192), b"0\r\n\r\n"),
}


def handle(conn, ctx):
    try:
        if ctx:
            conn = ctx.wrap_socket(conn, server_side=True)
        req = b""
        while b"\r\n\r\n" not in req:
            d = conn.recv(4096)
            if not d:
                return
            req += d
        path = req.split(b" ", 2)[1].decode()
        head, block, n, tail = ROUTES[path]
        conn.sendall(head)
        if not req.startswith(b"HEAD "):
            for _ in range(n):
                conn.sendall(block)
            conn.sendall(tail)
        if ctx:
            conn = conn.unwrap()
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(5)
        while conn.recv(4096):
            pass
    except (OSError, KeyError, IndexError, ValueError):
        pass
    finally:
        conn.close()


def main():
    ctx = None
    if len(sys.argv) == 3:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print("listening on 127.0.0.1:%d" % srv.getsockname()[1], flush=True)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c, ctx), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
