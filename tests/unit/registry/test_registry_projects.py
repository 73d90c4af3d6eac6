"""Construction projects (三同时), without servers: stage order, dates, the trial run's length,
overdue stages, the spot-check sample and spot checks (Safety Law Arts. 31–34; 令第36号/77号)."""

from datetime import date, datetime, timedelta, timezone

import pytest

from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.uscc import with_check_character
from services.kit.rules import load_rules
from services.registry.domain import indicators, projects

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 6, 1)
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
USCC = with_check_character("91620722MA01XYW0Q")
COMPANY = Actor("company", "enterprise", "620722", USCC)
OTHER_COMPANY = Actor("other", "enterprise", "620722", with_check_character("91620722MA01XYW1Q"))
REGIME = projects.Regime.from_rules(load_rules("registry").value, TODAY)
ENTERPRISE = {"uscc": USCC, "region_code": "620722", "name": "民乐县祁连冶炼有限公司"}
SMELTING = ["pre_evaluation", "design_review", "construction", "trial_run", "acceptance"]


def day(offset):
    return TODAY + timedelta(days=offset)


def project(metal_smelting=True, planned=None, actor=MINLE):
    fields = {
        "name": "年产5万吨铜冶炼改扩建项目",
        "kind": "extension",
        "metal_smelting": metal_smelting,
        "planned": planned or {},
    }
    document, [event] = projects.register(fields, ENTERPRISE, REGIME, actor, NOW, TODAY)
    assert event["type"] == "cn.anjian.registry.project.registered.v1"
    return document


def stage(document, name, on, actor=MINLE, **extra):
    after, [event] = projects.record_stage(
        document, {"stage": name, "on": on, **extra}, REGIME, actor, NOW, TODAY
    )
    assert event["type"] == "cn.anjian.registry.project.stage_recorded.v1"
    assert event["data"]["stage"] == name
    return after


def accepted(metal_smelting=True):
    document = project(metal_smelting)
    start = -200
    for name in REGIME.stages_of(document):
        extra = {"outcome": "approved"} if name == "design_review" else {}
        if name == "trial_run":
            extra["ends_on"] = day(start + 60)
            document = stage(document, name, day(start), **extra)
            start += 61
            continue
        document = stage(document, name, day(start), **extra)
        start += 10
    return document


def test_a_metal_smelting_project_goes_through_the_stricter_stages_in_order():
    document = project()
    assert projects.next_stage(document, REGIME) == "pre_evaluation"
    with pytest.raises(Conflict) as refused:
        stage(document, "construction", day(-5))
    assert "pre_evaluation" in refused.value.message
    document = stage(document, "pre_evaluation", day(-30))
    assert projects.next_stage(document, REGIME) == "design_review"


def test_a_rejected_design_review_is_reviewed_again_before_construction():
    document = stage(project(), "pre_evaluation", day(-30))
    document = stage(
        document, "design_review", day(-20), outcome="rejected", reasons="泄爆设计不符合规范"
    )
    with pytest.raises(Conflict):
        stage(document, "construction", day(-10))
    document = stage(document, "design_review", day(-15), outcome="approved")
    assert projects.next_stage(document, REGIME) == "construction"
    assert [record["outcome"] for record in document["stages"][1:]] == ["rejected", "approved"]


def test_a_design_review_has_a_decision_and_a_rejection_its_reasons():
    document = stage(project(), "pre_evaluation", day(-30))
    with pytest.raises(InvalidInput) as refused:
        stage(document, "design_review", day(-20))
    assert "outcome" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        stage(document, "design_review", day(-20), outcome="rejected")
    assert "reasons" in refused.value.errors


def test_only_the_bureau_reviews_the_design():
    document = stage(project(), "pre_evaluation", day(-30), actor=COMPANY)
    with pytest.raises(Forbidden):
        stage(document, "design_review", day(-20), actor=COMPANY, outcome="approved")


def test_stages_dated_in_the_future_or_before_the_previous_one_are_refused():
    with pytest.raises(InvalidInput) as refused:
        stage(project(), "pre_evaluation", day(1))
    assert "on" in refused.value.errors
    document = stage(project(), "pre_evaluation", day(-10))
    with pytest.raises(InvalidInput):
        stage(document, "design_review", day(-11), outcome="approved")


@pytest.mark.parametrize("length, allowed", [(29, False), (30, True), (180, True), (181, False)])
def test_a_trial_run_lasts_30_to_180_days(length, allowed):
    document = project()
    for name, on in (("pre_evaluation", -300), ("design_review", -290), ("construction", -280)):
        extra = {"outcome": "approved"} if name == "design_review" else {}
        document = stage(document, name, day(on), **extra)
    start = day(-200)
    if allowed:
        after = stage(document, "trial_run", start, ends_on=start + timedelta(days=length))
        assert after["stages"][-1]["ends_on"] == (start + timedelta(days=length)).isoformat()
    else:
        with pytest.raises(InvalidInput) as refused:
            stage(document, "trial_run", start, ends_on=start + timedelta(days=length))
        assert "ends_on" in refused.value.errors


def test_other_projects_keep_a_safety_analysis_on_file_before_construction():
    document = project(metal_smelting=False)
    assert document["metal_smelting"] is False
    with pytest.raises(Conflict):
        stage(document, "construction", day(-10))
    with pytest.raises(InvalidInput) as refused:
        stage(document, "pre_evaluation", day(-10))
    assert "stage" in refused.value.errors
    document = stage(document, "safety_analysis", day(-20), actor=COMPANY)
    assert projects.next_stage(document, REGIME) == "construction"


def test_acceptance_follows_the_end_of_the_trial_run():
    document = project()
    for name, on in (("pre_evaluation", -300), ("design_review", -290), ("construction", -280)):
        extra = {"outcome": "approved"} if name == "design_review" else {}
        document = stage(document, name, day(on), **extra)
    document = stage(document, "trial_run", day(-100), ends_on=day(-40))
    with pytest.raises(InvalidInput):
        stage(document, "acceptance", day(-41))
    assert stage(document, "acceptance", day(-40))["accepted_on"] == day(-40).isoformat()


def test_nothing_follows_acceptance():
    document = accepted()
    assert document["accepted_on"] == document["stages"][-1]["on"]
    with pytest.raises(Conflict):
        stage(document, "acceptance", day(0))


def test_a_stage_past_its_planned_day_shows_as_overdue():
    document = project(planned={"pre_evaluation": day(-3), "design_review": day(10)})
    view = projects.view(document, REGIME, TODAY)
    assert (view["overdue"], view["overdue_stages"]) == (True, ["pre_evaluation"])
    document = stage(document, "pre_evaluation", day(-1))
    assert projects.view(document, REGIME, TODAY)["overdue"] is False
    assert projects.overdue_stages(document, REGIME, day(11)) == ["design_review"]


def test_planned_days_name_the_project_s_own_stages_in_order():
    with pytest.raises(InvalidInput):
        project(metal_smelting=False, planned={"design_review": day(5)})
    with pytest.raises(InvalidInput):
        project(planned={"construction": day(5), "pre_evaluation": day(10)})


def test_only_the_enterprise_or_its_bureau_changes_a_project():
    with pytest.raises(Forbidden):
        project(actor=GANZHOU)
    with pytest.raises(Forbidden):
        stage(project(), "pre_evaluation", day(-1), actor=OTHER_COMPANY)


def test_the_spot_check_sample_is_reproducible_and_no_larger_than_the_population():
    population = [f"p{n:02d}" for n in range(10)]
    request = {"region": "620722", "year": 2026, "sample_size": 3}
    plan, [event] = projects.draw_plan(population, request, 42, MINLE, NOW)
    again, _ = projects.draw_plan(list(reversed(population)), request, 42, MINLE, NOW)
    assert plan["sample"] == again["sample"] and len(plan["sample"]) == 3
    assert (plan["seed"], plan["population"]) == (42, 10)
    assert event["type"] == "cn.anjian.registry.project_spot_check_plan.drawn.v1"
    with pytest.raises(InvalidInput) as refused:
        projects.draw_plan(population, {**request, "sample_size": 11}, 42, MINLE, NOW)
    assert "sample_size" in refused.value.errors
    with pytest.raises(Forbidden):
        projects.draw_plan(population, request, 42, GANZHOU, NOW)


def test_a_spot_check_of_an_accepted_project_carries_the_hazards_its_findings_open():
    document = accepted()
    findings = [
        {
            "description": "除尘系统未按设计建设",
            "hazard": {"grade": "general", "deadline": day(30)},
        },
        {"description": "资料归档不全"},
    ]
    checked, [event] = projects.record_spot_check(
        document,
        {"checked_on": day(0), "conclusion": "基本符合", "findings": findings},
        MINLE,
        NOW,
        TODAY,
    )
    assert checked["spot_checked_on"] == day(0).isoformat()
    assert event["type"] == "cn.anjian.registry.project.spot_checked.v1"
    opened = [finding["hazard"] for finding in event["data"]["findings"]]
    assert opened[0]["grade"] == "general" and opened[0]["hazard_id"] and opened[1] is None


def test_spot_check_refusals():
    with pytest.raises(Conflict):
        projects.record_spot_check(
            project(), {"checked_on": day(0), "conclusion": "x", "findings": []}, MINLE, NOW, TODAY
        )
    document = accepted()
    general_without_deadline = [{"description": "x", "hazard": {"grade": "general"}}]
    for fields, actor in (
        ({"checked_on": day(1), "findings": []}, MINLE),
        ({"checked_on": day(0), "findings": general_without_deadline}, MINLE),
        ({"checked_on": day(0), "findings": []}, COMPANY),
    ):
        with pytest.raises((InvalidInput, Forbidden)):
            projects.record_spot_check(document, {"conclusion": "x", **fields}, actor, NOW, TODAY)


def test_the_rates_count_compliant_projects_and_spot_checked_acceptances():
    late = project(planned={"pre_evaluation": day(-3)})
    on_time = project()
    done = project()
    for name in REGIME.stages_of(done)[:-1]:
        extra = {"outcome": "approved"} if name == "design_review" else {}
        if name == "trial_run":
            extra["ends_on"] = day(-100)
        done = stage(done, name, day(-200), **extra)
    done, [acceptance] = projects.record_stage(
        done, {"stage": "acceptance", "on": day(0)}, REGIME, MINLE, NOW, TODAY
    )
    checked, [spot_check] = projects.record_spot_check(
        done, {"checked_on": day(0), "conclusion": "符合", "findings": []}, MINLE, NOW, TODAY
    )
    _, [again] = projects.record_spot_check(
        checked, {"checked_on": day(0), "conclusion": "复查", "findings": []}, MINLE, NOW, TODAY
    )
    flows = {}
    for event in (acceptance, spot_check, again):
        for county, year, amounts in indicators.counter_deltas(event):
            assert (county, year) == ("620722", 2026)
            for name, amount in amounts.items():
                flows[name] = flows.get(name, 0) + amount
    assert flows == {"projects_accepted": 1, "projects_spot_checked": 1}
    rates = indicators.projects([late, on_time, checked], REGIME, 2026, TODAY, flows)
    assert rates["three_simultaneities"] == {"numerator": 2, "denominator": 3, "rate": 0.6667}
    assert rates["spot_checks"] == {"numerator": 1, "denominator": 1, "rate": 1.0}
