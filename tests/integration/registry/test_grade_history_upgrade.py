"""Enterprises stored before grades had a history get one when the registry starts: their grade
becomes the history's first record, and the current grade shows its review date again."""

from tests.support.api import read
from tests.support.factories import enterprise
from tests.support.waiting import wait_until


def test_a_grade_stored_before_the_history_is_upgraded_at_start_up(
    sign_in, platform, mongo, settings
):
    minle = sign_in("minle")
    body = enterprise(standardization={"grade": 3, "graded_on": "2024-05-01"})
    assert minle.post("/api/v1/enterprises", json=body).status_code == 201
    enterprises = mongo[settings.database("registry")].enterprises
    stored = enterprises.find_one({"_id": body["uscc"]})
    for field in ("standardization_history", "standardization_check_on"):
        stored.pop(field)
    stored["standardization"].pop("review_due_on")
    enterprises.replace_one({"_id": body["uscc"]}, stored)
    # As data restored from before the upgrade: no record of it having run.
    mongo[settings.database("registry")].jobs.delete_one({"_id": "upgrade"})

    platform.restart("registry")
    upgraded = wait_until(
        lambda: enterprises.find_one(
            {"_id": body["uscc"], "standardization_history": {"$ne": None}}
        ),
        message="the registry to give the enterprise its grade history",
    )
    assert [entry["kind"] for entry in upgraded["standardization_history"]] == ["graded"]
    shown = read(minle, f"/api/v1/enterprises/{body['uscc']}/standardization")
    assert shown["current"]["review_due_on"] == "2027-01-31"
    assert shown["current"]["expires_on"] == "2027-05-01"
