"""Credit indicators per county and year, as counters moved by the service's own events:
candidates, listed, removed (expired / repaired), restored."""

from datetime import datetime

from services.kit.pure.clock import CHINA
from services.kit.pure.commands import Event

COUNTERS = ("candidates", "listed", "removed_expired", "removed_repaired", "restored")


def counter_deltas(event: Event) -> list[tuple[str, int, dict[str, int]]]:
    entity, verb = event["type"].split(".")[3:5]
    name = {
        ("case", "opened"): "candidates",
        ("entity", "listed"): "listed",
        ("entity", "restored"): "restored",
    }.get((entity, verb))
    if (entity, verb) == ("entity", "removed"):
        name = f"removed_{event['data']['reason']}"
    if name is None:
        return []
    when = event["time"]
    if not isinstance(when, datetime):
        when = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    year = when.astimezone(CHINA).year
    return [(event["regioncode"], year, {name: 1})]


def summary(counters: dict[str, int]) -> dict[str, int]:
    return {name: counters.get(name, 0) for name in COUNTERS}
