"""What goes upward and downward between deployments, and what a deployment refuses to apply,
without servers."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from services import SERVICE_NAMES
from services.kit import federation
from services.kit.inbox import Inbox
from services.kit.pure.clock import FixedClock
from services.kit.pure.envelope import ENVELOPE, make_event, sending_down

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


def test_what_a_bureau_sends_down_never_goes_up():
    downward = federation.downward_types(SERVICE_NAMES)
    assert set(downward["inspection"]) == {
        "cn.anjian.inspection.campaign.announced.v1",
        "cn.anjian.inspection.rule_set.published.v1",
    }
    upward = federation.upward_types(SERVICE_NAMES, ["#"])
    assert not set(downward["inspection"]) & set(upward["inspection"])


def sent_down_from(region_code):
    return ENVELOPE.load(sending_down(event_of(region_code)))


def test_a_deployment_applies_what_is_sent_down_only_from_itself_and_the_bureaus_above():
    county = inbox("620722")
    for above in ("620722", "620700", "620000", "000000"):
        assert county.refusal(sent_down_from(above)) is None, above
    # Another city's, or a county's that is not this one: never a parent of this deployment.
    for elsewhere in ("620100", "620702"):
        assert "only the bureaus above send events down" in county.refusal(
            sent_down_from(elsewhere)
        )
    # A fact of a county is not something sent down, and the other way round.
    assert inbox("620700").refusal(sent_down_from("620722")) is not None


class RecordingBroker:
    """The management API as federation declares on it: upstreams and policies, kept here."""

    def __init__(self):
        self.upstreams_by_name, self.policies, self.sets = {}, {}, {}

    def put_upstream(self, name, uri):
        self.upstreams_by_name[name] = uri

    def delete_upstream(self, name):
        self.upstreams_by_name.pop(name, None)

    def upstreams(self):
        return sorted(self.upstreams_by_name)

    def put_upstream_set(self, name, upstreams):
        self.sets[name] = list(upstreams)

    def delete_upstream_set(self, name):
        self.sets.pop(name, None)

    def put_policy(self, name, exchange, definition):
        self.policies[name] = (exchange, definition)

    def policy_definition(self, name):
        return self.policies[name][1] if name in self.policies else None

    def delete_policy(self, name):
        self.policies.pop(name, None)


def test_a_city_takes_facts_from_its_counties_and_what_its_province_sends_down_from_it():
    city = RecordingBroker()
    federation.link(city, "county-620722", "amqp://county")
    federation.link_parent(city, "province-620000", "amqp://province")
    federation.link(city, "county-620702", "amqp://other-county")
    # The upward exchange federates from the counties only, never from the parent.
    assert city.policies[federation.POLICY] == (
        federation.UPWARD,
        {"federation-upstream-set": federation.CHILDREN},
    )
    assert city.sets[federation.CHILDREN] == ["county-620702", "county-620722"]
    assert city.policies[federation.DOWNWARD_POLICY] == (
        federation.DOWNWARD,
        {"federation-upstream": "province-620000"},
    )
    # A deployment has one parent: linking another replaces the first.
    federation.link_parent(city, "province-620000b", "amqp://province-b")
    assert "province-620000" not in city.upstreams()
    assert city.sets[federation.CHILDREN] == ["county-620702", "county-620722"]
    federation.unlink(city, "province-620000b")
    assert federation.DOWNWARD_POLICY not in city.policies
    federation.unlink(city, "county-620702")
    federation.unlink(city, "county-620722")
    assert city.policies == {} and city.sets == {} and city.upstreams() == []
