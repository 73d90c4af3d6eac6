"""The correlation id of a request, from the gateway to every service and event it reaches.

It starts at the gateway (the `X-Request-Id` header, or one made there), travels to the services
in nameko's context data (key `correlation_id`), and is carried on the events the request causes
(the CloudEvents extension attribute `correlationid`, stamped when the store writes them), so one
id finds every log line and event of one user action across processes. A handler of such an
event works under its id in turn (the outbox sends it as a nameko header too).

The current id is a context variable: each eventlet green thread (each nameko worker) and each
gateway thread has its own, so concurrent requests never see each other's.
"""

import re
import uuid
from contextvars import ContextVar

from services.kit.pure.envelope import CORRELATION

# nameko context data key, and the HTTP header it comes from and goes back in.
CORRELATION_ID = "correlation_id"
HEADER = "X-Request-Id"
# An id from outside is taken only when it is short and plain: it goes into every log line.
ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_current: ContextVar[str | None] = ContextVar(CORRELATION_ID, default=None)


def current():
    """The correlation id of the work going on in this thread, or None."""
    return _current.get()


def bind(correlation_id):
    """Make `correlation_id` current; returns the token `unbind` takes to restore the previous."""
    return _current.set(correlation_id)


def unbind(token):
    _current.reset(token)


def accepted_or_new(given):
    """The caller's id when it is acceptable, else a new one."""
    return given if given and ACCEPTED.match(given) else uuid.uuid4().hex


def stamped(events):
    """`events` carrying the current correlation id; an event that has one keeps it (a replay
    keeps the id of the request that first caused it)."""
    correlation_id = current()
    if not correlation_id:
        return list(events)
    return [
        event if CORRELATION in event else {**event, CORRELATION: correlation_id}
        for event in events
    ]
