"""Deployment profiles: a county, city or province bureau runs the services it needs, and a
profile naming anything unknown is refused before anything starts."""

import secrets

import pytest

from gateway.app import create_app
from services import SERVICE_NAMES, SERVICES
from services.kit.config import Settings
from services.kit.pure.deployment import ProfileError
from services.kit.pure.errors import NotDeployed
from tools import cli


def deployment(**environment):
    return Settings.from_env(
        {f"ANJIAN_{k.upper()}": v for k, v in environment.items()}
    ).deployment()


def test_without_a_level_the_deployment_is_the_all_in_one_platform():
    profile = deployment()
    assert profile.services == SERVICE_NAMES
    assert profile.not_deployed == ()
    assert profile.region == "000000"


def test_a_level_runs_the_services_whose_levels_name_it_by_default():
    county = deployment(level="county", region="620722")
    assert county.services == tuple(e.name for e in SERVICES if "county" in e.levels)
    province = deployment(level="province", region="620000")
    assert province.services == tuple(e.name for e in SERVICES if "province" in e.levels)
    assert province.not_deployed == tuple(e.name for e in SERVICES if "province" not in e.levels)


def test_services_are_chosen_by_a_comma_list_and_kept_in_the_platform_order():
    city = deployment(level="city", region="620700", services=" credit, registry ,credit")
    assert city.services == ("registry", "credit")
    assert city.describe() == {
        "level": "city",
        "region": "620700",
        "services": ["registry", "credit"],
        "not_deployed": [name for name in SERVICE_NAMES if name not in ("registry", "credit")],
    }


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"level": "town", "region": "620722"}, "ANJIAN_LEVEL='town' is not a level"),
        ({"level": "county"}, "a county deployment needs ANJIAN_REGION"),
        ({"level": "county", "region": "620799"}, "'620799' is not a current division code"),
        ({"level": "county", "region": "62072"}, "'62072' is not a current division code"),
        (
            {"level": "county", "region": "620700"},
            "620700 (张掖市) is prefecture-level, not county",
        ),
        ({"level": "city", "region": "620722"}, "(民乐县) is county-level, not prefecture-level"),
        ({"level": "province", "region": "620700"}, "is prefecture-level, not province-level"),
        ({"region": "620722"}, "ANJIAN_REGION='620722' needs ANJIAN_LEVEL"),
        (
            {"level": "county", "region": "620722", "services": "registry,hazmat"},
            "ANJIAN_SERVICES names hazmat, not a service of the platform",
        ),
        (
            {"level": "county", "region": "620722", "services": "inspection"},
            "every deployment runs registry",
        ),
    ],
)
def test_a_profile_naming_something_unknown_is_refused_saying_which_setting(environment, message):
    with pytest.raises(ProfileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        deployment(**environment)


def test_the_cli_refuses_to_start_a_deployment_with_a_wrong_profile(monkeypatch, capsys):
    monkeypatch.setenv("ANJIAN_LEVEL", "county")
    monkeypatch.setenv("ANJIAN_REGION", "999999")
    with pytest.raises(SystemExit) as refused:
        cli.main(["serve", "registry"])
    assert "ANJIAN_REGION='999999' is not a current division code" in str(refused.value)
    assert refused.value.code != 0


def test_the_cli_serves_no_service_its_deployment_does_not_run(monkeypatch):
    monkeypatch.setenv("ANJIAN_LEVEL", "county")
    monkeypatch.setenv("ANJIAN_REGION", "620722")
    monkeypatch.setenv("ANJIAN_SERVICES", "registry,inspection")
    with pytest.raises(SystemExit) as refused:
        cli.main(["serve", "credit"])
    assert "credit is not deployed here" in str(refused.value)
    assert cli._components(Settings.from_env()) == ("registry", "inspection", "gateway")


@pytest.fixture
def county_gateway():
    settings = Settings(
        jwt_secret=secrets.token_urlsafe(48),
        level="county",
        region="620722",
        services="registry,inspection,training,permits",
    )
    return create_app(settings)


def test_routes_of_a_service_not_deployed_answer_503_at_once(county_gateway):
    client = county_gateway.test_client()
    for path in (
        "/api/v1/credit/cases",
        "/api/v1/indicators/credit",
        "/api/v1/public/untrustworthy",
    ):
        reply = client.get(path)
        assert reply.status_code == 503, path
        assert reply.content_type == "application/problem+json"
        assert reply.json["code"] == "service_not_deployed"
    # Routes of deployed services go on to authentication as before.
    assert client.get("/api/v1/enterprises").status_code == 401


def test_the_gateway_never_calls_a_service_its_deployment_does_not_run(county_gateway):
    anjian = county_gateway.extensions["anjian"]

    class NoBroker:
        def call(self, *args, **kwargs):
            raise AssertionError("a service not deployed here was called")

    anjian.rpc = NoBroker()
    with county_gateway.test_request_context(), pytest.raises(NotDeployed):
        anjian.call("credit", "indicators_together", "credit_indicators", [], actor=None)
