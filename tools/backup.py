"""Backup, verification and restore of a whole deployment (`anjian backup|verify-backup|restore`).

A backup is a folder:

    manifest.json       status, times, platform version, what every other file must hash to
    databases/*.sqlite  each service's database, copied online from the embedded store
    objects/...         the evidence objects and thumbnails, under their keys in the bucket
    broker.json         the broker's definitions for the deployment's virtual host
    events.json         events perhaps not yet applied by every consumer at the moment of the copy
    rules.json          each service's rules in force (its `rules_in_force` answer)

The manifest is written first with status "in progress" and rewritten "complete" only once every
file is in place, so a backup cut short (a full disk, a crash) never passes for a restorable one.

Consistency while the platform keeps writing: every database is pinned in a read transaction at
one moment (SQLite's WAL lets writers go on) and copied from that snapshot. An event a service had
published but another had not yet applied at that moment lives only in the broker: a queue of our
own, bound to the public exchange for a settling period before the moment and unbound just before
it, keeps those published meanwhile, and the events waiting in every queue (for a consumer that is
down or behind) are read, and left, just before it too. A restore publishes them again, and the
consumers, whose inboxes are restored too, apply only those they had not applied. Events still in
outboxes are in the databases and the outbox relay publishes them once the platform starts.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib.metadata import version as installed_version
from pathlib import Path

from packaging.version import Version

from services import COMPONENTS

FORMAT = 1
MANIFEST = "manifest.json"
COMPLETE, IN_PROGRESS, INCOMPLETE = "complete", "in progress", "incomplete"
DATABASES, OBJECTS = "databases", "objects"
BROKER, EVENTS, RULES = "broker.json", "events.json", "rules.json"
CHUNK = 1024 * 1024
# Long enough for every event published before the tap was bound to have been consumed.
SETTLE_SECONDS = 3.0
# Evidence objects are stored under their content's hash.
EVIDENCE_KEY = "sha256/"
# Messages read from one queue's backlog (and left there) at most.
BACKLOG_LIMIT = 1_000_000


class BackupError(Exception):
    """The backup cannot be taken, verified or restored; the message says why."""


def platform_version():
    return installed_version("anjian")


def now_text():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def timed(timings, part):
    started = time.monotonic()
    yield
    timings[part] = round(time.monotonic() - started, 2)


class Progress:
    """One line on stderr, rewritten as work advances: `label: done/total (MB)`."""

    def __init__(self, label, total, stream=sys.stderr):
        self.label, self.total, self.stream = label, total, stream
        self.done = self.bytes = 0
        self.shown = 0.0

    def advance(self, size=0):
        self.done += 1
        self.bytes += size
        if time.monotonic() - self.shown > 0.5 or self.done == self.total:
            self.shown = time.monotonic()
            size = f" ({self.bytes / 1e6:.1f} MB)" if self.bytes else ""
            print(
                f"\r  {self.label}: {self.done}/{self.total}{size}",
                end="\n" if self.done == self.total else "",
                file=self.stream,
                flush=True,
            )


def write_json(path, value):
    """Write `value` as JSON to `path`: a temporary file renamed into place, so a reader sees the
    old content or the new, never half."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w") as stream:
        json.dump(value, stream, indent=1, sort_keys=True, ensure_ascii=False)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, path)


def read_manifest(folder):
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is not readable JSON: the backup is damaged") from None


# --- the embedded store's database files ---------------------------------------------------


def sqlite_counts(path):
    """{collection: documents} of one FerretDB SQLite database file."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        tables = connection.execute("SELECT name, table_name FROM _ferretdb_collections").fetchall()
        return {
            name: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for name, table in sorted(tables)
        }


def sqlite_problem(path):
    """Why a database file is unreadable, or None."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            answer = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if answer == "ok" else answer


class EmbeddedDatabases:
    """The deployment's databases in FerretDB's SQLite folder: one `<prefix><component>.sqlite`
    for each service and the gateway. Named one by one, not matched by prefix: another
    deployment's prefix may begin with this one's."""

    def __init__(self, folder, prefix, components=COMPONENTS):
        self.folder = Path(folder)
        self.prefix = prefix
        self.components = components

    def names(self):
        names = sorted(
            self.prefix + component
            for component in self.components
            if (self.folder / f"{self.prefix}{component}.sqlite").is_file()
        )
        if not names:
            raise BackupError(
                f"no database of the deployment (prefix {self.prefix!r}) in {self.folder}; "
                "on MongoDB take the databases with mongodump (docs/operations.md)"
            )
        return names

    def connect(self):
        """{name: connection}, read-only."""
        return {
            name: sqlite3.connect(
                f"file:{self.folder / name}.sqlite?mode=ro", uri=True, isolation_level=None
            )
            for name in self.names()
        }


def pin(connections):
    """Start a read transaction on each connection: the snapshots that will be copied. Only a
    statement each, so all are taken within moments of one another."""
    for connection in connections.values():
        connection.execute("BEGIN")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()


def copy_snapshot(connection, target):
    """Copy the snapshot `connection` has pinned into the file `target`."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    destination = sqlite3.connect(partial)
    try:
        # One step: the copy reads the pinned snapshot whatever writers do meanwhile.
        connection.backup(destination)
        # A file of its own, without the -wal and -shm files WAL mode makes every reader create.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
    os.replace(partial, target)


# --- taking a backup ------------------------------------------------------------------------


class Backup:
    """Takes a backup of a deployment into `folder`.

    `databases` is an EmbeddedDatabases; `objects` lists and fetches evidence objects
    (`listing()` of (key, size, etag), `fetch(key, path)`, `content_type(key)`); `broker` gives
    the definitions, the event tap and the events waiting in queues (`definitions()`, `tap()`,
    `backlog()`); `rules` returns the rules in force.
    """

    def __init__(
        self, folder, deployment, databases, objects, broker, rules, settle=SETTLE_SECONDS
    ):
        self.folder = Path(folder)
        self.deployment = deployment
        self.databases, self.objects, self.broker, self.rules = databases, objects, broker, rules
        self.settle = settle

    def take(self, incremental=False):
        previous = self._previous(incremental)
        manifest = {
            "format": FORMAT,
            "status": IN_PROGRESS,
            "started_at": now_text(),
            "platform_version": platform_version(),
            "deployment": self.deployment,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / MANIFEST, manifest)
        started = time.monotonic()
        timings = manifest["seconds_by_part"] = {}
        try:
            with timed(timings, "broker and rules"):
                manifest[BROKER] = self._write(BROKER, self.broker.definitions())
                manifest[RULES] = self._write(RULES, self.rules())
            with timed(timings, "databases"):
                events, manifest[DATABASES] = self._databases()
                manifest[EVENTS] = {**self._write(EVENTS, events), "count": len(events)}
            with timed(timings, "objects"):
                manifest[OBJECTS] = self._objects(previous.get(OBJECTS, {}).get("items", {}))
        except Exception as error:  # a full disk, a server gone: whatever it is, it is recorded
            manifest.update(status=INCOMPLETE, reason=str(error), failed_at=now_text())
            try:
                write_json(self.folder / MANIFEST, manifest)
            except OSError:
                pass  # the "in progress" manifest already keeps it from being restored
            raise BackupError(f"the backup is incomplete and cannot be restored: {error}") from None
        manifest.update(
            status=COMPLETE, finished_at=now_text(), seconds=round(time.monotonic() - started, 2)
        )
        write_json(self.folder / MANIFEST, manifest)
        return manifest

    def _previous(self, incremental):
        if not self.folder.exists() or not any(self.folder.iterdir()):
            return {}
        if not incremental:
            raise BackupError(
                f"{self.folder} is not empty; give an empty folder, or --incremental to "
                "update a backup of the same deployment"
            )
        previous = read_manifest(self.folder)
        if previous.get("deployment") != self.deployment:
            raise BackupError(
                f"{self.folder} holds a backup of another deployment "
                f"({previous.get('deployment')}), not of {self.deployment}"
            )
        return previous

    def _write(self, name, value):
        path = self.folder / name
        write_json(path, value)
        return {"file": name, "sha256": sha256_of(path)}

    def _databases(self):
        """Pin every database, collect the events kept for it, then copy the snapshots."""
        (self.folder / DATABASES).mkdir(exist_ok=True)
        connections = self.databases.connect()
        try:
            with self.broker.tap() as tap:
                time.sleep(self.settle)
                waiting = self.broker.backlog()
                # The moment. An event published after the tap closes has its write after the
                # snapshots, or still in an outbox in them: they are taken at once.
                tap.close()
                pin(connections)
                events = list({event["id"]: event for event in waiting + tap.drain()}.values())
            return events, self._copy(connections)
        finally:
            for connection in connections.values():
                connection.close()

    def _copy(self, pinned):
        described = {}
        progress = Progress("databases", len(pinned))
        for name, connection in pinned.items():
            target = self.folder / DATABASES / f"{name}.sqlite"
            copy_snapshot(connection, target)
            size = target.stat().st_size
            described[name[len(self.databases.prefix) :]] = {
                "file": f"{DATABASES}/{target.name}",
                "sha256": sha256_of(target),
                "bytes": size,
                "collections": sqlite_counts(target),
            }
            progress.advance(size)
        return described

    def _objects(self, held):
        listing = self.objects.listing()
        progress = Progress("evidence objects", len(listing))
        items, copied = {}, 0
        for key, size, etag in listing:
            path = self.folder / OBJECTS / key
            known = held.get(key)
            if not (known and known["etag"] == etag and known["size"] == size and path.exists()):
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_name(path.name + ".partial")
                self.objects.fetch(key, partial)
                os.replace(partial, path)
                known = {
                    "size": size,
                    "etag": etag,
                    "sha256": sha256_of(path),
                    "content_type": self.objects.content_type(key),
                }
                copied += 1
            items[key] = known
            progress.advance(size)
        return {
            "count": len(items),
            "bytes": sum(item["size"] for item in items.values()),
            "copied": copied,
            "items": items,
        }


# --- checking a backup ----------------------------------------------------------------------


def problems(folder):
    """What is wrong with the backup in `folder`: [(file, why)], empty when it is sound."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest.get("status") != COMPLETE:
        reason = manifest.get("reason", "it was not finished")
        return [(MANIFEST, f"the backup is {manifest.get('status')!r}, not complete: {reason}")]
    found = []

    def check(name, expected):
        path = folder / name
        if not path.is_file():
            found.append((name, "missing"))
        elif sha256_of(path) != expected:
            found.append((name, "its sha256 differs from the manifest's: altered or damaged"))
        else:
            return True
        return False

    try:
        for part in (BROKER, RULES, EVENTS):
            check(manifest[part]["file"], manifest[part]["sha256"])
        for described in manifest[DATABASES].values():
            if check(described["file"], described["sha256"]):
                problem = sqlite_problem(folder / described["file"])
                if problem:
                    found.append((described["file"], f"not a readable database: {problem}"))
        for key, item in manifest[OBJECTS]["items"].items():
            name = f"{OBJECTS}/{key}"
            named = key[len(EVIDENCE_KEY) :] if key.startswith(EVIDENCE_KEY) else item["sha256"]
            if check(name, item["sha256"]) and named != item["sha256"]:
                found.append((name, "its content does not hash to the name it is stored under"))
    except (KeyError, TypeError, AttributeError) as error:
        found.append((MANIFEST, f"lacks or garbles what a complete backup records ({error!r})"))
    return found


def restorable(folder, running_version=None):
    """The manifest of a backup that may be restored; BackupError naming what forbids it."""
    manifest = read_manifest(folder)
    running = running_version or platform_version()
    made_by = manifest.get("platform_version", "unknown")
    if manifest.get("status") == COMPLETE and Version(made_by) > Version(running):
        raise BackupError(
            f"the backup was made by platform version {made_by}, newer than this one "
            f"({running}); restore it with version {made_by} or later"
        )
    found = problems(folder)
    if found:
        listed = "".join(f"\n  {name}: {why}" for name, why in found)
        raise BackupError(f"the backup in {folder} cannot be restored:{listed}")
    return manifest


def prune(parent, deployment, keep):
    """Delete the backups of `deployment` in `parent` but the newest `keep` complete ones (and
    anything unfinished older than the oldest kept). Returns the folders deleted."""
    backups = []
    for folder in Path(parent).iterdir():
        try:
            manifest = read_manifest(folder) if folder.is_dir() else None
        except BackupError:
            continue
        if manifest and manifest.get("deployment") == deployment:
            backups.append((manifest["started_at"], manifest["status"], folder))
    backups.sort(reverse=True)
    complete = [entry for entry in backups if entry[1] == COMPLETE]
    if keep < 1 or len(complete) <= keep:
        return []
    oldest_kept = complete[keep - 1][0]
    deleted = []
    for started_at, _, folder in backups:
        if started_at < oldest_kept:
            shutil.rmtree(folder)
            deleted.append(folder)
    return deleted


def deployment_of(settings):
    """What names one deployment's data: an incremental backup must be of the same one."""
    return {
        "database_prefix": settings.database_prefix,
        "evidence_bucket": settings.evidence_bucket,
        "vhost": Broker(settings.amqp_uri, settings.broker_management_url).vhost,
    }


# --- the running deployment's parts ---------------------------------------------------------


class BucketObjects:
    """The evidence bucket, through the S3 API."""

    def __init__(self, settings):
        from services.kit.evidence import EvidenceStore

        self.store = EvidenceStore(settings, settings.clock())
        self.client, self.bucket = self.store.client, self.store.bucket

    def listing(self):
        """[(key, size, etag)] of every whole object. An upload not yet confirmed is taken with
        the rest: its upload record is in the database copy, so after a restore it is confirmed
        or swept like any other; parts of a multipart upload are not objects yet."""
        if not self.client.bucket_exists(self.bucket):
            return []
        return [
            (entry.object_name, entry.size, entry.etag)
            for entry in self.client.list_objects(self.bucket, recursive=True)
        ]

    def fetch(self, key, path):
        self.client.fget_object(self.bucket, key, str(path))

    def content_type(self, key):
        return self.client.stat_object(self.bucket, key).content_type

    def put(self, key, path, content_type):
        self.client.fput_object(self.bucket, key, str(path), content_type=content_type)

    def is_empty(self):
        return not self.listing()

    def ensure_bucket(self):
        self.store.ensure_bucket()


class Tap:
    """An exclusive queue bound to the public exchange: every event published while bound."""

    def __init__(self, amqp_uri):
        from kombu import Connection, Exchange, Queue

        from services.kit.outbox import PUBLIC_EXCHANGE

        self.connection = Connection(amqp_uri, connect_timeout=10)
        self.exchange = Exchange(PUBLIC_EXCHANGE, type="topic", durable=True)
        self.queue = Queue(
            f"anjian.backup-tap.{os.getpid()}.{time.monotonic_ns()}",
            self.exchange,
            routing_key="#",
            exclusive=True,
        )(self.connection.channel())
        self.queue.declare()

    def close(self):
        """Nothing published from now on joins the queue."""
        self.queue.unbind_from(self.exchange, routing_key="#")

    def drain(self):
        events = []
        while (message := self.queue.get(no_ack=True)) is not None:
            events.append(json.loads(message.body))
        return events

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.connection.release()  # the exclusive queue goes with its connection


class Broker:
    """The deployment's virtual host, through RabbitMQ's management API."""

    def __init__(self, amqp_uri, management_url):
        # Loaded here: the command line imports this module before any service is started.
        from services.kit.broker import ManagementApi

        self.api = ManagementApi(amqp_uri, management_url, timeout=60, error=BackupError)
        self.amqp_uri, self.vhost = amqp_uri, self.api.vhost

    def definitions(self):
        """Exchanges, queues, bindings and policies of the virtual host."""
        return self.api.call("GET", "definitions", self.vhost).json()

    def backlog(self):
        """The events waiting in the virtual host's queues, left there: what a consumer that is
        down or behind has yet to apply."""
        events = []
        for queue in self.api.call("GET", "queues", self.vhost).json():
            if queue.get("exclusive"):
                continue  # reply queues and taps: no consumer's work
            waiting = self.api.call(
                "POST",
                "queues",
                self.vhost,
                queue["name"],
                "get",
                json={"count": BACKLOG_LIMIT, "ackmode": "ack_requeue_true", "encoding": "auto"},
            ).json()
            for message in waiting:
                if message["payload_encoding"] != "string":
                    continue
                try:
                    body = json.loads(message["payload"])
                except ValueError:
                    continue
                if isinstance(body, dict) and "specversion" in body and "id" in body:
                    events.append(body)
        return events

    def load(self, definitions):
        self.api.call("PUT", "vhosts", self.vhost)
        self.api.call("POST", "definitions", self.vhost, json=definitions)

    def tap(self):
        return Tap(self.amqp_uri)


# --- restoring ------------------------------------------------------------------------------

DOCUMENTS_PER_WRITE = 1000
INDEX_OPTIONS = ("unique", "sparse", "expireAfterSeconds", "partialFilterExpression")


def copy_database(source, target, progress):
    """Every collection of `source` into `target`, in raw BSON, then its indexes (built once
    over the documents rather than kept up to date through every insert)."""
    for name in sorted(source.list_collection_names()):
        target.create_collection(name)  # an empty collection too
        batch = []
        for document in source[name].find(batch_size=DOCUMENTS_PER_WRITE):
            batch.append(document)
            if len(batch) == DOCUMENTS_PER_WRITE:
                target[name].insert_many(batch)
                batch = []
        if batch:
            target[name].insert_many(batch)
        for index, spec in source[name].index_information().items():
            if index != "_id_":
                options = {key: spec[key] for key in INDEX_OPTIONS if key in spec}
                target[name].create_index(spec["key"], name=index, **options)
        progress.advance()


class Restore:
    """Restores the backup in `folder` into the deployment of `settings`."""

    def __init__(self, folder, settings, objects, broker):
        self.folder = Path(folder)
        self.settings = settings
        self.objects, self.broker = objects, broker
        self.timings = {}

    def occupied(self, client):
        """What the deployment already holds: its databases with documents, its bucket."""
        held = [
            name
            for name in client.list_database_names()
            if name.startswith(self.settings.database_prefix)
            and any(
                client[name][collection].estimated_document_count()
                for collection in client[name].list_collection_names()
            )
        ]
        if not self.objects.is_empty():
            held.append(f"bucket {self.settings.evidence_bucket}")
        return held

    def run(self, force=False):
        from bson.raw_bson import RawBSONDocument
        from pymongo import MongoClient

        manifest = restorable(self.folder)
        self.timings = {}
        client = MongoClient(
            self.settings.mongo_uri, document_class=RawBSONDocument, serverSelectionTimeoutMS=5000
        )
        try:
            held = self.occupied(client)
            if held and not force:
                raise BackupError(
                    f"the deployment is not empty ({', '.join(held)}); restore into an empty "
                    "one, or give --force to replace what it holds"
                )
            for name in client.list_database_names():
                if name.startswith(self.settings.database_prefix):
                    client.drop_database(name)
            self.broker.load(json.loads((self.folder / BROKER).read_text()))
            with timed(self.timings, "databases"):
                self._databases(manifest, client)
        finally:
            client.close()
        with timed(self.timings, "objects"):
            self._objects(manifest)
        return manifest, self._publish(json.loads((self.folder / EVENTS).read_text()))

    def _databases(self, manifest, client):
        """Served by a FerretDB of our own on copies of the files, read through the wire."""
        import tempfile

        from bson.raw_bson import RawBSONDocument

        from tools.private_store import PrivateFerretDB

        described = manifest[DATABASES]
        progress = Progress(
            "collections", sum(len(entry["collections"]) for entry in described.values())
        )
        with tempfile.TemporaryDirectory(prefix="anjian-restore-") as folder:
            for entry in described.values():
                shutil.copyfile(
                    self.folder / entry["file"], Path(folder) / Path(entry["file"]).name
                )
            with PrivateFerretDB(folder) as store:
                source = store.client(document_class=RawBSONDocument)
                try:
                    for service, entry in described.items():
                        target = client[self.settings.database(service)]
                        copy_database(source[Path(entry["file"]).stem], target, progress)
                        counts = {
                            name: target[name].count_documents({})
                            for name in target.list_collection_names()
                        }
                        if counts != entry["collections"]:
                            raise BackupError(
                                f"{service}: restored {counts}, the backup holds "
                                f"{entry['collections']}"
                            )
                finally:
                    source.close()

    def _objects(self, manifest):
        items = manifest[OBJECTS]["items"]
        progress = Progress("evidence objects", len(items))
        if items:
            self.objects.ensure_bucket()
        for key, item in items.items():
            self.objects.put(key, self.folder / OBJECTS / key, item["content_type"])
            progress.advance(item["size"])

    def _publish(self, events):
        """Publish again the events that may not have been consumed; consumers skip the rest."""
        from services.kit.outbox import OutboxPublisher

        by_service = {}
        for event in events:
            by_service.setdefault(event["source"].rsplit("/", 1)[-1], []).append(event)
        for service, batch in by_service.items():
            publisher = OutboxPublisher(service, self.settings, self.settings.clock())
            confirmed = publisher.publish_confirmed(batch)
            if confirmed < len(batch):
                raise BackupError(
                    f"the broker confirmed {confirmed} of {len(batch)} {service} events"
                )
        return len(events)
