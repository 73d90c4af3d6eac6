"""Permits routes: the confined-space ledger and its QR codes and label sheet, work permits with
their gas tests and steps, the scan-before-work gate, the regulator's live view and the target-8
indicators. The permits service checks every rule again; the gateway authenticates, validates
the shape, checks that named evidence exists, renders the codes and forwards."""

from flask import Response
from flask.views import MethodView
from marshmallow import RAISE

from gateway.api.evidence import require_evidence
from gateway.blueprint import Route, ServiceBlueprint
from services.permits import labels, schemas


def _evidence_on_file(kind, field):
    """A guard: the caller may change the record (asked first, so authorization decides before
    anything else), and the evidence the body names in `field` is on file and theirs to see."""

    def guard(fields, identifier):
        if fields.get(field):
            blp.call("may_change", kind, identifier)
            require_evidence([fields[field]], field)

    return guard


def _permit_route(action, rpc, summary, body):
    return Route(
        "POST", f"/permits/<string:identifier>/{action}", rpc, summary, schemas.PermitOut, body=body
    )


ROUTES = (
    Route(
        "GET",
        "/confined-spaces",
        "list_spaces",
        "The confined-space ledger you may see; filters: region, uscc, status, signage",
        schemas.SpaceOut,
        query=schemas.SpaceQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/confined-spaces",
        "register_space",
        "Put a confined space on the enterprise's ledger (令第13号 Art. 6)",
        schemas.SpaceOut,
        201,
        body=schemas.SpaceCreateSchema,
        location="/api/v1/confined-spaces/{id}",
    ),
    Route(
        "GET",
        "/confined-spaces/<string:identifier>",
        "get_space",
        "One space with its change history and the URL its QR code encodes",
        schemas.SpaceOut,
    ),
    Route(
        "PATCH",
        "/confined-spaces/<string:identifier>",
        "update_space",
        "Change what the ledger says of a space, or retire it (status: retired)",
        schemas.SpaceOut,
        body=schemas.SpaceUpdateSchema,
    ),
    Route(
        "POST",
        "/confined-spaces/<string:identifier>/signage",
        "record_signage",
        "The warning sign at the entrance is installed (Art. 11), with its photo as evidence",
        schemas.SpaceOut,
        body=schemas.SignageSchema,
        guard=_evidence_on_file("space", "photo"),
    ),
    Route(
        "GET",
        "/confined-space-staff",
        "list_staff",
        "People who may be named on a permit, with their confined-space roles valid today",
        schemas.StaffOut,
        query=schemas.StaffQuerySchema,
        paginated=True,
    ),
    Route(
        "GET",
        "/permits",
        "list_permits",
        "Permits you may see; with state=in_progress the live view of the work under way: "
        "space, people, last gas test and its age, refused scans today",
        schemas.PermitOut,
        query=schemas.PermitQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/permits",
        "apply_permit",
        "Apply for work in a space: purpose, window, entrants, guardian, rescuers, approver",
        schemas.PermitOut,
        201,
        body=schemas.PermitCreateSchema,
        location="/api/v1/permits/{id}",
    ),
    Route(
        "GET",
        "/permits/<string:identifier>",
        "get_permit",
        "One permit: steps, gas tests, approval, history",
        schemas.PermitOut,
    ),
    _permit_route(
        "submit", "submit_permit", "Submit a draft to its approver", schemas.SubmitSchema
    ),
    Route(
        "POST",
        "/permits/<string:identifier>/approve",
        "approve_permit",
        "Approve (Art. 7): where toxic gas may be present, by the principal or with the "
        "principal's written delegation; everyone trained within the year (Art. 9)",
        schemas.PermitOut,
        body=schemas.ApprovalSchema,
        guard=_evidence_on_file("permit", "delegation"),
    ),
    Route(
        "POST",
        "/permits/<string:identifier>/gas-tests",
        "record_gas_test",
        "A gas test before entry or a monitoring reading during work (ppm or mg/m³ converted)",
        schemas.PermitOut,
        201,
        body=schemas.GasTestSchema,
    ),
    _permit_route(
        "steps",
        "record_step",
        "A step of the order of work (Art. 14): ventilation, briefing, the guardian's checklist",
        schemas.StepSchema,
    ),
    _permit_route(
        "interrupt",
        "interrupt_permit",
        "Stop the work; re-entry needs ventilation and a new test (Art. 15)",
        schemas.InterruptSchema,
    ),
    _permit_route("finish", "finish_permit", "The work is finished", schemas.FinishSchema),
    _permit_route("cancel", "cancel_permit", "Cancel a permit before work", schemas.CancelSchema),
    Route(
        "POST",
        "/permits/scan",
        "scan",
        "先扫码、后作业: the code at the entrance and the people present; allow or deny with "
        "every unmet condition (a denial is an answer, not an error)",
        schemas.ScanOut,
        body=schemas.ScanSchema,
    ),
    Route(
        "GET",
        "/permit-scans",
        "list_scans",
        "Scans of a day (today by default) you may see; result=deny for the refusals",
        schemas.ScanOut,
        query=schemas.ScanQuerySchema,
        paginated=True,
    ),
    Route(
        "GET",
        "/indicators/permits",
        "permit_indicators",
        "Target 8 for a county (or the sum of a city's or province's counties) and year",
        schemas.PermitIndicatorsOut,
        query=schemas.PermitIndicatorQuerySchema,
    ),
)

blp = ServiceBlueprint(
    "permits",
    __name__,
    service="permits",
    url_prefix="/api/v1",
    description="Confined spaces, QR codes, work permits, the scan gate and target 8",
    routes=ROUTES,
)


BINARY = {"type": "string", "format": "binary"}
SVG, PNG = "image/svg+xml", "image/png"


def _code(identifier, render, mimetype):
    space = blp.call("get_space", identifier)
    return Response(render(space["scan_url"]), mimetype=mimetype)


@blp.route("/confined-spaces/<string:identifier>/qr.svg")
class SpaceCodeSvg(MethodView):
    @blp.response(200, BINARY, content_type=SVG)
    def get(self, identifier):
        """The QR code at the space's entrance as SVG: its scan URL with the signed token"""
        return _code(identifier, labels.svg, SVG)


@blp.route("/confined-spaces/<string:identifier>/qr.png")
class SpaceCodePng(MethodView):
    @blp.response(200, BINARY, content_type=PNG)
    def get(self, identifier):
        """The QR code at the space's entrance as PNG: its scan URL with the signed token"""
        return _code(identifier, labels.png, PNG)


@blp.route("/confined-spaces/labels.pdf")
class LabelSheet(MethodView):
    @blp.arguments(schemas.LabelQuerySchema, location="query", unknown=RAISE)
    @blp.response(
        200,
        BINARY,
        content_type="application/pdf",
        description="an A4 sheet of labels, one per space in use: number, name, QR code",
    )
    def get(self, query):
        """The printable label sheet of an enterprise's spaces in use"""
        found = blp.call("space_labels", query)
        return Response(
            labels.sheet(found["enterprise_name"], found["labels"]),
            mimetype="application/pdf",
            headers={"Content-Disposition": 'inline; filename="confined-space-labels.pdf"'},
        )
