"""Enterprise lists to and from spreadsheets: the registry's Excel interchange.

Import turns each line of an .xlsx or .csv file into a payload for EnterpriseCreateSchema; export
writes enterprises so that the file imports again unchanged. Reading only interprets cells
(Chinese names, Excel's number and date types): the schema and the domain judge the values, row by
row, so a value this module cannot interpret is passed on as text for them to report. The file
handling itself is the kit's (services.kit.spreadsheets); this module holds the registry's
columns, labels and conversions.
"""

import re
from datetime import date
from functools import partial

from services.kit.spreadsheets import IMPORT_CHUNK, Column, Table, iso_date, send_in_chunks, text

__all__ = ["IMPORT_CHUNK", "read_rows", "send_in_chunks", "write_xlsx"]

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
# Excel saves a date cell to CSV in the system's short form, 2024/3/5 on Chinese systems; the
# registry has never read 2024.3.5 as a date.
DATE_TEXT = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
SHEET_TITLE = "企业"


def read_rows(stream, filename, *, max_rows=None):
    """The data rows of an .xlsx or .csv enterprise list, as `{"row", "fields"}` dicts.

    The file is opened and its header checked now, so an unreadable file or a bad header raises
    InvalidInput before anything is imported; the rows themselves are read as they are iterated.
    More than `max_rows` data rows raises TooLarge.
    """
    rows = TABLE.read_rows(stream, filename, max_rows=max_rows)
    return ({"row": row["row"], "fields": _nested(row["fields"])} for row in rows)


def write_xlsx(enterprises, stream):
    """Write API enterprise dicts (any iterable, consumed once) as a workbook read_rows imports."""
    TABLE.write_xlsx(
        (_export_values(enterprise) for enterprise in enterprises), stream, SHEET_TITLE
    )


def _nested(flat):
    """Flat column fields as the create payload, principal_name becoming principal.name."""
    fields = {}
    for key, value in flat.items():
        if key in NESTED_FIELDS:
            parent, child = NESTED_FIELDS[key]
            fields.setdefault(parent, {})[child] = value
        else:
            fields[key] = value
    return fields


def _industry(value):
    written = text(value)
    return INDUSTRY_CODES.get(written, written)


def _risk_features(value):
    parts = (part.strip() for part in RISK_FEATURE_SEPARATORS.split(text(value)))
    return [RISK_FEATURE_CODES.get(part, part) for part in parts if part]


def _boolean(value):
    if isinstance(value, bool):
        return value
    written = text(value)
    return BOOLEAN_WORDS.get(written.lower(), written)


def _grade(value):
    written = text(value)
    if written.isdecimal():
        return int(written)
    return GRADE_WORDS.get(written, written)


_date = partial(iso_date, pattern=DATE_TEXT)

CELL_READERS = {
    "industry": _industry,
    "above_scale": _boolean,
    "risk_features": _risk_features,
    "standardization_grade": _grade,
    "standardization_graded_on": _date,
    "standardization_expires_on": _date,
}
TABLE = Table(
    Column(
        key,
        label,
        read=CELL_READERS.get(key, text),
        required=key in REQUIRED_COLUMNS,
        imported=key not in EXPORT_ONLY_COLUMNS,
    )
    for key, label in COLUMNS
)


def _export_values(enterprise):
    principal = enterprise.get("principal") or {}
    safety_manager = enterprise.get("safety_manager") or {}
    standardization = enterprise.get("standardization") or {}
    features = enterprise.get("risk_features") or ()
    return {
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


def _export_date(iso_text):
    """A real date cell, so the column sorts and filters as dates in Excel."""
    return date.fromisoformat(iso_text) if iso_text else None
