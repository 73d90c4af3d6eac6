"""The base of every anjian service: what each one has besides its own store and entrypoints.

A service reads

    class RegistryService(ServiceBase):
        name = "registry"
        store = MongoStore(name, RegistryStore)

plus its entrypoints. The base brings the caller and the clock, the rules in force (its
`rules/*.yaml` with the deployment's overrides), the outbox relay, the administrators' view of
parked events, the pruning of old bookkeeping, and the `health` and `rules` RPCs.
"""

from services.kit.housekeeping import Housekeeping
from services.kit.inbox import DeadLetterAccess
from services.kit.outbox import OutboxRelay
from services.kit.rules import Rules
from services.kit.runtime import Caller, ClockProvider, rpc


class ServiceBase(OutboxRelay, DeadLetterAccess, Housekeeping):
    """Subclasses set `name` and `store` (a MongoStore of their BaseStore subclass)."""

    caller = Caller()
    clock = ClockProvider()
    rules = Rules()

    @rpc
    def health(self):
        self.store.db.command("ping")
        return {"service": self.name, "database": "up"}

    @rpc
    def rules_in_force(self):
        """Every rule this service applies: source, dates, what it was checked against, and the
        fingerprint of the whole set (public reference data)."""
        return {"service": self.name, **self.rules.describe()}
