"""Refusals: a read-only role writes nothing, a record that exists but is not the caller's is
404 to read and 403 to change, a taken USCC says nothing about who holds it, and evidence up to
its own limit gets through the gateway."""

import io
import json
import socket
from urllib.parse import urlsplit

import pytest

from tests.support.api import assert_problem, open_visit, read, register, upload
from tests.support.factories import enterprise, png


def test_auditor_cannot_add_findings_to_or_complete_an_inspection(sign_in, users):
    body, _ = register(sign_in, users)
    visit = open_visit(sign_in, body["uscc"])
    path = f"/api/v1/inspections/{visit['id']}"
    auditor = sign_in("auditor")
    assert_problem(
        auditor.post(
            path + "/findings", json={"description": "通道堵塞", "deadline": "2099-01-01"}
        ),
        403,
    )
    assert_problem(
        auditor.post(path + "/complete", json={"handling": "无", "signature": "王伟"}), 403
    )
    after = read(sign_in("minle"), path)
    assert after["state"] == "open" and after["findings"] == []


def test_evidence_verification_by_an_outsider_is_403_and_reading_it_404(sign_in, users):
    _, company = register(sign_in, users)
    uploaded = upload(company, png(11))
    assert uploaded.status_code == 201, uploaded.text
    path = f"/api/v1/evidence/{uploaded.json()['id']}"
    ganzhou = sign_in("ganzhou")
    assert_problem(ganzhou.post(path + "/verification"), 403, "forbidden")
    assert_problem(ganzhou.get(path), 404, "not_found")
    assert read(sign_in("minle"), path)["integrity"] == "unchecked"


def test_registering_another_countys_uscc_reveals_nothing_about_it(sign_in):
    ganzhou_firm = enterprise(region_code="620702", name="甘州区保密测试有限公司")
    assert sign_in("ganzhou").post("/api/v1/enterprises", json=ganzhou_firm).status_code == 201
    minle = sign_in("minle")
    own_firm = enterprise()
    assert minle.post("/api/v1/enterprises", json=own_firm).status_code == 201

    def duplicate_answer(uscc):
        reply = minle.post("/api/v1/enterprises", json=enterprise(uscc=uscc))
        assert_problem(reply, 409, "duplicate", "uscc")
        return reply.text.replace(uscc, "<uscc>")

    foreign = duplicate_answer(ganzhou_firm["uscc"])
    assert foreign == duplicate_answer(own_firm["uscc"])
    assert ganzhou_firm["name"] not in foreign and "620702" not in foreign
    assert_problem(minle.get(f"/api/v1/enterprises/{ganzhou_firm['uscc']}"), 404)


def test_evidence_larger_than_the_general_body_limit_is_accepted_up_to_its_own(
    sign_in, users, settings
):
    _, company = register(sign_in, users)
    # A video: its type's limit is above the general body limit (a photo's is not).
    header = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    content = header + b"\x00" * (settings.max_body_bytes + 1024 * 1024 - len(header))
    reply = company.post(
        "/api/v1/evidence", files={"file": ("现场视频.mp4", io.BytesIO(content), "video/mp4")}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["size"] == len(content)


def refused_before_the_application(platform, request):
    """The answer to raw request bytes, read until the gateway closes the connection."""
    url = urlsplit(platform.url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode("latin-1"), json.loads(body)


@pytest.mark.parametrize(
    "request_bytes, status, code",
    [
        (
            b"GET /api/v1/enterprises?q=" + b"x" * 10_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n",
            414,
            None,
        ),
        (b"GET /readyz HTTP/1.1\r\nHost: a\r\nX-Big: " + b"x" * 10_000 + b"\r\n\r\n", 431, None),
        (b"GET /readyz HTTP/9.9\r\nHost: a\r\n\r\n", 400, "bad_request"),
    ],
    ids=["url-too-long", "header-too-large", "unknown-http-version"],
)
def test_a_request_the_server_cannot_parse_is_refused_in_problem_json(
    platform, request_bytes, status, code
):
    answered, head, body = refused_before_the_application(platform, request_bytes)

    assert answered == status
    assert "Content-Type: application/problem+json" in head
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"].endswith("/" + body["code"])
    if code:
        assert body["code"] == code
