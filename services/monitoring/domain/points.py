"""Monitoring points: what is measured where, in which unit, the normal range and the alarm
thresholds with their hold time. The thresholds come from the rules for the point's kind unless
the enterprise sets its own on the point (a furnace designed for another flow, say)."""

from datetime import datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import InvalidInput
from services.monitoring.domain.common import audit, event, new_id, owned_by, require_manager
from services.monitoring.domain.policy import LEVELS, Policy, thresholds_problem


def _kind_of(fields: dict[str, Any], policy: Policy) -> Any:
    kind = policy.kinds.get(fields["kind"])
    if kind is None:
        raise InvalidInput(
            f"no kind of monitoring point {fields['kind']!r}",
            {"kind": [f"one of {', '.join(sorted(policy.kinds))}"]},
        )
    return kind


def register(
    fields: dict[str, Any],
    enterprise: Document,
    device: Document,
    policy: Policy,
    actor: Actor,
    now: datetime,
) -> Result:
    """A point on one of the enterprise's devices. Thresholds and hold time given here replace
    the kind's defaults on this point only."""
    require_manager(enterprise, actor)
    if device["uscc"] != enterprise["uscc"]:
        raise InvalidInput(
            "the device belongs to another enterprise", {"device_id": ["not this enterprise's"]}
        )
    kind = _kind_of(fields, policy)
    own = fields.get("thresholds")
    thresholds = {level: (own or kind.thresholds).get(level) for level in LEVELS}
    problem = thresholds_problem(thresholds)
    if problem:
        raise InvalidInput(f"thresholds: {problem}", {"thresholds": [problem]})
    hold = fields.get("hold_seconds", kind.hold_seconds)
    point = {
        "_id": new_id(),
        **owned_by(enterprise),
        "device_id": device["_id"],
        "name": fields["name"],
        "location": fields.get("location"),
        "kind": kind.kind,
        "kind_name": kind.name,
        "risk_feature": kind.risk_feature,
        "unit": kind.unit,
        "normal": list(kind.normal),
        "valid": list(kind.valid),
        "thresholds": thresholds,
        "hold_seconds": hold,
        "rule": kind.rule,
        "overridden": sorted(
            name
            for name, given in (("thresholds", own), ("hold_seconds", fields.get("hold_seconds")))
            if given is not None
        ),
        "latest": None,
        "excursion": {},
        "evaluated_until": None,
        "history": [audit(actor, now, "register")],
        "version": 1,
    }
    registered = event(
        "point",
        "registered",
        point["_id"],
        point["region_code"],
        now,
        {
            "point_id": point["_id"],
            "uscc": point["uscc"],
            "device_id": point["device_id"],
            "kind": point["kind"],
            "risk_feature": point["risk_feature"],
            "unit": point["unit"],
            "thresholds": thresholds,
            "hold_seconds": hold,
        },
    )
    return point, [registered]
