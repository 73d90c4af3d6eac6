"""Account rules, without servers: who may create and manage which account, the password policy,
and the back-off after failed sign-ins."""

from datetime import datetime, timedelta, timezone

import pytest

from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.kit.pure.rules import RuleSet
from services.kit.rules import load_rules
from services.registry.domain import accounts

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
ADMIN = Actor("admin", "admin", "000000")
CITY = Actor("zhangye", "regulator", "620700")
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
INSPECTOR = Actor("inspector-minle", "inspector", "620722")
AUDITOR = Actor("auditor", "auditor", "620700")
COMPANY = "91620722MA01XYW0QX"
ENTERPRISE = {"_id": COMPANY, "region_code": "620722"}
GOOD = "Qilian-2026-safe"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules("registry")


@pytest.fixture(scope="module")
def policy(rules):
    return rules.value(accounts.PASSWORD_POLICY, NOW.date())


@pytest.fixture(scope="module")
def limits(rules):
    return rules.value(accounts.SIGN_IN_FAILURES, NOW.date())


def fields(**overrides):
    return {
        "username": "minle-officer",
        "role": "inspector",
        "region_scope": "620722",
        "uscc": None,
        "password": GOOD,
        **overrides,
    }


def created(policy, actor=MINLE, enterprise=None, **overrides):
    return accounts.create(fields(**overrides), actor, NOW, policy, enterprise)[0]


def test_a_bureau_creates_accounts_in_its_jurisdiction_that_must_change_the_password(policy):
    account, entry = accounts.create(fields(), MINLE, NOW, policy)
    assert account["region_code"] == "620722" and account["must_change_password"]
    assert account["password"] != GOOD and accounts.password_matches(account["password"], GOOD)
    assert entry["action"] == "created" and entry["by"] == "minle"
    assert "password" not in str(accounts.view(account)).replace("must_change_password", "")


def test_an_enterprise_account_takes_its_enterprise_and_region(policy):
    account = created(
        policy, enterprise=ENTERPRISE, username=COMPANY, role="enterprise", region_scope=None
    )
    assert (account["uscc"], account["region_code"]) == (COMPANY, "620722")
    assert account["_id"] == COMPANY and account["role"] == "enterprise"


@pytest.mark.parametrize(
    "actor,overrides,refusal",
    [
        (MINLE, {"role": "admin", "region_scope": "000000"}, Forbidden),
        (CITY, {"role": "admin"}, Forbidden),
        (GANZHOU, {}, Forbidden),
        (MINLE, {"region_scope": "620700"}, Forbidden),
        (MINLE, {"region_scope": "000000"}, Forbidden),
        (INSPECTOR, {}, Forbidden),
        (AUDITOR, {}, Forbidden),
        (MINLE, {"must_change_password": False}, Forbidden),
        (MINLE, {"region_scope": "629999"}, InvalidInput),
        (MINLE, {"region_scope": None}, InvalidInput),
        (MINLE, {"role": "enterprise", "region_scope": None}, InvalidInput),
        (MINLE, {"uscc": COMPANY}, InvalidInput),
        (MINLE, {"role": "root"}, InvalidInput),
    ],
    ids=repr,
)
def test_never_outside_the_jurisdiction_above_the_own_role_or_without_the_rules(
    policy, actor, overrides, refusal
):
    with pytest.raises(refusal):
        created(policy, actor, **overrides)


def test_an_administrator_may_create_any_role_anywhere_and_skip_the_change(policy):
    account = created(
        policy, ADMIN, role="admin", region_scope="000000", must_change_password=False
    )
    assert account["role"] == "admin" and not account["must_change_password"]


@pytest.mark.parametrize(
    "password,problem",
    [
        ("Ab1-xyz", "at least 8"),
        ("abcdefghij", "kinds of character"),
        ("x-minle-officer-1", "user name"),
        ("P@ssw0rd", "well-known"),
        ("QWER1234", "well-known"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(policy, password, problem):
    with pytest.raises(InvalidInput) as refused:
        created(policy, password=password)
    assert any(problem in message for message in refused.value.errors["password"])


def test_a_user_changes_the_password_with_the_old_one_and_never_back_to_a_recent_one(policy):
    account = created(policy)
    changed, entry = accounts.change_password(account, GOOD, "Heihe-river-99", MINLE, NOW, policy)
    assert not changed["must_change_password"]
    assert changed["token_version"] == account["token_version"] + 1
    assert entry["action"] == "password_changed" and entry["by"] == "minle-officer"
    with pytest.raises(InvalidInput, match="current password"):
        accounts.change_password(changed, GOOD, "Danxia-hills-7", MINLE, NOW, policy)
    with pytest.raises(InvalidInput) as reused:
        accounts.change_password(changed, "Heihe-river-99", GOOD, MINLE, NOW, policy)
    assert "differ" in str(reused.value.errors)
    with pytest.raises(InvalidInput):
        accounts.change_password(changed, "Heihe-river-99", "Heihe-river-99", MINLE, NOW, policy)


def test_a_reset_revokes_tokens_and_makes_the_user_change_it_again(policy):
    account, _ = accounts.change_password(
        created(policy), GOOD, "Heihe-river-99", MINLE, NOW, policy
    )
    reset, entry = accounts.reset_password(account, "Gansu-reset-42", MINLE, NOW, policy)
    assert reset["must_change_password"] and entry["action"] == "password_reset"
    assert reset["token_version"] == account["token_version"] + 1


def test_disabling_revokes_tokens_and_follows_the_ladder(policy):
    account = created(policy)
    disabled, entry = accounts.disable(account, MINLE, NOW, "离职")
    assert disabled["disabled"] and disabled["token_version"] == account["token_version"] + 1
    assert entry["details"] == {"reason": "离职"}
    with pytest.raises(Conflict):
        accounts.disable(disabled, MINLE, NOW, "again")
    enabled, _ = accounts.enable(disabled, MINLE, NOW, "复职")
    assert not enabled["disabled"]
    with pytest.raises(Forbidden):
        accounts.disable(
            created(policy, ADMIN, role="admin", region_scope="000000"), CITY, NOW, "x"
        )
    with pytest.raises(Forbidden):
        accounts.disable(account, INSPECTOR, NOW, "x")
    with pytest.raises(Conflict):
        accounts.disable({**account, "_id": "minle", "role": "regulator"}, MINLE, NOW, "self")


def test_a_disabled_account_cannot_change_its_password(policy):
    disabled, _ = accounts.disable(created(policy), MINLE, NOW, "离职")
    with pytest.raises(NotFound):
        accounts.change_password(disabled, GOOD, "Heihe-river-99", MINLE, NOW, policy)


def test_failures_lock_with_a_delay_that_doubles_up_to_the_cap(limits):
    rule = limits["account"]
    record = {"_id": "account:minle", "failures": rule["failures"] - 1}
    assert accounts.lockout(record, NOW, rule) is None
    delays = []
    for _ in range(8):
        lock = accounts.lockout({**record, "failures": rule["failures"]}, NOW, rule)
        delays.append(accounts.locked_seconds(lock, NOW))
        record = {**record, **lock}
    assert delays[0] == rule["first_seconds"] and delays[1] == 2 * delays[0]
    assert delays == sorted(delays) and delays[-1] == rule["max_seconds"]
    assert accounts.locked_seconds(record, record["locked_until"]) == 0


def test_old_failures_are_forgotten(limits):
    fresh = {"last_failure": NOW}
    later = NOW + timedelta(hours=limits["forget_after_hours"], seconds=1)
    assert not accounts.forgotten(fresh, NOW, limits) and accounts.forgotten(fresh, later, limits)
    assert not accounts.forgotten(None, NOW, limits)


def test_a_refused_sign_in_of_a_name_that_is_no_account_is_in_the_nationwide_trail_only():
    entry = accounts.sign_in_entry(NOW, "sign_in_failed", "nobody", None, "203.0.113.9")
    assert entry["region_code"] == "000000" and entry["address"] == "203.0.113.9"
