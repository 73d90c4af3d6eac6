"""The one place that says what time it is.

Services, timers and domain rules take a clock instead of calling datetime.now(), so tests can
move time and every rule sees the same "now".
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# Regulatory dates (deadlines, graded_on, expiry) are calendar days in China.
CHINA = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, offset: timedelta = timedelta()) -> None:
        # A deployment may run ahead (drills, deadline tests); production keeps it at zero.
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def today(self) -> date:
        return self.now().astimezone(CHINA).date()


class FixedClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def china_year(value: str | date) -> int:
    """The year of a calendar day, or of an instant (a datetime or ISO text with a time) in
    China: an event at 2026-12-31T17:00Z happened in 2027 there."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(CHINA).year
    return value.year
