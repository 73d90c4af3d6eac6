"""Any list of the API as an Excel workbook: every page of it, read as the caller reads it.

The list is read through the gateway's own routes with the caller's token, page by page, so an
export shows exactly the rows, filters and jurisdiction the same list shows on screen, and a route
added later exports without a line here.
"""

import io
import json
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, request, send_file
from flask.views import MethodView
from marshmallow import RAISE, fields, validate
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from werkzeug.test import EnvironBuilder, run_wsgi_app

from gateway.blueprint import ServiceBlueprint
from services.kit.pure.errors import InvalidInput, TooLarge
from services.kit.pure.schemas import MAX_PAGE_SIZE, StrictSchema
from services.kit.spreadsheets import XLSX_TYPE

blp = ServiceBlueprint(
    "exports", __name__, url_prefix="/api/v1/exports", description="Lists as Excel workbooks"
)
MAX_ROWS = 20_000
# Column titles of the fields lists most often carry; any other field keeps its own name.
TITLES = {
    "id": "编号",
    "name": "名称",
    "enterprise_name": "企业",
    "uscc": "统一社会信用代码",
    "region_code": "地区代码",
    "industry": "行业",
    "address": "地址",
    "status": "状态",
    "state": "状态",
    "grade": "等级",
    "description": "描述",
    "location": "位置",
    "deadline": "期限",
    "place": "地点",
    "mode": "方式",
    "kind": "类别",
    "valid_until": "有效期至",
}


class ExportQuerySchema(StrictSchema):
    path = fields.String(
        required=True,
        validate=[validate.Length(max=2000), validate.Regexp(r"^/api/v1/[a-z0-9/_-]+(\?.*)?$")],
        metadata={
            "description": "a list route of this API with its filters, e.g. "
            "/api/v1/hazards?grade=major"
        },
    )


def _page(path, query, page):
    """One page of the list, through the app as the caller."""
    environ = EnvironBuilder(
        path=path,
        query_string={**query, "page": page, "page_size": MAX_PAGE_SIZE},
        headers={"Authorization": request.headers.get("Authorization", "")},
    ).get_environ()
    body, status, headers = run_wsgi_app(current_app.wsgi_app, environ, buffered=True)
    content = b"".join(body)
    answer = json.loads(content) if content else {}
    if not status.startswith("200"):
        raise InvalidInput(
            f"the list {path} cannot be exported: {answer.get('detail', status)}",
            {"path": [answer.get("detail", status)]},
        )
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        raise InvalidInput(f"{path} is not a list", {"path": ["not a list"]})
    return answer


def _rows(path, query):
    page, rows = 1, []
    while True:
        answer = _page(path, query, page)
        rows.extend(answer["items"])
        if len(rows) > MAX_ROWS:
            raise TooLarge(f"more than {MAX_ROWS} rows: narrow the list with its filters")
        if not answer.get("has_more"):
            return rows
        page += 1


def _cell(value):
    """A value as a worksheet takes it: plain numbers and booleans as they are; text without the
    control characters and unpaired surrogates a record's text may hold, which a worksheet
    refuses; anything else as its text."""
    if isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        # Beyond 15 digits Excel rounds a number: such a figure is kept exactly, as text.
        return value if abs(value) < 10**15 else str(value)
    text = str(value).encode("utf-8", "replace").decode("utf-8")
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _workbook(rows):
    """The rows' plain fields as columns, in the order they first appear."""
    columns = []
    for row in rows:
        for key, value in row.items():
            if key not in columns and not isinstance(value, dict | list):
                columns.append(key)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("列表")
    sheet.append([_cell(TITLES.get(column, column)) for column in columns])
    for row in rows:
        sheet.append(
            [None if row.get(column) is None else _cell(row.get(column)) for column in columns]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


@blp.route("/xlsx")
class ListExport(MethodView):
    @blp.arguments(ExportQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX_TYPE)
    def get(self, query):
        """Every page of a list of this API, with its filters, as an .xlsx workbook"""
        target = urlsplit(query["path"])
        if target.path.startswith(blp.url_prefix):
            raise InvalidInput("an export cannot export an export", {"path": ["an export"]})
        # The list's own filters travel inside `path`; the pages are the export's to choose.
        filters = {
            key: value
            for key, value in parse_qsl(target.query, keep_blank_values=True)
            if key not in ("page", "page_size")
        }
        rows = _rows(target.path, filters)
        name = target.path.rstrip("/").rsplit("/", 1)[-1] or "list"
        return send_file(
            _workbook(rows), mimetype=XLSX_TYPE, as_attachment=True, download_name=f"{name}.xlsx"
        )
