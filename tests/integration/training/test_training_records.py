"""People's records through the gateway: the full ID number shown only to the employer and
administrators (each read audited) and never logged; a change of employer with its history;
the ledger exported and imported again; the hours of an enterprise's staff."""

import io

import openpyxl
import pytest

from tests.support.api import assert_problem, read, register, upload, wait_until_training_knows
from tests.support.factories import (
    certificate_body,
    china_today,
    day,
    id_number,
    png,
    session_body,
    staff_member,
)
from tests.support.waiting import wait_until

TODAY = china_today()


@pytest.fixture(scope="module")
def staffed(sign_in, users):
    body, company = register(sign_in, users)
    wait_until_training_knows(company, body["uscc"])
    member = staff_member()
    person = company.post("/api/v1/persons", json=member)
    assert person.status_code == 201, person.text
    return body, company, member, person.json()


def test_the_full_number_is_for_the_employer_and_administrators_and_each_read_is_audited(
    staffed, sign_in, mongo, settings
):
    _, company, member, person = staffed
    path = f"/api/v1/persons/{person['id']}/id-number"
    assert read(company, path)["id_number"] == member["id_number"]
    assert read(sign_in("admin"), path)["id_number"] == member["id_number"]
    assert_problem(sign_in("minle").get(path), 403, "forbidden")
    assert_problem(sign_in("ganzhou").get(path), 403, "forbidden")
    audit = mongo[settings.database("training")].pii_reads
    assert {entry["role"] for entry in audit.find({"person_id": person["id"]})} == {
        "enterprise",
        "admin",
    }


def test_the_number_is_never_written_to_a_log(staffed, platform):
    _, _, member, _ = staffed
    for component in ("training", "gateway"):
        assert member["id_number"] not in platform.log(component)


def test_a_new_employer_takes_the_person_on_and_the_history_stays(staffed, sign_in, users):
    first, first_company, _, _ = staffed
    member = staff_member()
    person = first_company.post("/api/v1/persons", json=member).json()
    second, second_company = register(sign_in, users)
    wait_until_training_knows(second_company, second["uscc"])
    moved = second_company.post(
        "/api/v1/persons", json={**member, "positions": [{"position": "employee"}]}
    )
    assert moved.status_code == 201, moved.text
    moved = moved.json()
    assert moved["id"] == person["id"] and moved["uscc"] == second["uscc"]
    assert [job["uscc"] for job in moved["employment"]] == [first["uscc"], second["uscc"]]
    # Read now, not when the module was loaded: a run may cross midnight in China.
    assert moved["employment"][0]["to"] == china_today().isoformat()
    assert_problem(first_company.get(f"/api/v1/persons/{person['id']}"), 404, "not_found")
    again = second_company.post("/api/v1/persons", json=member)
    assert_problem(again, 409, "duplicate", "id_number")


def test_the_exported_ledger_imports_again_and_shows_full_numbers_only_to_the_employer(
    staffed, sign_in
):
    body, company, member, person = staffed
    recorded = company.post("/api/v1/certificates", json=certificate_body(person["id"]))
    assert recorded.status_code == 201, recorded.text

    def exported(api):
        reply = api.get("/api/v1/training/export", params={"uscc": body["uscc"]})
        assert reply.status_code == 200, reply.text
        sheet = openpyxl.load_workbook(io.BytesIO(reply.content)).active
        return reply.content, [[cell.value for cell in row] for row in sheet.iter_rows()]

    content, rows = exported(company)
    assert rows[0][:2] == ["身份证号", "姓名"]
    assert member["id_number"] in [row[0] for row in rows[1:]]
    _, masked = exported(sign_in("minle"))
    assert member["id_number"] not in [row[0] for row in masked[1:]]
    assert person["id_masked"] in [row[0] for row in masked[1:]]
    report = company.post(
        "/api/v1/training/import",
        files={"file": ("ledger.xlsx", content, "application/octet-stream")},
    ).json()
    assert report["created"] == 0 and report["invalid"] == 0
    assert report["existing"] == len(rows) - 1


def test_an_enterprises_hours_show_who_is_short_of_the_year(staffed):
    body, company, _, person = staffed
    hours = read(company, f"/api/v1/training/hours/{body['uscc']}")
    assert hours["year"] == TODAY.year
    assert person["id"] in [gap["person_id"] for gap in hours["gaps"]]
    [gap] = [gap for gap in hours["gaps"] if gap["person_id"] == person["id"]]
    assert gap["required"] == 8 and gap["gap"] == 8 - gap["hours"]


def test_a_principal_counts_as_a_key_person_and_is_certified_with_his_certificate(sign_in, users):
    body, company = register(sign_in, users, region_code="620722")
    minle = sign_in("minle")
    wait_until_training_knows(company, body["uscc"])

    def certification():
        return read(minle, f"/api/v1/indicators/training?region=620722&year={TODAY.year}")[
            "certification"
        ]

    before = certification()
    principal = company.post(
        "/api/v1/persons", json=staff_member(positions=[{"position": "principal"}])
    ).json()
    # At least: other tests' people of 民乐县 may still be being counted.
    wait_until(
        lambda: certification()["denominator"] >= before["denominator"] + 1,
        message="the new key person to count",
    )
    issued = company.post(
        "/api/v1/certificates",
        json=certificate_body(principal["id"], kind="management_competence", category=None),
    )
    assert issued.status_code == 201, issued.text
    wait_until(
        lambda: certification()["numerator"] >= before["numerator"] + 1,
        message="the key person to count as certified",
    )
    assert read(company, f"/api/v1/persons/{principal['id']}")["standing"]["certified"] is True


def test_a_sessions_attachments_are_evidence_the_caller_uploaded(staffed):
    _, company, _, person = staffed
    sheet = upload(company, png(seed=7), name="签到表.png")
    assert sheet.status_code == 201, sheet.text
    recorded = company.post(
        "/api/v1/training-sessions",
        json=session_body([person["id"]], attachments=[sheet.json()["id"]]),
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["attachments"] == [sheet.json()["id"]]
    unknown = company.post(
        "/api/v1/training-sessions", json=session_body([person["id"]], attachments=["f" * 32])
    )
    assert_problem(unknown, 422, "invalid_input", "attachments")


def records_file(rows):
    workbook = openpyxl.Workbook()
    workbook.active.append(
        ["身份证号", "培训日期", "培训内容", "培训类别", "学时", "培训教师", "考核结果"]
    )
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_training_records_import_once_credit_the_hours_and_export_again(staffed):
    body, company, member, person = staffed
    held = day(-3)
    content = records_file(
        [
            [
                member["id_number"],
                held,
                "有限空间作业安全培训",
                "有限空间作业培训",
                4,
                "李老师",
                "合格",
            ],
            [id_number(), held, "有限空间作业安全培训", "有限空间作业培训", 4, "李老师", "合格"],
        ]
    )
    files = {"file": ("培训记录.xlsx", content, "application/octet-stream")}
    before = read(company, f"/api/v1/persons/{person['id']}/training")["hours"]["hours"]
    report = company.post("/api/v1/training/import", files=files)
    assert report.status_code == 200, report.text
    assert [(line["row"], line["result"]) for line in report.json()["rows"]] == [
        (2, "created"),
        (3, "invalid"),
    ]
    assert report.json()["rows"][1]["errors"] == {"id_number": ["not on the staff"]}
    trained = read(company, f"/api/v1/persons/{person['id']}/training")
    assert trained["hours"]["hours"] == before + 4
    again = company.post("/api/v1/training/import", files=files).json()
    assert (again["created"], again["existing"]) == (0, 1)
    exported = company.get("/api/v1/training/export", params={"uscc": body["uscc"]})
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content))["培训记录"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [member["id_number"], held, "有限空间作业安全培训"] in [
        [row[0], row[3], row[4]] for row in rows[1:]
    ]
