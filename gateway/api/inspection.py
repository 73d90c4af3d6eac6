"""Inspection routes: the hazard catalogue, inspections, self-inspections, hazards and their
closed loop, enforcement cases, accidents and indicators. The inspection service checks every
rule again; the gateway authenticates, validates the shape and forwards the body as sent."""
from flask import request
from flask.views import MethodView
from marshmallow import RAISE

from services import SERVICE_NAMES
from gateway.bodies import Blueprint
from gateway.pagination import pagination_header
from gateway.platform import platform
from services.inspection import schemas
from services.kit.pure.schemas import MAX_YEAR, MIN_YEAR

blp = Blueprint("inspection", __name__, url_prefix="/api/v1",
                description="Inspections, hidden hazards, enforcement and accidents")


def inspection(method, *args):
    return platform().call("inspection", method, *args)


def body():
    return request.get_json(silent=True)


def listed(method):
    result = inspection(method, dict(request.args))
    return result, 200, {"X-Pagination": pagination_header(result)}


@blp.route("/hazard-catalogue")
class HazardCatalogue(MethodView):
    def get(self):
        """The major-hazard catalogue (应急管理部令第10号) and the general checklist"""
        return inspection("hazard_catalogue")


@blp.route("/inspections")
class Inspections(MethodView):
    @blp.arguments(schemas.InspectionQuerySchema, location="query", unknown=RAISE)
    def get(self, _args):
        """Inspections you may see (an open unannounced visit is invisible to its enterprise)"""
        return listed("list_inspections")

    @blp.arguments(schemas.InspectionCreateSchema)
    def post(self, _fields):
        """Open an inspection visit (routine, special campaign, unannounced, third party, ...)"""
        return inspection("open_inspection", body()), 201


@blp.route("/agency-assignments")
class AgencyAssignments(MethodView):
    @blp.arguments(schemas.AgencyAssignmentSchema)
    def post(self, _fields):
        """Assign a third-party technical agency to an enterprise (三维一体)"""
        return inspection("assign_agency", body()), 201


@blp.route("/inspections/<string:identifier>")
class Inspection(MethodView):
    def get(self, identifier):
        """One inspection record"""
        return inspection("get_inspection", identifier)


@blp.route("/inspections/<string:identifier>/findings")
class Findings(MethodView):
    @blp.arguments(schemas.FindingSchema)
    def post(self, _fields, identifier):
        """Record a problem found; its grade follows the catalogue"""
        return inspection("add_finding", identifier, body()), 201


@blp.route("/inspections/<string:identifier>/complete")
class Completion(MethodView):
    @blp.arguments(schemas.CompletionSchema)
    def post(self, _fields, identifier):
        """Complete the record (Art. 68): handling, signature or recorded refusal; hazards open"""
        return inspection("complete_inspection", identifier, body())


@blp.route("/self-inspections")
class SelfInspections(MethodView):
    @blp.arguments(schemas.SelfInspectionSchema)
    def post(self, _fields):
        """Report an enterprise self-inspection (incl. the principal-led monthly inspection)"""
        return inspection("report_self_inspection", body()), 201


@blp.route(f"/self-inspections/coverage/<string:uscc>/<int(min={MIN_YEAR}, max={MAX_YEAR}):year>")
class SelfInspectionCoverage(MethodView):
    def get(self, uscc, year):
        """Per month of a year: reports and whether the principal led one"""
        return inspection("self_inspection_coverage", uscc, year)


@blp.route("/hazards")
class Hazards(MethodView):
    @blp.arguments(schemas.HazardQuerySchema, location="query", unknown=RAISE)
    def get(self, _args):
        """Hazards you may see; filters: region, uscc, grade, state, overdue"""
        return listed("list_hazards")


@blp.route("/hazards/<string:identifier>")
class Hazard(MethodView):
    def get(self, identifier):
        """One hazard with its transitions, rectifications, extensions and escalations"""
        return inspection("get_hazard", identifier)


@blp.route("/hazards/<string:identifier>/rectification")
class Rectification(MethodView):
    @blp.arguments(schemas.RectificationSchema)
    def post(self, _fields, identifier):
        """The enterprise submits its rectification with evidence it uploaded"""
        return inspection("submit_rectification", identifier, body())


@blp.route("/hazards/<string:identifier>/verification")
class Verification(MethodView):
    @blp.arguments(schemas.VerificationSchema)
    def post(self, _fields, identifier):
        """The bureau verifies (closes) or rejects (with reason) a rectification"""
        return inspection("verify_hazard", identifier, body())


@blp.route("/hazards/<string:identifier>/plan")
class Plan(MethodView):
    @blp.arguments(schemas.PlanSchema)
    def post(self, _fields, identifier):
        """Approve a major hazard's rectification plan"""
        return inspection("approve_plan", identifier, body())


@blp.route("/hazards/<string:identifier>/actions")
class HazardAction(MethodView):
    @blp.arguments(schemas.HazardActionSchema)
    def post(self, _fields, identifier):
        """start_rectification, apply_resume, suspend (order) or raise_to_major"""
        return inspection("hazard_action", identifier, body())


@blp.route("/hazards/<string:identifier>/suspension/lift")
class SuspensionLift(MethodView):
    @blp.arguments(schemas.SuspensionLiftSchema)
    def post(self, _fields, identifier):
        """Lift the suspension order; the registry restores the enterprise's status"""
        return inspection("lift_suspension", identifier, body())


@blp.route("/hazards/<string:identifier>/escalation")
class Escalation(MethodView):
    @blp.arguments(schemas.EscalationDecisionSchema)
    def post(self, _fields, identifier):
        """The bureau takes or declines the escalation rung proposed on an overdue hazard"""
        return inspection("decide_escalation", identifier, body())


@blp.route("/hazards/<string:identifier>/extension")
class Extension(MethodView):
    @blp.arguments(schemas.ExtensionRequestSchema)
    def post(self, _fields, identifier):
        """The enterprise asks for a later deadline, with a reason"""
        return inspection("request_extension", identifier, body()), 201

    @blp.arguments(schemas.ExtensionDecisionSchema)
    def put(self, _fields, identifier):
        """The bureau approves or refuses the pending extension, with a reason"""
        return inspection("decide_extension", identifier, body())


@blp.route("/enforcement-cases")
class Cases(MethodView):
    @blp.arguments(schemas.InspectionQuerySchema, location="query", unknown=RAISE)
    def get(self, _args):
        """Enforcement cases you may see"""
        return listed("list_cases")

    @blp.arguments(schemas.CaseSchema)
    def post(self, _fields):
        """Open a case: the unit and each responsible person are parties (一案双罚)"""
        return inspection("open_case", body()), 201


@blp.route("/enforcement-cases/<string:identifier>")
class Case(MethodView):
    def get(self, identifier):
        """One case, with the Art. 113 closure flag"""
        return inspection("get_case", identifier)


@blp.route("/enforcement-cases/<string:identifier>/penalties")
class Penalties(MethodView):
    @blp.arguments(schemas.PenaltyDecisionSchema)
    def post(self, _fields, identifier):
        """Decide the penalty lines, one or more per party"""
        return inspection("decide_penalty", identifier, body())


@blp.route("/enforcement-cases/<string:identifier>/compliance")
class Compliance(MethodView):
    @blp.arguments(schemas.ComplianceSchema)
    def post(self, _fields, identifier):
        """Record a party's continued refusal or confirmed correction (Safety Law Art. 112)"""
        return inspection("record_compliance", identifier, body())


@blp.route("/enforcement-cases/<string:identifier>/daily-fines")
class DailyFines(MethodView):
    @blp.arguments(schemas.DailyFineDecisionSchema)
    def post(self, _fields, identifier):
        """Impose or decline the proposed Safety Law Art. 112 daily fine on the unit"""
        return inspection("decide_daily_fine", identifier, body())


@blp.route("/enforcement-cases/<string:identifier>/closure")
class Closure(MethodView):
    @blp.arguments(schemas.ClosureDecisionSchema)
    def post(self, _fields, identifier):
        """Ask the government to close the enterprise (Art. 113); bans the principal 5 years"""
        return inspection("decide_closure", identifier, body())


@blp.route("/inspection-plans")
class Plans(MethodView):
    @blp.arguments(schemas.PlanQuerySchema, location="query", unknown=RAISE)
    def get(self, _args):
        """Annual inspection plans of your jurisdiction"""
        return listed("list_plans")

    @blp.arguments(schemas.PlanRequestSchema)
    def post(self, _fields):
        """Draw an annual plan: risk priorities and a reproducible random sample (双随机)"""
        return inspection("create_plan", body()), 201


@blp.route("/accidents")
class Accidents(MethodView):
    @blp.arguments(schemas.InspectionQuerySchema, location="query", unknown=RAISE)
    def get(self, _args):
        """Accident reports you may see"""
        return listed("list_accidents")

    @blp.arguments(schemas.AccidentSchema)
    def post(self, _fields):
        """Report an accident; its grade follows 国务院令第493号"""
        return inspection("report_accident", body()), 201


@blp.route("/accidents/<string:identifier>")
class Accident(MethodView):
    def get(self, identifier):
        """One accident report with its supplements"""
        return inspection("get_accident", identifier)


@blp.route("/accidents/<string:identifier>/supplements")
class AccidentSupplements(MethodView):
    @blp.arguments(schemas.AccidentSupplementSchema)
    def post(self, _fields, identifier):
        """Update casualty and loss figures within 30 days; the grade follows"""
        return inspection("supplement_accident", identifier, body()), 201


@blp.route("/indicators/inspection")
class Indicators(MethodView):
    @blp.arguments(schemas.IndicatorQuerySchema, location="query", unknown=RAISE)
    def get(self, _args):
        """Counters for a county (or the sum of a city's or province's counties) and year"""
        return inspection("inspection_indicators", dict(request.args))


@blp.route(f"/dead-letters/<any({', '.join(SERVICE_NAMES)}):service>")
class DeadLetters(MethodView):
    def get(self, service):
        """Events a service's handlers could not apply, with the error (administrators)"""
        return platform().call(service, "dead_letters")
