"""Import and export views' shared steps: a file's rows sent to a service chunk by chunk and
counted, and a workbook or a printed document handed back as a download."""

import io

from flask import send_file

from services.kit.pure.errors import InvalidInput
from services.kit.spreadsheets import XLSX_TYPE, send_in_chunks

RESULTS = ("created", "exists", "invalid")
PDF_TYPE = "application/pdf"


def import_report(rows, send, method, empty):
    """Send `rows` to the service's `method` through `send` (a blueprint's caller), two chunks in
    flight; the per-row report with its counts. No rows at all is refused with `empty`."""
    report = send_in_chunks(rows, lambda chunk: send(method, chunk), in_flight=2)
    if not report:
        raise InvalidInput(empty, {"file": ["no rows"]})
    counts = {result: sum(1 for line in report if line["result"] == result) for result in RESULTS}
    return {
        "created": counts["created"],
        "existing": counts["exists"],
        "invalid": counts["invalid"],
        "rows": report,
    }


def xlsx_download(write_xlsx, rows, filename):
    """The workbook `write_xlsx(rows, stream)` writes, as an attachment named `filename`."""
    buffer = io.BytesIO()
    write_xlsx(rows, buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX_TYPE, as_attachment=True, download_name=filename)


def pdf_download(content, filename):
    """A printed document's bytes as an attachment named `filename`."""
    return send_file(
        io.BytesIO(content), mimetype=PDF_TYPE, as_attachment=True, download_name=filename
    )
