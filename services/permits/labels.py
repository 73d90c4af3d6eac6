"""The QR codes at confined-space entrances, as SVG, PNG and a printable A4 sheet of labels.

segno draws the codes; reportlab lays the sheet out with its built-in CJK font (STSong-Light, a
CID font every PDF reader carries), so no font file ships with the platform.
"""

import io

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
# Error correction M survives a scuffed or partly dirty label.
ERROR = "m"
COLUMNS, ROWS = 2, 4
MARGIN = 12 * mm
CODE_SIZE = 45 * mm


def qr(url):
    return segno.make(url, error=ERROR, micro=False)


def svg(url):
    out = io.BytesIO()
    qr(url).save(out, kind="svg", scale=6, border=4, xmldecl=True)
    return out.getvalue()


def png(url):
    out = io.BytesIO()
    qr(url).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def _font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def sheet(enterprise_name, labels):
    """An A4 PDF of labels, eight a page: the warning, the space's number and name, its code."""
    font = _font()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setTitle(f"{enterprise_name or ''} 有限空间二维码标签")
    width, height = A4
    cell_width = (width - 2 * MARGIN) / COLUMNS
    cell_height = (height - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    for index, label in enumerate(labels):
        if index and index % per_page == 0:
            page.showPage()
        slot = index % per_page
        left = MARGIN + (slot % COLUMNS) * cell_width
        top = height - MARGIN - (slot // COLUMNS) * cell_height
        page.rect(
            left + 2 * mm, top - cell_height + 2 * mm, cell_width - 4 * mm, cell_height - 4 * mm
        )
        page.setFont(font, 13)
        page.drawString(left + 6 * mm, top - 10 * mm, "有限空间  先扫码、后作业")
        page.setFont(font, 11)
        page.drawString(left + 6 * mm, top - 17 * mm, f"编号：{label['number']}")
        page.drawString(left + 6 * mm, top - 23 * mm, f"名称：{label['name']}")
        page.drawImage(
            ImageReader(io.BytesIO(png(label["scan_url"]))),
            left + (cell_width - CODE_SIZE) / 2,
            top - cell_height + 6 * mm,
            CODE_SIZE,
            CODE_SIZE,
        )
    if not labels:
        page.setFont(font, 12)
        page.drawString(MARGIN, height - MARGIN - 10 * mm, "没有在用的有限空间")
    page.save()
    return out.getvalue()
