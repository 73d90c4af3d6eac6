"""The registry's construction-project entrypoints (三同时), mixed into RegistryService."""

import secrets

from services.kit.batching import batched_handler
from services.kit.counters import event_changes
from services.kit.pure.actor import WRITERS
from services.kit.pure.errors import Conflict
from services.kit.pure.schemas import load
from services.kit.runtime import rpc
from services.kit.serialize import plain
from services.registry import events
from services.registry.domain import indicators, projects
from services.registry.domain.common import SERVICE
from services.registry.project_schemas import (
    ProjectCreateSchema,
    ProjectQuerySchema,
    SpotCheckPlanQuerySchema,
    SpotCheckPlanSchema,
    SpotCheckSchema,
    StageSchema,
)


class ProjectEntrypoints:
    def _regime(self):
        return projects.Regime.from_rules(self.rules.value, self.clock.today())

    def _project_view(self, project):
        return plain(projects.view(project, self._regime(), self.clock.today()))

    @rpc
    def register_project(self, payload):
        fields = load(ProjectCreateSchema(), payload)
        actor = self.caller()
        enterprise = self.store.enterprise_to_change(fields["uscc"], actor)
        project = self.store.add_project(
            *projects.register(
                fields, enterprise, self._regime(), actor, self.clock.now(), self.clock.today()
            )
        )
        return self._project_view(project)

    @rpc
    def import_projects(self, rows):
        """Register every valid row of a project list; report each row's outcome."""
        actor = self.caller()
        actor.require_role(*WRITERS)
        schema, regime = ProjectCreateSchema(), self._regime()
        now, today = self.clock.now(), self.clock.today()

        def register_row(payload):
            fields = load(schema, payload)
            enterprise = self.store.enterprise_to_change(fields["uscc"], actor)
            return projects.register(fields, enterprise, regime, actor, now, today)

        report, registrations = projects.import_batch(rows, register_row)
        self.store.add_projects(registrations)
        return report

    @rpc
    def get_project(self, identifier):
        return self._project_view(self.store.project(identifier, self.caller()))

    @rpc
    def list_projects(self, query):
        query = load(ProjectQuerySchema(), query)
        found = self.store.projects_page(self.caller(), query)
        items = [self._project_view(project) for project in found["items"]]
        return {**found, "items": items}

    @rpc
    def record_stage(self, identifier, payload):
        fields = load(StageSchema(), payload)
        project = self.store.project_to_change(identifier, self.caller())
        changed = projects.record_stage(
            project, fields, self._regime(), self.caller(), self.clock.now(), self.clock.today()
        )
        return self._project_view(self.store.save_project(project, *changed))

    @rpc
    def record_spot_check(self, identifier, payload):
        fields = load(SpotCheckSchema(), payload)
        actor = self.caller()
        project = self.store.project_to_change(identifier, actor)
        if fields.get("plan_id"):
            plan = self.store.spot_check_plan(fields["plan_id"], actor)
            if project["_id"] not in plan["sample"]:
                raise Conflict(
                    "the project was not drawn in that plan's sample", {"plan_id": ["not drawn"]}
                )
        changed = projects.record_spot_check(
            project, fields, actor, self.clock.now(), self.clock.today()
        )
        return self._project_view(self.store.save_project(project, *changed))

    @rpc
    def draw_spot_check_plan(self, payload):
        fields = load(SpotCheckPlanSchema(), payload)
        actor = self.caller()
        actor.require_writer(fields["region"])
        plan = self.store.add_spot_check_plan(
            *projects.draw_plan(
                self.store.accepted_project_ids(fields["region"], fields["year"]),
                fields,
                fields.get("seed", secrets.randbelow(2**31)),
                actor,
                self.clock.now(),
            )
        )
        return plain(plan)

    @rpc
    def list_spot_check_plans(self, query):
        query = load(SpotCheckPlanQuerySchema(), query)
        actor = self.caller()
        actor.require_role("admin", "regulator", "inspector", "auditor")
        found = self.store.spot_check_plans_page(actor, query)
        return {**found, "items": plain(found["items"])}

    @rpc
    def project_indicators(self, query):
        """Target 3 for a jurisdiction and year, with numerators and denominators."""
        fields, prefix, today = self._indicator_query(query)
        year = fields["year"]
        return {
            "region": fields["region"],
            "year": year,
            **indicators.projects(
                self.store.projects_under_way(prefix, year),
                self._regime(),
                year,
                today,
                self.store.year_counters(prefix, year),
            ),
        }

    # Counters move in batches; the counter write records the event ids, so no inbox markers.
    @batched_handler(SERVICE, events.PROJECT_EVENTS)
    def handle_project_event_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))

    @batched_handler(SERVICE, events.STANDARDIZATION_EVENTS)
    def handle_grade_event_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))

    @batched_handler(SERVICE, events.ENTERPRISE_STANDING_CHANGED)
    def handle_standing_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))
