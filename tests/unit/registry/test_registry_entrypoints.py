"""The registry's RPC entrypoints in-process: what each hands the store, and what it answers.

nameko's `worker_factory` builds the service with its dependencies replaced: the store by an
in-memory one per test that records what it is asked, the caller and the clock by fixed ones. No
container runs and nothing waits on the network, so eventlet needs no monkey-patching here and
each test takes milliseconds. The store's queries, visibility included, are tested against a real
database in tests/integration.
"""

from datetime import datetime, timezone

import pytest
from nameko.testing.services import worker_factory

from services.kit.pure.actor import Actor
from services.kit.pure.clock import FixedClock
from services.kit.pure.errors import InvalidInput, NotFound
from services.kit.rules import load_rules
from services.kit.runtime import CallerContext
from services.registry.service import RegistryService
from tests.support.factories import enterprise

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
MINLE = Actor("minle", "regulator", "620722")


class EnterpriseStore:
    """The registry store's methods these entrypoints call, over a dict; `searches` keeps who
    asked for which criteria."""

    def __init__(self):
        self.documents = {}
        self.added = []
        self.searches = []
        # Units the credit service's events report listed.
        self.listed = set()

    def listed_units(self, usccs):
        return self.listed & set(usccs)

    def add_enterprise(self, document, events):
        self.added.append((document, events))
        self.documents[document["_id"]] = document

    def enterprise(self, uscc, actor, with_history=False):
        if uscc not in self.documents:
            raise NotFound(f"no enterprise {uscc}")
        return self.documents[uscc]

    def search(self, actor, criteria, skip, limit, with_total=False):
        self.searches.append((actor.user_id, criteria))
        return {"items": list(self.documents.values()), "total": None, "has_more": False}


def registry(store, actor):
    return worker_factory(
        RegistryService,
        store=store,
        caller=CallerContext(actor.to_context()),
        clock=FixedClock(NOW),
        rules=load_rules("registry"),
    )


def test_register_hands_the_store_the_enterprise_with_its_registered_event():
    store, body = EnterpriseStore(), enterprise()
    view = registry(store, MINLE).register(body)
    assert (view["uscc"], view["status"]) == (body["uscc"], "operating")
    [(document, [event, graded, standing])] = store.added
    assert document["_id"] == body["uscc"]
    assert (event["type"], event["subject"]) == (
        "cn.anjian.registry.enterprise.registered.v1",
        body["uscc"],
    )
    assert graded["type"] == "cn.anjian.registry.standardization.graded.v1"
    # What it adds to the counts of enterprises, which services keep from this event.
    assert standing["type"] == "cn.anjian.registry.enterprise.standing_changed.v1"
    assert standing["data"]["before"] is None
    assert standing["data"]["after"] == document["standing"]
    assert document["standing"]["open"] and document["standing"]["region_code"] == "620722"


def test_an_invalid_registration_stores_and_announces_nothing():
    store = EnterpriseStore()
    with pytest.raises(InvalidInput) as refused:
        registry(store, MINLE).register(enterprise(region_code="620799"))
    assert "region_code" in refused.value.errors
    assert store.added == []


def test_the_profile_shows_whether_the_unit_is_on_the_untrustworthy_list():
    store, body = EnterpriseStore(), enterprise()
    registry(store, MINLE).register(body)
    assert registry(store, MINLE).get(body["uscc"])["credit_status"] == "clear"
    store.listed.add(body["uscc"])
    assert registry(store, MINLE).get(body["uscc"])["credit_status"] == "untrustworthy"


def test_an_enterprise_the_store_does_not_show_the_caller_reads_as_missing():
    with pytest.raises(NotFound):
        registry(EnterpriseStore(), MINLE).get(enterprise()["uscc"])


def test_a_list_asks_the_store_as_the_caller_and_answers_views():
    store, body = EnterpriseStore(), enterprise()
    registry(store, MINLE).register(body)
    page = registry(store, MINLE).list({"industry": body["industry"]})
    assert store.searches == [("minle", {"industry": body["industry"]})]
    assert [item["uscc"] for item in page["items"]] == [body["uscc"]]
