"""Account routes: bureaus manage the accounts of their jurisdiction, everyone their own password.

The registry keeps accounts and decides every rule again; the gateway checks roles early and,
after a change that revokes tokens, forgets what it knew of the account, so its earlier tokens
are refused on the very next request this process serves.
"""

from flask import g, request
from flask.views import MethodView

from gateway.blueprint import Route, ServiceBlueprint
from gateway.platform import platform
from services.kit.pure.schemas import PageSchema
from services.registry.account_schemas import (
    MANAGERS,
    READERS,
    AccountAuditEntrySchema,
    AccountCreateSchema,
    AccountQuerySchema,
    AccountSchema,
    PasswordChangeSchema,
    PasswordResetSchema,
    ReasonSchema,
    TrailQuerySchema,
)


class AccountListArgs(AccountQuerySchema, PageSchema):
    pass


class TrailListArgs(TrailQuerySchema, PageSchema):
    pass


def _manager(_fields=None, **_path):
    g.actor.require_role(*MANAGERS)


def _reader(_fields=None, **_path):
    g.actor.require_role(*READERS)


def _search(query, **_path):
    """The filters of a list within the caller's jurisdiction, then the page asked for."""
    _reader()
    g.actor.narrow(query.get("region"))
    criteria = {
        key: value for key, value in query.items() if key not in ("page", "page_size", "with_total")
    }
    return criteria, query["page"], query["page_size"], query["with_total"]


users = ServiceBlueprint(
    "users",
    __name__,
    service="registry",
    url_prefix="/api/v1/users",
    description="Accounts, managed by the bureau whose jurisdiction they belong to",
    routes=(
        Route(
            "GET",
            "",
            "list_accounts",
            "List the accounts of your jurisdiction",
            AccountSchema,
            query=AccountListArgs,
            paginated=True,
            send=_search,
        ),
        Route(
            "POST",
            "",
            "create_account",
            """Create an account in your jurisdiction

            Never with a role above your own; an enterprise account belongs to an enterprise
            registered in your jurisdiction and takes its region. Its user must change the
            password at the first sign-in.""",
            AccountSchema,
            201,
            body=AccountCreateSchema,
            guard=_manager,
            location="/api/v1/users/{username}",
        ),
        Route(
            "GET",
            "/<string:username>",
            "account",
            "One account (404 when outside your jurisdiction)",
            AccountSchema,
            guard=_reader,
        ),
        Route(
            "POST",
            "/<string:username>/enable",
            "enable_account",
            "Let a disabled account sign in again",
            AccountSchema,
            body=ReasonSchema,
            guard=_manager,
        ),
    ),
)


def _revoking(blueprint, method, username, *arguments):
    """Call a change that revokes the account's tokens, then forget its cached standing."""
    result = blueprint.call(method, *arguments)
    platform().accounts.forget(username)
    return result


@users.route("/<string:username>/disable")
class DisableAccount(MethodView):
    @users.arguments(ReasonSchema)
    @users.response(200, AccountSchema)
    def post(self, _body, username):
        """Disable an account: it cannot sign in, and its tokens are refused from now on"""
        _manager()
        return _revoking(
            users, "disable_account", username, username, request.get_json(silent=True)
        )


@users.route("/<string:username>/password")
class ResetPassword(MethodView):
    @users.arguments(PasswordResetSchema)
    @users.response(200, AccountSchema)
    def post(self, _body, username):
        """Reset an account's password: earlier tokens are refused, and its user must change
        the new password at the next sign-in"""
        _manager()
        return _revoking(users, "reset_password", username, username, request.get_json(silent=True))


me = ServiceBlueprint(
    "me",
    __name__,
    service="registry",
    url_prefix="/api/v1/me",
    description="Your own account",
    routes=(Route("GET", "", "me", "Your account", AccountSchema),),
)


@me.route("/password")
class ChangePassword(MethodView):
    @me.arguments(PasswordChangeSchema)
    @me.response(200, AccountSchema)
    def post(self, _body):
        """Change your password (the current one is required); sign in again afterwards, as
        every token issued before is refused"""
        return _revoking(me, "change_password", g.actor.user_id, request.get_json(silent=True))


account_audit = ServiceBlueprint(
    "account_audit",
    __name__,
    service="registry",
    url_prefix="/api/v1/account-audit",
    description="The accounts' audit trail: changes, refused sign-ins, lockouts",
    routes=(
        Route(
            "GET",
            "",
            "account_trail",
            """The audit trail of the accounts of your jurisdiction, oldest first

            Every account change (who, when) and every refused sign-in or lockout (the user
            name tried and the client's address). A name that is no account is in the
            nationwide trail only.""",
            AccountAuditEntrySchema,
            query=TrailListArgs,
            paginated=True,
            send=_search,
        ),
    ),
)
