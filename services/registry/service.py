"""The registry as a nameko service: a thin adapter from RPC and events to the domain rules."""
from nameko.timer import timer

from services.kit.pure.actor import SYSTEM
from services.kit.housekeeping import Housekeeping
from services.kit.inbox import DeadLetterAccess, idempotent_handler
from services.kit.mongo import MongoStore
from services.kit.outbox import Outbox, OutboxRelay
from services.kit.runtime import Caller, ClockProvider, rpc
from services.kit.pure.schemas import PageSchema, load, page_bounds
from services.kit.serialize import plain
from services.registry import domain
from services.registry.schemas import (AuditEntrySchema, EnterpriseCreateSchema,
                                       EnterpriseQuerySchema, EnterpriseSchema,
                                       EnterpriseUpdateSchema, StatusChangeSchema)
from services.registry.store import RegistryStore

INSPECTION_SUSPENSION_ORDERED = "cn.anjian.inspection.suspension.ordered.v1"
INSPECTION_SUSPENSION_LIFTED = "cn.anjian.inspection.suspension.lifted.v1"
INSPECTION_REGISTRY_COPY_REQUESTED = "cn.anjian.inspection.registry_copy.requested.v1"
# Re-announcing every enterprise: this many per tick.
RESYNCHRONISATION_CHUNK = 500
RESYNCHRONISATION_TICK_SECONDS = 1


class RegistryService(OutboxRelay, DeadLetterAccess, Housekeeping):
    name = domain.SERVICE

    store = MongoStore(domain.SERVICE, RegistryStore)
    outbox = Outbox(domain.SERVICE)
    caller = Caller()
    clock = ClockProvider()

    def _view(self, document):
        return EnterpriseSchema().dump(domain.view(document, self.clock.today()))

    def _commit(self, document, change):
        self.store.apply(document, change)
        self.outbox.flush(self.store.enterprises, document["_id"], [change["event"]])

    @rpc
    def register(self, payload):
        fields = load(EnterpriseCreateSchema(), payload)
        document = domain.register(fields, self.caller(), self.clock.now(), self.clock.today(),
                                   fields.get("uscc_override_reason"))
        self.store.insert(document)
        self.outbox.flush(self.store.enterprises, document["_id"], document["outbox"])
        return self._view(document)

    @rpc
    def get(self, uscc):
        document = domain.require_visible(self.store.get(uscc), self.caller(), uscc)
        return self._view(document)

    @rpc
    def update(self, uscc, payload):
        fields = load(EnterpriseUpdateSchema(), payload)
        document = self.store.get(uscc)
        change = domain.update(document, fields, self.caller(), self.clock.now(),
                               self.clock.today())
        if change is None:
            return self._view(document)
        self._commit(document, change)
        return self._view(self.store.get(uscc))

    @rpc
    def change_status(self, uscc, payload):
        fields = load(StatusChangeSchema(), payload)
        document = self.store.get(uscc)
        change = domain.change_status(document, fields["status"], fields["reason"],
                                      fields["effective_on"] or self.clock.today(),
                                      self.caller(), self.clock.now(), self.clock.today())
        self._commit(document, change)
        return self._view(self.store.get(uscc))

    @rpc
    def history(self, uscc):
        actor = self.caller()
        actor.require_role("admin", "regulator", "auditor")
        document = domain.require_visible(self.store.get(uscc, with_history=True), actor, uscc)
        return AuditEntrySchema(many=True).dump(domain.audit_trail(document))

    @rpc
    def list(self, query, page=1, page_size=20, with_total=False):
        actor = self.caller()
        criteria = load(EnterpriseQuerySchema(), query)
        paging = load(PageSchema(), {"page": page, "page_size": page_size,
                                     "with_total": with_total})
        skip, limit = page_bounds(paging["page"], paging["page_size"])
        region = criteria.pop("region", None)
        if actor.role == "enterprise":
            criteria["uscc"] = actor.uscc
        criteria["region_prefix"] = actor.narrow(region)
        found = self.store.search(criteria, skip, limit, paging["with_total"])
        return {**found, "items": [self._view(document) for document in found["items"]]}

    @rpc
    def import_rows(self, rows):
        """Register every valid row not yet registered; report each row's outcome."""
        actor = self.caller()
        actor.require_role("admin", "regulator", "inspector")
        now, today = self.clock.now(), self.clock.today()
        schema = EnterpriseCreateSchema()
        report, documents = domain.import_batch(rows, actor, now, today,
                                                lambda payload: load(schema, payload))
        # Inserting is the existence check: a repeated USCC comes back as a duplicate key.
        already = self.store.insert_many(documents)
        for line in report:
            if line["result"] == "created" and line["uscc"] in already:
                line["result"] = "exists"
        return report

    @rpc
    def resynchronise(self, usccs=()):
        """Announce enterprises again for services deployed later: the named ones now, or all of
        them in the background (the work grows with the registry, so nobody waits for it)."""
        self.caller().require_role("admin")
        if not usccs:
            return self._schedule_resynchronisation()
        now = self.clock.now()
        events = [domain.resynchronisation(document, now)
                  for document in map(self.store.get, usccs) if document]
        self.store.append_events(events)
        return {"announced": len(events)}

    @rpc
    def resynchronisation(self):
        """How far re-announcing every enterprise has come."""
        self.caller().require_role("admin")
        return plain(self.store.resynchronisation())

    def _schedule_resynchronisation(self):
        return plain(self.store.schedule_resynchronisation(self.clock.now()))

    @timer(interval=RESYNCHRONISATION_TICK_SECONDS)
    def advance_resynchronisation(self):
        """One chunk per tick: throttled, so live requests keep their share of the database."""
        job = self.store.resynchronisation()
        if job is None or job["finished_at"] is not None:
            return
        now = self.clock.now()
        chunk = self.store.enterprises_from(job["position"], RESYNCHRONISATION_CHUNK)
        self.store.append_events([domain.resynchronisation(document, now) for document in chunk])
        self.store.advance_resynchronisation(job, len(chunk), now,
                                             finished=len(chunk) < RESYNCHRONISATION_CHUNK)

    @rpc
    def health(self):
        self.store.db.command("ping")
        return {"service": domain.SERVICE, "database": "up"}

    @idempotent_handler("inspection", INSPECTION_SUSPENSION_ORDERED)
    def handle_suspension_ordered(self, event):
        self._apply_order(event, domain.apply_suspension_order)

    @idempotent_handler("inspection", INSPECTION_SUSPENSION_LIFTED)
    def handle_suspension_lifted(self, event):
        self._apply_order(event, domain.lift_suspension_order)

    @idempotent_handler("inspection", INSPECTION_REGISTRY_COPY_REQUESTED)
    def handle_registry_copy_requested(self, event):
        self._schedule_resynchronisation()

    def _apply_order(self, event, rule):
        document = self.store.get(event["subject"])
        change = rule(document, event["data"], SYSTEM, self.clock.now())
        if change is not None:
            self._commit(document, change)
