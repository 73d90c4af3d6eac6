"""The multi-node deployment (deploy/kubernetes) is checked against the one list of services:
every service and the gateway present with resources, replicas and probes on routes that exist,
every environment name a setting, and each level's overlay a profile the platform accepts.

The files are parsed as YAML here; where `kubectl` is installed its Kustomize renders each
overlay too, and the rendered objects are checked the same way.
"""

import dataclasses
import secrets
import shutil
import subprocess

import pytest
import yaml

from gateway.app import create_app
from services import SERVICES
from services.kit.config import Settings
from services.kit.exposition import LIVENESS, READINESS
from tools import manifests

SETTING_NAMES = {"ANJIAN_" + field.name.upper() for field in dataclasses.fields(Settings)}
GATEWAY_ROUTES = {
    rule.rule
    for rule in create_app(Settings(jwt_secret=secrets.token_urlsafe(48))).url_map.iter_rules()
}
COMPONENTS = (*(entry.name for entry in SERVICES), "gateway")


def documents(path):
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def by_kind(objects, kind):
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


BASE = documents(manifests.BASE / "services.yaml")


def literals(kustomization):
    return {
        literal.partition("=")[0]: literal.partition("=")[2]
        for generator in kustomization.get("configMapGenerator", ())
        for literal in generator.get("literals", ())
    }


def test_the_checked_in_manifests_are_those_the_list_of_services_makes():
    for path, text in manifests.files().items():
        assert path.exists(), f"{path} is missing: run python -m tools.manifests"
        assert path.read_text() == text, f"{path} is stale: run python -m tools.manifests"


def check_component(component, deployment, services):
    """A component's Deployment: its command, resources, replicas, probes, environment."""
    assert deployment["spec"]["replicas"] >= 1
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["anjian", "serve", component]
    requests = container["resources"]["requests"]
    assert requests["cpu"] and requests["memory"] and container["resources"]["limits"]["memory"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports["metrics"] == Settings().metrics_port_of(component)
    expected = ("/healthz", "/readyz") if component == "gateway" else (LIVENESS, READINESS)
    for probe, path in zip(("livenessProbe", "readinessProbe"), expected, strict=True):
        target = container[probe]["httpGet"]
        assert target["path"] == path
        assert target["port"] in ports
        if component == "gateway":
            assert path in GATEWAY_ROUTES and target["port"] == "http"
        else:
            assert target["port"] == "metrics"
    names = {variable["name"] for variable in container["env"]}
    assert names <= SETTING_NAMES, names - SETTING_NAMES
    for variable in container["env"]:
        assert variable["valueFrom"]["secretKeyRef"]["key"] == variable["name"]
    service = services[deployment["metadata"]["name"]]
    assert {port["targetPort"] for port in service["spec"]["ports"]} == set(ports)


def test_every_service_and_the_gateway_have_a_deployment_a_service_and_probes_on_real_routes():
    deployments, services = by_kind(BASE, "Deployment"), by_kind(BASE, "Service")
    assert set(deployments) == {manifests.object_name(c) for c in COMPONENTS}
    for component in COMPONENTS:
        check_component(component, deployments[manifests.object_name(component)], services)


def test_every_service_scales_on_its_own_queues_from_its_replica_count_up():
    scaled = by_kind(BASE, "ScaledObject")
    deployments = by_kind(BASE, "Deployment")
    assert set(scaled) == {manifests.object_name(entry.name) for entry in SERVICES}
    for entry in SERVICES:
        name = manifests.object_name(entry.name)
        spec = scaled[name]["spec"]
        assert spec["scaleTargetRef"]["name"] == name
        assert spec["minReplicaCount"] == deployments[name]["spec"]["replicas"]
        assert spec["maxReplicaCount"] >= spec["minReplicaCount"]
        [trigger] = spec["triggers"]
        assert f'service="{entry.name}"' in trigger["metadata"]["query"]
        assert "anjian_queue_messages" in trigger["metadata"]["query"]


def test_prometheus_scrapes_the_metrics_port_every_component_names():
    [monitor] = by_kind(BASE, "PodMonitor").values()
    [endpoint] = monitor["spec"]["podMetricsEndpoints"]
    for deployment in by_kind(BASE, "Deployment").values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert endpoint["port"] in {port["name"] for port in container["ports"]}


def test_the_configuration_names_only_settings():
    base = documents(manifests.BASE / "kustomization.yaml")[0]
    assert set(literals(base)) <= SETTING_NAMES
    for resource in base["resources"]:
        assert (manifests.BASE / resource).exists()


@pytest.mark.parametrize("level", sorted(manifests.OVERLAYS))
def test_each_overlay_is_a_profile_the_platform_accepts_and_runs_its_level_s_services(level):
    overlay = documents(manifests.KUBERNETES / "overlays" / level / "kustomization.yaml")[0]
    named = literals(overlay)
    assert set(named) <= SETTING_NAMES
    profile = Settings(
        level=named["ANJIAN_LEVEL"],
        region=named["ANJIAN_REGION"],
        services=named["ANJIAN_SERVICES"],
    ).deployment()
    assert profile.level == level
    assert profile.services == tuple(entry.name for entry in SERVICES if level in entry.levels)
    deleted = {
        yaml.safe_load(patch["patch"])["metadata"]["name"]
        for patch in overlay["patches"]
        if "$patch: delete" in patch["patch"]
    }
    assert deleted == {manifests.object_name(name) for name in profile.not_deployed}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("level", sorted(manifests.OVERLAYS))
def test_kustomize_renders_each_overlay_with_exactly_its_level_s_components(level):
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(manifests.KUBERNETES / "overlays" / level)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    objects = [document for document in yaml.safe_load_all(rendered) if document]
    region = manifests.OVERLAYS[level]["region"]
    assert {o["metadata"].get("namespace") for o in objects} == {f"anjian-{level}-{region}"}
    [config] = by_kind(objects, "ConfigMap").values()
    assert set(config["data"]) <= SETTING_NAMES
    profile = Settings(
        level=config["data"]["ANJIAN_LEVEL"],
        region=config["data"]["ANJIAN_REGION"],
        services=config["data"]["ANJIAN_SERVICES"],
    ).deployment()
    deployments, services = by_kind(objects, "Deployment"), by_kind(objects, "Service")
    ours = {name for name in deployments if name.startswith("anjian-")}
    assert ours == {manifests.object_name(c) for c in (*profile.services, "gateway")}
    for component in (*profile.services, "gateway"):
        deployment = deployments[manifests.object_name(component)]
        check_component(component, deployment, services)
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
    assert set(by_kind(objects, "ScaledObject")) == {
        manifests.object_name(name) for name in profile.services
    }
