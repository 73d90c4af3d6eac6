"""The values the permit rules apply, read from the rules in force on one day
(services/permits/rules/*.yaml, format in services/kit/pure/rules.py)."""

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.kit.pure.rules import Rule, RuleSet

GASES = "permits.gas."
FRESHNESS = "permits.gas_test.freshness_minutes"
ALWAYS_REQUIRED = "permits.gas_test.always_required"
MAX_HOURS = "permits.permit.max_hours"
ROLES = "permits.competency.roles"
KINDS = "permits.space.kinds"
HAZARDS = "permits.space.hazards"
# Units a reading may be written in; toxic gases convert between the two concentration units.
UNITS = ("%vol", "%LEL", "ppm", "mg/m3")
CONCENTRATION = ("ppm", "mg/m3")


@dataclass(frozen=True)
class Gas:
    gas: str
    name: str
    unit: str
    minimum: float | None
    maximum: float | None
    molar_mass: float | None

    def units(self) -> tuple[str, ...]:
        """The units a reading of this gas may come in."""
        return CONCENTRATION if self.unit in CONCENTRATION else (self.unit,)


@dataclass(frozen=True)
class Hazard:
    hazard: str
    name: str
    toxic: bool
    gases: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    on: date
    gases: dict[str, Gas]
    freshness: timedelta
    always_required: tuple[str, ...]
    max_window: timedelta
    roles: dict[str, str]
    kinds: dict[str, str]
    hazards: dict[str, Hazard]
    references: tuple[dict[str, Any], ...]

    def required_gases(self, hazards: list[str]) -> list[str]:
        """Every gas a test of a space with these hazards must measure."""
        needed = set(self.always_required)
        for code in hazards:
            needed.update(self.hazards[code].gases)
        return sorted(needed)

    def toxic(self, hazards: list[str]) -> bool:
        """Whether the approver must be the principal or hold the principal's delegation."""
        return any(self.hazards[code].toxic for code in hazards)


def _gas(value: dict[str, Any]) -> Gas:
    return Gas(
        gas=value["gas"],
        name=value["name"],
        unit=value["unit"],
        minimum=value.get("min"),
        maximum=value.get("max"),
        molar_mass=value.get("molar_mass"),
    )


@functools.lru_cache(maxsize=64)
def _policy(rules: RuleSet, on: date) -> Policy:
    gas_rules = rules.in_force(GASES, on)
    used = [*gas_rules, *(rules.rule(name, on) for name in (FRESHNESS, ALWAYS_REQUIRED))]
    used += [rules.rule(name, on) for name in (MAX_HOURS, ROLES, KINDS, HAZARDS)]
    return Policy(
        on=on,
        gases={rule.value["gas"]: _gas(rule.value) for rule in gas_rules},
        freshness=timedelta(minutes=rules.value(FRESHNESS, on)),
        always_required=tuple(rules.value(ALWAYS_REQUIRED, on)),
        max_window=timedelta(hours=rules.value(MAX_HOURS, on)),
        roles=dict(rules.value(ROLES, on)),
        kinds={row["kind"]: row["name"] for row in rules.value(KINDS, on)},
        hazards={
            row["hazard"]: Hazard(row["hazard"], row["name"], row["toxic"], tuple(row["gases"]))
            for row in rules.value(HAZARDS, on)
        },
        references=tuple(rule.reference() for rule in used),
    )


def policy_on(rules: RuleSet, on: date) -> Policy:
    return _policy(rules, on)


def _gas_problem(rule: Rule) -> str | None:
    value = rule.value
    if not isinstance(value, dict) or not {"gas", "name", "unit"} <= set(value):
        return "a gas names gas, name and unit"
    if value["unit"] not in UNITS:
        return f"unit must be one of {', '.join(UNITS)}"
    if value["unit"] in CONCENTRATION and not value.get("molar_mass"):
        return "a gas limited in ppm or mg/m3 needs its molar_mass"
    if value.get("min") is None and value.get("max") is None:
        return "a gas needs a min, a max or both"
    return None


def _positive(rule: Rule) -> str | None:
    value = rule.value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return "must be a positive number"
    return None


def _hazards_problem(rule: Rule) -> str | None:
    for row in rule.value if isinstance(rule.value, list) else [None]:
        if not isinstance(row, dict) or not {"hazard", "name", "toxic", "gases"} <= set(row):
            return "each hazard names hazard, name, toxic and gases"
    return None


# Checked when the service starts: a rule of the wrong shape stops it (services/kit/rules.py).
RULE_CHECKS = {
    GASES: _gas_problem,
    FRESHNESS: _positive,
    MAX_HOURS: _positive,
    HAZARDS: _hazards_problem,
}
