"""People and positions: the ID number checked (python-stdnum, GB 11643), kept out of every
answer and event, positions with dates, employers with history, and who may keep whose staff."""

from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from services.kit.pure.errors import Conflict, Duplicate, Forbidden, InvalidInput
from services.training.domain import persons, reminders
from services.training.domain.common import Keeping
from tests.unit.training.support import (
    COMPANY,
    ENTERPRISE,
    GANZHOU,
    ID_NUMBER,
    MINLE,
    NOW,
    POLICY,
    PROTECTOR,
    SMELTER,
    TODAY,
    USCC,
    person,
)


def with_check(first17):
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    "number, problem",
    [
        ("622223199001011233", "checksum failed"),
        (with_check("62222319900230123"), "impossible birth date or region"),  # 30 February
        # 620722 (民乐县) only exists since 2002: nobody born there in 1990 holds it.
        (with_check("62072219900101123"), "impossible birth date or region"),
        ("62222319900101123", "malformed"),
        ("6222231990A101123X", "malformed"),
    ],
)
def test_an_id_number_with_a_wrong_checksum_or_impossible_birth_date_is_refused(number, problem):
    with pytest.raises(InvalidInput) as refused:
        persons.checked_id_number(number, TODAY)
    assert refused.value.errors == {"id_number": [problem]}


def test_a_birth_date_after_today_is_impossible():
    tomorrow = (TODAY + timedelta(days=1)).strftime("%Y%m%d")
    with pytest.raises(InvalidInput) as refused:
        persons.checked_id_number(with_check("620722" + tomorrow + "123"), TODAY)
    assert refused.value.errors == {"id_number": ["impossible birth date"]}


def test_a_valid_number_is_kept_in_upper_case_without_spaces():
    assert persons.checked_id_number(" 62222319851231103x ", TODAY) == "62222319851231103X"


def test_the_number_is_stored_encrypted_with_a_keyed_hash_and_shown_masked(
    emitted_events_follow_the_declared_contract,
):
    registered = person()
    assert registered["id_masked"] == "622223********1232"
    assert PROTECTOR.reveal(registered["id_encrypted"]) == ID_NUMBER
    shown = persons.view(registered)
    assert "id_key" not in shown and "id_encrypted" not in shown
    assert ID_NUMBER not in repr(shown)
    assert ID_NUMBER not in repr(emitted_events_follow_the_declared_contract)


def test_an_enterprise_user_keeps_only_its_own_staff():
    with pytest.raises(Forbidden):
        person(enterprise=SMELTER)


def test_a_principal_of_an_enterprise_outside_the_callers_reach_is_refused():
    with pytest.raises(Forbidden):
        person([{"position": "principal"}], actor=GANZHOU)


def test_the_county_bureau_may_register_people_of_its_enterprises():
    assert person([{"position": "principal"}], actor=MINLE)["uscc"] == USCC


def test_a_special_operator_performs_known_categories():
    with pytest.raises(InvalidInput):
        person([{"position": "special_operator"}])
    with pytest.raises(InvalidInput):
        person([{"position": "special_operator", "categories": ["juggling"]}])
    with pytest.raises(InvalidInput):
        person([{"position": "principal", "categories": ["electrical"]}])


def test_a_position_listed_twice_or_starting_in_the_future_is_refused():
    with pytest.raises(InvalidInput):
        person([{"position": "team_leader"}, {"position": "team_leader"}])
    with pytest.raises(InvalidInput):
        person([{"position": "team_leader", "started_on": TODAY + timedelta(days=1)}])


def test_positions_start_and_end_with_dates():
    registered = person([{"position": "team_leader"}])
    with pytest.raises(Conflict):
        persons.change_positions(
            registered,
            {"position": "team_leader"},
            Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY),
        )
    ended, _ = persons.change_positions(
        registered,
        {"position": "team_leader", "ended_on": TODAY},
        Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY),
    )
    assert persons.open_positions(ended) == []
    assert ended["positions"][0]["ended_on"] == TODAY.isoformat()
    with pytest.raises(Conflict):
        persons.change_positions(
            ended,
            {"position": "team_leader", "ended_on": TODAY},
            Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY),
        )


def test_a_new_employer_ends_the_old_employment_and_positions_and_keeps_the_history():
    registered = person([{"position": "principal"}])
    new_employer = {**ENTERPRISE, "uscc": "91620702MA01XYW0QX", "region_code": "620702"}
    with pytest.raises(Duplicate):
        persons.employed_by(
            registered, {"name": "张伟"}, Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY)
        )
    moved, _ = persons.employed_by(
        registered,
        {"name": "张伟", "positions": [{"position": "employee"}]},
        Keeping(new_employer, POLICY, GANZHOU, NOW, TODAY),
    )
    assert moved["uscc"] == new_employer["uscc"] and moved["region_code"] == "620702"
    assert [job["to"] for job in moved["employment"]] == [TODAY.isoformat(), None]
    assert [entry["position"] for entry in persons.open_positions(moved)] == ["employee"]
    assert moved["positions"][0]["ended_on"] == TODAY.isoformat()


def test_hours_per_position_follow_the_industry_rule_of_order_no_3():
    """令第3号 Art. 9: principals 12 h a year, 16 h in metal smelting."""
    principal = person([{"position": "principal"}])
    assert persons.hours_report(principal, 2026, POLICY, [])["required"] == 12
    assert persons.hours_report(principal, 2026, POLICY, ["metal_smelting"])["required"] == 16
    session = {
        "_id": "s1",
        "kind": "annual_refresher",
        "held_on": "2026-02-01",
        "hours": 8.0,
        "uscc": USCC,
    }
    trained, _ = persons.record_training(principal, session, NOW)
    again, _ = persons.record_training(trained, session, NOW)
    assert again == trained
    report = persons.hours_report(again, 2026, POLICY, [])
    assert (report["hours"], report["gap"]) == (8.0, 4.0)
    assert persons.hours_report(again, 2025, POLICY, [])["hours"] == 0


def test_confined_space_roles_are_qualified_for_a_year_after_training():
    """令第13号 Art. 9: approvers, guardians, entrants and rescuers trained at least yearly."""
    guardian = person([{"position": "confined_space_guardian"}])
    untrained, events = persons.refresh(guardian, [], POLICY, NOW, TODAY)
    assert untrained["competency"]["roles"] == [
        {"role": "confined_space_guardian", "qualified": False, "until": None}
    ]
    session = {
        "_id": "s1",
        "kind": "confined_space_annual",
        "held_on": "2026-01-10",
        "hours": 4.0,
        "uscc": USCC,
    }
    trained, _ = persons.record_training(untrained, session, NOW)
    refreshed, events = persons.refresh(trained, [], POLICY, NOW, TODAY)
    assert refreshed["competency"] == {
        "sequence": 2,
        "roles": [{"role": "confined_space_guardian", "qualified": True, "until": "2027-01-10"}],
    }
    [changed] = [event for event in events if event["type"].endswith("competency.changed.v1")]
    assert changed["data"]["person_key"] == guardian["id_key"]
    year_later, _ = persons.refresh(refreshed, [], POLICY, NOW, date(2027, 1, 11))
    assert year_later["competency"]["roles"][0]["qualified"] is False


def test_refreshing_without_a_change_publishes_nothing():
    refreshed, _ = persons.refresh(person([{"position": "employee"}]), [], POLICY, NOW, TODAY)
    assert persons.refresh(refreshed, [], POLICY, NOW, TODAY) == (refreshed, [])


def test_three_level_education_before_work_and_again_after_a_job_change():
    """令第3号: company → workshop → team before work; workshop and team again after a change."""
    hire = person([{"position": "employee", "started_on": date(2026, 1, 5)}])
    hire = {**hire, "employment": [{**hire["employment"][0], "from": "2026-01-05"}]}
    assert persons.three_level_missing(hire) == ["company", "workshop", "team"]
    for number, level in enumerate(("company", "workshop", "team")):
        session = {
            "_id": f"s{number}",
            "kind": "three_level",
            "level": level,
            "held_on": "2026-01-06",
            "hours": 8.0,
            "uscc": USCC,
        }
        hire, _ = persons.record_training(hire, session, NOW)
    assert persons.three_level_missing(hire) == []
    moved, _ = persons.change_positions(
        hire,
        {"position": "team_leader", "started_on": date(2026, 3, 1)},
        Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY),
    )
    assert persons.three_level_missing(moved) == ["workshop", "team"]


def test_a_person_short_of_the_years_hours_gets_one_reminder_a_year():
    principal = person([{"position": "principal"}])
    report = persons.hours_report(principal, 2026, POLICY, [])
    first, events = reminders.hours_short(principal, report, NOW)
    again, _ = reminders.hours_short(principal, report, NOW)
    assert first["_id"] == again["_id"] == f"{principal['_id']}:hours_short:2026"
    assert first["required"] == 12 and events[0]["data"]["kind"] == "hours_short"
    assert {"to": "bureau", "region_code": "620722"} in first["recipients"]
