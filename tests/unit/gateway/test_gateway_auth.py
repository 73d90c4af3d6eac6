"""Bearer tokens: short-lived, signed with a pinned algorithm, carrying the caller's scope and the
account version they were issued at; and the secret they are signed with."""

import base64
import json
import os
import secrets
import stat
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import yaml

from gateway.auth import (
    AUDIENCE,
    ISSUER,
    AccountStates,
    Bearer,
    VerifiedTokens,
    WeakSecret,
    check_secret,
    issue_token,
    read_token,
)
from services.kit.config import Settings
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Unauthenticated, Unavailable
from tools import cli
from tools.isolated import ROOT

SETTINGS = Settings(jwt_secret=secrets.token_urlsafe(48), jwt_ttl_seconds=900)
OTHER = Settings(jwt_secret=secrets.token_urlsafe(48))
COMPANY = "91620722MA01XYW0QX"
MINLE = {
    "username": "minle",
    "role": "regulator",
    "region_scope": "620722",
    "uscc": None,
    "token_version": 3,
    "must_change_password": False,
}


def now():
    return datetime.now(timezone.utc)


def claims(**changes):
    issued = now()
    valid = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "minle",
        "role": "regulator",
        "region": "620722",
        "uscc": None,
        "ver": 1,
        "iat": issued,
        "exp": issued + timedelta(minutes=5),
    }
    return {key: value for key, value in {**valid, **changes}.items() if value is not ...}


def forge(**changes):
    return jwt.encode(claims(**changes), SETTINGS.jwt_secret, algorithm="HS256")


def test_token_round_trip_keeps_role_scope_uscc_and_version():
    bearer = read_token(issue_token(MINLE, SETTINGS, now()), SETTINGS)
    assert bearer.actor == Actor("minle", "regulator", "620722")
    assert (bearer.version, bearer.must_change_password) == (3, False)
    company = {**MINLE, "username": COMPANY, "role": "enterprise", "uscc": COMPANY}
    bearer = read_token(
        issue_token({**company, "must_change_password": True}, SETTINGS, now()), SETTINGS
    )
    assert bearer.actor == Actor(COMPANY, "enterprise", "620722", COMPANY)
    assert bearer.must_change_password


def test_token_expires_after_its_lifetime():
    issued = now() - timedelta(seconds=SETTINGS.jwt_ttl_seconds + 1)
    with pytest.raises(Unauthenticated, match="expired"):
        read_token(issue_token(MINLE, SETTINGS, issued), SETTINGS)


def test_token_signed_with_another_key_is_refused():
    with pytest.raises(Unauthenticated):
        read_token(issue_token(MINLE, OTHER, now()), SETTINGS)


def test_unsigned_token_is_refused():
    token = issue_token(MINLE, SETTINGS, now())
    _, body, _ = token.split(".")
    none = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    with pytest.raises(Unauthenticated):
        read_token(f"{none.rstrip(b'=').decode()}.{body}.", SETTINGS)


def test_token_of_another_algorithm_is_refused_even_with_the_right_key():
    token = jwt.encode(claims(), SETTINGS.jwt_secret, algorithm="HS512")
    with pytest.raises(Unauthenticated):
        read_token(token, SETTINGS)


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"aud": ...},
        {"iat": ...},
        {"exp": ...},
        {"ver": ...},
        {"ver": "1"},
        {"ver": True},
        {"iat": now() + timedelta(hours=1)},
        {"role": "root"},
        {"region": None},
        {"region": ...},
        {"region": "62"},
        {"role": "enterprise"},
        {"role": "enterprise", "uscc": "not-a-uscc"},
        {"uscc": COMPANY},
        {"role": "admin", "uscc": COMPANY},
    ],
    ids=repr,
)
def test_a_token_whose_claims_are_missing_wrong_or_disagree_is_refused(changes):
    with pytest.raises(Unauthenticated):
        read_token(forge(**changes), SETTINGS)


def test_remembered_tokens_answer_as_read_and_refuse_what_reading_refuses():
    tokens = VerifiedTokens(SETTINGS)
    token = issue_token(MINLE, SETTINGS, now())
    assert tokens.bearer(token) == tokens.bearer(token) == read_token(token, SETTINGS)
    issued = now() - timedelta(seconds=SETTINGS.jwt_ttl_seconds + 1)
    for refused in (issue_token(MINLE, OTHER, now()), issue_token(MINLE, SETTINGS, issued)):
        with pytest.raises(Unauthenticated):
            tokens.bearer(refused)
    assert list(tokens.known) == [token]


def test_a_token_older_than_its_account_or_of_a_disabled_account_is_refused():
    answers = {"minle": {"token_version": 3, "active": True}}
    asked = []

    def ask(username):
        asked.append(username)
        return answers[username]

    states = AccountStates(Settings(account_check_seconds=60), ask)
    bearer = Bearer(Actor("minle", "regulator", "620722"), 3, False, 0)
    states.check(bearer)
    with pytest.raises(Unauthenticated, match="revoked"):
        states.check(Bearer(bearer.actor, 2, False, 0))
    answers["minle"] = {"token_version": 4, "active": False}
    states.check(bearer)  # remembered for account_check_seconds
    assert asked == ["minle"]
    states.forget("minle")
    with pytest.raises(Unauthenticated, match="revoked"):
        states.check(Bearer(bearer.actor, 4, False, 0))
    assert asked == ["minle", "minle"]


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "change-me",
        "change-me-in-production-anjian-demo-secret",
        "CHANGE-ME",
        "short-but-random-Zx81",
        "a" * 64,
        "abababababababababababababababababab",
    ],
)
def test_the_gateway_refuses_to_start_with_no_secret_or_a_known_or_weak_one(secret):
    with pytest.raises(WeakSecret):
        check_secret(secret)


def test_a_random_secret_is_accepted():
    check_secret(secrets.token_urlsafe(48))


def test_while_the_registry_is_down_its_last_word_stands_for_the_grace_period_only():
    answers = [{"token_version": 3, "active": True}]

    def ask(username):
        if not answers:
            raise Unavailable("the registry service is not running")
        return answers.pop()

    states = AccountStates(Settings(account_check_seconds=0, account_grace_seconds=60), ask)
    bearer = Bearer(Actor("minle", "regulator", "620722"), 3, False, 0)
    states.check(bearer)
    states.check(bearer)
    with pytest.raises(Unavailable):
        states.check(Bearer(Actor("zhangye", "regulator", "620700"), 1, False, 0))
    states.grace = 0
    with pytest.raises(Unavailable):
        states.check(bearer)


def test_compose_requires_the_secret_and_publishes_none():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    given = {
        name: block.get("environment", {}).get("ANJIAN_JWT_SECRET")
        for name, block in compose.items()
    }
    assert given.pop("gateway").startswith("${ANJIAN_JWT_SECRET:?")
    assert set(given.values()) == {None}


def test_run_and_up_make_a_secret_once_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("ANJIAN_JWT_SECRET", raising=False)
    monkeypatch.delenv("ANJIAN_PII_KEY", raising=False)
    monkeypatch.delenv("ANJIAN_QR_KEY", raising=False)
    cli._provide_secrets(Settings(data_dir=str(tmp_path)))
    path = tmp_path / "jwt.secret"
    secret = os.environ["ANJIAN_JWT_SECRET"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == secret
    check_secret(secret)
    cli._provide_secrets(Settings(data_dir=str(tmp_path)))
    assert os.environ["ANJIAN_JWT_SECRET"] == secret
    given = secrets.token_urlsafe(48)
    other = tmp_path / "other"
    cli._provide_secrets(
        Settings(data_dir=str(other), jwt_secret=given, pii_key=given, qr_key=given)
    )
    assert not other.exists()
