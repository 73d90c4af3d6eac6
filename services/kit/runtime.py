"""nameko glue every service shares: RPC entrypoints with the error contract, the caller, the clock.

Importing this module registers the kit's domain errors with nameko, so they cross RPC as their own
classes instead of a bare RemoteError (the gateway imports it too).
"""
import functools
import logging

from minio.error import S3Error
from nameko.exceptions import deserialize_to_instance
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc as nameko_rpc
from pymongo.errors import ConnectionFailure
from urllib3.exceptions import HTTPError

from services.kit.actor import Actor
from services.kit.config import Settings
from services.kit.errors import ALL_ERRORS, Unavailable

log = logging.getLogger(__name__)

for _error in ALL_ERRORS:
    deserialize_to_instance(_error)


def rpc(method):
    """An RPC entrypoint whose failures are part of the error contract.

    Domain errors pass through; an unreachable database or object store becomes Unavailable, so
    the caller sees 503 instead of an anonymous remote error.
    """

    @functools.wraps(method)
    def guarded(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ConnectionFailure as error:
            log.warning("database unreachable in %s: %s", method.__name__, error)
            raise Unavailable("the database is not reachable, try again shortly") from None
        except (HTTPError, S3Error) as error:
            log.warning("object store failed in %s: %s", method.__name__, error)
            raise Unavailable("the evidence store is not reachable, try again shortly") from None

    return nameko_rpc(expected_exceptions=ALL_ERRORS)(guarded)


class Caller(DependencyProvider):
    """Injects a function returning the calling Actor, read from the worker's context data."""

    def get_dependency(self, worker_ctx):
        return lambda: Actor.from_context(worker_ctx.data)


class ClockProvider(DependencyProvider):
    """Injects the service's clock, set ahead by `clock_offset_seconds` where configured."""

    def setup(self):
        self.clock = Settings.from_nameko(self.container.config).clock()

    def get_dependency(self, worker_ctx):
        return self.clock
