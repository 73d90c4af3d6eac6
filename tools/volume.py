"""Synthetic records in any number, for load drills (`anjian load-volume`) and the benchmarks.

Enterprises are drawn like the demo data (tools.demo), but the organisation part of each USCC
is a serial number instead of a random draw, so ten thousand codes are unique by construction.
Hazards are built by the inspection service's own rule for a finding.
"""

import random
import uuid

from services.inspection.domain import hazards as inspection_domain
from services.kit.pure import uscc
from services.kit.pure.clock import Clock
from services.kit.pure.schemas import load
from services.kit.rules import load_rules
from services.registry.domain import enterprises as registry_domain
from services.registry.domain import indicators as registry_indicators
from services.registry.domain.standardization import Terms
from services.registry.schemas import EnterpriseCreateSchema
from tools import demo

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
    return [
        demo.synthetic_enterprise(
            rng,
            COUNTIES[serial % len(COUNTIES)],
            uscc.with_check_character("91" + COUNTIES[serial % len(COUNTIES)] + _org_code(serial)),
            f"有限公司{serial + 1:05d}",
        )
        for serial in range(first_serial, first_serial + count)
    ]


def stored_documents(payloads, actor):
    """The documents the registry stores for these payloads, built as its import builds them."""
    clock = Clock()
    schema = EnterpriseCreateSchema()
    rows = [{"row": number, "fields": payload} for number, payload in enumerate(payloads, 2)]
    today = clock.today()
    terms = Terms.from_rules(load_rules("registry").value, today)
    report, registrations = registry_domain.import_batch(
        rows, actor, clock.now(), today, terms, lambda payload: load(schema, payload)
    )
    if len(registrations) != len(payloads):
        rejected = next(line for line in report if line["result"] != "created")
        raise ValueError(f"a synthetic enterprise is invalid: {rejected}")
    stored = [
        registry_indicators.with_standing(document, events, terms, clock.now())
        for document, events in registrations
    ]
    return [{**document, "outbox": events} for document, events in stored]


def general_hazards(enterprises, now, deadline):
    """One open general hazard per enterprise, as an inspection's finding creates it, without
    the `reported` event (the indicators do not count drill data)."""
    hazards = []
    for enterprise in enterprises:
        inspection = {
            "_id": uuid.uuid4().hex,
            "uscc": enterprise["uscc"],
            "region_code": enterprise["region_code"],
            "enterprise_name": enterprise["name"],
            "agency": None,
        }
        finding = {
            "hazard_id": uuid.uuid4().hex,
            "grade": "general",
            "catalogue_item": None,
            "failed_device": None,
            "description": "安全警示标志缺失",
            "location": "车间",
            "recorded_at": now,
            "recorded_by": "load-volume",
            "deadline": deadline,
        }
        hazard = inspection_domain.hazard_from_finding(inspection, finding, now)
        hazards.append({**hazard, "outbox": []})
    return hazards
