"""Enterprise registry routes: scoped by the caller's jurisdiction here and again in the service."""

from flask import g
from flask.views import MethodView
from marshmallow import RAISE

from gateway.blueprint import Route, ServiceBlueprint
from gateway.interchange import ImportFile, import_report, xlsx_download
from services.kit.pure.actor import WRITERS
from services.kit.pure.errors import NotFound
from services.kit.pure.schemas import PageSchema
from services.kit.spreadsheets import XLSX_TYPE
from services.registry import spreadsheet
from services.registry.schemas import (
    AuditEntrySchema,
    EnterpriseCreateSchema,
    EnterpriseQuerySchema,
    EnterpriseSchema,
    EnterpriseUpdateSchema,
    ImportReportSchema,
    StatusChangeSchema,
)

EXPORT_PAGE = 200


class EnterpriseListArgs(EnterpriseQuerySchema, PageSchema):
    pass


def _writer(_fields=None, **_path):
    g.actor.require_role(*WRITERS)


def _writer_in_region(fields_, **_path):
    """Writers only, and a region_code sent must be a current one in their jurisdiction."""
    _writer()
    if fields_.get("region_code") is not None:
        g.actor.require_region_writer(fields_["region_code"])


def _own_enterprise(_none, uscc):
    """An enterprise user sees only its own enterprise; any other looks missing."""
    if g.actor.role == "enterprise" and uscc != g.actor.uscc:
        raise NotFound(f"no enterprise {uscc}")


def _criteria(query):
    """The filters of a list or an export, within the caller's jurisdiction."""
    g.actor.narrow(query.get("region"))
    return {
        key: value for key, value in query.items() if key not in ("page", "page_size", "with_total")
    }


def _search(query):
    return _criteria(query), query["page"], query["page_size"], query["with_total"]


ROUTES = (
    Route(
        "GET",
        "",
        "list",
        """List enterprises in your jurisdiction

        A stable order the store serves without sorting everything: registration order on the
        embedded server, by USCC on MongoDB. `has_more` says whether another page follows; the
        total is counted only when `with_total` asks for it.""",
        EnterpriseSchema,
        query=EnterpriseListArgs,
        paginated=True,
        send=_search,
    ),
    Route(
        "POST",
        "",
        "register",
        "Register an enterprise",
        EnterpriseSchema,
        201,
        body=EnterpriseCreateSchema,
        guard=_writer_in_region,
        location="/api/v1/enterprises/{uscc}",
    ),
    Route(
        "GET",
        "/<string:uscc>",
        "get",
        "One enterprise (404 when outside your jurisdiction)",
        EnterpriseSchema,
        guard=_own_enterprise,
    ),
    Route(
        "PATCH",
        "/<string:uscc>",
        "update",
        "Change some fields of an enterprise; the change is audited and published",
        EnterpriseSchema,
        body=EnterpriseUpdateSchema,
        guard=_writer_in_region,
    ),
    Route(
        "POST",
        "/<string:uscc>/status",
        "change_status",
        "Change the operating status (operating, suspended, closed) with a reason and date",
        EnterpriseSchema,
        body=StatusChangeSchema,
        guard=_writer,
    ),
    Route(
        "GET",
        "/<string:uscc>/history",
        "history",
        "The audit trail: who changed what, when",
        AuditEntrySchema(many=True),
    ),
)

blp = ServiceBlueprint(
    "enterprises",
    __name__,
    service="registry",
    url_prefix="/api/v1/enterprises",
    description="The enterprise registry (工贸企业台账)",
    routes=ROUTES,
)


@blp.route("/import")
class EnterpriseImport(MethodView):
    @blp.carries_a_file
    @blp.arguments(ImportFile, location="files")
    @blp.response(200, ImportReportSchema)
    def post(self, upload):
        """Import enterprises from .xlsx or .csv: good rows are registered, each row reported"""
        _writer()
        upload = upload["file"]
        rows = spreadsheet.read_rows(upload.stream, upload.filename or "")
        return import_report(rows, blp.caller(), "import_rows", "the file holds no enterprise rows")


@blp.route("/export")
class EnterpriseExport(MethodView):
    @blp.arguments(EnterpriseQuerySchema, location="query", unknown=RAISE)
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type=XLSX_TYPE,
        description="an .xlsx workbook that can be imported again",
    )
    def get(self, query):
        """Export the enterprises you may see (same filters as the list) to .xlsx"""
        return xlsx_download(spreadsheet.write_xlsx, _all_pages(query), "enterprises.xlsx")


def _all_pages(query):
    criteria, page = _criteria(query), 1
    while True:
        result = blp.call("list", criteria, page, EXPORT_PAGE, False)
        yield from result["items"]
        if not result["has_more"]:
            return
        page += 1
