"""Construction-project routes (三同时): projects and their stages, the bureaus' spot-check plans
and spot checks, and the registry's indicators (targets 3 and 6). The registry checks every rule
again; the gateway authenticates, validates the shape and forwards."""

from flask import g
from flask.views import MethodView
from marshmallow import fields

from gateway.api.evidence import evidence_exists
from gateway.blueprint import Route, ServiceBlueprint
from gateway.interchange import import_report
from services.kit.pure.actor import WRITERS
from services.kit.pure.schemas import StrictSchema
from services.registry import project_schemas as schemas
from services.registry import project_spreadsheet

# Rows of one import: a city's projects, with room to spare.
MAX_IMPORT_ROWS = 20_000

ROUTES = (
    Route(
        "GET",
        "/projects",
        "list_projects",
        "Construction projects you may see; filters: region, uscc, metal_smelting, accepted",
        schemas.ProjectOut,
        query=schemas.ProjectQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/projects",
        "register_project",
        "Register a construction project of an enterprise with the planned day of each stage",
        schemas.ProjectOut,
        201,
        body=schemas.ProjectCreateSchema,
        location="/api/v1/projects/{id}",
    ),
    Route(
        "GET",
        "/projects/<string:identifier>",
        "get_project",
        "One project: stages done, the next one, overdue stages, spot checks",
        schemas.ProjectOut,
    ),
    Route(
        "POST",
        "/projects/<string:identifier>/stages",
        "record_stage",
        "Record the project's next stage (409 out of order; a rejected design review is "
        "reviewed again), dated, with its documents",
        schemas.ProjectOut,
        body=schemas.StageSchema,
        guard=evidence_exists("documents"),
    ),
    Route(
        "POST",
        "/projects/<string:identifier>/spot-checks",
        "record_spot_check",
        "The bureau's spot check of an accepted project; a finding with a hazard opens it in "
        "the inspection service",
        schemas.ProjectOut,
        body=schemas.SpotCheckSchema,
        guard=evidence_exists("documents"),
    ),
    Route(
        "GET",
        "/project-spot-check-plans",
        "list_spot_check_plans",
        "The bureaus' annual spot-check samples of accepted projects",
        schemas.SpotCheckPlanOut,
        query=schemas.SpotCheckPlanQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/project-spot-check-plans",
        "draw_spot_check_plan",
        "Draw a county's annual sample of the projects accepted in a year (seed recorded)",
        schemas.SpotCheckPlanOut,
        201,
        body=schemas.SpotCheckPlanSchema,
    ),
    Route(
        "GET",
        "/indicators/projects",
        "project_indicators",
        "Target 3 for a region and year: 三同时 and spot-check rates, with numerators and "
        "denominators",
        schemas.ProjectIndicatorsOut,
        query=schemas.IndicatorQuerySchema,
    ),
)

blp = ServiceBlueprint(
    "projects",
    __name__,
    service="registry",
    url_prefix="/api/v1",
    description="Construction projects (三同时), spot checks and the registry's indicators",
    routes=ROUTES,
)


class ProjectFile(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


@blp.route("/projects/import")
class ProjectImport(MethodView):
    @blp.carries_a_file
    @blp.arguments(ProjectFile, location="files")
    @blp.response(200, schemas.ProjectImportReportOut)
    def post(self, upload):
        """Import construction projects from .xlsx or .csv: good rows are registered, bad ones
        reported with their row and fields"""
        g.actor.require_role(*WRITERS)
        upload = upload["file"]
        rows = project_spreadsheet.read_rows(
            upload.stream, upload.filename or "", max_rows=MAX_IMPORT_ROWS
        )
        return import_report(rows, blp.caller(), "import_projects", "the file holds no projects")
