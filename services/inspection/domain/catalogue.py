"""Hidden-hazard catalogue: the national major-hazard items, and a deployment's general checklist.

The items are data, in services/inspection/rules/hazard_catalogue.json (in Catalogue.to_dict's
form): 《工贸企业重大事故隐患判定标准》 (应急管理部令第10号, in force 2023-05-15). Each item names its
standard and effective date, and says whether its text was confirmed against a published copy
(`verified`) and where (`source`); the rest is best knowledge, marked unverified and
"unconfirmed", and must be checked against the official text before anyone relies on its wording.
A `note` says where a published copy breaks off. Item texts leave out the list number and the
closing punctuation; copies published in traditional characters are given in the simplified form
of the official text. The sources are reprints of the order's text, none of them the official
publication: a reviewer checks against the ministry's own page or 《国务院公报》.

Articles 4–10 are seeded only as far as their text could be sourced. The general checklist is not
regulation: it is a default that a deployment replaces with its own (see `Catalogue.from_dict`).
"""
import json
from dataclasses import asdict, dataclass
from datetime import date
from importlib import resources
from collections.abc import Iterable, Sequence
from typing import Any

from services.kit.pure.errors import InvalidInput
from services.kit.pure.vocabulary import INDUSTRIES, RISK_FEATURES

DATA = ("services.inspection", "rules/hazard_catalogue.json")
UNCONFIRMED = "unconfirmed"
# The risk features that have their own articles (11–13) in the standard.
RISK_SCOPES = ("dust_explosion", "ammonia_refrigeration", "confined_space")
ITEM_SCOPES = ("general", "industry") + RISK_SCOPES
# A local checklist may target any risk feature the registry records, not only those with articles.
CHECK_SCOPES = ("general", "industry") + RISK_FEATURES
MAJOR, GENERAL = "major", "general"
# A reviewer's remark on an item's data, kept in the data file but not part of the item.
NOTE = "note"


@dataclass(frozen=True)
class CatalogueItem:
    id: str
    standard: str
    article: int
    item: int
    scope: str
    industry: str | None
    text: str
    effective_on: date
    verified: bool
    names_device: bool  # names a monitoring, alarm, protection or interlock device (Art. 14)
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "effective_on": self.effective_on.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CatalogueItem":
        fields = {key: value for key, value in data.items() if key != NOTE}
        return cls(**{**fields, "effective_on": date.fromisoformat(data["effective_on"])})


@dataclass(frozen=True)
class ChecklistEntry:
    id: str
    topic: str
    text: str
    scope: str
    industry: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChecklistEntry":
        return cls(**data)


def _data() -> dict[str, Any]:
    package, path = DATA
    loaded: dict[str, Any] = json.loads(
        resources.files(package).joinpath(path).read_text(encoding="utf-8"))
    return loaded


_SEED = _data()
MAJOR_HAZARD_ITEMS = tuple(CatalogueItem.from_dict(item) for item in _SEED["major_hazard_items"])
# Art. 14: a failed monitoring, alarm or protection device an item names is itself major.
FAILED_DEVICE_RULE: dict[str, Any] = _SEED["failed_device_rule"]
# Deployment-configurable defaults, not regulation: what a county inspector typically checks beyond
# the major-hazard items. A deployment replaces them through Catalogue.from_dict.
GENERAL_CHECKS = tuple(ChecklistEntry.from_dict(check) for check in _SEED["general_checks"])


def _applies(entry: CatalogueItem | ChecklistEntry, industry: str, features: set[str]) -> bool:
    if entry.scope == "general":
        return True
    if entry.scope == "industry":
        return entry.industry == industry
    return entry.scope in features


def _entry_problems(entries: Iterable[CatalogueItem | ChecklistEntry],
                    scopes: tuple[str, ...]) -> list[str]:
    """Duplicate ids, and scopes or industries outside the registry's vocabulary."""
    problems = []
    seen = set()
    for entry in entries:
        if entry.id in seen:
            problems.append(f"{entry.id}: duplicate id")
        seen.add(entry.id)
        if entry.scope not in scopes:
            problems.append(f"{entry.id}: unknown scope {entry.scope}")
        elif entry.scope == "industry" and entry.industry not in INDUSTRIES:
            problems.append(f"{entry.id}: an industry entry needs one of the registry industries")
        elif entry.scope != "industry" and entry.industry is not None:
            problems.append(f"{entry.id}: only an industry entry names an industry")
    return problems


def _item_problems(items: Iterable[CatalogueItem]) -> list[str]:
    """Entry problems, plus verification flags that are not booleans or lack a source."""
    problems = _entry_problems(items, ITEM_SCOPES)
    for item in items:
        if not isinstance(item.verified, bool) or not isinstance(item.names_device, bool):
            problems.append(f"{item.id}: verified and names_device must be true or false")
        elif item.verified and (not item.source or item.source == UNCONFIRMED):
            problems.append(f"{item.id}: a verified item needs its source")
    return problems


def _refuse(problems: list[str], field: str) -> None:
    if problems:
        raise InvalidInput("the hazard catalogue is inconsistent", {field: problems})


def _check_enterprise(industry: str, risk_features: Iterable[str]) -> None:
    if industry not in INDUSTRIES:
        raise InvalidInput(f"{industry} is not a registry industry",
                           {"industry": ["unknown industry"]})
    unknown = sorted(set(risk_features) - set(RISK_FEATURES))
    if unknown:
        raise InvalidInput("unknown risk features", {"risk_features": unknown})


class Catalogue:
    """The items and checks one deployment uses, and the grading rules that read them."""

    def __init__(self, items: Sequence[CatalogueItem] = MAJOR_HAZARD_ITEMS,
                 checks: Sequence[ChecklistEntry] = GENERAL_CHECKS) -> None:
        _refuse(_item_problems(items), "major_hazard_items")
        _refuse(_entry_problems(checks, CHECK_SCOPES), "general_checks")
        self.items = tuple(items)
        self.checks = tuple(checks)
        self._by_id = {item.id: item for item in self.items}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Catalogue":
        """A deployment's catalogue, e.g. loaded from JSON; dates are ISO strings.

        The failed-device rule is regulation, not configuration, so it is not read back.
        """
        try:
            items = [CatalogueItem.from_dict(item) for item in data["major_hazard_items"]]
            checks = [ChecklistEntry.from_dict(check) for check in data["general_checks"]]
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput(f"the hazard catalogue cannot be read: {error!r}",
                               {"catalogue": ["malformed"]}) from error
        return cls(items, checks)

    def to_dict(self) -> dict[str, Any]:
        return {"major_hazard_items": [item.to_dict() for item in self.items],
                "general_checks": [check.to_dict() for check in self.checks],
                "failed_device_rule": dict(FAILED_DEVICE_RULE)}

    def item(self, item_id: str) -> CatalogueItem | None:
        return self._by_id.get(item_id)

    def applicable(self, industry: str, risk_features: Iterable[str],
                   on: date | None = None) -> list[CatalogueItem]:
        """The major-hazard items an enterprise must be checked against, in catalogue order."""
        _check_enterprise(industry, risk_features)
        features = set(risk_features)
        return [item for item in self.items
                if _applies(item, industry, features) and (on is None or item.effective_on <= on)]

    def checklist(self, industry: str, risk_features: Iterable[str],
                  on: date | None = None) -> dict[str, Any]:
        """The enterprise's inspection checklist as plain data, ready for the API."""
        features = set(risk_features)
        return {"major_hazard_items": [item.to_dict()
                                       for item in self.applicable(industry, features, on)],
                "general_checks": [check.to_dict() for check in self.checks
                                   if _applies(check, industry, features)]}

    def grade_for(self, item_id: str | None = None, failed_device: bool = False) -> str:
        """A hazard matching a catalogue item is major; so is a failed device an item names.

        Art. 14: a monitoring, alarm or protection device named in any item that has failed or does
        not work (失效或者无效) is itself a major hazard.
        """
        if item_id is not None:
            if self.item(item_id) is None:
                raise InvalidInput(f"{item_id} is not in the hazard catalogue",
                                   {"catalogue_item": ["unknown item"]})
            return MAJOR
        return MAJOR if failed_device else GENERAL
