"""Hostile input gets a 4xx problem+json and changes nothing: JSON nested to exhaust the parser,
numbers past 64 bits, and nested objects sent incomplete in an update."""
import pytest

from services.kit.pure.schemas import MAX_YUAN
from tests.support.api import assert_problem, inspected, read, register
from tests.support.factories import accident, day, enterprise, general_finding

HUGE = (2**63, 10**20)


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000], ids=["arrays", "objects"])
@pytest.mark.parametrize("path", ["/api/v1/accidents", "/api/v1/enterprises",
                                  "/api/v1/auth/token"])
def test_json_nested_100000_deep_is_a_400_problem(sign_in, path, body):
    reply = sign_in("minle").post(path, data=body, headers={"Content-Type": "application/json"})
    assert_problem(reply, 400, "bad_request")


@pytest.fixture(scope="module")
def records(sign_in, users):
    """An enterprise with a major hazard, an enforcement case and an accident report."""
    body, _ = register(sign_in, users)
    uscc = body["uscc"]
    _, hazards = inspected(sign_in, uscc, [general_finding(), {
        "description": "除尘系统失效", "raise_to_major": True, "raise_reason": "可能爆炸"}])
    minle = sign_in("minle")
    case = minle.post("/api/v1/enforcement-cases", json={
        "uscc": uscc, "parties": [{"kind": "unit", "name": body["name"]}]})
    reported = minle.post("/api/v1/accidents", json=accident(uscc))
    assert case.status_code == 201 and reported.status_code == 201, (case.text, reported.text)
    return {"uscc": uscc, "major": hazards["major"][0], "case": case.json(),
            "accident": reported.json()["id"]}


@pytest.mark.parametrize("value", HUGE)
def test_accident_deaths_beyond_64_bits_is_422_and_records_nothing(sign_in, records, value):
    minle = sign_in("minle")
    listed = read(minle, f"/api/v1/accidents?uscc={records['uscc']}")["total"]
    reply = minle.post("/api/v1/accidents", json=accident(records["uscc"], deaths=value))
    assert_problem(reply, 422, "invalid_input", "deaths")
    assert read(minle, f"/api/v1/accidents?uscc={records['uscc']}")["total"] == listed


@pytest.mark.parametrize("value", HUGE)
def test_supplement_direct_loss_beyond_64_bits_is_422_and_changes_nothing(sign_in, records,
                                                                          value):
    minle = sign_in("minle")
    path = f"/api/v1/accidents/{records['accident']}"
    before = read(minle, path)
    reply = minle.post(path + "/supplements", json={"direct_loss_yuan": value,
                                                     "reason": "损失核定"})
    assert_problem(reply, 422, "invalid_input", "direct_loss_yuan")
    assert read(minle, path) == before


@pytest.mark.parametrize("value", HUGE)
def test_hazard_plan_funds_beyond_64_bits_is_422_and_changes_nothing(sign_in, records, value):
    minle = sign_in("minle")
    path = f"/api/v1/hazards/{records['major']}"
    before = read(minle, path)
    reply = minle.post(path + "/plan", json={
        "targets": "消除隐患", "measures": "更换设备", "funds_yuan": value, "people": "设备科",
        "deadline": day(60), "safety_measures": "停用", "emergency_measures": "预案"})
    assert_problem(reply, 422, "invalid_input", "funds_yuan")
    assert read(minle, path) == before


@pytest.mark.parametrize("value", HUGE)
def test_penalty_amount_beyond_64_bits_is_422_and_changes_nothing(sign_in, records, value):
    minle = sign_in("minle")
    path = f"/api/v1/enforcement-cases/{records['case']['id']}"
    before = read(minle, path)
    reply = minle.post(path + "/penalties", json={"lines": [{
        "party_id": records["case"]["parties"][0]["party_id"], "legal_basis": "第一百零二条",
        "article": "safety_law.art102", "amount_yuan": value,
        "decision_number": "民应急罚〔2026〕9号", "decided_on": day(0)}]})
    assert_problem(reply, 422, "invalid_input", "amount_yuan")
    assert read(minle, path) == before


def test_the_largest_amount_allowed_is_stored_as_sent(sign_in, records):
    minle = sign_in("minle")
    reply = minle.post("/api/v1/accidents", json=accident(records["uscc"],
                                                          direct_loss_yuan=MAX_YUAN))
    assert reply.status_code == 201, reply.text
    assert read(minle, f"/api/v1/accidents/{reply.json()['id']}")["direct_loss_yuan"] == MAX_YUAN


@pytest.fixture
def registered(sign_in):
    body = enterprise()
    assert sign_in("minle").post("/api/v1/enterprises", json=body).status_code == 201
    return body


@pytest.mark.parametrize("standardization", [{}, {"grade": 2}], ids=["empty", "grade only"])
def test_patch_with_incomplete_standardization_is_422_and_changes_nothing(
        sign_in, registered, standardization):
    minle = sign_in("minle")
    path = f"/api/v1/enterprises/{registered['uscc']}"
    before = read(minle, path)
    reply = minle.patch(path, json={"standardization": standardization})
    assert_problem(reply, 422, "invalid_input", "graded_on")
    assert read(minle, path) == before


def test_patch_of_principal_with_only_a_name_is_refused_and_keeps_the_phone(sign_in,
                                                                            registered):
    minle = sign_in("minle")
    path = f"/api/v1/enterprises/{registered['uscc']}"
    assert_problem(minle.patch(path, json={"principal": {"name": "赵强"}}), 422,
                   "invalid_input", "phone")
    assert read(minle, path)["principal"] == registered["principal"]
    replaced = minle.patch(path, json={"principal": {"name": "赵强", "phone": "13700000000"}})
    assert replaced.status_code == 200, replaced.text
    assert read(minle, path)["principal"] == {"name": "赵强", "phone": "13700000000"}
