"""A project list read from a spreadsheet: Chinese headers and words become a project's create
payload; values the reader cannot interpret are passed on for the schema to report."""

import io
from datetime import date

import openpyxl
import pytest

from services.kit.pure.errors import InvalidInput
from services.registry import project_spreadsheet


def workbook(*rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def test_rows_become_create_payloads_with_their_planned_stages():
    stream = workbook(
        ["统一社会信用代码", "项目名称", "项目类型", "金属冶炼项目", "计划竣工验收日期"],
        ["91620722MA01XYW0QX", "铜冶炼扩建项目", "扩建", "是", date(2026, 12, 1)],
        ["91620722MA01XYW0QX", "仓库项目", "拆除", "也许", None],
    )
    rows = list(project_spreadsheet.read_rows(stream, "项目.xlsx"))
    assert rows == [
        {
            "row": 2,
            "fields": {
                "uscc": "91620722MA01XYW0QX",
                "name": "铜冶炼扩建项目",
                "kind": "extension",
                "metal_smelting": True,
                "planned": {"acceptance": "2026-12-01"},
            },
        },
        {
            "row": 3,
            "fields": {
                "uscc": "91620722MA01XYW0QX",
                "name": "仓库项目",
                "kind": "拆除",
                "metal_smelting": "也许",
            },
        },
    ]


def test_a_header_without_the_required_columns_is_refused_before_any_row():
    with pytest.raises(InvalidInput) as refused:
        list(project_spreadsheet.read_rows(workbook(["项目名称"], ["x"]), "项目.xlsx"))
    assert "金属冶炼项目" in str(refused.value.errors)
