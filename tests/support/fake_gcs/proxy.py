"""Tiny TLS-terminating forward proxy for tests (asyncio, stdlib only).

TF's bundled libcurl honours the https_proxy/http_proxy env vars. For
`CONNECT www.googleapis.com:443` / `CONNECT storage.googleapis.com:443` we answer
200, do the TLS handshake ourselves with a leaf cert signed by a test CA
(trusted by TF via CURL_CA_BUNDLE), and forward the decrypted HTTP requests to a
plain-HTTP fake GCS server (gcp-storage-emulator) on 127.0.0.1:<upstream_port>.
Plain `http://` proxy requests (absolute-URI form) are forwarded too.
Each request is normalised for the emulator's http.server:
  * absolute URI -> origin form,
  * `Transfer-Encoding: chunked` body (TF uploads use it) -> Content-Length,
  * `Expect: 100-continue` answered here and stripped.
Responses are piped back verbatim.  Nothing ever leaves loopback.

A request made to the proxy itself for /token gets a fake OAuth access token,
so Google's auth library (what Beam uses) can authenticate without a network.

It must run in its own process: some TensorFlow calls wait on the network
without releasing the GIL, so a proxy thread in the same process would hang.

Usage:  python -m tests.support.fake_gcs.proxy LISTEN_PORT UPSTREAM_PORT CERT KEY
"""
import asyncio
import json
import ssl
import sys

TOKEN_RESPONSE = json.dumps({"access_token": "fake-token", "token_type": "Bearer",
                             "expires_in": 3600}).encode()


async def _pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def _read_chunked(reader):
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _forward_requests(creader, cwriter, uwriter, head):
    try:
        while True:
            line, *hdrs = head[:-4].split(b"\r\n")
            parts = line.split(b" ")
            if len(parts) == 3 and parts[1][:7].lower() == b"http://":
                p = parts[1][7:]
                i = p.find(b"/")
                parts[1] = p[i:] if i >= 0 else b"/"
            keep, length, chunked, expect = [], 0, False, False
            for h in hdrs:
                k, _, v = h.partition(b":")
                k = k.strip().lower()
                if k == b"transfer-encoding" and b"chunked" in v.lower():
                    chunked = True
                    continue
                if k == b"expect":
                    expect = b"100-continue" in v.lower()
                    continue
                if k == b"content-length":
                    length = int(v)
                    continue
                if k in (b"proxy-connection", b"connection"):
                    continue
                keep.append(h)
            if expect:
                cwriter.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                await cwriter.drain()
            body = await _read_chunked(creader) if chunked else (
                await creader.readexactly(length) if length else b"")
            if body or parts[0] in (b"POST", b"PUT", b"PATCH"):
                keep.append(b"Content-Length: %d" % len(body))
            uwriter.write(b" ".join(parts) + b"\r\n" + b"\r\n".join(keep + [b"", b""]) + body)
            await uwriter.drain()
            head = await creader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ssl.SSLError):
        pass


async def _answer_token_request(creader, cwriter, head) -> None:
    for header in head.split(b"\r\n"):
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            await creader.readexactly(int(value))
    cwriter.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(TOKEN_RESPONSE), TOKEN_RESPONSE))
    await cwriter.drain()
    cwriter.close()


async def _handle(creader, cwriter, upstream_port, sslctx):
    try:
        head = await creader.readuntil(b"\r\n\r\n")
        if head.startswith(b"POST /token "):
            await _answer_token_request(creader, cwriter, head)
            return
        if head.split(b" ", 1)[0].upper() == b"CONNECT":
            cwriter.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await cwriter.drain()
            await cwriter.start_tls(sslctx)  # server side (from start_server)
            head = await creader.readuntil(b"\r\n\r\n")
    except Exception:
        cwriter.close()
        return
    # The emulator speaks HTTP/1.0 (closes after each response), so one
    # upstream connection per client connection is enough; curl sees
    # the close and opens a new connection for the next request.
    ureader, uwriter = await asyncio.open_connection("127.0.0.1", upstream_port)
    down = asyncio.ensure_future(_pipe(ureader, cwriter))
    await _forward_requests(creader, cwriter, uwriter, head)
    await down
    for w in (cwriter, uwriter):
        try:
            w.close()
        except Exception:
            pass


async def _serve(listen_port, upstream_port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])  # never negotiate h2
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, upstream_port, ctx), "127.0.0.1", listen_port,
        limit=1 << 20)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    lp, up, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    asyncio.run(_serve(lp, up, cert, key))
