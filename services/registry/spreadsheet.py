"""Enterprise lists to and from spreadsheets: the registry's Excel interchange.

Import turns each line of an .xlsx or .csv file into a payload for EnterpriseCreateSchema; export
writes enterprises so that the file imports again unchanged. Reading only interprets cells
(Chinese names, Excel's number and date types): the schema and the domain judge the values, row by
row, so a value this module cannot interpret is passed on as text for them to report.
"""

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import openpyxl
from openpyxl.cell import WriteOnlyCell

from services.kit.pure.errors import InvalidInput, TooLarge

# Column key ↔ header label, in export order.
COLUMNS = (
    ("uscc", "统一社会信用代码"),
    ("name", "企业名称"),
    ("region_code", "行政区划代码"),
    ("address", "地址"),
    ("industry", "行业"),
    ("above_scale", "规模以上"),
    ("principal_name", "主要负责人"),
    ("principal_phone", "主要负责人电话"),
    ("safety_manager_name", "安全管理人员"),
    ("safety_manager_phone", "安全管理人员电话"),
    ("risk_features", "风险特征"),
    ("standardization_grade", "标准化等级"),
    ("standardization_graded_on", "标准化评定日期"),
    ("standardization_expires_on", "标准化有效期至"),
    ("status", "状态"),
)
LABELS = dict(COLUMNS)
REQUIRED_COLUMNS = (
    "uscc",
    "name",
    "region_code",
    "address",
    "industry",
    "principal_name",
    "principal_phone",
)
# Status changes go through their own command, never through an import.
EXPORT_ONLY_COLUMNS = ("status",)
COLUMN_BY_HEADER = {header.lower(): key for key, label in COLUMNS for header in (key, label)}
# Flat columns that become fields of a nested object in the create payload.
NESTED_FIELDS = {
    "principal_name": ("principal", "name"),
    "principal_phone": ("principal", "phone"),
    "safety_manager_name": ("safety_manager", "name"),
    "safety_manager_phone": ("safety_manager", "phone"),
    "standardization_grade": ("standardization", "grade"),
    "standardization_graded_on": ("standardization", "graded_on"),
    "standardization_expires_on": ("standardization", "expires_on"),
}

INDUSTRY_NAMES = {
    "metallurgy": "冶金",
    "nonferrous": "有色",
    "building_materials": "建材",
    "machinery": "机械",
    "light_industry": "轻工",
    "textile": "纺织",
    "tobacco": "烟草",
    "commerce": "商贸",
}
RISK_FEATURE_NAMES = {
    "dust_explosion": "粉尘涉爆",
    "ammonia_refrigeration": "涉氨制冷",
    "confined_space": "有限空间",
    "metal_smelting": "金属冶炼",
    "alcohol_storage": "酒精储存",
    "maintenance_work": "检维修",
    "outsourced_work": "外包作业",
}
STATUS_NAMES = {"operating": "在营", "suspended": "停产停业", "closed": "关闭"}
INDUSTRY_CODES = {name: code for code, name in INDUSTRY_NAMES.items()}
RISK_FEATURE_CODES = {name: code for code, name in RISK_FEATURE_NAMES.items()}
BOOLEAN_WORDS = {
    "是": True,
    "否": False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
}
# Grades are commonly written out in words (二级) in locally kept lists.
GRADE_WORDS = {"一级": 1, "二级": 2, "三级": 3}
RISK_FEATURE_SEPARATORS = re.compile(r"[,，、;；]")
RISK_FEATURE_JOINER = "、"
# Excel saves a date cell to CSV in the system's short form, 2024/3/5 on Chinese systems.
DATE_TEXT = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
# Characters XML 1.0 cannot carry; openpyxl refuses some of them and writes the rest unreadably.
XML_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SHEET_TITLE = "企业"
UNREADABLE_WORKBOOK = "the file is not a readable .xlsx workbook"
UNREADABLE_CSV = "the file is not a readable CSV file"


def read_rows(stream, filename, *, max_rows=None):
    """The data rows of an .xlsx or .csv enterprise list, as `{"row", "fields"}` dicts.

    The file is opened and its header checked now, so an unreadable file or a bad header raises
    InvalidInput before anything is imported; the rows themselves are read as they are iterated.
    More than `max_rows` data rows raises TooLarge.
    """
    lines = _lines(stream, filename or "")
    for _number, cells in lines:
        if not _is_blank(cells):
            return _data_rows(lines, _columns(cells), max_rows)
    raise InvalidInput("the file has no header row", {"file": ["empty"]})


def write_xlsx(enterprises, stream):
    """Write API enterprise dicts (any iterable, consumed once) as a workbook read_rows imports."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append([label for _, label in COLUMNS])
    for enterprise in enterprises:
        sheet.append([_export_cell(sheet, value) for value in _export_values(enterprise)])
    workbook.save(stream)


def _lines(stream, filename):
    extension = filename.lower().rpartition(".")[2]
    if extension == "xlsx":
        return _xlsx_lines(stream)
    if extension == "csv":
        return _csv_lines(stream)
    raise InvalidInput(
        "only .xlsx and .csv files can be imported",
        {"file": [f"unsupported file type: {filename}"]},
    )


def _xlsx_lines(stream):
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # whatever the zip or XML layer trips over, the upload is unusable
        raise InvalidInput(UNREADABLE_WORKBOOK, {"file": ["not an .xlsx workbook"]}) from error
    try:
        if not workbook.worksheets:
            raise InvalidInput(UNREADABLE_WORKBOOK, {"file": ["the workbook has no worksheet"]})
        sheet = workbook.worksheets[0]
        # Some producers write a wrong <dimension>, which would cut rows off: read all rows found.
        sheet.reset_dimensions()
        yield from _parsed(enumerate(sheet.iter_rows(values_only=True), 1), UNREADABLE_WORKBOOK)
    finally:
        workbook.close()


def _csv_lines(stream):
    text = _decoded(stream.read())
    # Numbered by record, not physical line, to match the row numbers Excel shows for the file.
    yield from _parsed(enumerate(csv.reader(io.StringIO(text, newline="")), 1), UNREADABLE_CSV)


def _decoded(content):
    """UTF-8 with or without BOM, else GB18030: Excel on Chinese Windows saves CSV as GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(UNREADABLE_CSV, {"file": ["neither UTF-8 nor GB18030 text"]})


def _parsed(lines, message):
    """Parsing is lazy, so a damaged file can fail mid-way: report that as bad input too."""
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except Exception as error:  # any parser failure means the file is damaged
            raise InvalidInput(message, {"file": ["damaged or not a spreadsheet"]}) from error
        yield line


def _columns(header):
    """How to read each importable column; unknown, repeated or missing headers are refused."""
    positions, unknown, repeated = {}, [], []
    for position, cell in enumerate(header):
        if _is_blank_cell(cell):
            continue  # an unlabelled column (stray formatting, a note) is not part of the list
        name = _cell_text(cell)
        key = COLUMN_BY_HEADER.get(name.lower())
        if key is None:
            unknown.append(name)
        elif key in positions:
            repeated.append(name)
        else:
            positions[key] = position
    missing = [f"{LABELS[key]} ({key})" for key in REQUIRED_COLUMNS if key not in positions]
    problems = [
        f"{what}: {', '.join(names)}"
        for what, names in (
            ("unknown columns", unknown),
            ("repeated columns", repeated),
            ("missing required columns", missing),
        )
        if names
    ]
    if problems:
        raise InvalidInput(
            "the header row is not usable: " + "; ".join(problems), {"columns": problems}
        )
    return [
        (position, key, CELL_READERS.get(key, _cell_text), NESTED_FIELDS.get(key))
        for key, position in positions.items()
        if key not in EXPORT_ONLY_COLUMNS
    ]


def _data_rows(lines, columns, max_rows):
    count = 0
    for number, cells in lines:
        fields = _fields(cells, columns)
        if not fields:
            continue  # blank, or only cells that are not imported (status, unlabelled columns)
        count += 1
        if max_rows is not None and count > max_rows:
            raise TooLarge(
                f"the file has more than {max_rows} rows",
                {"file": [f"at most {max_rows} rows per import"]},
            )
        yield {"row": number, "fields": fields}


def _fields(cells, columns):
    fields = {}
    width = len(cells)
    for position, key, read, nested in columns:
        if position >= width or _is_blank_cell(cells[position]):
            continue
        if nested:
            parent, child = nested
            fields.setdefault(parent, {})[child] = read(cells[position])
        else:
            fields[key] = read(cells[position])
    return fields


def _is_blank_cell(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _is_blank(cells):
    return all(_is_blank_cell(value) for value in cells)


def _cell_text(value):
    """Cell as text; Excel keeps every number as a float, so 13800000000.0 means 13800000000."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _industry(value):
    text = _cell_text(value)
    return INDUSTRY_CODES.get(text, text)


def _risk_features(value):
    parts = (part.strip() for part in RISK_FEATURE_SEPARATORS.split(_cell_text(value)))
    return [RISK_FEATURE_CODES.get(part, part) for part in parts if part]


def _boolean(value):
    if isinstance(value, bool):
        return value
    text = _cell_text(value)
    return BOOLEAN_WORDS.get(text.lower(), text)


def _grade(value):
    text = _cell_text(value)
    if text.isdecimal():
        return int(text)
    return GRADE_WORDS.get(text, text)


def _date(value):
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _cell_text(value)
    match = DATE_TEXT.fullmatch(text)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:  # 2024-02-30: left for the schema to report
            pass
    return text


CELL_READERS = {
    "industry": _industry,
    "above_scale": _boolean,
    "risk_features": _risk_features,
    "standardization_grade": _grade,
    "standardization_graded_on": _date,
    "standardization_expires_on": _date,
}


def _export_values(enterprise):
    principal = enterprise.get("principal") or {}
    safety_manager = enterprise.get("safety_manager") or {}
    standardization = enterprise.get("standardization") or {}
    features = enterprise.get("risk_features") or ()
    values = {
        "uscc": enterprise["uscc"],
        "name": enterprise["name"],
        "region_code": enterprise["region_code"],
        "address": enterprise["address"],
        "industry": INDUSTRY_NAMES.get(enterprise["industry"], enterprise["industry"]),
        "above_scale": "是" if enterprise.get("above_scale") else "否",
        "principal_name": principal.get("name"),
        "principal_phone": principal.get("phone"),
        "safety_manager_name": safety_manager.get("name"),
        "safety_manager_phone": safety_manager.get("phone"),
        "risk_features": RISK_FEATURE_JOINER.join(
            RISK_FEATURE_NAMES.get(feature, feature) for feature in features
        )
        or None,
        "standardization_grade": standardization.get("grade"),
        "standardization_graded_on": _export_date(standardization.get("graded_on")),
        "standardization_expires_on": _export_date(standardization.get("expires_on")),
        "status": STATUS_NAMES.get(enterprise.get("status"), enterprise.get("status")),
    }
    return [values[key] for key, _ in COLUMNS]


def _export_date(iso_text):
    """A real date cell, so the column sorts and filters as dates in Excel."""
    return date.fromisoformat(iso_text) if iso_text else None


def _export_cell(sheet, value):
    if not isinstance(value, str):
        return value
    # One stray control character in a name must not fail the whole export.
    text = XML_ILLEGAL_CHARACTERS.sub("", value)
    if text.startswith(("=", "#")):
        # openpyxl would store "=…" as a formula and "#N/A" as an error: a name is only ever text.
        cell = WriteOnlyCell(sheet, text)
        cell.data_type = "s"
        return cell
    return text


IMPORT_CHUNK = 500


def send_in_chunks(rows, send, on_progress=None, in_flight=1, chunk_size=IMPORT_CHUNK):
    """Send rows to the registry chunk by chunk and return the per-row report, in row order.

    Chunks go out from background threads while the next ones are still being read, so parsing
    the file and registering its rows overlap instead of taking turns. `in_flight` > 1 lets the
    registry validate one chunk while the database stores another; `send` must then be safe to
    call from several threads at once.
    """
    done = []

    def deliver(chunk):
        lines = send(chunk)
        done.append(len(lines))
        if on_progress:
            on_progress(sum(done))
        return lines

    with ThreadPoolExecutor(max_workers=in_flight) as sender:
        pending, chunk = [], []
        for row in rows:
            chunk.append(row)
            if len(chunk) == chunk_size:
                pending.append(sender.submit(deliver, chunk))
                chunk = []
        if chunk:
            pending.append(sender.submit(deliver, chunk))
        try:
            return [line for future in pending for line in future.result()]
        except BaseException:
            for future in pending:
                future.cancel()  # the registry refused or went away: send nothing more
            raise
