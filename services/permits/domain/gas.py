"""Gas tests (令第13号 Art. 14, 15): readings with their units, converted to the unit of each
gas's limit, and a test that passes only when every gas the space calls for was measured and
every reading is inside its limits."""

from datetime import datetime
from typing import Any

from services.kit.pure.errors import InvalidInput
from services.permits.domain.policy import CONCENTRATION, Gas, Policy

# The molar volume of a gas at 25 °C and 101.325 kPa, in litres: ppm = mg/m³ × 24.45 / M.
MOLAR_VOLUME = 24.45


def to_ppm(mg_per_m3: float, molar_mass: float) -> float:
    return mg_per_m3 * MOLAR_VOLUME / molar_mass


def to_mg_per_m3(ppm: float, molar_mass: float) -> float:
    return ppm * molar_mass / MOLAR_VOLUME


def _reading(entry: dict[str, Any], gas: Gas) -> dict[str, Any]:
    """A reading as stored: the value as read, and for toxic gases both ppm and mg/m³; judged
    against the gas's limits in their own unit."""
    value, unit = entry["value"], entry["unit"]
    stored = {"gas": gas.gas, "name": gas.name, "value": value, "unit": unit}
    if unit in CONCENTRATION:
        assert gas.molar_mass is not None  # checked with the rule at start-up
        ppm = value if unit == "ppm" else to_ppm(value, gas.molar_mass)
        mg = value if unit == "mg/m3" else to_mg_per_m3(value, gas.molar_mass)
        stored.update(ppm=round(ppm, 3), mg_m3=round(mg, 3))
        compared = ppm if gas.unit == "ppm" else mg
    else:
        compared = value
    low = gas.minimum is not None and compared < gas.minimum
    high = gas.maximum is not None and compared > gas.maximum
    stored["limit"] = {"min": gas.minimum, "max": gas.maximum, "unit": gas.unit}
    stored["passed"] = not (low or high)
    return stored


def readings(entries: list[dict[str, Any]], policy: Policy) -> list[dict[str, Any]]:
    """Each reading checked: a known gas, in one of its units, not negative, a percentage at
    most 100, no gas twice."""
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        gas = policy.gases.get(entry["gas"])
        where = f"readings.{index}"
        if gas is None:
            errors[where] = [f"unknown gas {entry['gas']}; one of {', '.join(policy.gases)}"]
        elif entry["unit"] not in gas.units():
            errors[where] = [f"{gas.name} is read in {' or '.join(gas.units())}"]
        elif entry["value"] < 0:
            errors[where] = ["a reading is never negative"]
        elif entry["unit"].startswith("%") and entry["value"] > 100:
            errors[where] = ["a percentage is at most 100"]
        elif entry["gas"] in seen:
            errors[where] = [f"{gas.name} is read twice"]
        seen.add(entry["gas"])
    if errors:
        raise InvalidInput("the gas readings are invalid", errors)
    return [_reading(entry, policy.gases[entry["gas"]]) for entry in entries]


def recorded_test(
    fields: dict[str, Any], required: list[str], policy: Policy, who: str, now: datetime
) -> dict[str, Any]:
    """A test as recorded: its readings, what the space required, what is missing or failing."""
    measured = readings(fields["readings"], policy)
    read = {reading["gas"] for reading in measured}
    missing = [gas for gas in required if gas not in read]
    failing = [reading["gas"] for reading in measured if not reading["passed"]]
    return {
        "tested_at": now,
        "recorded_by": who,
        "tester": fields["tester"],
        "instrument": fields.get("instrument"),
        "continuous": fields.get("continuous", False),
        "readings": measured,
        "required": required,
        "missing": missing,
        "failing": failing,
        "passed": not missing and not failing,
        "rules": list(policy.references),
    }
