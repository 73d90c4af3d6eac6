"""The event envelope every service publishes and every consumer validates."""

from datetime import datetime, timezone

import pytest
from marshmallow import ValidationError

from services.kit.pure.envelope import TYPE, EnvelopeSchema, event_type, make_event

NOW = datetime(2025, 3, 1, 8, 30, tzinfo=timezone.utc)


def registered_event(**overrides):
    arguments = dict(
        service="registry",
        entity="enterprise",
        verb="registered",
        subject="914403001922038216",
        data={"name": "Zhangye Mill"},
        region_code="620702",
        now=NOW,
    )
    arguments.update(overrides)
    return make_event(**arguments)


def test_made_event_carries_cloudevents_attributes_and_region():
    event = registered_event()
    assert event["specversion"] == "1.0"
    assert event["type"] == "cn.anjian.registry.enterprise.registered.v1"
    assert event["source"] == "/anjian/registry"
    assert event["subject"] == "914403001922038216"
    assert event["regioncode"] == "620702"
    assert event["time"] == "2025-03-01T08:30:00Z"
    assert event["datacontenttype"] == "application/json"
    assert event["data"] == {"name": "Zhangye Mill"}


def test_each_event_gets_its_own_id():
    assert registered_event()["id"] != registered_event()["id"]


def test_type_names_service_entity_verb_and_version():
    assert (
        event_type("inspection", "hazard", "rectified", 2)
        == "cn.anjian.inspection.hazard.rectified.v2"
    )
    assert TYPE.match(registered_event(version=3)["type"])
    assert not TYPE.match("cn.anjian.registry.enterprise.registered")
    assert not TYPE.match("com.example.registry.enterprise.registered.v1")


def test_schema_accepts_a_made_event():
    loaded = EnvelopeSchema().load(registered_event())
    assert loaded["time"] == NOW
    assert loaded["regioncode"] == "620702"


def test_schema_tolerates_unknown_extension_attributes():
    loaded = EnvelopeSchema().load({**registered_event(), "traceparent": "00-abc-def-01"})
    assert loaded["traceparent"] == "00-abc-def-01"


@pytest.mark.parametrize(
    "attribute, value",
    [
        ("specversion", "0.3"),
        ("type", "cn.anjian.registry.enterprise"),
        ("type", "Registered"),
        ("regioncode", "62070"),
        ("regioncode", "gansu1"),
        ("time", "2025-03-01T08:30:00"),
    ],
)
def test_schema_rejects_a_bad_attribute(attribute, value):
    with pytest.raises(ValidationError) as refused:
        EnvelopeSchema().load({**registered_event(), attribute: value})
    assert attribute in refused.value.messages


@pytest.mark.parametrize("attribute", ["specversion", "id", "source", "type", "time", "regioncode"])
def test_schema_rejects_a_missing_required_attribute(attribute):
    event = registered_event()
    del event[attribute]
    with pytest.raises(ValidationError):
        EnvelopeSchema().load(event)
