"""RPC to the services through a pool of nameko standalone proxies.

A standalone proxy is single-threaded, so each request borrows one for its duration. A proxy that
timed out or lost its broker connection is thrown away and a fresh one is built on next use, so a
broker restart heals by itself. The caller travels as context data on every call.
"""
import logging
import queue
import socket
from contextlib import contextmanager

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

import services.kit.runtime  # noqa: F401  (registers the domain errors for deserialisation)
from services.kit.errors import Unavailable

log = logging.getLogger(__name__)

BROKEN = (AmqpConnectionError, OperationalError, ConnectionError, socket.error)


class ServiceTimeout(Exception):
    """A service did not answer within the RPC timeout."""


class RpcPool:
    def __init__(self, settings):
        self.config = {"AMQP_URI": settings.amqp_uri, "SERIALIZER": "json"}
        self.timeout = settings.rpc_timeout_seconds
        self.idle = queue.LifoQueue(maxsize=settings.rpc_pool_size)

    def _borrow(self):
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            standalone = ClusterRpcProxy(self.config, timeout=self.timeout)
            return standalone, standalone.start()

    def _give_back(self, entry):
        try:
            self.idle.put_nowait(entry)
        except queue.Full:
            entry[0].stop()

    @staticmethod
    def _discard(entry):
        try:
            entry[0].stop()
        except Exception:  # already broken; nothing to clean up on a dead connection
            pass

    @contextmanager
    def cluster(self, context_data):
        """A proxy to every service, carrying `context_data`, for the duration of one request."""
        try:
            entry = self._borrow()
        except BROKEN as error:
            log.warning("broker unreachable: %s", error)
            raise Unavailable("the message broker is not reachable") from None
        standalone, proxy = entry
        # The proxy's worker context is what nameko turns into message headers; each request
        # sets its own caller on the proxy it holds exclusively.
        standalone._worker_ctx.data = dict(context_data)
        try:
            yield proxy
        except RpcTimeout:
            self._discard(entry)
            raise ServiceTimeout("the service did not answer in time") from None
        except UnknownService as error:
            self._give_back(entry)
            raise Unavailable(f"the {error} service is not running") from None
        except BROKEN as error:
            self._discard(entry)
            log.warning("broker connection lost: %s", error)
            raise Unavailable("the message broker is not reachable") from None
        except BaseException:
            self._give_back(entry)
            raise
        else:
            self._give_back(entry)

    def close(self):
        while True:
            try:
                self._discard(self.idle.get_nowait())
            except queue.Empty:
                return
