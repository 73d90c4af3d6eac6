"""GB/T 2260 administrative division codes and jurisdiction rules.

The reference list is python-stdnum's `cn/loc.dat`, which records each code with the years it was
valid. A bureau's jurisdiction is decided from that list, never from the digits alone: a code is a
province if other codes share its first two digits and it ends in 0000, a prefecture if codes
share its first four digits, otherwise a county-level unit whose scope is the exact code.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

CODE = re.compile(r"^\d{6}$")
_YEARS = re.compile(r"^\[(\d{4})?-(\d{4})?\]")
# The whole country: the scope of national users and administrators.
NATIONWIDE = "000000"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    valid_from: int | None
    valid_to: int | None

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and (
            self.valid_to is None or year <= self.valid_to
        )


@lru_cache(maxsize=1)
def reference() -> dict[str, Region]:
    """All division codes from the reference list, by code; the latest entry wins on reuse."""
    regions: dict[str, Region] = {}
    province = ""  # every county line follows its province's line
    for line in resources.files("stdnum").joinpath("cn/loc.dat").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, rest = line.strip().partition(" ")
        name = rest.partition('="')[2].rstrip('"')
        if not line.startswith(" "):
            province = key
            continue
        code = province + key
        valid_from = valid_to = None
        years = _YEARS.match(name)
        if years:
            valid_from = int(years.group(1)) if years.group(1) else None
            valid_to = int(years.group(2)) if years.group(2) else None
            name = name[years.end() :]
        current = regions.get(code)
        if current is None or current.valid_to is not None:
            regions[code] = Region(code, name, valid_from, valid_to)
    return regions


def lookup(code: str) -> Region | None:
    return reference().get(code)


def is_current(code: object, year: int | None = None) -> bool:
    """True when the code exists in the reference list and is still valid (or valid in `year`)."""
    region = lookup(code) if isinstance(code, str) else None
    if region is None:
        return False
    return region.valid_to is None if year is None else region.valid_in(year)


@lru_cache(maxsize=4096)
def scope_prefix(code: str) -> str:
    """The prefix of every code inside the jurisdiction of the bureau at `code`."""
    if code == NATIONWIDE:
        return ""
    codes = reference()
    if code.endswith("0000") and any(c[:2] == code[:2] and c != code for c in codes):
        return code[:2]
    if code.endswith("00") and any(c[:4] == code[:4] and c != code for c in codes):
        return code[:4]
    return code


def within(scope: str, code: object) -> bool:
    """True when the division `code` falls inside the jurisdiction of the bureau at `scope`."""
    return isinstance(code, str) and code.startswith(scope_prefix(scope))


def query_prefix(region: str) -> str:
    """A region filter as a code prefix: a full code means its whole jurisdiction."""
    return scope_prefix(region) if CODE.match(region) else region


def counties(scope: str) -> list[str]:
    """Current county-level codes inside a jurisdiction, for reports and demo data."""
    prefix = scope_prefix(scope)
    return sorted(
        c
        for c, r in reference().items()
        if c.startswith(prefix)
        and r.valid_to is None
        and scope_prefix(c) == c
        and not r.name.endswith("市辖区")
        and c != scope
    )
