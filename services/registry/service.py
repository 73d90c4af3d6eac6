"""The registry as a nameko service: entrypoints only, from RPC and events to the domain rules."""

from services.kit.copies import ListingFeed
from services.kit.inbox import idempotent_handler
from services.kit.mongo import MongoStore
from services.kit.pure.actor import SYSTEM
from services.kit.pure.errors import TooManyAttempts, Unauthenticated
from services.kit.pure.schemas import PageSchema, load, page_bounds
from services.kit.runtime import SettingTimer, rpc, timer
from services.kit.serialize import plain
from services.kit.service import ServiceBase
from services.registry import events
from services.registry.account_schemas import (
    AccountAuditEntrySchema,
    AccountCreateSchema,
    AccountQuerySchema,
    AccountSchema,
    AccountStateSchema,
    PasswordChangeSchema,
    PasswordResetSchema,
    ReasonSchema,
    SignedInSchema,
    SignInSchema,
    TrailQuerySchema,
)
from services.registry.account_store import ACCOUNT, ADDRESS, AccountStore
from services.registry.domain import accounts, enterprises, indicators
from services.registry.project_schemas import IndicatorQuerySchema
from services.registry.project_service import ProjectEntrypoints
from services.registry.schemas import (
    AuditEntrySchema,
    EnterpriseCreateSchema,
    EnterpriseQuerySchema,
    EnterpriseSchema,
    EnterpriseUpdateSchema,
    StatusChangeSchema,
)
from services.registry.standardization_service import StandardizationEntrypoints
from services.registry.store import RegistryStore

# Re-announcing every enterprise: this many per tick.
RESYNCHRONISATION_CHUNK = 500
RESYNCHRONISATION_TICK_SECONDS = 1


class AccountEntrypoints:
    """Accounts, kept by the registry: the enterprises an account may belong to are in the same
    database, so "registered in the creator's jurisdiction" is checked against the record itself."""

    accounts = MongoStore(enterprises.SERVICE, AccountStore)

    def _from_client(self, entry):
        """An account change's trail entry, with where its request came from."""
        return {**entry, "address": self.caller.address()}

    def _policy(self):
        return self.rules.value(accounts.PASSWORD_POLICY, self.clock.today())

    @rpc
    def create_account(self, payload):
        fields = load(AccountCreateSchema(), payload)
        actor = self.caller()
        accounts.require_manager(actor)
        # An enterprise outside the jurisdiction looks exactly like one never registered.
        enterprise = (
            self.store.enterprise(fields["uscc"], actor)
            if fields["role"] == "enterprise" and fields["uscc"]
            else None
        )
        now = self.clock.now()
        account, entry = accounts.create(fields, actor, now, self._policy(), enterprise)
        self.accounts.add_account(account, self._from_client(entry))
        return AccountSchema().dump(accounts.view(account))

    @rpc
    def account(self, username):
        actor = self.caller()
        actor.require_role(*accounts.READERS)
        return AccountSchema().dump(accounts.view(self.accounts.account_seen(username, actor)))

    def _readers_page(self, schema, query, page, page_size, with_total, find):
        """A page of what `find(actor, criteria, skip, limit, with_total)` finds for a reader of
        accounts."""
        actor = self.caller()
        actor.require_role(*accounts.READERS)
        criteria = load(schema, query)
        paging = load(
            PageSchema(), {"page": page, "page_size": page_size, "with_total": with_total}
        )
        skip, limit = page_bounds(paging["page"], paging["page_size"])
        return find(actor, criteria, skip, limit, paging["with_total"])

    @rpc
    def list_accounts(self, query, page=1, page_size=20, with_total=False):
        found = self._readers_page(
            AccountQuerySchema(), query, page, page_size, with_total, self.accounts.accounts_page
        )
        return {**found, "items": [AccountSchema().dump(accounts.view(a)) for a in found["items"]]}

    def _command(self, username, command, *arguments):
        actor = self.caller()
        accounts.require_manager(actor)
        account = self.accounts.account_seen(username, actor)
        changed, entry = command(account, *arguments, actor, self.clock.now())
        saved = self.accounts.save_account(account, changed, self._from_client(entry))
        return AccountSchema().dump(accounts.view(saved))

    @rpc
    def disable_account(self, username, payload):
        reason = load(ReasonSchema(), payload)["reason"]
        return self._command(username, lambda *args: accounts.disable(*args, reason))

    @rpc
    def enable_account(self, username, payload):
        reason = load(ReasonSchema(), payload)["reason"]
        return self._command(username, lambda *args: accounts.enable(*args, reason))

    @rpc
    def reset_password(self, username, payload):
        password = load(PasswordResetSchema(), payload)["password"]
        policy = self._policy()
        result = self._command(
            username, lambda *args: accounts.reset_password(*args, policy), password
        )
        self.accounts.clear_throttle(username)
        return result

    @rpc
    def me(self):
        actor = self.caller()
        account = self.accounts.account(actor.user_id)
        if account is None:
            raise Unauthenticated("your account no longer exists")
        return AccountSchema().dump(accounts.view(account))

    @rpc
    def change_password(self, payload):
        fields = load(PasswordChangeSchema(), payload)
        actor = self.caller()
        account = self.accounts.account(actor.user_id)
        changed, entry = accounts.change_password(
            account,
            fields["old_password"],
            fields["new_password"],
            actor,
            self.clock.now(),
            self._policy(),
        )
        saved = self.accounts.save_account(account, changed, self._from_client(entry))
        return AccountSchema().dump(accounts.view(saved))

    @rpc
    def account_trail(self, query, page=1, page_size=20, with_total=False):
        found = self._readers_page(
            TrailQuerySchema(), query, page, page_size, with_total, self.accounts.trail_page
        )
        return {**found, "items": AccountAuditEntrySchema(many=True).dump(found["items"])}

    @SettingTimer.decorator("prune_interval_seconds")
    def forget_old_sign_in_failures(self):
        """Names and addresses that failed long ago are not kept (nor counted) any more."""
        limits = self.rules.value(accounts.SIGN_IN_FAILURES, self.clock.today())
        self.accounts.forget_failures(accounts.forget_before(self.clock.now(), limits))

    @rpc
    def account_state(self, username):
        """What a token of `username` is checked against: its version, and whether it may act."""
        account = self.accounts.account(username)
        return AccountStateSchema().dump(
            {
                "token_version": account["token_version"] if account else 0,
                "active": bool(account) and not account["disabled"],
            }
        )

    @rpc
    def authenticate(self, payload):
        """The account of a user name and password, unless either is wrong, the account is
        disabled, or sign-in is locked for the name or the client's address (which the gateway
        sends with every call)."""
        fields = load(SignInSchema(), payload)
        username, now = fields["username"], self.clock.now()
        address = self.caller.address() or "unknown"
        account = self.accounts.account(username)
        throttles = self.accounts.throttles(username, address)
        wait = max(accounts.locked_seconds(record, now) for record in throttles)
        if wait:
            self.accounts.record(
                accounts.sign_in_entry(now, "refused_while_locked", username, account, address)
            )
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait
            )
        stored = account["password"] if account else accounts.ABSENT
        if not accounts.password_matches(stored, fields["password"]) or account is None:
            self._count_failure(username, account, address, throttles, now)
            raise Unauthenticated(accounts.REFUSED)
        if account["disabled"]:
            self.accounts.record(
                accounts.sign_in_entry(now, "sign_in_refused_disabled", username, account, address)
            )
            raise Unauthenticated(accounts.REFUSED)
        self.accounts.clear_throttle(username)
        return SignedInSchema().dump({**accounts.view(account), **account})

    def _count_failure(self, username, account, address, throttles, now):
        """Record a failed sign-in, and lock the name or the address when it has failed too
        often."""
        limits = self.rules.value(accounts.SIGN_IN_FAILURES, self.clock.today())
        self.accounts.record(
            accounts.sign_in_entry(now, "sign_in_failed", username, account, address)
        )
        for kind, key, record in zip(
            ("account", "address"), (ACCOUNT + username, ADDRESS + address), throttles, strict=True
        ):
            counted = self.accounts.count_failure(key, now, accounts.forgotten(record, now, limits))
            lock = accounts.lockout(counted, now, limits[kind])
            if lock and self.accounts.lock(counted, lock):
                seconds = int((lock["locked_until"] - now).total_seconds())
                self.accounts.record(
                    accounts.sign_in_entry(
                        now, "locked", username, account, address, by=kind, seconds=seconds
                    )
                )


class RegistryService(
    AccountEntrypoints, ProjectEntrypoints, StandardizationEntrypoints, ListingFeed, ServiceBase
):
    name = enterprises.SERVICE
    store = MongoStore(name, RegistryStore)

    def _indicator_query(self, query):
        """The prefix, year and day an indicator (target 3 or 6) reads, for a bureau only."""
        fields = load(IndicatorQuerySchema(), query)
        return fields, self.caller().indicator_scope(fields["region"]), self.clock.today()

    def _with_standing(self, document, events):
        return indicators.with_standing(document, events, self._terms(), self.clock.now())

    def _save_enterprise(self, before, after, events):
        """Store a command's result with the enterprise's standing derived again."""
        return self.store.save_enterprise(before, *self._with_standing(after, events))

    def _view(self, document):
        return EnterpriseSchema().dump(enterprises.view(document, self.clock.today()))

    @rpc
    def register(self, payload):
        fields = load(EnterpriseCreateSchema(), payload)
        document, announced = enterprises.register(
            fields,
            self.caller(),
            self.clock.now(),
            self.clock.today(),
            self._terms(),
            fields.get("uscc_override_reason"),
        )
        self.store.add_enterprise(*self._with_standing(document, announced))
        return self._view(document)

    @rpc
    def get(self, uscc):
        """The profile, with the enterprise's standing on the untrustworthy list."""
        profile = self._view(self.store.enterprise(uscc, self.caller()))
        listed = self.store.listed_units([uscc])
        return {**profile, "credit_status": "untrustworthy" if listed else "clear"}

    @rpc
    def update(self, uscc, payload):
        fields = load(EnterpriseUpdateSchema(), payload)
        document = self.store.enterprise_to_change(uscc, self.caller())
        changed = enterprises.update(
            document, fields, self.caller(), self.clock.now(), self.clock.today(), self._terms()
        )
        return self._view(self._save_enterprise(document, *changed))

    @rpc
    def change_status(self, uscc, payload):
        fields = load(StatusChangeSchema(), payload)
        document = self.store.enterprise_to_change(uscc, self.caller())
        changed = enterprises.change_status(
            document,
            fields["status"],
            fields["reason"],
            fields["effective_on"] or self.clock.today(),
            self.caller(),
            self.clock.now(),
            self.clock.today(),
        )
        return self._view(self._save_enterprise(document, *changed))

    @rpc
    def history(self, uscc):
        actor = self.caller()
        actor.require_role("admin", "regulator", "auditor")
        document = self.store.enterprise(uscc, actor, with_history=True)
        return AuditEntrySchema(many=True).dump(enterprises.audit_trail(document))

    @rpc
    def list(self, query, page=1, page_size=20, with_total=False):
        criteria = load(EnterpriseQuerySchema(), query)
        paging = load(
            PageSchema(), {"page": page, "page_size": page_size, "with_total": with_total}
        )
        skip, limit = page_bounds(paging["page"], paging["page_size"])
        found = self.store.search(self.caller(), criteria, skip, limit, paging["with_total"])
        return {**found, "items": [self._view(document) for document in found["items"]]}

    @rpc
    def import_rows(self, rows):
        """Register every valid row not yet registered; report each row's outcome."""
        actor = self.caller()
        actor.require_role("admin", "regulator", "inspector")
        schema = EnterpriseCreateSchema()
        terms, now = self._terms(), self.clock.now()
        report, registrations = enterprises.import_batch(
            rows, actor, now, self.clock.today(), terms, lambda payload: load(schema, payload)
        )
        # Inserting is the existence check: a repeated USCC comes back as a duplicate key.
        already = self.store.add_enterprises(
            [
                indicators.with_standing(document, announced, terms, now)
                for document, announced in registrations
            ]
        )
        for line in report:
            if line["result"] == "created" and line["uscc"] in already:
                line["result"] = "exists"
        return report

    @rpc
    def resynchronise(self, usccs=()):
        """Announce enterprises again for services deployed later: the named ones now, or all of
        them in the background (the work grows with the registry, so nobody waits for it)."""
        self.caller().require_role("admin")
        if not usccs:
            return self._schedule_resynchronisation()
        now = self.clock.now()
        announced = [
            enterprises.resynchronisation(document, now)
            for document in map(self.store.enterprise_record, usccs)
            if document
        ]
        self.store.append_events(announced)
        return {"announced": len(announced)}

    @rpc
    def resynchronisation(self):
        """How far re-announcing every enterprise has come."""
        self.caller().require_role("admin")
        return plain(self.store.resynchronisation())

    def _schedule_resynchronisation(self):
        return plain(self.store.schedule_resynchronisation(self.clock.now()))

    @timer(interval=RESYNCHRONISATION_TICK_SECONDS)
    def advance_resynchronisation(self):
        """One chunk per tick: throttled, so live requests keep their share of the database."""
        job = self.store.resynchronisation()
        if job is None or job["finished_at"] is not None:
            return
        now = self.clock.now()
        chunk = self.store.enterprises_from(job["position"], RESYNCHRONISATION_CHUNK)
        self.store.append_events(
            [enterprises.resynchronisation(document, now) for document in chunk]
        )
        self.store.advance_resynchronisation(
            job, len(chunk), now, finished=len(chunk) < RESYNCHRONISATION_CHUNK
        )

    @idempotent_handler("inspection", events.SUSPENSION_ORDERED)
    def handle_suspension_ordered(self, event):
        self._apply_order(event, enterprises.apply_suspension_order)

    @idempotent_handler("inspection", events.SUSPENSION_LIFTED)
    def handle_suspension_lifted(self, event):
        self._apply_order(event, enterprises.lift_suspension_order)

    @idempotent_handler(events.PUBLIC_SOURCE, events.REGISTRY_COPY_REQUESTED)
    def handle_registry_copy_requested(self, event):
        self._schedule_resynchronisation()

    def _apply_order(self, event, rule):
        document = self.store.enterprise_record(event["subject"])
        if document is not None:
            self._save_enterprise(
                document, *rule(document, event["data"], SYSTEM, self.clock.now())
            )
