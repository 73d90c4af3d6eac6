"""RFC 9457 problem details as plain data: the vocabulary of every error answer, importable
without Flask (gunicorn's master loads gateway/serving.py, which answers what it cannot parse)."""

import json

TYPE_BASE = "https://anjian.example/problems/"
MEDIA_TYPE = "application/problem+json"

# HTTP status → stable code, for refusals that are not one of the platform's own errors.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    411: "length_required",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    431: "headers_too_large",
}


def details(status, code, title, detail, field_errors=None, **extra):
    body = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    if field_errors:
        body["errors"] = field_errors
    return body


def http_response(status, reason, detail):
    """A whole HTTP/1.1 answer, bytes, for a request refused before the application saw it."""
    body = json.dumps(
        details(status, HTTP_CODES.get(status, "http_error"), reason, detail), ensure_ascii=False
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {MEDIA_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body
