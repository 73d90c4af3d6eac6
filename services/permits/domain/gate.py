"""The scan-before-work gate (先扫码、后作业, the county plan's rule): at the entrance the code is
scanned with the people present, and entry is allowed only when every condition holds. A refusal
lists every unmet condition, in Chinese and as a stable code.

The gate reads only this service's own records and read models, so it answers while the
training and registry services are down.
"""

from datetime import date, datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Document, Event, Result
from services.permits.domain.common import event, new_id
from services.permits.domain.permits import LIVE, Staff, missing_before
from services.permits.domain.policy import Policy

REASONS = {
    "space_retired": "该受限空间已停用",
    "no_permit": "该受限空间当前没有已审批的作业票",
    "outside_window": "不在作业票批准的作业时段内",
    "steps_incomplete": "作业前步骤未完成（通风→检测→安全交底→监护人逐项检查）",
    "gas_test_missing": "通风后尚未进行气体检测",
    "gas_test_failed": "最近一次气体检测不合格",
    "gas_test_stale": "最近一次气体检测已超过有效时间，须重新检测",
    "guardian_absent": "监护人不在场",
    "guardian_is_entrant": "监护人不得同时作为作业人员进入",
    "person_not_on_permit": "人员不在作业票上",
    "person_untrained": "人员无有效的受限空间作业培训",
}
# The order a permit is chosen in when a space has several: the work under way first.
PREFERENCE = ("in_progress", "interrupted", "approved")


def _reason(code: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "message": REASONS[code], **details}


def current_permit(permits: list[Document], now: datetime) -> Document | None:
    """The permit a scan is about: the work under way, else an approved one whose window holds
    now, else any approved one (whose window the gate then refuses)."""
    live = [permit for permit in permits if permit["state"] in LIVE]

    def rank(permit: Document) -> tuple[int, bool]:
        inside = permit["window_start"] <= now <= permit["window_end"]
        return (PREFERENCE.index(permit["state"]), not inside)

    return min(live, key=rank, default=None)


def _gas_reasons(permit: Document, policy: Policy, now: datetime) -> list[dict[str, Any]]:
    last = permit["last_gas_test"]
    if last is None or last["round"] != permit["round"]:
        return [_reason("gas_test_missing")]
    if not last["passed"]:
        return [_reason("gas_test_failed", missing=last["missing"], failing=last["failing"])]
    age = now - last["tested_at"]
    if age > policy.freshness:
        return [
            _reason(
                "gas_test_stale",
                age_minutes=int(age.total_seconds() // 60),
                limit_minutes=int(policy.freshness.total_seconds() // 60),
            )
        ]
    return []


def _people_reasons(
    permit: Document | None,
    guardian: str | None,
    entrants: list[str],
    staff: Staff,
    policy: Policy,
    uscc: str,
    today: date,
) -> list[dict[str, Any]]:
    reasons = []
    if guardian is None:
        reasons.append(_reason("guardian_absent"))
    elif guardian in entrants:
        reasons.append(_reason("guardian_is_entrant", person_id=guardian))
    present = [("guardian", guardian)] if guardian else []
    present += [("entrants", person) for person in entrants]
    for group, person in present:
        listed = [permit["guardian"]] if permit and group == "guardian" else []
        if permit is not None and group == "entrants":
            listed = permit["entrants"]
        if permit is not None and person not in listed:
            reasons.append(_reason("person_not_on_permit", person_id=person, role=group))
        if not staff.trained(person, policy.roles[group], uscc, today):
            reasons.append(_reason("person_untrained", person_id=person, role=group))
    return reasons


def reasons(
    space: Document,
    permit: Document | None,
    guardian: str | None,
    entrants: list[str],
    staff: Staff,
    policy: Policy,
    now: datetime,
    today: date,
) -> list[dict[str, Any]]:
    """Every unmet condition of entry; none means entry is allowed."""
    found = []
    if space["status"] != "in_use":
        found.append(_reason("space_retired"))
    if permit is None:
        found.append(_reason("no_permit"))
    else:
        if not permit["window_start"] <= now <= permit["window_end"]:
            found.append(_reason("outside_window"))
        if permit["state"] != "in_progress":
            missing = [step for step in missing_before(permit, "entry") if step != "gas_test"]
            if missing:
                found.append(_reason("steps_incomplete", steps=missing))
        found += _gas_reasons(permit, policy, now)
    found += _people_reasons(permit, guardian, entrants, staff, policy, space["uscc"], today)
    return found


def scan(
    fields: dict[str, Any],
    space: Document,
    permit: Document | None,
    staff: Staff,
    policy: Policy,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """The scan as stored, with its event: allowed or refused, with every reason."""
    guardian, entrants = fields.get("guardian"), fields["entrants"]
    unmet = reasons(space, permit, guardian, entrants, staff, policy, now, today)
    record = {
        "_id": new_id(),
        "space_id": space["_id"],
        "uscc": space["uscc"],
        "region_code": space["region_code"],
        "permit_id": permit["_id"] if permit else None,
        "at": now,
        "day": now.astimezone(CHINA).date().isoformat(),
        "device_time": fields["device_time"],
        "user_id": actor.user_id,
        "guardian": guardian,
        "entrants": entrants,
        "result": "deny" if unmet else "allow",
        "reasons": unmet,
        "work_started": False,
        "version": 1,
    }
    return record, [_scan_event(record)]


def _scan_event(record: Document) -> Event:
    data = {
        "scan_id": record["_id"],
        "space_id": record["space_id"],
        "permit_id": record["permit_id"],
        "uscc": record["uscc"],
        "result": record["result"],
        "reasons": [reason["code"] for reason in record["reasons"]],
        "work_started": record["work_started"],
    }
    verb = "refused" if record["reasons"] else "allowed"
    return event("scan", verb, record["_id"], record["region_code"], record["at"], data)


def started_work(record: Document) -> Result:
    """The scan that started (or resumed) the work says so."""
    after = {**record, "work_started": True}
    return after, [_scan_event(after)]


def starts_work(permit: Document | None, record: Document) -> bool:
    return record["result"] == "allow" and permit is not None and permit["state"] != "in_progress"
