"""Hazards the monitoring service asks for (非现场执法): an alarm left open too long, or
repeating, becomes a general hazard of the enterprise, with the point's reading series kept on
the hazard as its evidence. The hazard's id comes with the event, so a redelivery finds it
stored already."""

from datetime import datetime
from typing import Any

from services.inspection.domain.hazards import found_in
from services.kit.pure.commands import Result

SOURCE = "monitoring"
# The fields of the monitoring service's `alarm.hazard_requested` data kept as evidence.
EVIDENCE = ("alarm_id", "reason", "point_name", "unit", "threshold", "since", "readings")


def hazard_from_alarm(data: dict[str, Any], region_code: str, now: datetime) -> Result:
    record = {
        "_id": data["alarm_id"],
        "uscc": data["uscc"],
        "region_code": region_code,
        "enterprise_name": data.get("enterprise_name") or data["uscc"],
        "findings": [
            {
                "hazard_id": data["hazard_id"],
                "grade": "general",
                "deadline": data["deadline"],
                "catalogue_item": None,
                "failed_device": False,
                "description": data["description"],
                "location": data.get("point_name"),
                "recorded_at": now,
                "recorded_by": SOURCE,
            }
        ],
    }
    [(hazard, reported)] = found_in(record, now, SOURCE)
    evidence = {key: data.get(key) for key in EVIDENCE}
    return {**hazard, "monitoring": evidence}, reported
