"""Alarms: a point's readings beyond a threshold for longer than its hold time open one; the
enterprise acknowledges it and records its handling. Unacknowledged past the rules' limit it is
escalated to the county bureau; still not handled past a longer limit, or the point's alarms
repeating, it asks the inspection service to open a hazard with the reading series as evidence
(非现场执法). A device that falls silent has an alarm of its own. Every change is an event.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Document, Event, Result, new_id
from services.kit.pure.errors import Conflict, Forbidden
from services.kit.pure.times import utc_instant
from services.monitoring.domain.common import event
from services.monitoring.domain.policy import ABOVE, BELOW, AlarmLimits
from services.monitoring.domain.readings import Reading

OPEN, HANDLED = "open", "handled"
STATES = (OPEN, HANDLED)
THRESHOLD, OFFLINE = "threshold", "offline"
KINDS = (THRESHOLD, OFFLINE)
SUSTAINED, REPEATED = "sustained", "repeated"
# The worse a level, the higher: an open alarm moves up, never down.
SEVERITY = {"high": 1, "low": 1, "high_high": 2, "low_low": 2}
LEVEL_NAMES = {"high": "高限", "high_high": "高高限", "low": "低限", "low_low": "低低限"}


def reached(value: float, thresholds: dict[str, float | None]) -> list[str]:
    """The levels a value is at or beyond."""
    levels = []
    for level, threshold in thresholds.items():
        if threshold is None:
            continue
        if (level in ABOVE and value >= threshold) or (level in BELOW and value <= threshold):
            levels.append(level)
    return levels


def track(point: Document, readings: list[Reading]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The point's excursions after `readings` (time order; those not after what was evaluated
    already are skipped) and the worst level held past the hold time, if any: {level, since,
    value, at}.

    An excursion is the start of an unbroken run of readings at or beyond a level, kept per
    level: a run beyond high-high is also a run beyond high."""
    excursion = dict(point["excursion"])
    hold = timedelta(seconds=point["hold_seconds"])
    after = point["evaluated_until"]
    worst = None
    for reading in readings:
        if after is not None and reading.at <= after:
            continue
        levels = reached(reading.value, point["thresholds"])
        excursion = {level: since for level, since in excursion.items() if level in levels}
        for level in levels:
            since = excursion.setdefault(level, reading.at)
            held = reading.at - since >= hold
            if held and (worst is None or SEVERITY[level] >= SEVERITY[worst["level"]]):
                worst = {"level": level, "since": since, "value": reading.value, "at": reading.at}
    return excursion, worst


def _event(alarm: Document, verb: str, now: datetime, **extra: Any) -> Event:
    return event(
        "alarm",
        verb,
        alarm["_id"],
        alarm["region_code"],
        now,
        {
            "alarm_id": alarm["_id"],
            "uscc": alarm["uscc"],
            "kind": alarm["kind"],
            "point_id": alarm["point_id"],
            "device_id": alarm["device_id"],
            "level": alarm["level"],
            "state": alarm["state"],
            "escalated": alarm["escalated_at"] is not None,
            **extra,
        },
    )


def _alarm(identifier: str, owner: Document, now: datetime, **fields: Any) -> Document:
    return {
        "_id": identifier,
        "uscc": owner["uscc"],
        "region_code": owner["region_code"],
        "enterprise_name": owner.get("enterprise_name"),
        "state": OPEN,
        "opened_at": now,
        "acknowledgement": None,
        "handling": None,
        "escalated_at": None,
        "hazard": None,
        "transitions": [{"to": OPEN, "action": "open", "at": now, "by": "system"}],
        "version": 1,
        **fields,
    }


def open_threshold(point: Document, sustained: dict[str, Any], now: datetime) -> Result:
    """The alarm of a run held past the hold time. Its id derives from the point and the run,
    so the same run delivered again (a redelivered batch) names the same alarm."""
    level = sustained["level"]
    identifier = uuid.uuid5(
        uuid.NAMESPACE_URL,
        f"anjian:monitoring:{point['_id']}:{level}:{sustained['since'].isoformat()}",
    ).hex
    alarm = _alarm(
        identifier,
        point,
        now,
        kind=THRESHOLD,
        point_id=point["_id"],
        point_name=point["name"],
        device_id=point["device_id"],
        unit=point["unit"],
        level=level,
        threshold=point["thresholds"][level],
        value=sustained["value"],
        since=sustained["since"],
    )
    return alarm, [_event(alarm, "opened", now, value=alarm["value"], threshold=alarm["threshold"])]


def raise_level(
    alarm: Document, sustained: dict[str, Any], thresholds: dict[str, Any], now: datetime
) -> Result:
    """An open alarm whose point went on to a worse level on the same side moves up to it;
    anything else leaves it as it is."""
    level = sustained["level"]
    same_side = (level in ABOVE) == (alarm["level"] in ABOVE)
    if alarm["state"] != OPEN or not same_side or SEVERITY[level] <= SEVERITY[alarm["level"]]:
        return alarm, []
    raised = {
        **alarm,
        "level": level,
        "threshold": thresholds[level],
        "value": sustained["value"],
        "transitions": [
            *alarm["transitions"],
            {"to": OPEN, "action": "raise_level", "at": now, "by": "system", "level": level},
        ],
    }
    return raised, [
        _event(raised, "level_raised", now, was=alarm["level"], value=sustained["value"])
    ]


def open_offline(device: Document, now: datetime) -> Result:
    identifier = uuid.uuid5(
        uuid.NAMESPACE_URL,
        f"anjian:monitoring:{device['_id']}:offline:{device['last_seen'].isoformat()}",
    ).hex
    alarm = _alarm(
        identifier,
        device,
        now,
        kind=OFFLINE,
        point_id=None,
        point_name=None,
        device_id=device["_id"],
        unit=None,
        level="offline",
        threshold=None,
        value=None,
        since=device["last_seen"],
    )
    return alarm, [_event(alarm, "opened", now, value=None, threshold=None)]


def _moved(alarm: Document, action: str, actor: Actor, now: datetime, **changes: Any) -> Document:
    state = changes.get("state", alarm["state"])
    return {
        **alarm,
        **changes,
        "transitions": [
            *alarm["transitions"],
            {"to": state, "action": action, "at": now, "by": actor.user_id},
        ],
    }


def _require_enterprise(alarm: Document, actor: Actor, what: str) -> None:
    """The enterprise answers its own alarms: the bureau sees them, the enterprise acts."""
    actor.require_can_write()
    if actor.role != "enterprise" or actor.uscc != alarm["uscc"]:
        raise Forbidden(f"only the enterprise itself {what} its alarms")


def _require_open(alarm: Document) -> None:
    if alarm["state"] != OPEN:
        raise Conflict(f"the alarm is {alarm['state']} already", {"state": [alarm["state"]]})


def acknowledge(alarm: Document, fields: dict[str, Any], actor: Actor, now: datetime) -> Result:
    _require_enterprise(alarm, actor, "acknowledges")
    _require_open(alarm)
    if alarm["acknowledgement"] is not None:
        raise Conflict("the alarm is acknowledged already", {"acknowledgement": ["exists"]})
    in_time = alarm["escalated_at"] is None
    changed = _moved(
        alarm,
        "acknowledge",
        actor,
        now,
        acknowledgement={
            "at": now,
            "by": actor.user_id,
            "note": fields.get("note"),
            "in_time": in_time,
        },
    )
    return changed, [_event(changed, "acknowledged", now, in_time=in_time)]


def record_handling(alarm: Document, fields: dict[str, Any], actor: Actor, now: datetime) -> Result:
    """What was done about it; the alarm is then handled. Handled within the limit means
    acknowledged before it was escalated and handled before it became a hazard."""
    _require_enterprise(alarm, actor, "records the handling of")
    _require_open(alarm)
    if alarm["acknowledgement"] is None:
        raise Conflict(
            "acknowledge the alarm before recording its handling", {"acknowledgement": ["missing"]}
        )
    within = alarm["acknowledgement"]["in_time"] and alarm["hazard"] is None
    changed = _moved(
        alarm,
        "handle",
        actor,
        now,
        state=HANDLED,
        handling={
            "at": now,
            "by": actor.user_id,
            "cause": fields["cause"],
            "measures": fields["measures"],
            "within_limit": within,
        },
    )
    return changed, [_event(changed, "handled", now, within_limit=within)]


def due_for_escalation(alarm: Document, limits: AlarmLimits, now: datetime) -> bool:
    return (
        alarm["state"] == OPEN
        and alarm["acknowledgement"] is None
        and alarm["escalated_at"] is None
        and now - alarm["opened_at"] >= limits.acknowledge
    )


def escalate(alarm: Document, actor: Actor, now: datetime) -> Result:
    changed = _moved(alarm, "escalate", actor, now, escalated_at=now)
    return changed, [_event(changed, "escalated", now)]


def due_for_hazard(alarm: Document, limits: AlarmLimits, now: datetime) -> bool:
    return (
        alarm["state"] == OPEN
        and alarm["hazard"] is None
        and now - alarm["opened_at"] >= limits.hazard
    )


def repeating(earlier: int, limits: AlarmLimits) -> bool:
    """Whether a new alarm of a point with `earlier` alarms in the repeat window makes it repeat."""
    return earlier + 1 >= limits.repeats


def description(alarm: Document, reason: str) -> str:
    """The hazard's description, as an inspector reads it."""
    if alarm["kind"] == OFFLINE:
        what = f"监测设备 {alarm['device_id']} 离线，监测数据中断"
    else:
        what = (
            f"监测点“{alarm['point_name']}”读数超{LEVEL_NAMES[alarm['level']]}"
            f"（阈值 {alarm['threshold']} {alarm['unit']}，读数 {alarm['value']} {alarm['unit']}）"
        )
    why = "报警反复出现" if reason == REPEATED else "报警长时间未处置"
    return f"{what}，{why}（在线监测预警，非现场执法）"


def request_hazard(
    alarm: Document,
    reason: str,
    series: list[dict[str, Any]],
    limits: AlarmLimits,
    actor: Actor,
    now: datetime,
) -> Result:
    """Ask the inspection service to open a general hazard for the enterprise, the reading
    series (downsampled) attached as evidence. The hazard's id is chosen here, so a repeated
    request opens it once."""
    hazard = {"id": new_id(), "reason": reason, "requested_at": now}
    changed = _moved(alarm, "request_hazard", actor, now, hazard=hazard)
    deadline = (
        now.astimezone(CHINA).date() + timedelta(days=limits.rectification_days)
    ).isoformat()
    return changed, [
        _event(
            changed,
            "hazard_requested",
            now,
            hazard_id=hazard["id"],
            reason=reason,
            enterprise_name=alarm.get("enterprise_name"),
            description=description(alarm, reason),
            point_name=alarm["point_name"],
            unit=alarm["unit"],
            threshold=alarm["threshold"],
            since=utc_instant(alarm["since"]),
            deadline=deadline,
            readings=series,
        )
    ]
