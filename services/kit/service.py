"""The base of every anjian service: what each one has besides its own store and entrypoints.

A service reads

    class RegistryService(ServiceBase):
        name = "registry"
        store = MongoStore(name, RegistryStore)

plus its entrypoints. The base brings the caller and the clock, the outbox relay, the
administrators' view of parked events, the pruning of old bookkeeping and the `health` RPC.
"""
from services.kit.housekeeping import Housekeeping
from services.kit.inbox import DeadLetterAccess
from services.kit.outbox import OutboxRelay
from services.kit.runtime import Caller, ClockProvider, rpc


class ServiceBase(OutboxRelay, DeadLetterAccess, Housekeeping):
    """Subclasses set `name` and `store` (a MongoStore of their BaseStore subclass)."""

    caller = Caller()
    clock = ClockProvider()

    @rpc
    def health(self):
        self.store.db.command("ping")
        return {"service": self.name, "database": "up"}

