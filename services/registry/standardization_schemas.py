"""Standardization schemas: grade records, self-assessments, re-assessment applications, and the
enterprise's standardization as the API shows it."""

from marshmallow import Schema, fields, validate

from services.kit.pure.schemas import BoundedInteger, StrictSchema, Year


class GradeSchema(StrictSchema):
    grade = BoundedInteger(3, minimum=1, required=True, metadata={"description": "1 highest"})
    graded_on = fields.Date(required=True)
    expires_on = fields.Date(
        load_default=None, metadata={"description": "valid until; by rule when omitted"}
    )
    grading_body = fields.String(validate=validate.Length(min=2, max=200))
    certificate_number = fields.String(validate=validate.Length(min=1, max=64))


class SelfAssessmentSchema(StrictSchema):
    year = Year(required=True)
    submitted_on = fields.Date(required=True)
    score = fields.Float(validate=validate.Range(min=0, max=100))
    documents = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=20)
    )


class ReassessmentSchema(StrictSchema):
    applied_on = fields.Date(required=True)


class CurrentGradeOut(Schema):
    grade = fields.Integer()
    graded_on = fields.String()
    expires_on = fields.String()
    review_due_on = fields.String()
    state = fields.String(metadata={"description": "valid, review_due or expired"})


class HistoryEntryOut(Schema):
    id = fields.String()
    kind = fields.String(
        metadata={
            "description": "graded, self_assessed, reassessment_applied, review_reminded, lapsed"
        }
    )
    grade = fields.Integer()
    graded_on = fields.String()
    expires_on = fields.String()
    review_due_on = fields.String()
    grading_body = fields.String(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    reassessment = fields.String(metadata={"description": "first, on_time or late"})
    previous_expires_on = fields.String(
        allow_none=True, metadata={"description": "when the grade this one replaced expired"}
    )
    year = fields.Integer()
    submitted_on = fields.String()
    score = fields.Float(allow_none=True)
    applied_on = fields.String()
    documents = fields.List(fields.String())
    at = fields.String(metadata={"format": "date-time"})
    by = fields.String()


class EnterpriseStandardizationOut(Schema):
    uscc = fields.String()
    current = fields.Nested(CurrentGradeOut, allow_none=True)
    history = fields.List(fields.Nested(HistoryEntryOut))
