"""A process's metrics served over HTTP on a port of its own, beside its liveness (`/healthz`)
and readiness (`/readyz`). Apart from services/kit/metrics.py so that a process that only serves
figures (the gateway's gunicorn master) imports nothing else: that module brings nameko and the
database driver, 40 MB of a process that needs none of them.
"""

import logging
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import REGISTRY, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

log = logging.getLogger(__name__)

# The process's own health, beside its metrics: Kubernetes probes these (deploy/kubernetes).
LIVENESS, READINESS = "/healthz", "/readyz"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        """A scrape every few seconds is not worth a log line."""


def _answer(start_response, status, text):
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]


def serve(host, port, registry=REGISTRY, ready=None):
    """Serve on `port`: the metrics of `registry` (this process's), and `/healthz` (the process
    answers) and `/readyz` (`ready()` returns None, else why not). A port already taken is
    logged, not fatal: the service is worth more than its figures."""
    metrics = make_wsgi_app(registry)

    def application(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == LIVENESS:
            return _answer(start_response, "200 OK", "alive")
        if path == READINESS:
            why_not = ready() if ready else None
            if why_not:
                return _answer(start_response, "503 Service Unavailable", why_not)
            return _answer(start_response, "200 OK", "ready")
        return metrics(environ, start_response)

    try:
        server = make_server(
            host, port, application, ThreadingWSGIServer, handler_class=_QuietHandler
        )
    except OSError as error:
        log.warning("metrics not served: port %d is not free (%s)", port, error)
        return False
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()
    log.info("metrics and health served on %s:%d", host, port)
    return True
