"""The monitoring rules as data: every kind of point sourced and dated, none claiming an official
check (there is no national table of thresholds), a deployment overriding them without a code
change, and an override of the wrong shape stopping the service."""

import pytest

from services.kit.pure.rules import RulesError
from services.kit.rules import load_rules
from services.monitoring.domain import policy
from tests.unit.monitoring.support import POLICY, RULES

INVERTED = """
overrides:
- id: monitoring.kind.nh3_concentration
  version: 2
  value:
    kind: nh3_concentration
    name: 氨气浓度
    risk_feature: ammonia_refrigeration
    unit: ppm
    normal: [0, 25]
    thresholds: {high: 150, high_high: 100, low: null, low_low: null}
    hold_seconds: 10
    valid: [0, 10000]
  source: {document: 某市规定}
  effective_from: '2025-01-01'
  checked_against: unverified
"""
SHORTER = """
overrides:
- id: monitoring.alarm.limits
  version: 2
  value: {acknowledge_seconds: 600, hazard_seconds: 7200, repeats: 5,
          repeat_window_seconds: 86400, rectification_days: 3}
  source: {document: 某县监测预警平台管理办法}
  effective_from: '2026-01-01'
  checked_against: unverified
"""


def deployment(tmp_path, text):
    (tmp_path / "monitoring").mkdir()
    (tmp_path / "monitoring" / "local.yaml").write_text(text, encoding="utf-8")
    return load_rules("monitoring", str(tmp_path), policy.RULE_CHECKS)


def test_every_kind_of_the_three_risk_features_is_sourced_and_marked_unverified():
    features = {kind.risk_feature for kind in POLICY.kinds.values()}
    assert {"dust_explosion", "metal_smelting", "ammonia_refrigeration"} <= features
    for rule in RULES.in_force(policy.KINDS, POLICY.on):
        assert rule.source.document and rule.checked_against == "unverified"


def test_a_deployment_shortens_the_alarm_limits_without_a_code_change(tmp_path):
    limits = policy.policy_on(deployment(tmp_path, SHORTER), POLICY.on).alarms
    assert limits.acknowledge.total_seconds() == 600 and limits.repeats == 5
    assert POLICY.alarms.acknowledge.total_seconds() == 1800


def test_a_kind_with_high_high_below_high_stops_the_service(tmp_path):
    with pytest.raises(RulesError, match="high_high must not be below high"):
        deployment(tmp_path, INVERTED)
