"""Evidence uploads: the platform's upload path against the object store's own speed, and the
gateway's memory while a large video goes up.

evidence_upload_vs_raw_minio: twelve 15 MB PDFs, each timed end to end as a client does it,
until the evidence is recorded, against the minio SDK's `put_object` of the same files into a
bucket of the run, the ways taking turns file by file. The ratio is of bytes per second (raw time
/ platform time) of the platform's way for a file of this size: one request whose body is the
file (`POST /api/v1/evidence/file`). Timed beside it, for comparison: the way for large files
(hash the file, open the upload at the gateway, PUT the bytes straight to MinIO, confirm) and the
file sent in a form.

gateway_rss_mb_during_500mb_upload: the peak resident memory of the gateway's processes (its
gunicorn master and workers together) while a 500 MB MP4 goes up in parts and is confirmed.
"""

import hashlib
import io
import os
import secrets
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.figures import Figure
from services.kit.evidence import EvidenceStore
from services.kit.pure.clock import Clock
from tools.cli import add_account
from tools.isolated import PlatformError
from tools.volume import COUNTIES, create_payloads

RATIO_NAME = "evidence_upload_vs_raw_minio"
RATIO_TARGET = 0.8
RSS_NAME = "gateway_rss_mb_during_500mb_upload"
RSS_TARGET = 150
FILES = 12
MB = 1000 * 1000
FILE_BYTES = 15 * MB
VIDEO_BYTES = 500 * MB
# An MP4's first box, which is how its type is recognised.
MP4_HEADER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
KNOWN_SECONDS = 120
READ = 1024 * 1024


class BenchUser:
    """An enterprise user of 620722 whose enterprise the inspection service knows."""

    def __init__(self, platform):
        self.url = platform.url
        regulator = {"Authorization": f"Bearer {platform.sign_in()}"}
        # 民乐县, 620722: the county of the acceptance journey.
        serial = 900_000 + COUNTIES.index("620722")
        body = create_payloads(1, first_serial=serial + len(COUNTIES) * secrets.randbelow(1000))[0]
        reply = requests.post(
            self.url + "/api/v1/enterprises", json=body, headers=regulator, timeout=30
        )
        if reply.status_code not in (201, 409):
            raise PlatformError(f"registering an enterprise: {reply.status_code} {reply.text}")
        password = secrets.token_hex(16)
        add_account(
            platform.settings,
            body["uscc"],
            password,
            "enterprise",
            body["region_code"],
            body["uscc"],
        )
        token = requests.post(
            self.url + "/api/v1/auth/token",
            json={"username": body["uscc"], "password": password},
            timeout=30,
        ).json()["access_token"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.store = requests.Session()
        # Seconds spent in each step of `upload`, summed: where the platform's time goes.
        self.steps = dict.fromkeys(("hash", "open", "put", "confirm"), 0.0)
        self._wait_until_known(body["uscc"])

    def _wait_until_known(self, uscc):
        deadline = time.monotonic() + KNOWN_SECONDS
        path = f"/api/v1/self-inspections/coverage/{uscc}/{time.gmtime().tm_year}"
        while self.session.get(self.url + path, timeout=30).status_code != 200:
            if time.monotonic() > deadline:
                raise PlatformError("the inspection service did not learn of the enterprise")
            time.sleep(0.2)

    def post(self, path, **kwargs):
        reply = self.session.post(self.url + path, timeout=600, **kwargs)
        if reply.status_code != 201:
            raise PlatformError(f"POST {path}: {reply.status_code} {reply.text[:500]}")
        return reply.json()

    @contextmanager
    def _step(self, name):
        started = time.perf_counter()
        yield
        self.steps[name] += time.perf_counter() - started

    def upload(self, opener, content_type):
        """Hash, open, PUT straight to the store (in parts if told), confirm: the record."""
        sha256, size = hashlib.sha256(), 0
        with self._step("hash"), opener() as stream:
            while chunk := stream.read(READ):
                sha256.update(chunk)
                size += len(chunk)
        declared = {"size": size, "sha256": sha256.hexdigest(), "content_type": content_type}
        with self._step("open"):
            upload = self.post("/api/v1/evidence/uploads", json=declared)
        offsets = [0]
        for part in upload["parts"]:
            offsets.append(offsets[-1] + part)
        with self._step("put"), opener() as stream:
            for target in upload["targets"]:
                # Bytes, not a stream: http.client sends a stream in 8 KiB writes. A part, or a
                # file sent whole (no larger than a part), is read into memory first.
                if "part" in target:
                    stream.seek(offsets[target["part"] - 1])
                    body = stream.read(upload["parts"][target["part"] - 1])
                else:
                    body = stream.read()
                reply = self.store.put(
                    target["url"], data=body, headers=target["headers"], timeout=600
                )
                if reply.status_code != 200:
                    raise PlatformError(f"PUT to the store: {reply.status_code} {reply.text}")
        with self._step("confirm"):
            record = self.post(f"/api/v1/evidence/uploads/{upload['id']}/confirmation")
        if record["sha256"] != declared["sha256"]:
            raise PlatformError("the evidence was recorded with another sha256")
        return record

    def post_in_a_form(self, content, content_type):
        files = {"file": ("evidence", io.BytesIO(content), content_type)}
        return self.post("/api/v1/evidence", files=files)

    def post_as_the_body(self, content):
        return self.post("/api/v1/evidence/file", params={"filename": "evidence"}, data=content)


def _files():
    return [b"%PDF-1.7\n" + os.urandom(FILE_BYTES - 9) for _ in range(FILES)]


def _timed_in_turns(steps, items):
    """Seconds each step spent on all `items`, the steps taking turns on each item, so that a
    change in the machine's load falls on every one of them alike."""
    seconds = [0.0] * len(steps)
    for item in items:
        for index, step in enumerate(steps):
            started = time.perf_counter()
            step(item)
            seconds[index] += time.perf_counter() - started
    return seconds


def evidence_upload_vs_raw_minio(platform):
    user = BenchUser(platform)
    files = _files()
    store = EvidenceStore(platform.settings, Clock())
    raw_bucket = f"{platform.settings.evidence_bucket}-raw"
    store.client.make_bucket(raw_bucket)
    try:
        # One of each first, so connections and buckets exist before anything is timed.
        user.upload(lambda: io.BytesIO(files[0]), "application/pdf")
        store.client.put_object(raw_bucket, "warm", io.BytesIO(files[0]), FILE_BYTES)
        user.post_as_the_body(files[0])
        user.steps = dict.fromkeys(user.steps, 0.0)
        raw, body, straight, form = _timed_in_turns(
            [
                lambda data: store.client.put_object(
                    raw_bucket, secrets.token_hex(8), io.BytesIO(data), len(data), "application/pdf"
                ),
                user.post_as_the_body,
                lambda data: user.upload(lambda: io.BytesIO(data), "application/pdf"),
                lambda data: user.post_in_a_form(data, "application/pdf"),
            ],
            files,
        )
    finally:
        for item in store.client.list_objects(raw_bucket, recursive=True):
            store.client.remove_object(raw_bucket, item.object_name)
        store.client.remove_bucket(raw_bucket)
    total = FILES * FILE_BYTES / MB
    return Figure(
        RATIO_NAME,
        f"{raw / body:.2f}",
        f">= {RATIO_TARGET}",
        [
            f"raw put_object: {total / raw:.1f} MB/s ({FILES} files of 15 MB, "
            f"{raw / FILES * 1000:.0f} ms each)",
            f"platform, the file as one request's body: {total / body:.1f} MB/s "
            f"({body / FILES * 1000:.0f} ms each)",
            f"platform, straight to the store: {total / straight:.1f} MB/s ({raw / straight:.2f} "
            "of raw); per file "
            + ", ".join(
                f"{name} {seconds / FILES * 1000:.0f} ms" for name, seconds in user.steps.items()
            ),
            f"platform, the file in a form: {total / form:.1f} MB/s ({raw / form:.2f} of raw)",
        ],
    )


def _tree_rss_kb(pid):
    """Resident memory of a process and its children, in kB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(
            next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]
        )
        pids.extend(int(child) for child in children)
    return total


@contextmanager
def _peak_rss(pid):
    """Samples the process tree's memory every 20 ms; yields a dict that gets `peak_mb`."""
    measured = {"peak_mb": 0.0, "before_mb": _tree_rss_kb(pid) / 1024}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            measured["peak_mb"] = max(measured["peak_mb"], _tree_rss_kb(pid) / 1024)
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield measured
    finally:
        stop.set()
        sampler.join()


def gateway_rss_mb_during_500mb_upload(platform):
    user = BenchUser(platform)
    directory = Path(tempfile.mkdtemp(prefix="anjian-bench-video-"))
    try:
        video = directory / "site.mp4"
        with video.open("wb") as out:
            out.write(MP4_HEADER)
            written = len(MP4_HEADER)
            while written < VIDEO_BYTES:
                chunk = os.urandom(min(8 * MB, VIDEO_BYTES - written))
                out.write(chunk)
                written += len(chunk)
        gateway = platform.processes["gateway"].pid
        started = time.perf_counter()
        with _peak_rss(gateway) as measured:
            record = user.upload(lambda: video.open("rb"), "video/mp4")
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return Figure(
        RSS_NAME,
        f"{measured['peak_mb']:.0f}",
        f"<= {RSS_TARGET}",
        [
            f"before the upload: {measured['before_mb']:.0f} MB",
            f"500 MB in {record['size'] // (1024 * 1024)} MiB recorded as {record['content_type']} "
            f"in {seconds:.1f} s ({VIDEO_BYTES / MB / seconds:.0f} MB/s, end to end)",
        ],
    )
