"""Rules as dated, sourced data: the rule in force on the fact's date applies, a deployment's
override wins from its own date on, and a wrong file is refused with its file, line and rule."""

from datetime import date

import pytest

from services.kit.pure.rules import RulesError, RuleSet, checked

INTERVAL = """
rules:
  - id: demo.escalation.interval_days
    version: 1
    value: 7
    source: {document: 某县实施方案, article: "三(二)"}
    effective_from: 2024-01-01
    effective_to: 2024-12-31
    checked_against: unverified
  - id: demo.escalation.interval_days
    version: 2
    value: 5
    source: {document: 某县实施方案（修订）}
    effective_from: 2025-01-01
    checked_against: reprint
"""


def rule_set(declared=INTERVAL, overrides=(), checks=None):
    return RuleSet.from_files(
        [("demo.yaml", declared)],
        [(f"local-{n}.yaml", text) for n, text in enumerate(overrides)],
        checks,
    )


def test_the_rule_in_force_on_the_date_of_the_fact_applies_not_todays():
    rules = rule_set()
    assert rules.value("demo.escalation.interval_days", date(2024, 6, 1)) == 7
    assert rules.value("demo.escalation.interval_days", date(2025, 6, 1)) == 5
    assert rules.rule("demo.escalation.interval_days", date(2025, 6, 1)).reference() == {
        "id": "demo.escalation.interval_days",
        "version": 2,
    }


def test_no_version_in_force_before_the_first_effective_date():
    with pytest.raises(LookupError, match="2023-12-31"):
        rule_set().value("demo.escalation.interval_days", date(2023, 12, 31))


def test_a_deployment_override_applies_from_its_own_date_and_is_marked_local():
    override = """
overrides:
  - id: demo.escalation.interval_days
    version: 3
    value: 3
    source: {document: 民乐县应急管理局通知}
    effective_from: 2025-03-01
    checked_against: official
"""
    rules = rule_set(overrides=[override])
    assert rules.value("demo.escalation.interval_days", date(2025, 2, 28)) == 5
    chosen = rules.rule("demo.escalation.interval_days", date(2025, 3, 1))
    assert (chosen.value, chosen.local) == (3, True)
    assert rules.describe()["local"] == 1
    assert rules.fingerprint != rule_set().fingerprint


def test_a_deployment_may_add_local_rules_but_not_redeclare_an_existing_one():
    local = INTERVAL.replace("demo.escalation.interval_days", "demo.local.patrol_days")
    assert rule_set(overrides=[local]).value("demo.local.patrol_days", date(2025, 1, 2)) == 5
    with pytest.raises(RulesError, match="exists already"):
        rule_set(overrides=[INTERVAL])


def test_a_catalogue_is_every_rule_under_a_prefix_in_force_on_the_day():
    items = """
rules:
  - {id: demo.catalogue.item_1, version: 1, value: {text: 一}, source: 令第10号,
     effective_from: 2023-05-15, checked_against: reprint}
  - {id: demo.catalogue.item_2, version: 1, value: {text: 二}, source: 令第10号,
     effective_from: 2023-05-15, effective_to: 2024-12-31, checked_against: reprint}
"""
    rules = rule_set(items)
    assert [rule.id for rule in rules.in_force("demo.catalogue.", date(2024, 1, 1))] == [
        "demo.catalogue.item_1",
        "demo.catalogue.item_2",
    ]
    assert [rule.value for rule in rules.in_force("demo.catalogue.", date(2025, 1, 1))] == [
        {"text": "一"}
    ]


BROKEN = [
    (
        "unknown field",
        INTERVAL.replace("    version: 2", "    verified: true\n    version: 2"),
        r"demo.yaml:10: rule demo.escalation.interval_days: unknown field\(s\) verified",
    ),
    (
        "missing source",
        INTERVAL.replace("    source: {document: 某县实施方案（修订）}\n", ""),
        r"demo.yaml:10: rule demo.escalation.interval_days: missing source",
    ),
    (
        "empty source",
        INTERVAL.replace("{document: 某县实施方案（修订）}", "{article: 三}"),
        r"demo.yaml:10: .*source must name at least the document",
    ),
    (
        "malformed date",
        INTERVAL.replace("2025-01-01", "2025-13-01"),
        r"demo.yaml:10: .*effective_from '2025-13-01' is not a date",
    ),
    (
        "overlap",
        INTERVAL.replace("effective_from: 2025-01-01", "effective_from: 2024-12-01"),
        r"demo.yaml:10: .*overlaps the one declared at demo.yaml:3",
    ),
    (
        "end before start",
        INTERVAL.replace("effective_to: 2024-12-31", "effective_to: 2023-01-01"),
        r"demo.yaml:3: .*effective_to is before effective_from",
    ),
    (
        "unknown check",
        INTERVAL.replace("checked_against: reprint", "checked_against: yes"),
        r"demo.yaml:10: .*checked_against must be one of",
    ),
    ("not yaml", "rules: [", r"demo.yaml:1: not valid YAML"),
    ("unknown top level", "rule: []\n", r"demo.yaml:1: unknown top-level field\(s\) rule"),
    (
        "bad version",
        INTERVAL.replace("version: 2", "version: two"),
        r"demo.yaml:10: .*version must be a whole number",
    ),
]


@pytest.mark.parametrize(
    "declared, message",
    [(text, message) for _, text, message in BROKEN],
    ids=[name for name, _, _ in BROKEN],
)
def test_a_broken_rules_file_is_refused_naming_file_line_and_rule(declared, message):
    with pytest.raises(RulesError, match=message):
        rule_set(declared)


def test_an_override_of_a_rule_that_does_not_exist_is_refused():
    override = """
overrides:
  - {id: demo.escalation.interval_dayz, version: 1, value: 3, source: 通知,
     effective_from: 2025-03-01, checked_against: official}
"""
    with pytest.raises(
        RulesError,
        match="local-0.yaml:3: rule demo.escalation.interval_dayz: "
        "overrides a rule that does not exist",
    ):
        rule_set(overrides=[override])


def test_overrides_belong_to_the_deployment_not_the_declared_files():
    with pytest.raises(RulesError, match="only a deployment's rules directory may override"):
        rule_set(
            "overrides:\n  - {id: demo.a.b, version: 1, value: 1, source: x,"
            " effective_from: 2024-01-01, checked_against: official}\n"
        )


def test_a_value_of_the_wrong_shape_is_refused_by_the_services_check():
    checks = {
        "demo.escalation.": checked(
            lambda days: isinstance(days, int) and days > 0, "must be a positive number of days"
        )
    }
    assert rule_set(checks=checks)
    with pytest.raises(
        RulesError,
        match="demo.yaml:10: rule demo.escalation.interval_days: must be a positive number of days",
    ):
        rule_set(INTERVAL.replace("value: 5", "value: -5"), checks=checks)


def published_file(value, rule="demo.escalation.interval_days", since="2025-06-01"):
    return f"""
overrides:
  - id: {rule}
    version: 9
    value: {value}
    source: {{document: 上级局印发的实施方案}}
    effective_from: {since}
    checked_against: unverified
"""


def tiered(published, overrides=()):
    return RuleSet.from_files(
        [("demo.yaml", INTERVAL)],
        [(f"local-{n}.yaml", text) for n, text in enumerate(overrides)],
        published=[(region, [(f"{region}.yaml", text)]) for region, text in published],
    )


def test_the_bureaus_above_override_the_shipped_rules_and_the_deployment_overrides_them():
    day = date(2025, 7, 1)
    province, city = ("620000", published_file(4)), ("620700", published_file(3))
    assert tiered([province]).value("demo.escalation.interval_days", day) == 4
    # The nearer bureau's file is laid over the farther's.
    assert tiered([province, city]).value("demo.escalation.interval_days", day) == 3
    rules = tiered([province, city], [published_file(2)])
    assert rules.value("demo.escalation.interval_days", day) == 2
    # Before its own date an override gives way to the tier below.
    assert rules.value("demo.escalation.interval_days", date(2025, 3, 1)) == 5


def test_each_rule_says_which_bureau_above_published_it():
    rules = tiered([("620700", published_file(3))])
    described = {
        (rule["version"], rule["published_by"], rule["local"]) for rule in rules.describe()["rules"]
    }
    assert described == {(1, None, False), (2, None, False), (9, "620700", False)}
    assert rules.describe()["published"] == 1
    assert rules.fingerprint != tiered([]).fingerprint


def test_a_rule_a_bureau_above_adds_may_be_overridden_by_the_deployment():
    added = """
rules:
  - id: demo.campaign.checks
    version: 1
    value: [dust]
    source: {document: 市局专项整治方案}
    effective_from: 2025-01-01
    checked_against: unverified
"""
    own = published_file("[dust, sweeping]", rule="demo.campaign.checks", since="2025-02-01")
    rules = tiered([("620700", added)], [own])
    assert rules.value("demo.campaign.checks", date(2025, 3, 1)) == ["dust", "sweeping"]
    assert rules.value("demo.campaign.checks", date(2025, 1, 15)) == ["dust"]


def test_a_broken_published_file_is_refused_naming_file_line_and_rule():
    with pytest.raises(RulesError, match=r"^620700.yaml:3: rule demo.escalation.interval_days:"):
        tiered([("620700", published_file("7\n    colour: red"))])
    with pytest.raises(RulesError, match="overrides a rule that does not exist"):
        tiered([("620700", published_file(3, rule="demo.unknown.rule"))])
