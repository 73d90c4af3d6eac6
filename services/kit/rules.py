"""A service's rules at run time, in three tiers, each laid over the one below:

1. the files it ships in `services/<service>/rules/*.yaml`;
2. the files the bureaus above (its city, its province) published to it, one file per bureau,
   kept in the service's database (`published_rules`) and taken from the events that carry them;
3. the deployment's own, from `$ANJIAN_RULES_DIR/<service>/*.yaml`.

The shipped and the deployment's files are read once at start-up: a file that is wrong stops the
service before it takes any request, since a platform applying half a rule set would compute
figures nobody can defend. A published file is checked with the same loader before it is kept; a
broken one is refused (its event parked with the loader's message) and changes nothing. Every copy
of the service watches a version number beside the published files and loads them again when it
moves, without a restart.
"""

import logging
from importlib import resources
from pathlib import Path

import eventlet
from marshmallow import Schema, fields, validate
from nameko.extensions import DependencyProvider

from services.kit.config import Settings
from services.kit.copies import keep_newest
from services.kit.mongo import store_of
from services.kit.pure import regions
from services.kit.pure.envelope import Published, make_event, sending_down
from services.kit.pure.errors import InvalidInput
from services.kit.pure.rules import RulesError, RuleSet
from services.kit.pure.schemas import StrictSchema, load
from services.kit.runtime import rpc

log = logging.getLogger(__name__)

# How often each copy looks at the version of the published files: a read of one small document.
PUBLISHED_CHECK_SECONDS = 2
RULE_SET, PUBLISHED = "rule_set", "published"
VERSION = "published"
# A rules file as large as the largest shipped one, many times over.
MAX_FILE_CHARS = 512 * 1024


class RuleFileSchema(StrictSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the file's name, as errors and the rules' origins cite it"},
    )
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_FILE_CHARS),
        metadata={"description": "the YAML, in the format of services/kit/pure/rules.py"},
    )


class RuleSetPublishedSchema(Schema):
    name = fields.String(required=True)
    text = fields.String(required=True)


def rule_set_published(service):
    """The row of `service`'s events.py for the rules files it publishes downward."""
    return Published.of(
        service,
        RULE_SET,
        PUBLISHED,
        RuleSetPublishedSchema,
        "A bureau published a rules file to the deployments below it, which replaces the one it "
        "published before.",
    )


def _declared_files(service, package=None):
    package = package or f"services.{service}"
    try:
        folder = resources.files(package).joinpath("rules")
    except ModuleNotFoundError:  # a service outside the services package declares no rules
        return []
    if not folder.is_dir():
        return []
    where = package.replace(".", "/")
    return [
        (f"{where}/rules/{entry.name}", entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda entry: entry.name)
        if entry.name.endswith((".yaml", ".yml"))
    ]


def _deployment_files(rules_dir, service):
    if not rules_dir:
        return []
    folder = Path(rules_dir) / service
    return [(str(path), path.read_text("utf-8")) for path in sorted(folder.glob("*.y*ml"))]


def load_rules(service, rules_dir="", checks=None, package=None, published=()):
    """`service`'s rules: those its package ships (services.<service> unless named), then the
    files `published` by the bureaus above ([(region, [(name, text)])], the farthest first),
    then the deployment's."""
    return RuleSet.from_files(
        _declared_files(service, package),
        _deployment_files(rules_dir, service),
        checks,
        published,
    )


class PublishedRuleSets:
    """The rules files the bureaus above published to a service, the newest per bureau, and the
    version number every copy of the service watches; kept in the store's database."""

    def __init__(self, store):
        self.store = store
        self.files = store.db.published_rules
        self.versions = store.db.published_rules_version

    def tiers(self, replacing=None):
        """[(region, [(name, text)])], the farthest bureau first; `replacing` (region, name,
        text) stands in for what that bureau published before."""
        by_region = {
            kept["_id"]: (kept["name"], kept["text"])
            for kept in self.files.find({}, {"name": 1, "text": 1})
        }
        if replacing:
            region, name, text = replacing
            by_region[region] = (name, text)
        return [
            (region, [by_region[region]])
            for region in sorted(by_region, key=lambda code: len(regions.scope_prefix(code)))
        ]

    def version(self):
        found = self.versions.find_one({"_id": VERSION})
        return found and found["version"]

    def keep(self, region, name, text, when):
        """The bureau's file, unless a newer one of it is kept; then every copy reloads."""
        keep_newest(
            self.files, [(region, {"name": name, "text": text}, when)], order="published_at"
        )
        self.versions.update_one({"_id": VERSION}, {"$inc": {"version": 1}}, upsert=True)

    def record_publication(self, publication, event):
        """This deployment's publication, with its event in the outbox."""
        self.store.save(self.store.db.rule_set_publications, None, publication, [event])


class Rules(DependencyProvider):
    """Injects the service's RuleSet; `checks` maps an id prefix to a value check."""

    def __init__(self, checks=None):
        self.checks = checks
        self.rule_set = None

    def setup(self):
        settings = Settings.from_nameko(self.container.config)
        self.service = self.container.service_name
        self.rules_dir = settings.rules_dir
        self._apply(())

    def start(self):
        store = store_of(self.container)
        # Only a service that takes rules from the bureaus above has any to read or watch.
        if store is None or not issubclass(self.container.service_cls, RuleSetPublishing):
            return
        self.published = PublishedRuleSets(store)
        self.version = self.published.version()
        tiers = self.published.tiers()
        if tiers:
            # Kept files that no longer load beside this release's stop it, as a broken file does.
            self._apply(tiers)
        self.container.spawn_managed_thread(self._watch)

    def _apply(self, tiers):
        self.rule_set = load_rules(self.service, self.rules_dir, self.checks, published=tiers)
        described = self.rule_set.describe()
        log.info(
            "%s applies rule set %s: %d rules, %d published from above (%s), %d from the "
            "deployment (%s)",
            self.service,
            self.rule_set.fingerprint,
            len(described["rules"]),
            described["published"],
            ", ".join(region for region, _ in tiers) or "none",
            described["local"],
            self.rules_dir or "no ANJIAN_RULES_DIR",
        )

    def _watch(self):
        while True:
            eventlet.sleep(PUBLISHED_CHECK_SECONDS)
            try:
                version = self.published.version()
                if version != self.version:
                    self.version = version
                    self._apply(self.published.tiers())
            except Exception:  # the database away, say: the rules in force stay, and it looks again
                log.exception("%s: could not load the rules published from above", self.service)

    def get_dependency(self, worker_ctx):
        return self.rule_set


class RuleSetPublishing:
    """Mixin for a service that takes rules files from the bureaus above: `publish_rule_set`
    sends one down from this deployment, and the service's handler of `rule_set_published`
    events calls `take_rule_set`."""

    def _rule_set_with(self, published, region, name, text):
        """The rule set this deployment would apply with `region`'s file replaced: RulesError,
        naming file, line and rule, if it would not load."""
        return load_rules(
            self.name,
            self.store.settings.rules_dir,
            type(self).rules.checks,
            published=published.tiers((region, name, text)),
        )

    @rpc
    def publish_rule_set(self, payload):
        """A rules file for this service in every deployment below this one (administrators);
        it replaces the file this deployment published before."""
        actor = self.caller()
        actor.require_role("admin")
        fields = load(RuleFileSchema(), payload)
        region, now = self.store.settings.deployment().region, self.clock.now()
        published = PublishedRuleSets(self.store)
        try:
            rule_set = self._rule_set_with(published, region, fields["name"], fields["text"])
        except RulesError as error:
            raise InvalidInput(str(error), {"text": [str(error)]}) from None
        event = sending_down(
            make_event(
                service=self.name,
                entity=RULE_SET,
                verb=PUBLISHED,
                subject=fields["name"],
                data=fields,
                region_code=region,
                now=now,
            )
        )
        published.record_publication(
            {
                "_id": event["id"],
                **fields,
                "region_code": region,
                "published_at": now,
                "published_by": actor.user_id,
            },
            event,
        )
        return {
            "service": self.name,
            "name": fields["name"],
            "published_by": region,
            "event_id": event["id"],
            "fingerprint": rule_set.fingerprint,
        }

    def take_rule_set(self, event):
        """Keep a bureau's file if the rules load with it; a RulesError leaves everything as it
        was, and the event is parked with the loader's message."""
        data, region = event["data"], event["regioncode"]
        published = PublishedRuleSets(self.store)
        self._rule_set_with(published, region, data["name"], data["text"])
        published.keep(region, data["name"], data["text"], event["time"])
