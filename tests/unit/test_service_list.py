"""The one list of services is what every deployment path reads."""

from pathlib import Path

import yaml

from services import LEVELS, SERVICES

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def test_every_listed_service_runs_in_the_container_deployment_and_nothing_else_does():
    compose = yaml.safe_load(COMPOSE.read_text())["services"]
    served = {
        name
        for name, block in compose.items()
        if block.get("command", [])[:2] == ["anjian", "serve"]
    }
    assert served == {entry.name for entry in SERVICES} | {"gateway"}
    for entry in SERVICES:
        assert compose[entry.name]["command"] == ["anjian", "serve", entry.name]


def test_every_listed_service_has_its_entrypoints_and_gateway_routes():
    for entry in SERVICES:
        assert entry.service_class().name == entry.name
        assert set(entry.levels) <= set(LEVELS)
        for module in entry.route_modules:
            __import__(module)
