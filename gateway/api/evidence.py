"""Evidence files: streamed to the object store by the gateway, recorded by the inspection service.

The file goes to MinIO first (hashed, measured and type-sniffed on the way); only then is its
record written. If the store is down the caller gets 503 and nothing is recorded anywhere.
"""

from flask import g, request
from flask.views import MethodView
from marshmallow import fields

from gateway.blueprint import ServiceBlueprint
from gateway.platform import platform
from services.inspection.schemas import EvidenceLinkOut, EvidenceOut
from services.kit.pure.actor import WRITERS
from services.kit.pure.errors import InvalidInput, NotFound
from services.kit.pure.schemas import StrictSchema

blp = ServiceBlueprint(
    "evidence",
    __name__,
    service="inspection",
    url_prefix="/api/v1/evidence",
    description="Evidence photos, scans and videos for hazards",
)

ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf", "video/mp4")
# Room for the multipart boundaries and the small form fields sent beside the file.
FORM_ALLOWANCE = 64 * 1024
UPLOADERS = ("enterprise", "agency", *WRITERS)


class EvidenceUpload(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class EvidenceForm(StrictSchema):
    uscc = fields.String(metadata={"description": "the enterprise (implied for its own users)"})
    hazard_id = fields.String()
    captured_at = fields.String(metadata={"format": "date-time"})
    latitude = fields.String()
    longitude = fields.String()


class NoBody(StrictSchema):
    """Nothing to send: the record is named by the path."""


@blp.route("")
class EvidenceUploads(MethodView):
    # The file itself is held to the same setting while it streams to the object store.
    @blp.body_limit("evidence_max_bytes", allowance=FORM_ALLOWANCE)
    @blp.arguments(EvidenceForm, location="form")
    @blp.arguments(EvidenceUpload, location="files")
    @blp.response(201, EvidenceOut)
    def post(self, form, upload):
        """Upload one file (JPEG, PNG, WebP, PDF or MP4, judged by its bytes)"""
        g.actor.require_role(*UPLOADERS)
        upload = upload["file"]
        stored = platform().evidence.put(
            upload.stream,
            declared_size=request.content_length,
            filename=upload.filename,
            allowed_types=ALLOWED_TYPES,
        )
        record = {
            **stored,
            "filename": upload.filename or None,
            **{key: value for key, value in form.items() if value != ""},
        }
        for key in ("latitude", "longitude"):
            if key in record:
                try:
                    record[key] = float(record[key])
                except ValueError:
                    raise InvalidInput(f"{key} must be a number", {key: ["not a number"]}) from None
        return blp.call("record_evidence", record)


@blp.route("/<string:identifier>")
class Evidence(MethodView):
    @blp.response(200, EvidenceLinkOut)
    def get(self, identifier):
        """The evidence record and a short-lived download link, if you may see it"""
        record = blp.call("get_evidence", identifier)
        return {
            **record,
            "url": platform().evidence.presigned_url(record["object_key"]),
            "url_expires_in": platform().settings.evidence_url_seconds,
        }


@blp.route("/<string:identifier>/verification")
class EvidenceVerification(MethodView):
    @blp.arguments(NoBody, required=False)
    @blp.response(200, EvidenceOut)
    def post(self, _nothing, identifier):
        """Recompute the file's sha256 and record whether it still matches"""
        record = blp.call("evidence_to_verify", identifier)
        intact = platform().evidence.verify(record["object_key"], record["sha256"])
        return blp.call("record_integrity", identifier, intact)


def evidence_exists(field):
    """A route guard: the ids in the body's `field` name evidence the caller uploaded and may
    see (a session's sign-in sheets, a project stage's reports; the inspection service keeps the
    evidence records)."""

    def guard(fields, **_path):
        for identifier in fields.get(field) or ():
            try:
                platform().call("inspection", "get_evidence", identifier)
            except NotFound:
                raise InvalidInput(
                    "a document is not evidence you may see", {field: [identifier]}
                ) from None

    return guard
