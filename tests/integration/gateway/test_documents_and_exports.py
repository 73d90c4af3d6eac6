"""Printed documents (PDF with an embedded Chinese font) and Excel exports of any list, through
the gateway: what a bureau prints and files, refused wherever the record itself is refused."""

import io

import pytest
from openpyxl import load_workbook

from services.kit.pure.clock import Clock
from tests.support.api import assert_problem, inspected, open_visit, register
from tests.support.factories import general_finding

PDF = "application/pdf"


@pytest.fixture(scope="module")
def completed(sign_in, users):
    """A 民乐县 enterprise inspected with two findings: (enterprise, inspection)."""
    body, _ = register(sign_in, users)
    record, _ = inspected(
        sign_in,
        body["uscc"],
        [general_finding("配电箱门未关闭"), general_finding("除尘器泄爆口朝向人员通道")],
    )
    return body, record


def assert_pdf_with_embedded_font(reply):
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"] == PDF
    assert reply.content.startswith(b"%PDF-")
    # The Chinese font travels inside the file, so it prints the same anywhere.
    assert b"/FontFile2" in reply.content


def test_the_on_site_record_and_the_order_to_rectify_print_as_pdf(sign_in, completed):
    _, record = completed
    inspector = sign_in("inspector-minle")
    assert_pdf_with_embedded_font(inspector.get(f"/api/v1/inspections/{record['id']}/record.pdf"))
    order = inspector.get(f"/api/v1/inspections/{record['id']}/rectification-order.pdf")
    assert_pdf_with_embedded_font(order)
    assert "attachment" in order.headers["Content-Disposition"]


def test_documents_are_refused_where_the_record_is(sign_in, completed):
    _, record = completed
    assert_problem(sign_in("ganzhou").get(f"/api/v1/inspections/{record['id']}/record.pdf"), 404)


def test_an_open_inspection_has_no_documents_yet(sign_in, completed):
    body, _ = completed
    visit = open_visit(sign_in, body["uscc"])
    reply = sign_in("inspector-minle").get(f"/api/v1/inspections/{visit['id']}/record.pdf")
    assert_problem(reply, 409, "conflict")


def test_the_targets_report_prints_for_the_bureau(sign_in):
    reply = sign_in("zhangye").get(
        "/api/v1/targets/report.pdf", params={"year": Clock().today().year}
    )
    assert_pdf_with_embedded_font(reply)


def test_a_list_exports_every_row_the_caller_sees_and_no_other(sign_in, completed):
    body, _ = completed
    minle = sign_in("minle")
    listed = minle.get(
        "/api/v1/hazards", params={"uscc": body["uscc"], "with_total": "true"}
    ).json()
    reply = minle.get(
        "/api/v1/exports/xlsx", params={"path": f"/api/v1/hazards?uscc={body['uscc']}"}
    )
    assert reply.status_code == 200, reply.text
    sheet = load_workbook(io.BytesIO(reply.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert "描述" in header and "统一社会信用代码" in header
    assert len(rows) - 1 == listed["total"] == 2
    described = {row[header.index("描述")] for row in rows[1:]}
    assert "配电箱门未关闭" in described

    # Another county exports the same list and finds nothing of 民乐县 in it.
    other = sign_in("ganzhou").get(
        "/api/v1/exports/xlsx", params={"path": f"/api/v1/hazards?uscc={body['uscc']}"}
    )
    assert other.status_code == 200, other.text
    assert len(list(load_workbook(io.BytesIO(other.content)).active.iter_rows())) <= 1


@pytest.mark.parametrize(
    "path",
    [
        "https://example.com/api/v1/hazards",
        "/api/v1/../../etc/passwd",
        "/api/v1/exports/xlsx?path=/api/v1/hazards",
        "/api/v1/hazards?grade=purple",
        "/api/v1/enterprises/91620722MA74XYZ123",
        '{"$gt": ""}',
        "",
    ],
)
def test_an_export_of_something_that_is_not_a_readable_list_is_refused(sign_in, path):
    assert_problem(sign_in("minle").get("/api/v1/exports/xlsx", params={"path": path}), 422)


def test_text_with_control_characters_exports_without_them(sign_in, users):
    body, _ = register(sign_in, users)
    inspected(sign_in, body["uscc"], [general_finding("配电箱\x01门未关闭\x0b")])
    reply = sign_in("minle").get(
        "/api/v1/exports/xlsx", params={"path": f"/api/v1/hazards?uscc={body['uscc']}"}
    )
    assert reply.status_code == 200, reply.text
    rows = list(load_workbook(io.BytesIO(reply.content)).active.iter_rows(values_only=True))
    assert rows[1][rows[0].index("描述")] == "配电箱门未关闭"
