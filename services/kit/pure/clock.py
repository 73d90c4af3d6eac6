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


def china_year(moment: str | datetime) -> int:
    """The calendar year in China of an instant (or its ISO text): the year a fact counts in."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(CHINA).year
