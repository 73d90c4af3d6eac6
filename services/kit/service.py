"""The base of every anjian service: what each one has besides its own store and entrypoints.

A service reads

    class RegistryService(ServiceBase):
        name = "registry"
        store = MongoStore(name, RegistryStore)

plus its entrypoints. The base brings the caller and the clock, the rules in force (its
`rules/*.yaml` with the deployment's overrides), the outbox relay, the administrators' view of
parked events, the pruning of old bookkeeping, metrics and correlated log lines, and the
`health`, `rules_in_force` and `indicators_together` RPCs.
"""

from eventlet import GreenPool

from services.kit.housekeeping import Housekeeping
from services.kit.inbox import DeadLetterAccess
from services.kit.metrics import Instrumentation
from services.kit.outbox import OutboxRelay
from services.kit.pure.errors import InvalidInput, NotFound
from services.kit.rules import Rules
from services.kit.runtime import Caller, ClockProvider, rpc

# An indicator entrypoint is named `<something>_indicators` and takes {region, year}.
INDICATORS = "_indicators"
# The targets page of a province asks for itself, its year before and each of its cities.
MAX_TOGETHER = 64


class ServiceBase(OutboxRelay, DeadLetterAccess, Housekeeping):
    """Subclasses set `name` and `store` (a MongoStore of their BaseStore subclass)."""

    caller = Caller()
    clock = ClockProvider()
    # Metrics of every worker and the correlation id of its request (services/kit/metrics.py).
    instruments = Instrumentation()
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

    @rpc
    def indicators_together(self, method, queries):
        """The answers of one of this service's indicator entrypoints to several queries, in one
        call: the targets page asks for a region, its year before and each division below, and
        one round trip for them all costs less than one each."""
        if not method.endswith(INDICATORS) or not callable(getattr(type(self), method, None)):
            raise NotFound(f"the {self.name} service has no indicator {method!r}")
        if not isinstance(queries, list) or not 0 < len(queries) <= MAX_TOGETHER:
            raise InvalidInput(
                f"queries must be a list of 1 to {MAX_TOGETHER}", {"queries": ["not a list"]}
            )
        counters = self.store.event_counters
        documents = counters.read_once()
        answer = getattr(self, method)

        def answered(query):
            with counters.answering_from(documents):
                return answer(query)

        # Side by side: what each answer still reads waits on the database, not the processor.
        return list(GreenPool(len(queries)).imap(answered, queries))
