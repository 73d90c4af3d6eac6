"""Persistence of dual prevention and emergency preparedness: risk points and registers, emergency
plans, drills and their reminders, and the per-enterprise facts the rates of targets 4 and the
preparedness line are read from. A mixin of `InspectionStore`, whose visibility rules it uses."""

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.kit.mongo import prefix_pattern
from services.kit.pure.errors import Conflict

# Each kind of record: its collection and its name in refusals (all follow the records rule).
PREVENTION_KINDS = {
    "risk_point": ("risk_points", "risk point"),
    "emergency_plan": ("emergency_plans", "emergency plan"),
    "drill": ("drills", "drill"),
    "drill_reminder": ("drill_reminders", "drill reminder"),
}
FILED = "filed"
OPEN = {"$ne": "closed"}


class PreventionStore:
    """Mixin for InspectionStore (`_seen`, `_to_change`, `_save`, `_page`,
    `criteria` and `hidden`)."""

    def ensure_prevention_indexes(self):
        for name in ("risk_points", "emergency_plans", "drills", "drill_reminders", "registers"):
            self.db[name].create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
            self.db[name].create_index("uscc")
        self.db.drills.create_index([("half", ASCENDING), ("led_by_principal", ASCENDING)])
        self.db.self_inspected.create_index([("region_code", ASCENDING), ("year", ASCENDING)])

    # --- risk points and registers ---

    def risk_point(self, identifier, actor):
        return self._seen("risk_point", identifier, actor)

    def risk_point_to_change(self, identifier, actor):
        return self._to_change("risk_point", identifier, actor)

    def save_risk_point(self, before, after, events):
        return self._save("risk_point", before, after, events)

    def risk_points_page(self, actor, query):
        return self._page(
            "risk_point", actor, query, self.criteria(query, ("uscc", "level", "complete"))
        )

    def add_risk_points(self, recorded):
        """[(point, events)] of an import, in one bulk write (their ids are new)."""
        self.insert_new(self.db.risk_points, recorded)

    def risk_points_of(self, uscc):
        """Every risk point of one enterprise (a register holds tens, not thousands)."""
        return list(self.db.risk_points.find({"uscc": uscc}, self.hidden))

    def register_of(self, uscc):
        return self.db.registers.find_one({"_id": uscc}, self.hidden)

    def save_register(self, before, after, events):
        try:
            self.save(self.db.registers, before, after, events)
        except DuplicateKeyError:
            raise Conflict(
                "the register was reviewed by someone else meanwhile; reload it"
            ) from None
        return after

    # --- emergency plans ---

    def emergency_plan(self, identifier, actor):
        return self._seen("emergency_plan", identifier, actor)

    def emergency_plan_to_change(self, identifier, actor):
        return self._to_change("emergency_plan", identifier, actor)

    def save_emergency_plan(self, before, after, events):
        return self._save("emergency_plan", before, after, events)

    def emergency_plans_page(self, actor, query):
        return self._page(
            "emergency_plan", actor, query, self.criteria(query, ("uscc", "state", "kind"))
        )

    def has_plan_on_file(self, uscc):
        """Whether any plan of the enterprise was ever filed (a revised plan stays on file)."""
        return (
            self.db.emergency_plans.find_one({"uscc": uscc, "filing": {"$ne": None}}, {"_id": 1})
            is not None
        )

    def plan_of(self, identifier):
        """The plan a drill names, whoever may see it (the drill's command checks whose)."""
        if identifier is None:
            return None
        return self.db.emergency_plans.find_one({"_id": identifier}, self.hidden)

    # --- drills and reminders ---

    def drill(self, identifier, actor):
        return self._seen("drill", identifier, actor)

    def drill_to_change(self, identifier, actor):
        return self._to_change("drill", identifier, actor)

    def save_drill(self, before, after, events):
        return self._save("drill", before, after, events)

    def drills_page(self, actor, query):
        return self._page(
            "drill", actor, query, self.criteria(query, ("uscc", "half", "led_by_principal"))
        )

    def principal_halves(self, uscc):
        """The half years in which the enterprise held a principal-led drill."""
        return {
            drill["half"]
            for drill in self.db.drills.find({"uscc": uscc, "led_by_principal": True}, {"half": 1})
        }

    def enterprises_to_remind(self, half, limit):
        """Open enterprises with neither a principal-led drill nor a reminder in `half`, up to
        `limit`: the copy is read in batches, so a tick's work stays bounded."""
        drilled = {
            drill["uscc"]
            for drill in self.db.drills.find({"half": half, "led_by_principal": True}, {"uscc": 1})
        }
        reminded = {
            reminder["uscc"]
            for reminder in self.db.drill_reminders.find({"half": half}, {"uscc": 1})
        }
        chosen = []
        for enterprise in self.enterprises.find({"status": OPEN}):
            if enterprise["_id"] not in drilled and enterprise["_id"] not in reminded:
                chosen.append(enterprise)
                if len(chosen) >= limit:
                    break
        return chosen

    def add_reminder_once(self, reminder, events):
        """Store a reminder with its event unless another copy of the service just did (its id
        is the enterprise and the half year)."""
        try:
            self._save("drill_reminder", None, reminder, events)
        except DuplicateKeyError:
            pass

    def reminders_page(self, actor, query):
        return self._page("drill_reminder", actor, query, self.criteria(query, ("uscc", "half")))

    # --- what the preparedness rates are read from ---

    def note_self_inspections(self, facts):
        """[(uscc, county, year)]: the enterprise reported a self-inspection in that year.
        Setting the same fact twice changes nothing, so redelivered events are harmless."""
        for uscc, county, year in facts:
            self.db.self_inspected.update_one(
                {"_id": f"{uscc}:{year}"},
                {"$set": {"uscc": uscc, "region_code": county, "year": year}},
                upsert=True,
            )

    def dual_prevention_count(self, prefix, year, current_since):
        """Enterprises under `prefix` with a self-inspection report in `year` and a register
        reviewed on or after `current_since` (an ISO date)."""
        region = prefix_pattern(prefix)
        inspected = {
            fact["uscc"]
            for fact in self.db.self_inspected.find(
                {"region_code": region, "year": year}, {"uscc": 1}
            )
        }
        current = {
            register["_id"]
            for register in self.db.registers.find(
                {"region_code": region, "reviewed_on": {"$gte": current_since}}, {"_id": 1}
            )
        }
        return len(inspected & current)
