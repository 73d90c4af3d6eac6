"""Hidden-hazard catalogue: the national major-hazard items, and a deployment's general checklist.

Both are rules (services/inspection/rules/*.yaml, format in services/kit/pure/rules.py), so each
item carries its legal source, its effective dates and what its text was checked against:
《工贸企业重大事故隐患判定标准》 (应急管理部令第10号, in force 2023-05-15), 64 items in Arts. 3–13.
An item whose text is unverified must be checked against the official text (《国务院公报》2023年
第19号) before anyone relies on its wording; the API shows the flag with the item.

The catalogue of a day is the set of rules in force that day, so a hazard found in 2024 is graded
by the items in force in 2024. The general checklist is not regulation: it is a default a
deployment overrides or extends with its own rules.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.kit.pure.errors import InvalidInput
from services.kit.pure.rules import Rule, RuleSet
from services.kit.pure.vocabulary import INDUSTRIES, RISK_FEATURES

ITEMS = "inspection.major_hazard."
CHECKS = "inspection.general_check."
FAILED_DEVICE = "inspection.major_hazard_scope.failed_device"
EXCLUSIONS = "inspection.major_hazard_scope.exclusions"
ITEM_RULE = re.compile(r"^inspection\.major_hazard\.art(\d+)_item(\d+)$")
# The risk features that have their own articles (11–13) in the standard.
RISK_SCOPES = ("dust_explosion", "ammonia_refrigeration", "confined_space")
ITEM_SCOPES = ("general", "industry") + RISK_SCOPES
# A local checklist may target any risk feature the registry records, not only those with articles.
CHECK_SCOPES = ("general", "industry") + RISK_FEATURES
MAJOR, GENERAL = "major", "general"


def _described(rule: Rule) -> dict[str, Any]:
    """What every catalogue entry says about where it comes from."""
    return {
        "rule": rule.reference(),
        "source": rule.source.cite(),
        "url": rule.source.url,
        "effective_on": rule.effective_from.isoformat(),
        "checked_against": rule.checked_against,
        "note": rule.note,
    }


@dataclass(frozen=True)
class CatalogueItem:
    rule: Rule

    @property
    def id(self) -> str:
        """The standard's own numbering, e.g. MEM10-11-3 for Art. 11 item (三)."""
        return f"MEM10-{self.article}-{self.item}"

    @property
    def article(self) -> int:
        return int(self.rule.value["article"])

    @property
    def item(self) -> int:
        return int(self.rule.value["item"])

    @property
    def scope(self) -> str:
        return str(self.rule.value["scope"])

    @property
    def industry(self) -> str | None:
        return self.rule.value.get("industry")

    @property
    def risk_features(self) -> tuple[str, ...]:
        return tuple(self.rule.value.get("risk_features") or ())

    @property
    def names_device(self) -> bool:
        """Names a monitoring, alarm, protection or interlock device (Art. 14 applies)."""
        return bool(self.rule.value.get("names_device"))

    @property
    def text(self) -> str:
        return str(self.rule.value.get("text") or "")

    def applies(self, industry: str, features: set[str]) -> bool:
        return (
            _applies(self.scope, self.industry, industry, features)
            and set(self.risk_features) <= features
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "standard": "应急管理部令第10号",
            "article": self.article,
            "item": self.item,
            "scope": self.scope,
            "industry": self.industry,
            "risk_features": list(self.risk_features),
            "conditions": self.rule.value.get("conditions") or "",
            "names_device": self.names_device,
            "text": self.text,
            **_described(self.rule),
        }


@dataclass(frozen=True)
class ChecklistEntry:
    rule: Rule

    @property
    def id(self) -> str:
        return str(self.rule.value["code"])

    def applies(self, industry: str, features: set[str]) -> bool:
        return _applies(
            self.rule.value["scope"], self.rule.value.get("industry"), industry, features
        )

    def to_dict(self) -> dict[str, Any]:
        value = self.rule.value
        return {
            "id": self.id,
            "topic": value["topic"],
            "text": value["text"],
            "scope": value["scope"],
            "industry": value.get("industry"),
            **_described(self.rule),
        }


def _applies(scope: str, entry_industry: str | None, industry: str, features: set[str]) -> bool:
    if scope == "general":
        return True
    if scope == "industry":
        return entry_industry == industry
    return scope in features


def _scope_problem(value: dict[str, Any], scopes: tuple[str, ...]) -> str | None:
    if value.get("scope") not in scopes:
        return f"scope must be one of {', '.join(scopes)}"
    if value["scope"] == "industry" and value.get("industry") not in INDUSTRIES:
        return "an industry entry names one of the registry's industries"
    if value["scope"] != "industry" and value.get("industry") is not None:
        return "only an industry entry names an industry"
    return None


def item_problem(rule: Rule) -> str | None:
    """What is wrong with a major-hazard item's value, or None (checked at start-up)."""
    value, matched = rule.value, ITEM_RULE.match(rule.id)
    if not matched or not isinstance(value, dict):
        return "an item's id reads inspection.major_hazard.art<N>_item<M>, its value a mapping"
    if (value.get("article"), value.get("item")) != (int(matched[1]), int(matched[2])):
        return "article and item must match the id"
    if not isinstance(value.get("text"), str) or not isinstance(value.get("names_device"), bool):
        return "an item has its text and says whether it names a device (names_device)"
    unknown = set(value.get("risk_features") or ()) - set(RISK_FEATURES)
    if unknown:
        return f"unknown risk features {', '.join(sorted(unknown))}"
    return _scope_problem(value, ITEM_SCOPES)


def check_problem(rule: Rule) -> str | None:
    value = rule.value
    if not isinstance(value, dict) or not all(
        isinstance(value.get(name), str) for name in ("code", "topic", "text")
    ):
        return "a check has a code, a topic and a text"
    return _scope_problem(value, CHECK_SCOPES)


# The value checks the inspection service's rule set is loaded with.
RULE_CHECKS = {ITEMS: item_problem, CHECKS: check_problem}


def _check_enterprise(industry: str, risk_features: Iterable[str]) -> None:
    if industry not in INDUSTRIES:
        raise InvalidInput(
            f"{industry} is not a registry industry", {"industry": ["unknown industry"]}
        )
    unknown = sorted(set(risk_features) - set(RISK_FEATURES))
    if unknown:
        raise InvalidInput("unknown risk features", {"risk_features": unknown})


class Catalogue:
    """The items and checks in force on one day, and the grading rules that read them."""

    def __init__(self, rules: RuleSet, on: date) -> None:
        self.on = on
        self.items = tuple(
            sorted(
                (CatalogueItem(rule) for rule in rules.in_force(ITEMS, on)),
                key=lambda item: (item.article, item.item),
            )
        )
        self.checks = tuple(ChecklistEntry(rule) for rule in rules.in_force(CHECKS, on))
        self._failed_device = rules.rule(FAILED_DEVICE, on)
        self._exclusions = rules.rule(EXCLUSIONS, on)
        self._by_id = {item.id: item for item in self.items}

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "major_hazard_items": [item.to_dict() for item in self.items],
            "general_checks": [check.to_dict() for check in self.checks],
            "failed_device_rule": {
                "text": self._failed_device.value["text"],
                **_described(self._failed_device),
            },
            "exclusions": {**self._exclusions.value, **_described(self._exclusions)},
        }

    def item(self, item_id: str) -> CatalogueItem | None:
        return self._by_id.get(item_id)

    def ids(self) -> set[str]:
        """The ids of every item and check, as a campaign names those it focuses on."""
        return {item.id for item in self.items} | {check.id for check in self.checks}

    def rule_of(self, item_id: str | None) -> dict[str, Any] | None:
        item = self.item(item_id) if item_id else None
        return item.rule.reference() if item else None

    def applicable(self, industry: str, risk_features: Iterable[str]) -> list[CatalogueItem]:
        """The major-hazard items an enterprise must be checked against, in catalogue order."""
        _check_enterprise(industry, risk_features)
        features = set(risk_features)
        return [item for item in self.items if item.applies(industry, features)]

    def checklist(self, industry: str, risk_features: Iterable[str]) -> dict[str, Any]:
        """The enterprise's inspection checklist as plain data, ready for the API."""
        features = set(risk_features)
        return {
            "major_hazard_items": [item.to_dict() for item in self.applicable(industry, features)],
            "general_checks": [
                check.to_dict() for check in self.checks if check.applies(industry, features)
            ],
        }

    def grade_for(self, item_id: str | None = None, failed_device: bool = False) -> str:
        """A hazard matching a catalogue item is major (令第10号 Arts. 3–13).

        Art. 14: a monitoring, alarm or protection device named in an item that has failed or
        does not work (失效或者无效) is itself major — so a failed device grades only together
        with the item that names it, never on the bare flag.
        """
        if item_id is None:
            if failed_device:
                raise InvalidInput(
                    "a failed device is major only under the catalogue item that names it "
                    "(令第10号 Art. 14): name the item",
                    {"catalogue_item": ["required"]},
                )
            return GENERAL
        item = self.item(item_id)
        if item is None:
            raise InvalidInput(
                f"{item_id} is not in the hazard catalogue in force",
                {"catalogue_item": ["unknown item"]},
            )
        if failed_device and not item.names_device:
            raise InvalidInput(
                f"{item_id} names no monitoring, alarm or protection device (令第10号 Art. 14)",
                {"failed_device": ["not for this item"]},
            )
        return MAJOR


@functools.lru_cache(maxsize=16)
def in_force(rules: RuleSet, on: date) -> Catalogue:
    """The catalogue of a day. A rule set never changes: one published from above is a new one."""
    return Catalogue(rules, on)
