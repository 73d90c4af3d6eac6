"""Gas tests (令第13号 Art. 14): units converted, limits from the rules, every required gas."""

import pytest

from services.kit.pure.errors import InvalidInput
from services.permits.domain import gas
from tests.unit.permits.support import NOW, POLICY


def reading(gas_code, value, unit):
    return {"gas": gas_code, "value": value, "unit": unit}


def recorded(*readings, required=("o2", "h2s")):
    fields = {"tester": "赵检测", "readings": list(readings)}
    return gas.recorded_test(fields, list(required), POLICY, "user", NOW)


def test_ppm_and_mg_per_m3_convert_by_the_molar_volume():
    assert gas.to_ppm(10, 34.08) == pytest.approx(7.174, abs=0.001)
    assert gas.to_mg_per_m3(gas.to_ppm(10, 34.08), 34.08) == pytest.approx(10)


def test_a_reading_in_ppm_is_stored_in_both_units_and_judged_against_the_mg_limit():
    test = recorded(reading("o2", 20.9, "%vol"), reading("h2s", 8, "ppm"))
    h2s = test["readings"][1]
    assert h2s["ppm"] == 8 and h2s["mg_m3"] == pytest.approx(11.151, abs=0.001)
    assert h2s["limit"] == {"min": None, "max": 10, "unit": "mg/m3"}
    assert not h2s["passed"] and test["failing"] == ["h2s"] and not test["passed"]


def test_the_same_concentration_in_mg_per_m3_passes_below_the_limit():
    test = recorded(reading("o2", 20.9, "%vol"), reading("h2s", 9.5, "mg/m3"))
    assert test["passed"] and test["readings"][1]["ppm"] == pytest.approx(6.816, abs=0.001)


@pytest.mark.parametrize("oxygen", [19.4, 23.6])
def test_oxygen_outside_19_5_to_23_5_percent_fails(oxygen):
    test = recorded(reading("o2", oxygen, "%vol"), reading("h2s", 0, "ppm"))
    assert test["failing"] == ["o2"]


def test_a_test_missing_a_gas_the_space_calls_for_fails():
    test = recorded(reading("o2", 20.9, "%vol"))
    assert test["missing"] == ["h2s"] and not test["passed"]


@pytest.mark.parametrize(
    "bad",
    [
        reading("h2s", 1, "%vol"),
        reading("xenon", 1, "ppm"),
        reading("h2s", -0.1, "ppm"),
        reading("o2", 100.5, "%vol"),
        reading("lel", 101, "%LEL"),
        reading("o2", 20, "%vol"),
    ],
)
def test_unknown_units_and_gases_negative_values_percentages_over_100_and_repeats_are_refused(bad):
    with pytest.raises(InvalidInput) as refused:
        recorded(reading("o2", 20.9, "%vol"), bad)
    assert "readings.1" in refused.value.errors
