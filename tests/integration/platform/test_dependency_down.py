"""A dependency that is down gives a quick, honest answer: 503 problem+json, and a readiness
report within 2 s that names what is down.

A second gateway is started beside the test platform, pointed at a database address where
nothing listens: the same as the database being down for that gateway, without stopping the
real one that other tests and engineers share.
"""

import dataclasses
import time

import pytest
import requests

from services import SERVICE_NAMES
from tests.support.api import PASSWORD
from tests.support.waiting import wait_until
from tools.isolated import Components, free_port


@pytest.fixture(scope="module")
def cut_off_gateway(settings, platform, users, tmp_path_factory):
    cut_off = dataclasses.replace(
        settings,
        mongo_uri=f"mongodb://127.0.0.1:{free_port()}/",
        gateway_port=free_port(),
        data_dir=str(tmp_path_factory.mktemp("cut-off")),
    )
    gateway = Components(cut_off)
    gateway.start("gateway")
    try:
        wait_until(
            lambda: _answers(gateway.url + "/healthz"),
            timeout=60,
            message="the second gateway to start",
        )
        yield gateway
    finally:
        gateway.stop_all()


def _answers(url):
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def test_sign_in_needs_the_registry_not_the_gateway_s_database(cut_off_gateway):
    """Accounts are the registry's: a gateway without a database of its own still signs in."""
    reply = requests.post(
        cut_off_gateway.url + "/api/v1/auth/token",
        timeout=30,
        json={"username": "minle", "password": PASSWORD},
    )
    assert reply.status_code == 200, reply.text


def test_readiness_answers_within_2_seconds_naming_the_database_when_it_is_down(cut_off_gateway):
    started = time.monotonic()
    reply = requests.get(cut_off_gateway.url + "/readyz", timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"readiness took {elapsed:.1f}s"
    assert reply.status_code == 503
    checks = reply.json()["checks"]
    assert checks["database"]["status"] == "down" and checks["database"]["reason"]
    assert {name for name, check in checks.items() if check["status"] == "up"} == {
        "broker",
        "object_store",
        *SERVICE_NAMES,
    }
