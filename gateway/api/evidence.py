"""Evidence files, recorded by the inspection service, two ways.

Straight to the object store (any size up to its type's limit, resumable): open an upload with
the file's size, type and sha256, PUT the bytes to the target(s) answered (a file larger than
one part goes in parts; after a dropped connection, GET the upload for the parts still missing),
then confirm. The evidence is recorded only once the stored object is found as declared; a
refused or abandoned upload leaves no object and no record.

Through the gateway in one request: the file goes to MinIO first (hashed, measured and
type-sniffed in one pass); only then is its record written, and if that is refused the object is
removed. If the store is down the caller gets 503 and nothing is recorded anywhere. Sent as the
request's body (`/file`, its length known before it arrives), the file goes on to MinIO in one
PUT as it arrives; sent in a form, it goes in parts as the form is parsed.
"""

from flask import g, request
from flask.views import MethodView
from marshmallow import fields
from werkzeug.exceptions import LengthRequired

from gateway.blueprint import PAGINATION_HEADER, Route, ServiceBlueprint, page_of, paginated
from gateway.platform import platform
from services.inspection.schemas import (
    IDENTIFIER,
    EvidenceLinkOut,
    EvidenceOut,
    UploadOut,
    UploadSchema,
)
from services.kit.pure.actor import WRITERS
from services.kit.pure.errors import DomainError, InvalidInput, NotFound
from services.kit.pure.schemas import StrictSchema

ROUTES = (
    Route(
        "POST",
        "/uploads",
        "open_upload",
        "Open an upload straight to the object store: where to PUT the file (or each part)",
        UploadOut,
        status=201,
        body=UploadSchema,
        location="/api/v1/evidence/uploads/{id}",
    ),
    Route(
        "GET",
        "/uploads/<string:identifier>",
        "upload_state",
        "The upload, the parts already stored, and fresh targets for the rest (to resume)",
        UploadOut,
    ),
)

blp = ServiceBlueprint(
    "evidence",
    __name__,
    service="inspection",
    url_prefix="/api/v1/evidence",
    description="Evidence photos, scans and videos for hazards",
    routes=ROUTES,
)

# Room for the multipart boundaries and the small form fields sent beside the file.
FORM_ALLOWANCE = 64 * 1024
UPLOADERS = ("enterprise", "agency", *WRITERS)


def require_evidence(identifiers, field):
    """Each id names evidence the caller uploaded and may see (the inspection service keeps the
    evidence records); anything else is invalid input naming `field`."""
    for identifier in identifiers:
        try:
            platform().call("inspection", "get_evidence", identifier)
        except NotFound:
            raise InvalidInput(
                f"{field} names evidence you may not see", {field: [identifier]}
            ) from None


class EvidenceUpload(StrictSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class EvidenceForm(StrictSchema):
    uscc = fields.String(metadata={"description": "the enterprise (implied for its own users)"})
    hazard_id = fields.String()
    captured_at = fields.String(metadata={"format": "date-time"})
    latitude = fields.String()
    longitude = fields.String()


class EvidenceFileQuery(EvidenceForm):
    filename = fields.String(metadata={"description": "the file's name, as the uploader knows it"})


class NoBody(StrictSchema):
    """Nothing to send: the record is named by the path."""


class HazardEvidenceQuery(StrictSchema):
    hazard_id = fields.String(required=True, validate=IDENTIFIER)


def with_links(record):
    """The record with short-lived links to the file and, once made, its thumbnail."""
    evidence = platform().evidence
    links = {
        "url": evidence.presigned_url(record["object_key"]),
        "url_expires_in": platform().settings.evidence_url_seconds,
    }
    if record.get("thumbnail_key"):
        links["thumbnail_url"] = evidence.presigned_url(record["thumbnail_key"])
    return {**record, **links}


@blp.route("")
class EvidenceUploads(MethodView):
    @blp.arguments(HazardEvidenceQuery, location="query")
    @blp.response(200, page_of(EvidenceLinkOut), headers={PAGINATION_HEADER: "PAGINATION"})
    def get(self, query):
        """The evidence about one hazard, each with links to its file and thumbnail"""
        items = [with_links(record) for record in blp.call("hazard_evidence", query["hazard_id"])]
        # A hazard's evidence is a handful of photos and scans: one page holds it all.
        page = {"page": 1, "page_size": max(len(items), 1)}
        return paginated({"items": items, "has_more": False, "total": len(items)}, page)

    # The file goes to the object store while the form is parsed, held to the same setting.
    @blp.carries_a_file
    @blp.files_to(lambda filename: platform().evidence.sink(filename))
    @blp.body_limit("evidence_max_bytes", allowance=FORM_ALLOWANCE)
    @blp.arguments(EvidenceForm, location="form")
    @blp.arguments(EvidenceUpload, location="files")
    @blp.response(201, EvidenceOut)
    def post(self, form, upload):
        """Upload one small file (JPEG, PNG, WebP, PDF or MP4, judged by its bytes) in one
        request; larger ones go straight to the object store (/uploads)"""
        upload = upload["file"]
        record = _described(form, upload.filename)
        # Refused before this point, the request's end removes whatever of the file was sent.
        return _recorded(record, upload.stream.stored())


@blp.route("/file")
class EvidenceFile(MethodView):
    @blp.carries_a_file
    @blp.body_limit("evidence_max_bytes")
    @blp.arguments(EvidenceFileQuery, location="query")
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    )
    @blp.response(201, EvidenceOut)
    def post(self, query):
        """Upload one file (JPEG, PNG, WebP, PDF or MP4, judged by its bytes) as the request's
        body, described in the query: the quickest way up to ANJIAN_EVIDENCE_MAX_BYTES; larger
        ones (videos) go straight to the object store (/uploads)"""
        record = _described(query, query.get("filename"))
        if request.content_length is None:
            raise LengthRequired("send the file with its Content-Length")
        stored = platform().evidence.put(request.stream, request.content_length, record["filename"])
        return _recorded(record, stored)


def _described(form, filename):
    """The evidence record's own fields, from the uploader's description of the file."""
    g.actor.require_role(*UPLOADERS)
    record = {
        "filename": filename or None,
        **{key: value for key, value in form.items() if value != "" and key != "filename"},
    }
    for key in ("latitude", "longitude"):
        if key in record:
            try:
                record[key] = float(record[key])
            except ValueError:
                raise InvalidInput(f"{key} must be a number", {key: ["not a number"]}) from None
    return record


def _recorded(record, stored):
    """The evidence of a stored file, recorded; a refused record removes the file."""
    try:
        return blp.call("record_evidence", {**record, **stored})
    except DomainError:
        platform().evidence.discard(stored["object_key"])
        raise


@blp.route("/<string:identifier>")
class Evidence(MethodView):
    @blp.response(200, EvidenceLinkOut)
    def get(self, identifier):
        """The evidence record and a short-lived download link, if you may see it"""
        return with_links(blp.call("get_evidence", identifier))


@blp.route("/uploads/<string:identifier>/confirmation")
class UploadConfirmation(MethodView):
    @blp.arguments(NoBody, required=False)
    @blp.response(201, EvidenceOut)
    def post(self, _nothing, identifier):
        """Record the uploaded file as evidence once it is found as declared; any refusal ends
        the upload and removes its object"""
        return blp.call("confirm_upload", identifier)


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
    see (a session's sign-in sheets, a project stage's reports)."""

    def guard(fields, **_path):
        require_evidence(fields.get(field) or (), field)

    return guard
