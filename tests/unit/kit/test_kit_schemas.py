"""Every number a caller may send is bounded, declared once in the kit."""

import inspect

import pytest
from marshmallow import ValidationError, fields

from gateway.api import auth, enterprises, evidence
from services.inspection import schemas as inspection_schemas
from services.kit.pure.schemas import MAX_COUNT, MAX_YUAN, BoundedInteger, Count, StrictSchema, Yuan
from services.registry import schemas as registry_schemas
from services.registry.schemas import EnterpriseUpdateSchema

INPUT_MODULES = (inspection_schemas, registry_schemas, auth, enterprises, evidence)


def input_schemas():
    return sorted(
        {
            value
            for module in INPUT_MODULES
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, StrictSchema)
        },
        key=lambda schema: schema.__name__,
    )


@pytest.mark.parametrize("schema", input_schemas(), ids=lambda schema: schema.__name__)
def test_every_integer_a_caller_sends_is_bounded(schema):
    unbounded = [
        name
        for name, field in schema().fields.items()
        if isinstance(field, fields.Integer) and not isinstance(field, BoundedInteger)
    ]
    assert unbounded == []


@pytest.mark.parametrize("field,largest", [(Count(), MAX_COUNT), (Yuan(), MAX_YUAN)])
def test_bounds_fit_64_bit_integers_with_room_for_sums(field, largest):
    assert field.deserialize(largest) == largest
    for too_large in (largest + 1, 2**63, 10**20):
        with pytest.raises(ValidationError):
            field.deserialize(too_large)
    with pytest.raises(ValidationError):
        field.deserialize(-1)
    assert largest * 1_000_000 < 2**63


@pytest.mark.parametrize(
    "body",
    [
        {"standardization": {}},
        {"standardization": {"grade": 2}},
        {"principal": {"name": "王伟"}},
        {"safety_manager": {"phone": "13900000000"}},
    ],
)
def test_an_update_validates_nested_objects_whole(body):
    with pytest.raises(ValidationError):
        EnterpriseUpdateSchema().load(body)


def test_an_update_may_still_send_any_one_top_level_field():
    assert EnterpriseUpdateSchema().load({"address": "工业园区9号"}) == {"address": "工业园区9号"}
    assert EnterpriseUpdateSchema().load({"principal": {"name": "王伟", "phone": "13800000000"}})
