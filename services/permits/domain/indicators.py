"""Target 8 per county and year: the ledger's rates as they stand (spaces from the ledger, the
flagged enterprises from the registry's standing events), and the scan figures from counters
moved by the service's own events (work starts, and refused scans by reason, in the year they
happened)."""

from typing import Any

from services.kit.pure.clock import china_year
from services.kit.pure.commands import Event
from services.kit.pure.rates import rate
from services.kit.pure.standings import Change


def counter_deltas(event: Event) -> list[Change]:
    """[(county, year, {counter: amount})] for one event; [] when it moves no counter."""
    entity, verb = event["type"].split(".")[3:5]
    data = event["data"]
    county, year = event["regioncode"], china_year(event["time"])
    if (entity, verb) == ("work", "started"):
        return [
            (county, year, {"work_starts": 1, "work_starts_scanned": int(bool(data["scan_id"]))})
        ]
    if (entity, verb) == ("scan", "refused"):
        amounts = {"refused_scans": 1}
        for code in data["reasons"]:
            amounts[f"refused_{code}"] = 1
        return [(county, year, amounts)]
    return []


def summary(counters: dict[str, int], ledger: dict[str, int], codes: list[str]) -> dict[str, Any]:
    return {
        "ledger": rate(ledger["flagged_with_spaces"], ledger["flagged"]),
        "signage": rate(ledger["spaces_signed"], ledger["spaces"]),
        "scanned_starts": rate(
            counters.get("work_starts_scanned", 0), counters.get("work_starts", 0)
        ),
        "refused_scans": counters.get("refused_scans", 0),
        "refused_by_reason": {code: counters.get(f"refused_{code}", 0) for code in codes},
    }
