"""Emergency plans (原总局令第88号 as amended by 应急管理部令第2号) and drills: the plan's lifecycle
in order, filing by the bureau only, revision with a reason; drills by half year for the
principal-led drill rate, follow-ups closed with evidence, reminders (issue 13 item 4)."""

from datetime import date, datetime, timedelta, timezone

import pytest

from services.inspection.domain import drills, emergency_plans, indicators
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.unit.inspection.support import ENTERPRISE, INSPECTOR, NOW, RULES, TODAY, USCC

COMPANY = Actor(USCC, "enterprise", "620722", USCC)
EVIDENCE = [{"_id": "e" * 32, "uscc": USCC}]
FOREIGN_EVIDENCE = [{"_id": "f" * 32, "uscc": "91620722MA01XYW1AB"}]
REASONS = RULES.value(emergency_plans.REVISION_REASONS_RULE, TODAY)
DRILL_RULE = RULES.rule(drills.PRINCIPAL_DRILL_RULE, TODAY)


def drafted():
    plan, [event] = emergency_plans.draft_plan(
        {"kind": "comprehensive", "title": "综合应急预案", "drafted_on": TODAY},
        ENTERPRISE,
        EVIDENCE,
        COMPANY,
        NOW,
        TODAY,
    )
    assert event["type"] == "cn.anjian.inspection.emergency_plan.drafted.v1"
    return plan


def step(plan, name, actor=COMPANY, evidence=(), **extra):
    changed, _ = emergency_plans.take_step(
        plan, {"step": name, "on": TODAY, **extra}, list(evidence), REASONS, actor, NOW, TODAY
    )
    return changed


def filed(plan, first=True, actor=INSPECTOR):
    return emergency_plans.file_plan(
        plan, {"number": "620722-2026-017", "filed_on": TODAY}, first, actor, NOW, TODAY
    )


def test_a_plan_is_reviewed_assessed_filed_and_revised_in_order():
    plan = step(step(drafted(), "review", evidence=EVIDENCE), "assess")
    on_file, [event] = filed(plan)
    assert on_file["state"] == "filed"
    assert on_file["filing"]["number"] == "620722-2026-017"
    assert (event["data"]["first_on_file"], event["data"]["number"]) == (True, "620722-2026-017")
    revised = step(on_file, "revise", reason="drill_lessons", note="疏散路线不清")
    assert revised["state"] == "revised"
    assert revised["history"][-1]["reason"] == "drill_lessons"
    # A revised plan goes through review and filing again; its filing stays on record.
    assert step(revised, "review")["state"] == "reviewed"
    assert revised["filing"] == on_file["filing"]
    assert [entry["state"] for entry in revised["history"]] == [
        "drafted",
        "reviewed",
        "assessed",
        "filed",
        "revised",
    ]


def test_steps_out_of_order_are_conflicts():
    plan = drafted()
    with pytest.raises(Conflict):
        step(plan, "assess")
    with pytest.raises(Conflict):
        filed(plan)
    with pytest.raises(Conflict):
        step(plan, "revise", reason="law_changed")


def test_only_the_bureau_files_a_plan():
    plan = step(step(drafted(), "review"), "assess")
    with pytest.raises(Forbidden):
        filed(plan, actor=COMPANY)


def test_a_revision_names_a_reason_of_the_rules():
    plan, _ = filed(step(step(drafted(), "review"), "assess"))
    with pytest.raises(InvalidInput) as refused:
        step(plan, "revise")
    assert "reason" in refused.value.errors
    with pytest.raises(InvalidInput):
        step(plan, "revise", reason="boredom")


def test_documents_are_the_plan_enterprises_evidence_and_dates_are_not_future():
    with pytest.raises(InvalidInput) as refused:
        step(drafted(), "review", evidence=FOREIGN_EVIDENCE)
    assert refused.value.errors == {"documents": ["f" * 32]}
    with pytest.raises(InvalidInput):
        emergency_plans.take_step(
            drafted(),
            {"step": "review", "on": TODAY + timedelta(days=1)},
            [],
            REASONS,
            COMPANY,
            NOW,
            TODAY,
        )


def drill(held_on=TODAY, role="principal", halves=frozenset(), **extra):
    return drills.record_drill(
        {
            "kind": "tabletop",
            "held_on": held_on,
            "scenario": "粉尘爆炸",
            "participants": 25,
            "leader": {"name": "张总", "role": role},
            "evaluation": "响应及时",
            **extra,
        },
        ENTERPRISE,
        None,
        set(halves),
        COMPANY,
        NOW,
        TODAY,
    )


def test_the_first_principal_led_drill_of_a_half_counts_and_completes_the_year():
    recorded, [event] = drill(held_on=date(2026, 3, 10))
    assert (recorded["half"], event["data"]["first_principal_led_in_half"]) == ("2026-H1", True)
    assert event["data"]["both_halves_now"] is False
    _, [second] = drill(halves={"2026-H1"})
    assert (second["data"]["half"], second["data"]["both_halves_now"]) == ("2026-H2", True)
    _, [again] = drill(halves={"2026-H1", "2026-H2"})
    assert again["data"]["first_principal_led_in_half"] is False
    _, [led_by_other] = drill(role="safety_manager")
    assert led_by_other["data"]["first_principal_led_in_half"] is False


def test_drill_counters_move_once_per_enterprise_and_half():
    _, [first] = drill(held_on=date(2026, 3, 10))
    _, [second] = drill(halves={"2026-H1"})
    _, [repeat] = drill(halves={"2026-H1", "2026-H2"})
    assert indicators.counter_deltas(first) == [("620722", 2026, {"drills.principal_led.H1": 1})]
    assert indicators.counter_deltas(second) == [
        ("620722", 2026, {"drills.principal_led.H2": 1, "drills.principal_led.both_halves": 1})
    ]
    assert indicators.counter_deltas(repeat) == []


def test_rates_show_numerators_and_denominators():
    summary = indicators.preparedness(
        {"drills.principal_led.H1": 3, "drills.principal_led.both_halves": 1},
        {"emergency.plans_on_file": 2, "enterprises.open": 4},
        1,
    )
    assert summary["dual_prevention"] == {"numerator": 1, "denominator": 4, "rate": 0.25}
    assert summary["emergency_plans_on_file"]["rate"] == 0.5
    assert summary["principal_led_drills"]["first_half"]["numerator"] == 3
    assert indicators.preparedness({}, {}, 0)["dual_prevention"]["rate"] is None


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"held_on": TODAY + timedelta(days=1)}, "held_on"),
        (
            {"follow_ups": [{"action": "修订预案", "deadline": TODAY - timedelta(days=1)}]},
            "follow_ups",
        ),
    ],
)
def test_bad_drills_are_refused_by_field(extra, field):
    with pytest.raises(InvalidInput) as refused:
        drill(**extra)
    assert field in refused.value.errors


def test_a_follow_up_closes_once_with_the_enterprises_evidence():
    recorded, _ = drill(follow_ups=[{"action": "修订疏散路线", "deadline": TODAY}])
    follow_up_id = recorded["follow_ups"][0]["follow_up_id"]

    def close(record, evidence, identifier=follow_up_id):
        return drills.close_follow_up(
            record, identifier, {"closed_on": TODAY}, evidence, COMPANY, NOW, TODAY
        )

    with pytest.raises(InvalidInput):
        close(recorded, FOREIGN_EVIDENCE)
    with pytest.raises(NotFound):
        close(recorded, EVIDENCE, "0" * 32)
    closed, [event] = close(recorded, EVIDENCE)
    assert closed["follow_ups"][0]["state"] == "closed"
    assert event["data"]["was_overdue"] is False
    with pytest.raises(Conflict):
        close(closed, EVIDENCE)


def test_the_reminder_comes_once_the_half_is_far_along_and_names_its_deadline():
    days = DRILL_RULE.value["remind_after_days"]
    assert drills.reminder_half(DRILL_RULE, date(2026, 7, 1) + timedelta(days=days - 1)) is None
    assert drills.reminder_half(DRILL_RULE, date(2026, 7, 1) + timedelta(days=days)) == "2026-H2"
    reminder, [event] = drills.remind(
        ENTERPRISE, "2026-H2", DRILL_RULE, datetime(2026, 11, 2, tzinfo=timezone.utc)
    )
    assert reminder["_id"] == f"{USCC}:2026-H2"
    assert event["data"]["due_by"] == "2026-12-31"


def test_emergency_rules_that_make_no_sense_are_refused():
    assert drills.rule_problem(DRILL_RULE) is None
    broken = DRILL_RULE.__class__(**{**vars(DRILL_RULE), "value": {"remind_after_days": 400}})
    assert drills.rule_problem(broken) is not None
    reasons = RULES.rule(emergency_plans.REVISION_REASONS_RULE, TODAY)
    assert emergency_plans.rule_problem(reasons) is None
    assert emergency_plans.rule_problem(reasons.__class__(**{**vars(reasons), "value": []}))
