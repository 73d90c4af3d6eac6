"""Synthetic Zhangye enterprises in any number, each with its own valid USCC.

Drawn like the demo data (services.demo), but the organisation part of each USCC is a serial
number instead of a random draw, so ten thousand codes are unique by construction.
"""
import random

from services import demo
from services.kit import uscc

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


def create_payloads(count, first_serial=0):
    """`count` create payloads spread over Zhangye's counties, in a stable order."""
    rng = random.Random(SEED + first_serial)
    return [demo.synthetic_enterprise(
                rng, COUNTIES[serial % len(COUNTIES)],
                uscc.with_check_character("91" + COUNTIES[serial % len(COUNTIES)]
                                          + _org_code(serial)),
                f"有限公司{serial + 1:05d}")
            for serial in range(first_serial, first_serial + count)]
