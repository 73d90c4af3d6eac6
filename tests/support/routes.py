"""The gateway's route table and OpenAPI document, read from the app itself, with no server.

Tests that must cover every route generate their cases from here at collection time, so a new
route is covered (or fails for want of a policy) without anyone listing it.
"""

import functools
import secrets

from gateway.app import create_app
from services.kit.config import Settings


@functools.cache
def gateway_app():
    app = create_app(Settings(jwt_secret=secrets.token_urlsafe(48)))
    app.extensions["anjian"].mongo.close()  # only its tables are read; it never connects
    return app


def api_routes():
    """(method, rule) for every /api/v1 route, sorted."""
    return sorted(
        {
            (method, rule.rule)
            for rule in gateway_app().url_map.iter_rules()
            if rule.rule.startswith("/api/v1/")
            for method in rule.methods - {"HEAD", "OPTIONS"}
        }
    )


def openapi_document():
    return gateway_app().test_client().get("/api/openapi.json").get_json()
