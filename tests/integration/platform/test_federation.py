"""Two deployments side by side, linked by RabbitMQ's federation plugin: county 620722 and its
city 620700, each with its own virtual host, databases, bucket and gateway. The city keeps its own
counters from the county's federated events; a partition delays them and loses none; the city down
for a while leaves the county working; an event of another city's county is parked, never applied.
"""

import io

import pytest
import requests

from services.kit import federation
from services.kit.pure.envelope import make_event
from tests.support.api import import_enterprises, inspection_knows
from tests.support.events import publish
from tests.support.factories import SECOND_OFFICER, china_today, enterprise, general_finding, png
from tests.support.federation import CITY, COUNTY, county_and_city
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

YEAR = china_today().year
COMPANY_PASSWORD = "company-pass-1"


@pytest.fixture(scope="module")
def linked(infrastructure, tmp_path_factory):
    with county_and_city(infrastructure, tmp_path_factory) as deployments:
        yield deployments


@pytest.fixture(scope="module")
def people(linked):
    county, city, _ = linked
    return {
        "county": county.user("minle", "regulator", COUNTY),
        "inspector": county.user("inspector-minle", "inspector", COUNTY),
        "city": city.user("zhangye", "regulator", CITY),
        "city_admin": city.user("admin", "admin", "000000"),
    }


def county_figures(api):
    """What the city (or county) counts for 民乐县: open enterprises and general hazards closed."""
    answer = api.get("/api/v1/indicators/inspection", params={"region": COUNTY, "year": YEAR})
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    return {
        "open": figures["dual_prevention"]["denominator"],
        "closed": figures["hazards"]["general"]["rectification"]["numerator"],
    }


def registered(county, people):
    body = enterprise()
    reply = people["county"].post("/api/v1/enterprises", json=body)
    assert reply.status_code == 201, reply.text
    wait_until(
        lambda: inspection_knows(people["county"], body["uscc"]),
        message="the county's inspection to know the enterprise",
    )
    return body


def test_a_hazard_closed_in_the_county_shows_in_the_citys_targets(linked, people):
    county, _, _ = linked
    before = county_figures(people["city"])
    body = registered(county, people)
    inspector = people["inspector"]
    visit = inspector.post(
        "/api/v1/inspections",
        json={
            "uscc": body["uscc"],
            "mode": "routine",
            "place": "粉碎车间",
            "content": "日常安全检查",
            "inspectors": [SECOND_OFFICER],
        },
    )
    assert visit.status_code == 201, visit.text
    visit = visit.json()
    assert inspector.post(f"/api/v1/inspections/{visit['id']}/findings", json=general_finding()).ok
    done = inspector.post(
        f"/api/v1/inspections/{visit['id']}/complete",
        json={"handling": "责令限期整改", "signature": "王伟"},
    )
    assert done.status_code == 200, done.text
    [hazard_id] = [finding["hazard_id"] for finding in done.json()["findings"]]
    company = county.user(
        body["uscc"], "enterprise", COUNTY, body["uscc"], password=COMPANY_PASSWORD
    )
    evidence = company.post(
        "/api/v1/evidence",
        data={"hazard_id": hazard_id},
        files={"file": ("fix.png", io.BytesIO(png(7)), "image/png")},
    )
    assert evidence.status_code == 201, evidence.text
    submitted = company.post(
        f"/api/v1/hazards/{hazard_id}/rectification",
        json={"evidence": [evidence.json()["id"]], "note": "已整改"},
    )
    assert submitted.status_code == 200, submitted.text
    closed = inspector.post(
        f"/api/v1/hazards/{hazard_id}/verification", json={"decision": "verify"}
    )
    assert closed.json()["state"] == "closed", closed.text

    wait_until(
        lambda: (
            county_figures(people["city"])
            == {"open": before["open"] + 1, "closed": before["closed"] + 1}
        ),
        timeout=15,
        message="the city to count the county's enterprise and its closed hazard",
    )
    # The city's dashboard shows it for 民乐县, from its own counters.
    targets = people["city"].get("/api/v1/targets", params={"region": CITY, "year": YEAR}).json()
    rectification = next(
        figure
        for target in targets["targets"]
        for figure in target["figures"]
        if figure["key"] == "hazards.general.rectification"
    )
    [minle] = [row for row in rectification["by_region"] if row["region"] == COUNTY]
    assert minle["numerator"] == before["closed"] + 1
    # The enterprise's own record, with its principal's name, stays in the county.
    assert people["city"].get(f"/api/v1/enterprises/{body['uscc']}").status_code == 404


def test_a_partition_delays_the_countys_events_and_loses_or_repeats_none(linked, people):
    _, city, link_user = linked
    before = county_figures(people["city"])
    wait_until(
        lambda: link_user.cut() and [link["status"] for link in city.broker.links()] != ["running"],
        timeout=60,
        message="the link to break",
    )
    produced = 500
    import_enterprises(people["county"], COUNTY, produced)
    wait_until(
        lambda: county_figures(people["county"])["open"] >= produced,
        timeout=120,
        message="the county to count its imported enterprises",
    )
    assert county_figures(people["city"]) == before  # nothing crossed the partition

    link_user.allow()
    delivered = wait_until(
        lambda: (
            (figures := county_figures(people["city"]))["open"] - before["open"] >= produced
            and figures["open"] - before["open"]
        ),
        timeout=180,
        message="the county's events to reach the city after the partition",
    )
    # Settled: every event once, none twice.
    assert delivered == produced
    assert county_figures(people["city"])["open"] - before["open"] == produced
    print(f"partition: {produced} events produced, {delivered} delivered, 0 duplicates applied")


def test_the_county_works_while_the_city_is_down_and_the_city_catches_up(linked, people):
    county, city, _ = linked
    before = county_figures(people["city"])
    city.components.stop("inspection")
    try:
        registered_now = [registered(county, people) for _ in range(3)]
        assert len(registered_now) == 3
    finally:
        city.components.start("inspection")
        city.components.wait_ready()
    wait_until(
        lambda: county_figures(people["city"])["open"] == before["open"] + 3,
        timeout=60,
        message="the city to catch up with the county once back",
    )


def test_an_event_of_a_county_outside_the_city_is_parked_not_applied(linked, people):
    _, city, _ = linked
    admin = people["city_admin"]
    lanzhou = "620102"

    def counted_in_lanzhou():
        answer = admin.get(
            "/api/v1/indicators/inspection", params={"region": lanzhou, "year": YEAR}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["dual_prevention"]["denominator"]

    stray = standing_fact(city, "91620102MA00000000", lanzhou)
    # As a misconfigured link would deliver it: into the city's upward exchange.
    publish(city.vhost.amqp_uri, federation.UPWARD, stray)

    def parked():
        letters = admin.get("/api/v1/dead-letters/inspection")
        assert letters.status_code == 200, letters.text
        return [letter for letter in letters.json() if letter["event"]["id"] == stray["id"]]

    [letter] = wait_until(parked, timeout=30, message="the stray event to be parked")
    assert "outside this deployment's jurisdiction" in letter["error"]
    assert counted_in_lanzhou() == 0
    readiness = requests.get(f"{city.components.url}/readyz", timeout=10).json()
    assert (readiness["deployment"]["level"], readiness["deployment"]["region"]) == ("city", CITY)


def standing_fact(deployment, uscc, region=COUNTY):
    """An enterprise's `standing_changed` fact: one more open enterprise of `region`."""
    return make_event(
        service="registry",
        entity="enterprise",
        verb="standing_changed",
        subject=uscc,
        data={
            "uscc": uscc,
            "before": None,
            "after": {
                "region_code": region,
                "open": True,
                "confined_space": False,
                "grading_required": False,
                "grade_held": False,
            },
        },
        region_code=region,
        now=deployment.settings.clock().now(),
    )


def test_a_county_event_replayed_a_year_later_changes_nothing(linked, people):
    """The city keeps the ids of the events it applied for longer than its children's longest
    partition (its inbox retention, here 400 days): a replay a year on is known and skipped."""
    county, city, _ = linked
    fact = standing_fact(county, "91620722MA0REPLAY0")
    before = county_figures(people["city"])["open"]
    publish(county.vhost.amqp_uri, "registry.events", fact)
    wait_until(
        lambda: county_figures(people["city"])["open"] == before + 1,
        message="the city to count the county's fact",
    )
    a_year = 365 * 86400
    city.components.restart("inspection", clock_offset_seconds=a_year, inbox_retention_days=400)
    try:
        # The replay, then a new fact behind it on the same queue: once the new one counts, the
        # replay was handled before it.
        publish(
            county.vhost.amqp_uri,
            "registry.events",
            fact,
            standing_fact(county, "91620722MA0REPLAY1"),
        )
        wait_until(
            lambda: county_figures(people["city"])["open"] >= before + 2,
            message="the fact behind the replay to be counted",
        )
        assert county_figures(people["city"])["open"] == before + 2
    finally:
        city.components.restart("inspection")
