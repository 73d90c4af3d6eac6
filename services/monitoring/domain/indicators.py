"""Monitoring indicators per county and year: alarms raised, acknowledged before escalation,
handled within the limit, escalated and turned into hazards, from counters moved by the
service's own events (in the year each happened); the device online rate as the devices stand."""

from typing import Any

from services.kit.pure.clock import china_year
from services.kit.pure.commands import Event
from services.kit.pure.rates import rate
from services.kit.pure.standings import Change

# (entity, verb) → the counters an event moves, given its data.
COUNTED = {
    ("alarm", "opened"): lambda data: {"alarms_raised": 1, f"alarms_{data['kind']}": 1},
    ("alarm", "acknowledged"): lambda data: {"alarms_acknowledged_in_time": int(data["in_time"])},
    ("alarm", "handled"): lambda data: {
        "alarms_handled": 1,
        "alarms_handled_within_limit": int(data["within_limit"]),
    },
    ("alarm", "escalated"): lambda data: {"alarms_escalated": 1},
    ("alarm", "hazard_requested"): lambda data: {"alarms_to_hazards": 1},
}


def counter_deltas(event: Event) -> list[Change]:
    """[(county, year, {counter: amount})] for one event; [] when it moves no counter."""
    entity, verb = event["type"].split(".")[3:5]
    counted = COUNTED.get((entity, verb))
    if counted is None:
        return []
    return [(event["regioncode"], china_year(event["time"]), counted(event["data"]))]


def summary(counters: dict[str, int], devices: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The figures, from the counters and the devices by enterprise ({uscc: {name, registered,
    online}}): the online rate of the whole scope and of each enterprise, lowest first."""
    raised = counters.get("alarms_raised", 0)
    by_enterprise = sorted(
        (
            {
                "uscc": uscc,
                "enterprise_name": counted["name"],
                **rate(counted["online"], counted["registered"]),
            }
            for uscc, counted in devices.items()
        ),
        key=lambda row: (row["rate"], row["uscc"]),
    )
    return {
        "device_online": rate(
            sum(counted["online"] for counted in devices.values()),
            sum(counted["registered"] for counted in devices.values()),
        ),
        "online_by_enterprise": by_enterprise,
        "alarms_raised": raised,
        "offline_alarms": counters.get("alarms_offline", 0),
        "acknowledged_in_time": rate(counters.get("alarms_acknowledged_in_time", 0), raised),
        "handled_within_limit": rate(counters.get("alarms_handled_within_limit", 0), raised),
        "escalated": counters.get("alarms_escalated", 0),
        "became_hazards": counters.get("alarms_to_hazards", 0),
    }
