"""Evidence uploads straight to the object store, as a client makes them: declare the file,
PUT its bytes to the targets the gateway signed, confirm."""

import hashlib
import io
import os

import requests

from services.kit.evidence import EvidenceStore
from services.kit.pure.clock import Clock

UPLOADS = "/api/v1/evidence/uploads"
READ = 1024 * 1024


class File:
    """A file to upload, in memory or on disk, read a part at a time."""

    def __init__(self, content=None, path=None):
        self.content, self.path = content, path
        self.size = len(content) if content is not None else os.path.getsize(path)
        sha256 = hashlib.sha256()
        with self.open() as stream:
            while chunk := stream.read(READ):
                sha256.update(chunk)
        self.sha256 = sha256.hexdigest()

    def open(self):
        return io.BytesIO(self.content) if self.content is not None else open(self.path, "rb")

    def part(self, number, sizes):
        with self.open() as stream:
            stream.seek(sum(sizes[: number - 1]))
            return stream.read(sizes[number - 1])


def declaration(file, content_type, **fields):
    return {"size": file.size, "sha256": file.sha256, "content_type": content_type, **fields}


def put(target, body):
    """PUT `body` to a target, with exactly the headers the gateway signed."""
    return requests.put(target["url"], data=body, headers=target["headers"], timeout=120)


def send_parts(upload, file, targets=None):
    """Send the bytes of every target (by default, all the upload's) and fail on any refusal."""
    for target in targets or upload["targets"]:
        body = (
            file.part(target["part"], upload["parts"]) if "part" in target else file.open().read()
        )
        reply = put(target, body)
        assert reply.status_code == 200, reply.text


def open_upload(api, file, content_type, **fields):
    reply = api.post(UPLOADS, json=declaration(file, content_type, **fields))
    assert reply.status_code == 201, reply.text
    return reply.json()


def confirm(api, upload):
    return api.post(f"{UPLOADS}/{upload['id']}/confirmation")


def upload_evidence(api, file, content_type, **fields):
    """The whole journey of one file: open, send, confirm; the confirmation's reply."""
    upload = open_upload(api, file, content_type, **fields)
    send_parts(upload, file)
    return confirm(api, upload)


def object_store(settings):
    """The platform's bucket, to look at what is (not) stored."""
    return EvidenceStore(settings, Clock())


def stored(store, object_key):
    return any(True for _ in store.client.list_objects(store.bucket, prefix=object_key))


def parts_pending(store, object_key):
    """Whether the store still holds parts of an unfinished upload to `object_key`."""
    listed = store.client._list_multipart_uploads(store.bucket, prefix=object_key)
    return bool(listed.uploads)


def nothing_left(api, store, upload):
    """No object, no parts, no upload and no evidence remain of `upload`."""
    assert not stored(store, upload["object_key"])
    assert not parts_pending(store, upload["object_key"])
    assert api.get(f"{UPLOADS}/{upload['id']}").status_code == 404
    assert api.get(f"/api/v1/evidence/{upload['id']}").status_code == 404
