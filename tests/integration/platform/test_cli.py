"""The `anjian` command line against the running platform: demo data, import, export, users."""

import subprocess
import sys

import openpyxl
import pytest
import requests

from services.kit.pure.clock import Clock
from tests.support.api import inspection_knows, signing_in, wait_until_inspection_knows
from tests.support.factories import enterprise
from tests.support.waiting import wait_until
from tools import demo
from tools.cli import CLI_USER
from tools.isolated import ROOT, environment


def anjian(settings, *args):
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        cwd=ROOT,
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_demo_seeding_is_idempotent_and_its_logins_work(platform, settings, sign_in):
    # The session's own ganzhou account (the demo one is not created over it). Tests that ran
    # before may have registered enterprises there too: only the seeding's own are counted.
    ganzhou = sign_in("ganzhou")

    def named_ganzhou():
        return ganzhou.get(
            "/api/v1/enterprises", params={"q": "甘州区", "region": "620702", "with_total": "true"}
        ).json()["total"]

    before = named_ganzhou()
    first = anjian(settings, "seed-demo")
    assert first.returncode == 0, first.stdout + first.stderr
    second = anjian(settings, "seed-demo")
    assert "demo enterprises: already there (300)" in second.stdout
    assert "demo users: 0 new" in second.stdout
    assert "demo training: already there" in second.stdout, first.stdout + second.stdout
    assert "demo credit: 3 new cases" in first.stdout, first.stdout
    assert "demo credit: 0 new cases" in second.stdout, second.stdout
    (listed_case, _), _, (dismissed_case, _) = demo.credit_cases()
    for body, shown in ((listed_case, 1), (dismissed_case, 0)):
        public = requests.get(
            platform.url + "/api/v1/public/untrustworthy", params={"uscc": body["uscc"]}, timeout=30
        )
        assert len(public.json()["items"]) == shown, public.text
    assert "demo permits: already there" in second.stdout, first.stdout + second.stdout
    spaces = sum(len(demo.spaces(e)) for e in demo.confined_space_enterprises())
    assert f"demo permits: {spaces} spaces" in first.stdout, first.stdout
    assert "demo projects: already there" in second.stdout, first.stdout + second.stdout
    city = {"region": "620700", "year": Clock().today().year}
    for path, rate in (
        ("projects", "three_simultaneities"),
        ("projects", "spot_checks"),
        ("standardization", "valid_grade"),
        ("standardization", "reassessed_on_time"),
    ):
        shown = sign_in("zhangye").get(f"/api/v1/indicators/{path}", params=city)
        assert shown.json()[rate]["numerator"] > 0, shown.text
    assert "demo preparedness: already there" in second.stdout, first.stdout + second.stdout
    rates = (
        sign_in("minle")
        .get(
            "/api/v1/indicators/inspection",
            params={"region": "620722", "year": settings.clock().today().year},
        )
        .json()
    )
    # The seeded county shows real rates: some enterprises in order, not all.
    for rate in (rates["dual_prevention"], rates["emergency_plans_on_file"]):
        assert 0 < rate["numerator"] < rate["denominator"], rates
    # Sensors on some sites of 民乐县, their history published over MQTT: one point drifted past
    # high-high, and the county sees the alarm.
    assert "demo monitoring: already there" in second.stdout, first.stdout + second.stdout
    assert f"demo monitoring: {demo.ENTERPRISES_MONITORED} devices" in first.stdout, first.stdout
    drifting = demo.monitored_enterprises()[0]["uscc"]
    wait_until(
        lambda: (
            sign_in("minle")
            .get("/api/v1/monitoring/alarms", params={"uscc": drifting, "state": "open"})
            .json()["items"]
        ),
        message="the demo's drift to open an alarm",
    )
    company = next(uscc for name, role, scope, uscc in demo.users() if role == "enterprise")

    listed = (
        signing_in(platform.url)(company, settings.demo_password).get("/api/v1/enterprises").json()
    )
    assert [e["uscc"] for e in listed["items"]] == [company]
    assert named_ganzhou() == before + demo.ENTERPRISES_PER_COUNTY["620702"]
    # Ordinary accounts, made by the registry's rules and in its trail like any other.
    account = sign_in("admin").get(f"/api/v1/users/{company}").json()
    assert account["created_by"] == CLI_USER and account["uscc"] == company
    assert not account["must_change_password"]
    trail = sign_in("auditor").get("/api/v1/account-audit", params={"account": company}).json()
    assert [(entry["action"], entry["by"]) for entry in trail["items"]] == [("created", CLI_USER)]


def test_import_and_export_files(platform, settings, tmp_path):
    rows = [enterprise(region_code="620724") for _ in range(3)]
    workbook = openpyxl.Workbook()
    workbook.active.append(
        ["uscc", "name", "region_code", "address", "industry", "principal_name", "principal_phone"]
    )
    for row in rows:
        workbook.active.append(
            [row["uscc"], row["name"], "620724", row["address"], "textile", "赵敏", "13600000000"]
        )
    workbook.active.append(
        ["not-a-code", "坏行有限公司", "620724", "高台县", "textile", "赵敏", "13600000000"]
    )
    source = tmp_path / "in.xlsx"
    workbook.save(source)
    imported = anjian(settings, "import", str(source))
    assert imported.returncode == 1  # one bad row is reported, the good ones are in
    assert "3 created, 0 already registered, 1 invalid" in imported.stdout
    assert "row 5" in imported.stdout
    assert "imported 4/4 rows" in imported.stderr

    target = tmp_path / "out.xlsx"
    exported = anjian(settings, "export", str(target), "--region", "620724")
    assert exported.returncode == 0, exported.stderr
    usccs = {
        row[0]
        for row in openpyxl.load_workbook(target).active.iter_rows(min_row=2, values_only=True)
    }
    assert {row["uscc"] for row in rows} <= usccs


def test_create_user_refuses_an_unknown_role_or_a_weak_password(platform, settings):
    for role, password, named in (
        ("root", "long-enough-1", "role"),
        ("inspector", "12345678", "password"),
    ):
        refused = anjian(
            settings,
            "create-user",
            "someone",
            "--role",
            role,
            "--region",
            "620722",
            "--password",
            password,
        )
        assert refused.returncode != 0
        assert named in refused.stderr
    made = anjian(
        settings,
        "create-user",
        "gaotai",
        "--role",
        "regulator",
        "--region",
        "620724",
        "--password",
        "long-enough-1",
    )
    assert made.returncode == 0, made.stderr
    reply = requests.post(
        platform.url + "/api/v1/auth/token",
        timeout=30,
        json={"username": "gaotai", "password": "long-enough-1"},
    )
    assert reply.json()["region_scope"] == "620724"


def test_resync_rebuilds_a_later_service_s_copy_of_the_registry(platform, settings, sign_in, mongo):
    minle = sign_in("minle")
    body = enterprise()
    assert minle.post("/api/v1/enterprises", json=body).status_code == 201
    wait_until_inspection_knows(minle, body["uscc"])
    # As if inspection had been deployed after the enterprise was registered.
    mongo[settings.database("inspection")].enterprises.delete_one({"_id": body["uscc"]})
    assert not inspection_knows(minle, body["uscc"])
    done = anjian(settings, "resync", body["uscc"])
    assert done.returncode == 0, done.stderr
    assert "1 enterprises announced again" in done.stdout
    wait_until_inspection_knows(minle, body["uscc"], timeout=60)
