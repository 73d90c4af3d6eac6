"""The registry's standardization entrypoints: grade history, self-assessments, re-assessment
applications, and the daily timer that reminds before expiry and records lapses. Mixed into
RegistryService."""

import eventlet

from services.kit.pure.errors import Conflict
from services.kit.pure.schemas import load
from services.kit.runtime import SettingTimer, rpc, timer
from services.kit.serialize import plain
from services.registry.domain import enterprises, indicators, standardization
from services.registry.standardization_schemas import (
    GradeSchema,
    ReassessmentSchema,
    SelfAssessmentSchema,
)

# Enterprises upgraded per read, the pause between reads, and how often the service looks again.
UPGRADE_CHUNK = 200
UPGRADE_PAUSE_SECONDS = 0.5
UPGRADE_TICK_SECONDS = 86400
# What the upgrade gives: 1, a grade history; 2, a standing. Data restored from a backup of an
# earlier version records a lower one (or none), and is upgraded again.
UPGRADE_VERSION = 2


class StandardizationEntrypoints:
    def _terms(self):
        return standardization.Terms.from_rules(self.rules.value, self.clock.today())

    def _standardization(self, uscc):
        document = self.store.enterprise(uscc, self.caller(), with_history=True)
        return plain(standardization.view(document, self.clock.today()))

    @rpc
    def get_standardization(self, uscc):
        return self._standardization(uscc)

    @rpc
    def standardization_history(self, uscc):
        """The grade history, newest last (the same answer as `get_standardization`, which a
        client reading only the history may ask for by this name)."""
        return self._standardization(uscc)

    @rpc
    def record_grade(self, uscc, payload):
        fields = load(GradeSchema(), payload)
        document = self.store.enterprise_to_change(uscc, self.caller())
        self._save_enterprise(
            document,
            *enterprises.record_grade(
                document,
                fields,
                self._terms(),
                self.caller(),
                self.clock.now(),
                self.clock.today(),
            ),
        )
        return self._standardization(uscc)

    @rpc
    def record_self_assessment(self, uscc, payload):
        return self._grading_command(
            uscc, load(SelfAssessmentSchema(), payload), standardization.record_self_assessment
        )

    @rpc
    def apply_for_reassessment(self, uscc, payload):
        return self._grading_command(
            uscc, load(ReassessmentSchema(), payload), standardization.apply_for_reassessment
        )

    def _grading_command(self, uscc, fields, command):
        document = self.store.enterprise_to_change(uscc, self.caller())
        self._save_enterprise(
            document,
            *command(document, fields, self.caller(), self.clock.now(), self.clock.today()),
        )
        return self._standardization(uscc)

    @rpc
    def standardization_indicators(self, query):
        """Target 6 for a jurisdiction and year, with numerators and denominators."""
        fields, prefix, _ = self._indicator_query(query)
        year = fields["year"]
        return {
            "region": fields["region"],
            "year": year,
            **indicators.standardization(
                self.store.year_counters(prefix, year), self.store.counters_to(prefix, year)
            ),
        }

    @timer(interval=UPGRADE_TICK_SECONDS, eager=True)
    def upgrade_enterprises(self):
        """Give enterprises stored before grades had a history, or before they had a standing,
        what they lack, in chunks, when the service starts (and daily, for a copy of the data
        restored from before), once per version. Saving derives the standing, and its event
        counts them."""
        if self.store.upgraded_to() >= UPGRADE_VERSION:
            return  # done on an earlier start: no pass over every enterprise again
        terms, now = self._terms(), self.clock.now()
        while True:
            chunk = self.store.enterprises_to_upgrade(UPGRADE_CHUNK)
            for document in chunk:
                try:
                    upgraded = standardization.upgraded(document, terms, now)
                    self._save_enterprise(document, upgraded, [])
                except Conflict:
                    pass  # changed meanwhile: the change gave it what it lacked already
            if len(chunk) < UPGRADE_CHUNK:
                self.store.note_upgraded(UPGRADE_VERSION, self.clock.now())
                return
            # Live requests keep their share of the database while thousands are upgraded.
            eventlet.sleep(UPGRADE_PAUSE_SECONDS)

    @SettingTimer.decorator("reminder_check_seconds", eager=True)
    def check_grades(self):
        """Remind enterprises whose re-assessment is due; record grades that lapsed. Each step is
        recorded once per grade, so every copy of the service may run it."""
        now, today = self.clock.now(), self.clock.today()
        for document in self.store.grades_to_check(today.isoformat()):
            try:
                self._save_enterprise(document, *standardization.timer_step(document, now, today))
            except Conflict:
                pass  # changed meanwhile; the next tick looks again
