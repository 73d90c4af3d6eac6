"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document.

schemathesis reads /api/openapi.json and sends every operation requests generated from its
documented parameters and bodies: valid ones, and invalid ones (wrong types, numbers past their
bounds, missing fields). Whatever arrives, the gateway must not fail (no 5xx) and must answer in
the shape it documents. The run is derandomized, so CI sees the same requests every time, and
bounded by EXAMPLES_PER_OPERATION, so it stays well under two minutes.

It signs in as the administrator, whose requests reach every service rule instead of stopping
at the jurisdiction check. Generated identifiers almost never name a record, so every other case
is pointed at real ones (an enterprise with a completed inspection, hazards, evidence, a case and
an accident): hostile values then reach the code that stores them, not only the 404.
"""

import zlib

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.api import (
    FUZZING_TALLY,
    SMALLEST_CREW,
    confined_space_crew,
    inspected,
    open_visit,
    ready_permit,
    register,
    upload,
    wait_until_permits_knows,
    wait_until_training_knows,
)
from tests.support.factories import accident, general_finding, png
from tests.support.monitoring import ago, alarms_of, publish, registered_device
from tests.support.routes import openapi_document
from tests.support.waiting import wait_until
from tools.device_simulator import reading

pytestmark = pytest.mark.slow  # thousands of generated requests

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def administrator(sign_in):
    session = requests.Session()
    session.headers.update(sign_in("admin").session.headers)
    return session


@pytest.fixture(scope="module")
def known(sign_in, users):
    """Real records, by the first path segment of the routes that name them."""
    body, company = register(sign_in, users)
    uscc = body["uscc"]
    _, hazards = inspected(
        sign_in,
        uscc,
        [
            general_finding(),
            {"description": "除尘系统失效", "raise_to_major": True, "raise_reason": "可能爆炸"},
        ],
    )
    admin = sign_in("admin")
    evidence = upload(company, png(21)).json()["id"]
    case = admin.post(
        "/api/v1/enforcement-cases",
        json={"uscc": uscc, "parties": [{"kind": "unit", "name": body["name"]}]},
    ).json()["id"]
    reported = admin.post("/api/v1/accidents", json=accident(uscc)).json()["id"]
    wait_until_training_knows(admin, uscc)
    wait_until_permits_knows(admin, uscc)
    crew = confined_space_crew(company, uscc, *SMALLEST_CREW)
    permit, scan = ready_permit(company, *crew)
    return {
        "uscc": uscc,
        "inspections": open_visit(sign_in, uscc)["id"],
        "hazards": hazards["major"][0],
        "evidence": evidence,
        "enforcement-cases": case,
        "accidents": reported,
        "confined-spaces": scan["token"].split(".")[0],
        "permits": permit.rsplit("/", 1)[1],
        **_monitoring_records(company),
    }


def _monitoring_records(company):
    """A device, a point alarming at once (no hold time) and its alarm."""
    device, point = registered_device(company, hold_seconds=0)
    assert publish(device, [reading(point, point["thresholds"]["high_high"] + 1, ago(0))])
    (alarm,) = wait_until(lambda: alarms_of(company, point), message="the fuzzed alarm")
    return {
        "monitoring/devices": device["device"]["id"],
        "monitoring/points": point["id"],
        "monitoring/alarms": alarm["id"],
    }


def aim_at_known_records(case, known):
    """Every other case (chosen by its content, so runs repeat) names real records."""
    if zlib.crc32(repr((case.path_parameters, case.body)).encode()) % 2:
        return
    # The path up to the record's id: hazards, monitoring/points, ...
    resource = case.path.split("/{")[0].removeprefix("/api/v1/")
    parameters = case.path_parameters or {}
    if "identifier" in parameters and resource in known:
        parameters["identifier"] = known[resource]
    if "uscc" in parameters:
        parameters["uscc"] = known["uscc"]
    if isinstance(case.body, dict) and "uscc" in case.body:
        case.body["uscc"] = known["uscc"]


@pytest.fixture(scope="module")
def tally(request):
    counts = request.config.stash.setdefault(FUZZING_TALLY, {"requests": 0, "server_errors": 0})
    return counts


# The document the gateway serves, built from its own app so cases exist at collection time.
schema = schemathesis.openapi.from_dict(openapi_document())


def test_the_fuzzed_document_is_the_one_served(platform):
    assert requests.get(platform.url + "/api/openapi.json", timeout=30).json() == openapi_document()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_request_breaks_the_api_or_its_contract(case, platform, administrator, known, tally):
    aim_at_known_records(case, known)
    response = case.call(base_url=platform.url, session=administrator, timeout=30)
    tally["requests"] += 1
    tally["server_errors"] += response.status_code >= 500
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
