"""Devices: the sensors' gateways on site, each with its own broker identity, online while it
keeps sending (any message counts as a heartbeat) and offline once it falls silent longer than
the rules allow."""

from datetime import datetime
from typing import Any

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document, Event, Result
from services.kit.pure.times import utc_instant
from services.monitoring.domain.common import audit, event, new_id, owned_by, require_manager

# A device never heard from is neither online nor offline.
REGISTERED, ONLINE, OFFLINE = "registered", "online", "offline"
STATES = (REGISTERED, ONLINE, OFFLINE)
TOPIC_ROOT = "anjian/readings"


def topic(device_id: str) -> str:
    """The one MQTT topic a device may publish to."""
    return f"{TOPIC_ROOT}/{device_id}"


def _event(device: Document, verb: str, now: datetime, **extra: Any) -> Event:
    return event(
        "device",
        verb,
        device["_id"],
        device["region_code"],
        now,
        {"device_id": device["_id"], "uscc": device["uscc"], "state": device["state"], **extra},
    )


def register(fields: dict[str, Any], enterprise: Document, actor: Actor, now: datetime) -> Result:
    require_manager(enterprise, actor)
    device = {
        "_id": new_id(),
        **owned_by(enterprise),
        "name": fields["name"],
        "model": fields.get("model"),
        "location": fields.get("location"),
        "state": REGISTERED,
        "last_seen": None,
        "credentials_rotated_at": now,
        "bad_readings": {},
        "history": [audit(actor, now, "register")],
        "version": 1,
    }
    return device, [_event(device, "registered", now)]


def rotate_credentials(
    device: Document, reason: str | None, enterprise: Document, actor: Actor, now: datetime
) -> Result:
    """New credentials: the old ones stop working when the broker takes the new password."""
    require_manager(enterprise, actor)
    rotated = {
        **device,
        "credentials_rotated_at": now,
        "history": [*device["history"], audit(actor, now, "rotate_credentials", reason=reason)],
    }
    return rotated, [_event(rotated, "credentials_rotated", now)]


def heard(device: Document, now: datetime) -> Result:
    """A message arrived from the device: it is online (an event only when it was not)."""
    if device["state"] == ONLINE:
        return {**device, "last_seen": now}, []
    back = {**device, "state": ONLINE, "last_seen": now}
    return back, [_event(back, "came_online", now, was=device["state"])]


def is_silent(device: Document, offline_after: Any, now: datetime) -> bool:
    return device["state"] == ONLINE and now - device["last_seen"] >= offline_after


def fell_silent(device: Document, now: datetime) -> Result:
    gone = {**device, "state": OFFLINE}
    return gone, [_event(gone, "went_offline", now, last_seen=utc_instant(device["last_seen"]))]


def view(device: Document) -> dict[str, Any]:
    return {**device, "topic": topic(device["_id"])}
