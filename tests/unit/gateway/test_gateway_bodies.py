"""Request bodies: one limit per route, and JSON that cannot exhaust the parser."""

import json

import pytest

from gateway.api.evidence import FORM_ALLOWANCE
from gateway.bodies import DEFAULT_LIMIT, parse_json, route_limit
from services.kit.config import Settings
from tests.support.routes import gateway_app


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000])
def test_json_nested_past_the_parser_is_invalid_json(body):
    with pytest.raises(json.JSONDecodeError):
        parse_json(body)


def test_ordinary_json_parses():
    assert parse_json('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}


def test_the_evidence_limit_is_reachable_through_the_gateway():
    settings = Settings()
    form = route_limit(gateway_app(), "evidence.EvidenceUploads", "POST")
    body = route_limit(gateway_app(), "evidence.EvidenceFile", "POST")
    assert form.bytes(settings) == settings.evidence_max_bytes + FORM_ALLOWANCE
    assert body.bytes(settings) == settings.evidence_max_bytes
    assert body.bytes(settings) > settings.max_body_bytes


def test_every_other_route_takes_the_platform_limit():
    app = gateway_app()
    special = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods
        if route_limit(app, rule.endpoint, method) is not DEFAULT_LIMIT
    }
    assert special == {("evidence.EvidenceUploads", "POST"), ("evidence.EvidenceFile", "POST")}
