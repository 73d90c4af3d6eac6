"""docs/asyncapi.yaml is what tools/asyncapi.py writes from the services' events.py, so the
public contract cannot drift from the declarations."""

import json

from examples.credit_platform_consumer import validators
from services.credit.domain import cases
from tests.unit.credit.support import MINLE, NOW, POLICY, decided
from tools import asyncapi


def test_the_document_is_up_to_date():
    assert asyncapi.DOCUMENT.read_text("utf-8") == asyncapi.render(), (
        "docs/asyncapi.yaml is stale: run python -m tools.asyncapi"
    )


def test_every_public_type_and_only_those_has_a_channel_on_the_public_exchange():
    document = asyncapi.document()
    public = [declared.type for declared in asyncapi.public_declarations()]
    assert list(document["channels"]) == public
    for channel in document["channels"].values():
        assert channel["bindings"]["amqp"]["exchange"]["name"] == "anjian.public"


def test_a_listing_event_validates_and_one_missing_a_required_field_does_not():
    _, made = cases.publish(decided(), {"measures": []}, POLICY, MINLE, NOW)
    event = json.loads(json.dumps(made[0], default=str))
    validator = validators()[event["type"]]
    assert validator.is_valid(event)
    del event["data"]["uscc"]
    assert not validator.is_valid(event)
