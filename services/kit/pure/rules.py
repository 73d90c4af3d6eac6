"""Regulatory rules as dated, sourced data: parameters and catalogue items that a bureau's legal
staff can check against the text of the law, and that a deployment can override without a code
change.

A rules file is YAML with two lists. `rules:` declares rules; `overrides:` (only in a
deployment's own files, or in those a bureau above publishes to it) replaces a declared rule from a
date on. Every entry reads:

    - id: inspection.escalation.interval_days       # lower case, dotted: <service>.<topic>.<name>
      version: 1                                     # bumped whenever the value changes
      value: 7                                       # any YAML value; the service checks its shape
      source: {document: 安全生产法, article: "第112条", item: "", url: ""}
      effective_from: 2021-09-01
      effective_to: 2025-12-31                       # optional: the day before a successor applies
      checked_against: reprint                       # official | reprint | unverified
      title: 按日连续处罚                             # optional, shown to people
      note: ...                                      # optional

The rule in force on the date of a fact applies, not the one in force today: `value(id, on)`.
A file that breaks any of this stops the service at start-up with the file, line and rule named.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

CHECKED_AGAINST = ("official", "reprint", "unverified")
REQUIRED = ("id", "version", "value", "source", "effective_from", "checked_against")
OPTIONAL = ("effective_to", "title", "note")
SOURCE_FIELDS = ("document", "article", "item", "url")
RULE_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_LINE = "__line__"


class RulesError(ValueError):
    """A rules file the service must not start with; the message names file, line and rule."""


@dataclass(frozen=True)
class Source:
    document: str
    article: str = ""
    item: str = ""
    url: str = ""

    def cite(self) -> str:
        return " ".join(part for part in (self.document, self.article, self.item) if part)


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    value: Any
    source: Source
    effective_from: date
    checked_against: str
    origin: str
    effective_to: date | None = None
    title: str = ""
    note: str = ""
    local: bool = False
    # The division code of the bureau above that published the rule, if one did.
    published_by: str = ""

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def overlaps(self, other: Rule) -> bool:
        return self.effective_from <= (other.effective_to or date.max) and other.effective_from <= (
            self.effective_to or date.max
        )

    def reference(self) -> dict[str, Any]:
        """What an answer that applied this rule names: enough to find the exact text used."""
        return {"id": self.id, "version": self.version}

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "value": self.value,
            "source": {**vars(self.source), "citation": self.source.cite()},
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to and self.effective_to.isoformat(),
            "checked_against": self.checked_against,
            "local": self.local,
            "published_by": self.published_by or None,
            "note": self.note,
        }


class _LineLoader(yaml.SafeLoader):
    """Keeps each mapping's line, so an error can point at the rule in the file. Dates stay text
    until a rule reads them, so a malformed one is reported with its rule, not as a crash."""

    yaml_implicit_resolvers = {
        first: [
            (tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE] = node.start_mark.line + 1
        return mapping


def parse(text: str, origin: str) -> dict[str, list[dict[str, Any]]]:
    """The `rules` and `overrides` lists of one file, each entry carrying its line."""
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RulesError(f"{origin}{line}: not valid YAML ({error})") from None
    if document is None:
        return {"rules": [], "overrides": []}
    if not isinstance(document, dict):
        raise RulesError(f"{origin}:1: a rules file is a mapping with `rules` and `overrides`")
    line = document.pop(_LINE)
    unknown = sorted(set(document) - {"rules", "overrides"})
    if unknown:
        raise RulesError(f"{origin}:{line}: unknown top-level field(s) {', '.join(unknown)}")
    lists = {}
    for key in ("rules", "overrides"):
        entries = document.get(key) or []
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise RulesError(f"{origin}:{line}: `{key}` must be a list of rule entries")
        lists[key] = entries
    return lists


def _plain(value: Any) -> Any:
    """A value without the line marks the loader added."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if key != _LINE}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _day(entry: Mapping[str, Any], name: str, where: str) -> date | None:
    value = entry.get(name)
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RulesError(f"{where}: {name} {value!r} is not a date (YYYY-MM-DD)")


def _source(value: Any, where: str) -> Source:
    if isinstance(value, str) and value.strip():
        return Source(document=value.strip())
    if not isinstance(value, dict):
        raise RulesError(f"{where}: source must name at least the document")
    fields = _plain(value)
    unknown = sorted(set(fields) - set(SOURCE_FIELDS))
    if unknown:
        raise RulesError(f"{where}: unknown source field(s) {', '.join(unknown)}")
    if not isinstance(fields.get("document"), str) or not fields["document"].strip():
        raise RulesError(f"{where}: source must name at least the document")
    return Source(**{name: str(fields.get(name) or "") for name in SOURCE_FIELDS})


def rule_from(
    entry: dict[str, Any], origin: str, local: bool = False, published_by: str = ""
) -> Rule:
    line = entry.get(_LINE, 1)
    identifier = entry.get("id")
    where = f"{origin}:{line}: rule {identifier or '(no id)'}"
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL) - {_LINE})
    if unknown:
        raise RulesError(f"{where}: unknown field(s) {', '.join(unknown)}")
    missing = [name for name in REQUIRED if entry.get(name) is None]
    if missing:
        raise RulesError(f"{where}: missing {', '.join(missing)}")
    if not isinstance(identifier, str) or not RULE_ID.match(identifier):
        raise RulesError(f"{where}: id must be dotted lower-case words")
    version = entry["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RulesError(f"{where}: version must be a whole number from 1")
    if entry["checked_against"] not in CHECKED_AGAINST:
        raise RulesError(f"{where}: checked_against must be one of {', '.join(CHECKED_AGAINST)}")
    start, end = _day(entry, "effective_from", where), _day(entry, "effective_to", where)
    assert start is not None  # required above
    if end is not None and end < start:
        raise RulesError(f"{where}: effective_to is before effective_from")
    return Rule(
        id=identifier,
        version=version,
        value=_plain(entry["value"]),
        source=_source(entry["source"], where),
        effective_from=start,
        effective_to=end,
        checked_against=entry["checked_against"],
        origin=f"{origin}:{line}",
        title=str(entry.get("title") or ""),
        note=str(entry.get("note") or ""),
        local=local,
        published_by=published_by,
    )


def _refuse_overlaps(rules: Iterable[Rule]) -> None:
    seen: dict[str, list[Rule]] = {}
    for rule in rules:
        for earlier in seen.get(rule.id, []):
            if rule.overlaps(earlier):
                raise RulesError(
                    f"{rule.origin}: rule {rule.id}: its effective period overlaps "
                    f"the one declared at {earlier.origin}"
                )
        seen.setdefault(rule.id, []).append(rule)


ValueCheck = Callable[[Rule], "str | None"]


def _tier(
    files: Iterable[tuple[str, str]],
    known: set[str],
    base: list[Rule],
    local: bool = False,
    published_by: str = "",
) -> list[Rule]:
    """The overrides of one tier above the declared rules; the new rules it declares join `base`
    (and `known`), where a higher tier may override them in turn."""
    replaced: list[Rule] = []
    added: list[Rule] = []
    for origin, text in files:
        lists = parse(text, origin)
        for entry in lists["rules"]:
            rule = rule_from(entry, origin, local, published_by)
            if rule.id in known:
                raise RulesError(
                    f"{rule.origin}: rule {rule.id} exists already; list it "
                    f"under `overrides` to replace it"
                )
            added.append(rule)
        for entry in lists["overrides"]:
            rule = rule_from(entry, origin, local, published_by)
            if rule.id not in known:
                raise RulesError(
                    f"{rule.origin}: rule {rule.id}: overrides a rule that does not exist"
                )
            replaced.append(rule)
    _refuse_overlaps(replaced)
    base += added
    known |= {rule.id for rule in added}
    return replaced


class RuleSet:
    """Every rule a service applies, with the overrides of the tiers above laid over the declared
    ones: the files the bureaus above published (the farthest first), then the deployment's own.

    An override of a rule applies from its own effective_from on; before that date, and for any
    date it does not cover, the tier below (at last the declared rule) still applies.
    """

    def __init__(self, declared: list[Rule], overrides: list[Rule], *published: list[Rule]):
        """`overrides` are the deployment's own; `published`, one list per bureau above, the
        nearest first."""
        self._declared: dict[str, list[Rule]] = {}
        for rule in declared:
            self._declared.setdefault(rule.id, []).append(rule)
        # Highest precedence first.
        self._layers: list[dict[str, list[Rule]]] = []
        for layer in (overrides, *published):
            by_id: dict[str, list[Rule]] = {}
            for rule in layer:
                by_id.setdefault(rule.id, []).append(rule)
            self._layers.append(by_id)
        canonical = json.dumps(
            [rule.describe() | {"origin": rule.origin} for rule in self.rules()],
            sort_keys=True,
            ensure_ascii=False,
        )
        # Names the exact rule set a process runs: logged at start-up and shown with the rules.
        self.fingerprint = hashlib.sha256(canonical.encode()).hexdigest()[:12]

    @classmethod
    def from_files(
        cls,
        declared: Iterable[tuple[str, str]],
        overrides: Iterable[tuple[str, str]] = (),
        checks: Mapping[str, ValueCheck] | None = None,
        published: Iterable[tuple[str, Iterable[tuple[str, str]]]] = (),
    ) -> RuleSet:
        """(origin, text) pairs: the service's own files, then a deployment's. `published` pairs
        the division code of each bureau above with the files it published, the farthest bureau
        first; each tier may add rules and override those of the tiers below it. `checks` maps an
        id prefix to a function that returns what is wrong with a rule's value, or None."""
        base: list[Rule] = []
        for origin, text in declared:
            lists = parse(text, origin)
            if lists["overrides"]:
                raise RulesError(f"{origin}: only a deployment's rules directory may override")
            base += [rule_from(entry, origin) for entry in lists["rules"]]
        _refuse_overlaps(base)
        known = {rule.id for rule in base}
        tiers = [_tier(files, known, base, published_by=region) for region, files in published]
        tiers.append(_tier(overrides, known, base, local=True))
        _refuse_overlaps(base)
        for rule in base + [rule for tier in tiers for rule in tier]:
            for prefix, check in (checks or {}).items():
                if rule.id.startswith(prefix):
                    problem = check(rule)
                    if problem:
                        raise RulesError(f"{rule.origin}: rule {rule.id}: {problem}")
        return cls(base, *reversed(tiers))

    def rules(self) -> list[Rule]:
        return sorted(
            (
                rule
                for by_id in (self._declared, *self._layers)
                for rules in by_id.values()
                for rule in rules
            ),
            key=lambda rule: (rule.id, rule.effective_from),
        )

    def rule(self, identifier: str, on: date) -> Rule:
        """The rule in force on `on`: an override of the highest tier that covers the day before
        the declared rule."""
        if identifier not in self._declared:
            raise KeyError(f"no rule {identifier}")
        tiers = [by_id.get(identifier, []) for by_id in self._layers]
        for candidates in (*tiers, self._declared[identifier]):
            for rule in candidates:
                if rule.covers(on):
                    return rule
        raise LookupError(f"no version of rule {identifier} is in force on {on.isoformat()}")

    def value(self, identifier: str, on: date) -> Any:
        return self.rule(identifier, on).value

    def in_force(self, prefix: str, on: date) -> list[Rule]:
        """Every rule under `prefix` (a catalogue, say) in force on `on`, in id order."""
        chosen = []
        for identifier in sorted(self._declared):
            if identifier.startswith(prefix):
                try:
                    chosen.append(self.rule(identifier, on))
                except LookupError:
                    continue
        return chosen

    def describe(self) -> dict[str, Any]:
        rules = self.rules()
        return {
            "fingerprint": self.fingerprint,
            "rules": [rule.describe() for rule in rules],
            "local": sum(rule.local for rule in rules),
            "published": sum(bool(rule.published_by) for rule in rules),
            "unverified": sorted({rule.id for rule in rules if rule.checked_against != "official"}),
        }


def checked(condition: Callable[[Any], bool], message: str) -> ValueCheck:
    """A value check from a predicate: `checked(lambda v: v > 0, "must be positive")`."""
    return lambda rule: None if condition(rule.value) else message
