"""Ledger import: good rows stored, bad rows reported with row and column, nothing of a bad row
written, idempotent on ID number and certificate number."""

from datetime import date

from marshmallow import ValidationError

from services.kit.pure.errors import InvalidInput
from services.training.domain import imports, policy
from services.training.schemas import ImportRowSchema
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
