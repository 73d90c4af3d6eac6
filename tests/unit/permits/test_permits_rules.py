"""Permits (令第13号 Arts. 7, 9, 14, 15): application, approval, the order of work, the state
machine."""

from datetime import timedelta

import pytest

from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.permits.domain import permits
from tests.unit.permits.support import (
    APPROVER,
    COMPANY,
    ENTERPRISE,
    ENTRANT,
    GUARDIAN,
    NOW,
    POLICY,
    PRINCIPAL,
    READINGS,
    STRANGER,
    TODAY,
    approved,
    checked,
    competency,
    crew,
    draft,
    ready,
    space,
)


def submitted(**fields):
    return checked(permits.submit(draft(**fields), {}, ENTERPRISE, COMPANY, NOW))[0]


def approve(permit, staff=None, **fields):
    return checked(
        permits.approve(permit, fields, ENTERPRISE, staff or crew(), POLICY, COMPANY, NOW, TODAY)
    )


def test_art_15_the_guardian_may_not_also_be_an_entrant():
    with pytest.raises(InvalidInput) as refused:
        draft(entrants=[ENTRANT, GUARDIAN])
    assert "guardian" in refused.value.errors


def test_a_person_not_employed_by_the_enterprise_is_refused():
    other = competency(STRANGER, "confined_space_entrant", uscc="91620722MA01XYW1QX")
    with pytest.raises(InvalidInput) as refused:
        draft(crew(**{STRANGER: other}), entrants=[ENTRANT, STRANGER])
    assert STRANGER in refused.value.errors["entrants"][0]


@pytest.mark.parametrize(
    "window",
    [
        {"window_end": NOW - timedelta(minutes=10)},
        {"window_end": NOW + timedelta(hours=25)},
        {"window_start": NOW + timedelta(hours=2), "window_end": NOW + timedelta(hours=1)},
    ],
)
def test_a_window_that_ends_first_is_over_or_lasts_past_the_rule_is_refused(window):
    with pytest.raises(InvalidInput) as refused:
        draft(**window)
    assert "window_end" in refused.value.errors


def test_a_toxic_space_is_the_principals_to_approve():
    permit = submitted()
    assert permit["toxic_gas"]
    with pytest.raises(Forbidden):
        approve(permit)
    approval = approve(permit, approver=PRINCIPAL)[0]["approval"]
    assert approval["as"] == "principal" and approval["approver"] == PRINCIPAL


def test_art_7_or_the_principals_written_delegation_on_file():
    after, _ = approve(submitted(), delegation="e" * 32)
    assert after["approval"] == {
        "approver": APPROVER,
        "as": "delegate",
        "delegation": "e" * 32,
        "at": NOW,
        "by": COMPANY.user_id,
    }


def test_a_space_without_toxic_gas_is_approved_by_its_approver():
    permit = checked(
        permits.apply(
            {
                "purpose": "检修",
                "window_start": NOW,
                "window_end": NOW + timedelta(hours=2),
                "approver": APPROVER,
                "guardian": GUARDIAN,
                "entrants": [ENTRANT],
                "rescuers": [],
            },
            space(hazards=["engulfment"]),
            ENTERPRISE,
            crew(),
            POLICY,
            COMPANY,
            NOW,
        )
    )[0]
    permit = checked(permits.submit(permit, {}, ENTERPRISE, COMPANY, NOW))[0]
    assert approve(permit)[0]["approval"]["as"] == "approver"


def test_art_9_approval_is_refused_while_anyone_lacks_training_of_the_last_year():
    lapsed = competency(ENTRANT, "confined_space_entrant", until=TODAY - timedelta(days=1))
    with pytest.raises(InvalidInput) as refused:
        approve(submitted(), crew(**{ENTRANT: lapsed}), approver=PRINCIPAL)
    assert ENTRANT in refused.value.errors["entrants"][0]


@pytest.mark.parametrize(
    "action,state",
    [
        ("approve", "draft"),
        ("submit", "submitted"),
        ("interrupt", "approved"),
        ("finish", "approved"),
        ("start", "finished"),
        ("cancel", "in_progress"),
    ],
)
def test_every_move_outside_the_transition_table_is_a_conflict(action, state):
    with pytest.raises(Conflict):
        permits.moved(permits.TRANSITIONS, action, state, "permit")


def test_art_14_the_order_of_work_ventilate_test_brief_check():
    permit = approved()
    with pytest.raises(Conflict):
        permits.record_gas_test(permit, READINGS, ENTERPRISE, POLICY, COMPANY, NOW)
    with pytest.raises(Conflict):
        permits.record_step(permit, {"step": "briefing"}, ENTERPRISE, COMPANY, NOW)
    assert permits.missing_before(ready(), "entry") == []


def test_art_15_an_interruption_asks_for_ventilation_and_a_new_test_before_reentry():
    permit = ready()
    permit["state"] = "in_progress"
    stopped = checked(permits.interrupt(permit, {"reason": "午休"}, ENTERPRISE, COMPANY, NOW))[0]
    assert stopped["round"] == 2
    assert permits.missing_before(stopped, "entry") == ["ventilation", "gas_test"]


def test_a_failing_reading_during_work_interrupts_it():
    permit = {**ready(), "state": "in_progress"}
    high = {
        "tester": "赵",
        "readings": [
            {"gas": "o2", "value": 18, "unit": "%vol"},
            {"gas": "h2s", "value": 1, "unit": "ppm"},
        ],
    }
    after, made = checked(permits.record_gas_test(permit, high, ENTERPRISE, POLICY, COMPANY, NOW))
    assert after["state"] == "interrupted"
    assert [event["type"].split(".")[3:5] for event in made] == [
        ["gas_test", "recorded"],
        ["work", "interrupted"],
    ]


def test_a_permit_expires_only_when_its_window_passed_before_the_work():
    permit = approved()
    assert permits.expire(permit, COMPANY, NOW) == (permit, [])
    later = NOW + timedelta(hours=5)
    assert checked(permits.expire(permit, COMPANY, later))[0]["state"] == "expired"
    working = {**permit, "state": "in_progress"}
    assert permits.expire(working, COMPANY, later) == (working, [])
