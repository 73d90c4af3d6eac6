"""Enterprise registry routes: scoped by the caller's jurisdiction here and again in the service."""
import io

from flask import g, jsonify, request, send_file
from flask.views import MethodView
from marshmallow import RAISE, fields

from gateway.bodies import Blueprint
from gateway.pagination import pagination_header
from gateway.platform import platform
from services.kit.pure.actor import WRITERS
from services.kit.pure.errors import InvalidInput, NotFound
from services.kit.pure.schemas import PageSchema, StrictSchema
from services.registry import spreadsheet
from services.registry.domain import check_region
from services.registry.schemas import (AuditEntrySchema, EnterpriseCreateSchema,
                                       EnterprisePageSchema, EnterpriseQuerySchema,
                                       EnterpriseSchema, EnterpriseUpdateSchema,
                                       ImportReportSchema, StatusChangeSchema)

blp = Blueprint("enterprises", __name__, url_prefix="/api/v1/enterprises",
                description="The enterprise registry (工贸企业台账)")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_PAGE = 200


class EnterpriseListArgs(EnterpriseQuerySchema, PageSchema):
    pass


class ImportFile(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


def _registry(method, *args):
    return platform().call("registry", method, *args)


def _as_sent(data):
    """The service already dumped it with the documented schema; send it without a second pass."""
    return jsonify(data)


def _require_writer():
    g.actor.require_role(*WRITERS)


def _require_region(region_code):
    if region_code is not None:
        check_region(region_code, g.actor)


def _json_body():
    """The raw body as sent: the service validates it again against the same schema."""
    return request.get_json(silent=True)


def _search(query, page, page_size, with_total=False):
    g.actor.narrow(query.get("region"))
    return _registry("list", query, page, page_size, with_total)


@blp.route("")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseListArgs, location="query", unknown=RAISE)
    @blp.response(200, EnterprisePageSchema)
    def get(self, args):
        """List enterprises in your jurisdiction

        A stable order the store serves without sorting everything: registration order on the
        embedded server, by USCC on MongoDB. `has_more` says whether another page follows; the
        total is counted only when `with_total` asks for it."""
        page, page_size = args.pop("page"), args.pop("page_size")
        result = _search(args, page, page_size, args.pop("with_total"))
        result.update(page=page, page_size=page_size)
        return _as_sent(result), 200, {"X-Pagination": pagination_header(result)}

    @blp.arguments(EnterpriseCreateSchema)
    @blp.response(201, EnterpriseSchema)
    def post(self, fields_):
        """Register an enterprise"""
        _require_writer()
        _require_region(fields_["region_code"])
        created = _registry("register", _json_body())
        return _as_sent(created), 201, {"Location": f"/api/v1/enterprises/{created['uscc']}"}


@blp.route("/<string:uscc>")
class Enterprise(MethodView):
    @blp.response(200, EnterpriseSchema)
    def get(self, uscc):
        """One enterprise (404 when outside your jurisdiction)"""
        if g.actor.role == "enterprise" and uscc != g.actor.uscc:
            raise NotFound(f"no enterprise {uscc}")
        return _as_sent(_registry("get", uscc))

    @blp.arguments(EnterpriseUpdateSchema)
    @blp.response(200, EnterpriseSchema)
    def patch(self, fields_, uscc):
        """Change some fields of an enterprise; the change is audited and published"""
        _require_writer()
        _require_region(fields_.get("region_code"))
        return _as_sent(_registry("update", uscc, _json_body()))


@blp.route("/<string:uscc>/status")
class EnterpriseStatus(MethodView):
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, EnterpriseSchema)
    def post(self, _fields, uscc):
        """Change the operating status (operating, suspended, closed) with a reason and date"""
        _require_writer()
        return _as_sent(_registry("change_status", uscc, _json_body()))


@blp.route("/<string:uscc>/history")
class EnterpriseHistory(MethodView):
    @blp.response(200, AuditEntrySchema(many=True))
    def get(self, uscc):
        """The audit trail: who changed what, when"""
        return _as_sent(_registry("history", uscc))


@blp.route("/import")
class EnterpriseImport(MethodView):
    @blp.arguments(ImportFile, location="files")
    @blp.response(200, ImportReportSchema)
    def post(self, upload):
        """Import enterprises from .xlsx or .csv: good rows are registered, each row reported"""
        _require_writer()
        upload = upload["file"]
        rows = spreadsheet.read_rows(upload.stream, upload.filename or "")
        anjian, actor = platform(), g.actor  # the sending thread has no request context
        report = spreadsheet.send_in_chunks(
            rows, lambda chunk: anjian.call("registry", "import_rows", chunk, actor=actor),
            in_flight=2)
        if not report:
            raise InvalidInput("the file holds no enterprise rows", {"file": ["no rows"]})
        counts = {result: sum(1 for line in report if line["result"] == result)
                  for result in ("created", "exists", "invalid")}
        return {"created": counts["created"], "existing": counts["exists"],
                "invalid": counts["invalid"], "rows": report}


@blp.route("/export")
class EnterpriseExport(MethodView):
    @blp.arguments(EnterpriseQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, content_type=XLSX_TYPE,
                  description="an .xlsx workbook that can be imported again")
    def get(self, query):
        """Export the enterprises you may see (same filters as the list) to .xlsx"""
        buffer = io.BytesIO()
        spreadsheet.write_xlsx(_all_pages(query), buffer)
        buffer.seek(0)
        return send_file(buffer, mimetype=XLSX_TYPE, as_attachment=True,
                         download_name="enterprises.xlsx")


def _all_pages(query):
    page = 1
    while True:
        result = _search(query, page, EXPORT_PAGE)
        yield from result["items"]
        if not result["has_more"]:
            return
        page += 1
