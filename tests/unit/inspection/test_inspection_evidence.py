"""Evidence uploads straight to the object store, as rules: who may open one, how a file is cut
into parts, and when an upload becomes evidence."""

from datetime import timedelta

import pytest

from services.inspection.domain import evidence
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Forbidden, InvalidInput, TooLarge
from tests.unit.inspection.support import ENTERPRISE, INSPECTOR, NOW, USCC

COMPANY = Actor(USCC, "enterprise", "620722", USCC)
OTHER_COMPANY = Actor("x", "enterprise", "620722", "91620722MA01XYW1QX")
GANZHOU_INSPECTOR = Actor("inspector-ganzhou", "inspector", "620702")
MIB = 1024 * 1024
LIMIT = 20 * MIB
HOUR = timedelta(hours=1)
SHA256 = "ab" * 32


def declared(**fields):
    return {"size": 15 * MIB, "sha256": SHA256, "content_type": "application/pdf", **fields}


def opened(fields=None, actor=COMPANY, hazard=None, limit=LIMIT):
    return evidence.open_upload(
        fields or declared(), ENTERPRISE, hazard, actor, NOW, limit, HOUR, 16 * MIB
    )


def found(upload, **changes):
    return {
        "size": upload["size"],
        "sha256": upload["sha256"],
        "content_type": upload["content_type"],
        **changes,
    }


@pytest.mark.parametrize(
    "size, parts",
    [
        (1, []),
        (16 * MIB, []),
        (16 * MIB + 1, [16 * MIB, 1]),
        (300 * 1000 * 1000, [16 * MIB] * 17 + [300 * 1000 * 1000 - 17 * 16 * MIB]),
    ],
    ids=["tiny", "one-part-exactly", "just-over", "a-300-MB-video"],
)
def test_a_file_larger_than_a_part_goes_up_in_parts(size, parts):
    assert evidence.part_sizes(size, 16 * MIB) == parts


def test_an_upload_is_the_evidence_to_be_with_its_deadline():
    hazard = {"_id": "h" * 32, "uscc": USCC}
    upload = opened(declared(hazard_id="h" * 32, filename="report.pdf"), hazard=hazard)

    assert upload["uscc"] == USCC and upload["region_code"] == "620722"
    assert upload["uploaded_by"] == USCC and upload["expires_at"] == NOW + HOUR
    assert upload["parts"] == [] and upload["size"] == 15 * MIB


def test_an_upload_over_its_types_limit_is_too_large():
    with pytest.raises(TooLarge):
        opened(declared(size=LIMIT + 1))
    assert opened(declared(size=LIMIT))["size"] == LIMIT


def test_an_enterprise_uploads_only_for_itself():
    with pytest.raises(Forbidden):
        opened(declared(uscc=USCC), actor=OTHER_COMPANY)
    with pytest.raises(Forbidden):
        opened(declared(uscc="91620722MA01XYW1QX"), actor=COMPANY)


def test_an_inspector_uploads_only_within_jurisdiction():
    assert opened(declared(uscc=USCC), actor=INSPECTOR)["uploaded_by_role"] == "inspector"
    with pytest.raises(Forbidden):
        opened(declared(uscc=USCC), actor=GANZHOU_INSPECTOR)


def test_a_hazard_of_another_enterprise_is_unknown():
    with pytest.raises(InvalidInput, match="unknown hazard"):
        opened(declared(hazard_id="h" * 32), hazard={"_id": "h" * 32, "uscc": "other"})


def test_an_upload_found_as_declared_becomes_evidence_and_says_so():
    upload = {**opened(), "object_key": "evidence/x"}

    record, events = evidence.confirmed_upload(upload, found(upload), NOW + timedelta(minutes=5))

    assert record["_id"] == upload["_id"] and record["object_key"] == "evidence/x"
    assert record["uploaded_at"] == NOW + timedelta(minutes=5)
    assert not set(evidence.UPLOAD_FIELDS) & set(record)
    assert [event["data"]["evidence_id"] for event in events] == [upload["_id"]]


@pytest.mark.parametrize(
    "difference, field",
    [
        ({"size": 15 * MIB + 1}, "size"),
        ({"content_type": "image/png"}, "content_type"),
        ({"sha256": "cd" * 32}, "sha256"),
    ],
    ids=["size", "type", "hash"],
)
def test_an_upload_found_otherwise_than_declared_is_refused(difference, field):
    upload = opened()
    with pytest.raises(InvalidInput) as refused:
        evidence.confirmed_upload(upload, found(upload, **difference), NOW)
    assert field in refused.value.errors


def test_an_upload_with_nothing_stored_or_past_its_time_is_refused():
    upload = opened()
    with pytest.raises(InvalidInput, match="nothing was uploaded"):
        evidence.confirmed_upload(upload, None, NOW)
    with pytest.raises(InvalidInput, match="expired"):
        evidence.confirmed_upload(upload, found(upload), NOW + HOUR + timedelta(seconds=1))


def test_the_parts_missing_are_those_not_stored_whole():
    upload = opened(declared(size=40 * MIB, content_type="video/mp4"), limit=500 * MIB)

    received = {1: (16 * MIB, "a"), 2: (3, "b")}

    assert evidence.missing_parts(upload, received) == [(2, 16 * MIB), (3, 8 * MIB)]
