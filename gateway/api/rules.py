"""The rules every deployed service applies: regulatory parameters and catalogues with their
sources and effective dates, so a bureau's legal staff can check each figure against the law."""

from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from gateway.blueprint import ServiceBlueprint
from gateway.platform import platform
from services import SERVICE_NAMES
from services.kit.pure.schemas import RuleSetSchema, StrictSchema

blp = ServiceBlueprint(
    "rules",
    __name__,
    url_prefix="/api/v1",
    description="Rules in force: parameters and catalogues, dated and sourced",
)


class RulesQuerySchema(StrictSchema):
    service = fields.String(validate=validate.OneOf(SERVICE_NAMES))


class RulesSchema(Schema):
    services = fields.List(fields.Nested(RuleSetSchema))
    not_deployed = fields.List(
        fields.String(),
        metadata={"description": "services of the platform this deployment does not run"},
    )


@blp.route("/rules")
class Rules(MethodView):
    @blp.arguments(RulesQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, RulesSchema)
    def get(self, query):
        """Every rule each deployed service applies, with the deployment's overrides marked"""
        anjian = platform()
        wanted = [query["service"]] if "service" in query else SERVICE_NAMES
        deployed = [
            name for name in wanted if anjian.deployment.runs(name) and anjian.rpc.serving(name)
        ]
        return {
            "services": [anjian.call(name, "rules_in_force") for name in deployed],
            "not_deployed": [name for name in wanted if name not in deployed],
        }
