"""Registry rules, without servers: what may be registered, changed and seen, and by whom."""

from datetime import date, datetime, timezone

import pytest

from services.kit.pure.actor import Actor
from services.kit.pure.errors import Conflict, Forbidden, InvalidInput
from services.kit.pure.uscc import with_check_character
from services.registry.domain import enterprises as domain
from services.registry.domain import standardization
from services.registry.domain.standardization import Terms

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 1)
ADMIN = Actor("admin", "admin", "000000")
CITY = Actor("zhangye", "regulator", "620700")
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")
AUDITOR = Actor("auditor", "auditor", "620700")
REQUIRED = {"industries": ["machinery"], "above_scale": True, "risk_features": ["metal_smelting"]}
TERMS = Terms(valid_years=3, review_lead_days=90, required=REQUIRED)


def uscc(region="620722", tail="MA01XYW0Q"):
    return with_check_character("91" + region + tail)


def fields(**overrides):
    base = {
        "uscc": uscc(),
        "name": "民乐县祁连机械制造有限公司",
        "region_code": "620722",
        "address": "民乐县工业园区1号",
        "industry": "machinery",
        "principal": {"name": "王伟", "phone": "13800000000"},
    }
    return {**base, **overrides}


def registered(**overrides):
    document, _ = domain.register(fields(**overrides), MINLE, NOW, TODAY, TERMS)
    return document


def test_registration_starts_operating_with_history_and_one_event():
    document, [event] = domain.register(
        fields(risk_features=["dust_explosion", "confined_space", "dust_explosion"]),
        MINLE,
        NOW,
        TODAY,
        TERMS,
    )
    assert document["status"] == "operating"
    assert document["risk_features"] == ["confined_space", "dust_explosion"]
    assert document["history"][0]["action"] == "registered"
    assert document["history"][0]["user_id"] == "minle"
    assert event["type"] == "cn.anjian.registry.enterprise.registered.v1"
    assert event["subject"] == document["uscc"]
    assert event["regioncode"] == "620722"
    assert event["data"]["name"] == document["name"]


@pytest.mark.parametrize("code", ["91620722MA01XYW0Q", "91620722MA01XYW0QI", "abc"])
def test_malformed_uscc_is_refused_even_for_an_administrator(code):
    with pytest.raises(InvalidInput) as refused:
        domain.register(fields(uscc=code), ADMIN, NOW, TODAY, TERMS, "legacy pilot code")
    assert "uscc" in refused.value.errors


def bad_checksum():
    good = uscc()
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def test_checksum_failure_needs_an_administrator_and_a_reason():
    with pytest.raises(InvalidInput):
        domain.register(fields(uscc=bad_checksum()), MINLE, NOW, TODAY, TERMS, "pilot region code")
    with pytest.raises(InvalidInput):
        domain.register(fields(uscc=bad_checksum()), ADMIN, NOW, TODAY, TERMS)
    document, _ = domain.register(
        fields(uscc=bad_checksum()), ADMIN, NOW, TODAY, TERMS, "pilot region code"
    )
    assert document["uscc_override"]["reason"] == "pilot region code"
    assert document["uscc_override"]["by"] == "admin"


def test_unknown_or_withdrawn_region_is_refused():
    for code in ("620799", "110103"):
        with pytest.raises(InvalidInput):
            domain.register(fields(region_code=code), ADMIN, NOW, TODAY, TERMS)


def test_a_county_cannot_register_in_another_county_but_its_city_can():
    with pytest.raises(Forbidden):
        domain.register(fields(region_code="620702"), MINLE, NOW, TODAY, TERMS)
    assert domain.register(fields(), CITY, NOW, TODAY, TERMS)[0]["region_code"] == "620722"


@pytest.mark.parametrize("actor", [AUDITOR, Actor("e", "enterprise", "620722", uscc())])
def test_readers_cannot_register(actor):
    with pytest.raises(Forbidden):
        domain.register(fields(), actor, NOW, TODAY, TERMS)


def test_standardization_expiry_and_review_due_are_derived():
    document = registered(standardization={"grade": 2, "graded_on": date(2024, 2, 29)})
    assert document["standardization"] == {
        "grade": 2,
        "graded_on": "2024-02-29",
        "expires_on": "2027-02-28",
        "review_due_on": "2026-11-30",
    }
    assert [entry["kind"] for entry in document["standardization_history"]] == ["graded"]
    assert standardization.state(document["standardization"], date(2026, 12, 1)) == "review_due"
    assert standardization.state(document["standardization"], date(2027, 3, 1)) == "expired"
    assert domain.view(document, TODAY)["standardization"]["state"] == "valid"


def test_standardization_cannot_be_graded_in_the_future_or_expire_before_grading():
    with pytest.raises(InvalidInput):
        registered(standardization={"grade": 1, "graded_on": date(2026, 3, 2)})
    with pytest.raises(InvalidInput):
        registered(
            standardization={
                "grade": 1,
                "graded_on": date(2025, 1, 1),
                "expires_on": date(2024, 1, 1),
            }
        )


def test_update_records_old_and_new_values_and_skips_no_change():
    document = registered()
    changed, [event] = domain.update(
        document,
        {"name": "民乐县祁连重工有限公司", "address": document["address"]},
        MINLE,
        NOW,
        TODAY,
        TERMS,
    )
    assert changed["name"] == "民乐县祁连重工有限公司"
    assert changed["history"][-1]["changes"] == {
        "name": {"from": document["name"], "to": "民乐县祁连重工有限公司"}
    }
    assert event["data"]["changed"] == ["name"]
    assert domain.update(document, {"address": document["address"]}, MINLE, NOW, TODAY, TERMS) == (
        document,
        [],
    )


def test_writes_outside_the_jurisdiction_are_forbidden():
    document = registered()
    with pytest.raises(Forbidden):
        domain.update(document, {"name": "另一个名字公司"}, GANZHOU, NOW, TODAY, TERMS)
    with pytest.raises(Forbidden):
        domain.update(document, {"region_code": "620702"}, MINLE, NOW, TODAY, TERMS)


def test_enterprise_user_changes_nothing():
    document = registered()
    own = Actor(document["uscc"], "enterprise", "620722", document["uscc"])
    with pytest.raises(Forbidden):
        domain.update(document, {"name": "自己改名有限公司"}, own, NOW, TODAY, TERMS)


def test_status_transitions_are_dated_reasoned_and_closing_is_final():
    document = registered()
    changed, [event] = domain.change_status(
        document, "suspended", "停产整顿", TODAY, MINLE, NOW, TODAY
    )
    assert changed["status_history"][-1]["status"] == "suspended"
    assert event["data"] == {
        "uscc": document["uscc"],
        "from": "operating",
        "to": "suspended",
        "reason": "停产整顿",
        "effective_on": "2026-03-01",
    }
    with pytest.raises(Conflict):
        domain.change_status(document, "operating", "again", TODAY, MINLE, NOW, TODAY)
    closed = {**document, "status": "closed"}
    with pytest.raises(Conflict):
        domain.change_status(closed, "operating", "reopen", TODAY, MINLE, NOW, TODAY)


def test_suspension_order_suspends_and_only_its_own_lifting_restores():
    document = registered()
    order = {"order_id": "SO-1", "reason": "重大事故隐患整改", "ordered_on": "2026-03-01"}
    suspended, _ = domain.apply_suspension_order(document, order, ADMIN, NOW)
    assert suspended["status"] == "suspended"
    assert domain.apply_suspension_order(suspended, order, ADMIN, NOW) == (suspended, [])
    other = {"order_id": "SO-2", "lifted_on": "2026-04-01"}
    assert domain.lift_suspension_order(suspended, other, ADMIN, NOW) == (suspended, [])
    lifted, _ = domain.lift_suspension_order(
        suspended, {"order_id": "SO-1", "lifted_on": "2026-04-01"}, ADMIN, NOW
    )
    assert lifted["status"] == "operating"


def test_import_batch_reports_every_row():
    rows = [
        {"row": 2, "fields": fields()},
        {"row": 3, "fields": fields()},
        {"row": 4, "fields": fields(uscc="bad")},
        {"row": 5, "fields": fields(uscc=uscc(tail="MA01XYW2Q"), region_code="620702")},
    ]

    def load(payload):
        return payload

    report, registrations = domain.import_batch(rows, MINLE, NOW, TODAY, TERMS, load)
    documents = [document for document, _ in registrations]
    assert [line["result"] for line in report] == ["created", "invalid", "invalid", "invalid"]
    assert "uscc" in report[1]["errors"] and "uscc" in report[2]["errors"]
    assert "region_code" in report[3]["errors"]
    assert [d["_id"] for d in documents] == [uscc()]
    assert documents[0]["history"][0]["action"] == "imported"


def test_overlapping_suspension_orders_keep_the_enterprise_suspended_until_the_last_is_lifted():
    """Safety Law Art. 65: production resumes only after review, so an enterprise under two
    orders (one per major hazard) stays suspended until both are lifted."""
    first = {"order_id": "SO-1", "reason": "除尘系统失效", "ordered_on": "2026-03-01"}
    second = {"order_id": "SO-2", "reason": "有限空间未审批", "ordered_on": "2026-03-05"}
    suspended, _ = domain.apply_suspension_order(registered(), first, ADMIN, NOW)
    both, events = domain.apply_suspension_order(suspended, second, ADMIN, NOW)
    assert both["status"] == "suspended" and events == []
    assert both["open_suspension_orders"] == ["SO-1", "SO-2"]
    one_left, events = domain.lift_suspension_order(
        both, {**first, "lifted_on": "2026-04-01"}, ADMIN, NOW
    )
    assert one_left["status"] == "suspended" and events == []
    assert one_left["open_suspension_orders"] == ["SO-2"]
    assert domain.lift_suspension_order(
        one_left, {**first, "lifted_on": "2026-04-01"}, ADMIN, NOW
    ) == (one_left, [])
    resumed, [event] = domain.lift_suspension_order(
        one_left, {**second, "lifted_on": "2026-04-02"}, ADMIN, NOW
    )
    assert resumed["status"] == "operating" and resumed["open_suspension_orders"] == []
    assert event["data"]["to"] == "operating" and event["data"]["effective_on"] == "2026-04-02"


def test_lifting_an_order_does_not_end_a_suspension_set_by_hand():
    by_hand, _ = domain.change_status(
        registered(), "suspended", "停产检修", TODAY, MINLE, NOW, TODAY
    )
    order = {"order_id": "SO-1", "reason": "拒不整改", "ordered_on": "2026-03-01"}
    ordered, _ = domain.apply_suspension_order(by_hand, order, ADMIN, NOW)
    lifted, events = domain.lift_suspension_order(
        ordered, {**order, "lifted_on": "2026-04-01"}, ADMIN, NOW
    )
    assert lifted["status"] == "suspended" and events == []
    assert lifted["open_suspension_orders"] == []


def test_a_grade_not_yet_given_its_history_reads_as_valid_or_expired():
    stored_before = {"grade": 3, "graded_on": "2024-06-10", "expires_on": "2027-06-10"}
    assert standardization.state(stored_before, date(2027, 5, 1)) == "valid"
    assert standardization.state(stored_before, date(2027, 7, 1)) == "expired"
