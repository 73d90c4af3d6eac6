"""Special campaigns (专项行动): a city or province bureau announces one for its jurisdiction, with
a theme, its dates and the checklist items it focuses on; the announcement goes down to every
deployment below (services/kit/federation.py), and the special-campaign inspections made under it
name it, which is how its progress is counted: enterprises inspected, per county.

Every command returns `(document, events)` (services.kit.pure.commands).
"""

import re
from datetime import date, datetime
from typing import Any

from services.inspection.domain.common import REVIEWERS, event, new_id
from services.kit.pure import regions
from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.envelope import sending_down
from services.kit.pure.errors import Forbidden, InvalidInput

THEMES = (
    "dust_explosion",
    "confined_space",
    "ammonia_refrigeration",
    "alcohol_storage",
    "maintenance_work",
    "outsourced_work",
)
SPECIAL_CAMPAIGN = "special_campaign"
# What a campaign is, as it travels down and as every deployment keeps it.
FIELDS = ("title", "theme", "starts_on", "ends_on", "focus_items", "region_code")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def announce(
    fields: dict[str, Any],
    catalogue_ids: set[str],
    level: str,
    region: str,
    actor: Actor,
    now: datetime,
    today: date,
) -> Result:
    """The bureau of this deployment (`level`, `region`) announces a campaign for its whole
    jurisdiction. A county bureau applies the campaigns of the bureaus above it."""
    actor.require_role(*REVIEWERS)
    if level == "county":
        raise Forbidden("a county bureau takes its campaigns from its city and province")
    if not actor.sees_region(region):
        raise Forbidden(f"only the bureau of {region} announces this deployment's campaigns")
    errors = {}
    if not CHINESE.search(fields["title"]):
        errors["title"] = ["the title is Chinese, as the campaign's document names it"]
    if fields["theme"] not in THEMES:
        errors["theme"] = [f"one of {', '.join(THEMES)}"]
    if fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = ["before starts_on"]
    elif fields["ends_on"] < today:
        errors["ends_on"] = ["in the past"]
    unknown = sorted(set(fields.get("focus_items", ())) - catalogue_ids)
    if unknown:
        errors["focus_items"] = [f"not in the hazard catalogue in force: {', '.join(unknown)}"]
    if errors:
        raise InvalidInput("the campaign cannot be announced as sent", errors)
    campaign = {
        "_id": new_id(),
        "title": fields["title"].strip(),
        "theme": fields["theme"],
        "starts_on": fields["starts_on"].isoformat(),
        "ends_on": fields["ends_on"].isoformat(),
        "focus_items": sorted(set(fields.get("focus_items", ()))),
        "region_code": region,
        "announced_at": now,
        "announced_by": actor.user_id,
        "version": 1,
    }
    data = {"campaign_id": campaign["_id"], **{name: campaign[name] for name in FIELDS}}
    return campaign, [
        sending_down(event("campaign", "announced", campaign["_id"], region, now, data))
    ]


def received(data: dict[str, Any], now: datetime) -> Document:
    """A campaign as a deployment below keeps it, from its announcement."""
    return {
        "_id": data["campaign_id"],
        **{name: data[name] for name in FIELDS},
        "received_at": now,
        "version": 1,
    }


def in_force(campaign: Document, day: date) -> bool:
    return campaign["starts_on"] <= day.isoformat() <= campaign["ends_on"]


def concerns(campaign: Document, actor: Actor) -> bool:
    """A campaign of the caller's jurisdiction: one of a bureau above it or its own, which covers
    it, or one of a bureau inside it."""
    return regions.within(campaign["region_code"], actor.region_scope) or actor.sees_region(
        campaign["region_code"]
    )


def theme_under(
    fields: dict[str, Any], campaign: Document | None, enterprise: Document, today: date
) -> str:
    """The theme of an inspection made under the campaign `fields` names: the campaign must be
    known, in force today and cover the enterprise's region."""
    where = "campaign_id"
    if fields["mode"] != SPECIAL_CAMPAIGN:
        raise InvalidInput(
            "only a special campaign inspection names a campaign",
            {where: [f"only with mode {SPECIAL_CAMPAIGN}"]},
        )
    if campaign is None:
        raise InvalidInput("no campaign has that id here", {where: ["unknown campaign"]})
    if not in_force(campaign, today):
        raise InvalidInput(
            "the campaign is not in force today",
            {where: [f"in force {campaign['starts_on']} to {campaign['ends_on']}"]},
        )
    if not regions.within(campaign["region_code"], enterprise["region_code"]):
        raise InvalidInput(
            "the campaign does not cover the enterprise's region",
            {where: [f"covers {campaign['region_code']}, not {enterprise['region_code']}"]},
        )
    if fields.get("theme") not in (None, campaign["theme"]):
        raise InvalidInput(
            "the theme is the campaign's", {"theme": [f"the campaign's is {campaign['theme']}"]}
        )
    return str(campaign["theme"])


def inspected_under(completed: Event) -> Document | None:
    """From an inspection's completion, that its enterprise was inspected under its campaign
    (one record per campaign and enterprise, however many visits); None without a campaign."""
    data = completed["data"]
    if not data.get("campaign_id"):
        return None
    return {
        "_id": f"{data['campaign_id']}:{data['uscc']}",
        "campaign_id": data["campaign_id"],
        "uscc": data["uscc"],
        "region_code": completed["regioncode"],
        "inspection_id": data["inspection_id"],
        "completed_at": completed["time"],
    }


def with_progress(campaign: Document, by_county: dict[str, int]) -> dict[str, Any]:
    """The campaign with the enterprises inspected under it, in total and per county."""
    return {
        **campaign,
        "progress": {
            "enterprises": sum(by_county.values()),
            "by_county": [
                {"region": county, "enterprises": count}
                for county, count in sorted(by_county.items())
            ],
        },
    }
