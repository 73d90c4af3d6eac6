"""The evidence store against the real MinIO of the `infrastructure` fixture."""

import hashlib
import io
import os
import socket
import urllib.request
import uuid
from dataclasses import replace

import pytest

from services.kit.config import Settings
from services.kit.evidence import EvidenceStore
from services.kit.pure.clock import Clock
from services.kit.pure.errors import InvalidInput, NotFound, TooLarge, Unavailable

IMAGES_AND_PDF = {"image/png", "image/jpeg", "application/pdf"}
MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PDF = b"%PDF-1.7\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8)


class UploadStream:
    """A request body as a server sees it: short reads, and a count of what was consumed."""

    def __init__(self, body, max_read=16 * 1024):
        self.source = io.BytesIO(body)
        self.max_read = max_read
        self.consumed = 0

    def read(self, size=-1):
        size = self.max_read if size < 0 else min(size, self.max_read)
        data = self.source.read(size)
        self.consumed += len(data)
        return data


@pytest.fixture(scope="module")
def evidence_settings(infrastructure):
    """The real MinIO with a bucket of this run's own."""
    return Settings(
        minio_endpoint=infrastructure["minio_endpoint"],
        minio_access_key=infrastructure["minio_access_key"],
        minio_secret_key=infrastructure["minio_secret_key"],
        evidence_bucket=f"test-evidence-{uuid.uuid4().hex[:12]}",
    )


@pytest.fixture(scope="module")
def store(evidence_settings):
    store = EvidenceStore(evidence_settings, Clock())
    store.ensure_bucket()
    yield store
    for item in store.client.list_objects(store.bucket, recursive=True):
        store.client.remove_object(store.bucket, item.object_name)
    store.client.remove_bucket(store.bucket)


def stored_keys(store):
    return {item.object_name for item in store.client.list_objects(store.bucket, recursive=True)}


def content(header, size):
    return header + os.urandom(size - len(header))


@pytest.mark.parametrize(
    "header, size, mime",
    [
        (PNG, 40 * 1024, "image/png"),
        (JPEG, 12 * MIB, "image/jpeg"),  # several multipart parts
        (PDF, 3000, "application/pdf"),
    ],
    ids=["png", "jpeg-multipart", "pdf"],
)
def test_round_trip(store, header, size, mime):
    original = content(header, size)

    stored = store.put(UploadStream(original), filename="evidence", allowed_types=IMAGES_AND_PDF)

    sha256 = hashlib.sha256(original).hexdigest()
    assert stored == {
        "sha256": sha256,
        "size": size,
        "content_type": mime,
        "object_key": f"sha256/{sha256}",
    }
    with urllib.request.urlopen(store.presigned_url(stored["object_key"]), timeout=30) as response:
        assert response.headers["Content-Type"] == mime
        assert response.read() == original
    assert store.verify(stored["object_key"], sha256)


def test_identical_content_is_stored_once(store):
    original = content(PDF, 5000)
    before = stored_keys(store)

    first = store.put(UploadStream(original), filename="report.pdf")
    second = store.put(UploadStream(original), filename="copy of report.pdf")

    assert first == second
    assert stored_keys(store) - before == {first["object_key"]}


def test_executable_renamed_as_image_is_refused(store):
    before = stored_keys(store)

    with pytest.raises(InvalidInput, match="application/x-executable") as refused:
        store.put(
            UploadStream(content(ELF, 4096)), filename="photo.jpg", allowed_types=IMAGES_AND_PDF
        )

    assert "photo.jpg" in refused.value.message
    assert stored_keys(store) == before


def test_unrecognised_content_is_refused(store):
    before = stored_keys(store)

    with pytest.raises(InvalidInput, match="could not be recognised"):
        store.put(UploadStream(b"just some notes typed by hand\n" * 100), filename="notes.pdf")

    assert stored_keys(store) == before


def test_empty_upload_is_refused(store):
    with pytest.raises(InvalidInput, match="empty"):
        store.put(UploadStream(b""), filename="photo.png")


def test_declared_oversize_is_refused_before_reading(evidence_settings):
    small = EvidenceStore(replace(evidence_settings, evidence_max_bytes=1000), Clock())
    upload = UploadStream(content(PNG, 2000))

    with pytest.raises(TooLarge):
        small.put(upload, declared_size=2000)

    assert upload.consumed == 0


@pytest.mark.parametrize(
    "limit, size", [(1000, 50_000), (6 * MIB, 20 * MIB)], ids=["single-part", "multipart"]
)
def test_oversize_is_refused_while_streaming_and_leaves_nothing(
    store, evidence_settings, limit, size
):
    small = EvidenceStore(replace(evidence_settings, evidence_max_bytes=limit), Clock())
    upload = UploadStream(content(JPEG, size))
    before = stored_keys(store)

    with pytest.raises(TooLarge):
        small.put(upload, allowed_types=IMAGES_AND_PDF)

    assert upload.consumed < size
    assert stored_keys(store) == before


def test_upload_exactly_at_the_limit_is_accepted(store, evidence_settings):
    small = EvidenceStore(replace(evidence_settings, evidence_max_bytes=1000), Clock())

    assert small.put(UploadStream(content(PNG, 1000)), declared_size=1000)["size"] == 1000


def test_verify_detects_tampering(store):
    original = content(JPEG, 8000)
    stored = store.put(UploadStream(original))
    assert store.verify(stored["object_key"], stored["sha256"])

    tampered = content(JPEG, 8000)
    store.client.put_object(store.bucket, stored["object_key"], io.BytesIO(tampered), len(tampered))

    assert not store.verify(stored["object_key"], stored["sha256"])


def test_deleted_evidence_is_gone(store):
    stored = store.put(UploadStream(content(PNG, 2048)))

    store.delete(stored["object_key"])

    assert stored["object_key"] not in stored_keys(store)
    with pytest.raises(NotFound):
        store.verify(stored["object_key"], stored["sha256"])


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_store_is_unavailable(evidence_settings):
    closed = replace(evidence_settings, minio_endpoint=f"127.0.0.1:{closed_port()}")
    unreachable = EvidenceStore(closed, Clock())

    with pytest.raises(Unavailable):
        unreachable.ensure_bucket()
    with pytest.raises(Unavailable):
        unreachable.put(UploadStream(content(PDF, 3000)))
    with pytest.raises(Unavailable):
        unreachable.verify("sha256/" + "0" * 64, "0" * 64)
