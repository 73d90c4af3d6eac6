"""A backup taken while the platform is written to, restored into a wiped deployment.

The deployment is private: its own FerretDB (SQLite in a folder of the test's), its own MinIO and
its own RabbitMQ virtual host, with the services and gateway started on them. Clients register
enterprises, report hazards and rectify them with evidence, and decide penalties from three
threads; `anjian backup` runs in the middle. Everything is then wiped, `anjian restore` brings
the backup back, the platform starts on it, and every write acknowledged before the backup began
is there, its evidence intact, its indicators equal to a recount, and new writes go in.
"""

import dataclasses
import json
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest

from services import COMPONENTS
from services.kit.mongo import connect
from tests.support.api import PASSWORD, inspected, signing_in, upload, wait_until_inspection_knows
from tests.support.factories import SECOND_OFFICER, china_today, day, enterprise, png
from tests.support.platform import Accounts, platform_settings
from tests.support.waiting import wait_until
from tools.isolated import ROOT, Components, VirtualHost, environment
from tools.private_store import PrivateFerretDB, PrivateMinio

pytestmark = pytest.mark.slow  # a private deployment written to, backed up, wiped and restored

COUNTY = "620722"
COMPANY_PASSWORD = "company-pass-1"
WRITING_BEFORE = 4  # seconds of writes before the backup begins
FIRMS = 3


@dataclass
class Writes:
    """Acknowledged writes: (kind, key, detail, when acknowledged)."""

    acknowledged: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    failures: list = field(default_factory=list)

    def note(self, kind, key, detail=None):
        with self.lock:
            self.acknowledged.append((kind, key, detail, time.monotonic()))

    def before(self, moment):
        return [entry for entry in self.acknowledged if entry[3] < moment]

    def run(self, name, step):
        def loop():
            while not self.stopping.is_set():
                try:
                    step()
                except Exception as error:  # collected; the test fails on any of them
                    self.failures.append(f"{name}: {error!r}")
                    return

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        return thread


def anjian(settings, *arguments, timeout=600):
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tools.cli", *arguments],
        cwd=ROOT,
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, time.monotonic() - started


def registrations(regulator, writes):
    def step():
        body = enterprise(region_code=COUNTY)
        reply = regulator.post("/api/v1/enterprises", json=body)
        assert reply.status_code == 201, reply.text
        writes.note("enterprise", body["uscc"])

    return step


def hazards_with_evidence(sign_in, companies, writes):
    """A hazard found on an inspection, then rectified by the enterprise with a photo."""
    turn = iter(range(10**9))

    def step():
        number = next(turn)
        uscc, company = companies[number % len(companies)]
        _, hazards = inspected(
            sign_in, uscc, [{"description": f"除尘管道积尘{number}", "deadline": day(30)}]
        )
        hazard = hazards["general"][0]
        writes.note("hazard", hazard)
        photo = png(10_000 + number)
        uploaded = upload(company, photo, hazard_id=hazard)
        assert uploaded.status_code == 201, uploaded.text
        writes.note("evidence", uploaded.json()["id"], uploaded.json()["sha256"])
        reply = company.post(
            f"/api/v1/hazards/{hazard}/rectification", json={"evidence": [uploaded.json()["id"]]}
        )
        assert reply.status_code == 200, reply.text
        writes.note("rectification", hazard, uploaded.json()["id"])

    return step


def penalty_decisions(regulator, firms, writes):
    turn = iter(range(10**9))

    def step():
        firm = firms[next(turn) % len(firms)]
        opened = regulator.post(
            "/api/v1/enforcement-cases",
            json={"uscc": firm["uscc"], "parties": [{"kind": "unit", "name": firm["name"]}]},
        )
        assert opened.status_code == 201, opened.text
        case = opened.json()
        line = {
            "party_id": case["parties"][0]["party_id"],
            "legal_basis": "《安全生产法》第一百零二条",
            "article": "safety_law.art102",
            "amount_yuan": 50000,
            "decision_number": "民应急罚〔2026〕7号",
            "decided_on": day(0),
            "order_to_correct": True,
        }
        decided = regulator.post(
            f"/api/v1/enforcement-cases/{case['id']}/penalties", json={"lines": [line]}
        )
        assert decided.status_code == 200, decided.text
        writes.note("penalty", case["id"])

    return step


@pytest.fixture(scope="module")
def deployment(infrastructure, tmp_path_factory):
    """The private deployment's servers, their settings, and a way to wipe them."""
    folder = tmp_path_factory.mktemp("backed-up")
    vhost = VirtualHost(infrastructure["amqp_uri"], infrastructure["management_url"], "anjian-bk")
    store = PrivateFerretDB(folder / "data" / "ferretdb")
    objects = PrivateMinio(
        folder / "minio", infrastructure["minio_access_key"], infrastructure["minio_secret_key"]
    )
    settings = dataclasses.replace(
        platform_settings(infrastructure, vhost.amqp_uri, folder / "data"),
        mongo_uri=store.uri,
        minio_endpoint=objects.endpoint,
        broker_management_url=infrastructure["management_url"],
    )
    platform = Components(settings)

    def wipe():
        platform.stop_all()
        for server, data in ((store, store.folder), (objects, objects.folder)):
            server.stop()
            shutil.rmtree(data)
        vhost.delete()
        vhost.create()
        store.start()
        objects.start()

    try:
        vhost.create()
        store.start()
        objects.start()
        yield settings, platform, store, wipe, folder
    finally:
        platform.stop_all()
        store.stop()
        objects.stop()
        vhost.delete()


def start(platform):
    for component in COMPONENTS:
        platform.start(component)
    platform.wait_ready()


@pytest.fixture(scope="module")
def restored(deployment):
    settings, platform, store, wipe, folder = deployment
    start(platform)
    users = Accounts(settings)
    users.create("minle", PASSWORD, "regulator", COUNTY)
    users.create("inspector-minle", PASSWORD, "inspector", COUNTY)
    sign_in = signing_in(platform.url)
    regulator = sign_in("minle")
    firms, companies = [], []
    for _ in range(FIRMS):
        body = enterprise(region_code=COUNTY)
        assert regulator.post("/api/v1/enterprises", json=body).status_code == 201
        users.create(body["uscc"], COMPANY_PASSWORD, "enterprise", COUNTY, body["uscc"])
        firms.append(body)
        companies.append((body["uscc"], sign_in(body["uscc"], COMPANY_PASSWORD)))
    for body in firms:
        wait_until_inspection_knows(regulator, body["uscc"], timeout=60)

    writes = Writes()
    threads = [
        writes.run("registrations", registrations(regulator, writes)),
        writes.run("hazards", hazards_with_evidence(sign_in, companies, writes)),
        writes.run("penalties", penalty_decisions(regulator, firms, writes)),
    ]
    time.sleep(WRITING_BEFORE)
    # Registrations from now on wait in training's queue: only the backup's events hold them.
    platform.stop("training")
    backup_began = time.monotonic()
    taken, backup_seconds = anjian(settings, "backup", str(folder / "backup"))
    writes.stopping.set()
    for thread in threads:
        thread.join(timeout=120)
    assert taken.returncode == 0, taken.stderr + taken.stdout
    assert not writes.failures, writes.failures
    written_during = len(writes.acknowledged) - len(writes.before(backup_began))
    assert written_during > 0, "the backup must be taken while writes go on"

    wipe()
    restore, restore_seconds = anjian(settings, "restore", str(folder / "backup"))
    assert restore.returncode == 0, restore.stderr + restore.stdout
    start(platform)
    print(
        f"\nbackup of {len(writes.before(backup_began))} acknowledged writes "
        f"({written_during} more during it): {backup_seconds:.1f}s\n{taken.stdout}"
        f"restore: {restore_seconds:.1f}s\n{restore.stdout}"
    )
    return {
        "settings": settings,
        "platform": platform,
        "sign_in": signing_in(platform.url),
        "before": writes.before(backup_began),
        "backup": folder / "backup",
    }


def test_every_write_acknowledged_before_the_backup_is_restored(restored):
    regulator = restored["sign_in"]("minle")
    kinds = {kind for kind, *_ in restored["before"]}
    assert kinds == {"enterprise", "hazard", "evidence", "rectification", "penalty"}
    paths = {
        "enterprise": "/api/v1/enterprises/{}",
        "hazard": "/api/v1/hazards/{}",
        "rectification": "/api/v1/hazards/{}",
        "evidence": "/api/v1/evidence/{}",
        "penalty": "/api/v1/enforcement-cases/{}",
    }
    for kind, key, *_ in restored["before"]:
        reply = regulator.get(paths[kind].format(key))
        assert reply.status_code == 200, (kind, key, reply.text)
        if kind == "rectification":
            assert reply.json()["state"] == "submitted", reply.json()
        if kind == "penalty":
            assert reply.json()["status"] == "decided"


def test_the_restored_evidence_still_hashes_to_what_was_recorded(restored):
    inspector = restored["sign_in"]("inspector-minle")
    for kind, identifier, sha256, _ in restored["before"]:
        if kind == "evidence":
            checked = inspector.post(f"/api/v1/evidence/{identifier}/verification")
            assert checked.status_code == 200, checked.text
            assert (checked.json()["integrity"], checked.json()["sha256"]) == ("intact", sha256)


def test_indicator_counters_equal_a_recount_of_the_restored_records(restored):
    """Counters are moved by events; the events in flight at backup time were published again
    and the ones already applied were not applied twice."""
    settings, regulator = restored["settings"], restored["sign_in"]("minle")
    year = china_today().year
    with connect(settings) as mongo:
        inspection = mongo[settings.database("inspection")]
        hazards = list(inspection.hazards.find({"region_code": COUNTY}, {"grade": 1, "state": 1}))
        penalties = inspection.cases.count_documents({"status": "decided"})
    recount = {
        "found": sum(1 for hazard in hazards if hazard["grade"] == "general"),
        "open_now": sum(
            1 for hazard in hazards if hazard["grade"] == "general" and hazard["state"] != "closed"
        ),
        "penalties": penalties,
    }

    def counted():
        report = regulator.get(
            "/api/v1/indicators/inspection", params={"region": COUNTY, "year": year}
        ).json()
        general = report["hazards"]["general"]
        return {
            "found": general["found"],
            "open_now": general["open_now"],
            "penalties": report["penalties"]["count"],
        }

    wait_until(lambda: counted() == recount, timeout=60, message=f"indicators to be {recount}")


def test_events_left_in_outboxes_are_published_after_the_restore(restored):
    settings = restored["settings"]
    manifest = json.loads((restored["backup"] / "manifest.json").read_text())
    pending = sum(
        entry["collections"].get("outbox_pending", 0) for entry in manifest["databases"].values()
    )
    assert pending, "writes went on during the backup: some outboxes were not settled yet"
    with connect(settings) as mongo:
        wait_until(
            lambda: (
                not any(
                    mongo[settings.database(service)].outbox_pending.count_documents({})
                    for service in ("registry", "inspection", "training")
                )
            ),
            timeout=60,
            message="every restored outbox to be published",
        )


def test_events_not_yet_consumed_at_backup_time_are_consumed_after_the_restore(restored):
    """Training was stopped as the backup began, so the registrations made during it were in
    the registry's snapshot but nowhere in training's: the restore published them again."""
    settings = restored["settings"]
    with connect(settings) as mongo:
        registry = mongo[settings.database("registry")].enterprises
        registered = {document["_id"] for document in registry.find({}, {"_id": 1})}
        assert registered - {key for kind, key, *_ in restored["before"] if kind == "enterprise"}
        copy = mongo[settings.database("training")].enterprises

        def missing():
            return registered - {document["_id"] for document in copy.find({}, {"_id": 1})}

        wait_until(lambda: not missing(), timeout=60, message="training to know every enterprise")


def test_the_restored_platform_takes_new_writes(restored):
    regulator = restored["sign_in"]("minle")
    body = enterprise(region_code=COUNTY)
    assert regulator.post("/api/v1/enterprises", json=body).status_code == 201
    wait_until_inspection_knows(regulator, body["uscc"], timeout=60)
    firm = next(key for kind, key, *_ in restored["before"] if kind == "enterprise")
    visit = restored["sign_in"]("inspector-minle").post(
        "/api/v1/inspections",
        json={
            "uscc": firm,
            "mode": "routine",
            "place": "车间",
            "content": "恢复后检查",
            "inspectors": [SECOND_OFFICER],
        },
    )
    assert visit.status_code == 201, visit.text


def test_the_backup_verifies_and_is_not_restored_over_a_deployment_with_data(restored):
    settings = restored["settings"]
    verified, _ = anjian(settings, "verify-backup", str(restored["backup"]))
    assert verified.returncode == 0 and "is sound" in verified.stdout, verified.stdout
    refused, _ = anjian(settings, "restore", str(restored["backup"]))
    assert refused.returncode == 2
    assert "not empty" in refused.stderr


def test_a_tampered_backup_is_reported_and_not_restored_even_when_forced(restored, tmp_path):
    settings = restored["settings"]
    tampered = tmp_path / "tampered"
    shutil.copytree(restored["backup"], tampered)
    photo = next((tampered / "objects" / "evidence").iterdir())
    altered = bytearray(photo.read_bytes())
    altered[-1] ^= 0xFF
    photo.write_bytes(bytes(altered))
    name = f"objects/evidence/{photo.name}"
    verified, _ = anjian(settings, "verify-backup", str(tampered))
    assert verified.returncode == 1 and name in verified.stdout, verified.stdout
    refused, _ = anjian(settings, "restore", "--force", str(tampered))
    assert refused.returncode == 2 and name in refused.stderr, refused.stderr
    firm = next(key for kind, key, *_ in restored["before"] if kind == "enterprise")
    assert restored["sign_in"]("minle").get(f"/api/v1/enterprises/{firm}").status_code == 200
