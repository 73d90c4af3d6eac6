"""Stocks kept as counters per county and year, moved by the changes of a record's standing.

A standing is what one record adds to each count, and where: a county code and flags. A change
moves the old standing's amounts out of its county and the new one's in, in the year of the
change, so the stock at the end of year Y is the sum of the changes of every year up to Y and a
reading never scans the records. A record moved to another county moves its amounts with it.
"""

from collections.abc import Callable, Iterable
from typing import Any

from services.kit.pure.clock import china_year

Change = tuple[str, int, dict[str, int]]
Standing = dict[str, Any]


def net(changes: Iterable[Change]) -> list[Change]:
    """One change per county and year, the amounts summed; those that cancel out are left out."""
    totals: dict[tuple[str, int], dict[str, int]] = {}
    for county, year, amounts in changes:
        kept = totals.setdefault((county, year), {})
        for name, amount in amounts.items():
            kept[name] = kept.get(name, 0) + amount
    return [
        (county, year, {name: amount for name, amount in kept.items() if amount})
        for (county, year), kept in totals.items()
        if any(kept.values())
    ]


def standing_changes(
    event: dict[str, Any], amounts: Callable[[Standing], dict[str, int]]
) -> list[Change]:
    """What a `standing_changed` event adds to the counters: its `data` has the standing `before`
    (None: the record is new to the counts) and `after`, and it counts in the year (in China) of
    the event; `amounts(standing)` is what one standing counts."""
    data = event["data"]
    year = china_year(event["time"])
    changes = []
    for standing, sign in ((data["before"], -1), (data["after"], 1)):
        if standing and standing.get("region_code"):
            changes.append(
                (
                    standing["region_code"],
                    year,
                    {name: sign * int(amount) for name, amount in amounts(standing).items()},
                )
            )
    return net(changes)
