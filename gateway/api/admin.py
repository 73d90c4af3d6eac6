"""Administration routes every service answers alike, registered once for all of SERVICES."""
from flask.views import MethodView
from marshmallow import Schema, fields

from gateway.blueprint import ServiceBlueprint
from gateway.platform import platform
from services import SERVICE_NAMES

blp = ServiceBlueprint("admin", __name__, url_prefix="/api/v1",
                       description="Administration of every service")


class DeadLetterSchema(Schema):
    """An event a service's handler could not apply, parked with its error (services/kit/inbox)."""

    id = fields.String()
    consumer = fields.String()
    event = fields.Dict()
    error = fields.String()
    traceback = fields.String(allow_none=True)
    attempts = fields.Integer()
    parked_at = fields.DateTime()


@blp.route(f"/dead-letters/<any({', '.join(SERVICE_NAMES)}):service>")
class DeadLetters(MethodView):
    @blp.response(200, DeadLetterSchema(many=True))
    def get(self, service):
        """Events a service's handlers could not apply, with the error (administrators)"""
        return platform().call(service, "dead_letters")
