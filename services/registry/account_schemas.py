"""Account schemas: what callers may send about accounts and what they get back.

Unknown fields are refused and every field is a bounded string, boolean or enumeration, so an
operator object such as {"$gt": ""} or an over-long value never reaches the store or the hasher.
Passwords are load-only: no answer ever carries one.
"""

from marshmallow import Schema, fields, validate

from services.kit.pure.actor import ROLES
from services.kit.pure.schemas import USCC, StrictSchema

# Who manages and who reads accounts, for the gateway's early checks.
from services.registry.domain import MANAGERS as MANAGERS
from services.registry.domain import READERS as READERS

USERNAME = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$",
    error="2 to 64 characters: letters, digits and . _ @ -, starting with a letter or digit",
)
REGION_SCOPE = validate.Regexp(r"^\d{6}$", error="must be a six-digit division code")
# Long enough for any passphrase, short enough that hashing it costs nothing unusual.
PASSWORD = validate.Length(min=1, max=128)
REASON = validate.Length(min=1, max=500)
REGION_FILTER = fields.String(
    validate=validate.Regexp(r"^\d{2,6}$", error="must be a division code or its prefix"),
    load_default=None,
)


def _password(**kwargs):
    return fields.String(required=True, validate=PASSWORD, load_only=True, **kwargs)


class AccountCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=USERNAME)
    display_name = fields.String(validate=validate.Length(min=1, max=64), load_default=None)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    region_scope = fields.String(
        validate=REGION_SCOPE,
        load_default=None,
        metadata={"description": "the jurisdiction; an enterprise account takes its enterprise's"},
    )
    uscc = fields.String(
        validate=USCC, load_default=None, metadata={"description": "enterprise accounts only"}
    )
    password = _password(metadata={"description": "the first password, changed at first sign-in"})
    must_change_password = fields.Boolean(
        truthy={True},
        falsy={False},
        load_default=True,
        metadata={"description": "false only by an administrator"},
    )


class AccountQuerySchema(StrictSchema):
    region = REGION_FILTER
    role = fields.String(validate=validate.OneOf(ROLES), load_default=None)
    uscc = fields.String(validate=USCC, load_default=None)


class TrailQuerySchema(StrictSchema):
    region = REGION_FILTER
    account = fields.String(validate=USERNAME, load_default=None)


class ReasonSchema(StrictSchema):
    reason = fields.String(required=True, validate=REASON)


class PasswordResetSchema(StrictSchema):
    password = _password(metadata={"description": "the user must change it at next sign-in"})


class PasswordChangeSchema(StrictSchema):
    old_password = _password()
    new_password = _password()


class SignInSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = _password()


class AccountSchema(Schema):
    username = fields.String()
    display_name = fields.String(allow_none=True)
    role = fields.String()
    region_scope = fields.String()
    uscc = fields.String(allow_none=True)
    disabled = fields.Boolean()
    must_change_password = fields.Boolean()
    created_at = fields.DateTime()
    created_by = fields.String()


class AccountStateSchema(Schema):
    """What the gateway checks a token against on every request."""

    token_version = fields.Integer()
    active = fields.Boolean()


class SignedInSchema(Schema):
    """An authenticated account: who it is and what its tokens must carry."""

    username = fields.String()
    role = fields.String()
    region_scope = fields.String()
    uscc = fields.String(allow_none=True)
    token_version = fields.Integer()
    must_change_password = fields.Boolean()


class AccountAuditEntrySchema(Schema):
    at = fields.DateTime()
    by = fields.String(metadata={"description": "who acted (the user name tried, for a sign-in)"})
    by_role = fields.String(allow_none=True)
    action = fields.String(
        metadata={
            "description": "created, disabled, enabled, password_reset, password_changed, "
            "sign_in_failed, sign_in_refused_disabled, locked, refused_while_locked"
        }
    )
    account = fields.String()
    region_code = fields.String()
    address = fields.String(allow_none=True, metadata={"description": "the client's address"})
    details = fields.Dict()
