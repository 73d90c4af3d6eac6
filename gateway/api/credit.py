"""Credit routes: untrustworthy-list cases for the bureaus, the replay of public events for
administrators, the credit indicators, and the public disclosure anyone may read without signing
in. The credit service checks every rule again; the gateway authenticates, validates the shape
and forwards."""

import threading
import time
from collections import deque

from flask import request
from flask.views import MethodView
from werkzeug.exceptions import TooManyRequests

from gateway.blueprint import PAGINATION_HEADER, Route, ServiceBlueprint, page_of, paginated
from gateway.platform import platform
from services.credit import schemas

CASE = "/credit/cases/<string:identifier>"
# Public look-ups per client address and minute, per gateway process.
PUBLIC_REQUESTS_PER_MINUTE = 60
# Addresses the limit keeps before it forgets those idle for a minute.
REMEMBERED_ADDRESSES = 10_000

ROUTES = (
    Route(
        "GET",
        "/credit/cases",
        "list_cases",
        "Untrustworthy-list cases in your jurisdiction; filters: region, uscc, status",
        schemas.CreditCaseOut,
        query=schemas.CaseQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/credit/cases",
        "open_case",
        "Open a case by hand: subject, listing case (rule), legal basis, triggering records",
        schemas.CreditCaseOut,
        201,
        body=schemas.CaseCreateSchema,
        location="/api/v1/credit/cases/{id}",
    ),
    Route("GET", CASE, "get_case", "One case with every step", schemas.CreditCaseOut),
    Route(
        "POST",
        CASE + "/notice",
        "notify",
        "Notify the party: reasons, basis, rights; the representation deadline is computed",
        schemas.CreditCaseOut,
        body=schemas.NoticeSchema,
    ),
    Route(
        "POST",
        CASE + "/representation",
        "receive_representation",
        "Record the party's representation (text and evidence) before the deadline",
        schemas.CreditCaseOut,
        body=schemas.RepresentationSchema,
    ),
    Route(
        "POST",
        CASE + "/decision",
        "decide",
        "The deciding authority's written decision: list or dismiss, with its number",
        schemas.CreditCaseOut,
        body=schemas.DecisionSchema,
    ),
    Route(
        "POST",
        CASE + "/publication",
        "publish",
        "Publish a decided listing for its term, with its joint measures",
        schemas.CreditCaseOut,
        body=schemas.PublicationSchema,
    ),
    Route(
        "POST",
        CASE + "/repair",
        "repair",
        "Credit repair: the party applies (12 months after the decision at the earliest); the "
        "deciding authority approves (removed early) or rejects, with reasons",
        schemas.CreditCaseOut,
        body=schemas.RepairSchema,
    ),
    Route(
        "POST",
        CASE + "/restore",
        "restore",
        "Revoke an early removal that rested on false material: the listing stands again",
        schemas.CreditCaseOut,
        body=schemas.RestorationSchema,
    ),
    Route(
        "POST",
        "/credit/public-events/replay",
        "replay_public_events",
        "Publish the public events of a time range again (administrators)",
        schemas.ReplayOut,
        body=schemas.ReplaySchema,
    ),
    Route(
        "GET",
        "/indicators/credit",
        "credit_indicators",
        "Credit counters of a county (or the sum of a city's or province's) and year",
        schemas.CreditIndicatorsOut,
        query=schemas.CreditIndicatorQuerySchema,
    ),
)

blp = ServiceBlueprint(
    "credit",
    __name__,
    service="credit",
    url_prefix="/api/v1",
    description="The untrustworthy list: cases, public disclosure, indicators",
    routes=ROUTES,
)


class RateLimit:
    """At most `limit` requests a minute per client address, counted in this process."""

    def __init__(self, limit):
        self.limit = limit
        self.seen = {}
        self.lock = threading.Lock()

    def check(self, client):
        now = time.monotonic()
        with self.lock:
            recent = self.seen.setdefault(client, deque())
            while recent and now - recent[0] > 60:
                recent.popleft()
            if len(recent) >= self.limit:
                raise TooManyRequests("too many look-ups from your address; wait a minute")
            recent.append(now)
            if len(self.seen) > REMEMBERED_ADDRESSES:  # forget idle ones, not grow unbounded
                self.seen = {
                    key: value for key, value in self.seen.items() if now - value[-1] <= 60
                }


PUBLIC_LIMIT = RateLimit(PUBLIC_REQUESTS_PER_MINUTE)


@blp.route("/public/untrustworthy")
class PublicListings(MethodView):
    @blp.doc(security=[])
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.arguments(schemas.PublicQuerySchema, location="query")
    @blp.response(200, page_of(schemas.PublicListingOut), headers={PAGINATION_HEADER: "PAGINATION"})
    def get(self, query):
        """The untrustworthy list as published: listings within their term, by USCC or name;
        no sign-in, rate-limited"""
        PUBLIC_LIMIT.check(request.remote_addr)
        result = platform().rpc.call({}, "credit", "public_listings", dict(request.args))
        return paginated(result, query)
