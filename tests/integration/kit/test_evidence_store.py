"""The evidence store against the real MinIO of the `infrastructure` fixture."""

import hashlib
import io
import os
import socket
import urllib.request
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
import requests

from services.kit.config import Settings
from services.kit.evidence import PREFIX, EvidenceStore, new_object_key
from services.kit.pure.clock import Clock, FixedClock
from services.kit.pure.errors import InvalidInput, NotFound, TooLarge, Unavailable
from tests.support.factories import png

MIB = 1024 * 1024
HOUR = timedelta(hours=1)
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
        # The smallest part S3 allows, so that a dozen megabytes go up in several parts.
        evidence_part_bytes=5 * MIB,
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

    stored = store.put(UploadStream(original), filename="evidence")

    sha256 = hashlib.sha256(original).hexdigest()
    assert stored == {
        "sha256": sha256,
        "size": size,
        "content_type": mime,
        "object_key": stored["object_key"],
    }
    assert stored["object_key"].startswith(PREFIX)
    with urllib.request.urlopen(store.presigned_url(stored["object_key"]), timeout=30) as response:
        assert response.headers["Content-Type"] == mime
        assert response.read() == original
    assert store.verify(stored["object_key"], sha256)


def test_each_upload_is_an_object_of_its_own(store):
    original = content(PDF, 5000)
    before = stored_keys(store)

    first = store.put(UploadStream(original), filename="report.pdf")
    second = store.put(UploadStream(original), filename="copy of report.pdf")
    store.delete(first["object_key"])

    assert first["sha256"] == second["sha256"]
    assert stored_keys(store) - before == {second["object_key"]}
    assert store.verify(second["object_key"], second["sha256"])


def test_executable_renamed_as_image_is_refused(store):
    before = stored_keys(store)

    with pytest.raises(InvalidInput, match="application/x-executable") as refused:
        store.put(UploadStream(content(ELF, 4096)), filename="photo.jpg")

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
        small.put(upload, 2000)

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
        small.put(upload)

    assert upload.consumed < size
    assert stored_keys(store) == before
    assert not store.client._list_multipart_uploads(store.bucket).uploads


def test_upload_exactly_at_the_limit_is_accepted(store, evidence_settings):
    small = EvidenceStore(replace(evidence_settings, evidence_max_bytes=1000), Clock())

    assert small.put(UploadStream(content(PNG, 1000)), 1000)["size"] == 1000


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


def test_a_photo_over_its_types_limit_is_refused_while_streaming(store, evidence_settings):
    strict = EvidenceStore(replace(evidence_settings, evidence_document_max_bytes=3000), Clock())
    upload = UploadStream(content(JPEG, 50_000))
    before = stored_keys(store)

    with pytest.raises(TooLarge):
        strict.put(upload)

    assert upload.consumed < 50_000
    assert stored_keys(store) == before


@pytest.mark.parametrize(
    "header, size, mime",
    [(PNG, 40 * 1024, "image/png"), (JPEG, 12 * MIB, "image/jpeg"), (PDF, 100, "application/pdf")],
    ids=["png", "jpeg-12mib", "pdf-smaller-than-a-sniff"],
)
def test_a_file_of_known_size_goes_in_one_pass(store, header, size, mime):
    original = content(header, size)

    stored = store.put(UploadStream(original), size, "evidence")

    assert stored == {
        "sha256": hashlib.sha256(original).hexdigest(),
        "size": size,
        "content_type": mime,
        "object_key": stored["object_key"],
    }
    with urllib.request.urlopen(store.presigned_url(stored["object_key"]), timeout=30) as response:
        assert response.headers["Content-Type"] == mime
        assert response.read() == original


@pytest.mark.parametrize(
    "sent_bytes, declared, refusal",
    [(3 * MIB, 3 * MIB + 1, "ended after"), (3 * MIB + 1, 3 * MIB, "longer than")],
    ids=["shorter-than-declared", "longer-than-declared"],
)
def test_a_file_that_is_not_its_declared_size_leaves_nothing(store, sent_bytes, declared, refusal):
    before = stored_keys(store)

    with pytest.raises(InvalidInput, match=refusal):
        store.put(UploadStream(content(PDF, sent_bytes)), declared, "report.pdf")

    assert stored_keys(store) == before


@pytest.mark.parametrize(
    "body, limits, refusal",
    [
        (content(ELF, 2 * MIB), {}, InvalidInput),
        (content(JPEG, 2 * MIB), {"evidence_document_max_bytes": MIB}, TooLarge),
    ],
    ids=["disguised-executable", "photo-over-its-types-limit"],
)
def test_a_file_of_known_size_is_judged_by_its_first_bytes_alone(
    store, evidence_settings, body, limits, refusal
):
    judging = EvidenceStore(replace(evidence_settings, **limits), Clock())
    upload = UploadStream(body)
    before = stored_keys(store)

    with pytest.raises(refusal):
        judging.put(upload, len(body), "photo.jpg")

    assert upload.consumed <= 8192
    assert stored_keys(store) == before


def sent(target, body, **headers):
    return requests.put(
        target["url"], data=body, headers={**target["headers"], **headers}, timeout=30
    )


def test_a_signed_target_takes_exactly_the_declared_file(store):
    original = content(PDF, 70_000)
    sha256 = hashlib.sha256(original).hexdigest()
    key = new_object_key()
    target = store.upload_target(
        key, len(original), "application/pdf", sha256, Clock().now() + HOUR
    )

    assert sent(target, content(PDF, 70_000)).status_code == 400  # other bytes
    assert sent(target, original, **{"content-type": "image/png"}).status_code == 403
    assert sent(target, original + b"x", **{"content-length": str(70_001)}).status_code == 403
    assert store.examine(key) is None
    assert sent(target, original).status_code == 200
    assert sent(target, original).status_code == 412  # a target takes one file

    assert store.examine(key) == {
        "size": 70_000,
        "sha256": sha256,
        "content_type": "application/pdf",
    }


def test_an_expired_target_takes_nothing(store):
    original = content(PNG, 2000)
    an_hour_ago = FixedClock(Clock().now() - HOUR - timedelta(minutes=1))
    stale = EvidenceStore(store.settings, an_hour_ago)
    key = new_object_key()
    target = stale.upload_target(
        key,
        len(original),
        "image/png",
        hashlib.sha256(original).hexdigest(),
        an_hour_ago.now() + HOUR,
    )

    refused = sent(target, original)

    assert refused.status_code == 403 and "expired" in refused.text.lower()
    assert store.examine(key) is None


def test_a_target_is_not_signed_past_the_uploads_end(store):
    with pytest.raises(InvalidInput, match="expired"):
        store.upload_target(new_object_key(), 10, "image/png", "0" * 64, Clock().now() - HOUR)


def test_parts_take_their_length_only_and_join_into_the_file(store):
    original = content(PDF, 5 * MIB + 1000)
    key = new_object_key()
    upload_id = store.start_parts(key, "application/pdf")
    until = Clock().now() + HOUR
    first, second = original[: 5 * MIB], original[5 * MIB :]
    first_target = store.part_target(key, upload_id, 1, len(first), until)
    second_target = store.part_target(key, upload_id, 2, len(second), until)

    assert (
        sent(first_target, first[:-1], **{"content-length": str(len(first) - 1)}).status_code == 403
    )
    assert sent(first_target, first).status_code == 200
    assert sent(second_target, second).status_code == 200
    received = store.received_parts(key, upload_id)
    assert {number: size for number, (size, _) in received.items()} == {1: len(first), 2: 1000}
    store.finish_parts(key, upload_id, received)

    found = store.examine(key)
    assert found["size"] == len(original) and found["content_type"] == "application/pdf"
    sha256 = hashlib.sha256(original).hexdigest()
    assert store.joined_sha256(key) == sha256
    # Kept with the object, so a confirmation asked again does not read it all again.
    assert store.client.get_object_tags(store.bucket, key)["sha256"] == sha256
    with pytest.raises(NotFound):
        store.received_parts(key, upload_id)


def test_discarding_removes_the_object_and_unfinished_parts(store):
    key = new_object_key()
    upload_id = store.start_parts(key, "video/mp4")
    target = store.part_target(key, upload_id, 1, 5 * MIB, Clock().now() + HOUR)
    assert sent(target, content(PDF, 5 * MIB)).status_code == 200

    store.discard(key, upload_id)

    with pytest.raises(NotFound):
        store.received_parts(key, upload_id)
    assert store.examine(key) is None


def test_a_photo_gets_a_small_jpeg_and_a_scan_none(store):
    photo = store.put(UploadStream(png(3)))
    scan = store.put(UploadStream(content(PDF, 3000)))

    key = store.thumbnail(photo["object_key"], "photo")

    assert key == "thumbnails/photo.jpg" and key in stored_keys(store)
    assert store.thumbnail(scan["object_key"], "scan") is None
