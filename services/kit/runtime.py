"""nameko glue every service shares: RPC entrypoints with the error contract, the caller, the clock.

Importing this module registers the kit's domain errors with nameko, so they cross RPC as their own
classes instead of a bare RemoteError (the gateway imports it too).

The kit's entrypoints ride out a broker outage. In nameko an exception in a worker's result
handling (sending the RPC reply, acknowledging the message) ends the whole service container, and
its consumer backs off up to 30 s between reconnection attempts. Here a reply that cannot be sent is
dropped with a log line (the caller has its own timeout), an acknowledgement on a lost connection
is left to the broker (it hands unacknowledged messages out again), and consumers reconnect after
half a second and then at most every 5 s.
"""

import functools
import logging
import os
import socket
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pymongo
from kombu import Connection
from minio.error import S3Error
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    NON_PERSISTENT,
    SERIALIZER_CONFIG_KEY,
)
from nameko.events import EventHandler
from nameko.exceptions import deserialize_to_instance
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange
from nameko.timer import Timer
from pymongo.errors import ConnectionFailure, ExecutionTimeout, NetworkTimeout
from urllib3.exceptions import HTTPError

from services.kit.config import Settings
from services.kit.metrics import REFUSED
from services.kit.pure.actor import Actor
from services.kit.pure.errors import ALL_ERRORS, Busy, TimedOut, Unavailable

log = logging.getLogger(__name__)

for _error in ALL_ERRORS:
    deserialize_to_instance(_error)

# Context data key: when (epoch seconds) the caller gives up waiting for the answer.
DEADLINE = "deadline"
# Context data key: the address the caller's request came from, as the gateway saw it.
CLIENT_ADDRESS = "client_address"
# RPC requests delivered beyond those running, per worker: as many wait, the rest are refused.
RPC_PREFETCH_PER_WORKER = 4
# RPC requests and replies are not written to the broker's disk: a request outlives neither its
# caller's wait nor the caller's reply queue, which a broker restart removes anyway, and writing
# every request and answer (the catalogue is 50 KB) cost the broker more than the call itself.
RPC_DELIVERY_MODE = NON_PERSISTENT

# Seconds between attempts to reach the broker: the first within a second, then at most every 5 s.
RECONNECT = {"interval_start": 0.5, "interval_step": 1, "interval_max": 5}
# How much of its interval a copy holds a timer's turn: less than all of it, so the holder's own
# next tick finds it free, and a turn given up by a copy that died passes on within an interval.
TURN_SHARE = 0.9


def _retrying(error, interval):
    log.warning("broker unreachable (%s); trying again in %.1fs", error, interval)


def broker_connection(amqp_uri):
    """A connection to the broker, waiting as long as it takes for the broker to answer."""
    connection = Connection(amqp_uri)
    connection.ensure_connection(_retrying, max_retries=None, **RECONNECT)
    return connection


class ResilientQueueConsumer(QueueConsumer):
    """nameko's queue consumer with bounded reconnection back-off, whose acknowledgements never
    fail: on a lost connection the broker has already taken the message back for redelivery."""

    @contextmanager
    def establish_connection(self):
        with self.create_connection() as connection:
            connection.ensure_connection(
                self.on_connection_error, self.connect_max_retries, **RECONNECT
            )
            yield connection

    def _settle(self, settle, message, verb):
        try:
            settle(message)
        except self.connection_errors + self.channel_errors as error:
            log.warning(
                "could not %s message %s, the broker will deliver it again: %s",
                verb,
                message.delivery_tag,
                error,
            )

    def ack_message(self, message):
        self._settle(super().ack_message, message, "acknowledge")

    def requeue_message(self, message):
        self._settle(super().requeue_message, message, "requeue")


class RpcQueueConsumer(ResilientQueueConsumer):
    """The RPC queue's own consumer, delivering more requests than there are workers, so that a
    request nobody can take soon is refused at once instead of waiting in the broker."""

    @property
    def prefetch_count(self):
        return RPC_PREFETCH_PER_WORKER * self.container.max_workers


class TransientPublisher(Publisher):
    delivery_mode = RPC_DELIVERY_MODE


class TransientResponder(Responder):
    publisher_cls = TransientPublisher


class ResilientRpcConsumer(RpcConsumer):
    queue_consumer = RpcQueueConsumer()

    def setup(self):
        super().setup()
        self.waiting = 0

    def _reply(self, message, result, exc_info):
        """nameko's own reply, sent as a transient message."""
        config = self.container.config
        responder = TransientResponder(
            config[AMQP_URI_CONFIG_KEY],
            get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER),
            message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info

    def handle_result(self, message, result, exc_info):
        try:
            return self._reply(message, result, exc_info)
        except Exception as error:  # whatever stops the reply, the container must live on
            log.warning(
                "reply to %s dropped, the caller will time out: %s",
                message.delivery_info.get("routing_key"),
                error,
            )
            self.queue_consumer.ack_message(message)
            return result, exc_info


class ResilientRpc(Rpc):
    rpc_consumer = ResilientRpcConsumer()

    def handle_message(self, body, message):
        """Wait for a worker only while no more requests wait than there are workers."""
        consumer = self.rpc_consumer
        if (
            self.container._worker_pool.free() == 0
            and consumer.waiting >= self.container.max_workers
        ):
            REFUSED.labels(self.container.service_name).inc()
            raise Busy(f"every {self.container.service_name} worker is busy; try again shortly")
        consumer.waiting += 1
        try:
            super().handle_message(body, message)
        finally:
            consumer.waiting -= 1


class ResilientEventHandler(EventHandler):
    queue_consumer = ResilientQueueConsumer()


event_handler = ResilientEventHandler.decorator


def rpc(method):
    """An RPC entrypoint whose failures are part of the error contract.

    Domain errors pass through; an unreachable database or object store becomes Unavailable, so
    the caller sees 503 instead of an anonymous remote error.
    """

    @functools.wraps(method)
    def guarded(service, *args, **kwargs):
        seconds_left = service.caller.seconds_left()
        if seconds_left is not None and seconds_left <= 0:
            raise TimedOut("the caller had given up before this request could start")
        try:
            # Every database call gets what is left of the caller's time (maxTimeMS and socket
            # timeouts), so the store's work ends when the caller's wait does.
            with pymongo.timeout(seconds_left):
                return method(service, *args, **kwargs)
        except (ExecutionTimeout, NetworkTimeout) as error:
            if seconds_left is None and isinstance(error, NetworkTimeout):
                raise Unavailable("the database is not reachable, try again shortly") from None
            log.warning("%s ran out of time: %s", method.__name__, error)
            raise TimedOut("the request took longer than its caller would wait") from None
        except ConnectionFailure as error:
            log.warning("database unreachable in %s: %s", method.__name__, error)
            raise Unavailable("the database is not reachable, try again shortly") from None
        except (HTTPError, S3Error) as error:
            log.warning("object store failed in %s: %s", method.__name__, error)
            raise Unavailable("the evidence store is not reachable, try again shortly") from None

    return ResilientRpc.decorator(expected_exceptions=ALL_ERRORS)(guarded)


class CallerContext:
    """Who is calling (call it for the Actor) and how long they will wait."""

    def __init__(self, data):
        self.data = data

    def __call__(self):
        return Actor.from_context(self.data)

    def seconds_left(self):
        """Until the caller gives up; None when the caller set no deadline."""
        deadline = self.data.get(DEADLINE)
        return None if deadline is None else float(deadline) - time.time()

    def address(self):
        """Where the caller's request came from, for audit trails; None outside a request."""
        return self.data.get(CLIENT_ADDRESS)


class Caller(DependencyProvider):
    """Injects the caller's context: the Actor and the deadline, from the worker's context data."""

    def get_dependency(self, worker_ctx):
        return CallerContext(worker_ctx.data)


class ClockProvider(DependencyProvider):
    """Injects the service's clock, set ahead by `clock_offset_seconds` where configured."""

    def setup(self):
        self.clock = Settings.from_nameko(self.container.config).clock()

    def get_dependency(self, worker_ctx):
        return self.clock


class ClaimedTimer(Timer):
    """nameko's timer, whose turns one copy of the service takes at a time.

    However many copies of a service run, each turn of a periodic job runs in one of them: the
    copy claims the turn by an atomic write on the service's database (the turn's holder and
    until when it holds it, most of an interval) and the others skip it. A copy that stops gives
    its turns back; one that dies holds them until they run out, or until a copy on the same
    machine sees that its process is gone.
    """

    def __init__(self, interval=None, setting=None, **kwargs):
        self.setting = setting
        # Which process holds a turn: on the same machine a copy can tell that one has died.
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # How much later than its interval this tick came (a run that overran holds the next
        # one back), measured over every tick, whichever copy's turn it is; None at the first.
        self.lag = None
        self.ticked_at = None
        super().__init__(interval=interval, **kwargs)

    def setup(self):
        if self.setting:
            self.interval = getattr(Settings.from_nameko(self.container.config), self.setting)

    @property
    def store(self):
        """The service's store (services/kit/mongo.py), whose database keeps the turns."""
        from services.kit.mongo import store_of  # that module imports this one

        return store_of(self.container)

    def handle_timer_tick(self):
        now = time.monotonic()
        if self.ticked_at is not None:
            self.lag = max(now - self.ticked_at - self.interval, 0.0)
        self.ticked_at = now
        if self._claimed():
            super().handle_timer_tick()
        else:
            self.worker_complete.send()

    def _claimed(self):
        now = datetime.now(timezone.utc)
        until = now + timedelta(seconds=TURN_SHARE * self.interval)
        try:
            if self.store.claim_turn(self.method_name, self.holder, now, until):
                return True
            dead = self._dead_holder(self.store.turn_holder(self.method_name))
            return bool(dead) and self.store.claim_turn(
                self.method_name, self.holder, now, until, replacing=dead
            )
        except pymongo.errors.PyMongoError:
            return False  # the database is away: the job could do nothing either

    @staticmethod
    def _dead_holder(holder):
        """`holder` when it was a process of this machine that is no longer running (killed,
        say): its turn is taken over at once; else None, and the turn is left to it."""
        host, _, rest = str(holder or "").partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname() or not pid.isdigit() or _running(int(pid)):
            return None
        return holder

    def stop(self):
        super().stop()
        try:
            self.store.give_turn_back(self.method_name, self.holder)
        except pymongo.errors.PyMongoError:
            pass  # the turn runs out by itself


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class SettingTimer(ClaimedTimer):
    """A claimed timer with its interval taken from a setting when the service starts."""

    def __init__(self, setting, **kwargs):
        super().__init__(setting=setting, **kwargs)


timer = ClaimedTimer.decorator


class Shared(DependencyProvider):
    """One object per service process, made by `factory` when the service starts and handed to
    every worker: state a process keeps for itself, such as a rate limiter's buckets."""

    def __init__(self, factory):
        self.factory = factory

    def setup(self):
        self.instance = self.factory()

    def get_dependency(self, worker_ctx):
        return self.instance
