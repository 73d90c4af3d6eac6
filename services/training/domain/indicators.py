"""Target 7 per county and year, kept as counters moved by the service's own events.

Stocks (key persons, those fully certified, team leaders) move by the difference between a
person's standing before and after each change, in the year of the change: the stock at the end
of year Y is the sum of the changes of every year up to Y. Flows count in their own year:
reviews due in the year of their due date, reviews done on time in the year they were due, team
leaders trained in the year of the training. A reading never scans people or certificates.
"""

from typing import Any

from services.kit.pure.clock import china_year
from services.kit.pure.commands import Event
from services.kit.pure.rates import rate
from services.kit.pure.standings import Change, net, standing_changes

STOCKS = ("key_persons", "certified_key_persons", "team_leaders")
FLOWS = ("reviews_due", "reviews_on_time", "team_leaders_trained")


def _standing_amounts(standing: dict[str, Any]) -> dict[str, int]:
    return {
        "key_persons": standing["key_person"],
        "certified_key_persons": standing["key_person"] and standing["certified"],
        "team_leaders": standing["team_leader"],
    }


def counter_deltas(event: Event) -> list[Change]:
    """[(county code, year, {counter: amount})] for one event; [] when it moves no counter."""
    entity, verb = event["type"].split(".")[3:5]
    data = event["data"]
    changes: list[Change] = []
    if (entity, verb) == ("person", "standing_changed"):
        before, after = data["before"], data["after"]
        changes += standing_changes(event, _standing_amounts)
        if after["team_leader"]:
            for trained in set(after["team_leader_trained_years"]) - set(
                before["team_leader_trained_years"]
            ):
                changes.append((after["region_code"], trained, {"team_leaders_trained": 1}))
    elif (entity, verb) == ("certificate", "issued") and data["review_due_on"]:
        changes.append((event["regioncode"], china_year(data["review_due_on"]), {"reviews_due": 1}))
    elif (entity, verb) == ("certificate", "reviewed") and data["result"] == "passed":
        changes.append(
            (
                event["regioncode"],
                china_year(data["due_on"]),
                {"reviews_on_time": int(data["on_time"])},
            )
        )
        changes.append((event["regioncode"], china_year(data["review_due_on"]), {"reviews_due": 1}))
    # One change per county and year, net: a standing that only became certified moves only
    # the certified count.
    return net(changes)


def summary(year_counters: dict[str, int], to_date: dict[str, int]) -> dict[str, Any]:
    """The three rates of target 7 from the year's flows and the stocks at its end."""

    def flow(name: str) -> int:
        return year_counters.get(name, 0)

    def stock(name: str) -> int:
        return to_date.get(name, 0)

    return {
        "certification": rate(stock("certified_key_persons"), stock("key_persons")),
        "reviews_on_time": rate(flow("reviews_on_time"), flow("reviews_due")),
        "team_leader_training": rate(flow("team_leaders_trained"), stock("team_leaders")),
    }
