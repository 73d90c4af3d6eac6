"""A finding of the registry's spot check of a construction project opens a hazard here: the
hazard carries the registry's id, so a redelivered event finds it stored already."""

from datetime import datetime, timezone

from services.inspection.domain import hazards

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)


def spot_checked(*findings):
    return {
        "project_id": "p1",
        "uscc": "91620722MA01XYW0QX",
        "spot_check_id": "s1",
        "enterprise_name": "民乐县祁连冶炼有限公司",
        "project_name": "铜冶炼改扩建项目",
        "checked_on": "2026-06-01",
        "first": True,
        "findings": list(findings),
        "by": "minle",
    }


def test_only_findings_with_a_hazard_open_one_in_its_loop_s_first_state():
    opened = hazards.found_in_spot_check(
        spot_checked(
            {
                "finding_id": "f1",
                "description": "除尘系统未按设计建设",
                "location": "熔炼车间",
                "hazard": {"hazard_id": "h1", "grade": "general", "deadline": "2026-07-01"},
            },
            {"finding_id": "f2", "description": "资料不全", "location": None, "hazard": None},
        ),
        "620722",
        NOW,
    )
    [(hazard, [reported])] = opened
    assert (hazard["_id"], hazard["state"], hazard["source"]) == (
        "h1",
        "rectifying",
        "project_spot_check",
    )
    assert (hazard["spot_check_id"], hazard["region_code"], hazard["found_by"]) == (
        "s1",
        "620722",
        "minle",
    )
    assert reported["type"] == "cn.anjian.inspection.hazard.reported.v1"
