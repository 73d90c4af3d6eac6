"""How every indicator shows a rate."""

from typing import Any


def rate(numerator: int, denominator: int) -> dict[str, Any]:
    """A rate shows both numbers; with nothing to count it is None, not 100 %."""
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": round(numerator / denominator, 4) if denominator else None,
    }
