"""The caller identity every service reads from the RPC context and checks again."""

import json

import pytest

from services.kit.pure.actor import CONTEXT_KEY, SYSTEM, Actor
from services.kit.pure.errors import Forbidden, Unauthenticated

OWN_USCC = "914403001922038216"
OTHER_USCC = "91620702MA7123456R"


def context(**fields):
    return {CONTEXT_KEY: json.dumps(fields)}


def test_context_round_trip():
    actor = Actor(user_id="u-7", role="enterprise", region_scope="620702", uscc=OWN_USCC)
    assert Actor.from_context(actor.to_context()) == actor
    assert isinstance(actor.to_context()[CONTEXT_KEY], str)


@pytest.mark.parametrize("data", [None, {}, {CONTEXT_KEY: ""}])
def test_missing_identity_is_unauthenticated(data):
    with pytest.raises(Unauthenticated, match="no caller identity"):
        Actor.from_context(data)


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        json.dumps(["u-7", "admin", "000000"]),
        json.dumps({"user_id": "u-7", "role": "admin"}),
        json.dumps({"user_id": "u-7", "role": "admin", "region_scope": "000000", "is_root": True}),
    ],
)
def test_garbled_identity_is_unauthenticated(raw):
    with pytest.raises(Unauthenticated, match="malformed"):
        Actor.from_context({CONTEXT_KEY: raw})


def test_identity_with_a_non_text_scope_is_unauthenticated():
    with pytest.raises(Unauthenticated):
        Actor.from_context(context(user_id="u-7", role="inspector", region_scope=None))


def test_unknown_role_is_unauthenticated():
    with pytest.raises(Unauthenticated, match="superuser"):
        Actor.from_context(context(user_id="u-7", role="superuser", region_scope="000000"))


def test_county_inspector_sees_only_the_county():
    inspector = Actor(user_id="u-1", role="inspector", region_scope="620702")
    assert inspector.scope_prefix == "620702"
    assert inspector.sees_region("620702")
    assert not inspector.sees_region("620721")


def test_city_regulator_sees_every_county_of_the_city():
    regulator = Actor(user_id="u-2", role="regulator", region_scope="620700")
    assert regulator.scope_prefix == "6207"
    assert regulator.sees_region("620721")
    assert regulator.sees_enterprise(OTHER_USCC, "620725")
    assert not regulator.sees_region("620102")


def test_system_actor_sees_everything():
    assert SYSTEM.scope_prefix == ""
    assert SYSTEM.sees_region("110101")


def test_enterprise_user_sees_only_its_own_enterprise():
    user = Actor(user_id="u-3", role="enterprise", region_scope="620702", uscc=OWN_USCC)
    assert user.sees_enterprise(OWN_USCC, "440300")
    assert not user.sees_enterprise(OTHER_USCC, "620702")


def test_writers_may_write_inside_their_region():
    Actor(user_id="u-1", role="inspector", region_scope="620702").require_writer("620702")
    Actor(user_id="u-2", role="regulator", region_scope="620700").require_writer("620723")


def test_auditor_may_not_write_even_in_region():
    auditor = Actor(user_id="u-4", role="auditor", region_scope="620700")
    with pytest.raises(Forbidden, match="auditor"):
        auditor.require_writer("620702")


def test_writer_may_not_write_outside_the_region():
    inspector = Actor(user_id="u-1", role="inspector", region_scope="620702")
    with pytest.raises(Forbidden) as refused:
        inspector.require_writer("620721")
    assert "region_code" in refused.value.errors


def test_enterprise_identity_without_its_uscc_is_unauthenticated():
    with pytest.raises(Unauthenticated):
        Actor.from_context({"actor": '{"user_id":"u","role":"enterprise","region_scope":"620722"}'})


def test_narrow_keeps_queries_inside_the_jurisdiction():
    city = Actor("zhangye", "regulator", "620700")
    assert city.narrow() == "6207"
    assert city.narrow("620700") == "6207"
    assert city.narrow("620722") == "620722"
    assert city.narrow("62") == "6207"
    with pytest.raises(Forbidden):
        city.narrow("620100")
    with pytest.raises(Forbidden):
        Actor("minle", "regulator", "620722").narrow("620702")


ENTERPRISE = {"uscc": "91620722MA01XYW0QX", "region_code": "620722"}


def test_an_enterprises_records_are_written_by_its_own_users_and_the_bureaus_above_it():
    keepers = ("regulator", "inspector")
    Actor("u", "enterprise", "620722", ENTERPRISE["uscc"]).require_enterprise_writer(
        ENTERPRISE, keepers, "spaces"
    )
    Actor("zhangye", "regulator", "620700").require_enterprise_writer(ENTERPRISE, keepers, "x")
    refused = [
        Actor("u", "enterprise", "620722", "91620722MA01XYW1QX"),
        Actor("ganzhou", "regulator", "620702"),
        Actor("auditor", "auditor", "620700"),
        Actor("agency", "agency", "620722"),
    ]
    for actor in refused:
        with pytest.raises(Forbidden):
            actor.require_enterprise_writer(ENTERPRISE, keepers, "spaces")


def test_indicators_are_for_the_bureaus_within_their_jurisdiction():
    assert Actor("zhangye", "regulator", "620700").indicator_scope("620722") == "620722"
    for actor in (
        Actor("u", "enterprise", "620722", ENTERPRISE["uscc"]),
        Actor("a", "agency", "620722"),
    ):
        with pytest.raises(Forbidden):
            actor.indicator_scope("620722")
    with pytest.raises(Forbidden):
        Actor("ganzhou", "regulator", "620702").indicator_scope("620722")
