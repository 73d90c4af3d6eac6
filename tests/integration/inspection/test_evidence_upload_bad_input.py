"""Uploads straight to the object store, refused: each refusal by the platform is problem+json
with a stable code, and leaves no object, no parts, no upload and no evidence behind. What the
object store refuses itself (a PUT of other bytes than were signed for) it answers in S3's own
XML; the confirmation that follows is refused by the platform and cleans up."""

import io
import os
import socket
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.api import Api, assert_problem, inspected, read, register
from tests.support.factories import general_finding, png
from tests.support.uploads import (
    UPLOADS,
    File,
    confirm,
    declaration,
    nothing_left,
    object_store,
    open_upload,
    parts_pending,
    put,
    send_parts,
    stored,
)
from tests.support.waiting import wait_until

MIB = 1024 * 1024
PDF = b"%PDF-1.7\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8)


@pytest.fixture(scope="module")
def site(sign_in, users):
    """An enterprise of 620722 with its user and an open hazard, and a second enterprise."""
    body, company = register(sign_in, users)
    _, hazards = inspected(sign_in, body["uscc"], [general_finding()])
    other, other_company = register(sign_in, users)
    return {
        "uscc": body["uscc"],
        "company": company,
        "hazard": hazards["general"][0],
        "other": other["uscc"],
        "other_company": other_company,
    }


@pytest.fixture(scope="module")
def store(settings):
    return object_store(settings)


def test_an_executable_declared_as_a_photo_is_refused_at_confirmation_and_removed(site, store):
    company = site["company"]
    file = File(ELF + os.urandom(4096))
    upload = open_upload(company, file, "image/jpeg", filename="photo.jpg")
    send_parts(upload, file)
    assert stored(store, upload["object_key"])

    assert_problem(confirm(company, upload), 422, "invalid_input", "file")

    nothing_left(company, store, upload)


def test_a_pdf_declared_as_a_photo_is_refused(site, store):
    company = site["company"]
    file = File(PDF + os.urandom(3000))
    upload = open_upload(company, file, "image/png", filename="scan.png")
    send_parts(upload, file)

    assert_problem(confirm(company, upload), 422, "invalid_input", "content_type")

    nothing_left(company, store, upload)


@pytest.mark.parametrize(
    "sent, refusal",
    [
        # The length is signed: more bytes than declared are refused before they are stored.
        (lambda declared: declared + b"more", (403, "SignatureDoesNotMatch")),
        # So is the sha256: other bytes of the same length are refused once they have arrived.
        (lambda declared: PDF + os.urandom(len(declared) - len(PDF)), (400, "Checksum")),
    ],
    ids=["more-bytes", "other-bytes"],
)
def test_bytes_other_than_declared_are_refused_by_the_store_and_then_the_confirmation(
    site, store, sent, refusal
):
    company = site["company"]
    file = File(PDF + os.urandom(3000))
    upload = open_upload(company, file, "application/pdf")
    target = upload["targets"][0]
    # requests measures the body itself, whatever length was declared.
    headers = {**target["headers"], "content-length": None}

    refused = put({**target, "headers": headers}, sent(file.content))

    assert (refused.status_code, refusal[1] in refused.text) == (refusal[0], True), refused.text
    assert not stored(store, upload["object_key"])
    assert_problem(confirm(company, upload), 422, "invalid_input", "file")
    nothing_left(company, store, upload)


def test_a_file_over_its_types_limit_is_refused_before_any_byte_is_sent(site, settings):
    company = site["company"]
    too_big = settings.evidence_document_max_bytes + 1
    body = {"size": too_big, "sha256": "0" * 64, "content_type": "image/jpeg"}

    assert_problem(company.post(UPLOADS, json=body), 413, "too_large", "size")
    video = {**body, "content_type": "video/mp4"}
    assert company.post(UPLOADS, json=video).status_code == 201


@pytest.mark.parametrize(
    "change, field",
    [
        ({"content_type": "text/plain"}, "content_type"),
        ({"size": 0}, "size"),
        ({"sha256": "not a hash"}, "sha256"),
        ({"uscc": {"$gt": ""}}, "uscc"),
        ({"object_key": "evidence/chosen-by-me"}, "object_key"),
    ],
    ids=["type", "size", "hash", "operator", "key"],
)
def test_a_bad_declaration_is_refused(site, change, field):
    file = File(png(3))
    body = {**declaration(file, "image/png"), **change}
    assert_problem(site["company"].post(UPLOADS, json=body), 422, "invalid_input", field)


def test_confirming_an_upload_nothing_was_sent_to_is_refused_and_ends_it(site, store):
    company = site["company"]
    upload = open_upload(company, File(png(4)), "image/png")

    assert_problem(confirm(company, upload), 422, "invalid_input", "file")

    nothing_left(company, store, upload)


def test_a_file_sent_to_another_uploads_target_does_not_confirm_this_one(site, store):
    company = site["company"]
    first, second = File(png(5)), File(png(6))
    sent = open_upload(company, first, "image/png")
    not_sent = open_upload(company, second, "image/png")
    send_parts(sent, first)

    assert_problem(confirm(company, not_sent), 422, "invalid_input", "file")
    nothing_left(company, store, not_sent)
    assert confirm(company, sent).status_code == 201


def test_a_confirmed_upload_is_not_confirmed_again_and_its_target_changes_nothing(site, store):
    company = site["company"]
    file = File(png(8))
    upload = open_upload(company, file, "image/png")
    send_parts(upload, file)
    recorded = confirm(company, upload)
    assert recorded.status_code == 201, recorded.text

    assert_problem(confirm(company, upload), 409, "conflict")
    # A target takes one file: the object store refuses it again, even the very same bytes.
    again = put(upload["targets"][0], file.content)
    assert again.status_code == 412 and "PreconditionFailed" in again.text
    assert put(upload["targets"][0], png(9)).status_code in (400, 403, 412)
    assert company.get(f"/api/v1/evidence/{upload['id']}").json()["sha256"] == file.sha256


def test_parts_with_other_content_than_declared_are_refused_and_removed(site, store, settings):
    company = site["company"]
    size = settings.evidence_part_bytes + MIB
    declared_file = File(PDF + os.urandom(size - len(PDF)))
    sent_file = File(PDF + os.urandom(size - len(PDF)))
    upload = open_upload(company, declared_file, "application/pdf")
    assert len(upload["parts"]) == 2
    send_parts(upload, sent_file)

    assert_problem(confirm(company, upload), 422, "invalid_input", "sha256")

    nothing_left(company, store, upload)


def test_a_part_target_of_a_finished_upload_takes_nothing(site, store, settings):
    company = site["company"]
    size = settings.evidence_part_bytes + MIB
    file = File(PDF + os.urandom(size - len(PDF)))
    upload = open_upload(company, file, "application/pdf")
    send_parts(upload, file)
    assert confirm(company, upload).status_code == 201

    again = put(upload["targets"][0], file.part(1, upload["parts"]))

    assert again.status_code == 404 and "NoSuchUpload" in again.text
    assert company.post(f"/api/v1/evidence/{upload['id']}/verification").status_code == 403


def test_confirming_before_every_part_arrived_keeps_what_was_sent(site, store, settings):
    company = site["company"]
    size = settings.evidence_part_bytes + MIB
    file = File(PDF + os.urandom(size - len(PDF)))
    upload = open_upload(company, file, "application/pdf")
    send_parts(upload, file, upload["targets"][:1])

    assert_problem(confirm(company, upload), 409, "conflict", "parts")

    state = company.get(f"{UPLOADS}/{upload['id']}").json()
    assert state["received"] == [1] and [target["part"] for target in state["targets"]] == [2]
    send_parts(state, file)
    assert confirm(company, upload).status_code == 201


def test_an_enterprise_cannot_upload_for_another(site, store):
    file = File(png(10))
    other = site["other_company"]
    for_another = other.post(UPLOADS, json=declaration(file, "image/png", uscc=site["uscc"]))
    assert_problem(for_another, 403, "forbidden")
    its_hazard = other.post(UPLOADS, json=declaration(file, "image/png", hazard_id=site["hazard"]))
    assert_problem(its_hazard, 422, "invalid_input", "hazard_id")


def test_an_upload_is_the_uploaders_alone(site, store):
    file = File(png(12))
    upload = open_upload(site["company"], file, "image/png")
    send_parts(upload, file)
    other = site["other_company"]

    assert_problem(other.get(f"{UPLOADS}/{upload['id']}"), 404, "not_found")
    assert_problem(confirm(other, upload), 403, "forbidden")
    assert confirm(site["company"], upload).status_code == 201


def objects(store):
    """Every evidence file of the session's bucket (its own: nothing else writes there)."""
    listed = store.client.list_objects(store.bucket, prefix="evidence/", recursive=True)
    return {item.object_name for item in listed}


def test_the_direct_post_of_a_disguised_file_leaves_nothing(site, store):
    before = objects(store)
    reply = site["company"].post(
        "/api/v1/evidence",
        files={"file": ("photo.jpg", io.BytesIO(ELF + bytes(4096)), "image/jpeg")},
    )
    assert_problem(reply, 422, "invalid_input", "file")
    assert objects(store) == before


def test_a_direct_post_refused_by_the_service_removes_its_object(site, store):
    before = objects(store)
    reply = site["other_company"].post(
        "/api/v1/evidence",
        data={"hazard_id": site["hazard"]},
        files={"file": ("fix.png", io.BytesIO(png(13)), "image/png")},
    )
    assert_problem(reply, 422, "invalid_input", "hazard_id")
    assert objects(store) == before


def post_file(api, body, **query):
    return api.post("/api/v1/evidence/file", params=query, data=body)


@pytest.mark.parametrize(
    "who, body, query, status, field",
    [
        ("company", ELF + bytes(4096), {"filename": "photo.jpg"}, 422, "file"),
        ("company", b"", {}, 422, "file"),
        ("other_company", png(15), {"hazard_id": "hazard"}, 422, "hazard_id"),
        ("other_company", png(16), {"uscc": "company"}, 403, None),
        ("company", png(17), {"latitude": "north"}, 422, "latitude"),
    ],
    ids=[
        "disguised-executable",
        "empty",
        "another-enterprises-hazard",
        "for-another-enterprise",
        "latitude-not-a-number",
    ],
)
def test_a_file_sent_as_the_body_and_refused_leaves_nothing(
    site, store, who, body, query, status, field
):
    named = {"hazard": site["hazard"], "company": site["uscc"]}
    query = {key: named.get(value, value) for key, value in query.items()}
    before = objects(store)

    reply = post_file(site[who], body, **query)

    assert_problem(reply, status, None, field)
    assert objects(store) == before


def test_a_body_over_its_types_limit_is_refused_before_it_is_stored(site, store, settings):
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(settings.evidence_document_max_bytes)
    before = objects(store)

    assert_problem(post_file(site["company"], photo), 413, "too_large")
    assert objects(store) == before


def test_a_body_of_unknown_length_is_refused(site, store):
    before = objects(store)

    reply = post_file(site["company"], iter([png(19)]))

    assert_problem(reply, 411, "length_required")
    assert objects(store) == before


@pytest.mark.slow
def test_uploads_never_confirmed_are_swept_with_their_bytes(site, store, settings, platform):
    company = site["company"]
    whole = File(png(14))
    single = open_upload(company, whole, "image/png")
    send_parts(single, whole)
    large = File(PDF + os.urandom(settings.evidence_part_bytes + MIB))
    in_parts = open_upload(company, large, "application/pdf")
    send_parts(in_parts, large, in_parts["targets"][:1])
    assert stored(store, single["object_key"]) and parts_pending(store, in_parts["object_key"])
    try:
        # Two hours on, both uploads are past their time; the sweep runs every second.
        platform.restart(
            "inspection",
            clock_offset_seconds=settings.evidence_upload_seconds + 3600,
            evidence_sweep_seconds=1,
        )
        for upload in (single, in_parts):
            wait_until(
                lambda upload=upload: company.get(f"{UPLOADS}/{upload['id']}").status_code == 404,
                timeout=60,
                message="the sweep to end the upload",
            )
            nothing_left(company, store, upload)
    finally:
        platform.restart("inspection")


def test_slow_uploads_take_only_the_gateways_upload_slots(site, store, platform, sign_in):
    """An uploader on a slow network holds its slot, not the gateway: a second upload is refused
    at once (503, retry), the API still answers, and the slot is free again once the first is
    in."""
    photo = png(20) + bytes(200_000)
    platform.restart("gateway", gateway_upload_slots=1)
    # A session of its own: the site's kept connections went with the gateway just restarted.
    company = Api(platform.url, site["company"].session.headers["Authorization"].split()[1])
    try:
        url = urlsplit(platform.url)
        slow = socket.create_connection((url.hostname, url.port), timeout=30)
        slow.sendall(
            b"POST /api/v1/evidence/file HTTP/1.1\r\nHost: gateway\r\n"
            + f"Authorization: {company.session.headers['Authorization']}\r\n".encode()
            + f"Content-Length: {len(photo)}\r\n\r\n".encode()
            + photo[:50_000]
        )

        def refused_at_once():
            try:
                reply = post_file(company, png(21))
            except requests.ConnectionError:
                return None  # the refusal may close the connection before the body is sent
            # A refused reply is falsy (requests' Response is true only when ok): in a list.
            return reply.status_code == 503 and [reply]

        (refused,) = wait_until(
            refused_at_once, message="the second upload refused while the first holds the only slot"
        )
        assert_problem(refused, 503, "busy")
        assert int(refused.headers["Retry-After"]) >= 1
        assert read(sign_in("minle"), f"/api/v1/enterprises/{site['uscc']}")["uscc"] == site["uscc"]

        slow.sendall(photo[50_000:])
        answer = slow.recv(65536)
        slow.close()
        assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
        assert post_file(company, png(22)).status_code == 201
    finally:
        platform.restart("gateway")
