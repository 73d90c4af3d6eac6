"""The regulatory values the credit rules apply, read from the rules in force on one day
(services/credit/rules/*.yaml): listing cases, the representation period, the term, the wait
before credit repair, joint measures and the working-day calendar."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.kit.pure.errors import InvalidInput
from services.kit.pure.rules import Rule, RuleSet, checked

CASES = "credit.listing.cases"
REPRESENTATION_DAYS = "credit.notice.representation_working_days"
TERM_YEARS = "credit.listing.term_years"
REPAIR_WAIT_MONTHS = "credit.repair.wait_months"
MEASURES = "credit.listing.measures"
HOLIDAYS = "credit.calendar.holidays"
TRIGGERS = ("accident", "penalty", "manual")
SUBJECTS = ("unit", "person")


@dataclass(frozen=True)
class ListingCase:
    case: str
    name: str
    trigger: str
    subject: str
    legal_basis: str
    grades: tuple[str, ...] = ()
    count: int = 1
    within_months: int = 0
    articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    on: date
    cases: dict[str, ListingCase]
    representation_days: int
    term_years: int
    repair_wait_months: int
    measures: dict[str, str]
    holidays: frozenset[date]
    working_weekends: frozenset[date]
    cases_rule: dict[str, Any]

    def listing_case(self, name: str) -> ListingCase:
        if name not in self.cases:
            raise InvalidInput(
                f"{name!r} is not a listing case in force", {"rule": ["unknown listing rule"]}
            )
        return self.cases[name]

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def working_days_after(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself not counted)."""
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        return day


def _cases_problem(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "a non-empty list of listing cases"
    names = set()
    for entry in value:
        if not isinstance(entry, dict) or not {"case", "name", "trigger", "subject"} <= set(entry):
            return "each case names case, name, trigger and subject"
        if entry["trigger"] not in TRIGGERS or entry["subject"] not in SUBJECTS:
            return f"trigger is one of {TRIGGERS}, subject one of {SUBJECTS}"
        names.add(entry["case"])
    return None if len(names) == len(value) else "each case is listed once"


RULE_CHECKS = {
    CASES: lambda rule: _cases_problem(rule.value),
    REPRESENTATION_DAYS: checked(lambda v: isinstance(v, int) and 0 < v <= 60, "1 to 60 days"),
    TERM_YEARS: checked(lambda v: isinstance(v, int) and 0 < v <= 10, "1 to 10 years"),
    REPAIR_WAIT_MONTHS: checked(lambda v: isinstance(v, int) and 0 <= v <= 60, "0 to 60 months"),
}


def _days(values: list[str]) -> frozenset[date]:
    return frozenset(date.fromisoformat(str(value)) for value in values)


def policy_on(rules: RuleSet, on: date) -> Policy:
    cases_rule: Rule = rules.rule(CASES, on)
    calendar = rules.value(HOLIDAYS, on)
    return Policy(
        on=on,
        cases={
            entry["case"]: ListingCase(
                case=entry["case"],
                name=entry["name"],
                trigger=entry["trigger"],
                subject=entry["subject"],
                legal_basis=entry.get("legal_basis") or cases_rule.source.cite(),
                grades=tuple(entry.get("grades") or ()),
                count=int(entry.get("count") or 1),
                within_months=int(entry.get("within_months") or 0),
                articles=tuple(entry.get("articles") or ()),
            )
            for entry in cases_rule.value
        },
        representation_days=rules.value(REPRESENTATION_DAYS, on),
        term_years=rules.value(TERM_YEARS, on),
        repair_wait_months=rules.value(REPAIR_WAIT_MONTHS, on),
        measures={entry["measure"]: entry["name"] for entry in rules.value(MEASURES, on)},
        holidays=_days(calendar.get("holidays") or []),
        working_weekends=_days(calendar.get("working_weekends") or []),
        cases_rule=cases_rule.reference(),
    )


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th
