"""Targets 3 and 6 through the gateway only: a metal-smelting project in 民乐县 goes through its
stages (the design review rejected once), is accepted, drawn in the county's spot-check sample
and spot-checked, whose finding opens a hazard in the inspection service; the 三同时 and
spot-check rates of 620722 and 620700 move. A grade expires when the registry's clock moves on
and the standardization rate drops."""

from datetime import timedelta

from services.kit.pure.clock import Clock
from tests.support.api import read, upload
from tests.support.factories import day, enterprise, png
from tests.support.waiting import wait_until

REGIONS = ("620722", "620700")


def indicators(api, year=None, target="projects"):
    year = year or Clock().today().year
    return {
        region: read(api, f"/api/v1/indicators/{target}?region={region}&year={year}")
        for region in REGIONS
    }


def has_moved(before, after, rate, numerator, denominator):
    return all(
        (
            after[region][rate]["numerator"] - before[region][rate]["numerator"],
            after[region][rate]["denominator"] - before[region][rate]["denominator"],
        )
        == (numerator, denominator)
        for region in REGIONS
    )


def moved(api, before, rate, numerator, denominator):
    """Each region's `rate` moves by exactly these amounts (counters follow events, so soon
    rather than at once); returns the indicators then."""
    return wait_until(
        lambda: has_moved(before, now := indicators(api), rate, numerator, denominator) and now,
        message=f"{rate} to move by {numerator}/{denominator}",
    )


def post(api, path, body, status=200):
    reply = api.post(path, json=body)
    assert reply.status_code == status, reply.text
    return reply.json()


def test_a_metal_smelting_project_from_registration_to_spot_check(sign_in):
    minle, city = sign_in("minle"), sign_in("zhangye")
    smelter = enterprise(industry="metallurgy", risk_features=["metal_smelting"])
    post(minle, "/api/v1/enterprises", smelter, 201)
    before = indicators(city)

    project = post(
        minle,
        "/api/v1/projects",
        {
            "uscc": smelter["uscc"],
            "name": "年产5万吨再生铜冶炼改扩建项目",
            "kind": "extension",
            "metal_smelting": True,
            "planned": {"pre_evaluation": day(-200), "acceptance": day(10)},
        },
        201,
    )
    # Its pre-evaluation was planned long ago and is not on file: overdue, not compliant.
    assert project["next_stage"] == "pre_evaluation"
    assert project["overdue_stages"] == ["pre_evaluation"]
    moved(city, before, "three_simultaneities", 0, 1)

    path = f"/api/v1/projects/{project['id']}/stages"
    report = upload(minle, png(7), name="预评价报告.png", uscc=smelter["uscc"])
    assert report.status_code == 201, report.text
    post(
        minle,
        path,
        {"stage": "pre_evaluation", "on": day(-190), "documents": [report.json()["id"]]},
    )
    moved(city, before, "three_simultaneities", 1, 1)
    out_of_order = minle.post(path, json={"stage": "construction", "on": day(-180)})
    assert out_of_order.status_code == 409 and out_of_order.json()["code"] == "conflict"
    rejected = post(
        minle,
        path,
        {"stage": "design_review", "on": day(-185), "outcome": "rejected", "reasons": "泄爆口不足"},
    )
    assert rejected["next_stage"] == "design_review"
    post(minle, path, {"stage": "design_review", "on": day(-175), "outcome": "approved"})
    post(minle, path, {"stage": "construction", "on": day(-170)})
    post(minle, path, {"stage": "trial_run", "on": day(-100), "ends_on": day(-10)})
    accepted = post(minle, path, {"stage": "acceptance", "on": day(0)})
    assert accepted["next_stage"] is None and accepted["accepted_on"] == day(0)
    assert [stage["stage"] for stage in accepted["stages"]] == [
        "pre_evaluation",
        "design_review",
        "design_review",
        "construction",
        "trial_run",
        "acceptance",
    ]
    accepted_now = moved(city, before, "spot_checks", 0, 1)

    population = accepted_now["620722"]["spot_checks"]["denominator"]
    plan = post(
        minle,
        "/api/v1/project-spot-check-plans",
        {"region": "620722", "year": Clock().today().year, "sample_size": population, "seed": 11},
        201,
    )
    assert project["id"] in plan["sample"] and plan["seed"] == 11
    checked = post(
        minle,
        f"/api/v1/projects/{project['id']}/spot-checks",
        {
            "checked_on": day(0),
            "plan_id": plan["id"],
            "conclusion": "安全设施基本与主体工程同时投用",
            "findings": [
                {
                    "description": "熔炼炉烟气净化系统联锁未投用",
                    "location": "熔炼车间",
                    "hazard": {"grade": "general", "deadline": day(30)},
                }
            ],
        },
    )
    assert checked["spot_checked_on"] == day(0)
    after = moved(city, before, "spot_checks", 1, 1)
    assert has_moved(before, after, "three_simultaneities", 1, 1)

    hazard_id = checked["spot_checks"][0]["findings"][0]["hazard"]["hazard_id"]
    hazard = wait_until(
        lambda: (
            (reply := minle.get(f"/api/v1/hazards/{hazard_id}")).status_code == 200 and reply.json()
        ),
        message="the inspection service to open the spot check's hazard",
    )
    assert (hazard["source"], hazard["state"], hazard["uscc"]) == (
        "project_spot_check",
        "rectifying",
        smelter["uscc"],
    )


def test_a_grade_expires_when_the_clock_moves_and_the_rate_drops(sign_in, platform):
    minle = sign_in("minle")
    city = sign_in("zhangye")
    body = enterprise(standardization=None)
    post(minle, "/api/v1/enterprises", body, 201)
    today = Clock().today()
    later = today + timedelta(days=10)
    ungraded = indicators(city, later.year, "standardization")
    graded_on = (today - timedelta(days=3 * 365 - 4)).isoformat()
    standing = post(
        minle,
        f"/api/v1/enterprises/{body['uscc']}/standardization",
        {"grade": 2, "graded_on": graded_on, "grading_body": "甘肃省安全生产协会"},
        201,
    )
    assert standing["current"]["state"] == "review_due"
    assert standing["current"]["grade"] == 2

    def numerators(figures):
        return [figures[region]["valid_grade"]["numerator"] for region in REGIONS]

    def counted():
        # The grade's own standing event must be counted before the lapse can take it away.
        now = indicators(city, later.year, "standardization")
        return (
            all(n > u for n, u in zip(numerators(now), numerators(ungraded), strict=True)) and now
        )

    before = wait_until(counted, timeout=30, message="the new grade to reach the rate")

    platform.restart("registry", clock_offset_seconds=10 * 86400)
    try:
        expired = read(minle, f"/api/v1/enterprises/{body['uscc']}/standardization")
        lapsed = wait_until(
            lambda: [
                entry
                for entry in read(minle, f"/api/v1/enterprises/{body['uscc']}/standardization")[
                    "history"
                ]
                if entry["kind"] == "lapsed"
            ],
            timeout=30,
            message="the grade timer to record the lapse",
        )

        def dropped():
            # The lapse changed the enterprise's standing; its event moves the counters.
            now = indicators(city, later.year, "standardization")
            return (
                all(n < w for n, w in zip(numerators(now), numerators(before), strict=True)) and now
            )

        after = wait_until(dropped, timeout=30, message="the lapsed grade to leave the rate")
    finally:
        platform.restart("registry")
    assert expired["current"]["state"] == "expired"
    assert read(minle, f"/api/v1/enterprises/{body['uscc']}")["standardization"]["state"] == (
        "review_due"
    )
    for region in REGIONS:
        drop = (
            before[region]["valid_grade"]["numerator"] - after[region]["valid_grade"]["numerator"]
        )
        assert drop >= 1, region
        assert (
            after[region]["valid_grade"]["denominator"]
            == (before[region]["valid_grade"]["denominator"])
        )
    assert lapsed[0]["expires_on"] == standing["current"]["expires_on"]
