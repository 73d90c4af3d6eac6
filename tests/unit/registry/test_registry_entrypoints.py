"""The registry's RPC entrypoints in-process: what each hands the store and the outbox.

nameko's `worker_factory` builds the service with its dependencies replaced: the store by an
in-memory one per test, the outbox by a mock whose calls are checked, the caller and the clock by
fixed ones. No container runs and nothing waits on the network, so eventlet needs no
monkey-patching here and each test takes milliseconds. The store's queries themselves are tested
against a real database in tests/integration.
"""

from datetime import datetime, timezone

import pytest
from nameko.testing.services import worker_factory

from services.kit.pure.actor import Actor
from services.kit.pure.clock import FixedClock
from services.kit.pure.errors import InvalidInput, NotFound
from services.kit.runtime import CallerContext
from services.registry.service import RegistryService
from tests.support.factories import enterprise

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
MINLE = Actor("minle", "regulator", "620722")
GANZHOU = Actor("ganzhou", "regulator", "620702")


class EnterpriseStore:
    """The registry store's methods these entrypoints call, over a dict; `searches` keeps the
    criteria each list asked for."""

    enterprises = "enterprises-collection"

    def __init__(self):
        self.documents = {}
        self.searches = []

    def insert(self, document):
        self.documents[document["_id"]] = document

    def get(self, uscc, with_history=False):
        return self.documents.get(uscc)

    def search(self, criteria, skip, limit, with_total=False):
        self.searches.append(criteria)
        return {"items": [], "total": None}


def registry(store, actor):
    return worker_factory(
        RegistryService,
        store=store,
        caller=CallerContext(actor.to_context()),
        clock=FixedClock(NOW),
    )


def test_register_stores_the_enterprise_then_flushes_its_registered_event():
    store, body = EnterpriseStore(), enterprise()
    service = registry(store, MINLE)
    view = service.register(body)
    assert (view["uscc"], view["status"]) == (body["uscc"], "operating")
    [event] = store.documents[body["uscc"]]["outbox"]
    assert event["type"] == "cn.anjian.registry.enterprise.registered.v1"
    service.outbox.flush.assert_called_once_with(store.enterprises, body["uscc"], [event])


def test_an_invalid_registration_stores_and_announces_nothing():
    store = EnterpriseStore()
    service = registry(store, MINLE)
    with pytest.raises(InvalidInput) as refused:
        service.register(enterprise(region_code="620799"))
    assert "region_code" in refused.value.errors
    assert store.documents == {}
    service.outbox.flush.assert_not_called()


def test_an_enterprise_outside_the_jurisdiction_reads_as_missing():
    store, body = EnterpriseStore(), enterprise()
    registry(store, MINLE).register(body)
    with pytest.raises(NotFound):
        registry(store, GANZHOU).get(body["uscc"])


def test_an_enterprise_user_lists_only_its_own_enterprise_whatever_it_asks():
    store, body = EnterpriseStore(), enterprise()
    company = Actor(body["uscc"], "enterprise", "620722", body["uscc"])
    registry(store, company).list({"region": "620722"})
    assert store.searches == [{"uscc": body["uscc"], "region_prefix": "620722"}]
