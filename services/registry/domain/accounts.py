"""Accounts: who may sign in, in which role and jurisdiction, and who may manage them.

A bureau manages the accounts of its own jurisdiction, never one with a role above its own; an
enterprise's account belongs to an enterprise registered there. Every command takes the account,
the caller and the time, checks the rules and returns `(account, audit entry)`: the account as it
now stands and the line the audit trail keeps of the change.

Passwords are kept as argon2id hashes (argon2-cffi); the clear text only passes through the
policy check and the hasher.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.kit.pure import regions
from services.kit.pure.actor import ROLES, Actor
from services.kit.pure.commands import Document
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput, NotFound

PASSWORD_POLICY = "registry.accounts.password_policy"
SIGN_IN_FAILURES = "registry.accounts.sign_in_failures"
# One answer for every refused sign-in, so none tells whether the user name is an account.
REFUSED = "wrong user name or password, or the account is disabled"

Entry = dict[str, Any]
Change = tuple[Document, Entry]

# The ladder: an account may be managed only by a role at least as high.
RANK = {"admin": 3, "regulator": 2, "inspector": 1, "auditor": 1, "agency": 0, "enterprise": 0}
# Bureaus (and administrators) manage accounts; auditors read their trail.
MANAGERS = ("admin", "regulator")
READERS = ("admin", "regulator", "auditor")
# How the character kinds of a password are told apart.
KINDS = (str.islower, str.isupper, str.isdigit)

# argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) rather than the library's 64 MiB and 4
# lanes: every sign-in, and every guess, costs the registry a hash, and a quarter of the cost
# keeps the registry answering while a burst of guesses is being locked out.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the user name is unknown, so a wrong name costs as long as a wrong password.
ABSENT = _hasher.hash("absent-account-placeholder")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _kinds(password: str) -> int:
    kinds = sum(1 for is_kind in KINDS if any(is_kind(c) for c in password))
    return kinds + (1 if any(not c.isalnum() for c in password) else 0)


def check_password(
    password: str, username: str, policy: Mapping[str, Any], earlier: Iterable[str] = ()
) -> None:
    """Refuse a password the policy does not allow: too short, of too few kinds of character,
    the user name, a well-known one, or one of the account's `earlier` hashes."""
    problems = []
    if len(password) < policy["min_length"]:
        problems.append(f"at least {policy['min_length']} characters")
    if _kinds(password) < policy["min_character_kinds"]:
        problems.append(
            f"at least {policy['min_character_kinds']} kinds of character "
            "(lower case, upper case, digits, others)"
        )
    folded = password.casefold()
    if username.casefold() in folded:
        problems.append("must not contain the user name")
    if folded in {known.casefold() for known in policy["well_known"]}:
        problems.append("is a well-known password; choose another")
    if any(password_matches(stored, password) for stored in earlier):
        problems.append(f"must differ from the last {policy['remembered']} passwords")
    if problems:
        raise InvalidInput("the password does not meet the policy", {"password": problems})


def _entry(
    actor: Actor | None, now: datetime, action: str, account: Document, **details: Any
) -> Entry:
    return {
        "at": now,
        "by": actor.user_id if actor else account["_id"],
        "by_role": actor.role if actor else account["role"],
        "action": action,
        "account": account["_id"],
        "region_code": account["region_code"],
        "details": details,
    }


def require_manager(actor: Actor) -> None:
    actor.require_role(*MANAGERS)
    actor.require_can_write()


def _require_rank(actor: Actor, role: str) -> None:
    if RANK[role] > RANK[actor.role]:
        raise Forbidden(
            f"a {actor.role} may not manage {role} accounts", {"role": ["above your own"]}
        )


def _scope(fields: Mapping[str, Any], actor: Actor, enterprise: Document | None) -> str:
    """The new account's jurisdiction: its enterprise's region, or the scope asked for, which
    must be a current division inside the creator's own."""
    if fields["role"] == "enterprise":
        if enterprise is None:
            raise InvalidInput("an enterprise account names its enterprise", {"uscc": ["required"]})
        return str(enterprise["region_code"])
    if fields.get("uscc"):
        raise InvalidInput(
            "only an enterprise account names a USCC", {"uscc": ["only for enterprise accounts"]}
        )
    scope = fields.get("region_scope")
    if scope is None:
        raise InvalidInput(
            "the account needs a jurisdiction", {"region_scope": ["required for this role"]}
        )
    if scope != regions.NATIONWIDE and not regions.is_current(scope):
        raise InvalidInput(
            f"{scope} is not a current division code",
            {"region_scope": ["a current division code, or 000000 for nationwide"]},
        )
    if not (actor.role == "admin" or regions.within(actor.region_scope, scope)):
        raise Forbidden(
            f"region {scope} is outside your jurisdiction",
            {"region_scope": ["outside your jurisdiction"]},
        )
    return str(scope)


def create(
    fields: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    policy: Mapping[str, Any],
    enterprise: Document | None = None,
) -> Change:
    """A new account. Its first password was chosen by someone else, so it must be changed at
    the first sign-in, unless an administrator seeding accounts says otherwise."""
    require_manager(actor)
    if fields["role"] not in ROLES:
        raise InvalidInput("unknown role", {"role": [f"one of {', '.join(ROLES)}"]})
    _require_rank(actor, fields["role"])
    scope = _scope(fields, actor, enterprise)
    must_change = fields.get("must_change_password", True)
    if not must_change and actor.role != "admin":
        raise Forbidden(
            "only an administrator may create an account without a change of password",
            {"must_change_password": ["only an administrator may set false"]},
        )
    check_password(fields["password"], fields["username"], policy)
    account = {
        "_id": fields["username"],
        "version": 1,
        "display_name": fields.get("display_name"),
        "role": fields["role"],
        "region_code": scope,
        "uscc": enterprise["_id"] if enterprise else None,
        "password": hash_password(fields["password"]),
        "earlier_passwords": [],
        "must_change_password": must_change,
        "disabled": False,
        "token_version": 1,
        "created_at": now,
        "created_by": actor.user_id,
    }
    return account, _entry(actor, now, "created", account, role=account["role"])


def require_may_manage(account: Document, actor: Actor) -> None:
    """A manager may change an account in its jurisdiction (the store only hands those out)
    whose role is not above its own."""
    require_manager(actor)
    _require_rank(actor, account["role"])


def _revoked(account: Document, **changes: Any) -> Document:
    """The account with `changes`, and every token issued before refused."""
    return {**account, **changes, "token_version": account["token_version"] + 1}


def disable(account: Document, actor: Actor, now: datetime, reason: str) -> Change:
    require_may_manage(account, actor)
    if account["_id"] == actor.user_id:
        raise Conflict("you may not disable your own account")
    if account["disabled"]:
        raise Conflict(f"account {account['_id']} is already disabled")
    changed = _revoked(account, disabled=True)
    return changed, _entry(actor, now, "disabled", changed, reason=reason)


def enable(account: Document, actor: Actor, now: datetime, reason: str) -> Change:
    require_may_manage(account, actor)
    if not account["disabled"]:
        raise Conflict(f"account {account['_id']} is not disabled")
    changed = {**account, "disabled": False}
    return changed, _entry(actor, now, "enabled", changed, reason=reason)


def _new_password(account: Document, password: str, policy: Mapping[str, Any]) -> list[str]:
    """The account's earlier hashes once `password` replaces the current one (after checking
    it against the policy and those hashes)."""
    earlier = [account["password"], *account["earlier_passwords"]][: policy["remembered"]]
    check_password(password, account["_id"], policy, earlier)
    return earlier


def reset_password(
    account: Document, password: str, actor: Actor, now: datetime, policy: Mapping[str, Any]
) -> Change:
    """A manager sets a password; its user must change it at the next sign-in."""
    require_may_manage(account, actor)
    earlier = _new_password(account, password, policy)
    changed = _revoked(
        account,
        password=hash_password(password),
        earlier_passwords=earlier,
        must_change_password=True,
    )
    return changed, _entry(actor, now, "password_reset", changed)


def change_password(
    account: Document | None,
    old: str,
    new: str,
    actor: Actor,
    now: datetime,
    policy: Mapping[str, Any],
) -> Change:
    """A user changes their own password, proving they know the current one."""
    if account is None or account["disabled"]:
        raise NotFound(f"no account {actor.user_id}")
    if not password_matches(account["password"], old):
        raise InvalidInput(
            "the current password is wrong", {"old_password": ["not your current password"]}
        )
    earlier = _new_password(account, new, policy)
    changed = _revoked(
        account, password=hash_password(new), earlier_passwords=earlier, must_change_password=False
    )
    return changed, _entry(None, now, "password_changed", changed)


def view(account: Document) -> dict[str, Any]:
    """An account as shown: never its password hashes."""
    return {
        "username": account["_id"],
        "display_name": account.get("display_name"),
        "role": account["role"],
        "region_scope": account["region_code"],
        "uscc": account["uscc"],
        "disabled": account["disabled"],
        "must_change_password": account["must_change_password"],
        "created_at": account["created_at"],
        "created_by": account["created_by"],
    }


# --- guessing: failures back off per account name and per client address -----------------------


def locked_seconds(record: Document | None, now: datetime) -> int:
    """Seconds until a throttle record lets sign-ins through again (0: not locked)."""
    until = (record or {}).get("locked_until")
    if until is None or until <= now:
        return 0
    return max(1, int((until - now).total_seconds() + 0.999))


def forget_before(now: datetime, policy: Mapping[str, Any]) -> datetime:
    """Failures before this count no more."""
    return now - timedelta(hours=policy["forget_after_hours"])


def forgotten(record: Document | None, now: datetime, policy: Mapping[str, Any]) -> bool:
    """A throttle record whose last failure is forgotten starts afresh."""
    last = (record or {}).get("last_failure")
    return last is not None and last < forget_before(now, policy)


def lockout(record: Document, now: datetime, limits: Mapping[str, Any]) -> Document | None:
    """The lock a throttle record earns with its latest failure: after `failures` in a row,
    locked for `first_seconds`, doubled for each lockout since, at most `max_seconds`."""
    if record["failures"] < limits["failures"]:
        return None
    lockouts = record.get("lockouts", 0)
    seconds = min(limits["first_seconds"] * 2**lockouts, limits["max_seconds"])
    return {
        "failures": 0,
        "lockouts": lockouts + 1,
        "locked_until": now + timedelta(seconds=seconds),
    }


def sign_in_entry(
    now: datetime,
    action: str,
    username: str,
    account: Document | None,
    address: str,
    **details: Any,
) -> Entry:
    """A refused or locked sign-in, for the trail of the account's jurisdiction (nationwide for
    a name that is no account)."""
    return {
        "at": now,
        "by": username,
        "by_role": account["role"] if account else None,
        "action": action,
        "account": username,
        "region_code": account["region_code"] if account else regions.NATIONWIDE,
        "address": address,
        "details": details,
    }
