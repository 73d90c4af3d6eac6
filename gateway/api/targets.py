"""The eight targets of the work plan for one jurisdiction and year, on one page.

Composed from the indicator routes of whichever services this deployment runs, called in
parallel; a service that is absent or does not answer marks its figures, the rest still answer.
"""

import contextvars
from concurrent.futures import ThreadPoolExecutor

from flask import g
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate
from nameko.exceptions import MethodNotFound

from gateway import documents, targets
from gateway.blueprint import ServiceBlueprint
from gateway.interchange import PDF_TYPE, pdf_download
from gateway.platform import platform
from gateway.rpc import ServiceTimeout
from services.kit.pure import regions
from services.kit.pure.errors import (
    Forbidden,
    InvalidInput,
    NotDeployed,
    NotFound,
    TimedOut,
    Unavailable,
)
from services.kit.pure.schemas import MAX_YEAR, MIN_YEAR, StrictSchema

blp = ServiceBlueprint(
    "targets",
    __name__,
    url_prefix="/api/v1",
    description="The eight targets: rates with numerators, denominators, last year and divisions",
)

READERS = ("admin", "regulator", "inspector", "auditor")
# Each indicator method is asked once, for every region and year the page shows; the methods'
# calls run side by side.
_calls = ThreadPoolExecutor(max_workers=16, thread_name_prefix="targets")


class TargetsQuerySchema(StrictSchema):
    region = fields.String(
        validate=validate.Regexp(r"^\d{6}$"),
        metadata={"description": "a division code; the caller's own jurisdiction by default"},
    )
    year = fields.Integer(
        strict=False,
        validate=validate.Range(MIN_YEAR, MAX_YEAR),
        metadata={"description": "the current year by default"},
    )


class TargetReadingOut(Schema):
    value = fields.Integer(allow_none=True)
    numerator = fields.Integer(allow_none=True)
    denominator = fields.Integer(allow_none=True)
    rate = fields.Float(allow_none=True)


class TargetRegionFigureOut(TargetReadingOut):
    region = fields.String()
    name = fields.String()


class TargetFigureOut(TargetReadingOut):
    key = fields.String()
    title = fields.String()
    kind = fields.String(metadata={"description": "rate or count"})
    service = fields.String()
    state = fields.String(metadata={"description": "available, not_deployed or unavailable"})
    reason = fields.String(metadata={"description": "why the figure is missing"})
    target = fields.Float(metadata={"description": "a rate's target value"})
    goal = fields.String(metadata={"description": "a count's direction: increase or decrease"})
    previous_year = fields.Nested(TargetReadingOut, allow_none=True)
    by_region = fields.List(fields.Nested(TargetRegionFigureOut))
    records = fields.String(metadata={"description": "the list of records behind the number"})


class WorkPlanTargetOut(Schema):
    number = fields.Integer()
    title = fields.String()
    rule = fields.Dict(metadata={"description": "the rule (id, version) defining the target"})
    services = fields.List(fields.String())
    state = fields.String(metadata={"description": "available, not_deployed or unavailable"})
    figures = fields.List(fields.Nested(TargetFigureOut))


class TargetDivisionOut(Schema):
    region = fields.String()
    name = fields.String()


class TargetsOut(Schema):
    region = fields.String()
    region_name = fields.String()
    year = fields.Integer()
    children = fields.List(fields.Nested(TargetDivisionOut))
    targets = fields.List(fields.Nested(WorkPlanTargetOut))


def _region(query, actor):
    region = query.get("region") or actor.region_scope
    if region != regions.NATIONWIDE and not regions.is_current(region):
        raise InvalidInput(f"{region} is not a current division code", {"region": ["unknown"]})
    if not regions.within(actor.region_scope, region) and region != actor.region_scope:
        raise NotFound(f"region {region} is outside your jurisdiction")
    return region


def _answers(anjian, actor, calls):
    """The answers to calls of one indicator method, asked in one call to its service; where
    the service cannot answer, each call's `Missing` reason."""
    service, method = calls[0].service, calls[0].method
    queries = [{"region": call.region, "year": call.year} for call in calls]
    try:
        answered = anjian.call(service, "indicators_together", method, queries, actor=actor)
    except (MethodNotFound, NotFound):
        missing = targets.Missing(targets.NOT_DEPLOYED, f"{service} 服务未提供该指标")
    except NotDeployed:
        missing = targets.Missing(targets.NOT_DEPLOYED, f"本级未部署 {service} 服务")
    except (Unavailable, ServiceTimeout, TimedOut):
        # Down, busy, or out of time for this page: its figures wait, the rest still answer.
        missing = targets.Missing(targets.UNAVAILABLE, f"{service} 服务暂不可用")
    else:
        return dict(zip(calls, answered, strict=True))
    return {call: missing for call in calls}


def composed(query):
    """The targets for the query's region (the caller's by default) and year, as answered."""
    actor = g.actor
    if actor.role not in READERS:
        raise Forbidden("the targets are for the bureaus")
    region = _region(query, actor)
    anjian = platform()
    today = anjian.settings.clock().today()
    year = query.get("year", today.year)
    defined = targets.in_force(anjian.rules, today)
    grouped = {}
    for call in targets.calls(defined, region, year):
        grouped.setdefault((call.service, call.method), []).append(call)
    answers = {}
    # Each call runs in a copy of the request's context, so it carries the request's id.
    asked = [(contextvars.copy_context(), calls) for calls in grouped.values()]
    for found in _calls.map(lambda task: task[0].run(_answers, anjian, actor, task[1]), asked):
        answers.update(found)
    return targets.compose(defined, answers, region, year)


@blp.route("/targets")
class Targets(MethodView):
    @blp.arguments(TargetsQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, TargetsOut)
    def get(self, query):
        """The eight targets for a jurisdiction and year, composed from the services' counters"""
        return composed(query)


@blp.route("/targets/report.pdf")
class TargetsReport(MethodView):
    @blp.arguments(TargetsQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=PDF_TYPE)
    def get(self, query):
        """The year's targets of a jurisdiction as a printable report (PDF)"""
        anjian = platform()
        report = composed(query)
        made = documents.targets_report(
            anjian.settings.document_font, report, anjian.settings.clock().today().isoformat()
        )
        return pdf_download(made, f"targets-{report['region']}-{report['year']}.pdf")
