"""The one event envelope: CloudEvents 1.0 attributes plus `regioncode`.

Types read `cn.anjian.<service>.<entity>.<verb>.v<version>`. The AMQP routing key is the type,
so consumers bind to exactly what they need (or `cn.anjian.registry.#`).
"""

import builtins
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import INCLUDE, Schema, fields, validate

from services.kit.pure.times import utc_instant

SPECVERSION = "1.0"
# CloudEvents extension attribute: the correlation id of the request that caused the event.
CORRELATION = "correlationid"
# CloudEvents extension attribute of an event a bureau sends to the deployments below it.
DIRECTION, DOWN = "direction", "down"
TYPE = re.compile(r"^cn\.anjian\.[a-z_]+\.[a-z_]+\.[a-z_]+\.v\d+$")


def event_type(service: str, entity: str, verb: str, version: int = 1) -> str:
    return f"cn.anjian.{service}.{entity}.{verb}.v{version}"


def make_event(
    *,
    service: str,
    entity: str,
    verb: str,
    subject: str,
    data: dict[str, Any],
    region_code: str,
    now: datetime,
    version: int = 1,
) -> dict[str, Any]:
    return {
        "specversion": SPECVERSION,
        "id": str(uuid.uuid4()),
        "source": f"/anjian/{service}",
        "type": event_type(service, entity, verb, version),
        "time": utc_instant(now),
        "subject": subject,
        "datacontenttype": "application/json",
        "regioncode": region_code,
        "data": data,
    }


def sending_down(event: dict[str, Any]) -> dict[str, Any]:
    """`event` marked for the deployments below: they apply it only from a region above theirs."""
    return {**event, DIRECTION: DOWN}


def sent_down(event: dict[str, Any]) -> bool:
    return event.get(DIRECTION) == DOWN


@dataclass(frozen=True)
class ServiceEvents:
    """A domain's `event(entity, verb, subject, region_code, now, data)`: events of `service`."""

    service: str

    def __call__(
        self,
        entity: str,
        verb: str,
        subject: str,
        region_code: str,
        now: datetime,
        data: dict[str, Any],
    ) -> dict[str, Any]:
        return make_event(
            service=self.service,
            entity=entity,
            verb=verb,
            subject=subject,
            data=data,
            region_code=region_code,
            now=now,
        )


class EnvelopeSchema(Schema):
    """Validates envelopes on the way in; unknown extension attributes are tolerated."""

    class Meta:
        unknown = INCLUDE

    specversion = fields.String(required=True, validate=validate.Equal(SPECVERSION))
    id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    source = fields.String(required=True, validate=validate.Length(min=1))
    type = fields.String(required=True, validate=validate.Regexp(TYPE))
    time = fields.AwareDateTime(required=True)
    subject = fields.String(load_default=None)
    datacontenttype = fields.String(load_default="application/json")
    regioncode = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    data = fields.Dict(load_default=dict)
    correlationid = fields.String(
        validate=validate.Length(min=1, max=128),
        metadata={
            "description": "extension: the correlation id of the request that caused the event "
            "(the X-Request-Id the gateway answered with)"
        },
    )
    direction = fields.String(
        validate=validate.OneOf((DOWN,)),
        metadata={
            "description": "extension: `down` on an event a bureau sends to the deployments "
            "below it, which apply it only from a region that contains theirs"
        },
    )


# Every consumer loads its envelopes with this one instance: building a schema costs twice
# what a load does, once per event at thousands of events a second. Loading keeps no state.
ENVELOPE = EnvelopeSchema()


@dataclass(frozen=True)
class Published:
    """An event type a service publishes: its type string, the schema of its `data`, and what it
    means in one line (the entries of the service's `events.PUBLISHED`, and of its AsyncAPI)."""

    type: str
    # builtins.type: the field above shadows the builtin inside the class.
    schema: builtins.type[Schema]
    description: str

    @classmethod
    def of(
        cls,
        service: str,
        entity: str,
        verb: str,
        schema: builtins.type[Schema],
        description: str,
        version: int = 1,
    ) -> "Published":
        return cls(event_type(service, entity, verb, version), schema, description)
