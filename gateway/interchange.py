"""Import and export views' shared steps: a file's rows sent to a service chunk by chunk and
counted, and a workbook or a printed document handed back as a download."""

import io

from flask import send_file
from flask.views import MethodView
from marshmallow import fields

from services.kit.pure.errors import InvalidInput
from services.kit.pure.schemas import ImportReportOut, StrictSchema
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


class ImportFile(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


def add_import_route(blp, path, read_rows, max_rows, summary):
    """POST `path` on `blp`: an uploaded .xlsx or .csv file, read by `read_rows(stream, filename,
    max_rows)` into (the service's import method, rows), imported and reported row by row.
    `summary` is the route's documentation."""

    def post(self, upload):
        upload = upload["file"]
        method, rows = read_rows(upload.stream, upload.filename or "", max_rows=max_rows)
        return import_report(rows, blp.caller(), method, "the file holds no rows")

    post.__doc__ = summary
    view = type(
        f"Import{blp.name.title()}",
        (MethodView,),
        {
            "post": blp.carries_a_file(
                blp.response(200, ImportReportOut)(
                    blp.arguments(ImportFile, location="files")(post)
                )
            )
        },
    )
    blp.route(path)(view)
