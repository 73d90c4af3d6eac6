"""Prometheus metrics of a service process, served on its own port (`metrics_port_of`) with the
process's liveness (`/healthz`) and readiness (`/readyz`: its database answers).

Every service gets them from ServiceBase, with no code of its own:

- `anjian_rpc_seconds{service,method,outcome}`: how long each RPC took (histogram);
- `anjian_event_handler_seconds{service,handler}` and `anjian_timer_seconds{service,timer}`;
- `anjian_rpc_refused_total{service}`: requests refused as busy (every worker at work);
- `anjian_events_total{service,type,outcome}`: events handled, failed (to be retried),
  dead-lettered (parked) and skipped as duplicates, counted by the inbox;
- `anjian_timer_lag_seconds{service,timer}`: how much later than its interval a periodic job
  last started (the workers were busy, or its last run overran);
- read when scraped: `anjian_outbox_backlog{service}` and `anjian_outbox_oldest_pending_seconds`
  (writes whose events the broker has not yet confirmed), `anjian_queue_messages{service,queue,
  state}` (ready and unacknowledged messages of the service's queues, from the broker's
  management API) and `anjian_workers_busy{service}` / `anjian_workers_max{service}`.

The same provider binds the request's correlation id (services/kit/correlation.py) for the
length of each worker, so every log line the worker writes names it.
"""

import logging
import time

import pymongo
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.timer import Timer
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

from services.kit import correlation
from services.kit.broker import ManagementApi
from services.kit.config import Settings
from services.kit.exposition import serve
from services.kit.pure.errors import Unavailable

log = logging.getLogger(__name__)

RPC_SECONDS = Histogram(
    "anjian_rpc_seconds",
    "Time a service took to answer an RPC, from the start of its worker",
    ["service", "method", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "anjian_event_handler_seconds", "Time an event handler's worker took", ["service", "handler"]
)
TIMER_SECONDS = Histogram(
    "anjian_timer_seconds", "Time a periodic job's run took", ["service", "timer"]
)
TIMER_LAG = Gauge(
    "anjian_timer_lag_seconds",
    "How much later than one interval after its previous start a periodic job last started",
    ["service", "timer"],
)
EVENTS = Counter(
    "anjian_events",
    "Events taken by a service's handlers, by type and outcome: handled, failed (retried), "
    "dead_lettered (parked for an administrator) or duplicate (applied before, skipped)",
    ["service", "type", "outcome"],
)
REFUSED = Counter(
    "anjian_rpc_refused",
    "RPC requests refused at once because every worker was busy and as many requests waited",
    ["service"],
)
HANDLED, FAILED, DEAD_LETTERED, DUPLICATE = "handled", "failed", "dead_lettered", "duplicate"
# A scrape must not hang on a slow broker or database: each reading gets this long.
READ_SECONDS = 2


def count_event(consumer, event_type, outcome):
    """Count one event of `consumer` ("<service>.<handler>")."""
    EVENTS.labels(consumer.partition(".")[0], event_type or "unknown", outcome).inc()


class Instrumentation(DependencyProvider):
    """Times every worker of the service, measures its timers' lag, binds the correlation id of
    the work, and serves the process's metrics with the readings of `ServiceReadings`."""

    def setup(self):
        self.settings = Settings.from_nameko(self.container.config)
        self.service = self.container.service_name
        self.running = {}

    def start(self):
        # The queues this service consumes, as its entrypoints declared them (RPC, events, and
        # queues of its own such as monitoring's readings).
        self.queues = {
            queue.name
            for entrypoint in self.container.entrypoints
            if (queue := _queue_of(entrypoint)) is not None
        }
        self.broker = ManagementApi(
            self.settings.amqp_uri, self.settings.broker_management_url, timeout=READ_SECONDS
        )
        port = self.settings.metrics_port_of(self.service)
        if port:
            serve(self.settings.metrics_host, port, ready=self.not_ready)
        READINGS.watch(self)

    def stop(self):
        READINGS.forget(self)

    kill = stop

    def worker_setup(self, worker_ctx):
        given = worker_ctx.data.get(correlation.CORRELATION_ID)
        token = correlation.bind(given) if given else None
        now = time.monotonic()
        entrypoint = worker_ctx.entrypoint
        lag = getattr(entrypoint, "lag", None)  # a ClaimedTimer's, over every tick
        if lag is not None:
            TIMER_LAG.labels(self.service, entrypoint.method_name).set(lag)
        self.running[worker_ctx] = (now, token)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started, _ = self.running.get(worker_ctx, (None, None))
        if started is None:
            return
        seconds = time.monotonic() - started
        entrypoint = worker_ctx.entrypoint
        name = entrypoint.method_name
        if isinstance(entrypoint, Rpc):
            outcome = "ok" if exc_info is None else type(exc_info[1]).__name__
            RPC_SECONDS.labels(self.service, name, outcome).observe(seconds)
        elif isinstance(entrypoint, Timer):
            TIMER_SECONDS.labels(self.service, name).observe(seconds)
        else:
            HANDLER_SECONDS.labels(self.service, name).observe(seconds)

    def worker_teardown(self, worker_ctx):
        _, token = self.running.pop(worker_ctx, (None, None))
        if token is not None:
            correlation.unbind(token)

    def not_ready(self):
        """Why the service cannot work now (its database does not answer), or None."""
        store = self.store()
        if store is None:
            return None
        try:
            with pymongo.timeout(READ_SECONDS):
                store.db.command("ping")
        except Exception as error:  # any failure: not ready, and why
            return f"the database does not answer: {error}"
        return None

    # --- read when scraped ---

    def store(self):
        """The service's store (the MongoStore dependency's), when it has one."""
        from services.kit.mongo import store_of  # that module imports this one

        return store_of(self.container)

    def queue_depths(self):
        """[(queue, ready, unacknowledged, consumers)] of every queue of the broker's virtual
        host, or [] when the broker's management API does not answer."""
        try:
            return self.broker.queues()
        except Unavailable as error:
            log.warning("queue depths not read from the broker: %s", error)
            return []

    def workers(self):
        return self.container.max_workers - self.container._worker_pool.free()


class ServiceReadings:
    """Figures read when Prometheus scrapes: outbox backlog, queue depth, busy workers. One per
    process, registered once, for every service container the process runs."""

    def __init__(self):
        self.watched = []
        self.registered = False

    def watch(self, instrumentation):
        if not self.registered:
            REGISTRY.register(self)
            self.registered = True
        self.watched.append(instrumentation)

    def forget(self, instrumentation):
        if instrumentation in self.watched:
            self.watched.remove(instrumentation)

    def collect(self):
        backlog = GaugeMetricFamily(
            "anjian_outbox_backlog",
            "Writes whose events the broker has not confirmed yet (outbox pointers)",
            labels=["service"],
        )
        oldest = GaugeMetricFamily(
            "anjian_outbox_oldest_pending_seconds",
            "Age of the oldest write whose events wait for the broker",
            labels=["service"],
        )
        queued = GaugeMetricFamily(
            "anjian_queue_messages",
            "Messages in the service's queues: ready (waiting for a worker) and unacknowledged",
            labels=["service", "queue", "state"],
        )
        busy = GaugeMetricFamily(
            "anjian_workers_busy", "Workers of the service at work now", labels=["service"]
        )
        capacity = GaugeMetricFamily(
            "anjian_workers_max", "Workers the service may run at once", labels=["service"]
        )
        depths = None  # one read of the broker per scrape, for every service of the process
        for watched in list(self.watched):
            service = watched.service
            busy.add_metric([service], watched.workers())
            capacity.add_metric([service], watched.container.max_workers)
            store = watched.store()
            if store is not None:
                try:
                    with pymongo.timeout(READ_SECONDS):
                        count, age = store.outbox_backlog()
                    backlog.add_metric([service], count)
                    oldest.add_metric([service], age)
                except Exception as error:  # the database is down: no figure this time
                    log.warning("outbox backlog not read: %s", error)
            if depths is None:
                depths = watched.queue_depths()
            for queue, ready, unacknowledged, _ in depths:
                if queue in watched.queues:
                    queued.add_metric([service, queue, "ready"], ready)
                    queued.add_metric([service, queue, "unacknowledged"], unacknowledged)
        yield from (backlog, oldest, queued, busy, capacity)


READINGS = ServiceReadings()


def _queue_of(entrypoint):
    """The queue an entrypoint consumes (an RPC entrypoint's is its consumer's), or None."""
    consumer = getattr(entrypoint, "rpc_consumer", None)
    return getattr(consumer or entrypoint, "queue", None)
