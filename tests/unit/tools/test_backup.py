"""Taking, checking and refusing backups, on database files and objects of the test's own: what
makes a backup restorable, and what makes it refused with the file named."""

import builtins
import errno
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from tools import backup

PREFIX = "anjian_"
DEPLOYMENT = {"database_prefix": PREFIX, "evidence_bucket": "evidence", "vhost": "/"}
PHOTO = b"\x89PNG\r\n\x1a\n" + b"rectified" * 1000


def ferretdb_file(path, collections):
    """A database file laid out as FerretDB's SQLite handler lays it out, in WAL mode."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE _ferretdb_collections (name TEXT, table_name TEXT, settings TEXT)"
        )
        for name, documents in collections.items():
            table = f"{name}_0001"
            connection.execute(
                "INSERT INTO _ferretdb_collections VALUES (?, ?, '{}')", (name, table)
            )
            connection.execute(f'CREATE TABLE "{table}" (_ferretdb_sjson TEXT)')
            connection.executemany(
                f'INSERT INTO "{table}" VALUES (?)',
                [(json.dumps({"_id": n}),) for n in range(documents)],
            )


class Objects:
    """A bucket in memory, fetched through real files."""

    def __init__(self, contents):
        self.contents = dict(contents)

    def listing(self):
        return [
            (key, len(data), hashlib.md5(data).hexdigest()) for key, data in self.contents.items()
        ]

    def fetch(self, key, path):
        with open(path, "wb") as stream:
            stream.write(self.contents[key])

    def content_type(self, key):
        return "image/png"


class Tap:
    def __init__(self, events):
        self.events, self.closed = events, False

    def close(self):
        self.closed = True

    def drain(self):
        assert self.closed, "events are taken once the tap is unbound"
        return self.events

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass


class Broker:
    def definitions(self):
        return {"queues": [{"name": "inspection.events-handler", "durable": True}]}

    def tap(self):
        return Tap([{"id": "e-1", "source": "/anjian/inspection"}])

    def backlog(self):
        """An event also in the tap, and one waiting for a consumer that is down."""
        return [
            {"id": "e-1", "source": "/anjian/inspection"},
            {"id": "e-0", "source": "/anjian/registry"},
        ]


def stored(data):
    return "sha256/" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def deployment(tmp_path):
    store = tmp_path / "ferretdb"
    store.mkdir()
    ferretdb_file(store / f"{PREFIX}registry.sqlite", {"enterprises": 12, "outbox_pending": 1})
    ferretdb_file(store / f"{PREFIX}inspection.sqlite", {"hazards": 30, "indicators": 2})
    ferretdb_file(store / "other_registry.sqlite", {"enterprises": 5})
    ferretdb_file(store / f"{PREFIX}county_registry.sqlite", {"enterprises": 5})
    return store, Objects({stored(PHOTO): PHOTO})


def take(folder, sources, incremental=False, **overrides):
    store, objects = sources
    parts = {
        "deployment": DEPLOYMENT,
        "databases": backup.EmbeddedDatabases(store, PREFIX),
        "objects": objects,
        "broker": Broker(),
        "rules": lambda: {"inspection": {"fingerprint": "abc"}},
        **overrides,
    }
    return backup.Backup(folder, settle=0, **parts).take(incremental=incremental)


def test_a_backup_holds_the_deployment_s_databases_objects_and_recent_events(tmp_path, deployment):
    manifest = take(tmp_path / "b", deployment)
    assert manifest["status"] == backup.COMPLETE
    assert manifest["platform_version"] == backup.platform_version()
    assert manifest["databases"]["registry"]["collections"] == {
        "enterprises": 12,
        "outbox_pending": 1,
    }
    assert set(manifest["databases"]) == {"registry", "inspection"}  # not another deployment's
    assert manifest["objects"]["count"] == 1 and manifest["objects"]["bytes"] == len(PHOTO)
    assert manifest["events.json"]["count"] == 2
    assert backup.problems(tmp_path / "b") == []
    assert backup.restorable(tmp_path / "b")["status"] == backup.COMPLETE


class FullDisk:
    """The file layer of a disk with `room` bytes left under `folder`."""

    def __init__(self, folder, room):
        self.folder, self.room = str(folder), room

    def wrap(self, real_open):
        disk = self

        def opening(path, mode="r", *args, **kwargs):
            stream = real_open(path, mode, *args, **kwargs)
            if "w" not in mode or not str(path).startswith(disk.folder):
                return stream
            real_write = stream.write

            def write(data):
                if len(data) > disk.room:
                    raise OSError(errno.ENOSPC, "No space left on device")
                disk.room -= len(data)
                return real_write(data)

            stream.write = write
            return stream

        return opening


@pytest.mark.parametrize("room", [3000, 0])
def test_a_disk_that_fills_leaves_a_backup_marked_incomplete_that_is_never_restored(
    tmp_path, deployment, monkeypatch, room
):
    """With room for the first manifest the failure is recorded in it; without, the manifest
    that says "in progress" stays, and refuses just the same."""
    folder = tmp_path / "b"
    disk = FullDisk(folder, 10**9)
    monkeypatch.setattr(builtins, "open", disk.wrap(builtins.open))
    store, objects = deployment

    class FillingObjects(Objects):
        def fetch(self, key, path):
            disk.room = room  # the disk fills while the evidence comes in
            super().fetch(key, path)

    with pytest.raises(backup.BackupError, match="incomplete"):
        take(folder, deployment, objects=FillingObjects(objects.contents))
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    expected = backup.INCOMPLETE if room else backup.IN_PROGRESS
    assert manifest["status"] == expected
    if room:
        assert "No space left" in manifest["reason"]
    assert backup.problems(folder)[0][0] == backup.MANIFEST
    with pytest.raises(backup.BackupError, match="not complete"):
        backup.restorable(folder)


def flip_a_byte(path, offset=-10):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_tampered_object_or_database_is_named_and_the_backup_refused(tmp_path, deployment):
    folder = tmp_path / "b"
    take(folder, deployment)
    flip_a_byte(folder / "objects" / stored(PHOTO))
    flip_a_byte(folder / "databases" / f"{PREFIX}inspection.sqlite", offset=2000)
    named = dict(backup.problems(folder))
    assert set(named) == {f"objects/{stored(PHOTO)}", f"databases/{PREFIX}inspection.sqlite"}
    assert "altered or damaged" in named[f"objects/{stored(PHOTO)}"]
    with pytest.raises(backup.BackupError, match=f"objects/{stored(PHOTO)}"):
        backup.restorable(folder)


def test_an_object_whose_content_and_record_agree_but_not_its_name_is_refused(tmp_path, deployment):
    """Rewriting both the file and its manifest entry does not pass: evidence is named by its
    hash."""
    folder = tmp_path / "b"
    take(folder, deployment)
    path = folder / "objects" / stored(PHOTO)
    path.write_bytes(b"forged")
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    manifest["objects"]["items"][stored(PHOTO)]["sha256"] = hashlib.sha256(b"forged").hexdigest()
    (folder / backup.MANIFEST).write_text(json.dumps(manifest))
    assert backup.problems(folder) == [
        (f"objects/{stored(PHOTO)}", "its content does not hash to the name it is stored under")
    ]


def test_a_backup_from_a_newer_platform_version_is_refused_naming_both(tmp_path, deployment):
    folder = tmp_path / "b"
    take(folder, deployment)
    with pytest.raises(backup.BackupError) as refused:
        backup.restorable(folder, running_version="0.0.1")
    message = str(refused.value)
    assert backup.platform_version() in message and "0.0.1" in message


def test_a_folder_that_is_not_empty_is_refused_unless_incremental_for_the_same_deployment(
    tmp_path, deployment
):
    folder = tmp_path / "b"
    take(folder, deployment)
    with pytest.raises(backup.BackupError, match="not empty"):
        take(folder, deployment)
    store, objects = deployment
    later = b"%PDF-1.7 decision"
    objects.contents[stored(later)] = later
    manifest = take(folder, deployment, incremental=True)
    assert (manifest["objects"]["count"], manifest["objects"]["copied"]) == (2, 1)
    assert backup.problems(folder) == []
    with pytest.raises(backup.BackupError, match="another deployment"):
        take(folder, deployment, incremental=True, deployment={**DEPLOYMENT, "vhost": "county"})


def test_pruning_keeps_the_newest_complete_backups_of_the_deployment(tmp_path, deployment):
    parent = tmp_path / "backups"
    for name in ("1", "2", "3"):
        take(parent / name, deployment)
    unfinished = parent / "0"
    unfinished.mkdir()
    backup.write_json(
        unfinished / backup.MANIFEST,
        {"status": backup.IN_PROGRESS, "started_at": "2000-01-01", "deployment": DEPLOYMENT},
    )
    (parent / "notes").mkdir()
    deleted = backup.prune(parent, DEPLOYMENT, keep=2)
    assert sorted(Path(path).name for path in deleted) == ["0", "1"]
    assert sorted(path.name for path in parent.iterdir()) == ["2", "3", "notes"]


def test_a_manifest_that_lacks_what_a_complete_backup_records_is_reported(tmp_path, deployment):
    folder = tmp_path / "b"
    take(folder, deployment)
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    del manifest["databases"]
    (folder / backup.MANIFEST).write_text(json.dumps(manifest))
    assert [name for name, _ in backup.problems(folder)] == [backup.MANIFEST]


def test_the_copy_is_the_snapshot_pinned_whatever_is_written_after(tmp_path, deployment):
    store, _ = deployment
    databases = backup.EmbeddedDatabases(store, PREFIX)
    connections = databases.connect()
    backup.pin(connections)
    with sqlite3.connect(store / f"{PREFIX}registry.sqlite") as writer:
        writer.executemany('INSERT INTO "enterprises_0001" VALUES (?)', [("{}",) for _ in range(5)])
    copy = tmp_path / "copy.sqlite"
    backup.copy_snapshot(connections[f"{PREFIX}registry"], copy)
    for connection in connections.values():
        connection.close()
    assert backup.sqlite_counts(copy)["enterprises"] == 12
    assert backup.sqlite_counts(store / f"{PREFIX}registry.sqlite")["enterprises"] == 17
