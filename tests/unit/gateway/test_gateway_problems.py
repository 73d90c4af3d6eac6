"""Every domain error maps to one HTTP status and a stable problem+json code."""

import pytest
from flask import Flask

from gateway import problems
from services.kit.pure import errors


@pytest.fixture
def app():
    return Flask("problems-test")


@pytest.mark.parametrize(
    "error,status",
    [
        (errors.InvalidInput("bad", {"uscc": ["malformed"]}), 422),
        (errors.NotFound("no such enterprise"), 404),
        (errors.Duplicate("exists"), 409),
        (errors.Conflict("closed is final"), 409),
        (errors.Forbidden("outside"), 403),
        (errors.Unauthenticated("sign in"), 401),
        (errors.TooLarge("big"), 413),
        (errors.Unavailable("down"), 503),
        (errors.Busy("every worker is busy"), 503),
        (errors.TimedOut("took too long"), 504),
    ],
)
def test_domain_errors_become_problems(app, error, status):
    with app.app_context():
        response = problems.from_domain_error(error)
    body = response.get_json()
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert body["code"] == error.code and body["status"] == status
    assert body["detail"] == error.message
    assert body.get("errors") == (error.errors or None)


def test_a_busy_service_says_when_to_try_again(app):
    with app.app_context():
        response = problems.from_domain_error(errors.Busy("every worker is busy"))
    assert response.headers["Retry-After"] == str(errors.Busy.RETRY_AFTER_SECONDS)


def test_every_kit_error_has_a_row_in_the_table():
    unmapped = [
        cls
        for cls in errors.ALL_ERRORS
        if cls is not errors.DomainError and cls not in problems.TABLE
    ]
    assert unmapped == []


def test_unexpected_errors_say_nothing_about_the_code(app):
    with app.app_context():
        response = problems.from_unexpected(RuntimeError("secret internals at line 42"))
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)
