"""What a city sends down to its county through RabbitMQ's federation plugin (`anjian.downward`):
rule sets and special campaigns. County 620722 and city 620700 run side by side, the county
linked to its parent as an operator links it (`anjian federate --parent`). A rules file published
at the city changes the county's hazard catalogue within seconds, without a restart; a broken one
is parked with the loader's message and changes nothing; a campaign announced at the city shows at
the county, whose inspections under it count in its progress at both levels; a replayed event
changes nothing; an event from a region that is not above the county is parked.
"""

from datetime import timedelta

import pytest

from services.kit import federation
from services.kit.pure.envelope import make_event, sending_down
from services.kit.pure.errors import InvalidInput
from tests.support.api import assert_problem, inspection_knows
from tests.support.events import EventTap, publish
from tests.support.factories import SECOND_OFFICER, china_today, enterprise
from tests.support.federation import CITY, COUNTY, county_and_city
from tests.support.waiting import wait_until
from tools.cli import publish_rule_file

pytestmark = pytest.mark.slow

RULE_SET_PUBLISHED = "cn.anjian.inspection.rule_set.published.v1"
CAMPAIGN_ANNOUNCED = "cn.anjian.inspection.campaign.announced.v1"
# Within seconds: each copy looks at the published rules' version every 2 s.
SECONDS = 15


def check_rule(code, text="建立粉尘清扫制度，按规定频次清扫作业现场积尘并记录"):
    return f"""
- id: inspection.general_check.{code.lower().replace("-", "_")}
  version: 1
  title: 粉尘清扫制度
  value: {{code: {code}, topic: 粉尘清扫, text: {text}, scope: general}}
  source: {{document: 张掖市应急管理局粉尘涉爆企业专项整治方案}}
  effective_from: '2024-01-01'
  checked_against: unverified
"""


@pytest.fixture(scope="module")
def linked(infrastructure, tmp_path_factory):
    with county_and_city(infrastructure, tmp_path_factory, downward=True) as (county, city, _):
        yield county, city


@pytest.fixture(scope="module")
def people(linked):
    county, city = linked
    return {
        "county": county.user("minle", "regulator", COUNTY),
        "inspector": county.user("inspector-minle", "inspector", COUNTY),
        "county_admin": county.user("admin", "admin", "000000"),
        "city": city.user("zhangye", "regulator", CITY),
        "city_admin": city.user("admin", "admin", "000000"),
    }


@pytest.fixture
def rules_file(tmp_path):
    def write(name, *checks, broken=""):
        path = tmp_path / name
        path.write_text("rules:" + "".join(checks) + broken, encoding="utf-8")
        return path

    return write


def checks_of(api):
    catalogue = api.get("/api/v1/hazard-catalogue")
    assert catalogue.status_code == 200, catalogue.text
    return {check["id"] for check in catalogue.json()["general_checks"]}


def inspection_rules(api):
    answer = api.get("/api/v1/rules", params={"service": "inspection"})
    assert answer.status_code == 200, answer.text
    [rules] = answer.json()["services"]
    return rules


def parked(admin, event_id, handler):
    """The dead letters of `event_id` parked by the inspection service's `handler`."""
    letters = admin.get("/api/v1/dead-letters/inspection")
    assert letters.status_code == 200, letters.text
    return [
        letter
        for letter in letters.json()
        if letter["event"]["id"] == event_id and letter["consumer"] == f"inspection.{handler}"
    ]


def as_sent(tapped):
    """An event the tap saw, as it was published."""
    return {key: value for key, value in tapped.items() if key not in ("routing_key", "properties")}


def campaigns_of(api):
    answer = api.get("/api/v1/campaigns")
    assert answer.status_code == 200, answer.text
    return {campaign["id"]: campaign for campaign in answer.json()["campaigns"]}


def test_a_rule_set_published_at_the_city_changes_the_countys_catalogue(linked, people, rules_file):
    county, city = linked
    assert "CITY-DUST-01" not in checks_of(people["county"])
    published = publish_rule_file(
        city.settings, "inspection", rules_file("zhangye-dust.yaml", check_rule("CITY-DUST-01"))
    )
    assert published["published_by"] == CITY
    wait_until(
        lambda: "CITY-DUST-01" in checks_of(people["county"]),
        timeout=SECONDS,
        message="the county's catalogue to show the city's check",
    )
    [rule] = [
        rule
        for rule in inspection_rules(people["county"])["rules"]
        if rule["id"] == "inspection.general_check.city_dust_01"
    ]
    assert rule["published_by"] == CITY and not rule["local"]
    # The city applies what it publishes, as the bureau of its own jurisdiction.
    wait_until(lambda: "CITY-DUST-01" in checks_of(people["city"]), timeout=SECONDS)


def test_a_broken_file_is_refused_at_the_city_and_parked_at_the_county(linked, people, rules_file):
    county, city = linked
    broken = rules_file("broken.yaml", check_rule("CITY-DUST-09").replace("  source:", "  src:"))
    with pytest.raises(InvalidInput, match=r"broken.yaml:\d+: rule inspection.general_check"):
        publish_rule_file(city.settings, "inspection", broken)
    before = inspection_rules(people["county"])["fingerprint"]
    # As a parent on a release whose loader let it through would send it.
    stray = sending_down(
        make_event(
            service="inspection",
            entity="rule_set",
            verb="published",
            subject=broken.name,
            data={"name": broken.name, "text": broken.read_text("utf-8")},
            region_code=CITY,
            now=city.settings.clock().now(),
        )
    )
    publish(city.vhost.amqp_uri, "inspection.events", stray)
    [letter] = wait_until(
        lambda: parked(people["county_admin"], stray["id"], "handle_rule_set_published"),
        timeout=60,
        message="the broken rule set to be parked at the county",
    )
    assert "broken.yaml:" in letter["error"] and "unknown field(s) src" in letter["error"]
    assert inspection_rules(people["county"])["fingerprint"] == before
    assert "CITY-DUST-09" not in checks_of(people["county"])


def test_a_replayed_rule_set_changes_nothing(linked, people, rules_file):
    county, city = linked
    tap = EventTap(county.vhost.amqp_uri, "inspection.events", RULE_SET_PUBLISHED)
    try:
        first = publish_rule_file(
            city.settings, "inspection", rules_file("replay.yaml", check_rule("CITY-DUST-02"))
        )
        replayed = tap.wait_for(lambda event: event["id"] == first["event_id"], timeout=SECONDS)
    finally:
        tap.close()
    wait_until(lambda: "CITY-DUST-02" in checks_of(people["county"]), timeout=SECONDS)
    publish_rule_file(
        city.settings, "inspection", rules_file("replay.yaml", check_rule("CITY-DUST-03"))
    )
    wait_until(
        lambda: (
            (checks := checks_of(people["county"]))
            and "CITY-DUST-03" in checks
            and "CITY-DUST-02" not in checks
        ),
        timeout=SECONDS,
        message="the city's newer file to replace the older one",
    )
    # The replay, then a newer file behind it on the same queue: once the newer one shows, the
    # replay was handled before it.
    replayed = as_sent(replayed)
    publish(county.vhost.amqp_uri, "inspection.events", replayed)
    publish_rule_file(
        city.settings, "inspection", rules_file("replay.yaml", check_rule("CITY-DUST-04"))
    )
    wait_until(lambda: "CITY-DUST-04" in checks_of(people["county"]), timeout=SECONDS)
    assert "CITY-DUST-02" not in checks_of(people["county"])
    assert not parked(people["county_admin"], replayed["id"], "handle_rule_set_published")


def campaign_body(**overrides):
    today = china_today()
    return {
        "title": "粉尘涉爆企业安全生产专项整治行动",
        "theme": "dust_explosion",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
        "focus_items": ["GEN-DUTY-01"],
        **overrides,
    }


def test_a_campaign_announced_at_the_city_shows_at_the_county_and_counts_its_inspections(
    linked, people
):
    county, city = linked
    assert_problem(people["county"].post("/api/v1/campaigns", json=campaign_body()), 403)
    for wrong in (
        {"ends_on": "2020-01-01"},
        {"focus_items": ["NOT-AN-ITEM"]},
        {"title": "dust campaign"},
        {"theme": "fireworks"},
    ):
        assert_problem(people["city"].post("/api/v1/campaigns", json=campaign_body(**wrong)), 422)
    assert campaigns_of(people["city"]) == {}

    announced = people["city"].post("/api/v1/campaigns", json=campaign_body())
    assert announced.status_code == 201, announced.text
    campaign_id = announced.json()["id"]
    campaign = wait_until(
        lambda: campaigns_of(people["county"]).get(campaign_id),
        timeout=SECONDS,
        message="the county to know the city's campaign",
    )
    assert (campaign["region_code"], campaign["progress"]["enterprises"]) == (CITY, 0)

    body = enterprise()
    assert people["county"].post("/api/v1/enterprises", json=body).status_code == 201
    wait_until(lambda: inspection_knows(people["county"], body["uscc"]))
    visit = {
        "uscc": body["uscc"],
        "mode": "special_campaign",
        "place": "粉碎车间",
        "content": "粉尘涉爆专项检查",
        "inspectors": [SECOND_OFFICER],
    }
    inspector = people["inspector"]
    for wrong, field in (
        ({"campaign_id": "0" * 32}, "campaign_id"),
        ({"theme": "confined_space"}, "theme"),
    ):
        refused = inspector.post(
            "/api/v1/inspections", json={**visit, "campaign_id": campaign_id, **wrong}
        )
        assert_problem(refused, 422, field=field)
    opened = inspector.post("/api/v1/inspections", json={**visit, "campaign_id": campaign_id})
    assert opened.status_code == 201, opened.text
    assert (opened.json()["campaign_id"], opened.json()["theme"]) == (campaign_id, "dust_explosion")
    done = inspector.post(
        f"/api/v1/inspections/{opened.json()['id']}/complete",
        json={"handling": "未发现问题", "signature": "王伟"},
    )
    assert done.status_code == 200, done.text

    expected = [{"region": COUNTY, "enterprises": 1}]
    for who in ("county", "city"):
        wait_until(
            lambda who=who: (
                campaigns_of(people[who])[campaign_id]["progress"]["by_county"] == expected
            ),
            timeout=SECONDS,
            message=f"the {who} to count the enterprise inspected under the campaign",
        )


def test_a_replayed_campaign_changes_nothing_and_one_from_elsewhere_is_parked(linked, people):
    county, city = linked
    tap = EventTap(county.vhost.amqp_uri, "inspection.events", CAMPAIGN_ANNOUNCED)
    try:
        announced = people["city"].post(
            "/api/v1/campaigns",
            json=campaign_body(title="有限空间作业专项整治", theme="confined_space"),
        )
        assert announced.status_code == 201, announced.text
        replayed = tap.wait_for(lambda event: event["subject"] == announced.json()["id"])
    finally:
        tap.close()
    wait_until(lambda: announced.json()["id"] in campaigns_of(people["county"]), timeout=SECONDS)
    before = campaigns_of(people["county"])
    replayed = as_sent(replayed)
    publish(county.vhost.amqp_uri, "inspection.events", replayed)

    # A campaign of 兰州市 (another city), as a link to the wrong parent would deliver it.
    stray = sending_down(
        make_event(
            service="inspection",
            entity="campaign",
            verb="announced",
            subject="f" * 32,
            data={**replayed["data"], "campaign_id": "f" * 32, "region_code": "620100"},
            region_code="620100",
            now=county.settings.clock().now(),
        )
    )
    publish(county.vhost.amqp_uri, federation.DOWNWARD, stray)
    [letter] = wait_until(
        lambda: parked(people["county_admin"], stray["id"], "handle_campaign_announced"),
        timeout=30,
        message="the stray campaign to be parked",
    )
    assert "not this deployment's" in letter["error"]
    assert campaigns_of(people["county"]) == before
    assert not parked(people["county_admin"], replayed["id"], "handle_campaign_announced")
