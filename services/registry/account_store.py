"""Account persistence: one document per account, keyed by user name; the sign-in throttle; and
the accounts' audit trail.

Who may see which account is decided here, once, as a query (`visible_to`): an administrator
every account, a bureau or auditor those of its jurisdiction. The same query scopes the trail.
"""

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.kit.mongo import BaseStore, matches, within_region
from services.kit.pure.commands import new_id
from services.kit.pure.errors import Duplicate, NotFound

# Throttle keys: a user name tried, whether or not it is an account, and a client address.
ACCOUNT, ADDRESS = "account:", "address:"


def visible_to(actor):
    return within_region(actor.scope_prefix)


class AccountStore(BaseStore):
    @property
    def accounts(self):
        return self.db.accounts

    @property
    def throttle(self):
        return self.db.sign_in_throttle

    @property
    def trail(self):
        return self.db.account_audit

    def ensure_indexes(self):
        self.accounts.create_index([("region_code", ASCENDING), ("_id", ASCENDING)])
        self.accounts.create_index("uscc")
        self.trail.create_index([("region_code", ASCENDING), ("at", ASCENDING)])

    def account(self, username):
        """The account, whoever asks (sign-in, the gateway's token check), or None."""
        return self.accounts.find_one({"_id": username})

    def account_seen(self, username, actor):
        """An account in the caller's jurisdiction; one outside it looks exactly like a missing
        one, so no bureau learns another's user names."""
        document = self.account(username)
        if document is None or not matches(visible_to(actor), document):
            raise NotFound(f"no account {username}", {"username": ["no such account"]})
        return document

    def add_account(self, account, entry):
        try:
            self.accounts.insert_one(account)
        except DuplicateKeyError:
            raise Duplicate(
                f"the user name {account['_id']} is taken", {"username": ["taken"]}
            ) from None
        self.record(entry)

    def save_account(self, before, after, entry):
        """Store a command's result (guarded by the version read) and its audit entry."""
        self.save(self.accounts, before, after, [])
        self.record(entry)
        return self.account(before["_id"])

    def accounts_page(self, actor, criteria, skip, limit, with_total):
        query = within_region(actor.narrow(criteria.get("region")))
        query.update({key: criteria[key] for key in ("role", "uscc") if criteria.get(key)})
        return self.page(self.accounts, query, skip, limit, with_total=with_total)

    def record(self, entry):
        self.trail.insert_one({"_id": new_id(), **entry})

    def trail_page(self, actor, criteria, skip, limit, with_total):
        """The trail of the caller's jurisdiction, optionally of one account, in the order it was
        written (by time on MongoDB; the embedded server's insertion order is the same)."""
        query = within_region(actor.narrow(criteria.get("region")))
        if criteria.get("account"):
            query["account"] = criteria["account"]
        return self.page(
            self.trail,
            query,
            skip,
            limit,
            order=(("at", ASCENDING), ("_id", ASCENDING)),
            with_total=with_total,
        )

    # --- the sign-in throttle ---------------------------------------------------------------

    def throttles(self, username, address):
        """The throttle records of a user name and a client address (None where there is none)."""
        keys = [ACCOUNT + username, ADDRESS + address]
        found = {record["_id"]: record for record in self.throttle.find({"_id": {"$in": keys}})}
        return found.get(ACCOUNT + username), found.get(ADDRESS + address)

    def count_failure(self, key, now, forget):
        """One more failure on a throttle record (a fresh one if `forget` says the old is past);
        returns the record as it now stands."""
        if forget:
            self.throttle.delete_one({"_id": key})
        return self.throttle.find_one_and_update(
            {"_id": key},
            {"$inc": {"failures": 1}, "$set": {"last_failure": now}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )

    def lock(self, record, lock):
        """Apply a lockout earned by `record`, unless a concurrent failure applied it first."""
        return (
            self.throttle.update_one(
                {"_id": record["_id"], "failures": record["failures"]}, {"$set": lock}
            ).modified_count
            == 1
        )

    def forget_failures(self, before):
        """Delete the throttle records whose last failure is older than `before`."""
        return self.throttle.delete_many({"last_failure": {"$lt": before}}).deleted_count

    def clear_throttle(self, username):
        self.throttle.delete_one({"_id": ACCOUNT + username})
