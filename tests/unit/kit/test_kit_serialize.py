"""Stored documents as API data."""
from datetime import datetime, timezone

from services.kit.serialize import plain


def test_a_document_loses_its_internals_but_a_rule_it_names_keeps_its_version():
    stored = {"_id": "a1", "version": 3, "outbox": [{"id": "e"}],
              "grade_rule": {"id": "inspection.accident.grade.thresholds", "version": 1},
              "at": datetime(2026, 3, 1, tzinfo=timezone.utc)}
    expected = {"id": "a1", "at": "2026-03-01T00:00:00Z",
                "grade_rule": {"id": "inspection.accident.grade.thresholds", "version": 1}}
    assert plain(stored) == expected
    assert plain([stored, stored]) == [expected, expected]
