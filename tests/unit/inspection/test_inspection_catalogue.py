"""Hazard catalogue: the seeded 应急管理部令第10号 items, who they apply to, and how hazards are graded."""
import json
import re
from datetime import date

import pytest
from hypothesis import given, strategies as st

from services.inspection.domain import catalogue
from services.inspection.domain.catalogue import (
    FAILED_DEVICE_RULE, MAJOR_HAZARD_ITEMS, Catalogue, CatalogueItem, ChecklistEntry)
from services.kit.pure.errors import InvalidInput
from services.kit.pure.vocabulary import INDUSTRIES, RISK_FEATURES

CATALOGUE = Catalogue()
ITEM_ID = re.compile(r"MEM10-(\d+)-(\d+)")
INDUSTRY_ARTICLES = {4: "metallurgy", 5: "nonferrous", 6: "building_materials", 7: "machinery",
                     8: "light_industry", 9: "textile", 10: "tobacco"}
RISK_ARTICLES = {11: "dust_explosion", 12: "ammonia_refrigeration", 13: "confined_space"}


def articles(items):
    return {item.article for item in items}


def of_article(article):
    return [item for item in MAJOR_HAZARD_ITEMS if item.article == article]


def test_item_ids_are_unique_and_spell_article_and_item():
    ids = [item.id for item in MAJOR_HAZARD_ITEMS]
    assert len(ids) == len(set(ids))
    for item in MAJOR_HAZARD_ITEMS:
        match = ITEM_ID.fullmatch(item.id)
        assert match, item.id
        assert (int(match[1]), int(match[2])) == (item.article, item.item)
        assert item.standard == "应急管理部令第10号"
        assert item.effective_on == date(2023, 5, 15)
        assert item.text and not item.text.endswith(("；", "。"))


def test_scope_and_industry_follow_the_article():
    for item in MAJOR_HAZARD_ITEMS:
        if item.article == 3:
            assert (item.scope, item.industry) == ("general", None)
        elif item.article in INDUSTRY_ARTICLES:
            assert (item.scope, item.industry) == ("industry", INDUSTRY_ARTICLES[item.article])
        else:
            assert (item.scope, item.industry) == (RISK_ARTICLES[item.article], None)


def test_articles_3_11_12_13_are_complete_and_numbered_from_one():
    for article, count in {3: 3, 11: 10, 12: 2, 13: 2}.items():
        assert [item.item for item in of_article(article)] == list(range(1, count + 1))


def test_article_3_covers_contractors_special_operators_and_smelting_managers():
    texts = [item.text for item in of_article(3)]
    assert "承包单位、承租单位" in texts[0]
    assert "特种作业人员" in texts[1]
    assert "金属冶炼企业主要负责人" in texts[2]


def test_a_verified_item_names_its_source_and_an_unverified_one_says_unconfirmed():
    for item in MAJOR_HAZARD_ITEMS:
        assert isinstance(item.verified, bool)
        if item.verified:
            assert item.source and item.source != catalogue.UNCONFIRMED, item.id
        else:
            assert item.source == catalogue.UNCONFIRMED, item.id


def test_texts_only_partly_published_in_the_copies_found_stay_unverified():
    for item_id in ("MEM10-4-4", "MEM10-11-9", "MEM10-11-10", "MEM10-13-2"):
        assert CATALOGUE.item(item_id).verified is False


def test_items_naming_an_alarm_or_interlock_are_open_to_the_failed_device_rule():
    for item in MAJOR_HAZARD_ITEMS:
        if "报警装置" in item.text or "联锁" in item.text:
            assert item.names_device, item.id
    assert not any(item.names_device for item in of_article(3))


def test_dust_explosion_machinery_plant_gets_general_machinery_and_dust_items():
    found = CATALOGUE.applicable("machinery", ["dust_explosion"])
    assert articles(found) == {3, 7, 11}
    assert [item for item in found if item.article == 11] == of_article(11)
    assert all(item.industry in (None, "machinery") for item in found)


def test_confined_space_items_only_with_the_confined_space_feature():
    assert 13 not in articles(CATALOGUE.applicable("machinery", ["dust_explosion"]))
    both = CATALOGUE.applicable("machinery", ["dust_explosion", "confined_space"])
    assert articles(both) == {3, 7, 11, 13}


def test_commerce_has_no_article_of_its_own():
    assert articles(CATALOGUE.applicable("commerce", [])) == {3}
    assert articles(CATALOGUE.applicable("commerce", ["ammonia_refrigeration"])) == {3, 12}


def test_features_without_an_article_add_no_major_items():
    plain = CATALOGUE.applicable("textile", [])
    assert CATALOGUE.applicable("textile", ["metal_smelting", "maintenance_work"]) == plain


@given(st.sampled_from(INDUSTRIES), st.sets(st.sampled_from(RISK_FEATURES)))
def test_applicable_is_general_plus_own_industry_plus_carried_features(industry, features):
    found = CATALOGUE.applicable(industry, features)
    expected = [item for item in MAJOR_HAZARD_ITEMS
                if item.scope == "general" or item.industry == industry or item.scope in features]
    assert found == expected


def test_nothing_applies_before_the_standard_took_effect():
    assert CATALOGUE.applicable("metallurgy", RISK_FEATURES, on=date(2023, 5, 14)) == []
    on_the_day = CATALOGUE.applicable("metallurgy", RISK_FEATURES, on=date(2023, 5, 15))
    assert on_the_day == CATALOGUE.applicable("metallurgy", RISK_FEATURES)


def test_unknown_industry_or_feature_is_refused():
    with pytest.raises(InvalidInput) as refused:
        CATALOGUE.applicable("mining", [])
    assert refused.value.errors == {"industry": ["unknown industry"]}
    with pytest.raises(InvalidInput) as refused:
        CATALOGUE.checklist("machinery", ["asbestos"])
    assert refused.value.errors == {"risk_features": ["asbestos"]}


def test_checklist_is_plain_data_filtered_like_the_items():
    checklist = CATALOGUE.checklist("machinery", ["dust_explosion"])
    assert [item["id"] for item in checklist["major_hazard_items"]] == [
        item.id for item in CATALOGUE.applicable("machinery", ["dust_explosion"])]
    assert all(item["effective_on"] == "2023-05-15" for item in checklist["major_hazard_items"])
    scopes = {check["scope"] for check in checklist["general_checks"]}
    assert scopes == {"general", "dust_explosion"}
    json.dumps(checklist)


def test_industry_and_feature_checks_reach_only_their_enterprises():
    def check_ids(industry, features):
        return {check["id"] for check in CATALOGUE.checklist(industry, features)["general_checks"]}

    assert "GEN-GAS-01" in check_ids("metallurgy", [])
    assert "GEN-GAS-01" not in check_ids("machinery", [])
    assert {"GEN-CONF-01", "GEN-CONF-02"} <= check_ids("light_industry", ["confined_space"])
    assert "GEN-MAINT-01" in check_ids("textile", ["maintenance_work"])
    assert not {"GEN-CONF-01", "GEN-MAINT-01", "GEN-DUST-01"} & check_ids("textile", [])


def test_default_checklist_is_a_sizeable_set_of_unique_entries():
    ids = [check.id for check in catalogue.GENERAL_CHECKS]
    assert 15 <= len(ids) <= 25
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"GEN-[A-Z0-9]+-\d{2}", check_id) for check_id in ids)


def test_a_catalogue_item_grades_major():
    assert CATALOGUE.grade_for("MEM10-11-3") == "major"
    assert CATALOGUE.grade_for("MEM10-3-2", failed_device=False) == "major"


def test_a_failed_device_grades_major_under_article_14():
    assert CATALOGUE.grade_for(failed_device=True) == "major"


def test_anything_else_grades_general():
    assert CATALOGUE.grade_for() == "general"


def test_an_unknown_item_is_refused_even_with_a_failed_device():
    for failed_device in (False, True):
        with pytest.raises(InvalidInput) as refused:
            CATALOGUE.grade_for("MEM10-99-1", failed_device=failed_device)
        assert refused.value.errors == {"catalogue_item": ["unknown item"]}


def test_to_dict_carries_iso_dates_flags_and_the_failed_device_rule():
    data = CATALOGUE.to_dict()
    assert all(isinstance(item["effective_on"], str) for item in data["major_hazard_items"])
    assert all(isinstance(item["verified"], bool) for item in data["major_hazard_items"])
    rule = data["failed_device_rule"]
    assert rule["article"] == 14
    assert "失效或者无效均判定为重大事故隐患" in rule["text"]
    assert isinstance(rule["verified"], bool)
    assert rule == FAILED_DEVICE_RULE


def test_from_dict_round_trips_through_json():
    data = json.loads(json.dumps(CATALOGUE.to_dict(), ensure_ascii=False))
    restored = Catalogue.from_dict(data)
    assert restored.items == CATALOGUE.items
    assert restored.checks == CATALOGUE.checks
    assert restored.to_dict() == CATALOGUE.to_dict()


def test_a_deployment_brings_its_own_checklist():
    local = {"major_hazard_items": [item.to_dict() for item in MAJOR_HAZARD_ITEMS],
             "general_checks": [{"id": "LOCAL-QR-01", "topic": "先扫码、后作业",
                                 "text": "有限空间入口张贴作业二维码", "scope": "confined_space",
                                 "industry": None}]}
    deployed = Catalogue.from_dict(local)
    assert deployed.checklist("textile", [])["general_checks"] == []
    assert deployed.checklist("textile", ["confined_space"])["general_checks"] == [
        local["general_checks"][0]]


def test_inconsistent_catalogues_are_refused():
    item = MAJOR_HAZARD_ITEMS[0]
    unscoped = CatalogueItem(**{**item.to_dict(), "id": "LOCAL-1", "scope": "industry",
                                "effective_on": item.effective_on})
    bragging = CatalogueItem(**{**item.to_dict(), "id": "LOCAL-2", "source": "unconfirmed",
                                "effective_on": item.effective_on})
    for items in ([item, item], [unscoped], [bragging]):
        with pytest.raises(InvalidInput) as refused:
            Catalogue(items, ())
        assert list(refused.value.errors) == ["major_hazard_items"]
    with pytest.raises(InvalidInput):
        Catalogue((), [ChecklistEntry("X-1", "topic", "text", "general", "machinery")])


def test_malformed_json_is_refused_as_invalid_input():
    for data in ({}, {"major_hazard_items": [{"id": "x"}], "general_checks": []},
                 {"major_hazard_items": [{**MAJOR_HAZARD_ITEMS[0].to_dict(),
                                          "effective_on": "15/05/2023"}], "general_checks": []}):
        with pytest.raises(InvalidInput) as refused:
            Catalogue.from_dict(data)
        assert refused.value.errors == {"catalogue": ["malformed"]}
