"""Construction projects from spreadsheets: one row a project, in the columns a bureau keeps
(Chinese headers; the codes are accepted too). Reading only interprets cells; the project schema
and the domain judge the values, row by row."""

from services.kit.spreadsheets import Column, Table, iso_date, text, words

KIND_NAMES = {"new": "新建", "extension": "扩建", "renovation": "改建"}
BOOLEAN_WORDS = {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False}
STAGE_LABELS = {
    "pre_evaluation": "计划安全预评价日期",
    "design_review": "计划设计审查日期",
    "construction": "计划施工日期",
    "trial_run": "计划试运行日期",
    "acceptance": "计划竣工验收日期",
    "safety_analysis": "计划安全条件分析日期",
}


def _boolean(value):
    if isinstance(value, bool):
        return value
    return BOOLEAN_WORDS.get(text(value).lower(), text(value))


TABLE = Table(
    [
        Column("uscc", "统一社会信用代码", required=True),
        Column("name", "项目名称", required=True),
        Column("kind", "项目类型", words({name: code for code, name in KIND_NAMES.items()})),
        Column("metal_smelting", "金属冶炼项目", _boolean, required=True),
        *(Column(f"planned_{stage}", label, iso_date) for stage, label in STAGE_LABELS.items()),
    ]
)


def read_rows(stream, filename, *, max_rows=None):
    """The rows of an .xlsx or .csv project list as `{"row", "fields"}`, the fields a project's
    create payload (planned_<stage> columns become `planned`)."""
    for row in TABLE.read_rows(stream, filename, max_rows=max_rows):
        fields, planned = {}, {}
        for key, value in row["fields"].items():
            if key.startswith("planned_"):
                planned[key.removeprefix("planned_")] = value
            else:
                fields[key] = value
        if planned:
            fields["planned"] = planned
        yield {"row": row["row"], "fields": fields}
