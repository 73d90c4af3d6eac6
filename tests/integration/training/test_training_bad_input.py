"""Bad input through the gateway: each gets a problem+json answer with a stable code, and
changes nothing."""

import io
import json
from datetime import timedelta

import openpyxl
import pytest

from tests.support.api import assert_problem, read, register, wait_until_training_knows
from tests.support.factories import (
    certificate_body,
    china_today,
    id_number,
    session_body,
    staff_member,
)

TODAY = china_today()


@pytest.fixture(scope="module")
def staffed(sign_in, users):
    """An enterprise of 民乐县 with its user, a welder on its staff and his certificate."""
    body, company = register(sign_in, users)
    wait_until_training_knows(company, body["uscc"])
    person = company.post("/api/v1/persons", json=staff_member())
    assert person.status_code == 201, person.text
    certificate = company.post("/api/v1/certificates", json=certificate_body(person.json()["id"]))
    assert certificate.status_code == 201, certificate.text
    return body, company, person.json(), certificate.json()


def staff_count(company, uscc):
    return len(read(company, f"/api/v1/persons?uscc={uscc}&page_size=200")["items"])


def test_an_id_number_with_a_wrong_checksum_or_an_impossible_birth_date_is_refused(staffed):
    body, company, _, _ = staffed
    before = staff_count(company, body["uscc"])
    good = id_number()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    future = id_number(born=(TODAY + timedelta(days=400)).strftime("%Y%m%d"))
    for number in (wrong_check, future):
        reply = company.post("/api/v1/persons", json=staff_member(id_number=number))
        assert_problem(reply, 422, "invalid_input", "id_number")
    assert staff_count(company, body["uscc"]) == before


def test_a_certificate_valid_until_before_its_issue_is_refused(staffed):
    _, company, person, _ = staffed
    reply = company.post(
        "/api/v1/certificates",
        json=certificate_body(person["id"], valid_until=(TODAY - timedelta(days=500)).isoformat()),
    )
    assert_problem(reply, 422, "invalid_input", "valid_until")
    listed = read(company, f"/api/v1/certificates?person_id={person['id']}")
    assert len(listed["items"]) == 1


def test_a_duplicate_certificate_number_of_the_same_kind_is_refused(staffed):
    _, company, person, certificate = staffed
    reply = company.post(
        "/api/v1/certificates", json=certificate_body(person["id"], number=certificate["number"])
    )
    assert_problem(reply, 409, "duplicate", "number")


def test_a_review_of_a_revoked_certificate_is_refused_and_changes_nothing(staffed, sign_in):
    _, company, person, _ = staffed
    certificate = company.post("/api/v1/certificates", json=certificate_body(person["id"]))
    assert certificate.status_code == 201, certificate.text
    path = f"/api/v1/certificates/{certificate.json()['id']}"
    assert_problem(
        company.post(path + "/revoke", json={"reason": "企业无权撤销"}), 403, "forbidden"
    )
    revoked = sign_in("minle").post(path + "/revoke", json={"reason": "考试作弊，撤销"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["state"] == "revoked"
    review = {"reviewed_on": TODAY.isoformat(), "hours": 8, "result": "passed"}
    assert_problem(company.post(path + "/review", json=review), 409, "conflict")
    assert read(company, path)["reviews"] == []


@pytest.mark.parametrize("hours", [-1, 0, 25, 100000])
def test_negative_or_absurd_hours_are_refused(staffed, hours):
    _, company, person, _ = staffed
    reply = company.post(
        "/api/v1/training-sessions", json=session_body([person["id"]], hours=hours)
    )
    assert_problem(reply, 422, "invalid_input", "hours")


def test_a_review_with_less_than_eight_hours_is_refused(staffed):
    _, company, _, certificate = staffed
    reply = company.post(
        f"/api/v1/certificates/{certificate['id']}/review",
        json={"reviewed_on": TODAY.isoformat(), "hours": 4, "result": "passed"},
    )
    assert_problem(reply, 422, "invalid_input", "hours")


def test_a_principal_of_an_enterprise_outside_the_callers_reach_is_refused(staffed, sign_in):
    body, company, _, _ = staffed
    before = staff_count(company, body["uscc"])
    principal = staff_member(uscc=body["uscc"], positions=[{"position": "principal"}])
    assert_problem(sign_in("ganzhou").post("/api/v1/persons", json=principal), 403, "forbidden")
    assert staff_count(company, body["uscc"]) == before


def test_operator_objects_in_queries_and_bodies_are_refused(staffed):
    body, company, _, _ = staffed
    assert_problem(company.get("/api/v1/persons", params={"uscc[$ne]": "x"}), 422)
    assert_problem(
        company.post("/api/v1/persons", json=staff_member(id_number={"$gt": ""})),
        422,
        "invalid_input",
        "id_number",
    )
    assert_problem(company.get("/api/v1/persons", params={"uscc": json.dumps({"$ne": ""})}), 422)


def ledger(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "身份证号",
            "姓名",
            "岗位",
            "作业类别",
            "证书种类",
            "操作项目",
            "证书编号",
            "发证机关",
            "发证日期",
        ]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_import_with_good_and_bad_rows_stores_the_good_and_reports_the_bad(staffed):
    body, company, _, _ = staffed
    good, bad = id_number(), id_number()
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    issued = (TODAY - timedelta(days=100)).isoformat()
    number = f"T{id_number()}"
    content = ledger(
        [
            [
                good,
                "王强",
                "特种作业人员",
                "电工作业",
                "特种作业操作证",
                "电工作业",
                number,
                "张掖市应急管理局",
                issued,
            ],
            [bad, "李敏", "班组长", None, None, None, None, None, None],
            [
                id_number(),
                "赵军",
                "特种作业人员",
                "电工作业",
                "特种作业操作证",
                "电工作业",
                f"T{id_number()}",
                "张掖市应急管理局",
                "2099-01-01",
            ],
        ]
    )
    files = {"file": ("台账.xlsx", content, "application/octet-stream")}
    before = staff_count(company, body["uscc"])
    report = company.post("/api/v1/training/import", files=files)
    assert report.status_code == 200, report.text
    report = report.json()
    assert (report["created"], report["existing"], report["invalid"]) == (1, 0, 2)
    assert [(line["row"], line["result"]) for line in report["rows"]] == [
        (2, "created"),
        (3, "invalid"),
        (4, "invalid"),
    ]
    assert "id_number" in report["rows"][1]["errors"]
    assert "issued_on" in report["rows"][2]["errors"]
    assert staff_count(company, body["uscc"]) == before + 1
    again = company.post("/api/v1/training/import", files=files).json()
    assert (again["created"], again["existing"], again["invalid"]) == (0, 1, 2)
    assert staff_count(company, body["uscc"]) == before + 1


def test_a_file_that_is_not_a_spreadsheet_is_refused(staffed):
    _, company, _, _ = staffed
    reply = company.post(
        "/api/v1/training/import", files={"file": ("台账.xlsx", b"not a workbook", "text/plain")}
    )
    assert_problem(reply, 422, "invalid_input", "file")
