"""Bearer tokens: short-lived, signed with a pinned algorithm, carrying the caller's scope."""
import base64
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from gateway.auth import VerifiedTokens, issue_token, read_token
from services.kit.pure.actor import Actor
from services.kit.config import Settings
from services.kit.pure.errors import Unauthenticated

SETTINGS = Settings(jwt_secret="unit-test-secret-" + "x" * 64, jwt_ttl_seconds=900)
MINLE = Actor("minle", "regulator", "620722")


def test_token_round_trip_keeps_role_scope_and_uscc():
    now = datetime.now(timezone.utc)
    assert read_token(issue_token(MINLE, SETTINGS, now), SETTINGS) == MINLE
    company = Actor("91620722MA01XYW0QX", "enterprise", "620722", "91620722MA01XYW0QX")
    assert read_token(issue_token(company, SETTINGS, now), SETTINGS) == company


def test_token_expires_after_its_lifetime():
    issued = datetime.now(timezone.utc) - timedelta(seconds=SETTINGS.jwt_ttl_seconds + 1)
    with pytest.raises(Unauthenticated, match="expired"):
        read_token(issue_token(MINLE, SETTINGS, issued), SETTINGS)


def test_token_signed_with_another_key_is_refused():
    other = Settings(jwt_secret="another-secret-that-is-also-long-enough")
    with pytest.raises(Unauthenticated):
        read_token(issue_token(MINLE, other, datetime.now(timezone.utc)), SETTINGS)


def test_unsigned_token_is_refused():
    token = issue_token(MINLE, SETTINGS, datetime.now(timezone.utc))
    header, claims, _ = token.split(".")
    none = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    with pytest.raises(Unauthenticated):
        read_token(f"{none.rstrip(b'=').decode()}.{claims}.", SETTINGS)


def test_token_of_another_algorithm_is_refused_even_with_the_right_key():
    now = datetime.now(timezone.utc)
    token = jwt.encode({"iss": "anjian", "sub": "minle", "role": "regulator", "region": "620722",
                        "iat": now, "exp": now + timedelta(minutes=5)},
                       SETTINGS.jwt_secret, algorithm="HS512")
    with pytest.raises(Unauthenticated):
        read_token(token, SETTINGS)


def test_remembered_tokens_answer_as_read_and_refuse_what_reading_refuses():
    tokens = VerifiedTokens(SETTINGS)
    token = issue_token(MINLE, SETTINGS, datetime.now(timezone.utc))
    assert tokens.actor(token) == tokens.actor(token) == MINLE
    forged = issue_token(MINLE, Settings(jwt_secret="another-secret-that-is-also-long-enough"),
                         datetime.now(timezone.utc))
    issued = datetime.now(timezone.utc) - timedelta(seconds=SETTINGS.jwt_ttl_seconds + 1)
    for refused in (forged, issue_token(MINLE, SETTINGS, issued)):
        with pytest.raises(Unauthenticated):
            tokens.actor(refused)
    assert list(tokens.known) == [token]
