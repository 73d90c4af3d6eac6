"""Monitoring unit tests: pure domain rules, no servers. Every event a test makes the domain emit
is checked against services/monitoring/events.py."""

import pytest

from services.monitoring import events
from tests.support.event_contract import contract_problems, record_emitted


@pytest.fixture(autouse=True)
def emitted_events_follow_the_declared_contract(monkeypatch):
    emitted = record_emitted(monkeypatch, "services.monitoring.domain")
    yield emitted
    assert contract_problems(emitted, events.PUBLISHED) == []
