"""/healthz and /metrics on a port of their own (`--health-port`), for the processes that have no
HTTP server: `rebound serve` in Socket Mode and `rebound worker`. A small threaded server from
the standard library, in daemon threads: a scrape never waits on Slack's traffic, nor it on one."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.config import ConfigError
from rebound.exposition import Monitoring

logger = logging.getLogger("rebound.health")


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _ServerV6(_Server):
    address_family = socket.AF_INET6


class _Requests(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        # One line per scrape would drown the log; at DEBUG they are there.
        logger.debug("%s %s", self.address_string(), format % args)


class MonitoringServer:
    """The running server; `stop()` closes its port."""

    def __init__(self, server: WSGIServer) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, name="rebound-health", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_monitoring(monitoring: Monitoring, host: str, port: int) -> MonitoringServer:
    """Serve `monitoring` on host:port until stopped; anything else is a 404."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if monitoring.handles(environ):
            return monitoring(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"Not found"]

    server_class = _ServerV6 if ":" in host else _Server
    try:
        server = make_server(host, port, application, server_class=server_class, handler_class=_Requests)
    except OSError as error:
        problem = error.strerror or str(error)
        raise ConfigError("--health-port", f"{port} cannot be opened on {host}: {problem}") from None
    shown = f"[{host}]" if ":" in host else host
    logger.info("Serving /healthz and /metrics on http://%s:%s", shown, port)
    return MonitoringServer(server)
