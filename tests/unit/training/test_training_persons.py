"""People and positions: the ID number checked (python-stdnum, GB 11643), kept out of every
answer and event, positions with dates, employers with history, and who may keep whose staff."""

from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Duplicate, Forbidden, InvalidInput
from services.kit.pure.rules import RulesError, RuleSet
from services.kit.rules import _declared_files
from services.training.domain import persons, policy, reminders
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


def attended(worker, levels, on):
    """`worker` credited with three-level education sessions of `levels` held `on`."""
    for level in levels:
        session = {
            "_id": f"{level}-{on}",
            "kind": "three_level",
            "level": level,
            "held_on": on,
            "hours": 8.0,
            "uscc": USCC,
        }
        worker, _ = persons.record_training(worker, session, NOW)
    return worker


def test_three_level_education_before_work_and_again_after_a_job_change():
    """令第3号: company → workshop → team before work; workshop and team again after a change."""
    hire = person([{"position": "employee", "started_on": date(2026, 1, 5)}])
    hire = {**hire, "employment": [{**hire["employment"][0], "from": "2026-01-05"}]}
    assert persons.three_level_missing(hire, POLICY) == ["company", "workshop", "team"]
    hire = attended(hire, ("company", "workshop", "team"), "2026-01-06")
    assert persons.three_level_missing(hire, POLICY) == []
    moved, _ = persons.change_positions(
        hire,
        {"position": "team_leader", "started_on": date(2026, 3, 1)},
        Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY),
    )
    assert persons.three_level_missing(moved, POLICY) == ["workshop", "team"]


def educated(hired_on="2023-01-05", on="2023-01-06"):
    """An employee hired on `hired_on` who attended all three levels on `on`."""
    hire = person([{"position": "employee", "started_on": date.fromisoformat(hired_on)}])
    hire = {**hire, "employment": [{**hire["employment"][0], "from": hired_on}]}
    return attended(hire, ("company", "workshop", "team"), on)


def away(worker, **fields):
    """`worker` after recording an absence with `fields` (dates as ISO text)."""
    changed, events = persons.record_absence(
        worker,
        {key: date.fromisoformat(value) for key, value in fields.items()},
        Keeping(ENTERPRISE, POLICY, COMPANY, NOW, TODAY),
    )
    return changed, events


@pytest.mark.parametrize(
    "left_on, returned_on, missing",
    [
        # 令第3号 Art. 17: away a year or more, workshop and team levels again.
        ("2024-03-01", "2025-03-01", ["workshop", "team"]),
        ("2024-03-01", "2026-02-01", ["workshop", "team"]),
        # A day short of a year: nothing to repeat.
        ("2024-03-01", "2025-02-28", []),
    ],
)
def test_a_return_after_a_year_away_calls_for_workshop_and_team_levels_again(
    left_on, returned_on, missing
):
    worker, _ = away(educated(), left_on=left_on)
    assert persons.three_level_missing(worker, POLICY) == []
    back, events = away(worker, returned_on=returned_on)
    assert back["absences"] == [{"from": left_on, "to": returned_on}]
    assert persons.three_level_missing(back, POLICY) == missing
    assert [event["type"] for event in events] == ["cn.anjian.training.person.returned.v1"]
    assert events[0]["data"]["returned_on"] == returned_on


def test_levels_attended_after_the_return_meet_the_requirement_again():
    back, _ = away(educated(), left_on="2024-03-01", returned_on="2025-06-01")
    back = attended(back, ("workshop", "team"), "2025-06-02")
    assert persons.three_level_missing(back, POLICY) == []


def deployment_rule(value):
    return f"""
overrides:
- id: training.three_level.after_absence
  version: 2
  value: {value}
  source: {{document: 某省规定（示例）}}
  effective_from: '2025-01-01'
  checked_against: unverified
"""


def test_a_deployment_sets_the_threshold_and_the_levels_without_a_code_change():
    rules = RuleSet.from_files(
        _declared_files("training"),
        [("local.yaml", deployment_rule("{years_away: 2, levels: [company, workshop, team]}"))],
        policy.RULE_CHECKS,
    )
    strict = policy.policy_on(rules, TODAY)
    back, _ = away(educated(), left_on="2023-03-01", returned_on="2024-06-01")
    assert persons.three_level_missing(back, strict) == []
    back, _ = away(educated(), left_on="2023-03-01", returned_on="2025-06-01")
    assert persons.three_level_missing(back, strict) == ["company", "workshop", "team"]


@pytest.mark.parametrize(
    "value", ["{years_away: 0, levels: [team]}", "{years_away: 1, levels: [canteen]}", "1"]
)
def test_a_deployment_rule_of_the_wrong_shape_stops_the_service(value):
    with pytest.raises(RulesError):
        RuleSet.from_files(
            _declared_files("training"),
            [("local.yaml", deployment_rule(value))],
            policy.RULE_CHECKS,
        )


def test_the_standing_says_who_is_away_and_which_levels_are_due():
    worker, _ = persons.refresh(educated(), [], POLICY, NOW, TODAY)
    gone, _ = away(worker, left_on="2024-03-01")
    gone, events = persons.refresh(gone, [], POLICY, NOW, TODAY)
    assert gone["standing"]["away"] is True and gone["standing"]["three_level_missing"] == []
    assert [event["type"] for event in events] == ["cn.anjian.training.person.standing_changed.v1"]
    back, _ = away(gone, returned_on="2025-06-01")
    back, events = persons.refresh(back, [], POLICY, NOW, TODAY)
    assert back["standing"]["away"] is False
    assert back["standing"]["three_level_missing"] == ["workshop", "team"]
    assert events[0]["data"]["after"]["three_level_missing"] == ["workshop", "team"]


@pytest.mark.parametrize(
    "first, second, refusal",
    [
        ({"left_on": "2024-03-01"}, {"left_on": "2024-04-01"}, Conflict),  # already away
        (None, {"returned_on": "2024-04-01"}, Conflict),  # at work: nothing to end
        (None, {}, InvalidInput),
        (None, {"left_on": "2022-12-31"}, InvalidInput),  # before the hire
        (None, {"left_on": "2026-03-03"}, InvalidInput),  # in the future
        ({"left_on": "2024-03-01"}, {"returned_on": "2024-02-01"}, InvalidInput),
        ({"left_on": "2024-03-01"}, {"returned_on": "2026-03-03"}, InvalidInput),
        # Absences follow one another.
        (
            {"left_on": "2024-03-01", "returned_on": "2024-05-01"},
            {"left_on": "2024-04-01", "returned_on": "2024-04-10"},
            InvalidInput,
        ),
    ],
)
def test_impossible_absences_are_refused(first, second, refusal):
    worker = educated()
    if first:
        worker, _ = away(worker, **first)
    with pytest.raises(refusal):
        away(worker, **second)


def test_only_the_employer_and_its_bureaus_record_absences():
    other = Actor("91620702MA01XYW0QX", "enterprise", "620702", "91620702MA01XYW0QX")
    for outsider in (GANZHOU, other):
        with pytest.raises(Forbidden):
            persons.record_absence(
                educated(),
                {"left_on": date(2024, 3, 1)},
                Keeping(ENTERPRISE, POLICY, outsider, NOW, TODAY),
            )


def test_a_person_follows_the_employer_to_another_county():
    worker = educated()
    moved, events = persons.relocated(worker, "620702", NOW)
    assert moved["region_code"] == "620702" and events == []
    assert moved["history"][-1]["previous"] == "620722"
    refreshed, events = persons.refresh(moved, [], POLICY, NOW, TODAY)
    [changed] = [event for event in events if event["type"].endswith("standing_changed.v1")]
    assert changed["data"]["after"]["region_code"] == "620702"
    assert persons.relocated(moved, "620702", NOW) == (moved, [])


def test_a_person_short_of_the_years_hours_gets_one_reminder_a_year():
    principal = person([{"position": "principal"}])
    report = persons.hours_report(principal, 2026, POLICY, [])
    first, events = reminders.hours_short(principal, report, NOW)
    again, _ = reminders.hours_short(principal, report, NOW)
    assert first["_id"] == again["_id"] == f"{principal['_id']}:hours_short:2026"
    assert first["required"] == 12 and events[0]["data"]["kind"] == "hours_short"
    assert {"to": "bureau", "region_code": "620722"} in first["recipients"]
