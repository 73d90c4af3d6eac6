"""The values the monitoring rules apply, read from the rules in force on one day
(services/monitoring/rules/*.yaml, format in services/kit/pure/rules.py)."""

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.kit.pure.rules import Rule, RuleSet
from services.kit.pure.vocabulary import RISK_FEATURES

KINDS = "monitoring.kind."
ALARM_LIMITS = "monitoring.alarm.limits"
OFFLINE = "monitoring.device.offline_seconds"
INGEST = "monitoring.ingest.limits"
# Alarm levels beyond the normal range, the worse of each pair second.
ABOVE = ("high", "high_high")
BELOW = ("low", "low_low")
LEVELS = (*ABOVE, *BELOW)


@dataclass(frozen=True)
class Kind:
    """What a kind of monitoring point measures and its default alarm thresholds."""

    kind: str
    name: str
    risk_feature: str
    unit: str
    normal: tuple[float, float]
    thresholds: dict[str, float | None]
    hold_seconds: int
    valid: tuple[float, float]
    # The rule it comes from (id and version), kept on every point made from it.
    rule: dict[str, Any]


@dataclass(frozen=True)
class AlarmLimits:
    acknowledge: timedelta
    hazard: timedelta
    repeats: int
    repeat_window: timedelta
    rectification_days: int


@dataclass(frozen=True)
class IngestLimits:
    max_payload_bytes: int
    max_readings_per_message: int
    readings_per_minute: int
    future: timedelta
    past: timedelta


@dataclass(frozen=True)
class Policy:
    on: date
    kinds: dict[str, Kind]
    alarms: AlarmLimits
    offline_after: timedelta
    ingest: IngestLimits


def _kind(rule: Rule) -> Kind:
    value = rule.value
    return Kind(
        kind=value["kind"],
        name=value["name"],
        risk_feature=value["risk_feature"],
        unit=value["unit"],
        normal=(value["normal"][0], value["normal"][1]),
        thresholds={level: value["thresholds"].get(level) for level in LEVELS},
        hold_seconds=value["hold_seconds"],
        valid=(value["valid"][0], value["valid"][1]),
        rule=rule.reference(),
    )


@functools.lru_cache(maxsize=64)
def _policy(rules: RuleSet, on: date) -> Policy:
    kind_rules = rules.in_force(KINDS, on)
    limits, ingest = rules.value(ALARM_LIMITS, on), rules.value(INGEST, on)
    return Policy(
        on=on,
        kinds={rule.value["kind"]: _kind(rule) for rule in kind_rules},
        alarms=AlarmLimits(
            acknowledge=timedelta(seconds=limits["acknowledge_seconds"]),
            hazard=timedelta(seconds=limits["hazard_seconds"]),
            repeats=limits["repeats"],
            repeat_window=timedelta(seconds=limits["repeat_window_seconds"]),
            rectification_days=limits["rectification_days"],
        ),
        offline_after=timedelta(seconds=rules.value(OFFLINE, on)),
        ingest=IngestLimits(
            max_payload_bytes=ingest["max_payload_bytes"],
            max_readings_per_message=ingest["max_readings_per_message"],
            readings_per_minute=ingest["readings_per_minute"],
            future=timedelta(seconds=ingest["future_seconds"]),
            past=timedelta(hours=ingest["past_hours"]),
        ),
    )


def policy_on(rules: RuleSet, on: date) -> Policy:
    return _policy(rules, on)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(map(_number, value))
        and value[0] <= value[1]
    )


def thresholds_problem(thresholds: Any) -> str | None:
    """Why a set of thresholds cannot apply, or None: numbers or null, each pair in order
    (high below high-high, low above low-low), at least one level."""
    if not isinstance(thresholds, dict) or set(thresholds) - set(LEVELS):
        return f"thresholds name only {', '.join(LEVELS)}"
    values = {level: thresholds.get(level) for level in LEVELS}
    if any(value is not None and not _number(value) for value in values.values()):
        return "each threshold is a number or null"
    if all(value is None for value in values.values()):
        return "at least one threshold"
    high, high_high, low, low_low = (values[level] for level in LEVELS)
    if high is not None and high_high is not None and high_high < high:
        return "high_high must not be below high"
    if low is not None and low_low is not None and low_low > low:
        return "low_low must not be above low"
    return None


def _kind_problem(rule: Rule) -> str | None:
    value = rule.value
    needed = {
        "kind",
        "name",
        "risk_feature",
        "unit",
        "normal",
        "thresholds",
        "hold_seconds",
        "valid",
    }
    if not isinstance(value, dict) or not needed <= set(value):
        return "a kind names " + ", ".join(sorted(needed))
    if value["risk_feature"] not in RISK_FEATURES:
        return f"risk_feature must be one of {', '.join(RISK_FEATURES)}"
    if not (_range(value["normal"]) and _range(value["valid"])):
        return "normal and valid are [low, high] ranges"
    if not isinstance(value["hold_seconds"], int) or value["hold_seconds"] < 0:
        return "hold_seconds must be a whole number of seconds, 0 or more"
    return thresholds_problem(value["thresholds"])


def _positive_numbers(*names: str) -> Any:
    def check(rule: Rule) -> str | None:
        value = rule.value
        if not isinstance(value, dict) or not all(
            _number(value.get(name)) and value[name] > 0 for name in names
        ):
            return f"{', '.join(names)} must be positive numbers"
        return None

    return check


def _positive(rule: Rule) -> str | None:
    return None if _number(rule.value) and rule.value > 0 else "must be a positive number"


# Checked when the service starts: a rule of the wrong shape stops it (services/kit/rules.py).
RULE_CHECKS = {
    KINDS: _kind_problem,
    ALARM_LIMITS: _positive_numbers(
        "acknowledge_seconds",
        "hazard_seconds",
        "repeats",
        "repeat_window_seconds",
        "rectification_days",
    ),
    OFFLINE: _positive,
    INGEST: _positive_numbers(
        "max_payload_bytes",
        "max_readings_per_message",
        "readings_per_minute",
        "future_seconds",
        "past_hours",
    ),
}
