"""What one deployment runs: its level, its region and its services.

A county, city or province bureau runs its own deployment with the services it needs
(`ANJIAN_LEVEL`, `ANJIAN_REGION`, `ANJIAN_SERVICES`). Without a level the deployment is the
single all-in-one platform: every service, nationwide. A profile that names an unknown level or
service, a region that does not exist, or a region of another level is refused with a message
saying which setting is wrong, so a deployment never starts half-configured.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from services.kit.pure import regions

LEVELS = ("county", "city", "province")
# How long the code prefix of a bureau's jurisdiction is at each level (see regions.scope_prefix).
PREFIX_LENGTH = {"county": 6, "city": 4, "province": 2}
LEVEL_NAMES = {"county": "county-level", "city": "prefecture-level", "province": "province-level"}


class ProfileError(ValueError):
    """The deployment's settings name something that does not exist or does not fit."""


class Offer(Protocol):
    """A service a deployment may run (an entry of services.SERVICES): its name, the levels that
    run it unless told otherwise, and whether every deployment needs it."""

    @property
    def name(self) -> str: ...

    @property
    def levels(self) -> tuple[str, ...]: ...

    @property
    def required(self) -> bool: ...


@dataclass(frozen=True)
class Profile:
    level: str
    region: str
    services: tuple[str, ...]
    # Every service of the platform, deployed here or not, in the list's order.
    platform: tuple[str, ...]

    def runs(self, service: str) -> bool:
        return service in self.services

    @property
    def not_deployed(self) -> tuple[str, ...]:
        return tuple(name for name in self.platform if name not in self.services)

    def describe(self) -> dict[str, object]:
        return {
            "level": self.level or "all-in-one",
            "region": self.region,
            "services": list(self.services),
            "not_deployed": list(self.not_deployed),
        }


def parse_names(text: str) -> list[str]:
    """`a, b,c` as ['a', 'b', 'c']; blanks and repeats dropped."""
    names: list[str] = []
    for part in text.split(","):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


def profile(level: str, region: str, services: str, offers: Sequence[Offer]) -> Profile:
    """The profile of the settings `level`, `region` and `services` (comma-separated) over the
    platform's `offers`, or ProfileError saying what is wrong."""
    known = [offer.name for offer in offers]
    if level and level not in LEVELS:
        raise ProfileError(
            f"ANJIAN_LEVEL={level!r} is not a level: use one of {', '.join(LEVELS)}"
            " (or leave it unset for the all-in-one deployment)"
        )
    if not level and region:
        raise ProfileError(f"ANJIAN_REGION={region!r} needs ANJIAN_LEVEL (county, city, province)")
    if level:
        _check_region(level, region)
    chosen = parse_names(services)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ProfileError(
            f"ANJIAN_SERVICES names {_listed(unknown)}, not a service of the platform: "
            f"choose among {', '.join(known)}"
        )
    if not chosen:
        chosen = [offer.name for offer in offers if not level or level in offer.levels]
    missing = [offer.name for offer in offers if offer.required and offer.name not in chosen]
    if missing:
        raise ProfileError(f"every deployment runs {_listed(missing)}: add it to ANJIAN_SERVICES")
    return Profile(
        level=level,
        region=region if level else regions.NATIONWIDE,
        services=tuple(name for name in known if name in chosen),
        platform=tuple(known),
    )


def _check_region(level: str, region: str) -> None:
    if not region:
        raise ProfileError(f"a {level} deployment needs ANJIAN_REGION, its division code")
    found = regions.lookup(region) if regions.CODE.match(region) else None
    if found is None or not regions.is_current(region):
        raise ProfileError(f"ANJIAN_REGION={region!r} is not a current division code (GB/T 2260)")
    prefix = regions.scope_prefix(region)
    if len(prefix) != PREFIX_LENGTH[level]:
        actual = next(name for name, length in PREFIX_LENGTH.items() if length == len(prefix))
        raise ProfileError(
            f"ANJIAN_REGION={region} ({found.name}) is {LEVEL_NAMES[actual]}, "
            f"not {LEVEL_NAMES[level]} as ANJIAN_LEVEL={level} says"
        )


def _listed(names: Iterable[str]) -> str:
    return ", ".join(names)
