"""Hazard catalogue: the 应急管理部令第10号 items as dated rules, who they apply to, and how hazards
are graded."""

import json
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inspection.domain import catalogue
from services.kit.pure.errors import InvalidInput
from services.kit.pure.rules import RulesError, RuleSet
from services.kit.pure.vocabulary import INDUSTRIES, RISK_FEATURES
from services.kit.rules import _declared_files, load_rules

RULES = load_rules("inspection", checks=catalogue.RULE_CHECKS)
IN_FORCE = date(2026, 11, 2)
CATALOGUE = catalogue.in_force(RULES, IN_FORCE)
ITEMS = CATALOGUE.items
ITEM_ID = re.compile(r"MEM10-(\d+)-(\d+)")
INDUSTRY_ARTICLES = {
    4: "metallurgy",
    5: "nonferrous",
    6: "building_materials",
    7: "machinery",
    8: "light_industry",
    9: "textile",
    10: "tobacco",
}
RISK_ARTICLES = {11: "dust_explosion", 12: "ammonia_refrigeration", 13: "confined_space"}
# Items per article as published (Art. 3 management 3, Arts. 4–10 industries 47, Arts. 11–13 14).
PUBLISHED_COUNTS = {3: 3, 4: 8, 5: 13, 6: 8, 7: 7, 8: 7, 9: 2, 10: 2, 11: 10, 12: 2, 13: 2}


def articles(items):
    return {item.article for item in items}


def of_article(article):
    return [item for item in ITEMS if item.article == article]


def test_the_catalogue_holds_all_64_items_of_order_10_numbered_as_published():
    assert len(ITEMS) == 64
    for article, count in PUBLISHED_COUNTS.items():
        assert [item.item for item in of_article(article)] == list(range(1, count + 1)), article


def test_item_ids_spell_article_and_item_and_texts_lose_their_closing_punctuation():
    ids = [item.id for item in ITEMS]
    assert len(ids) == len(set(ids))
    for item in ITEMS:
        match = ITEM_ID.fullmatch(item.id)
        assert match and (int(match[1]), int(match[2])) == (item.article, item.item)
        assert item.rule.effective_from == date(2023, 5, 15)
        assert not item.text.endswith(("；", "。"))


def test_scope_and_industry_follow_the_article():
    for item in ITEMS:
        if item.article == 3:
            assert (item.scope, item.industry) == ("general", None)
        elif item.article in INDUSTRY_ARTICLES:
            assert (item.scope, item.industry) == ("industry", INDUSTRY_ARTICLES[item.article])
        else:
            assert (item.scope, item.industry) == (RISK_ARTICLES[item.article], None)


def test_every_item_cites_its_article_and_says_what_its_text_was_checked_against():
    for item in ITEMS:
        entry = item.to_dict()
        assert entry["source"].startswith("工贸企业重大事故隐患判定标准")
        assert entry["checked_against"] in ("official", "reprint", "unverified")
        assert "verified" not in entry
        if entry["checked_against"] == "unverified":
            assert entry["note"], f"{item.id} says why its text is unverified"


def test_article_3_item_3_applies_only_to_metal_smelting():
    """Art. 3(三): the principal and safety manager of a metal-smelting enterprise not assessed."""
    [smelting_managers] = [item for item in of_article(3) if item.item == 3]
    assert "金属冶炼企业主要负责人" in smelting_managers.text
    assert smelting_managers not in CATALOGUE.applicable("machinery", [])
    assert smelting_managers in CATALOGUE.applicable("machinery", ["metal_smelting"])


def test_article_13_applies_only_to_confined_spaces():
    """Art. 13: only enterprises with confined spaces (where toxic gas such as H2S or CO may
    gather, a condition the item states)."""
    assert 13 not in articles(CATALOGUE.applicable("machinery", ["dust_explosion"]))
    assert 13 in articles(CATALOGUE.applicable("machinery", ["confined_space"]))


def test_light_industry_textile_and_tobacco_have_their_articles():
    for industry, article in (("light_industry", 8), ("textile", 9), ("tobacco", 10)):
        assert article in articles(CATALOGUE.applicable(industry, []))


def test_commerce_has_no_article_of_its_own():
    assert articles(CATALOGUE.applicable("commerce", [])) == {3}
    assert articles(CATALOGUE.applicable("commerce", ["ammonia_refrigeration"])) == {3, 12}


@given(st.sampled_from(INDUSTRIES), st.sets(st.sampled_from(RISK_FEATURES)))
def test_applicable_is_general_plus_own_industry_plus_carried_features(industry, features):
    found = CATALOGUE.applicable(industry, features)
    expected = [
        item
        for item in ITEMS
        if (item.scope == "general" or item.industry == industry or item.scope in features)
        and set(item.risk_features) <= features
    ]
    assert found == expected


def test_nothing_applies_before_the_standard_took_effect():
    assert catalogue.in_force(RULES, date(2023, 5, 15)).items == ITEMS
    with pytest.raises(LookupError):
        catalogue.in_force(RULES, date(2023, 5, 14))


def test_unknown_industry_or_feature_is_refused():
    with pytest.raises(InvalidInput) as refused:
        CATALOGUE.applicable("mining", [])
    assert refused.value.errors == {"industry": ["unknown industry"]}
    with pytest.raises(InvalidInput) as refused:
        CATALOGUE.checklist("machinery", ["asbestos"])
    assert refused.value.errors == {"risk_features": ["asbestos"]}


def test_checklist_is_plain_data_naming_the_rule_behind_each_entry():
    checklist = CATALOGUE.checklist("machinery", ["dust_explosion"])
    assert [item["id"] for item in checklist["major_hazard_items"]] == [
        item.id for item in CATALOGUE.applicable("machinery", ["dust_explosion"])
    ]
    first = checklist["major_hazard_items"][0]
    assert first["rule"] == {"id": "inspection.major_hazard.art3_item2", "version": 1}
    assert {check["scope"] for check in checklist["general_checks"]} == {
        "general",
        "dust_explosion",
    }
    json.dumps(checklist)


def test_industry_and_feature_checks_reach_only_their_enterprises():
    def check_ids(industry, features):
        return {check["id"] for check in CATALOGUE.checklist(industry, features)["general_checks"]}

    assert "GEN-GAS-01" in check_ids("metallurgy", [])
    assert "GEN-GAS-01" not in check_ids("machinery", [])
    assert {"GEN-CONF-01", "GEN-CONF-02"} <= check_ids("light_industry", ["confined_space"])
    assert "GEN-MAINT-01" in check_ids("textile", ["maintenance_work"])
    assert not {"GEN-CONF-01", "GEN-MAINT-01", "GEN-DUST-01"} & check_ids("textile", [])


def test_a_catalogue_item_grades_major_and_names_its_rule():
    assert CATALOGUE.grade_for("MEM10-11-3") == "major"
    assert CATALOGUE.rule_of("MEM10-11-3") == {
        "id": "inspection.major_hazard.art11_item3",
        "version": 1,
    }
    assert CATALOGUE.rule_of(None) is None


def test_anything_else_grades_general():
    assert CATALOGUE.grade_for() == "general"


def test_a_failed_device_is_major_only_under_an_item_that_names_the_device():
    """令第10号 Art. 14: a failed monitoring, alarm or protection device named in an item is
    major; a bare flag, or an item naming no device, is refused."""
    [device_item] = [item for item in ITEMS if item.names_device][:1]
    assert CATALOGUE.grade_for(device_item.id, failed_device=True) == "major"
    with pytest.raises(InvalidInput) as refused:
        CATALOGUE.grade_for(failed_device=True)
    assert refused.value.errors == {"catalogue_item": ["required"]}
    [plain_item] = [item for item in ITEMS if not item.names_device][:1]
    with pytest.raises(InvalidInput) as refused:
        CATALOGUE.grade_for(plain_item.id, failed_device=True)
    assert refused.value.errors == {"failed_device": ["not for this item"]}


def test_items_naming_an_alarm_or_interlock_are_open_to_the_failed_device_rule():
    for item in ITEMS:
        if "报警装置" in item.text or "联锁" in item.text:
            assert item.names_device, item.id
    assert not any(item.names_device for item in of_article(3))


def test_an_unknown_item_is_refused_even_with_a_failed_device():
    for failed_device in (False, True):
        with pytest.raises(InvalidInput) as refused:
            CATALOGUE.grade_for("MEM10-99-1", failed_device=failed_device)
        assert refused.value.errors == {"catalogue_item": ["unknown item"]}


def test_the_catalogue_answer_carries_article_14_and_article_2s_exclusions():
    data = CATALOGUE.to_dict()
    assert "失效或者无效均判定为重大事故隐患" in data["failed_device_rule"]["text"]
    assert data["failed_device_rule"]["source"].endswith("第十四条")
    regimes = {regime["key"] for regime in data["exclusions"]["excluded_regimes"]}
    assert {"hazardous_chemicals", "fire", "gas", "special_equipment"} <= regimes


def deployed(text):
    return RuleSet.from_files(
        _declared_files("inspection"), [("local.yaml", text)], catalogue.RULE_CHECKS
    )


def test_a_deployment_adds_its_own_check_without_a_code_change():
    rules = deployed("""
rules:
  - id: inspection.general_check.local_qr_01
    version: 1
    value: {code: LOCAL-QR-01, topic: 先扫码、后作业, text: 有限空间入口张贴作业二维码,
            scope: confined_space}
    source: {document: 民乐县有限空间作业管理办法}
    effective_from: 2024-03-01
    checked_against: official
""")
    local = catalogue.in_force(rules, IN_FORCE)
    assert "LOCAL-QR-01" in {
        c["id"] for c in local.checklist("textile", ["confined_space"])["general_checks"]
    }
    assert "LOCAL-QR-01" not in {c["id"] for c in local.checklist("textile", [])["general_checks"]}


def test_an_item_with_a_scope_outside_the_vocabulary_stops_the_service():
    with pytest.raises(
        RulesError,
        match="local.yaml:3: rule inspection.major_hazard.art4_item1: "
        "an industry entry names one of",
    ):
        deployed("""
overrides:
  - id: inspection.major_hazard.art4_item1
    version: 2
    value: {article: 4, item: 1, scope: industry, industry: mining, names_device: false,
            text: 本地修订}
    source: {document: 本地}
    effective_from: 2025-01-01
    checked_against: official
""")
