"""Request bodies: how large each route lets them be, where their files go, and JSON parsed
without unbounded nesting.

Every route has one body limit. Most take the platform-wide `max_body_bytes`; a route that needs
another declares it where it is declared, with `@blp.body_limit(...)` (gateway/blueprint.py), and
the limit is written into its OpenAPI description.

A file part of a form body is spooled to a temporary file by default. A route that streams its
files declares where they go instead (`@blp.files_to(...)`), and they go there while the body is
parsed, in the same pass. Once a request that carried a file is over, the memory of its buffers
goes back to the system (`release_freed_memory`).
"""

import ctypes
import ctypes.util
import functools
import json

from flask import Request, current_app, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import missing
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request

# A route's declared limit, kept on its view method.
LIMIT = "_anjian_body_limit"
# A route's file sink: called with a file's name, it answers a writable file.
FILES = "_anjian_file_sink"


def parse_json(data, loads=json.loads):
    """`loads(data)`, except that nesting deep enough to exhaust the parser is invalid JSON.

    Python's parser recurses once per `[` or `{`; a body of 100,000 of them ends in
    RecursionError. Reporting it as a JSONDecodeError lets Flask and webargs answer 400 as for
    any other malformed body.
    """
    try:
        return loads(data)
    except RecursionError:
        # A non-empty `doc`: webargs reads an empty one as "no body sent".
        raise json.JSONDecodeError("the JSON is nested too deeply", "nested", 0) from None


class JsonProvider(DefaultJSONProvider):
    """Flask's JSON (request.get_json), reading through parse_json."""

    def loads(self, s, **kwargs):
        return parse_json(s, functools.partial(super().loads, **kwargs))


class BodyParser(FlaskParser):
    """webargs' parser for `@blp.arguments`, reading JSON bodies through parse_json."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        return parse_json(req.get_data(cache=True), webargs_core.parse_json)


class BodyLimit:
    """A route's body limit: a setting's value plus a fixed allowance (e.g. a form's fields)."""

    def __init__(self, setting, allowance=0):
        self.setting = setting
        self.allowance = allowance

    def bytes(self, settings):
        return getattr(settings, self.setting) + self.allowance

    def describe(self):
        extra = f" plus {self.allowance} bytes" if self.allowance else ""
        return f"the ANJIAN_{self.setting.upper()} setting{extra}"


DEFAULT_LIMIT = BodyLimit("max_body_bytes")


def _handler(app, endpoint, method):
    view = app.view_functions.get(endpoint)
    return getattr(getattr(view, "view_class", None), method.lower(), view)


def route_limit(app, endpoint, method):
    """The BodyLimit of the view that serves `method` on `endpoint`."""
    return getattr(_handler(app, endpoint, method), LIMIT, DEFAULT_LIMIT)


def apply_route_limit():
    """before_request: set this request's body limit, and its file sink, to its route's."""
    if request.endpoint is not None:
        handler = _handler(current_app, request.endpoint, request.method)
        limit = getattr(handler, LIMIT, DEFAULT_LIMIT)
        request.max_content_length = limit.bytes(current_app.config["ANJIAN"])
        request.file_sink = getattr(handler, FILES, None)


class GatewayRequest(Request):
    """Flask's request, with each file part written to its route's sink, if it has one; the
    sinks are closed with the request, so a body that fails half-way leaves nothing."""

    file_sink = None

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        if self.file_sink is None:
            return super()._get_file_stream(
                total_content_length, content_type, filename, content_length
            )
        sink = self.file_sink(filename)
        self.__dict__.setdefault("sinks", []).append(sink)
        return sink

    def close(self):
        for sink in self.__dict__.get("sinks", ()):
            sink.close()
        super().close()


def _freed_memory_releaser():
    """glibc's malloc_trim, or a no-op where the C library has none."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda pad: 0


_malloc_trim = _freed_memory_releaser()


def release_freed_memory():
    """Give the memory of a file's buffers back once it has passed through. glibc keeps freed
    buffers of this size in each thread's heap: without this, a dozen 15 MB uploads left the
    gateway 70 MB larger for good."""
    _malloc_trim(0)
