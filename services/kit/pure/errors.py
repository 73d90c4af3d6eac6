"""Typed domain errors: the error contract between services and the gateway.

Every error carries a stable `code` and optional per-field `errors`. The classes are plain Python
so domain modules can raise them; `services.kit.runtime` registers them with nameko so they cross
RPC as themselves, and the gateway maps each to one HTTP status.
"""

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(
        self, message: str, errors: dict[str, Any] | None = None, code: str | None = None
    ) -> None:
        # A rule with its own stable code names it; the class's code is the default. The code
        # travels in the arguments, so it crosses RPC with the error.
        super().__init__(message, errors or {}, *([code] if code else []))
        self.message = message
        self.errors = errors or {}
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Duplicate(DomainError):
    code = "duplicate"


class Conflict(DomainError):
    """The request is valid but the current state does not allow it (e.g. an illegal transition)."""

    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class PasswordChangeRequired(Forbidden):
    """The caller signed in with a password someone else set, and must change it first."""

    code = "password_change_required"


class TooManyAttempts(DomainError):
    """Sign-in is locked for a while after repeated failures; try again after `retry_after`
    seconds."""

    code = "too_many_attempts"

    def __init__(
        self, message: str, errors: dict[str, Any] | None = None, retry_after: int = 1
    ) -> None:
        super().__init__(message, errors)
        # In the arguments too, so the value crosses RPC with the error (as text: nameko
        # serialises exception arguments that way).
        self.retry_after = int(retry_after)
        self.args = (message, self.errors, self.retry_after)


class TooLarge(DomainError):
    code = "too_large"


class Unavailable(DomainError):
    """A dependency (database, object store, broker) cannot be reached right now."""

    code = "unavailable"


class Busy(Unavailable):
    """Every worker of the service is busy: refused at once rather than queued behind work the
    caller would give up on. Worth retrying after `RETRY_AFTER_SECONDS`."""

    code = "busy"
    RETRY_AFTER_SECONDS = 1


class NotDeployed(Unavailable):
    """The deployment runs no such service at all (as opposed to one that is down for now)."""

    code = "service_not_deployed"


class TimedOut(DomainError):
    """The caller's time ran out before the work was done; the work stopped there."""

    code = "timeout"


ALL_ERRORS = (
    DomainError,
    InvalidInput,
    NotFound,
    Duplicate,
    Conflict,
    Forbidden,
    Unauthenticated,
    PasswordChangeRequired,
    TooManyAttempts,
    TooLarge,
    NotDeployed,
    Unavailable,
    Busy,
    TimedOut,
)
