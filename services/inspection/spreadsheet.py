"""Risk registers as spreadsheets: one row a risk point, in the columns enterprises keep (Chinese
headers and words; the codes are accepted too). A row becomes the body of POST /risk-points."""

from services.inspection.domain.accidents import ACCIDENT_TYPES
from services.kit.spreadsheets import Column, Table, number, read_table, text_list, words

KIND_NAMES = {"place": "场所", "activity": "作业活动", "equipment": "设备设施"}
CONTROL_LEVEL_NAMES = {"company": "公司级", "workshop": "车间级", "team": "班组级"}
METHOD_NAMES = {"lec": "LEC", "ls": "风险矩阵"}
COMPLETE_NAMES = {"是": True, "否": False, "true": True, "false": False}
HAZARD_CODES = {name: code for code, name in ACCIDENT_TYPES.items()}
ASSESSMENT_KEYS = ("method", "l", "e", "c", "likelihood", "severity")


def _named(names):
    return words({name: code for code, name in names.items()})


def _hazard_types(value):
    return [HAZARD_CODES.get(item, item) for item in text_list(value)]


def _whole(value):
    read = number(value)
    return int(read) if isinstance(read, float) and read.is_integer() else read


RISK_POINTS = Table(
    [
        Column("uscc", "统一社会信用代码"),
        Column("name", "风险点名称", required=True),
        Column("kind", "类型", _named(KIND_NAMES), required=True),
        Column("hazard_types", "事故类型", _hazard_types, required=True),
        Column("method", "评价方法", _named(METHOD_NAMES), required=True),
        Column("l", "L", number),
        Column("e", "E", number),
        Column("c", "C", number),
        Column("likelihood", "可能性", _whole),
        Column("severity", "严重性", _whole),
        Column("measures", "管控措施", text_list),
        Column("responsible_person", "责任人", required=True),
        Column("control_level", "管控层级", _named(CONTROL_LEVEL_NAMES), required=True),
        Column("complete", "已完成评估", words(COMPLETE_NAMES)),
    ]
)
IMPORT = "import_risk_points"


def read_rows(stream, filename, max_rows=None):
    """(the inspection service's import, the file's rows)."""
    return read_table(stream, filename, {IMPORT: RISK_POINTS}, max_rows=max_rows)


def risk_point_fields(row):
    """A row's fields in the shape of a risk point's body: the score's factors nested."""
    fields = {key: value for key, value in row.items() if key not in ASSESSMENT_KEYS}
    assessment = {key: row[key] for key in ASSESSMENT_KEYS if row.get(key) is not None}
    return {**fields, "assessment": assessment}
