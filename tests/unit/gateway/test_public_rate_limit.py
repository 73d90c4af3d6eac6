"""The public disclosure route's rate limit: per client address, per minute."""

import pytest
from werkzeug.exceptions import TooManyRequests

from gateway.api.credit import RateLimit


def test_an_address_past_its_limit_is_refused_and_others_are_not(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("gateway.api.credit.time.monotonic", lambda: clock[0])
    limit = RateLimit(3)
    for _ in range(3):
        limit.check("10.0.0.1")
    with pytest.raises(TooManyRequests):
        limit.check("10.0.0.1")
    limit.check("10.0.0.2")
    clock[0] += 61  # a minute later the address may look again
    limit.check("10.0.0.1")


def test_addresses_idle_for_a_minute_are_forgotten(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("gateway.api.credit.time.monotonic", lambda: clock[0])
    monkeypatch.setattr("gateway.api.credit.REMEMBERED_ADDRESSES", 2)
    limit = RateLimit(3)
    limit.check("10.0.0.1")
    limit.check("10.0.0.2")
    clock[0] += 61
    limit.check("10.0.0.3")
    assert set(limit.seen) == {"10.0.0.3"}
