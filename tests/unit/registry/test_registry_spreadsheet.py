"""Enterprise lists in Excel: what an import makes of a file, and exports that import unchanged."""

import io
import json
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from services.kit.pure.errors import InvalidInput, TooLarge
from services.kit.pure.vocabulary import INDUSTRIES, RISK_FEATURES
from services.registry.domain import STATUSES
from services.registry.schemas import EnterpriseCreateSchema
from services.registry.spreadsheet import (
    COLUMNS,
    INDUSTRY_NAMES,
    LABELS,
    RISK_FEATURE_NAMES,
    STATUS_NAMES,
    read_rows,
    write_xlsx,
)

MINIMAL_CELLS = {
    "uscc": "914403001922038216",
    "name": "深圳市华强机械有限公司",
    "region_code": "440300",
    "address": "深圳市南山区科技园1号",
    "industry": "机械",
    "principal_name": "张三",
    "principal_phone": "13800000000",
}
MINIMAL_FIELDS = {
    "uscc": "914403001922038216",
    "name": "深圳市华强机械有限公司",
    "region_code": "440300",
    "address": "深圳市南山区科技园1号",
    "industry": "machinery",
    "principal": {"name": "张三", "phone": "13800000000"},
}
FULL_ENTERPRISE = {
    "uscc": "914403001922038216",
    "name": "深圳市华强机械有限公司",
    "region_code": "440300",
    "address": "深圳市南山区科技园1号",
    "industry": "machinery",
    "above_scale": True,
    "principal": {"name": "张三", "phone": "13800000000"},
    "safety_manager": {"name": "李四", "phone": "0755-88886666"},
    "risk_features": ["confined_space", "dust_explosion"],
    "standardization": {
        "grade": 2,
        "graded_on": "2023-05-01",
        "expires_on": "2026-05-01",
        "review_due_on": "2026-01-31",
        "state": "valid",
    },
    "status": "operating",
    "status_history": [
        {"status": "operating", "reason": "registered", "effective_on": "2023-01-01"}
    ],
    "uscc_override": None,
}
BARE_ENTERPRISE = {
    "uscc": "91110108MA01ABCD2X",
    "name": "北京某轻工厂",
    "region_code": "110108",
    "address": "北京市海淀区",
    "industry": "light_industry",
    "above_scale": False,
    "principal": {"name": "王五", "phone": "010-62345678"},
    "safety_manager": None,
    "risk_features": [],
    "standardization": None,
    "status": "suspended",
}


def xlsx_file(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    return stream


def csv_file(lines, encoding="utf-8"):
    return io.BytesIO("\r\n".join(",".join(line) for line in lines).encode(encoding))


def imported_fields(**cells):
    """The fields of a one-row sheet holding the minimal required cells plus `cells`."""
    values = {**MINIMAL_CELLS, **cells}
    stream = xlsx_file([[LABELS[key] for key in values], list(values.values())])
    [row] = read_rows(stream, "企业名单.xlsx")
    return row["fields"]


def exported(enterprises):
    stream = io.BytesIO()
    write_xlsx(enterprises, stream)
    stream.seek(0)
    return stream


def create_payload(enterprise):
    """What an API client would send to create this enterprise."""
    payload = {
        key: enterprise[key]
        for key in (
            "uscc",
            "name",
            "region_code",
            "address",
            "industry",
            "above_scale",
            "principal",
        )
    }
    if enterprise["safety_manager"]:
        payload["safety_manager"] = enterprise["safety_manager"]
    if enterprise["risk_features"]:
        payload["risk_features"] = enterprise["risk_features"]
    if enterprise["standardization"]:
        payload["standardization"] = {
            key: enterprise["standardization"][key] for key in ("grade", "graded_on", "expires_on")
        }
    return payload


def schema_errors(fields):
    try:
        EnterpriseCreateSchema().load(fields)
    except ValidationError as error:
        return error.messages
    return {}


def test_names_cover_every_code_the_registry_knows():
    assert set(INDUSTRY_NAMES) == set(INDUSTRIES)
    assert set(RISK_FEATURE_NAMES) == set(RISK_FEATURES)
    assert set(STATUS_NAMES) == set(STATUSES)


def test_export_imports_again_as_the_same_create_payloads():
    stream = exported(iter([FULL_ENTERPRISE, BARE_ENTERPRISE]))
    rows = list(read_rows(stream, "export.xlsx"))
    assert [row["fields"] for row in rows] == [
        create_payload(FULL_ENTERPRISE),
        create_payload(BARE_ENTERPRISE),
    ]
    assert all(schema_errors(row["fields"]) == {} for row in rows)


def test_export_is_written_for_people_reading_chinese():
    sheet = openpyxl.load_workbook(exported([FULL_ENTERPRISE, BARE_ENTERPRISE])).active
    header, full, bare = (list(row) for row in sheet.iter_rows(values_only=True))
    assert header == [label for _, label in COLUMNS]
    by_label = dict(zip(header, full, strict=True))
    assert by_label["行业"] == "机械"
    assert by_label["规模以上"] == "是"
    assert by_label["风险特征"] == "有限空间、粉尘涉爆"
    assert by_label["标准化评定日期"] == datetime(2023, 5, 1)  # a date cell, not text
    assert by_label["状态"] == "在营"
    assert dict(zip(header, bare, strict=True))["规模以上"] == "否"


def test_text_excel_would_evaluate_is_exported_as_plain_text():
    enterprise = {
        **BARE_ENTERPRISE,
        "name": '=HYPERLINK("http://example.com","x")',
        "address": "#N/A",
    }
    stream = exported([enterprise])
    cells = list(openpyxl.load_workbook(stream).active.iter_rows(min_row=2))[0]
    assert [cell.data_type for cell in cells[1:4]] == ["s", "s", "s"]
    stream.seek(0)
    [row] = read_rows(stream, "export.xlsx")
    assert row["fields"]["name"] == enterprise["name"]
    assert row["fields"]["address"] == "#N/A"


def test_characters_a_workbook_cannot_hold_are_dropped_not_fatal():
    stream = exported([{**BARE_ENTERPRISE, "name": "北京\x07某\ufffe轻工厂"}])
    [row] = read_rows(stream, "export.xlsx")
    assert row["fields"]["name"] == "北京某轻工厂"


# Text as it survives a spreadsheet: no control characters, no surrounding spaces.
cell_text = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Co")), min_size=2, max_size=40)
    .map(str.strip)
    .filter(lambda text: len(text) >= 2)
)
people = st.fixed_dictionaries(
    {"name": cell_text, "phone": st.from_regex(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}", fullmatch=True)}
)
dates = st.dates(date(1990, 1, 1), date(2040, 12, 31)).map(date.isoformat)
enterprises = st.fixed_dictionaries(
    {
        "uscc": st.from_regex(r"[0-9A-Z]{18}", fullmatch=True),
        "name": cell_text,
        "region_code": st.from_regex(r"\d{6}", fullmatch=True),
        "address": cell_text,
        "industry": st.sampled_from(INDUSTRIES),
        "above_scale": st.booleans(),
        "principal": people,
        "safety_manager": st.none() | people,
        "risk_features": st.lists(st.sampled_from(RISK_FEATURES), unique=True),
        "standardization": st.none()
        | st.fixed_dictionaries(
            {"grade": st.integers(1, 3), "graded_on": dates, "expires_on": dates}
        ),
        "status": st.sampled_from(STATUSES),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(enterprises, min_size=1, max_size=5))
def test_any_export_round_trips(batch):
    rows = list(read_rows(exported(batch), "export.xlsx"))
    assert [row["fields"] for row in rows] == [create_payload(item) for item in batch]
    assert [row["row"] for row in rows] == list(range(2, len(batch) + 2))


def test_english_headers_are_recognised_whatever_their_case_and_spacing():
    header = [f"  {key.upper()} " for key in MINIMAL_CELLS]
    stream = xlsx_file([header, list(MINIMAL_CELLS.values())])
    [row] = read_rows(stream, "list.xlsx")
    assert row == {"row": 2, "fields": MINIMAL_FIELDS}


def test_minimal_row_becomes_a_valid_create_payload():
    fields = imported_fields()
    assert fields == MINIMAL_FIELDS
    assert schema_errors(fields) == {}


@pytest.mark.parametrize("name, code", [(name, code) for code, name in INDUSTRY_NAMES.items()])
def test_industry_by_chinese_name(name, code):
    assert imported_fields(industry=name)["industry"] == code


def test_industry_by_english_code():
    assert imported_fields(industry=" textile ")["industry"] == "textile"


def test_unknown_industry_is_passed_on_for_the_schema_to_report():
    fields = imported_fields(industry="钢铁")
    assert fields["industry"] == "钢铁"
    assert "industry" in schema_errors(fields)


@pytest.mark.parametrize(
    "cell",
    [
        "粉尘涉爆,有限空间",
        "粉尘涉爆，有限空间",
        "粉尘涉爆、有限空间",
        "粉尘涉爆;有限空间",
        " 粉尘涉爆 、 confined_space 、",
    ],
)
def test_risk_features_in_any_list_style(cell):
    assert imported_fields(risk_features=cell)["risk_features"] == [
        "dust_explosion",
        "confined_space",
    ]


def test_every_risk_feature_name_is_understood():
    cell = "、".join(RISK_FEATURE_NAMES.values())
    assert imported_fields(risk_features=cell)["risk_features"] == list(RISK_FEATURE_NAMES)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("是", True),
        ("否", False),
        ("TRUE", True),
        ("false", False),
        ("Yes", True),
        ("no", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0.0, False),
        (True, True),
        (False, False),
    ],
)
def test_above_scale_words_and_cells(cell, expected):
    assert imported_fields(above_scale=cell)["above_scale"] is expected


def test_uninterpretable_above_scale_is_passed_on_for_the_schema_to_report():
    fields = imported_fields(above_scale="大概")
    assert fields["above_scale"] == "大概"
    assert "above_scale" in schema_errors(fields)


@pytest.mark.parametrize(
    "cell, expected",
    [
        (datetime(2023, 5, 1), "2023-05-01"),
        (date(2023, 5, 1), "2023-05-01"),
        ("2023-05-01", "2023-05-01"),
        (" 2023-5-1 ", "2023-05-01"),
        ("2023/5/1", "2023-05-01"),
        ("2023-02-30", "2023-02-30"),
        ("去年五月", "去年五月"),
    ],
)
def test_dates_from_date_cells_or_text(cell, expected):
    fields = imported_fields(standardization_grade=1, standardization_graded_on=cell)
    assert fields["standardization"] == {"grade": 1, "graded_on": expected}


def test_impossible_date_is_left_for_the_schema_to_report():
    fields = imported_fields(standardization_grade=1, standardization_graded_on="2023-02-30")
    assert "graded_on" in schema_errors(fields)["standardization"]


def test_numbers_excel_stored_as_floats_become_text_and_integers():
    fields = imported_fields(
        region_code=440300.0,
        principal_phone=13800000000.0,
        safety_manager_name="李四",
        safety_manager_phone=13900000000,
        standardization_grade=2.0,
        standardization_graded_on=datetime(2023, 5, 1),
        standardization_expires_on=datetime(2026, 5, 1),
    )
    assert fields["region_code"] == "440300"
    assert fields["principal"]["phone"] == "13800000000"
    assert fields["safety_manager"] == {"name": "李四", "phone": "13900000000"}
    assert fields["standardization"] == {
        "grade": 2,
        "graded_on": "2023-05-01",
        "expires_on": "2026-05-01",
    }
    assert schema_errors(fields) == {}


@pytest.mark.parametrize("cell", ["2", " 2 ", "二级", 2])
def test_grade_as_number_or_word(cell):
    fields = imported_fields(standardization_grade=cell, standardization_graded_on="2023-05-01")
    assert fields["standardization"]["grade"] == 2


def test_empty_cells_are_omitted():
    fields = imported_fields(
        above_scale=None,
        safety_manager_name="  ",
        safety_manager_phone=None,
        risk_features="",
        standardization_grade=None,
        standardization_graded_on=None,
    )
    assert fields == MINIMAL_FIELDS


def test_standardization_dates_without_a_grade_are_reported_not_dropped():
    fields = imported_fields(standardization_graded_on="2023-05-01")
    assert fields["standardization"] == {"graded_on": "2023-05-01"}
    assert "grade" in schema_errors(fields)["standardization"]


def test_status_column_is_not_imported():
    assert "status" not in imported_fields(status="关闭")


def test_rows_are_plain_json_for_the_rpc_call():
    stream = xlsx_file(
        [
            [LABELS[key] for key in MINIMAL_CELLS] + ["标准化等级", "标准化评定日期"],
            [*MINIMAL_CELLS.values(), True, datetime(2023, 5, 1, 8, 30)],
        ]
    )
    [row] = read_rows(stream, "list.xlsx")
    assert json.loads(json.dumps(row)) == row


def test_csv_in_utf8_with_bom():
    stream = csv_file(
        [list(LABELS[key] for key in MINIMAL_CELLS), MINIMAL_CELLS.values()], encoding="utf-8-sig"
    )
    assert list(read_rows(stream, "list.CSV")) == [{"row": 2, "fields": MINIMAL_FIELDS}]


def test_csv_in_utf8_without_bom():
    stream = csv_file([list(MINIMAL_CELLS), MINIMAL_CELLS.values()])
    assert list(read_rows(stream, "list.csv")) == [{"row": 2, "fields": MINIMAL_FIELDS}]


def test_csv_saved_by_excel_on_chinese_windows_is_gb18030():
    stream = csv_file(
        [
            list(LABELS[key] for key in MINIMAL_CELLS) + ["风险特征", "规模以上"],
            [*MINIMAL_CELLS.values(), '"粉尘涉爆,涉氨制冷"', "是"],
        ],
        encoding="gb18030",
    )
    [row] = read_rows(stream, "名单.csv")
    assert row["fields"] == {
        **MINIMAL_FIELDS,
        "above_scale": True,
        "risk_features": ["dust_explosion", "ammonia_refrigeration"],
    }


def test_blank_rows_are_skipped_and_row_numbers_match_the_sheet():
    data = list(MINIMAL_CELLS.values())
    stream = xlsx_file(
        [
            [],
            ["  ", None],  # lines 1-2: blank above the header
            [LABELS[key] for key in MINIMAL_CELLS],  # line 3: header
            data,
            [],
            [None, "\u3000"],
            data,
            [],
            data,
        ]
    )
    assert [row["row"] for row in read_rows(stream, "list.xlsx")] == [4, 7, 9]


def test_csv_row_numbers_count_records_as_excel_shows_them():
    header = ",".join(MINIMAL_CELLS)
    data = ",".join(MINIMAL_CELLS.values())
    multiline = data.replace("深圳市南山区科技园1号", '"深圳市南山区\n科技园1号"')
    stream = io.BytesIO(f"{header}\n{multiline}\n,,\n{data}\n".encode())
    rows = list(read_rows(stream, "list.csv"))
    assert [row["row"] for row in rows] == [2, 4]
    assert rows[0]["fields"]["address"] == "深圳市南山区\n科技园1号"


def test_rows_beyond_a_wrong_sheet_dimension_are_still_read():
    data = list(MINIMAL_CELLS.values())
    source = zipfile.ZipFile(xlsx_file([list(MINIMAL_CELLS), data, data, data]))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:G4"', b'<dimension ref="A1:G2"')
            target.writestr(name, content)
    patched.seek(0)
    assert [row["row"] for row in read_rows(patched, "list.xlsx")] == [2, 3, 4]


def test_rows_are_read_lazily():
    rows = read_rows(exported([BARE_ENTERPRISE] * 3), "export.xlsx")
    assert iter(rows) is rows
    assert next(rows)["row"] == 2


def test_more_rows_than_allowed_is_too_large():
    assert len(list(read_rows(exported([BARE_ENTERPRISE] * 3), "x.xlsx", max_rows=3))) == 3
    with pytest.raises(TooLarge):
        list(read_rows(exported([BARE_ENTERPRISE] * 4), "x.xlsx", max_rows=3))


def test_unknown_columns_are_refused_by_name():
    stream = xlsx_file([[*MINIMAL_CELLS, "备注", "联系人"], list(MINIMAL_CELLS.values())])
    with pytest.raises(InvalidInput) as refused:
        read_rows(stream, "list.xlsx")
    assert "备注" in refused.value.message and "联系人" in refused.value.message
    assert refused.value.errors == {"columns": ["unknown columns: 备注, 联系人"]}


def test_missing_required_columns_are_refused_by_name():
    header = [key for key in MINIMAL_CELLS if key not in ("name", "principal_phone")]
    stream = xlsx_file([header, ["x"] * len(header)])
    with pytest.raises(InvalidInput) as refused:
        read_rows(stream, "list.xlsx")
    assert refused.value.errors == {
        "columns": ["missing required columns: 企业名称 (name), 主要负责人电话 (principal_phone)"]
    }


def test_a_column_given_twice_is_refused():
    stream = xlsx_file([[*MINIMAL_CELLS, "企业名称"], [*MINIMAL_CELLS.values(), "另一个名字"]])
    with pytest.raises(InvalidInput, match="repeated columns: 企业名称"):
        read_rows(stream, "list.xlsx")


def test_unlabelled_columns_are_ignored():
    stream = xlsx_file([[*MINIMAL_CELLS, None], [*MINIMAL_CELLS.values(), "手写备注"]])
    assert [row["fields"] for row in read_rows(stream, "list.xlsx")] == [MINIMAL_FIELDS]


def damaged_workbook():
    """Sound up to its header, so the damage only shows once the rows are read."""
    source = zipfile.ZipFile(xlsx_file([list(MINIMAL_CELLS)] + [list(MINIMAL_CELLS.values())] * 50))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = content[: len(content) * 2 // 3]  # cut off mid-way through the rows
            target.writestr(name, content)
    damaged.seek(0)
    return damaged


@pytest.mark.parametrize(
    "stream, filename",
    [
        (io.BytesIO(bytes(range(256)) * 20), "list.xlsx"),
        (io.BytesIO(b"PK\x05\x06" + bytes(18)), "list.xlsx"),  # an empty zip archive
        (io.BytesIO(b""), "list.xlsx"),
        (damaged_workbook(), "list.xlsx"),
        (io.BytesIO(b"\xff\xfe\x80\x81" * 10), "list.csv"),
        (io.BytesIO(b"uscc,name\x00\n"), "list.csv"),
        (io.BytesIO(b""), "list.csv"),
        (io.BytesIO(",".join(MINIMAL_CELLS).encode() + b"\n" + b"x" * 200_000), "list.csv"),
        (io.BytesIO(b"uscc,name"), "list.xls"),
        (io.BytesIO(b"uscc,name"), "list.txt"),
        (io.BytesIO(b"uscc,name"), None),
    ],
    ids=[
        "random bytes",
        "empty zip",
        "empty xlsx",
        "damaged sheet",
        "undecodable csv",
        "binary csv",
        "empty csv",
        "oversized csv field",
        "old xls",
        "text file",
        "no filename",
    ],
)
def test_anything_but_a_readable_spreadsheet_is_invalid_input(stream, filename):
    with pytest.raises(InvalidInput) as refused:
        list(read_rows(stream, filename))
    assert refused.value.message


def test_a_workbook_without_cells_has_no_header_row():
    with pytest.raises(InvalidInput, match="no header row"):
        read_rows(xlsx_file([]), "list.xlsx")


def test_rows_are_sent_in_chunks_and_reported_in_row_order():
    import random
    import threading
    import time

    from services.registry.spreadsheet import send_in_chunks

    seen = []
    lock = threading.Lock()

    def send(chunk):
        time.sleep(random.random() / 100)  # chunks finish out of order
        with lock:
            seen.append(len(chunk))
        return [{"row": row["row"]} for row in chunk]

    progress = []
    report = send_in_chunks(
        ({"row": n} for n in range(1, 1201)), send, progress.append, in_flight=2
    )
    assert [line["row"] for line in report] == list(range(1, 1201))
    assert sorted(seen) == [200, 500, 500] and progress[-1] == 1200


def test_a_refused_chunk_stops_the_rest():
    from services.kit.pure.errors import Unavailable
    from services.registry.spreadsheet import send_in_chunks

    sent = []

    def send(chunk):
        sent.append(chunk[0]["row"])
        raise Unavailable("the registry is not running")

    with pytest.raises(Unavailable):
        send_in_chunks(({"row": n} for n in range(5000)), send)
    assert len(sent) < 10
