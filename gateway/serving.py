"""gunicorn's hooks for the gateway (`gunicorn -c python:gateway.serving`): the master serves the
metrics of all its workers on the gateway's metrics port, and forgets a worker that exits; a
request gunicorn refuses itself (a request line or headers past its limits, a malformed request)
is answered in problem+json like every other refusal, not in gunicorn's HTML."""

import os

from gunicorn import util
from prometheus_client import CollectorRegistry, multiprocess

from gateway.problem_details import http_response
from services.kit import logs
from services.kit.config import Settings
from services.kit.exposition import serve

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"

logs.configure("gateway")


def _write_problem(sock, status, reason, detail):
    util.write_nonblock(sock, http_response(status, reason, detail))


# gunicorn's workers write these refusals through this one function of its util module.
util.write_error = _write_problem


def when_ready(server):
    settings = Settings.from_env()
    port = settings.metrics_port_of("gateway")
    if port and os.environ.get(MULTIPROCESS):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        serve(settings.metrics_host, port, registry)


def child_exit(server, worker):
    if os.environ.get(MULTIPROCESS):
        multiprocess.mark_process_dead(worker.pid)
