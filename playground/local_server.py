"""The local HTTP server every fake serves from: the Slack emulator, the fake HubSpot and the
playground's page (and the tests' own small servers).

Threaded, bound to 127.0.0.1 on a free port or a given one, served from a daemon thread, and
quiet: no line per request on stderr, and none for a caller that hung up mid-answer.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

# A short poll: stop() waits up to one poll for the serving loop to notice.
POLL = 0.05


class LocalServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 (`port` 0: a free one); OSError when the port is taken."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self.serve_forever, args=(POLL,), daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> Self:
        """Serve from a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (if it started) and free the port."""
        if self._thread.is_alive():
            self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A bot process killed mid-call (the soak does that) leaves the answer nowhere to go.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps connections open (HTTP/1.1) and logs no line per request."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass
