"""Evidence files (photos, scans, PDFs) in a MinIO bucket, addressed by their sha256.

An upload is streamed, never held whole: it is hashed and measured while it goes to a temporary
key, then copied server-side to `sha256/<hex>`, so identical content is stored once. The type is
sniffed from the content itself. Refusals happen while reading, before the upload completes, and
the temporary object is removed on every path; a lifecycle rule sweeps what a crashed process left.
"""

import hashlib
import logging
import uuid
from contextlib import contextmanager
from datetime import timedelta

import filetype
import urllib3
from minio import Minio
from minio.commonconfig import ENABLED, CopySource, Filter
from minio.error import S3Error
from minio.helpers import MIN_PART_SIZE
from minio.lifecycleconfig import Expiration, LifecycleConfig, Rule

from services.kit.pure.errors import InvalidInput, NotFound, TooLarge, Unavailable

CHUNK = 64 * 1024
CONTENT = "sha256/"
# filetype recognises every type it knows from this many leading bytes.
SNIFF_BYTES = 8192
INCOMING = "incoming/"

log = logging.getLogger(__name__)


class _HashingReader:
    """Serves the sniffed head and then the rest of the source, hashing and counting as it goes."""

    def __init__(self, head, source, max_bytes):
        self.pending = head
        self.source = source
        self.max_bytes = max_bytes
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size=CHUNK):
        if self.pending:
            data, self.pending = self.pending[:size], self.pending[size:]
        else:
            data = self.source.read(min(size, CHUNK))
        self.size += len(data)
        if self.size > self.max_bytes:
            raise TooLarge(f"the file is larger than the limit of {self.max_bytes} bytes")
        self.sha256.update(data)
        return data


def _read_head(stream):
    head = b""
    while len(head) < SNIFF_BYTES:
        data = stream.read(SNIFF_BYTES - len(head))
        if not data:
            break
        head += data
    return head


@contextmanager
def _reachable():
    try:
        yield
    except urllib3.exceptions.HTTPError as error:
        log.warning("evidence store unreachable: %s", error)
        raise Unavailable("the evidence store is not reachable, try again shortly") from None


def content_key(sha256):
    """Where a file with this sha256 is kept: identical content, one object."""
    return CONTENT + sha256


class EvidenceStore:
    def __init__(self, settings, clock):
        self.bucket = settings.evidence_bucket
        self.max_bytes = settings.evidence_max_bytes
        self.url_lifetime = timedelta(seconds=settings.evidence_url_seconds)
        self.clock = clock
        # Created on first upload, so a process may start before the object store does.
        self.bucket_ready = False
        # Fail fast: the caller gets Unavailable instead of waiting out minutes of retries.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=60),
            retries=urllib3.Retry(
                total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
            ),
        )
        self.client = Minio(
            settings.minio_endpoint,
            access_key=settings.minio_access_key,
            secret_key=settings.minio_secret_key,
            secure=settings.minio_secure,
            http_client=http,
        )

    def ping(self):
        """Raises Unavailable unless the object store answers."""
        with _reachable():
            self.client.bucket_exists(self.bucket)

    def ensure_bucket(self):
        with _reachable():
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as error:
                    # Services start together; another one may have just created it.
                    if error.code != "BucketAlreadyOwnedByYou":
                        raise
            self.client.set_bucket_lifecycle(
                self.bucket,
                LifecycleConfig(
                    [
                        Rule(
                            ENABLED,
                            rule_filter=Filter(prefix=INCOMING),
                            rule_id="sweep-incoming",
                            expiration=Expiration(days=1),
                        )
                    ]
                ),
            )

    def put(self, stream, declared_size=None, filename=None, allowed_types=None):
        """Store the bytes read from `stream`; `filename` only names the file in refusals."""
        name = filename or "the file"
        if declared_size is not None and declared_size > self.max_bytes:
            raise TooLarge(f"{name} is larger than the limit of {self.max_bytes} bytes")
        head = _read_head(stream)
        if not head:
            raise InvalidInput(f"{name} is empty", {"file": ["is empty"]})
        kind = filetype.guess(head)
        if kind is None:
            raise InvalidInput(
                f"the type of {name} could not be recognised from its content",
                {"file": ["unrecognised file type"]},
            )
        if allowed_types is not None and kind.mime not in allowed_types:
            raise InvalidInput(
                f"{name} is {kind.mime}; accepted types are {', '.join(sorted(allowed_types))}",
                {"file": [f"type {kind.mime} is not accepted"]},
            )
        reader = _HashingReader(head, stream, self.max_bytes)
        incoming = INCOMING + uuid.uuid4().hex
        if not self.bucket_ready:
            self.ensure_bucket()
            self.bucket_ready = True
        with _reachable():
            try:
                # An unknown length streams part by part; a refusal raised while reading aborts
                # the multipart upload, so nothing of it becomes visible.
                self.client.put_object(
                    self.bucket,
                    incoming,
                    reader,
                    length=-1,
                    content_type=kind.mime,
                    part_size=MIN_PART_SIZE,
                    num_parallel_uploads=1,
                )
                object_key = content_key(reader.sha256.hexdigest())
                self.client.copy_object(self.bucket, object_key, CopySource(self.bucket, incoming))
            finally:
                self._remove_quietly(incoming)
        return {
            "sha256": reader.sha256.hexdigest(),
            "size": reader.size,
            "content_type": kind.mime,
            "object_key": object_key,
        }

    def presigned_url(self, object_key):
        with _reachable():
            return self.client.presigned_get_object(
                self.bucket, object_key, expires=self.url_lifetime, request_date=self.clock.now()
            )

    def holds(self, sha256):
        """Whether a file with this sha256 was uploaded: a look at the object store alone, so a
        record that names uploaded files needs no other service to check them."""
        with _reachable():
            try:
                self.client.stat_object(self.bucket, content_key(sha256))
            except S3Error as error:
                if error.code in ("NoSuchKey", "NoSuchBucket"):
                    return False
                raise
        return True

    def verify(self, object_key, expected_sha256):
        """True when the stored bytes still hash to `expected_sha256`; NotFound if they are gone."""
        sha256 = hashlib.sha256()
        with _reachable():
            try:
                response = self.client.get_object(self.bucket, object_key)
            except S3Error as error:
                if error.code == "NoSuchKey":
                    raise NotFound(f"evidence {object_key} is not in the store") from None
                raise
            try:
                for chunk in response.stream(CHUNK):
                    sha256.update(chunk)
            finally:
                response.close()
                response.release_conn()
        return sha256.hexdigest() == expected_sha256

    def delete(self, object_key):
        with _reachable():
            self.client.remove_object(self.bucket, object_key)

    def _remove_quietly(self, object_key):
        # Runs while another error may be propagating; the lifecycle rule covers a failure here.
        try:
            self.client.remove_object(self.bucket, object_key)
        except (urllib3.exceptions.HTTPError, S3Error):
            pass
