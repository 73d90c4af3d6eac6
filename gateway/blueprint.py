"""The one blueprint of the gateway: a service's HTTP surface as a table of forwarded routes.

Its house defaults:
- request bodies parse without unbounded nesting and each route has one body limit
  (`@blp.body_limit`, see gateway/bodies.py);
- an answer is documented with its schema but sent as the service dumped it: services return
  plain JSON already, and dumping it again would cost a read its speed for nothing;
- every list answers a page `{items, has_more, total, page, page_size}` and the same page in
  the `X-Pagination` header (PAGINATION_HEADER).

Most routes only check the shape of what is sent and forward it, as sent, to one RPC method of
the blueprint's service (which validates it again): they are declared as `Route` rows. A view
that composes (several calls, files, the object store) is written by hand with the same
decorators and `blp.call`.
"""

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import g, jsonify, request
from flask_smorest import Blueprint
from flask_smorest.utils import set_status_and_headers_in_response, unpack_tuple_response
from marshmallow import RAISE, Schema, fields
from werkzeug import Response

from gateway.bodies import FILES, LIMIT, BodyLimit, BodyParser, release_freed_memory
from gateway.platform import platform
from services.kit.pure.errors import Busy

PAGINATION_HEADER = "X-Pagination"


class PaginationSchema(Schema):
    """The X-Pagination header of every list, a JSON object."""

    page = fields.Integer()
    page_size = fields.Integer()
    has_more = fields.Boolean(metadata={"description": "whether another page follows"})
    total = fields.Integer(metadata={"description": "only with with_total, when counted"})
    total_pages = fields.Integer(metadata={"description": "only with total"})


class ListPage(Schema):
    has_more = fields.Boolean(metadata={"description": "whether another page follows"})
    total = fields.Integer(
        allow_none=True,
        metadata={"description": "only with with_total; null when counting took too long"},
    )
    page = fields.Integer()
    page_size = fields.Integer()


@functools.cache
def page_of(schema):
    """The page schema of a list of `schema` items, named after them (EnterprisePage, ...)."""
    name = schema.__name__.removesuffix("Schema").removesuffix("Out") + "PageSchema"
    return type(name, (ListPage,), {"items": fields.List(fields.Nested(schema))})


def pagination_header(page):
    """The header's value: the page, its size, whether another follows, and the total if counted."""
    header = {"page": page["page"], "page_size": page["page_size"], "has_more": page["has_more"]}
    if page.get("total") is not None:
        header["total"] = page["total"]
        header["total_pages"] = -(-page["total"] // page["page_size"])
    return json.dumps(header)


def paginated(result, query):
    """A service's `{items, has_more, total}` as the page answered, header included."""
    result.update(page=query["page"], page_size=query["page_size"])
    return result, {PAGINATION_HEADER: pagination_header(result)}


@dataclass(frozen=True)
class Route:
    """One operation forwarded to the blueprint's service.

    The RPC method is called with the path's values in order, then the body as sent (`body`),
    or the query string as sent (`query`); `send` replaces that with its own arguments, from the
    validated body or query and the path's values. `guard` runs first, with the same arguments,
    for checks the gateway makes before any call. `response` is the answer's schema (class or
    instance); a `paginated` route answers a page of `response` items. `location`, formatted
    with the answer's fields, is sent as the Location of what was created.
    """

    method: str
    path: str
    rpc: str
    summary: str
    response: type | Schema
    status: int = 200
    body: type | None = None
    query: type | None = None
    paginated: bool = False
    guard: Callable | None = None
    send: Callable | None = None
    location: str | None = None


class ServiceBlueprint(Blueprint):
    ARGUMENTS_PARSER = BodyParser()

    def __init__(self, name, import_name, *, service=None, routes=(), **kwargs):
        super().__init__(name, import_name, **kwargs)
        self.service = service
        for route in routes:
            self.add_route(route)

    def response(self, status_code, schema=None, **kwargs):
        """Document the answer with `schema`, and send the view's data as it is."""
        document = super().response(status_code, schema, **kwargs)

        def decorator(view):
            @functools.wraps(view)
            def as_sent(*args, **kwargs):
                body, status, headers = unpack_tuple_response(view(*args, **kwargs))
                response = body if isinstance(body, Response) else jsonify(body)
                set_status_and_headers_in_response(response, status or status_code, headers)
                return response

            return document(as_sent)

        return decorator

    def body_limit(self, setting, allowance=0):
        """Declare this route's body limit; larger bodies are refused with 413 before reading."""
        limit = BodyLimit(setting, allowance)

        def decorator(method):
            setattr(method, LIMIT, limit)
            return self.doc(
                responses={"413": {"description": f"The body is larger than {limit.describe()}."}}
            )(method)

        return decorator

    def files_to(self, sink):
        """Declare where this route's file parts go while the body is parsed: `sink(filename)`
        answers a writable file (gateway/bodies.py)."""

        def decorator(method):
            setattr(method, FILES, sink)
            return method

        return decorator

    def carries_a_file(self, method):
        """Declare that this route's request carries a file through the gateway: it holds one of
        the process's upload slots (ANJIAN_GATEWAY_UPLOAD_SLOTS) while it runs, and is refused at
        once when all are taken, so slow uploads never take every thread the API needs; once it
        is over, the memory of the file's buffers goes back to the system."""

        @functools.wraps(method)
        def holding_a_slot(*args, **kwargs):
            slots = platform().upload_slots
            if not slots.acquire(blocking=False):
                raise Busy("every upload slot of this gateway is taken; try again shortly")
            try:
                return method(*args, **kwargs)
            finally:
                slots.release()
                release_freed_memory()

        return self.doc(
            responses={"503": {"description": "Every upload slot is taken; retry after a moment."}}
        )(holding_a_slot)

    def caller(self):
        """Call the service as the current caller; safe from threads the request starts, which
        have no request context of their own."""
        anjian, actor = platform(), g.actor
        return lambda method, *args: anjian.call(self.service, method, *args, actor=actor)

    def call(self, method, *args):
        return self.caller()(method, *args)

    def add_route(self, route):
        def forward(*validated, **path):
            arguments = validated[0] if validated else None
            if route.guard:
                route.guard(arguments, **path)
            if route.send:
                sent = route.send(arguments, **path)
            elif route.body:
                # The service validates the body again against the same schema.
                sent = (*path.values(), request.get_json(silent=True))
            elif route.query:
                sent = (*path.values(), dict(request.args))
            else:
                sent = tuple(path.values())
            result = self.call(route.rpc, *sent)
            if route.paginated:
                return paginated(result, arguments)
            if route.location:
                return result, {"Location": route.location.format(**result)}
            return result

        forward.__doc__ = route.summary
        view = self.response(
            route.status,
            page_of(route.response) if route.paginated else route.response,
            headers={PAGINATION_HEADER: "PAGINATION"} if route.paginated else None,
        )(forward)
        if route.body:
            view = self.arguments(route.body)(view)
        if route.query:
            view = self.arguments(route.query, location="query", unknown=RAISE)(view)
        self.route(route.path, methods=[route.method], endpoint=route.rpc)(view)
