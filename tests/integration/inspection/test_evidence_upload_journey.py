"""An enterprise of 620722 documents a hazard's rectification from the site, through the gateway
and the object store only: a 15 MB scan, a photo (which gets a thumbnail) and a 300 MB video
sent in parts and resumed after the connection dropped half-way. Each is recorded with the right
sha256 and type, listed on the hazard, and used as evidence the way every caller uses it."""

import http.client
import io
import os
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from tests.support.api import assert_problem, inspected, read, register
from tests.support.factories import general_finding
from tests.support.uploads import (
    UPLOADS,
    File,
    confirm,
    nothing_left,
    object_store,
    open_upload,
    send_parts,
    upload_evidence,
)
from tests.support.waiting import wait_until

MB = 1000 * 1000
MP4_HEADER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


@pytest.fixture(scope="module")
def site(sign_in, users):
    body, company = register(sign_in, users)
    _, hazards = inspected(sign_in, body["uscc"], [general_finding()])
    return {"company": company, "hazard": hazards["general"][0]}


@pytest.fixture(scope="module")
def store(settings):
    return object_store(settings)


def photo():
    """A real JPEG of a site, as a phone takes it (noise compresses as badly as a photo)."""
    picture = io.BytesIO()
    Image.effect_noise((1600, 1200), 64).convert("RGB").save(picture, "JPEG", quality=90)
    return picture.getvalue()


def recorded_as(record):
    """What the evidence record says of its file: sha256, size and (sniffed) type."""
    return record["sha256"], record["size"], record["content_type"]


def hazard_evidence(api, hazard):
    return {item["id"]: item for item in read(api, f"/api/v1/evidence?hazard_id={hazard}")["items"]}


def test_a_scan_and_a_photo_are_recorded_listed_on_the_hazard_and_the_photo_gets_a_thumbnail(
    site, sign_in
):
    company, hazard = site["company"], site["hazard"]
    scan = File(b"%PDF-1.7\n" + os.urandom(15 * MB - 9))
    picture = File(photo())

    recorded_scan = upload_evidence(
        company, scan, "application/pdf", hazard_id=hazard, filename="整改报告.pdf"
    )
    recorded_photo = upload_evidence(company, picture, "image/jpeg", hazard_id=hazard)

    assert recorded_scan.status_code == 201, recorded_scan.text
    assert recorded_photo.status_code == 201, recorded_photo.text
    scan_record, photo_record = recorded_scan.json(), recorded_photo.json()
    assert recorded_as(scan_record) == (scan.sha256, scan.size, "application/pdf")
    assert (photo_record["sha256"], photo_record["content_type"]) == (picture.sha256, "image/jpeg")
    listed = wait_until(
        lambda: (
            (found := hazard_evidence(company, hazard))
            and "thumbnail_url" in found.get(photo_record["id"], {})
            and found
        ),
        message="the photo's thumbnail",
    )
    assert {scan_record["id"], photo_record["id"]} <= set(listed)
    assert "thumbnail_url" not in listed[scan_record["id"]]
    thumbnail = requests.get(listed[photo_record["id"]]["thumbnail_url"], timeout=30)
    assert thumbnail.headers["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert max(small.size) <= 320
    original = requests.get(listed[scan_record["id"]]["url"], timeout=30)
    assert original.content == scan.content

    # Evidence ids serve every caller as before: a rectification, and the bureau's check.
    rectified = company.post(
        f"/api/v1/hazards/{hazard}/rectification",
        json={"evidence": [scan_record["id"], photo_record["id"]], "note": "已整改"},
    )
    assert rectified.status_code == 200, rectified.text
    checked = sign_in("inspector-minle").post(f"/api/v1/evidence/{scan_record['id']}/verification")
    assert checked.status_code == 200, checked.text
    assert checked.json()["integrity"] == "intact"


def test_a_scan_sent_as_the_request_body_is_recorded_in_one_request(site, sign_in):
    company, hazard = site["company"], site["hazard"]
    scan = File(b"%PDF-1.7\n" + os.urandom(15 * MB - 9))

    recorded = company.post(
        "/api/v1/evidence/file",
        params={"hazard_id": hazard, "filename": "整改通知回执.pdf", "latitude": "38.43"},
        data=scan.content,
        # The type sent is not believed: the record says what the bytes are.
        headers={"Content-Type": "application/octet-stream"},
    )

    assert recorded.status_code == 201, recorded.text
    record = recorded.json()
    assert recorded_as(record) == (scan.sha256, scan.size, "application/pdf")
    assert (record["filename"], record["latitude"], record["uscc"]) == (
        "整改通知回执.pdf",
        38.43,
        read(company, f"/api/v1/hazards/{hazard}")["uscc"],
    )
    listed = hazard_evidence(company, hazard)[record["id"]]
    assert requests.get(listed["url"], timeout=30).content == scan.content
    checked = sign_in("inspector-minle").post(f"/api/v1/evidence/{record['id']}/verification")
    assert checked.json()["integrity"] == "intact"


def test_a_disguised_file_leaves_no_object_and_no_record(site, store):
    company = site["company"]
    disguised = File(b"MZ\x90\x00" + os.urandom(20_000))
    upload = open_upload(company, disguised, "video/mp4", filename="入场视频.mp4")
    send_parts(upload, disguised)

    assert_problem(confirm(company, upload), 422, "invalid_input", "file")

    nothing_left(company, store, upload)
    assert upload["id"] not in hazard_evidence(company, site["hazard"])


def cut_off(target, body):
    """Send the headers and half the body, then drop the connection, as a phone losing its
    network does."""
    url = urlsplit(target["url"])
    connection = http.client.HTTPConnection(url.netloc, timeout=30)
    connection.putrequest("PUT", f"{url.path}?{url.query}", skip_accept_encoding=True)
    for name, value in target["headers"].items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(body[: len(body) // 2])
    connection.close()


@pytest.mark.slow
def test_a_300_mb_video_resumes_after_the_connection_drops_half_way(site, tmp_path, store):
    company, hazard = site["company"], site["hazard"]
    path = tmp_path / "受限空间作业.mp4"
    try:
        with path.open("wb") as out:
            out.write(MP4_HEADER)
            for _ in range(30):
                out.write(os.urandom(10 * MB))
        video = File(path=path)
        upload = open_upload(company, video, "video/mp4", hazard_id=hazard)
        half = len(upload["parts"]) // 2
        send_parts(upload, video, upload["targets"][: half - 1])
        cut_off(upload["targets"][half - 1], video.part(half, upload["parts"]))

        resumed = read(company, f"{UPLOADS}/{upload['id']}")
        assert resumed["received"] == list(range(1, half))
        assert [target["part"] for target in resumed["targets"]] == list(
            range(half, len(upload["parts"]) + 1)
        )
        send_parts(resumed, video)
        recorded = confirm(company, upload)

        assert recorded.status_code == 201, recorded.text
        record = recorded.json()
        assert recorded_as(record) == (video.sha256, video.size, "video/mp4")
        assert record["id"] in hazard_evidence(company, hazard)
    finally:
        path.unlink(missing_ok=True)
