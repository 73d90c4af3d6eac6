"""Inspection routes: the hazard catalogue, inspections, self-inspections, hazards and their
closed loop, enforcement cases, accidents, risk points and registers (dual prevention),
emergency plans and drills, and indicators. The inspection service checks every
rule again; the gateway authenticates, validates the shape and forwards the body as sent."""

from flask.views import MethodView
from marshmallow import fields

from gateway.blueprint import Route, ServiceBlueprint
from gateway.interchange import import_report
from services.inspection import schemas, spreadsheet
from services.inspection import schemas_prevention as prevention
from services.kit.pure.schemas import MAX_YEAR, MIN_YEAR, ImportReportOut, StrictSchema

# Rows of one risk register import: a county's registers, with room to spare.
MAX_IMPORT_ROWS = 20_000

ROUTES = (
    Route(
        "GET",
        "/hazard-catalogue",
        "hazard_catalogue",
        "The major-hazard catalogue (应急管理部令第10号) and the general checklist",
        schemas.CatalogueOut,
    ),
    Route(
        "GET",
        "/inspections",
        "list_inspections",
        "Inspections you may see (an open unannounced visit is invisible to its enterprise)",
        schemas.InspectionOut,
        query=schemas.InspectionQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/inspections",
        "open_inspection",
        "Open an inspection visit (routine, special campaign, unannounced, third party, ...)",
        schemas.InspectionOut,
        201,
        body=schemas.InspectionCreateSchema,
    ),
    Route(
        "POST",
        "/agency-assignments",
        "assign_agency",
        "Assign a third-party technical agency to an enterprise (三维一体)",
        schemas.AssignmentOut,
        201,
        body=schemas.AgencyAssignmentSchema,
    ),
    Route(
        "GET",
        "/inspections/<string:identifier>",
        "get_inspection",
        "One inspection record",
        schemas.InspectionOut,
    ),
    Route(
        "POST",
        "/inspections/<string:identifier>/findings",
        "add_finding",
        "Record a problem found; its grade follows the catalogue",
        schemas.FindingOut,
        201,
        body=schemas.FindingSchema,
    ),
    Route(
        "POST",
        "/inspections/<string:identifier>/complete",
        "complete_inspection",
        "Complete the record (Art. 68): handling, signature or recorded refusal; hazards open",
        schemas.InspectionOut,
        body=schemas.CompletionSchema,
    ),
    Route(
        "POST",
        "/self-inspections",
        "report_self_inspection",
        "Report an enterprise self-inspection (incl. the principal-led monthly inspection)",
        schemas.SelfInspectionOut,
        201,
        body=schemas.SelfInspectionSchema,
    ),
    Route(
        "GET",
        f"/self-inspections/coverage/<string:uscc>/<int(min={MIN_YEAR}, max={MAX_YEAR}):year>",
        "self_inspection_coverage",
        "Per month of a year: reports and whether the principal led one",
        schemas.CoverageOut,
    ),
    Route(
        "GET",
        "/hazards",
        "list_hazards",
        "Hazards you may see; filters: region, uscc, grade, state, overdue, escalation_proposed",
        schemas.HazardOut,
        query=schemas.HazardQuerySchema,
        paginated=True,
    ),
    Route(
        "GET",
        "/hazards/<string:identifier>",
        "get_hazard",
        "One hazard with its transitions, rectifications, extensions and escalations",
        schemas.HazardOut,
    ),
    Route(
        "POST",
        "/hazards/<string:identifier>/rectification",
        "submit_rectification",
        "The enterprise submits its rectification with evidence it uploaded",
        schemas.HazardOut,
        body=schemas.RectificationSchema,
    ),
    Route(
        "POST",
        "/hazards/<string:identifier>/verification",
        "verify_hazard",
        "The bureau verifies (closes) or rejects (with reason) a rectification",
        schemas.HazardOut,
        body=schemas.VerificationSchema,
    ),
    Route(
        "POST",
        "/hazards/<string:identifier>/plan",
        "approve_plan",
        "Approve a major hazard's rectification plan",
        schemas.HazardOut,
        body=schemas.PlanSchema,
    ),
    Route(
        "POST",
        "/hazards/<string:identifier>/actions",
        "hazard_action",
        "start_rectification, apply_resume, suspend (order), raise_to_major or "
        "record_defiance (working under a suspension order)",
        schemas.HazardOut,
        body=schemas.HazardActionSchema,
    ),
    Route(
        "POST",
        "/hazards/<string:identifier>/suspension/lift",
        "lift_suspension",
        "Lift the suspension order; the registry restores the enterprise's status",
        schemas.HazardOut,
        body=schemas.SuspensionLiftSchema,
    ),
    Route(
        "POST",
        "/hazards/<string:identifier>/escalation",
        "decide_escalation",
        "The bureau takes or declines the escalation rung proposed on an overdue hazard",
        schemas.HazardOut,
        body=schemas.EscalationDecisionSchema,
    ),
    Route(
        "POST",
        "/hazards/<string:identifier>/extension",
        "request_extension",
        "The enterprise asks for a later deadline, with a reason",
        schemas.HazardOut,
        201,
        body=schemas.ExtensionRequestSchema,
    ),
    Route(
        "PUT",
        "/hazards/<string:identifier>/extension",
        "decide_extension",
        "The bureau approves or refuses the pending extension, with a reason",
        schemas.HazardOut,
        body=schemas.ExtensionDecisionSchema,
    ),
    Route(
        "GET",
        "/enforcement-cases",
        "list_cases",
        "Enforcement cases you may see",
        schemas.CaseOut,
        query=schemas.InspectionQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/enforcement-cases",
        "open_case",
        "Open a case: the unit and each responsible person are parties (一案双罚)",
        schemas.CaseOut,
        201,
        body=schemas.CaseSchema,
    ),
    Route(
        "GET",
        "/enforcement-cases/<string:identifier>",
        "get_case",
        "One case, with the Art. 112 proposals and the Art. 113 closure grounds",
        schemas.CaseOut,
    ),
    Route(
        "POST",
        "/enforcement-cases/<string:identifier>/penalties",
        "decide_penalty",
        "Decide the penalty lines, one or more per party",
        schemas.CaseOut,
        body=schemas.PenaltyDecisionSchema,
    ),
    Route(
        "POST",
        "/enforcement-cases/<string:identifier>/compliance",
        "record_compliance",
        "Record a party's continued refusal or confirmed correction (Safety Law Art. 112)",
        schemas.CaseOut,
        body=schemas.ComplianceSchema,
    ),
    Route(
        "POST",
        "/enforcement-cases/<string:identifier>/daily-fines",
        "decide_daily_fine",
        "Impose or decline the proposed Safety Law Art. 112 daily fine on the unit",
        schemas.CaseOut,
        body=schemas.DailyFineDecisionSchema,
    ),
    Route(
        "POST",
        "/enforcement-cases/<string:identifier>/closure",
        "decide_closure",
        "Ask the government to close the enterprise (Art. 113); bans the principal 5 years",
        schemas.CaseOut,
        body=schemas.ClosureDecisionSchema,
    ),
    Route(
        "GET",
        "/inspection-plans",
        "list_plans",
        "Annual inspection plans of your jurisdiction",
        schemas.AnnualPlanOut,
        query=schemas.PlanQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/inspection-plans",
        "create_plan",
        "Draw an annual plan: risk priorities and a reproducible random sample (双随机)",
        schemas.AnnualPlanOut,
        201,
        body=schemas.PlanRequestSchema,
    ),
    Route(
        "GET",
        "/accidents",
        "list_accidents",
        "Accident reports you may see",
        schemas.AccidentOut,
        query=schemas.InspectionQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/accidents",
        "report_accident",
        "Report an accident; its grade follows 国务院令第493号",
        schemas.AccidentOut,
        201,
        body=schemas.AccidentSchema,
    ),
    Route(
        "GET",
        "/accidents/<string:identifier>",
        "get_accident",
        "One accident report with its supplements",
        schemas.AccidentOut,
    ),
    Route(
        "POST",
        "/accidents/<string:identifier>/supplements",
        "supplement_accident",
        "Supplement casualties within the 493号 Art. 13 window, or correct the loss; the grade "
        "follows",
        schemas.AccidentOut,
        201,
        body=schemas.AccidentSupplementSchema,
    ),
    Route(
        "POST",
        "/accidents/<string:identifier>/level-reports",
        "report_accident_upward",
        "Record when the accident was reported up to a level (493号 Arts. 10-11)",
        schemas.AccidentOut,
        201,
        body=schemas.AccidentLevelReportSchema,
    ),
    Route(
        "GET",
        "/indicators/inspection",
        "inspection_indicators",
        "Counters for a county (or the sum of a city's or province's counties) and year",
        schemas.IndicatorsOut,
        query=schemas.IndicatorQuerySchema,
    ),
)

PREVENTION_ROUTES = (
    Route(
        "GET",
        "/risk-points",
        "list_risk_points",
        "Risk points you may see; filters: region, uscc, level, complete",
        prevention.RiskPointOut,
        query=prevention.RiskPointQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/risk-points",
        "record_risk_point",
        "Record a risk point: GB 6441 hazard types, LEC or matrix score (level follows the "
        "rules), measures, responsible person; a red point needs measures to be complete",
        prevention.RiskPointOut,
        201,
        body=prevention.RiskPointSchema,
    ),
    Route(
        "GET",
        "/risk-points/<string:identifier>",
        "get_risk_point",
        "One risk point",
        prevention.RiskPointOut,
    ),
    Route(
        "PUT",
        "/risk-points/<string:identifier>",
        "change_risk_point",
        "Re-assess a risk point or change its measures (the whole point again)",
        prevention.RiskPointOut,
        body=prevention.RiskPointChangeSchema,
    ),
    Route(
        "GET",
        "/enterprises/<string:uscc>/risk-register",
        "risk_register",
        "An enterprise's risk register: points red first, whether current, findings",
        prevention.RegisterOut,
    ),
    Route(
        "POST",
        "/enterprises/<string:uscc>/risk-register",
        "review_risk_register",
        "Record the review of the whole register (every point complete, red ones with measures)",
        prevention.RegisterOut,
        body=prevention.RegisterReviewSchema,
    ),
    Route(
        "GET",
        "/emergency-plans",
        "list_emergency_plans",
        "Emergency plans you may see; filters: region, uscc, state, kind",
        prevention.EmergencyPlanOut,
        query=prevention.PlanQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/emergency-plans",
        "draft_emergency_plan",
        "Record a drafted emergency plan with its documents (evidence ids)",
        prevention.EmergencyPlanOut,
        201,
        body=prevention.PlanDraftSchema,
    ),
    Route(
        "GET",
        "/emergency-plans/<string:identifier>",
        "get_emergency_plan",
        "One emergency plan with its history",
        prevention.EmergencyPlanOut,
    ),
    Route(
        "POST",
        "/emergency-plans/<string:identifier>/steps",
        "emergency_plan_step",
        "The plan's review (评审), assessment (评估) or revision (with its reason)",
        prevention.EmergencyPlanOut,
        body=prevention.PlanStepSchema,
    ),
    Route(
        "POST",
        "/emergency-plans/<string:identifier>/filing",
        "file_emergency_plan",
        "The county bureau files the assessed plan (备案) with its filing number",
        prevention.EmergencyPlanOut,
        body=prevention.FilingSchema,
    ),
    Route(
        "GET",
        "/drills",
        "list_drills",
        "Emergency drills you may see; filters: region, uscc, half, led_by_principal",
        prevention.DrillOut,
        query=prevention.DrillQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/drills",
        "record_drill",
        "Record a drill: kind, scenario, participants, leader, evaluation, follow-up actions",
        prevention.DrillOut,
        201,
        body=prevention.DrillSchema,
    ),
    Route(
        "GET",
        "/drills/<string:identifier>",
        "get_drill",
        "One drill with its follow-ups",
        prevention.DrillOut,
    ),
    Route(
        "POST",
        "/drills/<string:identifier>/follow-ups/<string:follow_up_id>/closure",
        "close_drill_follow_up",
        "Close a drill's follow-up action with the evidence that shows it",
        prevention.DrillOut,
        body=prevention.FollowUpClosureSchema,
    ),
    Route(
        "GET",
        "/drill-reminders",
        "list_drill_reminders",
        "Reminders of principal-led drills due this half year",
        prevention.DrillReminderOut,
        query=prevention.DrillReminderQuerySchema,
        paginated=True,
    ),
)

blp = ServiceBlueprint(
    "inspection",
    __name__,
    service="inspection",
    url_prefix="/api/v1",
    description="Inspections, hidden hazards, enforcement and accidents",
    routes=(*ROUTES, *PREVENTION_ROUTES),
)


class RegisterFile(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


@blp.route("/risk-points/import")
class RiskPointImport(MethodView):
    @blp.arguments(RegisterFile, location="files")
    @blp.response(200, ImportReportOut)
    def post(self, upload):
        """Import risk registers (one row a risk point), .xlsx or .csv: good rows are recorded,
        bad ones reported with row and column"""
        upload = upload["file"]
        method, rows = spreadsheet.read_rows(
            upload.stream, upload.filename or "", max_rows=MAX_IMPORT_ROWS
        )
        return import_report(rows, blp.caller(), method, "the file holds no rows")
