"""Training routes: people and their positions, certificates and reviews, training sessions,
hours, reminders, the target-7 indicators, and the ledger's import and export. The training
service checks every rule again; the gateway authenticates, validates the shape and forwards."""

from flask.views import MethodView
from marshmallow import RAISE

from gateway.api.evidence import evidence_exists
from gateway.blueprint import Route, ServiceBlueprint
from gateway.interchange import add_import_route, xlsx_download
from services.kit.spreadsheets import XLSX_TYPE
from services.training import schemas, spreadsheet

EXPORT_PAGE = 200
# Rows of one import: a county's ledger, with room to spare.
MAX_IMPORT_ROWS = 50_000


ROUTES = (
    Route(
        "GET",
        "/persons",
        "list_persons",
        "People you may see (ID numbers masked); filters: region, uscc, position, id_number",
        schemas.PersonRecordOut,
        query=schemas.PersonQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/persons",
        "register_person",
        "Put a person on an enterprise's staff (again by a new employer: history is kept)",
        schemas.PersonRecordOut,
        201,
        body=schemas.PersonCreateSchema,
        location="/api/v1/persons/{id}",
    ),
    Route(
        "GET",
        "/persons/<string:identifier>",
        "get_person",
        "One person: positions, employment history, training file, credentials, competency",
        schemas.PersonRecordOut,
    ),
    Route(
        "PATCH",
        "/persons/<string:identifier>",
        "update_person",
        "Change a person's name or phone",
        schemas.PersonRecordOut,
        body=schemas.PersonUpdateSchema,
    ),
    Route(
        "POST",
        "/persons/<string:identifier>/positions",
        "change_positions",
        "Start a position (a special operator's categories) or end one (ended_on)",
        schemas.PersonRecordOut,
        body=schemas.PositionChangeSchema,
    ),
    Route(
        "POST",
        "/persons/<string:identifier>/absences",
        "record_absence",
        "The person leaves work, comes back, or both (an absence recorded afterwards); a long "
        "absence calls for three-level education again",
        schemas.PersonRecordOut,
        body=schemas.AbsenceSchema,
    ),
    Route(
        "GET",
        "/persons/<string:identifier>/training",
        "person_training",
        "The person's training file and hours of a year against what their positions require",
        schemas.PersonTrainingOut,
        query=schemas.HoursQuerySchema,
    ),
    Route(
        "GET",
        "/persons/<string:identifier>/id-number",
        "reveal_id_number",
        "The full ID number: for the person's employer and administrators, and audited",
        schemas.IdNumberOut,
    ),
    Route(
        "GET",
        "/certificates",
        "list_certificates",
        "Certificates you may see with their state today; filters: region, uscc, person, kind",
        schemas.CertificateOut,
        query=schemas.CertificateQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/certificates",
        "issue_certificate",
        "Record a certificate a person holds (考核合格证, 特种作业操作证)",
        schemas.CertificateOut,
        201,
        body=schemas.CertificateCreateSchema,
        location="/api/v1/certificates/{id}",
    ),
    Route(
        "GET",
        "/certificates/<string:identifier>",
        "get_certificate",
        "One certificate with its reviews and the rules applied",
        schemas.CertificateOut,
    ),
    Route(
        "POST",
        "/certificates/<string:identifier>/review",
        "review_certificate",
        "Record a review (复审): date, hours of review training, result",
        schemas.CertificateOut,
        body=schemas.ReviewSchema,
    ),
    Route(
        "POST",
        "/certificates/<string:identifier>/revoke",
        "withdraw_certificate",
        "A bureau revokes or suspends a certificate, or reinstates a suspended one",
        schemas.CertificateOut,
        body=schemas.WithdrawalSchema,
    ),
    Route(
        "GET",
        "/training-sessions",
        "list_sessions",
        "Training sessions you may see",
        schemas.SessionOut,
        query=schemas.SessionQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/training-sessions",
        "record_session",
        "Record a session held: topic, kind, date, hours, trainer, participants, attachments",
        schemas.SessionOut,
        201,
        body=schemas.SessionCreateSchema,
        guard=evidence_exists("attachments"),
        location="/api/v1/training-sessions/{id}",
    ),
    Route(
        "GET",
        "/training-sessions/<string:identifier>",
        "get_session",
        "One session",
        schemas.SessionOut,
    ),
    Route(
        "POST",
        "/training-sessions/<string:identifier>/results",
        "record_results",
        "Each participant's result; those who attended are credited the hours",
        schemas.SessionOut,
        body=schemas.ResultsSchema,
    ),
    Route(
        "GET",
        "/training/hours/<string:uscc>",
        "enterprise_hours",
        "An enterprise's people short of the year's required hours, largest gap first",
        schemas.EnterpriseHoursOut,
        query=schemas.HoursQuerySchema,
    ),
    Route(
        "GET",
        "/reminders",
        "list_reminders",
        "Reminders to you: certificates due for review, overdue or expiring; hours short",
        schemas.ReminderOut,
        query=schemas.ReminderQuerySchema,
        paginated=True,
    ),
    Route(
        "GET",
        "/indicators/training",
        "training_indicators",
        "Target 7 for a county (or the sum of a city's or province's counties) and year",
        schemas.TrainingIndicatorsOut,
        query=schemas.TrainingIndicatorQuerySchema,
    ),
)

blp = ServiceBlueprint(
    "training",
    __name__,
    service="training",
    url_prefix="/api/v1",
    description="People, certificates, training and target 7",
    routes=ROUTES,
)


add_import_route(
    blp,
    "/training/import",
    spreadsheet.read_rows,
    MAX_IMPORT_ROWS,
    """Import a ledger (one row a person, or a person and a certificate) or training records
    (one row a participant of a session), .xlsx or .csv, told apart by the header: good rows are
    stored, bad ones reported with row and column""",
)


@blp.route("/training/export")
class LedgerExport(MethodView):
    @blp.arguments(schemas.ExportQuerySchema, location="query", unknown=RAISE)
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type=XLSX_TYPE,
        description="an .xlsx workbook: the ledger and the training records, each "
        "sheet importable again (full ID numbers only for the employer "
        "and administrators)",
    )
    def get(self, query):
        """Export the ledger of an enterprise or a jurisdiction to .xlsx"""
        return xlsx_download(spreadsheet.write_xlsx, _all_pages(query), "training-ledger.xlsx")


def _all_pages(query):
    page = 1
    while True:
        result = blp.call("ledger", query, page, EXPORT_PAGE)
        yield result
        if not result["has_more"]:
            return
        page += 1
