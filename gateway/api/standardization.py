"""Standardization routes: an enterprise's current grade derived from its grade history,
grades, self-assessment reports and re-assessment applications."""

from gateway.api.evidence import evidence_exists
from gateway.blueprint import Route, ServiceBlueprint
from services.registry import standardization_schemas as schemas
from services.registry.project_schemas import IndicatorQuerySchema, StandardizationIndicatorsOut

ROUTES = (
    Route(
        "GET",
        "/enterprises/<string:uscc>/standardization",
        "get_standardization",
        "The current grade (derived from the history) with its state, and the history",
        schemas.EnterpriseStandardizationOut,
    ),
    Route(
        "GET",
        "/enterprises/<string:uscc>/standardization/history",
        "standardization_history",
        "The same answer: the grade history with the current grade",
        schemas.EnterpriseStandardizationOut,
    ),
    Route(
        "POST",
        "/enterprises/<string:uscc>/standardization",
        "record_grade",
        "Record a grade awarded (validity by rule when not given); it becomes the current grade",
        schemas.EnterpriseStandardizationOut,
        201,
        body=schemas.GradeSchema,
    ),
    Route(
        "POST",
        "/enterprises/<string:uscc>/standardization/self-assessments",
        "record_self_assessment",
        "File the enterprise's annual self-assessment report",
        schemas.EnterpriseStandardizationOut,
        201,
        body=schemas.SelfAssessmentSchema,
        guard=evidence_exists("documents"),
    ),
    Route(
        "POST",
        "/enterprises/<string:uscc>/standardization/reassessment",
        "apply_for_reassessment",
        "Apply for re-assessment of the current grade",
        schemas.EnterpriseStandardizationOut,
        201,
        body=schemas.ReassessmentSchema,
    ),
    Route(
        "GET",
        "/indicators/standardization",
        "standardization_indicators",
        "Target 6 for a region and year: standardization and re-assessment rates, with "
        "numerators and denominators",
        StandardizationIndicatorsOut,
        query=IndicatorQuerySchema,
    ),
)

blp = ServiceBlueprint(
    "standardization",
    __name__,
    service="registry",
    url_prefix="/api/v1",
    description="Safety production standardization grades (安全生产标准化)",
    routes=ROUTES,
)
