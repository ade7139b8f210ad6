"""A small HTTP server on 127.0.0.1 for tests that need a live server (no internet is reached)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# path -> (status, headers, body); a callable gets the handler and answers itself
Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


@contextmanager
def serve(routes: Mapping[str, Route]) -> Iterator[tuple[str, list[str]]]:
    """Serve ``routes`` on a free loopback port; yields (base URL, list of requested paths)."""
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if callable(route):
                route(self)
                return
            status, headers, body = route
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def proxy_site(pages: Mapping[str, tuple[int, dict[str, str], bytes]],
               delay: float = 0.0) -> Iterator[tuple[str, list[str]]]:
    """A forward proxy on loopback answering every absolute http:// URL from ``pages``.

    Crawler processes reach it through ``http_proxy``, so a generated portal site is crawled
    under its real host names without leaving the machine. Yields (proxy URL, URLs requested).
    """
    import time

    requested: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with lock:
                requested.append(self.path)
            if delay:
                time.sleep(delay)
            page = pages.get(self.path)
            if page is None:
                status, headers, body = 404, {"Content-Type": "text/html"}, b""
            else:
                status, headers, body = page
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


Behaviour = Callable[[BaseHTTPRequestHandler], None]


class QuietServer(ThreadingHTTPServer):
    """A client hanging up on a deliberately slow or broken answer is expected here, not an error."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def send(handler: BaseHTTPRequestHandler, status: int, headers: Mapping[str, str], body: bytes) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def proxy_behaviours(routes: Mapping[str, Behaviour]) -> Iterator[tuple[str, list[str]]]:
    """A forward proxy on loopback where each absolute URL runs its own behaviour (faults included)."""
    requested: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                requested.append(self.path)
            behaviour = routes.get(self.path)
            if behaviour is None:
                send(self, 404, {"Content-Type": "text/html"}, b"")
            else:
                behaviour(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
