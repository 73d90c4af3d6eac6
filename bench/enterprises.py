"""Synthetic Zhangye enterprises in any number, each with its own valid USCC.

Drawn like the demo data (services.demo), but the organisation part of each USCC is a serial
number instead of a random draw, so ten thousand codes are unique by construction.
"""
import random

from services import demo
from services.kit import regions, uscc

SEED = 7
COUNTIES = tuple(demo.ENTERPRISES_PER_COUNTY)
ORG_CODE_LENGTH = 9


def _org_code(serial):
    """The serial number written in the USCC organisation-code alphabet, nine characters wide."""
    alphabet = demo.ORG_ALPHABET
    digits = []
    for _ in range(ORG_CODE_LENGTH):
        serial, digit = divmod(serial, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(reversed(digits))


def _person(rng):
    return {"name": rng.choice(demo.SURNAMES) + "".join(rng.sample(demo.GIVEN, rng.choice((1, 2)))),
            "phone": "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))}


def create_payloads(count, first_serial=0):
    """`count` create payloads spread over Zhangye's counties, in a stable order."""
    rng = random.Random(SEED + first_serial)
    payloads = []
    for serial in range(first_serial, first_serial + count):
        county = COUNTIES[serial % len(COUNTIES)]
        county_name = regions.lookup(county).name
        industry = rng.choice(tuple(demo.LIKELY_RISKS))
        likely = demo.LIKELY_RISKS[industry]
        payload = {
            "uscc": uscc.with_check_character("91" + county + _org_code(serial)),
            "name": f"{county_name}{rng.choice(demo.NAME_PARTS)}{demo.INDUSTRY_WORDS[industry]}"
                    f"有限公司{serial + 1:05d}",
            "region_code": county,
            "address": f"甘肃省张掖市{county_name}工业园区{rng.randint(1, 99)}号",
            "industry": industry,
            "above_scale": rng.random() < 0.4,
            "principal": _person(rng),
            "safety_manager": _person(rng),
            "risk_features": sorted(rng.sample(likely, rng.randint(0, len(likely)))),
        }
        if rng.random() < 0.6:
            payload["standardization"] = {
                "grade": rng.choice((2, 3, 3, 3)),
                "graded_on": f"{rng.randint(2021, 2024)}-{rng.randint(1, 12):02d}-"
                             f"{rng.randint(1, 28):02d}"}
        payloads.append(payload)
    return payloads
