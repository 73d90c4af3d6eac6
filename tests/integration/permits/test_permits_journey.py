"""The acceptance journey of the permits service, through the gateway only, with an external
AMQP client bound to the public exchange following the work as a city dashboard would."""

import pytest

from tests.support.api import (
    assert_problem,
    confined_space_crew,
    read,
    register,
    upload,
    wait_until_permits_knows,
    wait_until_training_knows,
)
from tests.support.events import EventTap
from tests.support.factories import china_today, gas_readings, permit_body, png, space_body
from tests.support.waiting import wait_until

CHECKLIST = [
    {"item": "隔离措施已解除并确认", "checked": True},
    {"item": "救援器材到位", "checked": True},
    {"item": "通讯畅通", "checked": True},
]


@pytest.fixture
def tap(broker):
    watching = EventTap(broker.amqp_uri, "anjian.events", "cn.anjian.permits.#")
    yield watching
    watching.close()


def indicators(api):
    return read(api, f"/api/v1/indicators/permits?region=620722&year={china_today().year}")


def codes(scan):
    return [reason["code"] for reason in scan["reasons"]]


def test_confined_space_work_from_ledger_to_indicator(sign_in, users, tap):
    body, company = register(sign_in, users, risk_features=["confined_space"])
    uscc = body["uscc"]
    minle, ganzhou = sign_in("minle"), sign_in("ganzhou")
    wait_until_training_knows(minle, uscc)
    wait_until_permits_knows(minle, uscc)
    before = indicators(minle)
    principal, approver, guardian, first, second, rescuer = confined_space_crew(
        company,
        uscc,
        ("principal", "confined_space_approver"),
        ("confined_space_approver",),
        ("confined_space_guardian",),
        ("confined_space_entrant",),
        ("confined_space_entrant",),
        ("confined_space_rescuer",),
    )

    # A space with H2S risk on the ledger of an enterprise of 620722, its sign photographed.
    space = company.post("/api/v1/confined-spaces", json=space_body())
    assert space.status_code == 201, space.text
    space = space.json()
    assert space["toxic_gas"] and space["required_gases"] == ["h2s", "o2"]
    photo = upload(company, png(7), name="sign.png")
    assert photo.status_code == 201, photo.text
    signed = company.post(
        f"/api/v1/confined-spaces/{space['id']}/signage", json={"photo": photo.json()["id"]}
    )
    assert signed.status_code == 200 and signed.json()["signage"]["installed"], signed.text

    # Its label sheet prints; its code carries the signed token.
    sheet = company.get("/api/v1/confined-spaces/labels.pdf")
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    assert sheet.headers["Content-Type"] == "application/pdf"
    svg = company.get(f"/api/v1/confined-spaces/{space['id']}/qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    token = space["scan_url"].split("token=")[1]
    assert token.startswith(space["id"] + ".")

    # A guardian who is also an entrant is refused, and nothing is stored.
    crew = {"approver": approver, "guardian": guardian, "rescuers": [rescuer]}
    doubled = company.post(
        "/api/v1/permits",
        json=permit_body(space["id"], entrants=[first, guardian], **crew),
    )
    assert_problem(doubled, 422, "invalid_input", "guardian")
    assert read(company, f"/api/v1/permits?space_id={space['id']}")["items"] == []
    permit = company.post(
        "/api/v1/permits", json=permit_body(space["id"], entrants=[first, second], **crew)
    )
    assert permit.status_code == 201, permit.text
    permit = permit.json()
    assert permit["state"] == "draft"
    path = f"/api/v1/permits/{permit['id']}"
    assert company.post(f"{path}/submit", json={}).json()["state"] == "submitted"

    # Toxic gas: a non-principal without the principal's delegation may not approve.
    assert_problem(company.post(f"{path}/approve", json={}), 403, "forbidden", "approver")
    approved = company.post(f"{path}/approve", json={"approver": principal})
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    assert approved.json()["approval"]["as"] == "principal"

    # Ventilated, but no gas test yet: the scan is denied, with the reason.
    assert company.post(f"{path}/steps", json={"step": "ventilation"}).status_code == 200
    scan = {"token": token, "guardian": guardian, "entrants": [first, second]}
    scan["device_time"] = "2026-01-01T08:00:00+08:00"
    denied = company.post("/api/v1/permits/scan", json=scan)
    assert denied.status_code == 200, denied.text
    assert denied.json()["result"] == "deny"
    assert "gas_test_missing" in codes(denied.json())
    assert all(reason["message"] for reason in denied.json()["reasons"])

    # A passing gas test, the briefing and the checklist: the scan lets them in and starts work.
    tested = company.post(f"{path}/gas-tests", json=gas_readings())
    assert tested.status_code == 201, tested.text
    h2s = next(r for r in tested.json()["last_gas_test"]["readings"] if r["gas"] == "h2s")
    assert h2s["ppm"] == 2 and h2s["mg_m3"] == pytest.approx(2.788, abs=0.01)
    assert tested.json()["last_gas_test"]["passed"]
    assert company.post(f"{path}/steps", json={"step": "briefing"}).status_code == 200
    checked = company.post(f"{path}/steps", json={"step": "checklist", "items": CHECKLIST})
    assert checked.status_code == 200, checked.text
    allowed = company.post("/api/v1/permits/scan", json=scan)
    assert allowed.json()["result"] == "allow", allowed.text
    assert allowed.json()["work_started"]
    assert read(company, path)["state"] == "in_progress"
    tap.wait_for(
        lambda event: (
            event["type"] == "cn.anjian.permits.work.started.v1"
            and event["subject"] == permit["id"]
        )
    )

    # The 民乐县 bureau sees the work live; another county's does not.
    live = read(minle, "/api/v1/permits?state=in_progress&page_size=200")["items"]
    [seen] = [item for item in live if item["id"] == permit["id"]]
    assert seen["space"]["number"] == space["number"]
    assert seen["entrants"] == [first, second] and seen["guardian"] == guardian
    assert seen["last_gas_test"]["passed"] and seen["last_gas_test_age_seconds"] >= 0
    assert seen["refused_scans_today"] == 1
    refusals = read(minle, f"/api/v1/permit-scans?result=deny&uscc={uscc}")["items"]
    assert [item["id"] for item in refusals] == [denied.json()["id"]]
    assert_problem(ganzhou.get(path), 404, "not_found")
    assert permit["id"] not in [
        item["id"] for item in read(ganzhou, "/api/v1/permits?state=in_progress")["items"]
    ]

    # Interrupted: the old test no longer counts until they ventilate and test again.
    interrupted = company.post(f"{path}/interrupt", json={"reason": "午休"})
    assert interrupted.json()["state"] == "interrupted", interrupted.text
    tap.wait_for(lambda event: event["type"] == "cn.anjian.permits.work.interrupted.v1")
    again = company.post("/api/v1/permits/scan", json=scan).json()
    assert again["result"] == "deny" and "gas_test_missing" in codes(again)
    assert company.post(f"{path}/steps", json={"step": "ventilation"}).status_code == 200
    assert company.post(f"{path}/gas-tests", json=gas_readings()).status_code == 201
    resumed = company.post("/api/v1/permits/scan", json=scan).json()
    assert resumed["result"] == "allow" and resumed["work_started"]

    finished = company.post(f"{path}/finish", json={"note": "淤泥清理完毕，人员全部撤出"})
    assert finished.json()["state"] == "finished", finished.text
    tap.wait_for(lambda event: event["type"] == "cn.anjian.permits.work.finished.v1")
    tap.wait_for(lambda event: event["type"] == "cn.anjian.permits.scan.refused.v1")

    # Target 8 moved: the flagged enterprise, counted against the ledger rate until now, is on
    # file; its space is signed; two starts, both through a scan; two refusals for want of a test.
    def moved():
        now = indicators(minle)
        return (
            now["scanned_starts"]["numerator"] == before["scanned_starts"]["numerator"] + 2
            and now["scanned_starts"]["denominator"] == before["scanned_starts"]["denominator"] + 2
            and now["refused_by_reason"]["gas_test_missing"]
            == before["refused_by_reason"]["gas_test_missing"] + 2
            and now
        )

    after = wait_until(moved, message="the target-8 counters to move")
    assert after["ledger"]["numerator"] == before["ledger"]["numerator"] + 1
    assert after["ledger"]["denominator"] == before["ledger"]["denominator"]
    assert after["signage"]["numerator"] == before["signage"]["numerator"] + 1

    # A code with one character changed is refused, and nothing is recorded.
    changed = token[:-1] + ("0" if token[-1] != "0" else "1")
    forged = company.post("/api/v1/permits/scan", json={**scan, "token": changed})
    assert_problem(forged, 422, "invalid_input", "token")
    assert len(read(company, f"/api/v1/permit-scans?uscc={uscc}")["items"]) == 4
