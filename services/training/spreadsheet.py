"""The training ledger as a spreadsheet: one row a person, or a person and a certificate, in the
columns bureaus keep (Chinese headers; the codes are accepted too).

Export writes the same columns, so an exported file imports again; its ID numbers are full only
for callers allowed to see them (the employer, administrators), masked for everyone else.
"""

from services.kit.spreadsheets import (
    Column,
    Table,
    iso_date,
    number,
    read_table,
    text_list,
    words,
    write_workbook,
)

POSITION_NAMES = {
    "principal": "主要负责人",
    "safety_manager": "安全生产管理人员",
    "special_operator": "特种作业人员",
    "team_leader": "班组长",
    "confined_space_approver": "有限空间作业审批人员",
    "confined_space_guardian": "有限空间作业监护人员",
    "confined_space_entrant": "有限空间作业人员",
    "confined_space_rescuer": "有限空间救援人员",
    "employee": "从业人员",
}
KIND_NAMES = {
    "management_competence": "安全生产知识和管理能力考核合格证",
    "special_operation": "特种作业操作证",
}
SESSION_KIND_NAMES = {
    "initial": "岗前培训",
    "annual_refresher": "年度再培训",
    "three_level": "三级安全教育",
    "special_operator_review": "特种作业复审培训",
    "confined_space_annual": "有限空间作业培训",
    "team_leader": "班组长培训",
}
LEVEL_NAMES = {"company": "公司级", "workshop": "车间级", "team": "班组级"}
RESULT_NAMES = {"passed": "合格", "failed": "不合格", "absent": "缺席"}
STATE_NAMES = {
    "valid": "有效",
    "review_due": "待复审",
    "overdue": "逾期未复审",
    "invalid": "失效",
    "revoked": "撤销",
    "suspended": "暂扣",
}
JOINER = "、"


def _by_name(names):
    return words({name: code for code, name in names.items()})


LEDGER = Table(
    [
        Column("id_number", "身份证号", required=True),
        Column("name", "姓名", required=True),
        Column("uscc", "统一社会信用代码"),
        Column("phone", "联系电话"),
        Column("hired_on", "入职日期", iso_date),
        Column("position", "岗位", _by_name(POSITION_NAMES)),
        Column("categories", "作业类别", text_list),
        Column("kind", "证书种类", _by_name(KIND_NAMES)),
        Column("category", "操作项目"),
        Column("number", "证书编号"),
        Column("issuer", "发证机关"),
        Column("issued_on", "发证日期", iso_date),
        Column("valid_until", "有效期至", iso_date),
        Column("review_due_on", "应复审日期", iso_date),
        # Exported, never read back: the state is the platform's to compute.
        Column("state", "状态", imported=False),
    ]
)
# Training records: one row a participant of a session (the training file of Safety Law
# Art. 28). The rows of one session share its enterprise, day, topic, kind, level, trainer and
# hours.
RECORDS = Table(
    [
        Column("id_number", "身份证号", required=True),
        Column("name", "姓名", imported=False),
        Column("uscc", "统一社会信用代码"),
        Column("held_on", "培训日期", iso_date, required=True),
        Column("topic", "培训内容", required=True),
        Column("kind", "培训类别", _by_name(SESSION_KIND_NAMES), required=True),
        Column("level", "教育级别", _by_name(LEVEL_NAMES)),
        Column("hours", "学时", number, required=True),
        Column("trainer", "培训教师", required=True),
        Column("result", "考核结果", _by_name(RESULT_NAMES)),
    ]
)
SHEET_TITLE = "人员证书台账"
RECORDS_TITLE = "培训记录"
# Which kind of file goes to which import of the training service.
IMPORTS = {"import_rows": LEDGER, "import_records": RECORDS}


def read_rows(stream, filename, max_rows=None):
    """(the training service's import for the file, its rows): a ledger or training records,
    told apart by the header."""
    return read_table(stream, filename, IMPORTS, max_rows=max_rows)


def export_row(row):
    """A ledger row from the service (codes) as people read it (Chinese words)."""
    return {
        **row,
        "position": POSITION_NAMES.get(row.get("position"), row.get("position")),
        "categories": JOINER.join(row.get("categories") or ()) or None,
        "kind": KIND_NAMES.get(row.get("kind"), row.get("kind")),
        "state": STATE_NAMES.get(row.get("state"), row.get("state")),
    }


def export_record(row):
    return {
        **row,
        "kind": SESSION_KIND_NAMES.get(row["kind"], row["kind"]),
        "level": LEVEL_NAMES.get(row.get("level"), row.get("level")),
        "result": RESULT_NAMES.get(row.get("result"), row.get("result")),
    }


def write_xlsx(pages, stream):
    """The ledger and the training records of `pages` (the service's export pages, consumed
    once), each on its sheet; either sheet imports again."""
    records = []

    def ledger():
        for page in pages:
            records.extend(export_record(row) for row in page["records"])
            yield from (export_row(row) for row in page["items"])

    write_workbook(stream, [(SHEET_TITLE, LEDGER, ledger()), (RECORDS_TITLE, RECORDS, records)])
