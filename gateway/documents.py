"""Documents people print, as PDF: the on-site inspection record (现场检查记录), the order to
rectify within a time limit (责令限期整改指令书) and the annual targets report.

Each takes the records as the API answers them and returns the file's bytes. The Chinese font
is embedded from a font file the system provides (Debian's fonts-wqy-zenhei by default, the
`document_font` setting otherwise), so a printed record reads the same on any machine.
"""

import functools
import io
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.kit.pure import regions
from services.kit.pure.errors import Unavailable

FONT = "anjian-cjk"
GRADE_NAMES = {"major": "重大事故隐患", "general": "一般事故隐患"}


@functools.cache
def _font(path):
    try:
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    except Exception as error:  # reportlab raises its own TTFError, IOError and more
        raise Unavailable(f"the document font {path} cannot be read: {error}") from None
    return FONT


def _styles(font):
    def style(name, size, **extra):
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=size * 1.5, wordWrap="CJK", **extra
        )

    return {
        "title": style("title", 18, alignment=1, spaceAfter=4 * mm),
        "number": style("number", 10.5, alignment=1, spaceAfter=4 * mm),
        "body": style("body", 11),
        "small": style("small", 9, textColor=colors.grey),
        "cell": style("cell", 10),
    }


def _render(font_path, title, build):
    """A document: `build(styles)` gives the flowables after the title."""
    styles = _styles(_font(font_path))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    document.build([Paragraph(title, styles["title"]), *build(styles)])
    return buffer.getvalue()


def _grid(rows, styles, widths, header=False):
    """A ruled table; its first column shaded, or its first row when it is a `header`."""
    table = Table(
        [[Paragraph(str(cell or ""), styles["cell"]) for cell in row] for row in rows],
        colWidths=widths,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0) if header else (0, -1), colors.whitesmoke),
            ]
        )
    )
    return table


def bureau(region_code):
    """The bureau of a county or city, as a document names its issuer."""
    region = regions.lookup(region_code)
    return f"{region.name}应急管理局" if region else "应急管理局"


def _moment(value):
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime("%Y年%m月%d日 %H:%M")


def _day(value):
    return f"{value[:4]}年{value[5:7]}月{value[8:10]}日" if value else ""


def inspection_record(font_path, wording, inspection, enterprise):
    """现场检查记录 with the fields Safety Law Art. 68 requires: time, place, content, problems
    found and how they are handled, signed by the inspectors and the unit head (or the refusal
    recorded)."""
    findings = "<br/>".join(
        f"{index}. {GRADE_NAMES.get(f['grade'], f['grade'])}：{f['description']}"
        + (f"（{f['location']}）" if f.get("location") else "")
        for index, f in enumerate(inspection["findings"], start=1)
    )
    signature = inspection.get("signature") or {}
    refusal = inspection.get("signature_refusal") or {}
    signed = (
        f"{signature['name']}（{_moment(signature.get('signed_at'))}）"
        if signature
        else f"拒绝签字。原因：{refusal.get('reason', '')}"
        if refusal
        else ""
    )
    rows = [
        ["被检查单位", enterprise.get("name", inspection.get("enterprise_name"))],
        ["统一社会信用代码", inspection["uscc"]],
        ["地址", enterprise.get("address", "")],
        ["检查场所", inspection["place"]],
        [
            "检查时间",
            f"{_moment(inspection['started_at'])} 至 {_moment(inspection.get('completed_at'))}",
        ],
        ["检查人员", "、".join([inspection["created_by"], *inspection.get("inspectors", [])])],
        ["检查内容", inspection["content"]],
        ["发现的问题", findings or "未发现问题"],
        ["处理情况", inspection.get("handling") or ""],
        ["被检查单位负责人", signed],
    ]

    def build(styles):
        return [
            Paragraph(
                f"{bureau(inspection['region_code'])}　记录编号：{inspection['id']}",
                styles["number"],
            ),
            _grid(rows, styles, [38 * mm, 132 * mm]),
            Spacer(1, 8 * mm),
            Paragraph("检查人员（签名）：", styles["body"]),
            Spacer(1, 4 * mm),
            Paragraph(wording["footnote"], styles["small"]),
        ]

    return _render(font_path, "现场检查记录", build)


def rectification_order(font_path, wording, inspection, enterprise, issued_on):
    """责令限期整改指令书 for the hazards an inspection found, each with its deadline; its legal
    basis and the notice of review rights come from `wording` (rule data)."""
    rows = [["序号", "问题", "等级", "整改期限"]] + [
        [
            str(index),
            f["description"] + (f"（{f['location']}）" if f.get("location") else ""),
            GRADE_NAMES.get(f["grade"], f["grade"]),
            _day(f.get("deadline")) or "立即",
        ]
        for index, f in enumerate(inspection["findings"], start=1)
    ]
    issuer = bureau(inspection["region_code"])
    name = enterprise.get("name", inspection.get("enterprise_name"))

    def build(styles):
        table = _grid(rows, styles, [12 * mm, 110 * mm, 26 * mm, 22 * mm], header=True)
        return [
            Paragraph(f"{issuer}　编号：{inspection['id']}", styles["number"]),
            Paragraph(f"{name}：", styles["body"]),
            Spacer(1, 2 * mm),
            Paragraph(
                f"经{_moment(inspection['started_at'])}现场检查，发现你单位存在下列事故隐患。"
                f"依据{wording['basis']}的规定，现责令你单位于下列期限内整改完毕，"
                "并将整改情况书面报告本局。整改期间，应当采取措施确保安全。",
                styles["body"],
            ),
            Spacer(1, 4 * mm),
            table,
            Spacer(1, 4 * mm),
            Paragraph(wording["review_rights"], styles["body"]),
            Spacer(1, 10 * mm),
            Paragraph(f"{issuer}（印章）　　{_day(issued_on)}", styles["body"]),
            Spacer(1, 6 * mm),
            Paragraph("被检查单位负责人（签收）：　　　　　年　　月　　日", styles["body"]),
        ]

    return _render(font_path, "责令限期整改指令书", build)


def _reading(figure):
    if figure["state"] != "available":
        return {"not_deployed": "未部署", "unavailable": "暂不可用"}.get(figure["state"], "")
    if figure["kind"] == "count":
        return str(figure.get("value") or 0)
    rate = figure.get("rate")
    shown = "—" if rate is None else f"{rate * 100:.1f}%"
    return f"{shown}（{figure.get('numerator') or 0}/{figure.get('denominator') or 0}）"


def _previous(figure):
    previous = figure.get("previous_year")
    if figure["state"] != "available" or not previous:
        return ""
    return _reading({**figure, **previous})


def targets_report(font_path, composed, made_on):
    """The year's targets for a jurisdiction, as GET /api/v1/targets composes them."""
    rows = [["目标", "指标", "本年", "上年", "目标值"]]
    for target in composed["targets"]:
        for figure in target["figures"]:
            goal = (
                f"{figure['target'] * 100:.0f}%"
                if figure["kind"] == "rate"
                else {"decrease": "下降", "increase": "增加"}.get(figure.get("goal"), "")
            )
            rows.append(
                [str(target["number"]), figure["title"], _reading(figure), _previous(figure), goal]
            )

    def build(styles):
        table = _grid(rows, styles, [12 * mm, 70 * mm, 36 * mm, 32 * mm, 20 * mm], header=True)
        return [
            Paragraph(
                f"{composed['region_name']}　{composed['year']}年　制表：{_day(made_on)}",
                styles["number"],
            ),
            table,
            Spacer(1, 4 * mm),
            Paragraph(
                "比率均列出分子与分母；“未部署”指本级未运行提供该指标的服务。", styles["small"]
            ),
        ]

    return _render(font_path, "工贸行业安全生产目标任务完成情况", build)
