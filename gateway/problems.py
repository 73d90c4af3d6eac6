"""RFC 9457 problem details: the one table from error type to HTTP status and stable code."""

from flask import current_app, jsonify
from marshmallow import Schema, fields
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException

from gateway.problem_details import HTTP_CODES, MEDIA_TYPE, details
from gateway.rpc import ServiceTimeout
from services.kit.pure import errors


class ProblemSchema(Schema):
    """The body of every error answer, as documented in the OpenAPI spec."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "stable, for programs"})
    detail = fields.String(required=True)
    errors = fields.Raw(metadata={"description": "messages per field"})


# error class → (status, title)
TABLE = {
    errors.InvalidInput: (422, "Invalid input"),
    errors.NotFound: (404, "Not found"),
    errors.Duplicate: (409, "Already exists"),
    errors.Conflict: (409, "Conflict with the current state"),
    errors.Forbidden: (403, "Forbidden"),
    errors.PasswordChangeRequired: (403, "Change your password first"),
    errors.Unauthenticated: (401, "Authentication required"),
    errors.TooManyAttempts: (429, "Too many attempts"),
    errors.TooLarge: (413, "Too large"),
    errors.Unavailable: (503, "Service unavailable"),
    errors.Busy: (503, "Service busy"),
    errors.NotDeployed: (503, "Service not deployed here"),
    errors.TimedOut: (504, "Gateway timeout"),
}


def problem(status, code, title, detail, field_errors=None, **extra):
    body = details(status, code, title, detail, field_errors, **extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="anjian"'
    return response


def from_domain_error(error):
    status, title = next(
        (row for cls, row in TABLE.items() if type(error) is cls), (400, "Rejected")
    )
    response = problem(status, error.code, title, error.message, error.errors or None)
    if isinstance(error, errors.Busy):
        response.headers["Retry-After"] = str(errors.Busy.RETRY_AFTER_SECONDS)
    if isinstance(error, errors.TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def from_http_exception(error):
    code = HTTP_CODES.get(error.code, "http_error")
    data = getattr(error, "data", None) or {}
    # webargs (flask-smorest @arguments) puts per-location field messages here.
    messages = data.get("messages")
    if messages and len(messages) == 1:
        messages = next(iter(messages.values()))
    if error.code == 422:
        return problem(
            422, "invalid_input", "Invalid input", "the request has invalid fields", messages
        )
    return problem(error.code, code, error.name, error.description or error.name, messages)


def from_timeout(error):
    return problem(504, "timeout", "Gateway timeout", str(error))


def from_unreachable_database(error):
    """The gateway's own database is down: the caller may retry, it is not their fault."""
    current_app.logger.warning("database unreachable: %s", error)
    return from_domain_error(errors.Unavailable("the database is not reachable, try again shortly"))


def from_unexpected(error):
    current_app.logger.exception("unexpected error")
    return problem(
        500,
        "internal_error",
        "Internal error",
        "something went wrong on our side; it has been logged",
    )


def register(app):
    app.register_error_handler(errors.DomainError, from_domain_error)
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(ServiceTimeout, from_timeout)
    app.register_error_handler(ConnectionFailure, from_unreachable_database)
    app.register_error_handler(Exception, from_unexpected)
