"""Bookkeeping that does not grow forever: every service prunes its old records on a timer.

Inbox markers and completion records, and parked events, are kept for their retention (settings
`inbox_retention_days`, `dead_letter_retention_days`) and then deleted a bounded batch at a time
(`BaseStore.prune_bookkeeping`), every `prune_interval_seconds`.
"""

import logging

from services.kit.runtime import SettingTimer

log = logging.getLogger(__name__)


class Housekeeping:
    """Mixin for a service with `store`: the timer that prunes its expired bookkeeping."""

    @SettingTimer.decorator("prune_interval_seconds")
    def prune_bookkeeping(self):
        pruned = self.store.prune_bookkeeping()
        if any(pruned.values()):
            log.info("pruned expired bookkeeping: %s", pruned)
