"""Instants as text: ISO 8601 in UTC with a `Z`, the form every API answer and event uses."""

from datetime import datetime, timezone


def utc_instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
