"""gunicorn's hooks for the gateway (`gunicorn -c python:gateway.serving`): the master serves the
metrics of all its workers on the gateway's metrics port, and forgets a worker that exits."""

import os

from prometheus_client import CollectorRegistry, multiprocess

from services.kit import logs
from services.kit.config import Settings
from services.kit.exposition import serve

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"

logs.configure("gateway")


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
