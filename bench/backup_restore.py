"""backup_city_vs_raw_copy: `anjian backup` of a city's data against copying the same bytes raw.

A private FerretDB, MinIO and virtual host hold 10,000 enterprises, 50,000 hazards and
EVIDENCE_MB of evidence in 1 MB objects. The backup (consistent, checksummed) is timed against a
plain copy of the same database files and a plain download of the same objects in the same run;
then the databases are dropped, the bucket emptied, and the restore is timed. The details give
the times for 5 GB of evidence, scaled from the measured object throughput.
"""

import hashlib
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.figures import Figure
from services.kit.config import Settings
from services.kit.pure.actor import Actor
from services.kit.pure.clock import Clock
from tools import backup, volume
from tools.isolated import VirtualHost
from tools.private_store import PrivateFerretDB, PrivateMinio

NAME = "backup_city_vs_raw_copy"
TARGET = 3.0
ENTERPRISES = 10_000
HAZARDS = 50_000
EVIDENCE_MB = 200
TARGET_EVIDENCE_MB = 5 * 1024
PER_WRITE = 1000
ADMIN = Actor(user_id="bench-admin", role="admin", region_scope="000000")


def _fill(settings, store, objects):
    client = store.client()
    payloads = volume.create_payloads(ENTERPRISES, 2_000_000)
    documents = volume.stored_documents(payloads, ADMIN)
    registry = client[settings.database("registry")].enterprises
    for start in range(0, len(documents), PER_WRITE):
        registry.insert_many(
            [{**document, "outbox": []} for document in documents[start : start + PER_WRITE]]
        )
    clock = Clock()
    hazards = client[settings.database("inspection")].hazards
    owners = [payloads[number % len(payloads)] for number in range(HAZARDS)]
    for start in range(0, HAZARDS, PER_WRITE):
        hazards.insert_many(
            volume.general_hazards(
                owners[start : start + PER_WRITE], clock.now(), clock.today().isoformat()
            )
        )
    client.close()
    objects.ensure_bucket()
    for _ in range(EVIDENCE_MB):
        photo = os.urandom(1024 * 1024)
        key = "sha256/" + hashlib.sha256(photo).hexdigest()
        objects.client.put_object(
            objects.bucket, key, io.BytesIO(photo), len(photo), content_type="image/jpeg"
        )


def _raw_copy(databases, objects, folder):
    started = time.perf_counter()
    for name in databases.names():
        shutil.copyfile(databases.folder / f"{name}.sqlite", folder / f"{name}.sqlite")
    for key, _, _ in objects.listing():
        objects.fetch(key, folder / key.replace("/", "-"))
    return time.perf_counter() - started


def _empty(settings, store, objects):
    client = store.client()
    for name in client.list_database_names():
        if name.startswith(settings.database_prefix):
            client.drop_database(name)
    client.close()
    for key, _, _ in objects.listing():
        objects.client.remove_object(objects.bucket, key)


def backup_city_vs_raw_copy(management_url):
    with tempfile.TemporaryDirectory(prefix="anjian-bench-backup-") as folder:
        folder = Path(folder)
        defaults = Settings()
        vhost = VirtualHost(defaults.amqp_uri, management_url, "anjian-bench-backup")
        store = PrivateFerretDB(folder / "ferretdb")
        objects_server = PrivateMinio(
            folder / "minio", defaults.minio_access_key, defaults.minio_secret_key
        )
        try:
            vhost.create()
            store.start()
            objects_server.start()
            settings = Settings(
                amqp_uri=vhost.amqp_uri,
                broker_management_url=management_url,
                mongo_uri=store.uri,
                minio_endpoint=objects_server.endpoint,
                database_prefix="bench_",
            )
            objects = backup.BucketObjects(settings)
            _fill(settings, store, objects)
            databases = backup.EmbeddedDatabases(store.folder, settings.database_prefix)
            (folder / "raw").mkdir()
            raw = _raw_copy(databases, objects, folder / "raw")
            broker = backup.Broker(settings.amqp_uri, management_url)
            started = time.perf_counter()
            manifest = backup.Backup(
                folder / "backup",
                backup.deployment_of(settings),
                databases,
                objects,
                broker,
                dict,
                settle=0,
            ).take()
            taken = time.perf_counter() - started
            _empty(settings, store, objects)
            restore = backup.Restore(folder / "backup", settings, objects, broker)
            started = time.perf_counter()
            restore.run()
            restored = time.perf_counter() - started
        finally:
            objects_server.stop()
            store.stop()
            vhost.delete()
    scale = TARGET_EVIDENCE_MB / EVIDENCE_MB
    parts = manifest["seconds_by_part"]
    database_mb = sum(entry["bytes"] for entry in manifest["databases"].values()) / 1e6
    at_scale = {
        "backup": parts["databases"] + parts["objects"] * scale + backup.SETTLE_SECONDS,
        "restore": restore.timings["databases"] + restore.timings["objects"] * scale,
    }
    details = [
        f"{ENTERPRISES} enterprises, {HAZARDS} hazards ({database_mb:.0f} MB of database files), "
        f"{EVIDENCE_MB} MB of evidence in 1 MB objects",
        f"backup {taken:.1f}s (databases {parts['databases']:.1f}s, evidence "
        f"{parts['objects']:.1f}s), raw copy of the same bytes {raw:.1f}s",
        f"restore {restored:.1f}s (databases {restore.timings['databases']:.1f}s, evidence "
        f"{restore.timings['objects']:.1f}s)",
        f"with {TARGET_EVIDENCE_MB / 1024:.0f} GB of evidence, scaled from the evidence "
        f"throughput: backup {at_scale['backup'] / 60:.1f} min (with the "
        f"{backup.SETTLE_SECONDS:g}s settling), "
        f"restore {at_scale['restore'] / 60:.1f} min",
    ]
    return Figure(NAME, f"{taken / raw:.2f}", f"<= {TARGET}", details)
