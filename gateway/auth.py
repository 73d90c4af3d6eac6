"""Users, passwords and bearer tokens.

Users live hashed in the gateway's own database. Tokens are short-lived HS256 JWTs; the algorithm
is pinned when decoding, so `alg: none` and algorithm-confusion tokens are refused.
"""
import time
from datetime import timedelta

import jwt
from flask import current_app, g, request
from pymongo.errors import DuplicateKeyError
from werkzeug.security import check_password_hash, generate_password_hash

from services.kit.pure import regions
from services.kit.pure.actor import ROLES, Actor
from services.kit.pure.errors import Duplicate, InvalidInput, Unauthenticated
from services.kit.pure.uscc import UsccCheck, check as check_uscc

ALGORITHM = "HS256"
ISSUER = "anjian"
# Compared against when the user does not exist, so a wrong name costs as long as a wrong password.
_ABSENT = generate_password_hash("absent-user-placeholder")


class UserStore:
    def __init__(self, db):
        self.users = db.users

    def ensure_indexes(self):
        self.users.create_index("role")

    def create(self, username, password, role, region_scope, uscc=None):
        problems = {}
        if not isinstance(username, str) or not 2 <= len(username) <= 64:
            problems["username"] = ["2 to 64 characters"]
        if not isinstance(password, str) or len(password) < 8:
            problems["password"] = ["at least 8 characters"]
        if role not in ROLES:
            problems["role"] = [f"one of {', '.join(ROLES)}"]
        if region_scope != regions.NATIONWIDE and not regions.is_current(region_scope):
            problems["region_scope"] = ["a current division code, or 000000 for nationwide"]
        if role == "enterprise" and check_uscc(uscc) is UsccCheck.MALFORMED:
            problems["uscc"] = ["an enterprise user needs its enterprise's USCC"]
        if problems:
            raise InvalidInput("the user cannot be created", problems)
        if self.users.find_one({"_id": username}, {"_id": 1}):
            raise Duplicate(f"user {username} exists", {"username": ["taken"]})
        try:
            self.users.insert_one({"_id": username, "password": generate_password_hash(password),
                                   "role": role, "region_scope": region_scope,
                                   "uscc": uscc if role == "enterprise" else None})
        except DuplicateKeyError:
            raise Duplicate(f"user {username} exists", {"username": ["taken"]}) from None

    def authenticate(self, username, password):
        user = self.users.find_one({"_id": username}) if isinstance(username, str) else None
        stored = user["password"] if user else _ABSENT
        if not check_password_hash(stored, password if isinstance(password, str) else "") \
                or user is None:
            raise Unauthenticated("wrong username or password")
        return Actor(user_id=user["_id"], role=user["role"], region_scope=user["region_scope"],
                     uscc=user.get("uscc"))


def issue_token(actor, settings, now):
    claims = {"iss": ISSUER, "sub": actor.user_id, "role": actor.role,
              "region": actor.region_scope, "uscc": actor.uscc, "iat": now,
              "exp": now + timedelta(seconds=settings.jwt_ttl_seconds)}
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def read_token(token, settings):
    return _verified(token, settings)[0]


def _verified(token, settings):
    """(actor, expiry as a POSIX time) of a token whose signature and claims hold."""
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "iss"]})
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("the token is not valid") from None
    if claims.get("role") not in ROLES:
        raise Unauthenticated("the token is not valid")
    return Actor(user_id=claims["sub"], role=claims["role"], region_scope=claims["region"],
                 uscc=claims.get("uscc")), claims["exp"]


class VerifiedTokens:
    """Tokens already verified, each with its caller, until it expires.

    A client sends the same token with every request for its whole lifetime; checking its
    signature and claims again each time was a sixth of the gateway's work on a read. A token
    is only remembered once fully verified, and never past its expiry, after which it is read
    again (and refused as expired).
    """

    def __init__(self, settings, size=10_000):
        self.settings = settings
        self.size = size
        self.known = {}

    def actor(self, token):
        known = self.known.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        actor, expires = _verified(token, self.settings)
        if len(self.known) >= self.size:
            # Forgetting all at once keeps the bound without bookkeeping on every hit.
            self.known.clear()
        self.known[token] = (actor, expires)
        return actor


def authenticate_request():
    """Set g.actor from the bearer token; every /api/v1 route but sign-in requires one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send an Authorization: Bearer <token> header")
    g.actor = current_app.extensions["anjian"].tokens.actor(token.strip())
    return g.actor
