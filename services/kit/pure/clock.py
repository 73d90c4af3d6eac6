"""The one place that says what time it is.

Services, timers and domain rules take a clock instead of calling datetime.now(), so tests can
move time and every rule sees the same "now".
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# Regulatory dates (deadlines, graded_on, expiry) are calendar days in China.
CHINA = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, offset=timedelta()):
        # A deployment may run ahead (drills, deadline tests); production keeps it at zero.
        self.offset = offset

    def now(self):
        return datetime.now(timezone.utc) + self.offset

    def today(self):
        return self.now().astimezone(CHINA).date()


class FixedClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def now(self):
        return self.at

    def advance(self, **delta):
        self.at += timedelta(**delta)
