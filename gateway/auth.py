"""Bearer tokens: issued at sign-in, checked on every request.

Accounts live in the registry (services/registry/domain/accounts.py); the gateway asks it to
authenticate a sign-in and, on every request, whether the token's account still stands at the
version the token carries, so disabling an account or changing its password refuses every token
issued before. Tokens are short-lived HS256 JWTs; the algorithm is pinned when decoding, so
`alg: none` and algorithm-confusion tokens are refused, and issuer, audience, times and the
claims' agreement with each other are checked.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

import jwt
from flask import current_app, g, request

from gateway.rpc import ServiceTimeout
from services.kit.pure import regions
from services.kit.pure.actor import ROLES, SYSTEM, Actor
from services.kit.pure.errors import PasswordChangeRequired, Unauthenticated, Unavailable
from services.kit.pure.uscc import UsccCheck
from services.kit.pure.uscc import check as check_uscc

ALGORITHM = "HS256"
ISSUER = "anjian"
AUDIENCE = "anjian-api"
# The only routes a caller who must change their password may use.
PASSWORD_CHANGE_PATHS = ("/api/v1/me", "/api/v1/me/password")
MIN_SECRET_LENGTH = 32
# Secrets that were ever written down (in this project's history or its examples) or that
# anyone would guess: a gateway given one refuses to start.
PUBLISHED_SECRETS = (
    "change-me",
    "change-me-in-production-anjian-demo-secret",
    "changeme",
    "secret",
    "anjian",
    "jwt-secret",
)
REVOKED = "the token was revoked (the account was disabled or its password changed); sign in again"


class WeakSecret(RuntimeError):
    """The token secret is missing, published or weak. An exception, not an exit, so that
    gunicorn stops (a worker that fails to boot) instead of starting the worker again."""


def check_secret(secret):
    """Refuse a token secret anyone could know or guess: the gateway does not start with one."""
    if not secret:
        raise WeakSecret(
            "ANJIAN_JWT_SECRET is not set: give the gateway a random secret of at least "
            f"{MIN_SECRET_LENGTH} characters (`anjian run`/`up` make one in the data directory)"
        )
    if secret.lower() in PUBLISHED_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        raise WeakSecret(
            "ANJIAN_JWT_SECRET is a published or weak value: use a random secret of at least "
            f"{MIN_SECRET_LENGTH} characters, e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`"
        )
    if len(set(secret)) < 8:
        raise WeakSecret("ANJIAN_JWT_SECRET repeats too few characters to be random")


@dataclass(frozen=True)
class Bearer:
    """A verified token: who it speaks for, the account version it was issued at, whether the
    password must be changed first, and its expiry (POSIX time)."""

    actor: Actor
    version: int
    must_change_password: bool
    expires: float


def issue_token(signed_in, settings, now):
    """A token for `signed_in`, the registry's answer to a sign-in."""
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": signed_in["username"],
        "role": signed_in["role"],
        "region": signed_in["region_scope"],
        "uscc": signed_in["uscc"],
        "ver": signed_in["token_version"],
        "pwc": signed_in["must_change_password"],
        "iat": now,
        "exp": now + timedelta(seconds=settings.jwt_ttl_seconds),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def read_token(token, settings):
    """The verified token's Bearer; Unauthenticated when anything about it is wrong."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["exp", "iat", "sub", "iss", "aud", "ver"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("the token is not valid") from None
    if not _consistent(claims):
        raise Unauthenticated("the token is not valid")
    actor = Actor(claims["sub"], claims["role"], claims["region"], claims.get("uscc"))
    return Bearer(actor, claims["ver"], claims.get("pwc") is True, claims["exp"])


def _consistent(claims):
    """The claims agree with each other: a known role, a jurisdiction for every role, a USCC for
    an enterprise and for nobody else."""
    uscc = claims.get("uscc")
    return (
        isinstance(claims["sub"], str)
        and claims.get("role") in ROLES
        and isinstance(claims.get("region"), str)
        and regions.CODE.match(claims["region"]) is not None
        and isinstance(claims["ver"], int)
        and not isinstance(claims["ver"], bool)
        and (
            check_uscc(uscc) is not UsccCheck.MALFORMED
            if claims["role"] == "enterprise"
            else uscc is None
        )
    )


class VerifiedTokens:
    """Tokens already verified, each with its Bearer, until it expires.

    A client sends the same token with every request for its whole lifetime; checking its
    signature and claims again each time was a sixth of the gateway's work on a read. A token
    is only remembered once fully verified, and never past its expiry, after which it is read
    again (and refused as expired).
    """

    def __init__(self, settings, size=10_000):
        self.settings = settings
        self.size = size
        self.known = {}

    def bearer(self, token):
        known = self.known.get(token)
        if known is not None and time.time() < known.expires:
            return known
        bearer = read_token(token, self.settings)
        if len(self.known) >= self.size:
            # Forgetting all at once keeps the bound without bookkeeping on every hit.
            self.known.clear()
        self.known[token] = bearer
        return bearer


class AccountStates:
    """Each account's token version and standing, as the registry last said, for a few seconds.

    Every request's token is checked against it, so a disabled account or a changed password
    stops earlier tokens within `account_check_seconds` on every gateway process, and at once on
    the process that made the change (it forgets the account then). While the registry does not
    answer, what it said last stands for `account_grace_seconds` more, so the other services stay
    usable through a registry restart; an account never seen in that time is refused (503).
    """

    def __init__(self, settings, ask, size=10_000):
        self.seconds = settings.account_check_seconds
        self.grace = settings.account_grace_seconds
        self.ask = ask
        self.size = size
        # username → (state, until when it is trusted, when the registry said it)
        self.known = {}

    def state(self, username):
        now = time.monotonic()
        known = self.known.get(username)
        if known is not None and now < known[1]:
            return known[0]
        try:
            state, said = self.ask(username), now
        except (Unavailable, ServiceTimeout):
            if known is None or now - known[2] > self.grace:
                raise
            state, said = known[0], known[2]
        if len(self.known) >= self.size:
            self.known.clear()
        self.known[username] = (state, now + self.seconds, said)
        return state

    def check(self, bearer):
        state = self.state(bearer.actor.user_id)
        if not state["active"] or state["token_version"] != bearer.version:
            raise Unauthenticated(REVOKED)

    def forget(self, username):
        self.known.pop(username, None)


def registry_state(platform):
    """How AccountStates asks the registry about an account."""
    return lambda username: platform.call("registry", "account_state", username, actor=SYSTEM)


def authenticate_request():
    """Set g.actor from the bearer token; every /api/v1 route but sign-in requires one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send an Authorization: Bearer <token> header")
    anjian = current_app.extensions["anjian"]
    bearer = anjian.tokens.bearer(token.strip())
    anjian.accounts.check(bearer)
    if bearer.must_change_password and request.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired(
            "your password was set by someone else: change it (POST /api/v1/me/password), "
            "then sign in again"
        )
    g.actor = bearer.actor
    return g.actor
