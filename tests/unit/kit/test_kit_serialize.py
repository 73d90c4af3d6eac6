"""Stored documents as API data."""
from datetime import date

from services.kit.serialize import plain


def test_bookkeeping_goes_but_a_rule_reference_keeps_its_version():
    stored = {"_id": "h1", "version": 4, "outbox": [], "found_on": date(2026, 3, 1),
              "catalogue_rule": {"id": "inspection.major_hazard.art11_item1", "version": 1}}
    assert plain(stored) == {"id": "h1", "found_on": "2026-03-01", "catalogue_rule": {
        "id": "inspection.major_hazard.art11_item1", "version": 1}}
    assert plain([stored])[0] == plain(stored)
