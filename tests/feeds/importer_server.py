"""A scripted HTTP server on 127.0.0.1 for the importer tests, and the feed documents it serves
(real-shaped, every story invented).

`FeedServer.route(path, handler)` decides what a path answers: a handler gets the request
(path, headers) and writes the response itself, so a test can sleep, stream without end,
redirect or compare validators. Every request is recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.test import override_settings


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class FeedServer:
    server: ThreadingHTTPServer
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    streamed: dict[str, int] = field(default_factory=dict)  # bytes written before the client left

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def allowed(self) -> override_settings:
        """The test's allow-listing: this server's host and port only."""
        return override_settings(PARLEY_FEED_ALLOWED_HOSTS=(f"127.0.0.1:{self.port}",))


def serve(body: bytes | str, *, content_type: str = "application/rss+xml", etag: str = "",
          status: int = 200) -> Handler:  # fmt: skip
    data = body.encode() if isinstance(body, str) else body

    def handler(request: BaseHTTPRequestHandler) -> None:
        if etag and request.headers.get("If-None-Match") == etag:
            request.send_response(304)
            request.send_header("ETag", etag)
            request.end_headers()
            return
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        if etag:
            request.send_header("ETag", etag)
        request.end_headers()
        request.wfile.write(data)

    return handler


def redirect(to: str, status: int = 302) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        request.send_header("Location", to)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handler


def sleepy(seconds: float) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        serve(RSS2)(request)

    return handler


def endless(
    server: FeedServer, path: str, chunk: int = 64 * 1024, limit: int = 64 << 20
) -> Handler:
    """A body without Content-Length that never ends (up to `limit`, so a broken client cannot
    keep the test running): records how much was written before the client hung up."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.end_headers()
        written = 0
        block = b"<!-- " + b"x" * (chunk - 9) + b" -->"
        request.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
        try:
            while written < limit:
                request.wfile.write(block)
                written += len(block)
        except OSError:
            pass
        server.streamed[path] = written

    return handler


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    holder: dict[str, FeedServer] = {}

    class Scripted(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            fs = holder["server"]
            fs.seen.append(Seen(self.path, {k: v for k, v in self.headers.items()}))
            handler = fs.routes.get(self.path.split("?", 1)[0])
            if handler is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            handler(self)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Quiet(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients the tests make hang up (timeouts, the size cap) break pipes

    server = Quiet(("127.0.0.1", 0), Scripted)
    server.daemon_threads = True
    holder["server"] = fs = FeedServer(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fs
    finally:
        server.shutdown()
        server.server_close()


# --- Documents (invented outlets and stories) ---------------------------------------------------

DOCUMENTS = Path(__file__).parent / "importer_documents"


def _document(name: str) -> str:
    return (DOCUMENTS / name).read_text(encoding="utf-8")


RSS2 = _document("gazette_rss2.xml")

RSS1 = _document("almanac_rss1.xml")

ATOM = _document("wire_atom.xml")

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://laughs.example.com/1</link></item>
</channel></rss>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title>
<item><title>&secret;</title><link>https://leak.example.com/1</link></item>
</channel></rss>
"""

MALFORMED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Broken Bugle</title>
<item><title>Unclosed story<link>https://bugle.example.com/1</link></item>
</channel>
"""

HOSTILE = _document("trojan_hostile.xml")


def rss_item(title: str, link: str, guid: str, description: str,
             pub: str = "Mon, 30 Nov 2026 07:00:00 +0000") -> str:  # fmt: skip
    return (
        f'<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{guid}</guid>'
        f"<pubDate>{pub}</pubDate><description>{description}</description></item>"
    )


def rss(title: str, *items: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://{title.lower().replace(' ', '')}.example.com/</link>"
        f"{''.join(items)}</channel></rss>"
    )
