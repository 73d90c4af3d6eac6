"""The training ledger as a spreadsheet: one row a person, or a person and a certificate, in the
columns bureaus keep (Chinese headers; the codes are accepted too).

Export writes the same columns, so an exported file imports again; its ID numbers are full only
for callers allowed to see them (the employer, administrators), masked for everyone else.
"""
from services.kit.spreadsheets import Column, Table, iso_date, text, words

POSITION_NAMES = {
    "principal": "主要负责人", "safety_manager": "安全生产管理人员",
    "special_operator": "特种作业人员", "team_leader": "班组长",
    "confined_space_approver": "有限空间作业审批人员",
    "confined_space_guardian": "有限空间作业监护人员",
    "confined_space_entrant": "有限空间作业人员", "confined_space_rescuer": "有限空间救援人员",
    "employee": "从业人员",
}
KIND_NAMES = {"management_competence": "安全生产知识和管理能力考核合格证",
              "special_operation": "特种作业操作证"}
STATE_NAMES = {"valid": "有效", "review_due": "待复审", "overdue": "逾期未复审",
               "invalid": "失效", "revoked": "撤销", "suspended": "暂扣"}
SEPARATORS = "、，,;；"
JOINER = "、"


def _by_name(names):
    return words({name: code for code, name in names.items()})


def _list(value):
    written = text(value)
    for separator in SEPARATORS[1:]:
        written = written.replace(separator, SEPARATORS[0])
    return [part.strip() for part in written.split(SEPARATORS[0]) if part.strip()]


LEDGER = Table([
    Column("id_number", "身份证号", required=True),
    Column("name", "姓名", required=True),
    Column("uscc", "统一社会信用代码"),
    Column("phone", "联系电话"),
    Column("hired_on", "入职日期", iso_date),
    Column("position", "岗位", _by_name(POSITION_NAMES)),
    Column("categories", "作业类别", _list),
    Column("kind", "证书种类", _by_name(KIND_NAMES)),
    Column("category", "操作项目"),
    Column("number", "证书编号"),
    Column("issuer", "发证机关"),
    Column("issued_on", "发证日期", iso_date),
    Column("valid_until", "有效期至", iso_date),
    Column("review_due_on", "应复审日期", iso_date),
    # Exported, never read back: the state is the platform's to compute.
    Column("state", "状态", imported=False),
])
SHEET_TITLE = "人员证书台账"


def read_rows(stream, filename, max_rows=None):
    return LEDGER.read_rows(stream, filename, max_rows=max_rows)


def export_row(row):
    """A ledger row from the service (codes) as people read it (Chinese words)."""
    return {**row, "position": POSITION_NAMES.get(row.get("position"), row.get("position")),
            "categories": JOINER.join(row.get("categories") or ()) or None,
            "kind": KIND_NAMES.get(row.get("kind"), row.get("kind")),
            "state": STATE_NAMES.get(row.get("state"), row.get("state"))}


def write_xlsx(rows, stream):
    LEDGER.write_xlsx((export_row(row) for row in rows), stream, SHEET_TITLE)
