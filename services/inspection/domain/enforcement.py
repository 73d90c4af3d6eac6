"""Enforcement under the Safety Law (《安全生产法》, 2021 amendment in force 2021-09-01) [text].

Pure Python, no framework: the escalation ladder for overdue hazards, suspension orders, penalty
cases with one unit and its responsible persons (一案双罚), Art. 112 continuous daily fines and the
Art. 113 closure trigger. Commands take the current state, the caller and the time and return
`(document, events)` (services.kit.pure.commands).
"""
from datetime import date, datetime, timedelta
from typing import Any

from stdnum.cn import ric

from services.inspection.domain.common import (china_day, event, is_text, known_enterprise,
                                               new_id, text_errors)
from services.kit.pure import regions, uscc as uscc_codes
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import Conflict, InvalidInput
from services.kit.pure.times import utc_instant

# Escalation for an overdue or refused rectification, mildest first. No national text sets the
# order: it is the county plan's practice [verify], so deployments may override it.
LADDER = ("reminder", "supervision_order", "circular", "warning", "interview")
LADDER_LABELS = {"reminder": "提醒", "supervision_order": "督办", "circular": "通报",
                 "warning": "警示", "interview": "约谈"}

PARTY_KINDS = ("unit", "person")
# Responsible persons of a dual penalty [secondary]; Art. 102 fines 直接负责的主管人员和其他直接责任人员.
PERSON_ROLES = ("principal", "safety_manager", "other")

# Art. 113(1) [text]: a major hazard penalised 3 times within 180 days or 4 times within a year is
# grounds to propose closure. (penalties, days): the days are calendar days, both ends included.
CLOSURE_TRIGGERS = ((3, 180), (4, 365))


def _is_day(value: Any) -> bool:
    # A datetime is a date subclass, but a decision or deadline is a calendar day.
    return isinstance(value, date) and not isinstance(value, datetime)


def _enterprise_errors(fields: dict[str, Any]) -> dict[str, list[str]]:
    """The enterprise a case is about: a well-formed USCC in a current division."""
    errors = {}
    if uscc_codes.check(fields.get("uscc")) is uscc_codes.UsccCheck.MALFORMED:
        errors["uscc"] = ["malformed"]
    if not regions.is_current(fields.get("region_code")):
        errors["region_code"] = ["unknown or withdrawn division code"]
    return errors


# Escalation ladder ---------------------------------------------------------------------------

def next_rung(actions_taken: list[str]) -> str | None:
    """The next kind of action for an overdue hazard, or None when the ladder is exhausted.

    Escalation never steps down: the next rung is the one after the highest already taken, even
    when a lower one was skipped. Kinds off the ladder (penalties, suspensions) do not move it.
    """
    taken = [LADDER.index(kind) for kind in actions_taken if kind in LADDER]
    following = max(taken) + 1 if taken else 0
    return LADDER[following] if following < len(LADDER) else None


def enforcement_action(kind: str, hazard: Document, actor: Actor, now: datetime,
                       document_number: str | None = None, note: str | None = None) -> Result:
    """An escalation action on a hazard, to be kept with the hazard, and `action_taken`."""
    if kind not in LADDER:
        raise InvalidInput(f"{kind!r} is not an escalation action",
                           {"kind": [f"one of {', '.join(LADDER)}"]})
    actor.require_writer(hazard["region_code"])
    action = {"id": new_id(), "kind": kind, "hazard_id": hazard["_id"],
              "uscc": hazard["uscc"], "region_code": hazard["region_code"], "taken_at": now,
              "taken_by": actor.user_id, "document_number": document_number, "note": note}
    return action, [event("enforcement", "action_taken", action["id"], hazard["region_code"], now,
                          {**action, "taken_at": utc_instant(now)})]


# Suspension orders (责令停产停业整顿, Arts. 65 and 102) ------------------------------------------

def _suspension_event(verb: str, order: dict[str, Any], now: datetime,
                      data: dict[str, Any]) -> dict[str, Any]:
    # The registry consumes these and suspends or restores the enterprise named as subject.
    return event("suspension", verb, order["uscc"], order["region_code"], now, data)


def order_suspension(hazard: Document, reason: str, actor: Actor, now: datetime) -> Result:
    """A suspension order for the enterprise of `hazard`, dated today in China, to be kept with
    the hazard, and `ordered`."""
    if not is_text(reason):
        raise InvalidInput("a suspension order needs a reason", {"reason": ["required"]})
    actor.require_writer(hazard["region_code"])
    order = {"_id": new_id(), "hazard_id": hazard["_id"], "uscc": hazard["uscc"],
             "region_code": hazard["region_code"], "reason": reason.strip(),
             "ordered_on": china_day(now).isoformat(), "ordered_at": now,
             "ordered_by": actor.user_id, "lifted_on": None, "lifted_at": None,
             "lifted_by": None, "lift_reason": None}
    return order, [_suspension_event("ordered", order, now, {
        "order_id": order["_id"], "uscc": order["uscc"], "reason": order["reason"],
        "ordered_on": order["ordered_on"]})]


def lift_suspension(order: dict[str, Any], reason: str, actor: Actor, now: datetime) -> Result:
    """Lifting an order after the review that Art. 65 requires before resumption."""
    actor.require_writer(order["region_code"])
    if order["lifted_on"] is not None:
        raise Conflict(f"the suspension order was already lifted on {order['lifted_on']}")
    if not is_text(reason):
        raise InvalidInput("lifting a suspension order needs a reason", {"reason": ["required"]})
    lifted = {**order, "lifted_on": china_day(now).isoformat(), "lifted_at": now,
              "lifted_by": actor.user_id, "lift_reason": reason.strip()}
    return lifted, [_suspension_event("lifted", order, now, {
        "order_id": order["_id"], "uscc": order["uscc"], "reason": lifted["lift_reason"],
        "lifted_on": lifted["lifted_on"]})]


# Penalty cases (一案双罚) ------------------------------------------------------------------------

def _party_errors(party: dict[str, Any]) -> dict[str, list[str]]:
    errors = text_errors(party, ("name",))
    kind = party.get("kind")
    if kind not in PARTY_KINDS:
        errors["kind"] = ["unit or person"]
    elif kind == "person":
        if party.get("role") not in PERSON_ROLES:
            errors["role"] = [f"one of {', '.join(PERSON_ROLES)}"]
        id_number = party.get("id_number")
        if id_number is not None and not ric.is_valid(id_number):
            errors["id_number"] = ["not a valid resident identity card number"]
    else:
        errors.update({name: ["only a person has one"] for name in ("role", "id_number")
                       if party.get(name) is not None})
    return errors


def _stored_party(party: dict[str, Any]) -> dict[str, Any]:
    person = party["kind"] == "person"
    return {"party_id": new_id(), "kind": party["kind"], "name": party["name"].strip(),
            "role": party["role"] if person else None,
            "id_number": party.get("id_number") if person else None}


def open_case(fields: dict[str, Any], actor: Actor, now: datetime) -> Result:
    """A penalty case against one unit and any number of its responsible persons.

    The case assigns each party its `party_id`; decision lines name parties by it.
    """
    errors: dict[str, Any] = _enterprise_errors(fields)
    hazard_ids = fields.get("hazard_ids", [])
    if not isinstance(hazard_ids, list) or not all(is_text(item) for item in hazard_ids):
        errors["hazard_ids"] = ["a list of hazard ids"]
    parties: Any = fields.get("parties")
    if not isinstance(parties, list):
        errors["parties"] = ["a list of parties"]
    else:
        party_errors = {index: problems for index, party in enumerate(parties)
                        if (problems := _party_errors(party))}
        if party_errors:
            errors["parties"] = party_errors
        elif sum(party["kind"] == "unit" for party in parties) != 1:
            errors["parties"] = ["exactly one unit, the enterprise, is a party"]
    if errors:
        raise InvalidInput("the penalty case is incomplete or wrong", errors)
    actor.require_writer(fields["region_code"])
    return {"_id": new_id(), "uscc": fields["uscc"], "region_code": fields["region_code"],
            "hazard_ids": list(dict.fromkeys(hazard_ids)),
            "parties": [_stored_party(party) for party in parties], "status": "open",
            "opened_at": now, "opened_by": actor.user_id, "version": 1}, []


def open_case_about(enterprise: Document | None, hazards: list[Document | None],
                    fields: dict[str, Any], actor: Actor, now: datetime) -> Result:
    """A penalty case against a known enterprise for hazards of its own; whether one of them is
    major decides whether the case counts towards Art. 113."""
    enterprise = known_enterprise(enterprise)
    if any(hazard is None or hazard["uscc"] != enterprise["uscc"] for hazard in hazards):
        raise InvalidInput("the hazards must belong to the enterprise",
                           {"hazard_ids": ["unknown hazard for this enterprise"]})
    case, events = open_case({**fields, "region_code": enterprise["region_code"]}, actor, now)
    return {**case, "involves_major_hazard": any(
        hazard is not None and hazard["grade"] == "major" for hazard in hazards)}, events


def _line_errors(line: dict[str, Any], party_ids: set[str],
                 today: date) -> dict[str, list[str]]:
    errors = text_errors(line, ("legal_basis", "decision_number"))
    if line.get("party_id") not in party_ids:
        errors["party_id"] = ["not a party of this case"]
    amount = line.get("amount_yuan")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        errors["amount_yuan"] = ["must be whole yuan, zero or more"]
    decided_on: Any = line.get("decided_on")
    if not _is_day(decided_on):
        errors["decided_on"] = ["a date is required"]
    elif decided_on > today:
        errors["decided_on"] = ["in the future"]
    if not isinstance(line.get("order_to_correct"), bool):
        errors["order_to_correct"] = ["true or false"]
    deadline = line.get("correction_deadline")
    if deadline is not None:
        if not _is_day(deadline):
            errors["correction_deadline"] = ["a date or nothing"]
        elif line.get("order_to_correct") is False:
            errors["correction_deadline"] = ["only with an order to correct"]
        elif _is_day(decided_on) and deadline < decided_on:
            errors["correction_deadline"] = ["before the decision"]
    return errors


def _stored_line(line: dict[str, Any]) -> dict[str, Any]:
    deadline = line.get("correction_deadline")
    return {"party_id": line["party_id"], "legal_basis": line["legal_basis"].strip(),
            "amount_yuan": line["amount_yuan"], "decision_number": line["decision_number"].strip(),
            "decided_on": line["decided_on"].isoformat(),
            "order_to_correct": line["order_to_correct"],
            "correction_deadline": deadline and deadline.isoformat()}


def decide_penalty(case: Document, lines: list[dict[str, Any]], actor: Actor, now: datetime,
                   today: date) -> Result:
    """The decision of an open case: a line per penalty, at least one for every party.

    The deciding authority is the caller's bureau (its region scope).
    """
    actor.require_writer(case["region_code"])
    if case["status"] == "decided":
        raise Conflict("the case is already decided")
    party_ids = {party["party_id"] for party in case["parties"]}
    errors: dict[str, Any] = {}
    if not isinstance(lines, list) or not lines:
        errors["lines"] = ["at least one penalty line"]
    else:
        line_errors = {index: problems for index, line in enumerate(lines)
                       if (problems := _line_errors(line, party_ids, today))}
        unpenalised = party_ids - {line.get("party_id") for line in lines}
        if line_errors:
            errors["lines"] = line_errors
        elif unpenalised:
            errors["lines"] = ["every party needs a line; none for "
                               + ", ".join(sorted(unpenalised))]
    if errors:
        raise InvalidInput("the penalty decision is incomplete or wrong", errors)
    stored = [_stored_line(line) for line in lines]
    decision = {"status": "decided", "authority": actor.region_scope, "lines": stored,
                "total_yuan": sum(line["amount_yuan"] for line in stored), "decided_at": now,
                "decided_by": actor.user_id}
    # Identity numbers stay in the case: events travel to external platforms.
    parties = [{key: party[key] for key in ("party_id", "kind", "name", "role")}
               for party in case["parties"]]
    return {**case, **decision}, [event("penalty", "decided", case["_id"], case["region_code"], now,
                                        {"case_id": case["_id"], "uscc": case["uscc"],
                                         "region_code": case["region_code"],
                                         "authority": decision["authority"], "parties": parties,
                                         "lines": stored, "hazard_ids": case["hazard_ids"],
                                         "total_yuan": decision["total_yuan"]})]


def record_compliance(case: Document, party_id: str, status: str, on: date, actor: Actor,
                      now: datetime, today: date) -> Result:
    """After an order to correct: the party's continued refusal, or its confirmed correction.

    These facts are what Safety Law Art. 112 turns on; the daily fines follow from them.
    """
    actor.require_writer(case["region_code"])
    if case.get("status") != "decided":
        raise Conflict("compliance is recorded once the penalty is decided")
    if not any(line["party_id"] == party_id and line["order_to_correct"]
               for line in case["lines"]):
        raise InvalidInput("that party was not ordered to correct",
                           {"party_id": ["no order to correct for this party"]})
    if on > today:
        raise InvalidInput("the date cannot be in the future", {"on": ["in the future"]})
    current = (case.get("compliance") or {}).get(party_id, {"refused_since": None,
                                                            "corrected_on": None})
    if current["corrected_on"]:
        raise Conflict("the correction is already confirmed")
    field = "refused_since" if status == "refused" else "corrected_on"
    updated = {**current, field: on.isoformat(), "recorded_by": actor.user_id,
               "recorded_at": now}
    return {**case, "compliance": {**(case.get("compliance") or {}), party_id: updated}}, []


# Art. 112 continuous daily fines and Art. 113 closure ------------------------------------------

def continuous_daily_fine(line: dict[str, Any], refused_after_order: bool,
                          corrected_on: date | None, today: date) -> int:
    """Extra yuan owed under Art. 112 by a stored decision line; 0 unless the article applies.

    Art. 112 applies only to a line that ordered correction and imposed a fine, when the party
    went on refusing. The original amount is due for each day from the day after the decision
    (when the order to correct was made) up to the day before the correction was confirmed, or
    through today while it is not: decided 1 March, not corrected, today 11 March → 10 days.
    """
    if not (line["order_to_correct"] and line["amount_yuan"] > 0 and refused_after_order):
        return 0
    ordered_on = date.fromisoformat(line["decided_on"])
    last_day = today if corrected_on is None else min(today, corrected_on - timedelta(days=1))
    owed: int = max(0, (last_day - ordered_on).days) * line["amount_yuan"]
    return owed


def continuous_daily_fines(case: Document, today: date) -> list[dict[str, Any]]:
    """Art. 112 amounts per line of a case, computed only where its conditions hold."""
    fines = []
    for line in case.get("lines") or ():
        state = (case.get("compliance") or {}).get(line["party_id"], {})
        corrected = state.get("corrected_on")
        amount = continuous_daily_fine(
            line, bool(state.get("refused_since")),
            date.fromisoformat(corrected) if corrected else None, today)
        if amount:
            fines.append({"party_id": line["party_id"], "decision_number":
                          line["decision_number"], "amount_yuan": amount})
    return fines


def closure_flag(penalty_dates: list[date], today: date) -> bool:
    """True when the same enterprise's major hazards were penalised often enough under Art. 113.

    `penalty_dates` hold one decision date per penalty on the enterprise: a dual-penalty case
    counts once, not once per party. A window of N days spans N calendar days, so the first and
    the last penalty in it are at most N - 1 days apart. Dates after today are not counted.
    """
    dates = sorted(day for day in penalty_dates if day <= today)
    return any(dates[index + count - 1] - dates[index] < timedelta(days=days)
               for count, days in CLOSURE_TRIGGERS
               for index in range(len(dates) - count + 1))


def with_sanctions(case: Document, penalty_dates: list[str], today: date) -> Document:
    """A case as shown: Art. 112 daily fines where they apply, and Art. 113's closure flag from
    the dates the enterprise's major hazards were penalised."""
    return {**case, "continuous_daily_fines": continuous_daily_fines(case, today),
            "closure_flag": closure_flag([date.fromisoformat(day) for day in penalty_dates],
                                         today)}
