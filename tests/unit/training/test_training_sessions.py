"""Training sessions: hours that fit the days, participants from the enterprise's staff, results
per participant (the training file of Safety Law Art. 28)."""

from datetime import date, timedelta

import pytest

from services.kit.pure.errors import Forbidden, InvalidInput
from services.training.domain import sessions
from tests.unit.training.support import (
    COMPANY,
    ENTERPRISE,
    GANZHOU,
    NOW,
    OTHER_ID_NUMBER,
    SMELTER,
    TODAY,
    person,
)


def session(people, actor=COMPANY, **fields):
    body = {
        "topic": "特种作业复审培训",
        "kind": "special_operator_review",
        "held_on": date(2026, 2, 20),
        "hours": 8.0,
        "trainer": "李老师",
        "participants": [member["_id"] for member in people],
        **fields,
    }
    created, _ = sessions.create(body, ENTERPRISE, people, actor, NOW, TODAY)
    return created


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"hours": -1.0}, "hours"),
        ({"hours": 0.0}, "hours"),
        ({"hours": 25.0}, "hours"),
        ({"hours": 49.0, "days": 2}, "hours"),
        ({"held_on": TODAY + timedelta(days=1)}, "held_on"),
        ({"kind": "three_level"}, "level"),
        ({"level": "team"}, "level"),
    ],
)
def test_absurd_hours_future_dates_and_misplaced_levels_are_refused(fields, field):
    with pytest.raises(InvalidInput) as refused:
        session([person()], **fields)
    assert field in refused.value.errors


def test_two_days_hold_up_to_48_hours():
    assert session([person()], hours=48.0, days=2)["hours"] == 48.0


def test_participants_come_from_the_enterprises_staff_once_each():
    member = person()
    stranger = person(
        number=OTHER_ID_NUMBER,
        enterprise=SMELTER,
        actor=GANZHOU.__class__("minle", "regulator", "620722"),
    )
    with pytest.raises(InvalidInput) as refused:
        session([member, stranger])
    assert refused.value.errors == {"participants": [stranger["_id"]]}
    with pytest.raises(InvalidInput):
        sessions.create(
            {
                "topic": "t",
                "kind": "initial",
                "held_on": TODAY,
                "hours": 2.0,
                "trainer": "李",
                "participants": [member["_id"]] * 2,
            },
            ENTERPRISE,
            [member],
            COMPANY,
            NOW,
            TODAY,
        )


def test_another_countys_bureau_may_not_record_the_session():
    with pytest.raises(Forbidden):
        session([person()], actor=GANZHOU)


def test_results_credit_those_who_attended_and_only_participants():
    member, absent = person(), person(number=OTHER_ID_NUMBER)
    held = session([member, absent])
    with pytest.raises(InvalidInput):
        sessions.record_results(
            held, [{"person_id": "f" * 32, "result": "passed"}], ENTERPRISE, COMPANY, NOW
        )
    with pytest.raises(InvalidInput):
        sessions.record_results(
            held, [{"person_id": member["_id"], "result": "passed"}] * 2, ENTERPRISE, COMPANY, NOW
        )
    recorded, events = sessions.record_results(
        held,
        [
            {"person_id": member["_id"], "result": "passed"},
            {"person_id": absent["_id"], "result": "absent"},
        ],
        ENTERPRISE,
        COMPANY,
        NOW,
    )
    assert recorded["attended"] == [member["_id"]]
    assert events[0]["data"]["passed"] == 1
    assert sessions.record_results(
        recorded, [{"person_id": member["_id"], "result": "passed"}], ENTERPRISE, COMPANY, NOW
    ) == (recorded, [])
