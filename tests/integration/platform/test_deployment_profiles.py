"""A county deployment that does not run credit: its gateway answers credit's routes with 503
`service_not_deployed` at once, its readiness lists what it runs and what it does not, and its
targets page marks credit's figures 未部署 without asking credit.

The county gateway is started beside the session's platform, on the same broker, where a credit
service does run: it must still not be called, because this deployment's profile leaves it out.
"""

import dataclasses
import time

import pytest
import requests

from tests.support import deployments
from tests.support.api import signing_in
from tests.support.deployments import COUNTY_SERVICES
from tests.support.waiting import wait_until
from tools.isolated import Components, free_port


@pytest.fixture(scope="module")
def county_gateway(settings, platform, users, tmp_path_factory):
    with deployments.county_gateway(settings, tmp_path_factory.mktemp("county")) as gateway:
        yield gateway


def test_a_route_of_a_service_not_deployed_answers_503_at_once(county_gateway):
    minle = signing_in(county_gateway.url)("minle")
    started = time.monotonic()
    reply = minle.get("/api/v1/credit/cases")
    elapsed = time.monotonic() - started
    assert reply.status_code == 503, reply.text
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.json()["code"] == "service_not_deployed"
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    assert minle.get("/api/v1/enterprises").status_code == 200


def test_readiness_lists_what_the_deployment_runs_and_what_it_does_not(county_gateway):
    reply = requests.get(county_gateway.url + "/readyz", timeout=10)
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert report["deployment"]["level"] == "county"
    assert report["deployment"]["region"] == "620722"
    assert report["deployment"]["services"] == list(COUNTY_SERVICES)
    assert "credit" in report["deployment"]["not_deployed"]
    assert "credit" not in report["checks"]
    assert {"registry", "inspection", "training", "permits"} <= set(report["checks"])


def test_the_targets_of_a_county_without_credit_mark_its_figures_not_deployed(county_gateway):
    minle = signing_in(county_gateway.url)("minle")
    reply = minle.get("/api/v1/targets", params={"region": "620722"})
    assert reply.status_code == 200, reply.text
    figures = [f for t in reply.json()["targets"] for f in t["figures"]]
    credit = [f for f in figures if f["service"] == "credit"]
    assert credit and all(f["state"] == "not_deployed" for f in credit)
    assert all(f["state"] == "available" for f in figures if f["service"] == "inspection")


def test_a_deployment_with_a_region_that_does_not_exist_refuses_to_start(settings, tmp_path):
    wrong = dataclasses.replace(
        settings, level="county", region="629999", gateway_port=free_port(), data_dir=str(tmp_path)
    )
    gateway = Components(wrong)
    gateway.start("gateway")
    process = gateway.processes["gateway"]
    wait_until(lambda: process.poll() is not None, timeout=30, message="the gateway to refuse")
    assert process.returncode != 0
    assert "ANJIAN_REGION='629999' is not a current division code" in gateway.log("gateway")
