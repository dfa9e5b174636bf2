#!/usr/bin/env python3
"""Scripted raw-socket HTTP/1.1 test server for http-get's integration tests.

Usage: http_server.py [-6]
Listens on 127.0.0.1 (or ::1 with -6) on a kernel-chosen port and prints
"listening on ADDR:PORT" as its first line (the readiness signal).  Every
request is logged on stdout as "REQ <request line>" followed by one
"HDR <line>" per header, so tests can check what the client sent.

The path picks the scripted behaviour (see ROUTES).  Responses are written
raw, byte for byte, so they can be malformed on purpose.  Unless a route
closes, the connection is then held open (keep-alive that never ends) for
HOLD seconds or until the client closes: a client that waits for the
server to close instead of using the framing would hang.
"""
import socket
import sys
import threading
import time

HOLD = 30
PORT = 0


def hold(conn):
    conn.settimeout(HOLD)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def send_slowly(conn, data, delay):
    for i in range(len(data)):
        conn.sendall(data[i:i + 1])
        time.sleep(delay)


def ok_cl(body, extra=b""):
    return (b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\n" + extra + b"\r\n" + body)


def big_body(n):
    pat = bytes(range(256))
    return (pat * (n // 256 + 1))[:n]


BIG = big_body(1 << 20)

# path -> list of actions: bytes to send, ("sleep", s), ("slow", bytes, d),
# "close", "reset", "hold" (the default ending), ("echo",)
ROUTES = {
    "/cl": [ok_cl(b"hello world\n")],
    "/cl-dup": [b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Length: 6, 6\r\n\r\nhello\n"],
    "/chunked": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"6;name=value;flag\r\nhello \r\n"
                 b"6 ; q=\"x y\"\r\nworld\n\r\n"
                 b"0;end\r\nX-Checksum: 1234\r\nX-Other: yes\r\n\r\n"],
    "/chunked-split": [("slow", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"3\r\nabc\r\n1;x\r\nd\r\n0\r\n\r\n", 0.002)],
    "/te-cl": [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\nchunk\r\n0\r\n\r\n"],
    "/close": [b"HTTP/1.1 200 OK\r\nServer: raw\r\n\r\nuntil\r\nclose\n", "close"],
    "/http10": [b"HTTP/1.0 200 OK\r\n\r\nold style", "close"],
    "/1xx": [b"HTTP/1.1 100 Continue\r\n\r\n"
             b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
             + ok_cl(b"after interim\n")],
    "/101": [b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"],
    "/204": [b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"],
    "/304": [b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"],
    "/truncated-cl": [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", "close"],
    "/truncated-chunked": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"5\r\nhello\r\n", "close"],
    "/truncated-chunk-data": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              b"10\r\nshort", "close"],
    "/truncated-headers": [b"HTTP/1.1 200 OK\r\nContent-Len", "close"],
    "/empty": ["close"],
    "/bad-chunk-size": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"],
    "/chunk-overflow": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"10000000000000000\r\nx\r\n0\r\n\r\n"],
    "/chunk-no-crlf": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"5\r\nhelloXX0\r\n\r\n"],
    "/bad-cl": [b"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\nhello world\n"],
    "/neg-cl": [b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello world\n"],
    "/conflict-cl": [b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello\n"],
    "/te-gzip": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"],
    "/bare-lf": [b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"],
    "/bare-lf-chunked": [b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nab\n\n0\nT: v\n\n"],
    "/bad-status": [b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nhi"],
    "/huge-header": [b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 20000 + b"\r\nContent-Length: 2\r\n\r\nhi"],
    "/escape": [b"HTTP/1.1 200 Caf\xc3\xa9\r\nX-Odd: a\tb\xff\r\nContent-Length: 2\r\n\r\nhi"],
    "/404": [b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n"],
    "/500": [b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"6\r\nbroken\r\n1\r\n\n\r\n0\r\n\r\n"],
    "/redirect-abs": "redirect-abs",
    "/dir/sub/redirect-rel": [b"HTTP/1.1 301 Moved\r\nLocation: ../../cl?from=rel\r\nContent-Length: 0\r\n\r\n"],
    "/redirect-303": [b"HTTP/1.1 303 See Other\r\nLocation: /chunked\r\nContent-Length: 3\r\n\r\nxyz"],
    "/redirect-307": [b"HTTP/1.1 307 Temporary\r\nLocation: /redirect-308\r\n\r\n"],
    "/redirect-308": [b"HTTP/1.1 308 Permanent\r\nLocation: /cl\r\nContent-Length: 0\r\n\r\n"],
    "/redirect-https": [b"HTTP/1.1 302 Found\r\nLocation: https://127.0.0.1/\r\nContent-Length: 0\r\n\r\n"],
    "/no-location": [b"HTTP/1.1 302 Found\r\nContent-Length: 6\r\n\r\nmoved\n"],
    "/loop-a": [b"HTTP/1.1 302 Found\r\nLocation: /loop-b\r\nContent-Length: 0\r\n\r\n"],
    "/loop-b": [b"HTTP/1.1 302 Found\r\nLocation: /loop-a\r\nContent-Length: 0\r\n\r\n"],
    "/silent": [],
    "/stall-body": [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"],
    "/drip": "drip",
    "/reset": [b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nsome", ("sleep", 0.1), "reset"],
    "/big": [ok_cl(BIG)],
    "/big-truncated": [b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + BIG[:300000], "close"],
    "/big-chunked": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     b"".join(b"%x\r\n" % len(BIG[i:i + 1000]) + BIG[i:i + 1000] + b"\r\n"
                              for i in range(0, len(BIG), 1000)) + b"0\r\n\r\n"],
    "/echo": "echo",
    # large chunks (the spliced path), an extension, a bare LF, trailers
    "/big-chunks": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    b"4e20;ext=1\r\n" + BIG[:20000] + b"\r\n" +
                    b"11170\n" + BIG[20000:90000] + b"\n" +
                    b"5\r\n" + BIG[90000:90005] + b"\r\n" +
                    b"%x\r\n" % (len(BIG) - 90005) + BIG[90005:] + b"\r\n" +
                    b"0\r\nX-T: 1\r\n\r\n"],
    "/big-chunks-truncated": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                              b"%x\r\n" % len(BIG) + BIG[:500000], "close"],
    "/big-chunks-bad-crlf": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             b"4e20\r\n" + BIG[:20000] + b"XX0\r\n\r\n"],
}


# Chunked bodies around http-get's splice threshold (4 KiB: larger chunks
# go socket -> pipe -> output, only the framing is read).  REF holds each
# route's body as a client must write it.
SPL = __import__("random").Random(12).randbytes(400000)
REF = {}


def chunked(sizes, lines=None, end=b"0\r\n\r\n"):
    """Chunks of SPL with these sizes; lines[i] replaces chunk i's size line."""
    out, off = [], 0
    for i, n in enumerate(sizes):
        line = lines.get(i) if lines else None
        out.append(line if line is not None else b"%x\r\n" % n)
        out.append(SPL[off:off + n] + b"\r\n")
        off += n
    return b"".join(out) + end, SPL[:off]


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
# sizes around the threshold; size lines in upper case, with leading
# zeros, an extension; trailers at the end
_sizes = [4095, 4096, 4097, 1, 8193, 3, 65536, 4095, 4097, 100000, 2, 4096]
_body, REF["/splice-threshold"] = chunked(
    _sizes, {1: b"0001000\r\n", 2: b"1001;a=b\r\n", 6: b"10000\r\n",
             9: b"186A0 ; x=\"y z\"\r\n"},
    end=b"0\r\nX-Sum: 1\r\nX-Two: 2\r\n\r\n")
ROUTES["/splice-threshold"] = [CHUNKED_HEAD + _body]
# the same framing dribbled in pieces cut at every awkward place: inside
# a size line, between data and its CRLF, between CR and LF, 3 bytes
# before a large chunk's end (the pipe ends inside it), inside trailers
_split_sizes = [20000, 5000, 4096, 4095, 70000]
_body, REF["/splice-split"] = chunked(_split_sizes)
_cuts, _at = [], 0
for _n in _split_sizes + [0]:
    _line = len(b"%x\r\n" % _n)
    _data = _at + _line
    _cuts += [_at + 2, _data]
    if _n:
        _cuts += [_data + 100, _data + _n - 3, _data + _n, _data + _n + 1]
    _at = _data + _n + 2
_cuts = [c + 1 for c in sorted(set(_cuts)) if 0 < c < len(_body)]
ROUTES["/splice-split"] = [("pieces", CHUNKED_HEAD[:-1], CHUNKED_HEAD[-1:] + _body, _cuts)]
# a peer closing: after a large chunk's data (no CRLF), inside the next
# size line, inside the data of a chunk that follows a spliced one
_body, _ = chunked([20000, 30000])
ROUTES["/splice-close-data"] = [CHUNKED_HEAD + _body[:7 + 20000], "close"]
ROUTES["/splice-close-size"] = [CHUNKED_HEAD + _body[:7 + 20002 + 2], "close"]
ROUTES["/splice-close-next"] = [CHUNKED_HEAD + _body[:7 + 20002 + 6 + 10000], "close"]
# a large chunk's data not followed by CRLF, the bad bytes arriving apart
ROUTES["/splice-bad-crlf"] = [CHUNKED_HEAD + _body[:7 + 20000], ("sleep", 0.1),
                              b"\rX5\r\nhello\r\n0\r\n\r\n"]
# a bad chunk size after spliced chunks
ROUTES["/splice-bad-size"] = [CHUNKED_HEAD + _body[:7 + 20002] + b"4g00\r\n" + SPL[:0x4000]
                              + b"\r\n0\r\n\r\n"]


def chain(path):
    # /chain/N redirects N times before landing on /cl
    n = int(path.rsplit("/", 1)[1])
    if n == 0:
        return [ok_cl(b"hello world\n")]
    loc = b"/cl" if n == 1 else b"/chain/%d" % (n - 1)
    return [b"HTTP/1.1 302 Found\r\nLocation: " + loc + b"\r\nContent-Length: 0\r\n\r\n"]


def handle(conn, log, lock):
    try:
        req = b""
        while b"\r\n\r\n" not in req and len(req) < 65536:
            d = conn.recv(4096)
            if not d:
                return
            req += d
        head = req.split(b"\r\n\r\n", 1)[0]
        lines = head.split(b"\r\n")
        with lock:
            log.write("REQ " + lines[0].decode("latin-1") + "\n")
            for l in lines[1:]:
                log.write("HDR " + l.decode("latin-1") + "\n")
            log.flush()
        parts = lines[0].split(b" ")
        path = parts[1].decode("latin-1").split("?", 1)[0] if len(parts) > 1 else "/"
        if path.startswith("/chain/"):
            actions = chain(path)
        else:
            actions = ROUTES.get(path)
        if actions is None:
            actions = [b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"]
        if actions == "echo":
            actions = [ok_cl(head + b"\r\n")]
        elif actions == "redirect-abs":
            loc = b"http://127.0.0.1:%d/cl" % PORT
            actions = [b"HTTP/1.1 302 Found\r\nLocation: " + loc + b"\r\nContent-Length: 0\r\n\r\n"]
        elif actions == "drip":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(200):
                conn.sendall(b"x")
                time.sleep(0.05)
            return
        for a in actions:
            if isinstance(a, bytes) and a.startswith(b"HTTP/1.1 30") and b"Location:" in a:
                # a client that reuses connections (curl) must not wait
                # for a second answer on this one
                a = a.replace(b"\r\n", b"\r\nConnection: close\r\n", 1)
            if isinstance(a, bytes):
                conn.sendall(a)
            elif a == "close":
                conn.shutdown(socket.SHUT_WR)
                return
            elif a == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return
            elif a[0] == "sleep":
                time.sleep(a[1])
            elif a[0] == "pieces":
                # a[1], then a[2] cut at offsets a[3], 20 ms apart
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.sendall(a[1])
                prev = 0
                for cut in a[3] + [len(a[2])]:
                    time.sleep(0.02)
                    conn.sendall(a[2][prev:cut])
                    prev = cut
            elif a[0] == "slow":
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                send_slowly(conn, a[1], a[2])
        hold(conn)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    global PORT
    v6 = len(sys.argv) > 1 and sys.argv[1] == "-6"
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    host = "::1" if v6 else "127.0.0.1"
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, 0))
    srv.listen(64)
    PORT = srv.getsockname()[1]
    shown = "[%s]" % host if v6 else host
    sys.stdout.write("listening on %s:%d\n" % (shown, PORT))
    sys.stdout.flush()
    lock = threading.Lock()
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, sys.stdout, lock),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
