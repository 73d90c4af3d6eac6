"""The services' events.py files, read together: the catalogue the AsyncAPI document is built
from."""

import re

from services.credit import events as credit_events
from services.inspection import events as inspection_events
from services.kit.pure.envelope import TYPE
from services.monitoring import events as monitoring_events
from services.permits import events as permits_events
from services.registry import events as registry_events
from services.training import events as training_events

CATALOGUES = (
    registry_events,
    inspection_events,
    training_events,
    permits_events,
    credit_events,
    monitoring_events,
)
PUBLISHED = [declared for catalogue in CATALOGUES for declared in catalogue.PUBLISHED]


def test_every_published_type_is_well_formed_owned_described_and_declared_once():
    for catalogue in CATALOGUES:
        for declared in catalogue.PUBLISHED:
            assert TYPE.match(declared.type), declared.type
            assert declared.type.split(".")[2] == catalogue.SERVICE
            assert declared.description.strip(), declared.type
    types = [declared.type for declared in PUBLISHED]
    assert len(types) == len(set(types))


def test_every_consumed_type_is_published_by_the_service_that_owns_it():
    published = {declared.type for declared in PUBLISHED}
    for catalogue in CATALOGUES:
        for consumed in catalogue.CONSUMED:
            # AMQP topic wildcards: `#` any words, `*` one word.
            pattern = re.escape(consumed).replace(r"\#", ".*").replace(r"\*", r"[^.]+")
            matching = re.compile(pattern)
            assert any(matching.fullmatch(type_) for type_ in published), consumed
