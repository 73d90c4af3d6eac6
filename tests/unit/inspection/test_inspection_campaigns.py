"""Special campaigns (专项行动): announced by a city or province bureau for its jurisdiction, sent
down to the deployments below, named by the special-campaign inspections made under them and
counted by the enterprises inspected, per county."""

from datetime import timedelta

import pytest

from services.inspection.domain import campaigns, inspections
from services.kit.pure.actor import Actor
from services.kit.pure.envelope import sent_down
from services.kit.pure.errors import Forbidden, InvalidInput
from tests.unit.inspection.support import (
    CATALOGUE,
    ENTERPRISE,
    INSPECTOR,
    NOW,
    SECOND_OFFICER,
    TODAY,
    visit,
)

CITY = "620700"
CITY_REGULATOR = Actor("zhangye", "regulator", CITY)


def body(**overrides):
    return {
        "title": "粉尘涉爆企业安全生产专项整治行动",
        "theme": "dust_explosion",
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=60),
        "focus_items": ["GEN-DUTY-01", "MEM10-11-1"],
        **overrides,
    }


def announce(fields=None, level="city", region=CITY, actor=CITY_REGULATOR):
    return campaigns.announce(fields or body(), CATALOGUE.ids(), level, region, actor, NOW, TODAY)


def test_a_city_bureau_announces_a_campaign_for_its_jurisdiction_and_sends_it_down():
    campaign, [announced] = announce()
    assert (campaign["region_code"], campaign["starts_on"]) == (CITY, TODAY.isoformat())
    assert sent_down(announced) and announced["regioncode"] == CITY
    assert announced["type"] == "cn.anjian.inspection.campaign.announced.v1"
    assert announced["data"]["campaign_id"] == campaign["_id"]
    # A deployment below keeps what the announcement carries.
    kept = campaigns.received(announced["data"], NOW)
    assert {key: kept[key] for key in campaigns.FIELDS} == {
        key: campaign[key] for key in campaigns.FIELDS
    }


@pytest.mark.parametrize(
    "level,region,actor",
    [
        ("county", "620722", Actor("minle", "regulator", "620722")),  # a county takes them
        ("city", CITY, Actor("inspector-zy", "inspector", CITY)),  # the bureau decides
        ("city", CITY, Actor("minle", "regulator", "620722")),  # a county's regulator
    ],
)
def test_only_the_regulators_of_a_city_or_province_deployment_announce(level, region, actor):
    with pytest.raises(Forbidden):
        announce(level=level, region=region, actor=actor)


@pytest.mark.parametrize(
    "wrong,field",
    [
        ({"title": "dust campaign"}, "title"),
        ({"ends_on": TODAY - timedelta(days=1), "starts_on": TODAY}, "ends_on"),
        (
            {"starts_on": TODAY - timedelta(days=30), "ends_on": TODAY - timedelta(days=1)},
            "ends_on",
        ),
        ({"focus_items": ["GEN-NOT-01"]}, "focus_items"),
        ({"theme": "fireworks"}, "theme"),
    ],
)
def test_a_campaign_sent_wrong_is_refused_by_field(wrong, field):
    with pytest.raises(InvalidInput) as refused:
        announce(body(**wrong))
    assert field in refused.value.errors


def opened_under(campaign, **fields):
    inspection, _ = inspections.open_inspection(
        {
            "mode": "special_campaign",
            "place": "粉碎车间",
            "content": "粉尘涉爆专项检查",
            "inspectors": [SECOND_OFFICER],
            "campaign_id": campaign and campaign["_id"],
            **fields,
        },
        ENTERPRISE,
        None,
        INSPECTOR,
        NOW,
        TODAY,
        campaign=campaign,
    )
    return inspection


def test_an_inspection_under_a_campaign_takes_its_theme_and_names_it_on_completion():
    campaign, _ = announce()
    inspection = opened_under(campaign)
    assert (inspection["campaign_id"], inspection["theme"]) == (campaign["_id"], "dust_explosion")
    _, [completed] = inspections.complete_inspection(
        inspection, {"handling": "未发现问题", "signature": "王伟"}, INSPECTOR, NOW
    )
    inspected = campaigns.inspected_under(completed)
    assert inspected["_id"] == f"{campaign['_id']}:{ENTERPRISE['uscc']}"
    assert inspected["region_code"] == ENTERPRISE["region_code"]


@pytest.mark.parametrize(
    "change,fields,field",
    [
        ({}, {"mode": "routine"}, "campaign_id"),
        ({"starts_on": (TODAY + timedelta(days=1)).isoformat()}, {}, "campaign_id"),
        ({"ends_on": (TODAY - timedelta(days=1)).isoformat()}, {}, "campaign_id"),
        ({"region_code": "620100"}, {}, "campaign_id"),  # another city's
        ({}, {"theme": "confined_space"}, "theme"),
    ],
)
def test_an_inspection_names_only_a_campaign_in_force_that_covers_its_enterprise(
    change, fields, field
):
    campaign, _ = announce()
    with pytest.raises(InvalidInput) as refused:
        opened_under({**campaign, **change}, **fields)
    assert field in refused.value.errors


def test_an_unknown_campaign_is_refused():
    with pytest.raises(InvalidInput) as refused:
        opened_under(None, campaign_id="0" * 32)
    assert "campaign_id" in refused.value.errors


def test_an_inspection_without_a_campaign_counts_for_none():
    _, [completed] = inspections.complete_inspection(
        visit("routine"), {"handling": "未发现问题", "signature": "王伟"}, INSPECTOR, NOW
    )
    assert campaigns.inspected_under(completed) is None


def test_a_campaign_concerns_the_bureaus_it_covers_and_those_above_them():
    campaign, _ = announce()
    for scope in ("620722", CITY, "620000", "000000"):
        assert campaigns.concerns(campaign, Actor("u", "regulator", scope)), scope
    assert not campaigns.concerns(campaign, Actor("u", "regulator", "620102"))
    assert campaigns.in_force(campaign, TODAY)
    assert not campaigns.in_force(campaign, TODAY + timedelta(days=61))


def test_progress_is_the_enterprises_inspected_in_total_and_per_county():
    campaign, _ = announce()
    progress = campaigns.with_progress(campaign, {"620722": 3, "620702": 1})["progress"]
    assert progress == {
        "enterprises": 4,
        "by_county": [
            {"region": "620702", "enterprises": 1},
            {"region": "620722", "enterprises": 3},
        ],
    }
