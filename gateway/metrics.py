"""Prometheus metrics of the gateway: the time of each request by route and of each RPC it makes
by service and method, served on the gateway's metrics port (`Settings.metrics_port_of`).

Under gunicorn each worker process counts for itself in prometheus_client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR, a folder of its own that `anjian serve gateway` sets), and the master
serves the sum over its workers (gateway/serving.py), so a scrape sees the whole gateway.
"""

from prometheus_client import Histogram

HTTP_SECONDS = Histogram(
    "anjian_http_request_seconds",
    "Time the gateway took to answer a request, by route, method and status",
    ["route", "method", "status"],
)
RPC_CLIENT_SECONDS = Histogram(
    "anjian_rpc_client_seconds",
    "Time a service's answer to an RPC took as the gateway waited for it, broker included",
    ["service", "method", "outcome"],
)
