"""双随机 annual inspection plans: risk-based priorities and a reproducible random sample."""

from datetime import datetime
from typing import Any

from services.inspection.domain.common import REVIEWERS, new_id
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Result
from services.kit.pure.sampling import seeded_sample

PRIORITY_WEIGHTS = {"risk_feature": 1, "open_major_hazard": 3, "untrustworthy": 5}


def priority(enterprise: Document, open_major_hazards: int, listed: bool) -> int:
    """Risk-based priority for the annual plan: riskier enterprises come first."""
    return (
        PRIORITY_WEIGHTS["risk_feature"] * len(enterprise.get("risk_features") or ())
        + PRIORITY_WEIGHTS["open_major_hazard"] * open_major_hazards
        + PRIORITY_WEIGHTS["untrustworthy"] * int(listed)
    )


def annual_plan(
    enterprises: list[Document],
    open_majors: dict[str, int],
    listed: set[str],
    year: int,
    sample_size: int,
    seed: int,
) -> dict[str, Any]:
    """双随机: every enterprise ranked by priority, plus a reproducible random sample.

    The seed is recorded, so anyone can redraw the same sample from the same list.
    """

    def ranked_priority(enterprise: Document) -> int:
        return priority(
            enterprise, open_majors.get(enterprise["uscc"], 0), enterprise["uscc"] in listed
        )

    ranked = sorted(enterprises, key=lambda e: (-ranked_priority(e), e["uscc"]))
    sample = seeded_sample((e["uscc"] for e in enterprises), sample_size, seed)
    return {
        "year": year,
        "seed": seed,
        "sample_size": sample_size,
        "priorities": [
            {"uscc": e["uscc"], "name": e["name"], "priority": ranked_priority(e)} for e in ranked
        ],
        "sample": sample,
    }


def create_plan(
    enterprises: list[Document],
    open_majors: dict[str, int],
    listed: set[str],
    request: dict[str, Any],
    seed: int,
    actor: Actor,
    now: datetime,
) -> Result:
    """A bureau's annual plan for the region of `request`, drawn with `seed`."""
    actor.require_role(*REVIEWERS)
    plan = annual_plan(
        enterprises, open_majors, listed, request["year"], request["sample_size"], seed
    )
    return {
        **plan,
        "_id": new_id(),
        "region_code": request["region"],
        "created_by": actor.user_id,
        "created_at": now,
    }, []
