"""The inspection service's entrypoints for dual prevention and emergency preparedness: risk
points and registers, emergency plans and their filing, drills, their follow-ups and reminders.
A mixin of `InspectionService` (one service, one process), like the registry copy."""

from datetime import date

from services.inspection import spreadsheet
from services.inspection.domain import drills, emergency_plans, indicators, risk_points
from services.inspection.domain.common import enterprise_named
from services.inspection.schemas_prevention import (
    DrillQuerySchema,
    DrillReminderQuerySchema,
    DrillSchema,
    FilingSchema,
    FollowUpClosureSchema,
    PlanDraftSchema,
    PlanQuerySchema,
    PlanStepSchema,
    RegisterReviewSchema,
    RiskPointChangeSchema,
    RiskPointQuerySchema,
    RiskPointSchema,
)
from services.kit.pure.errors import DomainError, NotFound
from services.kit.pure.schemas import load
from services.kit.runtime import SettingTimer, rpc
from services.kit.serialize import page_of, plain

# Reminders written per tick: the copy of the registry is read in bounded batches.
REMINDER_BATCH = 500


class PreventionEntrypoints:
    """Mixin for InspectionService (`store`, `rules`, `clock`, `caller`)."""

    def _levels(self):
        return risk_points.levels_on(self.rules, self.clock.today())

    def _enterprise_named(self, uscc):
        """The enterprise a route names in its path; its writers are checked by the command."""
        enterprise = self.store.enterprise(uscc)
        if enterprise is None:
            raise NotFound(f"no enterprise {uscc}")
        return enterprise

    # --- risk points and registers ---------------------------------------------------------

    @rpc
    def record_risk_point(self, payload):
        fields = load(RiskPointSchema(), payload)
        actor = self.caller()
        recorded = risk_points.record_risk_point(
            fields,
            self.store.enterprise(enterprise_named(fields, actor)),
            self._levels(),
            actor,
            self.clock.now(),
        )
        return plain(self.store.save_risk_point(None, *recorded))

    @rpc
    def get_risk_point(self, identifier):
        return plain(self.store.risk_point(identifier, self.caller()))

    @rpc
    def list_risk_points(self, query):
        query = load(RiskPointQuerySchema(), query)
        return page_of(self.store.risk_points_page(self.caller(), query), query)

    @rpc
    def change_risk_point(self, identifier, payload):
        fields = load(RiskPointChangeSchema(), payload)
        point = self.store.risk_point_to_change(identifier, self.caller())
        changed = risk_points.change_risk_point(
            point, fields, self._levels(), self.caller(), self.clock.now()
        )
        return plain(self.store.save_risk_point(point, *changed))

    @rpc
    def import_risk_points(self, rows):
        """Record every good row of a risk register file; report each row's outcome."""
        actor, now = self.caller(), self.clock.now()
        actor.require_role(*risk_points.WRITERS)
        levels, schema = self._levels(), RiskPointSchema()
        bodies = [spreadsheet.risk_point_fields(row["fields"]) for row in rows]
        named = self.store.enterprises_named(
            {actor.uscc or body.get("uscc") for body in bodies} - {None}
        )
        report, recorded = [], []
        for row, body in zip(rows, bodies, strict=True):
            try:
                fields = load(schema, body)
                point, events = risk_points.record_risk_point(
                    fields, named.get(enterprise_named(fields, actor)), levels, actor, now
                )
            except DomainError as error:
                errors = error.errors or {"row": [error.message]}
                report.append({"row": row["row"], "result": "invalid", "errors": errors})
                continue
            recorded.append((point, events))
            report.append({"row": row["row"], "result": "created", "errors": {}})
        self.store.add_risk_points(recorded)
        return report

    def _review_interval(self, on):
        return self.rules.value(risk_points.REVIEW_INTERVAL_RULE, on)

    @rpc
    def risk_register(self, uscc):
        enterprise = self.store.enterprise_seen_by(uscc, self.caller())
        today = self.clock.today()
        return plain(
            risk_points.register_view(
                self.store.register_of(uscc),
                enterprise,
                self.store.risk_points_of(uscc),
                self._levels(),
                self._review_interval(today),
                today,
            )
        )

    @rpc
    def review_risk_register(self, uscc, payload):
        fields = load(RegisterReviewSchema(), payload)
        actor = self.caller()
        actor.require_can_write()
        enterprise = self._enterprise_named(uscc)
        register = self.store.register_of(uscc)
        reviewed = risk_points.review_register(
            register,
            self.store.risk_points_of(uscc),
            enterprise,
            fields["reviewed_on"],
            self._levels(),
            actor,
            self.clock.now(),
            self.clock.today(),
        )
        self.store.save_register(register, *reviewed)
        return self.risk_register(uscc)

    # --- emergency plans -------------------------------------------------------------------

    @rpc
    def draft_emergency_plan(self, payload):
        fields = load(PlanDraftSchema(), payload)
        actor = self.caller()
        drafted = emergency_plans.draft_plan(
            fields,
            self.store.enterprise(enterprise_named(fields, actor)),
            self.store.evidence_items(fields["documents"]),
            actor,
            self.clock.now(),
            self.clock.today(),
        )
        return plain(self.store.save_emergency_plan(None, *drafted))

    @rpc
    def get_emergency_plan(self, identifier):
        return plain(self.store.emergency_plan(identifier, self.caller()))

    @rpc
    def list_emergency_plans(self, query):
        query = load(PlanQuerySchema(), query)
        return page_of(self.store.emergency_plans_page(self.caller(), query), query)

    @rpc
    def emergency_plan_step(self, identifier, payload):
        fields = load(PlanStepSchema(), payload)
        plan = self.store.emergency_plan_to_change(identifier, self.caller())
        today = self.clock.today()
        changed = emergency_plans.take_step(
            plan,
            fields,
            self.store.evidence_items(fields["documents"]),
            self.rules.value(emergency_plans.REVISION_REASONS_RULE, today),
            self.caller(),
            self.clock.now(),
            today,
        )
        return plain(self.store.save_emergency_plan(plan, *changed))

    @rpc
    def file_emergency_plan(self, identifier, payload):
        fields = load(FilingSchema(), payload)
        plan = self.store.emergency_plan_to_change(identifier, self.caller())
        filed = emergency_plans.file_plan(
            plan,
            fields,
            not self.store.has_plan_on_file(plan["uscc"]),
            self.caller(),
            self.clock.now(),
            self.clock.today(),
        )
        return plain(self.store.save_emergency_plan(plan, *filed))

    # --- drills ----------------------------------------------------------------------------

    @rpc
    def record_drill(self, payload):
        fields = load(DrillSchema(), payload)
        actor = self.caller()
        enterprise = self.store.enterprise(enterprise_named(fields, actor))
        recorded = drills.record_drill(
            fields,
            enterprise,
            self.store.plan_of(fields.get("plan_id")),
            enterprise and self.store.principal_halves(enterprise["uscc"]),
            actor,
            self.clock.now(),
            self.clock.today(),
        )
        return plain(self.store.save_drill(None, *recorded))

    @rpc
    def get_drill(self, identifier):
        return plain(self.store.drill(identifier, self.caller()))

    @rpc
    def list_drills(self, query):
        query = load(DrillQuerySchema(), query)
        return page_of(self.store.drills_page(self.caller(), query), query)

    @rpc
    def close_drill_follow_up(self, identifier, follow_up_id, payload):
        fields = load(FollowUpClosureSchema(), payload)
        drill = self.store.drill_to_change(identifier, self.caller())
        changed = drills.close_follow_up(
            drill,
            follow_up_id,
            fields,
            self.store.evidence_items(fields["evidence"]),
            self.caller(),
            self.clock.now(),
            self.clock.today(),
        )
        return plain(self.store.save_drill(drill, *changed))

    @rpc
    def list_drill_reminders(self, query):
        query = load(DrillReminderQuerySchema(), query)
        return page_of(self.store.reminders_page(self.caller(), query), query)

    @SettingTimer.decorator("reminder_check_seconds", eager=True)
    def remind_principal_drills(self):
        """Remind each open enterprise whose principal-led drill of this half year is not yet
        held, once the half is far enough along. Every copy of the service may run it: each
        reminder's id is the enterprise and the half, so it is stored and published once."""
        today = self.clock.today()
        rule = self.rules.rule(drills.PRINCIPAL_DRILL_RULE, today)
        half = drills.reminder_half(rule, today)
        if half is None:
            return
        for enterprise in self.store.enterprises_to_remind(half, REMINDER_BATCH):
            self.store.add_reminder_once(*drills.remind(enterprise, half, rule, self.clock.now()))

    # --- the preparedness rates ------------------------------------------------------------

    def _preparedness(self, prefix, year, year_counters):
        """Target 4 as of the year's end (or today, within it) and the preparedness rates. In a
        year before any review interval was in force no register counts as current."""
        as_of = min(self.clock.today(), date(year, 12, 31))
        try:
            since = risk_points.current_since(as_of, self._review_interval(as_of))
        except LookupError:
            current = 0
        else:
            current = self.store.dual_prevention_count(prefix, year, since.isoformat())
        return indicators.preparedness(
            year_counters, self.store.counters(prefix, {"$lte": year}), current
        )
