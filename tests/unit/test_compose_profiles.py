"""docker-compose.yml's profiles follow the one list of services: `all` runs everything, a
level's profile the services whose `levels` name it and the gateway; the infrastructure runs
under every profile; each service is healthy once its /readyz answers; every ANJIAN_* name it
sets is a setting."""

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services import LEVELS, SERVICES
from services.kit.config import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
SETTING_NAMES = {"ANJIAN_" + field.name.upper() for field in dataclasses.fields(Settings)}
FILE = yaml.safe_load(COMPOSE.read_text())


def is_ours(block):
    return block.get("command", [])[:2] == ["anjian", "serve"]


def started_by(profile):
    """The services `docker compose --profile <profile> up` starts."""
    return {
        name
        for name, block in FILE["services"].items()
        if "profiles" not in block or profile in block["profiles"]
    }


def test_each_service_runs_under_all_and_its_levels_and_the_gateway_under_every_level():
    for entry in SERVICES:
        assert set(FILE["services"][entry.name].get("profiles", ())) == {"all", *entry.levels}, (
            f"{entry.name}: give it `profiles: {['all', *entry.levels]}` in docker-compose.yml"
        )
    assert set(FILE["services"]["gateway"]["profiles"]) == {"all", *LEVELS}


@pytest.mark.parametrize("profile", ("all", *LEVELS))
def test_a_profile_starts_its_services_the_gateway_and_the_infrastructure(profile):
    infrastructure = {name for name, block in FILE["services"].items() if not is_ours(block)}
    wanted = {entry.name for entry in SERVICES if profile == "all" or profile in entry.levels}
    assert started_by(profile) == infrastructure | wanted | {"gateway"}
    assert infrastructure and all("profiles" not in FILE["services"][n] for n in infrastructure)


def test_compose_waits_for_each_service_s_readiness_on_its_own_metrics_port():
    for entry in SERVICES:
        check = " ".join(FILE["services"][entry.name].get("healthcheck", {}).get("test", ()))
        port = Settings().metrics_port_of(entry.name)
        assert f"localhost:{port}/readyz" in check, (
            f"{entry.name}: give it the healthcheck of the others, on http://localhost:{port}/readyz"
        )


def test_every_anjian_variable_the_deployment_sets_is_a_setting():
    names = set(FILE["x-anjian-environment"])
    for block in FILE["services"].values():
        if is_ours(block):
            names |= set(block.get("environment", {}))
    assert names <= SETTING_NAMES, names - SETTING_NAMES
    assert {"ANJIAN_LEVEL", "ANJIAN_REGION", "ANJIAN_SERVICES"} <= names


def _compose_cli():
    if shutil.which("docker") is None:
        return False
    found = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return found.returncode == 0


@pytest.mark.skipif(not _compose_cli(), reason="no Docker CLI with the compose plugin here")
@pytest.mark.parametrize("profile", ("all", *LEVELS))
def test_docker_compose_accepts_the_file_under_each_profile(profile):
    listed = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "--profile", profile, "config", "--services"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"ANJIAN_JWT_SECRET": "x" * 48, "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert listed.returncode == 0, listed.stderr
    assert set(listed.stdout.split()) == started_by(profile)
