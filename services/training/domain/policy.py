"""The regulatory values the training rules apply, read from the rules in force on one day.

Every value is a rule (services/training/rules/*.yaml, format in services/kit/pure/rules.py): a
certificate issued in 2024 takes the validity in force in 2024, a review recorded in 2026 the
review rules in force that day. A deployment that adds a successor rule from its start date
changes what applies from that date on, and nothing before.
"""

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.kit.pure.errors import InvalidInput
from services.kit.pure.rules import Rule, RuleSet
from services.training.vocabulary import LEVELS, POSITIONS

KINDS = "training.certificate.kinds"
CATEGORIES = "training.special_operation.categories"
KEY_MANAGER_HOURS = "training.hours.key_managers"
EMPLOYEE_HOURS = "training.hours.employees"
TEAM_LEADER_HOURS = "training.hours.team_leader"
CONFINED_SPACE_DAYS = "training.confined_space.training_interval_days"
HOURS_SHORT_FROM = "training.reminders.hours_short_from"
THREE_LEVEL_AFTER_ABSENCE = "training.three_level.after_absence"


@dataclass(frozen=True)
class CertificateKind:
    kind: str
    name: str
    positions: tuple[str, ...]
    per_category: bool
    validity_years: int
    review_window_days: int
    # None: the kind has no periodic review, only an expiry.
    review_years: int | None = None
    extended_review_years: int | None = None
    extended_after_years: int | None = None
    review_training_hours: float | None = None


@dataclass(frozen=True)
class HoursRow:
    positions: tuple[str, ...]
    risk_feature: str | None
    initial: float
    annual: float


@dataclass(frozen=True)
class Repeat:
    """After an absence of at least `years_away`, these levels of three-level education are
    attended again before work resumes."""

    years_away: int
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    on: date
    kinds: dict[str, CertificateKind]
    categories: dict[str, str]
    hours: tuple[HoursRow, ...]
    # None before 令第13号: no annual confined-space training was required.
    confined_space_days: int | None
    hours_short_from: tuple[int, int]
    three_level_after_absence: Repeat
    references: tuple[dict[str, Any], ...]

    def required_hours(self, position: str, risk_features: list[str]) -> HoursRow | None:
        """The most specific row for a position: one naming a risk feature of the employer
        before the general one."""
        rows = [
            row
            for row in self.hours
            if position in row.positions
            and (row.risk_feature is None or row.risk_feature in risk_features)
        ]
        return max(rows, key=lambda row: row.risk_feature is not None, default=None)


def _rows(value: list[dict[str, Any]]) -> list[HoursRow]:
    return [
        HoursRow(
            tuple(row["positions"]),
            row.get("risk_feature"),
            float(row["initial"]),
            float(row["annual"]),
        )
        for row in value
    ]


@functools.lru_cache(maxsize=64)
def policy_on(rules: RuleSet, on: date) -> Policy:
    """The policy of a day; the rule set never changes while a process runs."""
    used: list[Rule] = []

    def value(identifier: str) -> Any:
        try:
            rule = rules.rule(identifier, on)
        except LookupError:
            raise InvalidInput(
                f"no rule {identifier} was in force on {on.isoformat()}: the "
                f"platform cannot judge a fact of that day (a deployment may "
                f"add the rule of the time)",
                {"date": ["before the rules"]},
            ) from None
        used.append(rule)
        return rule.value

    kinds = {}
    for entry in value(KINDS):
        prefix = f"training.{entry['kind']}."
        cycle = (
            value(prefix + "review_cycle")
            if _declared(rules, prefix + "review_cycle", on)
            else None
        )
        kinds[entry["kind"]] = CertificateKind(
            kind=entry["kind"],
            name=entry["name"],
            positions=tuple(entry["positions"]),
            per_category=bool(entry["per_category"]),
            validity_years=int(value(prefix + "validity_years")),
            review_window_days=int(value(prefix + "review_window_days")),
            review_years=cycle and int(cycle["years"]),
            extended_review_years=cycle and int(cycle["extended_years"]),
            extended_after_years=cycle and int(cycle["extended_after_continuous_years"]),
            review_training_hours=(
                float(value(prefix + "review_training_hours")) if cycle else None
            ),
        )
    team_leader = value(TEAM_LEADER_HOURS)
    repeat = value(THREE_LEVEL_AFTER_ABSENCE)
    month, day = (int(part) for part in str(value(HOURS_SHORT_FROM)).split("-"))
    return Policy(
        on=on,
        kinds=kinds,
        categories={row["category"]: row["name"] for row in value(CATEGORIES)},
        hours=(
            *_rows(value(KEY_MANAGER_HOURS)),
            *_rows(value(EMPLOYEE_HOURS)),
            HoursRow(
                ("team_leader",), None, float(team_leader["initial"]), float(team_leader["annual"])
            ),
        ),
        confined_space_days=(
            int(value(CONFINED_SPACE_DAYS)) if _declared(rules, CONFINED_SPACE_DAYS, on) else None
        ),
        hours_short_from=(month, day),
        three_level_after_absence=Repeat(int(repeat["years_away"]), tuple(repeat["levels"])),
        references=tuple(rule.reference() for rule in used),
    )


def _declared(rules: RuleSet, identifier: str, on: date) -> bool:
    try:
        rules.rule(identifier, on)
    except (KeyError, LookupError):
        return False
    return True


def _kinds_problem(rule: Rule) -> str | None:
    value = rule.value
    if not isinstance(value, list) or not all(
        isinstance(entry, dict)
        and isinstance(entry.get("kind"), str)
        and set(entry.get("positions") or ()) <= set(POSITIONS)
        for entry in value
    ):
        return (
            "a list of kinds, each with `kind`, `name`, `positions` (known positions) and "
            "`per_category`"
        )
    return None


def _hours_problem(rule: Rule) -> str | None:
    value = rule.value
    rows = value if isinstance(value, list) else [value]
    for row in rows:
        if not isinstance(row, dict):
            return "rows of hours"
        for name in ("initial", "annual"):
            if not isinstance(row.get(name), (int, float)) or not 0 <= row[name] <= 1000:
                return f"`{name}` is a number of hours"
        if not set(row.get("positions") or ()) <= set(POSITIONS):
            return "unknown position"
    return None


def _positive(rule: Rule) -> str | None:
    value = rule.value
    numbers = list(value.values()) if isinstance(value, dict) else [value]
    if not all(
        isinstance(number, int) and not isinstance(number, bool) and number > 0
        for number in numbers
    ):
        return "whole numbers above zero"
    return None


def _repeat_problem(rule: Rule) -> str | None:
    value = rule.value
    if not (
        isinstance(value, dict)
        and isinstance(value.get("years_away"), int)
        and not isinstance(value["years_away"], bool)
        and value["years_away"] > 0
        and isinstance(value.get("levels"), list)
        and set(value["levels"]) <= set(LEVELS)
    ):
        return f"`years_away` (whole years above zero) and `levels` (of {', '.join(LEVELS)})"
    return None


# The value checks the training service's rule set is loaded with.
RULE_CHECKS = {
    KINDS: _kinds_problem,
    "training.hours.": _hours_problem,
    "training.special_operation.validity_years": _positive,
    "training.special_operation.review_cycle": _positive,
    "training.special_operation.review_window_days": _positive,
    "training.special_operation.review_training_hours": _positive,
    "training.management_competence.": _positive,
    "training.confined_space.": _positive,
    THREE_LEVEL_AFTER_ABSENCE: _repeat_problem,
}
