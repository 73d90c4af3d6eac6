"""Persistence of construction projects and the bureaus' spot-check plans: one document per
project (its stages and spot checks inside, with its outbox), one per plan.

Who may see which project is decided here, once, as a query (`projects_visible_to`); single reads
check the document they read against it.
"""

from pymongo import ASCENDING

from services.kit.mongo import BATCH, within_region
from services.kit.outbox import FIELD as OUTBOX
from services.kit.pure.schemas import page_bounds

# The relay's bookkeeping, which no answer shows.
HIDDEN = {OUTBOX: 0, BATCH: 0}

# Fields the indicators read of a project.
INDICATOR_FIELDS = {
    "metal_smelting": 1,
    "planned": 1,
    "stages.stage": 1,
    "stages.outcome": 1,
    "accepted_on": 1,
    "spot_checked_on": 1,
}


def projects_visible_to(actor):
    """An enterprise user sees its own projects; everyone else those in their jurisdiction."""
    if actor.role == "enterprise":
        return {"uscc": actor.uscc}
    return within_region(actor.scope_prefix)


class ProjectStore:
    """The project half of the registry's store (mixed into RegistryStore)."""

    @property
    def projects(self):
        return self.db.projects

    @property
    def spot_check_plans(self):
        return self.db.project_spot_check_plans

    def ensure_project_indexes(self):
        self.projects.create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
        self.projects.create_index("uscc")
        self.projects.create_index("accepted_on")
        self.spot_check_plans.create_index([("region_code", ASCENDING), ("year", ASCENDING)])

    def project(self, identifier, actor):
        return self.seen(self.projects, identifier, projects_visible_to(actor), "project", HIDDEN)

    def project_to_change(self, identifier, actor):
        return self.to_change(
            self.projects, identifier, projects_visible_to(actor), "project", HIDDEN
        )

    def add_project(self, project, events):
        self.save(self.projects, None, project, events)
        return project

    def add_projects(self, registrations):
        """Insert the projects of an import, [(project, events)], in one bulk write."""
        self.insert_new(self.projects, registrations)

    def save_project(self, before, after, events):
        self.save(self.projects, before, after, events)
        return self.projects.find_one({"_id": before["_id"]}, HIDDEN)

    def projects_page(self, actor, query):
        criteria = {
            **projects_visible_to(actor),
            **within_region(actor.narrow(query.get("region"))),
        }
        if query.get("uscc"):
            criteria["uscc"] = query["uscc"]
        if "metal_smelting" in query:
            criteria["metal_smelting"] = query["metal_smelting"]
        if "accepted" in query:
            criteria["accepted_on"] = {"$ne": None} if query["accepted"] else None
        skip, limit = page_bounds(query["page"], query["page_size"])
        return self.page(
            self.projects, criteria, skip, limit, HIDDEN, with_total=query["with_total"]
        )

    def accepted_project_ids(self, region, year):
        """The projects of a county accepted in a year: a spot-check plan's population."""
        return [
            project["_id"]
            for project in self.projects.find(
                {"region_code": region, **_in_year("accepted_on", year)}, {"_id": 1}
            )
        ]

    def projects_under_way(self, prefix, year):
        """The projects the year's 三同时 rates count: registered by its end, not accepted
        before it."""
        return list(
            self.projects.find(
                {
                    **within_region(prefix),
                    "registered_on": {"$lte": f"{year}-12-31"},
                    "$or": [{"accepted_on": None}, {"accepted_on": {"$gte": f"{year}-01-01"}}],
                },
                INDICATOR_FIELDS,
            )
        )

    def add_spot_check_plan(self, plan, events):
        self.save(self.spot_check_plans, None, plan, events)
        return plan

    def spot_check_plan(self, identifier, actor):
        return self.seen(
            self.spot_check_plans, identifier, within_region(actor.scope_prefix), "plan", HIDDEN
        )

    def spot_check_plans_page(self, actor, query):
        criteria = within_region(actor.narrow(query.get("region")))
        if query.get("year"):
            criteria["year"] = query["year"]
        skip, limit = page_bounds(query["page"], query["page_size"])
        return self.page(
            self.spot_check_plans, criteria, skip, limit, HIDDEN, with_total=query["with_total"]
        )


def _in_year(field, year):
    return {field: {"$gte": f"{year}-01-01", "$lte": f"{year}-12-31"}}
