"""What operators and API clients rely on: health, readiness, the spec, failure answers."""

import requests

from services import SERVICE_NAMES
from tests.support.factories import enterprise
from tests.support.rabbitmq import cut_connections
from tests.support.waiting import wait_until


def test_health_and_readiness_name_every_dependency(platform):
    assert requests.get(platform.url + "/healthz", timeout=10).json() == {"status": "alive"}
    ready = requests.get(platform.url + "/readyz", timeout=10)
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert set(checks) == {"broker", "database", "object_store", *SERVICE_NAMES}
    assert all(check["status"] == "up" for check in checks.values())


def test_openapi_spec_documents_every_route(platform):
    spec = requests.get(platform.url + "/api/openapi.json", timeout=10).json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert set(paths["/api/v1/enterprises"]) >= {"get", "post"}
    assert set(paths["/api/v1/enterprises/{uscc}"]) >= {"get", "patch"}
    for path in (
        "/api/v1/enterprises/{uscc}/status",
        "/api/v1/enterprises/import",
        "/api/v1/enterprises/export",
        "/api/v1/auth/token",
    ):
        assert path in paths
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_stopped_service_is_503_and_recovers(platform, sign_in):
    minle = sign_in("minle")
    platform.stop("registry")
    try:
        reply = minle.post("/api/v1/enterprises", json=enterprise())
        assert reply.status_code == 503, reply.text
        assert reply.json()["code"] == "unavailable"
        readiness = requests.get(platform.url + "/readyz", timeout=30)
        assert readiness.status_code == 503
        assert readiness.json()["checks"]["registry"]["status"] == "down"
    finally:
        platform.start("registry")
    wait_until(platform.ready, timeout=60, interval=0.5, message="the registry to come back")
    assert minle.post("/api/v1/enterprises", json=enterprise()).status_code == 201


def test_gateway_heals_after_its_broker_connections_are_cut(platform, sign_in, broker):
    minle = sign_in("minle")
    assert minle.get("/api/v1/enterprises").status_code == 200
    cut_connections(broker)

    def answers():
        return minle.get("/api/v1/enterprises").status_code == 200

    # At most the first request on a cut connection may fail (503); then it heals.
    wait_until(answers, timeout=60, interval=0.5, message="the gateway to reconnect")
