"""A small HTTP server on 127.0.0.1 for tests that need a live server (no internet is reached).

Routes are keyed by what the client asks for: a path when it is used as a web server, an absolute
URL when crawler processes use it as their forward proxy (``http_proxy``), which lets a generated
portal site be crawled under its real host names without leaving the machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Behaviour = Callable[[BaseHTTPRequestHandler], None]
# (status, headers, body), or a behaviour that answers (or misbehaves) by itself
Route = tuple[int, dict[str, str], bytes] | Behaviour


def wait_until_up(
    probe: Callable[[], object],
    errors: type[BaseException] | tuple[type[BaseException], ...],
    seconds: float,
    pause: float = 0.05,
) -> None:
    """Call ``probe`` until it stops raising ``errors`` (a server a test started is answering);
    after ``seconds`` the last error is raised."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            probe()
            return
        except errors:
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)


def send(handler: BaseHTTPRequestHandler, status: int, headers: Mapping[str, str], body: bytes) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    """A client hanging up on a deliberately slow or broken answer is expected here, not an error."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@contextmanager
def serve(routes: Mapping[str, Route], delay: float = 0.0) -> Iterator[tuple[str, list[str]]]:
    """Serve ``routes`` on a free loopback port (404 for anything else), each answer after
    ``delay`` seconds; yields (server URL, what was requested, in order)."""
    requested: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with lock:
                requested.append(self.path)
            if delay:
                time.sleep(delay)
            route = routes.get(self.path)
            if route is None:
                send(self, 404, {"Content-Type": "text/html"}, b"")
            elif callable(route):
                route(self)
            else:
                send(self, *route)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
