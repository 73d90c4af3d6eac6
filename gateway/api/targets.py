"""The eight targets of the work plan for one jurisdiction and year, on one page.

Composed from the indicator routes of whichever services this deployment runs, called in
parallel; a service that is absent or does not answer marks its figures, the rest still answer.
"""

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
from services.kit.pure.errors import Forbidden, InvalidInput, NotFound, Unavailable
from services.kit.pure.schemas import MAX_YEAR, MIN_YEAR, StrictSchema

blp = ServiceBlueprint(
    "targets",
    __name__,
    url_prefix="/api/v1",
    description="The eight targets: rates with numerators, denominators, last year and divisions",
)

READERS = ("admin", "regulator", "inspector", "auditor")
# Calls of one page run side by side; more than the RPC pool holds would only queue.
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


class ReadingOut(Schema):
    value = fields.Integer(allow_none=True)
    numerator = fields.Integer(allow_none=True)
    denominator = fields.Integer(allow_none=True)
    rate = fields.Float(allow_none=True)


class RegionReadingOut(ReadingOut):
    region = fields.String()
    name = fields.String()


class FigureOut(ReadingOut):
    key = fields.String()
    title = fields.String()
    kind = fields.String(metadata={"description": "rate or count"})
    service = fields.String()
    state = fields.String(metadata={"description": "available, not_deployed or unavailable"})
    reason = fields.String(metadata={"description": "why the figure is missing"})
    target = fields.Float(metadata={"description": "a rate's target value"})
    goal = fields.String(metadata={"description": "a count's direction: increase or decrease"})
    previous_year = fields.Nested(ReadingOut, allow_none=True)
    by_region = fields.List(fields.Nested(RegionReadingOut))
    records = fields.String(metadata={"description": "the list of records behind the number"})


class TargetOut(Schema):
    number = fields.Integer()
    title = fields.String()
    rule = fields.Dict(metadata={"description": "the rule (id, version) defining the target"})
    services = fields.List(fields.String())
    state = fields.String(metadata={"description": "available, not_deployed or unavailable"})
    figures = fields.List(fields.Nested(FigureOut))


class DivisionOut(Schema):
    region = fields.String()
    name = fields.String()


class TargetsOut(Schema):
    region = fields.String()
    region_name = fields.String()
    year = fields.Integer()
    children = fields.List(fields.Nested(DivisionOut))
    targets = fields.List(fields.Nested(TargetOut))


def _region(query, actor):
    region = query.get("region") or actor.region_scope
    if region != regions.NATIONWIDE and not regions.is_current(region):
        raise InvalidInput(f"{region} is not a current division code", {"region": ["unknown"]})
    if not regions.within(actor.region_scope, region) and region != actor.region_scope:
        raise NotFound(f"region {region} is outside your jurisdiction")
    return region


def _answer(anjian, actor, call):
    try:
        return anjian.call(
            call.service, call.method, {"region": call.region, "year": call.year}, actor=actor
        )
    except MethodNotFound:
        return targets.Missing(targets.NOT_DEPLOYED, f"{call.service} 服务未提供该指标")
    except Unavailable:
        if anjian.rpc.serving(call.service):
            return targets.Missing(targets.UNAVAILABLE, f"{call.service} 服务暂不可用")
        return targets.Missing(targets.NOT_DEPLOYED, f"本级未部署 {call.service} 服务")
    except ServiceTimeout:
        return targets.Missing(targets.UNAVAILABLE, f"{call.service} 服务未按时答复")


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
    needed = targets.calls(defined, region, year)
    found = _calls.map(lambda call: _answer(anjian, actor, call), needed)
    return targets.compose(defined, dict(zip(needed, found, strict=True)), region, year)


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
