"""Sign-in: username and password for a short-lived bearer token.

The registry checks the password and keeps the count of failures per user name and per client
address; after too many it answers 429 with Retry-After, the right password included.
"""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from gateway.auth import issue_token
from gateway.blueprint import ServiceBlueprint
from gateway.platform import platform
from services.kit.pure.actor import SYSTEM
from services.kit.pure.clock import Clock
from services.kit.pure.schemas import StrictSchema

blp = ServiceBlueprint(
    "auth", __name__, url_prefix="/api/v1/auth", description="Sign in and receive a bearer token"
)


class Credentials(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(
        required=True, validate=validate.Length(min=1, max=128), load_only=True
    )


class Token(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    role = fields.String()
    region_scope = fields.String()
    uscc = fields.String(allow_none=True)
    must_change_password = fields.Boolean(
        metadata={"description": "every other route answers 403 until the password is changed"}
    )


@blp.route("/token")
class TokenResource(MethodView):
    @blp.doc(security=[])
    @blp.arguments(Credentials)
    @blp.response(200, Token)
    def post(self, credentials):
        """Exchange a username and password for a bearer token"""
        anjian = platform()
        signed_in = anjian.call("registry", "authenticate", credentials, actor=SYSTEM)
        return {
            "access_token": issue_token(signed_in, anjian.settings, Clock().now()),
            "token_type": "Bearer",
            "expires_in": anjian.settings.jwt_ttl_seconds,
            **{
                key: signed_in[key]
                for key in ("role", "region_scope", "uscc", "must_change_password")
            },
        }
