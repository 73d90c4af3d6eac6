"""What goes upward between deployments, and what a deployment refuses to apply, without servers."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from services import SERVICE_NAMES
from services.kit import federation
from services.kit.inbox import Inbox
from services.kit.pure.clock import FixedClock
from services.kit.pure.envelope import ENVELOPE, make_event

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "pattern,key,matches",
    [
        ("cn.anjian.#", "cn.anjian.inspection.hazard.closed.v1", True),
        ("cn.anjian.inspection.hazard.*.v1", "cn.anjian.inspection.hazard.closed.v1", True),
        ("cn.anjian.inspection.hazard.*", "cn.anjian.inspection.hazard.closed.v1", False),
        ("cn.anjian.*.hazard.#", "cn.anjian.inspection.hazard.closed.v1", True),
        ("cn.anjian.registry.#", "cn.anjian.inspection.hazard.closed.v1", False),
        ("#", "anything.at.all", True),
    ],
)
def test_topic_patterns_match_as_the_broker_matches_them(pattern, key, matches):
    assert federation.topic_matches(pattern, key) is matches


def test_no_type_that_names_a_person_goes_upward_whatever_the_configuration():
    chosen = federation.upward_types(SERVICE_NAMES, ["#"])
    upward = {event_type for types in chosen.values() for event_type in types}
    # The enterprise's snapshot names its principal and safety manager; a penalty its parties.
    assert "cn.anjian.registry.enterprise.registered.v1" not in upward
    assert "cn.anjian.inspection.penalty.decided.v1" not in upward
    # What the parent's counters are kept from does go.
    assert "cn.anjian.registry.enterprise.standing_changed.v1" in upward
    assert "cn.anjian.inspection.hazard.closed.v1" in upward


def test_the_configuration_narrows_what_goes_upward():
    chosen = federation.upward_types(["inspection"], ["cn.anjian.inspection.hazard.#"])
    assert chosen["inspection"] and all(".hazard." in key for key in chosen["inspection"])


def inbox(region):
    db = SimpleNamespace(inbox=None, inbox_done=None, dead_letters=None)
    return Inbox(db, FixedClock(NOW), 5, timedelta(days=7), timedelta(days=90), region)


def event_of(region_code):
    return ENVELOPE.load(
        make_event(
            service="inspection",
            entity="hazard",
            verb="closed",
            subject="h-1",
            data={},
            region_code=region_code,
            now=NOW,
        )
    )


def test_a_deployment_refuses_events_of_regions_outside_its_own():
    city = inbox("620700")
    assert city.refusal(event_of("620722")) is None
    assert city.refusal(event_of("000000")) is None  # nationwide facts concern everyone
    assert "outside this deployment's jurisdiction" in city.refusal(event_of("620102"))
    # The single all-in-one deployment takes every region's events.
    assert inbox("").refusal(event_of("620102")) is None
