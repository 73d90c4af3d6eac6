"""Dual prevention and emergency preparedness through the gateway only (issue 13's acceptance):
an enterprise records a red risk point with measures, reviews its register and reports a
self-inspection, and the dual-prevention rate rises; it files its emergency plan with the bureau
and records a principal-led tabletop drill, and both rates move."""

from datetime import date, timedelta

import pytest

from tests.support.api import assert_problem, read, register, upload
from tests.support.events import EventTap
from tests.support.factories import china_today, drill, emergency_plan, png, risk_point
from tests.support.factories import self_inspection as self_inspection_body
from tests.support.waiting import wait_until

YEAR = china_today().year
HALF = "first_half" if china_today().month <= 6 else "second_half"
# The default of rules/emergency.yaml (inspection.emergency.principal_drill).
REMIND_AFTER_DAYS = 120


@pytest.fixture
def tap(broker):
    watching = EventTap(broker.amqp_uri, "anjian.events", "cn.anjian.inspection.#")
    yield watching
    watching.close()


def indicators(api, region="620722"):
    return read(api, f"/api/v1/indicators/inspection?region={region}&year={YEAR}")


def wait_for_rate(api, path, moved, message):
    """Wait until the rate at `path` (keys into the indicators answer) satisfies `moved`."""

    def rate():
        section = indicators(api)
        for key in path:
            section = section[key]
        return section

    return wait_until(lambda: moved(rate()) and rate(), timeout=30, message=message)


def test_a_red_risk_point_a_reviewed_register_and_a_self_inspection_raise_dual_prevention(
    sign_in, users, tap
):
    body, company = register(sign_in, users, risk_features=["dust_explosion"])
    uscc = body["uscc"]
    minle, inspector = sign_in("minle"), sign_in("inspector-minle")
    before = wait_for_rate(
        minle,
        ("dual_prevention",),
        lambda rate: rate["denominator"] >= 1,
        "the county to count its enterprises",
    )

    # A red point without measures is not accepted as complete, and nothing is stored.
    refused = company.post("/api/v1/risk-points", json=risk_point(measures=[]))
    assert_problem(refused, 422, "risk_point_without_measures", "measures")
    assert read(company, f"/api/v1/risk-points?uscc={uscc}")["items"] == []

    red = company.post("/api/v1/risk-points", json=risk_point())
    assert red.status_code == 201, red.text
    assert (red.json()["level"], red.json()["colour"]) == ("major", "red")
    # A red point still being assessed, without measures yet: a draft, and a finding.
    draft = company.post(
        "/api/v1/risk-points",
        json=risk_point(name="液氨储罐区", measures=[], complete=False),
    )
    assert draft.status_code == 201, draft.text

    visit = inspector.post(
        "/api/v1/inspections",
        json={
            "uscc": uscc,
            "mode": "routine",
            "place": "除尘系统",
            "content": "双重预防检查",
            "inspectors": ["inspector-zhang"],
        },
    )
    assert visit.status_code == 201, visit.text
    listed = {
        entry["risk_point_id"]: entry["finding"]
        for entry in visit.json()["checklist"]["risk_points"]
    }
    assert listed == {red.json()["id"]: None, draft.json()["id"]: "重大风险点未制定管控措施"}

    # The register cannot be reviewed while a red point lacks measures.
    path = f"/api/v1/enterprises/{uscc}/risk-register"
    reply = company.post(path, json={"reviewed_on": china_today().isoformat()})
    assert_problem(reply, 422, "risk_point_without_measures", draft.json()["id"])
    assert read(company, path)["reviewed_on"] is None
    fixed = company.put(
        f"/api/v1/risk-points/{draft.json()['id']}",
        json=risk_point(name="液氨储罐区", measures=["泄漏报警联锁", "每日巡检"]),
    )
    assert fixed.status_code == 200, fixed.text
    reviewed = company.post(path, json={"reviewed_on": china_today().isoformat()})
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["current"] is True and reviewed.json()["findings"] == []
    tap.wait_for(
        lambda event: (
            event["type"] == "cn.anjian.inspection.risk_register.reviewed.v1"
            and event["subject"] == uscc
        )
    )
    # A register alone does not count: target 4 also asks for a self-inspection in the year.
    assert indicators(minle)["dual_prevention"]["numerator"] == before["numerator"]

    reported = company.post("/api/v1/self-inspections", json=self_inspection_body())
    assert reported.status_code == 201, reported.text
    after = wait_for_rate(
        minle,
        ("dual_prevention",),
        lambda rate: rate["numerator"] == before["numerator"] + 1,
        "the dual-prevention rate to rise",
    )
    assert after["denominator"] == before["denominator"]
    city = read(sign_in("zhangye"), f"/api/v1/indicators/inspection?region=620700&year={YEAR}")
    assert city["dual_prevention"]["numerator"] >= after["numerator"]


def test_a_filed_plan_and_a_principal_led_tabletop_drill_move_both_rates(sign_in, users, tap):
    _, company = register(sign_in, users)
    minle = sign_in("minle")
    before = wait_for_rate(
        minle,
        ("emergency_plans_on_file",),
        lambda rate: rate["denominator"] >= 1,
        "the county to count its enterprises",
    )
    drills_before = indicators(minle)["principal_led_drills"][HALF]

    document = upload(company, png(7), name="预案.png")
    assert document.status_code == 201, document.text
    drafted = company.post(
        "/api/v1/emergency-plans", json=emergency_plan(documents=[document.json()["id"]])
    )
    assert drafted.status_code == 201, drafted.text
    plan_path = f"/api/v1/emergency-plans/{drafted.json()['id']}"
    today = china_today().isoformat()
    for step in ("review", "assess"):
        moved = company.post(plan_path + "/steps", json={"step": step, "on": today})
        assert moved.status_code == 200, moved.text
    # The enterprise cannot file its own plan; the county bureau does, with a number.
    assert_problem(
        company.post(plan_path + "/filing", json={"number": "X-1", "filed_on": today}),
        403,
        "forbidden",
    )
    filed = minle.post(
        plan_path + "/filing", json={"number": "民应急预备〔2026〕17号", "filed_on": today}
    )
    assert filed.status_code == 200, filed.text
    assert filed.json()["state"] == "filed"
    assert filed.json()["filing"]["number"] == "民应急预备〔2026〕17号"
    wait_for_rate(
        minle,
        ("emergency_plans_on_file",),
        lambda rate: rate["numerator"] == before["numerator"] + 1,
        "the plans-on-file rate to rise",
    )

    held = company.post("/api/v1/drills", json=drill(plan_id=drafted.json()["id"]))
    assert held.status_code == 201, held.text
    assert held.json()["led_by_principal"] is True
    wait_for_rate(
        minle,
        ("principal_led_drills", HALF),
        lambda rate: rate["numerator"] == drills_before["numerator"] + 1,
        "the principal-led drill rate to rise",
    )
    # A second principal-led drill in the same half counts the enterprise once.
    again = company.post("/api/v1/drills", json=drill(kind="live", follow_ups=[]))
    assert again.status_code == 201, again.text
    tap.wait_for(
        lambda event: (
            event["type"] == "cn.anjian.inspection.drill.recorded.v1"
            and event["data"]["drill_id"] == again.json()["id"]
        )
    )
    assert (
        indicators(minle)["principal_led_drills"][HALF]["numerator"]
        == drills_before["numerator"] + 1
    )

    # The drill's follow-up is closed with evidence, as a finding's hazard is.
    follow_up = held.json()["follow_ups"][0]["follow_up_id"]
    proof = upload(company, png(8), name="疏散图.png")
    closed = company.post(
        f"/api/v1/drills/{held.json()['id']}/follow-ups/{follow_up}/closure",
        json={"closed_on": today, "evidence": [proof.json()["id"]], "note": "已修订"},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["follow_ups"][0]["state"] == "closed"


def days_into_the_reminder_window():
    """Seconds to move the clock so that today is past the reminder day of its half year (the
    rule's default: 120 days in), or 0 when it is already."""
    today = china_today()
    start = date(today.year, 1 if today.month <= 6 else 7, 1)
    reminder_day = start + timedelta(days=REMIND_AFTER_DAYS)
    return max(0, (reminder_day - today).days + 1) * 86400


def test_an_enterprise_without_a_principal_led_drill_this_half_is_reminded_once(
    sign_in, users, platform, tap
):
    _, idle = register(sign_in, users)
    drilled_body, drilled = register(sign_in, users)
    assert drilled.post("/api/v1/drills", json=drill()).status_code == 201
    # The timer runs when the service starts; moved into the window if today is not in it.
    platform.restart("inspection", clock_offset_seconds=days_into_the_reminder_window())
    try:
        reminders = wait_until(
            lambda: read(idle, "/api/v1/drill-reminders")["items"],
            timeout=30,
            message="the drill reminder",
        )
    finally:
        platform.restart("inspection")
    assert len(reminders) == 1
    assert reminders[0]["reason"].startswith("主要负责人每半年")
    tap.wait_for(
        lambda event: (
            event["type"] == "cn.anjian.inspection.drill.due.v1"
            and event["subject"] == reminders[0]["uscc"]
        )
    )
    assert read(drilled, "/api/v1/drill-reminders")["items"] == []
    assert (
        read(sign_in("minle"), f"/api/v1/drill-reminders?uscc={drilled_body['uscc']}")["items"]
        == []
    )
