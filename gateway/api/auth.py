"""Sign-in: username and password for a short-lived bearer token."""
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from gateway.auth import issue_token
from gateway.blueprint import ServiceBlueprint
from gateway.platform import platform
from services.kit.pure.clock import Clock
from services.kit.pure.schemas import StrictSchema

blp = ServiceBlueprint("auth", __name__, url_prefix="/api/v1/auth",
                       description="Sign in and receive a bearer token")


class Credentials(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256),
                             load_only=True)


class Token(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    role = fields.String()
    region_scope = fields.String()
    uscc = fields.String(allow_none=True)


@blp.route("/token")
class TokenResource(MethodView):
    @blp.doc(security=[])
    @blp.arguments(Credentials)
    @blp.response(200, Token)
    def post(self, credentials):
        """Exchange a username and password for a bearer token"""
        settings = platform().settings
        actor = platform().users.authenticate(credentials["username"], credentials["password"])
        return {"access_token": issue_token(actor, settings, Clock().now()),
                "token_type": "Bearer", "expires_in": settings.jwt_ttl_seconds,
                "role": actor.role, "region_scope": actor.region_scope, "uscc": actor.uscc}
