"""The one shape of a domain command's result, shared by every service's domain.

A command takes the current document (None when it creates one), the caller and the time, checks
the rules and returns `(document, events)`: the new or changed document and the events it causes.
The store writes both in one document write; a command that changes nothing returns the document
as it was and no events, and nothing is written.
"""

import uuid
from typing import Any

Document = dict[str, Any]
Event = dict[str, Any]
Result = tuple[Document, list[Event]]


def new_id() -> str:
    """A new record's id."""
    return uuid.uuid4().hex
