"""Evidence files (photos, scans, PDFs, videos) in a MinIO bucket.

Two ways in. A client may send a small file through the gateway in one request (`put`): it is
hashed, measured and type-sniffed in the one pass that streams it to its object. Or it uploads
straight to the object store (`upload_target`, or `start_parts` and `part_target` for a large
file sent in parts that can each be resent): the gateway signs a PUT whose length, content type
and sha256 are part of the signature, so MinIO itself refuses any other bytes while they arrive,
and the platform records the evidence only after `examine` found the object as declared.

The type is always sniffed from the content, never taken from a name or a header. Objects live at
`evidence/<id>` and are never copied: a server-side copy costs as much as the upload itself.
"""

import base64
import hashlib
import hmac
import io
import logging
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import timedelta, timezone
from urllib.parse import quote

import filetype
import urllib3
from minio import Minio
from minio.commonconfig import Tags
from minio.datatypes import Part
from minio.error import S3Error
from nameko.extensions import DependencyProvider
from PIL import Image, UnidentifiedImageError

from services.kit.config import Settings
from services.kit.pure.errors import InvalidInput, NotFound, TooLarge, Unavailable

# Reads of a megabyte: a request body read in small pieces spent its time in Python, not in I/O.
CHUNK = 1024 * 1024
# A file sent through the gateway goes to the store in parts of this size (the store's smallest)
# sent side by side, a few at a time, while the rest of it arrives.
STREAMED_PART_BYTES = 5 * 1024 * 1024
PARTS_IN_FLIGHT = 3
# The threads that send those parts, shared by a process's requests (started as needed).
_PART_SENDERS = ThreadPoolExecutor(thread_name_prefix="evidence-part")
# filetype recognises every type it knows from this many leading bytes.
SNIFF_BYTES = 8192
PREFIX = "evidence/"
THUMBNAILS = "thumbnails/"
THUMBNAIL_PIXELS = (320, 320)
# The types accepted as evidence, and the setting that limits the size of each.
ACCEPTED = {
    "image/jpeg": "evidence_document_max_bytes",
    "image/png": "evidence_document_max_bytes",
    "image/webp": "evidence_document_max_bytes",
    "application/pdf": "evidence_document_max_bytes",
    "video/mp4": "evidence_video_max_bytes",
}
# What a thumbnail is made of: the photos, not scans or videos.
PICTURES = ("image/jpeg", "image/png", "image/webp")

log = logging.getLogger(__name__)


def sniff(head, name="the file"):
    """The accepted type of a file, judged by its first bytes; InvalidInput for any other."""
    if not head:
        raise InvalidInput(f"{name} is empty", {"file": ["is empty"]})
    kind = filetype.guess(head)
    if kind is None:
        raise InvalidInput(
            f"the type of {name} could not be recognised from its content",
            {"file": ["unrecognised file type"]},
        )
    if kind.mime not in ACCEPTED:
        raise InvalidInput(
            f"{name} is {kind.mime}; accepted types are {', '.join(sorted(ACCEPTED))}",
            {"file": [f"type {kind.mime} is not accepted"]},
        )
    return kind.mime


def _read_up_to(stream, count):
    """`count` bytes of `stream`, or all it has if fewer (a read may answer less than asked)."""
    head = b""
    while len(head) < count and (chunk := stream.read(count - len(head))):
        head += chunk
    return head


def new_object_key():
    return PREFIX + uuid.uuid4().hex


@contextmanager
def _reachable():
    try:
        yield
    except urllib3.exceptions.HTTPError as error:
        log.warning("evidence store unreachable: %s", error)
        raise Unavailable("the evidence store is not reachable, try again shortly") from None


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _uri_encode(text, safe="-_.~"):
    return quote(text, safe=safe)


class EvidenceStore:
    def __init__(self, settings, clock):
        self.settings = settings
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
        self.http = http
        self.client = Minio(
            settings.minio_endpoint,
            access_key=settings.minio_access_key,
            secret_key=settings.minio_secret_key,
            secure=settings.minio_secure,
            http_client=http,
        )

    def limit(self, content_type):
        """The size limit of a file of this (accepted) type, from the settings."""
        return getattr(self.settings, ACCEPTED[content_type])

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
            # No lifecycle rule: the sweeper removes what was never confirmed, and MinIO drops
            # the parts of unfinished uploads after a day itself (its stale_uploads_expiry).
        self.bucket_ready = True

    def _ready(self):
        if not self.bucket_ready:
            self.ensure_bucket()

    # --- through the gateway, in one request ---

    def sink(self, filename=None):
        """A writable file that goes to the object store as it is written (see _Sink)."""
        return _Sink(self, filename or "the file")

    def put(self, stream, size=None, filename=None):
        """Store the bytes read from `stream` at a new key: {sha256, size, content_type,
        object_key}. `filename` only names the file in refusals.

        With its `size` known (a request body's length), the file goes in one PUT that passes
        the bytes on as they are read: the store's work overlaps the arrival of the rest, and
        nothing waits for the whole file. The type is sniffed from the first bytes and the size
        held to its limit before anything is sent; a stream shorter or longer than `size` leaves
        no object (the store never keeps a PUT cut short). Without it, the file goes in parts
        as it is read (see _Sink)."""
        if size is None:
            with self.sink(filename) as sink:
                while chunk := stream.read(CHUNK):
                    sink.write(chunk)
                return sink.stored()
        name = filename or "the file"
        if size > self.max_bytes:
            raise TooLarge(f"{name} is larger than the limit of {self.max_bytes} bytes")
        head = _read_up_to(stream, min(size, SNIFF_BYTES))
        content_type = sniff(head, name)
        limit = self.limit(content_type)
        if size > limit:
            raise TooLarge(f"{name} is a {content_type} larger than its limit of {limit} bytes")
        sha256 = hashlib.sha256(head)

        def body():
            # Each chunk is sent once the next is read, the last once the stream is found to end
            # where declared: a stream that runs on is refused before the store has it all.
            chunk, left = head, size - len(head)
            while left:
                following = stream.read(min(CHUNK, left))
                if not following:
                    raise InvalidInput(
                        f"{name} ended after {size - left} of its {size} bytes",
                        {"file": ["shorter than declared"]},
                    )
                sha256.update(following)
                left -= len(following)
                yield chunk
                chunk = following
            if stream.read(1):
                raise InvalidInput(
                    f"{name} is longer than the {size} bytes declared",
                    {"file": ["longer than declared"]},
                )
            yield chunk

        self._ready()
        key = new_object_key()
        target = self._signed_put(
            key, {"content-length": str(size), "content-type": content_type}, self.until()
        )
        # A body read as it is sent cannot be sent again: no retries.
        self._send(target, body(), retries=False)
        return {
            "sha256": sha256.hexdigest(),
            "size": size,
            "content_type": content_type,
            "object_key": key,
        }

    def until(self):
        """When a target the gateway signs for its own PUT stops being valid."""
        return self.clock.now() + self.url_lifetime

    def _send(self, target, body, retries=None):
        """PUT `body` to a target this store signed; the ETag the store answers. `retries` None
        is the pool's own."""
        with _reachable():
            response = self.http.urlopen(
                target["method"],
                target["url"],
                body=body,
                headers=target["headers"],
                retries=retries,
            )
        if response.status != 200:
            log.warning("evidence store refused a PUT: %s %s", response.status, response.data)
            raise Unavailable("the evidence store refused the file, try again shortly")
        return response.headers["ETag"]

    # --- straight to the object store ---

    def _signed_put(self, object_key, headers, expires_at, query=None):
        """A PUT to `object_key` that MinIO accepts only with exactly these `headers` (their
        values are signed, AWS signature version 4), until `expires_at`."""
        now = self.clock.now().astimezone(timezone.utc)
        seconds = int((expires_at - now).total_seconds())
        if seconds <= 0:
            raise InvalidInput("the upload has expired; start it again", {"upload": ["expired"]})
        with _reachable():
            region = self.client._get_region(self.bucket)
        day, stamp = now.strftime("%Y%m%d"), now.strftime("%Y%m%dT%H%M%SZ")
        scope = f"{day}/{region}/s3/aws4_request"
        signed = {"host": self.settings.minio_endpoint, **headers}
        names = ";".join(sorted(signed))
        params = {
            **(query or {}),
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": f"{self.settings.minio_access_key}/{scope}",
            "X-Amz-Date": stamp,
            "X-Amz-Expires": str(min(seconds, 7 * 24 * 3600)),
            "X-Amz-SignedHeaders": names,
        }
        canonical_query = "&".join(
            f"{_uri_encode(key)}={_uri_encode(value)}" for key, value in sorted(params.items())
        )
        path = f"/{self.bucket}/{_uri_encode(object_key, safe='/-_.~')}"
        request = "\n".join(
            [
                "PUT",
                path,
                canonical_query,
                *(f"{name}:{signed[name]}" for name in sorted(signed)),
                "",
                names,
                "UNSIGNED-PAYLOAD",
            ]
        )
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(request.encode()).hexdigest()]
        )
        key = ("AWS4" + self.settings.minio_secret_key).encode()
        for part in (day, region, "s3", "aws4_request"):
            key = _hmac(key, part)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        scheme = "https" if self.settings.minio_secure else "http"
        return {
            "method": "PUT",
            "url": f"{scheme}://{signed['host']}{path}?{canonical_query}&X-Amz-Signature={signature}",
            "headers": headers,
        }

    def upload_target(self, object_key, size, content_type, sha256, expires_at):
        """Where the client PUTs the whole file: any other length, type or content is refused
        by the store while it arrives, and the store keeps the sha256 it checked. The target
        takes one file only: once the object is there, a PUT to it again is refused (412)."""
        self._ready()
        return self._signed_put(
            object_key,
            {
                "content-length": str(size),
                "content-type": content_type,
                "if-none-match": "*",
                "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(sha256)).decode(),
            },
            expires_at,
        )

    def start_parts(self, object_key, content_type):
        """A multipart upload to `object_key`; its id."""
        self._ready()
        with _reachable():
            return self.client._create_multipart_upload(
                self.bucket, object_key, {"Content-Type": content_type}
            )

    def part_target(self, object_key, upload_id, number, size, expires_at):
        """Where the client PUTs part `number`, of exactly `size` bytes."""
        return self._signed_put(
            object_key,
            {"content-length": str(size)},
            expires_at,
            {"partNumber": str(number), "uploadId": upload_id},
        )

    def received_parts(self, object_key, upload_id):
        """{part number: (size, etag)} of the parts the store holds; NotFound once the
        upload is gone (completed or aborted)."""
        parts, marker = {}, None
        with _reachable():
            while True:
                try:
                    listed = self.client._list_parts(
                        self.bucket, object_key, upload_id, part_number_marker=marker
                    )
                except S3Error as error:
                    if error.code == "NoSuchUpload":
                        raise NotFound("the upload's parts are gone") from None
                    raise
                parts.update({part.part_number: (part.size, part.etag) for part in listed.parts})
                if not listed.is_truncated:
                    return parts
                marker = listed.next_part_number_marker

    def finish_parts(self, object_key, upload_id, parts):
        """Join the parts {number: (size, etag)} into the object."""
        with _reachable():
            self.client._complete_multipart_upload(
                self.bucket,
                object_key,
                upload_id,
                [Part(number, etag) for number, (_, etag) in sorted(parts.items())],
            )

    def examine(self, object_key):
        """{size, sha256 (as the store checked it at upload, or None), content_type (sniffed
        from the first bytes, fetched alone)} of a stored object; None if there is none.
        Raises InvalidInput if its type is not accepted."""
        with _reachable():
            try:
                response = self.client._execute(
                    "HEAD",
                    self.bucket,
                    object_key,
                    headers={"x-amz-checksum-mode": "ENABLED"},
                )
            except S3Error as error:
                if error.code in ("NoSuchKey", "ResponseHeadError"):
                    return None
                raise
            checksum = response.headers.get("x-amz-checksum-sha256")
            size = int(response.headers["content-length"])
            head = self._read(object_key, length=min(size, SNIFF_BYTES)) if size else b""
        return {
            "size": size,
            "sha256": base64.b64decode(checksum).hex() if checksum else None,
            "content_type": sniff(head),
        }

    def _read(self, object_key, **span):
        response = self.client.get_object(self.bucket, object_key, **span)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def sha256(self, object_key):
        """The sha256 of the stored bytes, read once from the store; NotFound if they are gone."""
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
        return sha256.hexdigest()

    def joined_sha256(self, object_key):
        """The sha256 of an object joined from parts (the store keeps none for the whole), read
        once from the store and kept as a tag: a confirmation that ran out of time and is asked
        again does not read hundreds of megabytes again."""
        with _reachable():
            tags = self.client.get_object_tags(self.bucket, object_key)
        if tags and "sha256" in tags:
            return tags["sha256"]
        sha256 = self.sha256(object_key)
        tags = Tags.new_object_tags()
        tags["sha256"] = sha256
        with _reachable():
            self.client.set_object_tags(self.bucket, object_key, tags)
        return sha256

    def discard(self, object_key, upload_id=None):
        """Remove an upload's object and its parts, if any; what fails here the sweeper (or the
        store's lifecycle rule, for parts) retries."""
        try:
            if upload_id:
                self.client._abort_multipart_upload(self.bucket, object_key, upload_id)
        except (urllib3.exceptions.HTTPError, S3Error):
            pass
        try:
            self.client.remove_object(self.bucket, object_key)
        except (urllib3.exceptions.HTTPError, S3Error):
            pass

    # --- reading back ---

    def presigned_url(self, object_key):
        with _reachable():
            return self.client.presigned_get_object(
                self.bucket, object_key, expires=self.url_lifetime, request_date=self.clock.now()
            )

    def verify(self, object_key, expected_sha256):
        """True when the stored bytes still hash to `expected_sha256`; NotFound if they are gone."""
        return self.sha256(object_key) == expected_sha256

    def delete(self, object_key):
        with _reachable():
            self.client.remove_object(self.bucket, object_key)

    def thumbnail(self, object_key, identifier):
        """A small JPEG of a stored photo, at `thumbnails/<identifier>.jpg`; its key, or None
        when the bytes are not a picture Pillow can draw."""
        with _reachable():
            original = self._read(object_key)
        try:
            with Image.open(io.BytesIO(original)) as image:
                # A JPEG decodes at a fraction of its size when only a thumbnail is wanted.
                image.draft("RGB", THUMBNAIL_PIXELS)
                image.thumbnail(THUMBNAIL_PIXELS)
                small = io.BytesIO()
                image.convert("RGB").save(small, "JPEG", quality=80)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
            log.warning("no thumbnail for %s: %s", object_key, error)
            return None
        key = f"{THUMBNAILS}{identifier}.jpg"
        with _reachable():
            self.client.put_object(
                self.bucket, key, io.BytesIO(small.getvalue()), small.tell(), "image/jpeg"
            )
        return key


class _Sink(io.RawIOBase):
    """A file that goes to the object store while it is written (a request body being parsed):
    sniffed from its first bytes, hashed and measured in the same pass, never spooled to disk.

    A file no larger than one streamed part goes in one PUT signed with the sha256 computed
    here, so the store checks the bytes it keeps. A larger one goes in parts of
    `STREAMED_PART_BYTES`, each sent from a thread of its own as soon as it is full, while the
    next one still arrives: receiving, hashing and the store's own work overlap, as S3 clients'
    parallel parts do. The sha256 is of every byte that passed through here. Closed before
    `stored()`, it removes whatever it sent."""

    def __init__(self, store, name):
        super().__init__()
        self.store, self.name = store, name
        self.key = new_object_key()
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.chunks, self.buffered = [], 0
        self.content_type = None
        self.limit = store.max_bytes
        self.upload_id = None
        self.parts = []  # (number, size, future of its ETag)
        self.finished = False

    def writable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        # The form parser rewinds each file it has written; nothing here is read back.
        return 0

    def write(self, data):
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge(f"{self.name} is larger than the limit of {self.limit} bytes")
        self.sha256.update(data)
        self.chunks.append(bytes(data))
        self.buffered += len(data)
        if self.content_type is None and self.buffered >= SNIFF_BYTES:
            self._sniff()
        if self.buffered >= STREAMED_PART_BYTES:
            self._send_part()
        return len(data)

    def _sniff(self):
        self.content_type = sniff(b"".join(self.chunks)[:SNIFF_BYTES], self.name)
        self.limit = min(self.store.max_bytes, self.store.limit(self.content_type))
        if self.size > self.limit:
            raise TooLarge(f"{self.name} is larger than the limit of {self.limit} bytes")

    def _taken(self):
        body, self.chunks, self.buffered = b"".join(self.chunks), [], 0
        return body

    def _send_part(self):
        if self.upload_id is None:
            self.upload_id = self.store.start_parts(self.key, self.content_type)
        in_flight = [future for _, _, future in self.parts if not future.done()]
        if len(in_flight) >= PARTS_IN_FLIGHT:
            wait(in_flight, return_when=FIRST_COMPLETED)  # a request holds a few parts, no more
        number, body = len(self.parts) + 1, self._taken()
        target = self.store.part_target(
            self.key, self.upload_id, number, len(body), self.store.until()
        )
        self.parts.append((number, len(body), _PART_SENDERS.submit(self.store._send, target, body)))

    def stored(self):
        """The file, finished: {sha256, size, content_type, object_key}."""
        if self.content_type is None:
            self._sniff()
        if self.upload_id is None:
            target = self.store.upload_target(
                self.key, self.size, self.content_type, self.sha256.hexdigest(), self.store.until()
            )
            self.store._send(target, self._taken())
        else:
            if self.buffered:
                self._send_part()
            parts = {number: (size, future.result()) for number, size, future in self.parts}
            self.store.finish_parts(self.key, self.upload_id, parts)
        self.finished = True
        return {
            "sha256": self.sha256.hexdigest(),
            "size": self.size,
            "content_type": self.content_type,
            "object_key": self.key,
        }

    def close(self):
        # Parts still on their way land before the upload is aborted, not after.
        wait([future for _, _, future in self.parts if not future.cancel()])
        if not self.finished and (self.upload_id or self.size):
            self.store.discard(self.key, self.upload_id)
        self.finished = True
        super().close()


class EvidenceFiles(DependencyProvider):
    """Injects the evidence store into a service that checks uploads and sweeps them."""

    def setup(self):
        settings = Settings.from_nameko(self.container.config)
        self.files = EvidenceStore(settings, settings.clock())

    def get_dependency(self, worker_ctx):
        return self.files
