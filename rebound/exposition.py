"""What Rebound shows monitoring about itself: `GET /healthz` (does the database answer) and
`GET /metrics` (bot.metrics, in Prometheus's text format), beside Slack's Request URL
(rebound/server.py) or on a port of their own (rebound/health_port.py)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from bot import metrics
from storage import Store

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


class Monitoring:
    """/healthz for load balancers, always open; /metrics for Prometheus, behind `token` when one
    is set (`Authorization: Bearer <token>`). `multiprocess_dir`: every process's counts are
    there (PROMETHEUS_MULTIPROC_DIR), else this process's own are shown."""

    def __init__(self, store: Store, *, token: str | None, multiprocess_dir: Path | None) -> None:
        self.store = store
        self.token = token.encode() if token else None
        # Not auto-described: the counts are named once, by whoever keeps them.
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(metrics.counts(multiprocess_dir))
        self.registry.register(metrics.SweepLag(store))

    def handles(self, environ: dict[str, Any]) -> bool:
        return environ.get("PATH_INFO") in (HEALTH_PATH, METRICS_PATH) and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            healthy = self.store.ping()
            body = json.dumps(
                {"status": "ok" if healthy else "unavailable", "database": "ok" if healthy else "unreachable"}
            ).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _answer(start_response, status, body, "application/json")
        if not self.allowed(environ):
            challenge = ("WWW-Authenticate", 'Bearer realm="rebound metrics"')
            return _answer(
                start_response, "401 Unauthorized", b"Bearer token required", "text/plain", [challenge]
            )
        encoder, content_type = choose_encoder(str(environ.get("HTTP_ACCEPT") or ""))
        return _answer(start_response, "200 OK", encoder(self.registry), content_type)

    def allowed(self, environ: dict[str, Any]) -> bool:
        if self.token is None:
            return True
        scheme, _, given = str(environ.get("HTTP_AUTHORIZATION") or "").partition(" ")
        # Compared in constant time: how long a wrong token takes says nothing of the right one.
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token)


def _answer(
    start_response: Callable[..., Any],
    status: str,
    body: bytes,
    content_type: str,
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    start_response(
        status,
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            *(headers or []),
        ],
    )
    return [body]
