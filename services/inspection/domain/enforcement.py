"""Enforcement under the Safety Law (《安全生产法》, 2021 amendment in force 2021-09-01) [text].

Pure Python, no framework: the escalation ladder for overdue hazards, suspension orders, penalty
cases with one unit and its responsible persons (一案双罚) and the ranges their lines must keep,
Art. 112 continuous daily fines and the Art. 113 closure grounds. Every figure comes from the
rules in force on the day of the fact (services/inspection/rules/*.yaml). Commands take the
current state, the caller and the time and return `(document, events)`
(services.kit.pure.commands). Decisions are the bureau's (REVIEWERS); inspectors record facts.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from stdnum.cn import ric

from services.inspection.domain.common import (
    REVIEWERS,
    china_day,
    event,
    is_text,
    known_enterprise,
    new_id,
    text_errors,
)
from services.kit.pure import regions
from services.kit.pure import uscc as uscc_codes
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.errors import Conflict, InvalidInput
from services.kit.pure.rules import Rule, RuleSet
from services.kit.pure.times import utc_instant

LADDER_RULE = "inspection.escalation.ladder"
INTERVAL_RULE = "inspection.escalation.interval_days"
PERIOD_RULE = "inspection.enforcement.period_start"
PENALTIES = "inspection.penalty."
DAILY_FINES_RULE = "inspection.penalty.safety_law.art112"
CLOSURE_RULE = "inspection.penalty.safety_law.art113_closure"
PERIOD_STARTS = ("next_day", "same_day")
# Art. 113(三): 重大、特别重大生产安全事故 (国务院令第493号 grades).
GRAVE_ACCIDENTS = ("major", "especially_major")

PARTY_KINDS = ("unit", "person")
# Responsible persons of a dual penalty [secondary]; Art. 102 fines
# 直接负责的主管人员和其他直接责任人员.
PERSON_ROLES = ("principal", "safety_manager", "other")
# A penalty rule's amounts for each kind of party, and how an error names the party.
FINE_FIELDS = {"unit": "unit_fine_yuan", "person": "person_fine_yuan"}
PARTY_WORDS = {"unit": "the unit", "person": "a person"}
LAWS = {"safety_law": "Safety Law", "confined_space": "MEM Order No. 13",
        "accident_fines": "MEM Order No. 14"}


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

@dataclass(frozen=True)
class Escalation:
    """The escalation ladder and the interval between rungs in force on one day.

    No national text sets the order: it is the county plan's practice, so both are rules a
    deployment overrides. Only a rung flagged `automatic` (提醒) is taken without the bureau.
    """

    ladder: Rule
    interval: Rule

    @classmethod
    def on(cls, rules: RuleSet, day: date) -> "Escalation":
        return cls(rules.rule(LADDER_RULE, day), rules.rule(INTERVAL_RULE, day))

    @property
    def kinds(self) -> list[str]:
        return [rung["kind"] for rung in self.ladder.value]

    @property
    def wait(self) -> timedelta:
        return timedelta(days=self.interval.value)

    def next_rung(self, actions_taken: list[str]) -> dict[str, Any] | None:
        """The next rung for an overdue hazard, or None when the ladder is exhausted.

        Escalation never steps down: the next rung is the one after the highest already taken,
        even when a lower one was skipped. Kinds off the ladder do not move it.
        """
        kinds = self.kinds
        taken = [kinds.index(kind) for kind in actions_taken if kind in kinds]
        following = max(taken) + 1 if taken else 0
        return dict(self.ladder.value[following]) if following < len(kinds) else None


def enforcement_action(kind: str, hazard: Document, actor: Actor, now: datetime,
                       escalation: Escalation, document_number: str | None = None,
                       note: str | None = None) -> Result:
    """An escalation action on a hazard, to be kept with the hazard, and `action_taken`."""
    if kind not in escalation.kinds:
        raise InvalidInput(f"{kind!r} is not an escalation action",
                           {"kind": [f"one of {', '.join(escalation.kinds)}"]})
    actor.require_writer(hazard["region_code"])
    action = {"id": new_id(), "kind": kind, "hazard_id": hazard["_id"],
              "uscc": hazard["uscc"], "region_code": hazard["region_code"], "taken_at": now,
              "taken_by": actor.user_id, "document_number": document_number, "note": note,
              "rule": escalation.ladder.reference()}
    data = {key: value for key, value in action.items() if key != "rule"}
    return action, [event("enforcement", "action_taken", action["id"], hazard["region_code"], now,
                          {**data, "taken_at": utc_instant(now)})]


def ladder_problem(rule: Rule) -> str | None:
    rungs = rule.value
    if not isinstance(rungs, list) or not rungs or not all(
            isinstance(rung, dict) and is_text(rung.get("kind")) and is_text(rung.get("label"))
            and isinstance(rung.get("automatic"), bool) for rung in rungs):
        return "a ladder is a list of rungs, each with a kind, a label and automatic (true/false)"
    if len({rung["kind"] for rung in rungs}) != len(rungs):
        return "each kind appears once on the ladder"
    return None


def _whole_days(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


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


def penalty_label(rule: Rule) -> str:
    """How an error names a penalty rule: "Safety Law Art. 102"."""
    law = LAWS.get(rule.id.removeprefix(PENALTIES).split(".")[0])
    article, item = rule.value.get("article"), rule.value.get("item")
    if not law or not article:
        return rule.source.cite()
    return f"{law} Art. {article}" + (f" {item}" if item else "")


def penalty_rule(article: str, rules: RuleSet, on: date) -> Rule:
    """The penalty rule a line names ("safety_law.art102" or its full id) in force on `on`."""
    identifier = PENALTIES + article.removeprefix(PENALTIES)
    try:
        return rules.rule(identifier, on)
    except KeyError:
        raise InvalidInput(f"no penalty rule {article}",
                           {"article": ["unknown article; see GET /api/v1/rules"]}) from None
    except LookupError:
        raise InvalidInput(f"{article} is not in force on {on.isoformat()}",
                           {"article": [f"not in force on {on.isoformat()}"]}) from None


def _range_errors(line: dict[str, Any], kind: str, rule: Rule) -> dict[str, list[str]]:
    """A line's amount against its article's range for the party's kind, in the circumstance
    the line names (`overdue` reads the rule's `if_overdue` terms, `refused` `if_refused`)."""
    label, circumstance = penalty_label(rule), line.get("circumstance")
    terms = rule.value if circumstance is None else rule.value.get(f"if_{circumstance}")
    if not isinstance(terms, dict):
        return {"circumstance": [f"{label} has no {circumstance} case"]}
    bounds = terms.get(FINE_FIELDS[kind])
    if bounds is None:
        if rule.checked_against == "unverified":
            return {"article": [f"{label}: its amounts are not verified against the official "
                                "text, so it cannot be applied yet"]}
        cases = [key.removeprefix("if_") for key, value in rule.value.items()
                 if key.startswith("if_") and isinstance(value, dict)
                 and value.get(FINE_FIELDS[kind])]
        hint = f" (only when {' or '.join(cases)})" if cases and circumstance is None else ""
        return {"amount_yuan": [f"{label} sets no fine in yuan for {PARTY_WORDS[kind]}"
                                + (f" when {circumstance}" if circumstance else "") + hint]}
    if not bounds["min"] <= line["amount_yuan"] <= bounds["max"]:
        when = f" when {circumstance}" if circumstance else ""
        return {"amount_yuan": [f"{label}: {bounds['min']}–{bounds['max']} yuan for "
                                f"{PARTY_WORDS[kind]}{when}"]}
    return {}


def _line_errors(line: dict[str, Any], parties: dict[str, str], today: date,
                 rules: RuleSet) -> dict[str, list[str]]:
    errors = text_errors(line, ("legal_basis", "decision_number", "article"))
    if line.get("party_id") not in parties:
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
    for name in ("correction_deadline", "correction_ordered_on"):
        day = line.get(name)
        if day is None:
            continue
        if not _is_day(day):
            errors[name] = ["a date or nothing"]
        elif line.get("order_to_correct") is False:
            errors[name] = ["only with an order to correct"]
        elif _is_day(decided_on) and name == "correction_deadline" and day < decided_on:
            errors[name] = ["before the decision"]
        elif _is_day(decided_on) and name == "correction_ordered_on" and day > decided_on:
            errors[name] = ["after the decision: the order to correct comes first"]
    if not errors:
        try:
            rule = penalty_rule(line["article"], rules, decided_on)
        except InvalidInput as refused:
            return refused.errors
        errors.update(_range_errors(line, parties[line["party_id"]], rule))
    return errors


def _stored_line(line: dict[str, Any], rules: RuleSet) -> dict[str, Any]:
    deadline = line.get("correction_deadline")
    rule = penalty_rule(line["article"], rules, line["decided_on"])
    ordered_on = line.get("correction_ordered_on") or line["decided_on"]
    return {"party_id": line["party_id"], "legal_basis": line["legal_basis"].strip(),
            "article": rule.id.removeprefix(PENALTIES),
            "circumstance": line.get("circumstance"), "rule": rule.reference(),
            "amount_yuan": line["amount_yuan"], "decision_number": line["decision_number"].strip(),
            "decided_on": line["decided_on"].isoformat(),
            "order_to_correct": line["order_to_correct"],
            # Art. 112 counts from the order to correct, which may precede the fine.
            "correction_ordered_on": ordered_on.isoformat() if line["order_to_correct"] else None,
            "correction_deadline": deadline and deadline.isoformat()}


def decide_penalty(case: Document, lines: list[dict[str, Any]], actor: Actor, now: datetime,
                   today: date, rules: RuleSet) -> Result:
    """The decision of an open case: a line per penalty, at least one for every party, each
    within the range its article sets for that kind of party.

    The decision is the bureau's (行政处罚法: the administrative organ decides), so only a
    regulator or administrator of the case's region makes it; an inspector proposes.
    """
    actor.require_role(*REVIEWERS)
    actor.require_writer(case["region_code"])
    if case["status"] == "decided":
        raise Conflict("the case is already decided")
    kinds = {party["party_id"]: party["kind"] for party in case["parties"]}
    errors: dict[str, Any] = {}
    if not isinstance(lines, list) or not lines:
        errors["lines"] = ["at least one penalty line"]
    else:
        line_errors = {index: problems for index, line in enumerate(lines)
                       if (problems := _line_errors(line, kinds, today, rules))}
        unpenalised = set(kinds) - {line.get("party_id") for line in lines}
        if line_errors:
            errors["lines"] = line_errors
        elif unpenalised:
            errors["lines"] = ["every party needs a line; none for "
                               + ", ".join(sorted(unpenalised))]
    if errors:
        raise InvalidInput("the penalty decision is incomplete or wrong", errors)
    stored = [_stored_line(line, rules) for line in lines]
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


# Art. 112 continuous daily fines ---------------------------------------------------------------

def continuous_daily_fine(line: dict[str, Any], kind: str, refused: bool,
                          reinspected_on: date | None, decided_through: date | None,
                          today: date) -> dict[str, Any] | None:
    """The Art. 112 fine a stored line may lead to, as a proposal, or None.

    Art. 112 names the 生产经营单位: the unit's line only, never a person's. It applies after an
    order to correct and a fine, when the unit went on refusing. The original amount is due for
    each day from the day after the order to correct up to the day before the re-inspection that
    confirmed the correction, or through today while there is none; days the bureau already
    decided are not proposed again. Ordered 1 March, refusing, today 11 March → 10 days.
    """
    if kind != "unit" or not (line["order_to_correct"] and line["amount_yuan"] > 0 and refused):
        return None
    ordered_on = date.fromisoformat(line.get("correction_ordered_on") or line["decided_on"])
    start = max(ordered_on, decided_through or ordered_on)
    last = today if reinspected_on is None else min(today, reinspected_on - timedelta(days=1))
    days = (last - start).days
    if days <= 0:
        return None
    return {"party_id": line["party_id"], "decision_number": line["decision_number"],
            "from": (start + timedelta(days=1)).isoformat(), "through": last.isoformat(),
            "days": days, "daily_amount_yuan": line["amount_yuan"],
            "amount_yuan": days * line["amount_yuan"]}


def _day_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def continuous_daily_fines(case: Document, today: date, rule: Rule) -> list[dict[str, Any]]:
    """Art. 112 proposals per unit line of a case. "可以": the bureau decides each one
    (`decide_daily_fine`); until then it is only proposed."""
    kinds = {party["party_id"]: party["kind"] for party in case["parties"]}
    proposals = []
    for line in case.get("lines") or ():
        state = (case.get("compliance") or {}).get(line["party_id"], {})
        decided = [decision for decision in case.get("daily_fine_decisions") or ()
                   if decision["party_id"] == line["party_id"]]
        proposal = continuous_daily_fine(
            line, kinds[line["party_id"]], bool(state.get("refused_since")),
            _day_or_none(state.get("corrected_on")),
            _day_or_none(decided[-1]["through"] if decided else None), today)
        if proposal:
            proposals.append({**proposal, "status": "proposed", "rule": rule.reference()})
    return proposals


def decide_daily_fine(case: Document, party_id: str, impose: bool, reason: str,
                      decision_number: str | None, actor: Actor, now: datetime, today: date,
                      rule: Rule) -> Result:
    """The bureau's decision on the Art. 112 proposal for a unit: imposed with its decision
    number, or declined with a reason. Later refusal days make a new proposal."""
    actor.require_role(*REVIEWERS)
    actor.require_writer(case["region_code"])
    proposal = next((fine for fine in continuous_daily_fines(case, today, rule)
                     if fine["party_id"] == party_id), None)
    if proposal is None:
        raise Conflict("no Art. 112 daily fine is proposed for that party")
    if impose and not is_text(decision_number):
        raise InvalidInput("imposing the daily fine needs its decision number",
                           {"decision_number": ["required when imposing"]})
    decision = {**proposal, "status": "imposed" if impose else "declined",
                "penalty_decision_number": proposal["decision_number"],
                "decision_number": decision_number if impose else None, "reason": reason,
                "decided_at": now, "decided_by": actor.user_id}
    return {**case, "daily_fine_decisions": [*(case.get("daily_fine_decisions") or []),
                                             decision]}, []


# Art. 113 closure ------------------------------------------------------------------------------

def period_end(start: date, length: dict[str, int], period_start: str) -> date:
    """The last day of a period of `within_days` or `within_years` that begins with `start`.

    民法典 Art. 201 (`next_day`): the first day is not counted, so 180 days from 1 March end on
    28 August; Art. 202: a year ends on the corresponding day, or the month's last day when
    there is none (29 February → 28 February). `same_day` counts the first day.
    """
    if "within_years" in length:
        year = start.year + length["within_years"]
        try:
            end = start.replace(year=year)
        except ValueError:  # 29 February in a common year
            end = start.replace(year=year, day=28)
    else:
        end = start + timedelta(days=length["within_days"])
    return end if period_start == "next_day" else end - timedelta(days=1)


def _penalised_often(penalty_dates: list[date], windows: list[dict[str, int]],
                     period_start: str, today: date) -> list[str]:
    """Item (一): the penalty dates of the first window that holds enough of them."""
    dates = sorted(day for day in penalty_dates if day <= today)
    for window in windows:
        count = window["count"]
        for index in range(len(dates) - count + 1):
            if dates[index + count - 1] <= period_end(dates[index], window, period_start):
                return [day.isoformat() for day in dates[index:index + count]]
    return []


def _reviewed_and_failed(hazard: Document) -> bool:
    """Item (二): a review after the suspension order found the conditions still not met."""
    suspended = [step["at"] for step in hazard["transitions"] if step["action"] == "suspend"]
    return bool(suspended) and any(step["action"] == "reject" and step["at"] > suspended[0]
                                   for step in hazard["transitions"])


def closure_grounds(facts: dict[str, Any], rules: RuleSet, today: date) -> list[dict[str, Any]]:
    """The Art. 113 conditions an enterprise meets, each with the records that show it.

    `facts`: `penalty_dates` (one per decided case about a major hazard: a dual penalty counts
    once), `suspended_hazards` (hazards with a suspension order), `accidents` (the enterprise's,
    with their grades). Item (三) also needs the investigation's finding that the missing safety
    conditions caused the 重大 or 特别重大 accident, so it is a ground for the bureau to confirm.
    """
    rule = rules.rule(CLOSURE_RULE, today)
    items = {condition["item"]: condition for condition in rule.value["closure_conditions"]}
    evidence = {
        "（一）": _penalised_often(facts["penalty_dates"],
                                 items["（一）"]["major_hazard_penalties"],
                                 rules.value(PERIOD_RULE, today), today),
        "（二）": [hazard["_id"] for hazard in facts["suspended_hazards"]
                 if _reviewed_and_failed(hazard)],
        "（三）": [accident["_id"] for accident in facts["accidents"]
                 if accident["grade"] in GRAVE_ACCIDENTS],
        "（四）": [hazard["suspension_order"]["_id"] for hazard in facts["suspended_hazards"]
                 if hazard["suspension_order"].get("defied")],
    }
    return [{"item": item, "text": items[item]["text"], "evidence": shown,
             "rule": rule.reference()} for item, shown in evidence.items() if shown]


def decide_closure(case: Document, grounds: list[dict[str, Any]], decision_number: str,
                   reason: str, actor: Actor, now: datetime, today: date,
                   rules: RuleSet) -> Result:
    """The bureau decides to ask the local government to close the enterprise (提请关闭).

    Art. 113 then bars the principal from being any unit's principal for five years: recorded
    on each party who is the unit's principal, from the day of the decision.
    """
    actor.require_role(*REVIEWERS)
    actor.require_writer(case["region_code"])
    if case.get("closure_decision"):
        raise Conflict("closure was already decided in this case")
    if not grounds:
        raise Conflict("the enterprise meets none of the Art. 113 closure conditions")
    rule = rules.rule(CLOSURE_RULE, today)
    years = rule.value["principal_ban"]["years"]
    ban = {"years": years, "from": today.isoformat(),
           "until": period_end(today, {"within_years": years},
                               rules.value(PERIOD_RULE, today)).isoformat(),
           "scope": "principal of any production or business unit", "rule": rule.reference()}
    parties = [{**party, "bans": [*(party.get("bans") or []), ban]}
               if party["kind"] == "person" and party["role"] == "principal" else party
               for party in case["parties"]]
    decision = {"decided_on": today.isoformat(), "decision_number": decision_number,
                "reason": reason, "grounds": [ground["item"] for ground in grounds],
                "decided_at": now, "decided_by": actor.user_id, "rule": rule.reference()}
    return {**case, "parties": parties, "closure_decision": decision}, []


def with_sanctions(case: Document, facts: dict[str, Any], rules: RuleSet,
                   today: date) -> Document:
    """A case as shown: the Art. 112 proposals where they apply, and the Art. 113 grounds."""
    grounds = closure_grounds(facts, rules, today)
    return {**case, "continuous_daily_fines": continuous_daily_fines(
        case, today, rules.rule(DAILY_FINES_RULE, today)),
        "closure_flag": bool(grounds), "closure_grounds": grounds}


# Value checks for the rules above, run at start-up.

def _interval_problem(rule: Rule) -> str | None:
    return None if _whole_days(rule.value) else "a whole number of days from 1"


def _period_problem(rule: Rule) -> str | None:
    return None if rule.value in PERIOD_STARTS else f"one of {', '.join(PERIOD_STARTS)}"


def _range_problem(bounds: Any) -> bool:
    return bounds is not None and not (
        isinstance(bounds, dict) and all(isinstance(bounds.get(end), int)
                                         for end in ("min", "max"))
        and 0 <= bounds["min"] <= bounds["max"])


def penalty_problem(rule: Rule) -> str | None:
    """Every fine range, the article's own and each circumstance's, is null or min ≤ max."""
    value = rule.value
    if not isinstance(value, dict):
        return "a penalty rule's value is a mapping"
    terms = [value, *(part for key, part in value.items()
                      if key.startswith("if_") and isinstance(part, dict))]
    if any(_range_problem(part.get(field)) for part in terms for field in FINE_FIELDS.values()):
        return "a fine range is null or {min, max} in whole yuan with min ≤ max"
    return None


def _window_problem(window: Any) -> bool:
    lengths = [name for name in ("within_days", "within_years") if name in window]
    return not (isinstance(window, dict) and _whole_days(window.get("count"))
                and len(lengths) == 1 and _whole_days(window[lengths[0]]))


def closure_problem(rule: Rule) -> str | None:
    """Art. 113 as closure_grounds reads it: items (一)–(四), item (一)'s windows, the ban."""
    conditions = rule.value.get("closure_conditions") or []
    items = {condition.get("item"): condition for condition in conditions}
    if set(items) != {"（一）", "（二）", "（三）", "（四）"}:
        return "closure_conditions lists items （一） to （四）"
    windows = items["（一）"].get("major_hazard_penalties") or []
    if not windows or any(_window_problem(window) for window in windows):
        return "item （一） has windows of {count, within_days or within_years}"
    if not _whole_days((rule.value.get("principal_ban") or {}).get("years")):
        return "principal_ban names its years"
    return None


RULE_CHECKS = {LADDER_RULE: ladder_problem, INTERVAL_RULE: _interval_problem,
               PERIOD_RULE: _period_problem, PENALTIES: penalty_problem,
               CLOSURE_RULE: closure_problem}
