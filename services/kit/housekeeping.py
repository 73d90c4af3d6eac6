"""Bookkeeping that does not grow forever: every service prunes its old records on a timer.

Inbox markers and completion records, and parked events, are kept for their retention (settings
`inbox_retention_days`, `dead_letter_retention_days`) and then deleted a bounded batch at a time
(`BaseStore.prune_bookkeeping`), every `prune_interval_seconds`.
"""
import logging

from nameko.timer import Timer

from services.kit.config import Settings

log = logging.getLogger(__name__)


class SettingTimer(Timer):
    """nameko's timer with its interval taken from a setting when the service starts."""

    def __init__(self, setting, **kwargs):
        self.setting = setting
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = getattr(Settings.from_nameko(self.container.config), self.setting)


class Housekeeping:
    """Mixin for a service with `store`: the timer that prunes its expired bookkeeping."""

    @SettingTimer.decorator("prune_interval_seconds")
    def prune_bookkeeping(self):
        pruned = self.store.prune_bookkeeping()
        if any(pruned.values()):
            log.info("pruned expired bookkeeping: %s", pruned)
