"""Self-inspections: the hazards an enterprise finds itself enter the same closed loop as an
inspection's, so the rectification rate covers them (issue 9; 令第10号 for the major ones)."""

from datetime import timedelta

import pytest

from services.inspection.domain import hazards, indicators, inspections
from services.kit.pure.actor import Actor
from services.kit.pure.errors import InvalidInput
from tests.unit.inspection.support import CATALOGUE, ENTERPRISE, NOW, TODAY, USCC

COMPANY = Actor(USCC, "enterprise", "620722", USCC)
DUST_ITEM = next(item.id for item in CATALOGUE.items if item.scope == "dust_explosion")
GENERAL = {
    "description": "消防通道堆放杂物",
    "grade": "general",
    "deadline": TODAY + timedelta(days=7),
}
MAJOR = {"description": "除尘系统未设置泄爆装置", "grade": "major", "catalogue_item": DUST_ITEM}


def report(*found, **fields):
    return inspections.report_self_inspection(
        {
            "performed_on": TODAY,
            "led_by_principal": True,
            "content": "月度检查",
            "hazards": list(found),
            **fields,
        },
        ENTERPRISE,
        CATALOGUE,
        COMPANY,
        NOW,
        TODAY,
    )


def test_self_found_hazards_enter_the_closed_loop_marked_as_self_found():
    document, [reported] = report(GENERAL, MAJOR)
    assert document["problems_found"] == 2
    assert reported["data"]["hazard_ids"] == [f["hazard_id"] for f in document["findings"]]
    (general, [general_event]), (major, _) = hazards.found_in(document, NOW, "self_inspection")
    assert (general["source"], general["self_inspection_id"], general["inspection_id"]) == (
        "self_inspection",
        document["_id"],
        None,
    )
    assert (general["grade"], general["state"], general["found_by"]) == (
        "general",
        "rectifying",
        USCC,
    )
    assert (major["grade"], major["state"], major["catalogue_item"]) == (
        "major",
        "reported",
        DUST_ITEM,
    )
    assert document["findings"][1]["catalogue_rule"]["id"].startswith(
        "inspection.major_hazard.art11_"
    )
    # Counted with the hazards an inspection finds: found this year, open now.
    assert indicators.counter_deltas(general_event) == [
        ("620722", TODAY.year, {"hazards.found.general": 1}),
        ("620722", indicators.STANDING, {"hazards.open.general": 1}),
    ]


def test_a_self_found_general_hazard_is_closed_like_any_other():
    document, _ = report(GENERAL)
    [(hazard, _)] = hazards.found_in(document, NOW, "self_inspection")
    submitted, _ = hazards.submit_rectification(
        hazard,
        [{"_id": "e" * 32, "uscc": USCC, "uploaded_by_role": "enterprise"}],
        "已清理",
        COMPANY,
        NOW,
    )
    closed, events = hazards.verify_or_reject(
        submitted, "verify", None, Actor("minle", "regulator", "620722"), NOW
    )
    assert closed["state"] == "closed"
    assert [event["type"].split(".")[4] for event in events] == ["verified", "closed"]


@pytest.mark.parametrize(
    "hazard, field",
    [
        ({**MAJOR, "catalogue_item": None}, "catalogue_item"),
        ({k: v for k, v in MAJOR.items() if k != "catalogue_item"}, "catalogue_item"),
        ({**GENERAL, "catalogue_item": DUST_ITEM}, "catalogue_item"),
        ({**MAJOR, "catalogue_item": "MEM10-99-1"}, "catalogue_item"),
        ({k: v for k, v in GENERAL.items() if k != "deadline"}, "deadline"),
        ({**GENERAL, "deadline": TODAY - timedelta(days=1)}, "deadline"),
        ({**GENERAL, "failed_device": True}, "catalogue_item"),
    ],
)
def test_a_self_found_hazard_is_graded_by_the_catalogue_or_refused(hazard, field):
    """令第10号 Arts. 3-14: a major hazard matches a catalogue item; a general one does not."""
    with pytest.raises(InvalidInput) as refused:
        report(GENERAL, hazard)
    assert list(refused.value.errors["hazards"]) == ["1"]
    assert list(refused.value.errors["hazards"]["1"]) == [field]


def test_problems_found_are_at_least_the_hazards_recorded():
    assert report(GENERAL, problems_found=3)[0]["problems_found"] == 3
    with pytest.raises(InvalidInput) as refused:
        report(GENERAL, MAJOR, problems_found=1)
    assert list(refused.value.errors) == ["problems_found"]
