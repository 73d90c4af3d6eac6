"""The import rules of `make lint` cover every service of the one list."""

import tomllib
from pathlib import Path

from services import SERVICE_NAMES

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_independence_contract_names_every_listed_service():
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    [independence] = [contract for contract in contracts if contract["type"] == "independence"]
    assert sorted(independence["modules"]) == sorted(f"services.{name}" for name in SERVICE_NAMES)
