"""Ledger import: good rows stored, bad rows reported with row and column, nothing of a bad row
written, idempotent on ID number and certificate number."""

from datetime import date

from marshmallow import ValidationError

from services.kit.pure.errors import InvalidInput
from services.training.domain import imports, policy
from services.training.schemas import ImportRowSchema, RecordRowSchema
from tests.unit.training.support import (
    COMPANY,
    ENTERPRISE,
    ID_NUMBER,
    NOW,
    OTHER_ID_NUMBER,
    PROTECTOR,
    RULES,
    TODAY,
    USCC,
)


def load(fields):
    try:
        return ImportRowSchema().load(fields)
    except ValidationError as error:
        raise InvalidInput("invalid row", error.normalized_messages()) from None


def load_record(fields):
    try:
        return RecordRowSchema().load(fields)
    except ValidationError as error:
        raise InvalidInput("invalid row", error.normalized_messages()) from None


def row(line, **fields):
    return {
        "row": line,
        "fields": {
            "id_number": ID_NUMBER,
            "name": "张伟",
            "position": "special_operator",
            "categories": ["焊接与热切割作业"],
            "kind": "special_operation",
            "category": "焊接与热切割作业",
            "number": "T-1",
            "issuer": "张掖市应急管理局",
            "issued_on": "2024-05-01",
            **fields,
        },
    }


def run(rows, known=None):
    prepared = imports.prepare(rows, load, PROTECTOR.lookup_key, TODAY)
    known = known or imports.Known({}, set(), {USCC: ENTERPRISE})
    return imports.apply(
        prepared,
        known,
        PROTECTOR.protect,
        lambda on: policy.policy_on(RULES, on),
        COMPANY,
        NOW,
        TODAY,
    )


def test_mixed_rows_store_the_good_and_report_the_bad_by_row_and_column():
    outcome = run(
        [
            row(2),
            row(3, id_number="622223199001011233", number="T-2"),
            row(4, id_number=OTHER_ID_NUMBER, number="T-3", valid_until="2024-01-01"),
            row(5, id_number=OTHER_ID_NUMBER, number="T-4", hours="8"),
            row(6, id_number=OTHER_ID_NUMBER, number="T-5"),
        ]
    )
    assert [(line["row"], line["result"]) for line in outcome.report] == [
        (2, "created"),
        (3, "invalid"),
        (4, "invalid"),
        (5, "invalid"),
        (6, "created"),
    ]
    assert outcome.report[1]["errors"] == {"id_number": ["checksum failed"]}
    assert "valid_until" in outcome.report[2]["errors"]
    assert "hours" in outcome.report[3]["errors"]
    assert sorted(cert["number"] for cert, _ in outcome.new_certificates) == ["T-1", "T-5"]
    assert len(outcome.new_persons) == 2
    [welder, _] = [person for person, _ in outcome.new_persons]
    assert welder["standing"]["certified"] is True
    assert welder["positions"][0]["categories"] == ["welding_cutting"]


def test_the_same_file_again_creates_nothing():
    first = run([row(2)])
    [(person, _)] = first.new_persons
    known = imports.Known(
        {person["id_key"]: person}, {("special_operation", "T-1")}, {USCC: ENTERPRISE}
    )
    again = run([row(2)], known)
    assert [line["result"] for line in again.report] == ["exists"]
    assert again.new_persons == [] and again.new_certificates == []


def test_a_second_certificate_of_a_known_person_refreshes_them():
    first = run([row(2)])
    [(person, _)] = first.new_persons
    known = imports.Known(
        {person["id_key"]: person}, {("special_operation", "T-1")}, {USCC: ENTERPRISE}
    )
    more = run([row(2, number="T-9", category="electrical", issued_on=date(2025, 1, 1))], known)
    assert [line["result"] for line in more.report] == ["created"]
    assert more.holders_to_refresh == [person["_id"]]


def test_a_row_sees_what_the_rows_before_it_created():
    outcome = run(
        [
            row(2),
            row(3, number="T-2", category="electrical", issued_on=date(2025, 1, 1)),
            row(4),
        ]
    )
    assert [line["result"] for line in outcome.report] == ["created", "created", "exists"]
    [(person, _)] = outcome.new_persons
    assert sorted(cert["number"] for cert, _ in outcome.new_certificates) == ["T-1", "T-2"]
    assert {cert["person_id"] for cert, _ in outcome.new_certificates} == {person["_id"]}
    assert outcome.holders_to_refresh == []


def test_a_certificate_without_its_issuer_is_refused():
    fields = row(2)
    del fields["fields"]["issuer"]
    outcome = run([fields])
    assert outcome.report[0] == {
        "row": 2,
        "result": "invalid",
        "errors": {"issuer": ["required with a certificate number"]},
    }
    assert outcome.new_persons == []


def test_training_records_become_one_session_per_group_and_once():
    first = run([row(2), row(3, id_number=OTHER_ID_NUMBER, number="T-2")])
    people = {person["id_key"]: person for person, _ in first.new_persons}
    known = imports.Known(people, set(), {USCC: ENTERPRISE})

    def records(existing=frozenset()):
        lines = [
            {
                "row": 2,
                "fields": {
                    "id_number": ID_NUMBER,
                    "held_on": "2026-02-01",
                    "topic": "年度再培训",
                    "kind": "annual_refresher",
                    "hours": 8,
                    "trainer": "李老师",
                },
            },
            {
                "row": 3,
                "fields": {
                    "id_number": OTHER_ID_NUMBER,
                    "held_on": "2026-02-01",
                    "topic": "年度再培训",
                    "kind": "annual_refresher",
                    "hours": 8,
                    "trainer": "李老师",
                    "result": "absent",
                },
            },
            {
                "row": 4,
                "fields": {
                    "id_number": "622223199001011233",
                    "held_on": "2026-02-01",
                    "topic": "年度再培训",
                    "kind": "annual_refresher",
                    "hours": 8,
                    "trainer": "李老师",
                },
            },
        ]
        prepared = imports.prepare(
            lines, lambda fields: load_record(fields), PROTECTOR.lookup_key, TODAY
        )
        return imports.apply_records(prepared, known, set(existing), COMPANY, NOW, TODAY)

    outcome = records()
    assert [line["result"] for line in outcome.report] == ["created", "created", "invalid"]
    [(session, events)] = outcome.sessions
    assert [person["_id"] for person, _ in first.new_persons][:1] == session["attended"]
    assert {event["type"].split(".")[4] for event in events} == {"recorded", "results_recorded"}
    again = records({session["_id"]})
    assert [line["result"] for line in again.report] == ["exists", "exists", "invalid"]
    assert again.sessions == []
