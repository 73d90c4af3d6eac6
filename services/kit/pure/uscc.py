"""GB 32100-2015 unified social credit codes, checked by python-stdnum.

Malformed codes are always refused. A code whose only fault is the check character (some early
pilot-region codes) may be accepted by an administrator with a recorded reason.
"""

from enum import Enum

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import InvalidChecksum, ValidationError


class UsccCheck(Enum):
    VALID = "valid"
    CHECKSUM_FAILED = "checksum_failed"
    MALFORMED = "malformed"


def check(code: object) -> UsccCheck:
    if not isinstance(code, str) or code != code.strip().upper() or len(code) != 18:
        return UsccCheck.MALFORMED
    try:
        _uscc.validate(code)
    except InvalidChecksum:
        return UsccCheck.CHECKSUM_FAILED
    except ValidationError:
        return UsccCheck.MALFORMED
    return UsccCheck.VALID


def with_check_character(first17: str) -> str:
    """Complete 17 characters into a valid code (demo data and tests)."""
    return first17 + _uscc.calc_check_digit(first17)


def registering_region(code: str) -> str:
    """Positions 3-8: the division code of the registering authority."""
    return code[2:8]
