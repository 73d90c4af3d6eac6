"""A deployment's own rules change what the platform does without a code change, and a wrong
rules file stops the service before it takes any request."""

import dataclasses

import pytest

from tests.support.waiting import wait_until
from tools.isolated import Components

LOCAL_CHECK = """
rules:
  - id: inspection.general_check.local_qr_01
    version: 1
    title: 先扫码、后作业
    value: {code: LOCAL-QR-01, topic: 先扫码、后作业, text: 有限空间入口张贴作业二维码并扫码登记,
            scope: confined_space}
    source: {document: 民乐县工贸企业有限空间作业管理办法, article: 第五条}
    effective_from: 2024-03-01
    checked_against: official
overrides:
  - id: inspection.general_check.gen_duty_01
    version: 2
    value: {code: GEN-DUTY-01, topic: 安全生产责任制, text: 全员安全生产责任制每年考核一次,
            scope: general}
    source: {document: 民乐县应急管理局关于全员安全生产责任制考核的通知}
    effective_from: 2024-01-01
    checked_against: official
"""


def write_rules(folder, text):
    (folder / "inspection").mkdir(parents=True)
    (folder / "inspection" / "local.yaml").write_text(text, encoding="utf-8")
    return str(folder)


@pytest.fixture
def local_rules(platform, tmp_path):
    """The session's inspection service restarted on a deployment's rules directory."""
    platform.restart("inspection", rules_dir=write_rules(tmp_path, LOCAL_CHECK))
    try:
        yield
    finally:
        platform.restart("inspection")


def checks(api):
    return {check["id"]: check
            for check in api.get("/api/v1/hazard-catalogue").json()["general_checks"]}


def test_a_deployment_adds_and_overrides_checklist_rules_without_a_code_change(
        sign_in, local_rules):
    found = checks(sign_in("minle"))
    assert found["LOCAL-QR-01"]["source"] == "民乐县工贸企业有限空间作业管理办法 第五条"
    assert found["LOCAL-QR-01"]["checked_against"] == "official"
    assert found["GEN-DUTY-01"]["text"] == "全员安全生产责任制每年考核一次"
    assert found["GEN-DUTY-01"]["rule"] == {"id": "inspection.general_check.gen_duty_01",
                                            "version": 2}


def test_without_the_deployment_files_the_declared_rules_apply(sign_in, platform):
    found = checks(sign_in("minle"))
    assert "LOCAL-QR-01" not in found
    assert found["GEN-DUTY-01"]["rule"]["version"] == 1


BROKEN = [
    ("an override of a rule that does not exist",
     LOCAL_CHECK.replace("id: inspection.general_check.gen_duty_01",
                         "id: inspection.general_check.gen_duty_99"),
     "local.yaml:12: rule inspection.general_check.gen_duty_99: overrides a rule that does "
     "not exist"),
    ("a missing source", LOCAL_CHECK.replace(
        "    source: {document: 民乐县工贸企业有限空间作业管理办法, article: 第五条}\n", ""),
     "local.yaml:3: rule inspection.general_check.local_qr_01: missing source"),
    ("a malformed date", LOCAL_CHECK.replace("2024-03-01", "2024-02-30"),
     "effective_from '2024-02-30' is not a date"),
]


@pytest.mark.parametrize("text, message", [(text, message) for _, text, message in BROKEN],
                         ids=[name for name, _, _ in BROKEN])
def test_a_wrong_rules_file_stops_the_service_naming_file_line_and_rule(
        settings, tmp_path, text, message):
    logs = tmp_path / "logs"
    logs.mkdir()
    # Its own process, never serving: it stops while loading its rules, before consuming.
    refused = Components(dataclasses.replace(settings, data_dir=str(logs),
                                             rules_dir=write_rules(tmp_path, text)))
    refused.start("inspection")
    process = refused.processes["inspection"]
    try:
        wait_until(lambda: process.poll() is not None, timeout=60, interval=0.2,
                   message="the inspection service to refuse its rules")
    finally:
        refused.stop_all()
    assert process.returncode != 0
    assert message in refused.log("inspection")


def rules_of(api, service):
    reply = api.get("/api/v1/rules", params={"service": service})
    assert reply.status_code == 200, reply.text
    [rule_set] = reply.json()["services"]
    return rule_set


def test_the_rules_in_force_are_published_with_their_sources(sign_in, platform):
    rule_set = rules_of(sign_in("auditor"), "inspection")
    items = [rule for rule in rule_set["rules"]
             if rule["id"].startswith("inspection.major_hazard.art")]
    assert len(items) == 64
    assert all(rule["source"]["document"] and rule["effective_from"] for rule in items)
    assert {rule["checked_against"] for rule in items} <= {"official", "reprint", "unverified"}
    assert set(rule_set["unverified"]) >= {rule["id"] for rule in items
                                           if rule["checked_against"] != "official"}
    assert rule_set["local"] == 0


def test_the_published_rules_mark_the_deployments_own(sign_in, local_rules):
    declared = rules_of(sign_in("minle"), "inspection")
    assert declared["local"] == 2
    local = {rule["id"]: rule for rule in declared["rules"] if rule["local"]}
    assert local["inspection.general_check.gen_duty_01"]["version"] == 2


def test_an_unknown_service_is_refused(sign_in, platform):
    reply = sign_in("minle").get("/api/v1/rules", params={"service": "weather"})
    assert reply.status_code in (400, 422)
    assert reply.headers["Content-Type"].startswith("application/problem+json")
