"""The scan-before-work gate (先扫码、后作业): every unmet condition, with its code; the token."""

from datetime import timedelta

import pytest

from services.kit.pure.errors import InvalidInput
from services.permits.domain import gate, indicators, permits, tokens
from tests.unit.permits.support import (
    COMPANY,
    ENTRANT,
    GUARDIAN,
    NOW,
    POLICY,
    RESCUER,
    TODAY,
    checked,
    competency,
    crew,
    ready,
    space,
)


def reasons(permit, guardian=GUARDIAN, entrants=(ENTRANT,), staff=None, at=NOW, where=None):
    found = gate.reasons(
        where or space(), permit, guardian, list(entrants), staff or crew(), POLICY, at, TODAY
    )
    return [reason["code"] for reason in found]


def test_a_ready_permit_lets_its_people_in():
    assert reasons(ready()) == []


def test_no_permit_and_a_retired_space_are_reasons():
    assert reasons(None, where={**space(), "status": "retired"}) == ["space_retired", "no_permit"]


def test_a_scan_outside_the_window_is_denied():
    assert "outside_window" in reasons(ready(), at=NOW + timedelta(hours=5))


def test_a_gas_test_older_than_the_freshness_window_is_stale():
    assert reasons(ready(), at=NOW + timedelta(minutes=29)) == []
    assert reasons(ready(), at=NOW + timedelta(minutes=31)) == ["gas_test_stale"]


def test_after_an_interruption_the_old_test_no_longer_counts():
    permit = {**ready(), "state": "in_progress"}
    stopped = checked(
        permits.interrupt(
            permit, {"reason": "x"}, {"uscc": permit["uscc"], "region_code": "620722"}, COMPANY, NOW
        )
    )[0]
    assert {"gas_test_missing", "steps_incomplete"} <= set(reasons(stopped))


def test_people_absent_doubled_unlisted_or_untrained_are_each_named():
    assert reasons(ready(), guardian=None) == ["guardian_absent"]
    assert "guardian_is_entrant" in reasons(ready(), entrants=[ENTRANT, GUARDIAN])
    assert reasons(ready(), entrants=[ENTRANT, RESCUER]) == [
        "person_not_on_permit",
        "person_untrained",
    ]
    lapsed = competency(ENTRANT, "confined_space_entrant", until=TODAY - timedelta(days=1))
    assert reasons(ready(), staff=crew(**{ENTRANT: lapsed})) == ["person_untrained"]
    assert reasons(ready(), staff=crew(**{ENTRANT: None})) == ["person_untrained"]


def test_every_reason_has_a_chinese_message():
    found = gate.reasons(space(), None, None, [ENTRANT], crew(), POLICY, NOW, TODAY)
    assert all(reason["message"] == gate.REASONS[reason["code"]] for reason in found)


def test_the_work_under_way_is_the_permit_a_scan_is_about():
    under_way = {**ready(), "state": "in_progress"}
    waiting = ready()
    assert gate.current_permit([waiting, under_way], NOW) is under_way


def test_a_refused_scan_counts_for_each_of_its_reasons():
    record, made = checked(
        gate.scan(
            {"entrants": [ENTRANT], "device_time": NOW},
            space(),
            None,
            crew(),
            POLICY,
            COMPANY,
            NOW,
            TODAY,
        )
    )
    assert record["result"] == "deny"
    [(county, year, amounts)] = indicators.counter_deltas(made[0])
    assert (county, year) == ("620722", 2026)
    assert amounts == {"refused_scans": 1, "refused_no_permit": 1, "refused_guardian_absent": 1}


KEY = b"k" * 32


def test_a_token_names_its_space_and_any_changed_character_is_refused():
    space_id = "a" * 32
    token = tokens.sign(KEY, space_id)
    assert tokens.space_of(KEY, token) == space_id
    for index in range(len(token)):
        if token[index] == ".":
            continue
        changed = token[:index] + ("0" if token[index] != "0" else "1") + token[index + 1 :]
        with pytest.raises(InvalidInput):
            tokens.space_of(KEY, changed)


def test_a_new_key_voids_the_old_labels():
    token = tokens.sign(KEY, "b" * 32)
    with pytest.raises(InvalidInput):
        tokens.space_of(b"n" * 32, token)
