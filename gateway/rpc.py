"""RPC to the services through a pool of nameko standalone proxies.

A standalone proxy is single-threaded, so each request borrows one for its duration. A proxy that
timed out or lost its broker connection is thrown away and a fresh one is built on next use, so a
broker restart heals by itself. The caller travels as context data on every call.

Requests expire in the queue after the RPC timeout: a command the caller has given up on must not
run later, when a stopped service comes back.
"""
import logging
import queue
import socket

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Connection
from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.rpc import ServiceProxy
from nameko.standalone.rpc import ClusterRpcProxy

import services.kit.runtime  # noqa: F401  (registers the domain errors for deserialisation)
from services.kit.errors import Unavailable

log = logging.getLogger(__name__)

BROKEN = (AmqpConnectionError, OperationalError, ConnectionError, socket.error)


class ServiceTimeout(Exception):
    """A service did not answer within the RPC timeout."""


class RpcPool:
    def __init__(self, settings):
        self.amqp_uri = settings.amqp_uri
        self.config = {"AMQP_URI": settings.amqp_uri, "SERIALIZER": "json"}
        self.timeout = settings.rpc_timeout_seconds
        self.idle = queue.LifoQueue(maxsize=settings.rpc_pool_size)

    def _borrow(self):
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            standalone = ClusterRpcProxy(self.config, timeout=self.timeout)
            standalone.start()
            return standalone

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
                declared = connection.default_channel.queue_declare(f"rpc-{service}",
                                                                    passive=True)
                return declared.consumer_count > 0
        except Exception:  # no queue, or no broker: either way nobody is serving
            return False

    def _timed_out(self, service):
        if not self.serving(service):
            return Unavailable(f"the {service} service is not running")
        return ServiceTimeout(f"the {service} service did not answer in time")

    def call(self, context_data, service, method, *args, **kwargs):
        """Call `service.method` carrying `context_data` (the caller)."""
        try:
            standalone = self._borrow()
        except BROKEN as error:
            log.warning("broker unreachable: %s", error)
            raise Unavailable("the message broker is not reachable") from None
        # The proxy's worker context is what nameko turns into message headers; each request
        # sets its own caller on the proxy it holds exclusively. nameko's own ServiceProxy,
        # given that context and the proxy's reply queue, lets the request carry an expiry
        # (the cluster proxy offers no publish options).
        standalone._worker_ctx.data = dict(context_data)
        target = ServiceProxy(standalone._worker_ctx, service, standalone._reply_listener,
                              expiration=self.timeout)
        try:
            result = getattr(target, method)(*args, **kwargs)
        except RpcTimeout:
            self._discard(standalone)
            raise self._timed_out(service) from None
        except UnknownService as error:
            self._give_back(standalone)
            raise Unavailable(f"the {error} service is not running") from None
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
