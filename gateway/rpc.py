"""RPC to the services through a pool of nameko standalone proxies.

A standalone proxy is single-threaded, so each request borrows one for its duration. A proxy that
timed out or lost its broker connection is thrown away and a fresh one is built on next use, so a
broker restart heals by itself. The caller travels as context data on every call.

While the broker is down a request fails within a second: an idle proxy is checked before use (a
broker restart leaves it holding a dead connection, and a request sent through it would wait for a
reply that can never come), a new proxy is only built once a quick probe reaches the broker, and
a request is sent with one immediate retry instead of kombu's seconds of back-off.

Requests expire in the queue after the RPC timeout: a command the caller has given up on must not
run later, when a stopped service comes back.
"""

import logging
import queue
import socket
import time

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Connection
from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.rpc import ServiceProxy
from nameko.standalone.rpc import ClusterRpcProxy

from gateway.metrics import RPC_CLIENT_SECONDS
from services.kit.pure.errors import NotDeployed, Unavailable

# Importing the runtime registers the domain errors too.
from services.kit.runtime import DEADLINE, RPC_DELIVERY_MODE

log = logging.getLogger(__name__)

BROKEN = (AmqpConnectionError, OperationalError, ConnectionError, socket.error)
PROBE_SECONDS = 1
# One immediate retry revives a pooled connection the broker dropped; more only keeps callers
# waiting.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}


class ServiceTimeout(Exception):
    """A service did not answer within the RPC timeout."""


def pyamqp_uri(amqp_uri):
    """The same broker, with kombu's pure-Python transport named outright.

    For an amqp:// URI kombu tries to import the optional librabbitmq on every Connection it
    makes, and nameko makes one for every request it publishes: a failed import each time,
    holding the interpreter's import lock while it searches sys.path.
    """
    scheme, separator, rest = amqp_uri.partition("://")
    return f"pyamqp{separator}{rest}" if scheme == "amqp" else amqp_uri


class RpcPool:
    def __init__(self, settings):
        self.amqp_uri = pyamqp_uri(settings.amqp_uri)
        self.config = {"AMQP_URI": self.amqp_uri, "SERIALIZER": "json"}
        self.timeout = settings.rpc_timeout_seconds
        self.idle = queue.LifoQueue(maxsize=settings.rpc_pool_size)

    def _borrow(self):
        while True:
            try:
                standalone = self.idle.get_nowait()
            except queue.Empty:
                break
            if self._connected(standalone):
                return standalone
            self._discard(standalone)
        self._probe_broker()
        standalone = ClusterRpcProxy(self.config, timeout=self.timeout)
        standalone.start()
        return standalone

    @staticmethod
    def _connected(standalone):
        """Whether the proxy's reply connection still stands: a read that finds nothing waiting
        times out at once, one on a connection the broker closed fails."""
        try:
            standalone._reply_listener.queue_consumer.connection.drain_events(timeout=0)
        except TimeoutError:
            return True
        except Exception:  # reset, closed or unusable: in every case a dead connection
            return False
        return True

    def _probe_broker(self):
        with Connection(self.amqp_uri, connect_timeout=PROBE_SECONDS) as connection:
            connection.ensure_connection(max_retries=0)

    def _give_back(self, standalone):
        try:
            self.idle.put_nowait(standalone)
        except queue.Full:
            standalone.stop()

    @staticmethod
    def _discard(standalone):
        try:
            standalone.stop()
        except Exception:  # already broken; nothing to clean up on a dead connection
            pass

    def serving(self, service):
        """True when at least one instance of `service` consumes its RPC queue."""
        try:
            with Connection(self.amqp_uri, connect_timeout=2) as connection:
                declared = connection.default_channel.queue_declare(f"rpc-{service}", passive=True)
                return declared.consumer_count > 0
        except Exception:  # no queue, or no broker: either way nobody is serving
            return False

    def _timed_out(self, service):
        if not self.serving(service):
            return Unavailable(f"the {service} service is not running")
        return ServiceTimeout(f"the {service} service did not answer in time")

    def call(self, context_data, service, method, *args, **kwargs):
        """Call `service.method` carrying `context_data` (the caller), timed."""
        started = time.monotonic()
        outcome = "ok"
        try:
            return self._call(context_data, service, method, *args, **kwargs)
        except BaseException as error:
            outcome = type(error).__name__
            raise
        finally:
            RPC_CLIENT_SECONDS.labels(service, method, outcome).observe(time.monotonic() - started)

    def _call(self, context_data, service, method, *args, **kwargs):
        try:
            standalone = self._borrow()
        except BROKEN as error:
            log.warning("broker unreachable: %s", error)
            raise Unavailable("the message broker is not reachable") from None
        # The proxy's worker context is what nameko turns into message headers; each request
        # sets its own caller on the proxy it holds exclusively. nameko's own ServiceProxy,
        # given that context and the proxy's reply queue, lets the request carry an expiry
        # (the cluster proxy offers no publish options).
        standalone._worker_ctx.data = {**context_data, DEADLINE: time.time() + self.timeout}
        target = ServiceProxy(
            standalone._worker_ctx,
            service,
            standalone._reply_listener,
            expiration=self.timeout,
            delivery_mode=RPC_DELIVERY_MODE,
            retry_policy=PUBLISH_RETRY,
        )
        try:
            result = getattr(target, method)(*args, **kwargs)
        except RpcTimeout:
            self._discard(standalone)
            raise self._timed_out(service) from None
        except UnknownService as error:
            # No queue for it on this broker: the service was never deployed here.
            self._give_back(standalone)
            raise NotDeployed(f"the {error} service is not deployed here") from None
        except BROKEN as error:
            self._discard(standalone)
            # The idle proxies lost the same broker: drop them now rather than fail on each.
            self.close()
            log.warning("broker connection lost: %s", error)
            raise Unavailable("the message broker is not reachable") from None
        except BaseException:
            self._give_back(standalone)
            raise
        self._give_back(standalone)
        return result

    def close(self):
        while True:
            try:
                self._discard(self.idle.get_nowait())
            except queue.Empty:
                return
