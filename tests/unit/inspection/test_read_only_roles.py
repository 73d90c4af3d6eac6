"""The auditor reads and never writes; a refusal never depends on the record's state."""

import pytest

from services.inspection.domain import inspections
from services.kit.pure.actor import Actor
from services.kit.pure.errors import Forbidden
from tests.unit.inspection.support import CATALOGUE, NOW, TODAY, completed_with, visit

CITY_AUDITOR = Actor("auditor", "auditor", "620700")
FINDING = {"description": "通道堵塞", "deadline": TODAY}
COMPLETION = {"handling": "限期整改", "signature": "王伟"}


def test_auditor_cannot_add_a_finding_to_an_inspection_in_its_city():
    with pytest.raises(Forbidden):
        inspections.add_finding(visit(), FINDING, CATALOGUE, CITY_AUDITOR, NOW, TODAY)


def test_auditor_cannot_complete_an_inspection_in_its_city():
    with pytest.raises(Forbidden):
        inspections.complete_inspection(visit(), COMPLETION, CITY_AUDITOR, NOW)


def test_auditor_is_refused_as_such_even_when_the_record_is_already_completed():
    completed, _, _ = completed_with(FINDING)
    with pytest.raises(Forbidden):
        inspections.add_finding(completed, FINDING, CATALOGUE, CITY_AUDITOR, NOW, TODAY)


def test_every_read_only_role_is_refused_any_write():
    with pytest.raises(Forbidden):
        CITY_AUDITOR.require_can_write()
    Actor("minle", "regulator", "620722").require_can_write()
