"""The registry as a nameko service: entrypoints only, from RPC and events to the domain rules."""

from nameko.timer import timer

from services.kit.inbox import idempotent_handler
from services.kit.mongo import MongoStore
from services.kit.pure.actor import SYSTEM
from services.kit.pure.errors import Forbidden
from services.kit.pure.schemas import PageSchema, load, page_bounds
from services.kit.runtime import rpc
from services.kit.serialize import plain
from services.kit.service import ServiceBase
from services.registry import events
from services.registry.domain import enterprises
from services.registry.project_schemas import IndicatorQuerySchema
from services.registry.project_service import ProjectEntrypoints
from services.registry.schemas import (
    AuditEntrySchema,
    EnterpriseCreateSchema,
    EnterpriseQuerySchema,
    EnterpriseSchema,
    EnterpriseUpdateSchema,
    StatusChangeSchema,
)
from services.registry.standardization_service import StandardizationEntrypoints
from services.registry.store import RegistryStore

# Re-announcing every enterprise: this many per tick.
RESYNCHRONISATION_CHUNK = 500
RESYNCHRONISATION_TICK_SECONDS = 1


class RegistryService(ProjectEntrypoints, StandardizationEntrypoints, ServiceBase):
    name = enterprises.SERVICE
    store = MongoStore(name, RegistryStore)

    def _indicator_query(self, query):
        """The prefix, year and day an indicator (target 3 or 6) reads, for a bureau only."""
        fields = load(IndicatorQuerySchema(), query)
        actor = self.caller()
        if actor.role in ("enterprise", "agency"):
            raise Forbidden("indicators are for the bureaus")
        return fields, actor.narrow(fields["region"]), self.clock.today()

    def _view(self, document):
        return EnterpriseSchema().dump(enterprises.view(document, self.clock.today()))

    @rpc
    def register(self, payload):
        fields = load(EnterpriseCreateSchema(), payload)
        document, announced = enterprises.register(
            fields,
            self.caller(),
            self.clock.now(),
            self.clock.today(),
            self._terms(),
            fields.get("uscc_override_reason"),
        )
        self.store.add_enterprise(document, announced)
        return self._view(document)

    @rpc
    def get(self, uscc):
        return self._view(self.store.enterprise(uscc, self.caller()))

    @rpc
    def update(self, uscc, payload):
        fields = load(EnterpriseUpdateSchema(), payload)
        document = self.store.enterprise_to_change(uscc, self.caller())
        changed = enterprises.update(
            document, fields, self.caller(), self.clock.now(), self.clock.today(), self._terms()
        )
        return self._view(self.store.save_enterprise(document, *changed))

    @rpc
    def change_status(self, uscc, payload):
        fields = load(StatusChangeSchema(), payload)
        document = self.store.enterprise_to_change(uscc, self.caller())
        changed = enterprises.change_status(
            document,
            fields["status"],
            fields["reason"],
            fields["effective_on"] or self.clock.today(),
            self.caller(),
            self.clock.now(),
            self.clock.today(),
        )
        return self._view(self.store.save_enterprise(document, *changed))

    @rpc
    def history(self, uscc):
        actor = self.caller()
        actor.require_role("admin", "regulator", "auditor")
        document = self.store.enterprise(uscc, actor, with_history=True)
        return AuditEntrySchema(many=True).dump(enterprises.audit_trail(document))

    @rpc
    def list(self, query, page=1, page_size=20, with_total=False):
        criteria = load(EnterpriseQuerySchema(), query)
        paging = load(
            PageSchema(), {"page": page, "page_size": page_size, "with_total": with_total}
        )
        skip, limit = page_bounds(paging["page"], paging["page_size"])
        found = self.store.search(self.caller(), criteria, skip, limit, paging["with_total"])
        return {**found, "items": [self._view(document) for document in found["items"]]}

    @rpc
    def import_rows(self, rows):
        """Register every valid row not yet registered; report each row's outcome."""
        actor = self.caller()
        actor.require_role("admin", "regulator", "inspector")
        schema = EnterpriseCreateSchema()
        report, registrations = enterprises.import_batch(
            rows,
            actor,
            self.clock.now(),
            self.clock.today(),
            self._terms(),
            lambda payload: load(schema, payload),
        )
        # Inserting is the existence check: a repeated USCC comes back as a duplicate key.
        already = self.store.add_enterprises(registrations)
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
        announced = [
            enterprises.resynchronisation(document, now)
            for document in map(self.store.enterprise_record, usccs)
            if document
        ]
        self.store.append_events(announced)
        return {"announced": len(announced)}

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
        self.store.append_events(
            [enterprises.resynchronisation(document, now) for document in chunk]
        )
        self.store.advance_resynchronisation(
            job, len(chunk), now, finished=len(chunk) < RESYNCHRONISATION_CHUNK
        )

    @idempotent_handler("inspection", events.SUSPENSION_ORDERED)
    def handle_suspension_ordered(self, event):
        self._apply_order(event, enterprises.apply_suspension_order)

    @idempotent_handler("inspection", events.SUSPENSION_LIFTED)
    def handle_suspension_lifted(self, event):
        self._apply_order(event, enterprises.lift_suspension_order)

    @idempotent_handler(events.PUBLIC_SOURCE, events.REGISTRY_COPY_REQUESTED)
    def handle_registry_copy_requested(self, event):
        self._schedule_resynchronisation()

    def _apply_order(self, event, rule):
        document = self.store.enterprise_record(event["subject"])
        if document is not None:
            self.store.save_enterprise(
                document, *rule(document, event["data"], SYSTEM, self.clock.now())
            )
