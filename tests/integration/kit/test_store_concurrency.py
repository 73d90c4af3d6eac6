"""Racing writers on the embedded MongoDB-protocol server, from the driver up to the gateway.

Upstream FerretDB 1.x applies update, findAndModify and delete as a read followed by a separate
write, so racing writers are all told they won while only one write survives. The platform runs it
with a carried patch (infra/local/ferretdb-write-lock.patch). Every test here races real clients
against the real server the suite starts (the crash test against a private one it may kill), and
fails on an unpatched build.
"""

import dataclasses
import io
import tempfile
import threading
from collections import Counter
from datetime import timedelta

import pytest
from pymongo.errors import PyMongoError

from services.kit.mongo import BATCH, BaseStore, connect
from services.kit.outbox import OutboxPublisher
from services.kit.pure.clock import Clock
from services.kit.pure.envelope import make_event
from services.kit.pure.errors import Conflict
from tests.support.api import register
from tests.support.events import EventTap
from tests.support.factories import SECOND_OFFICER, enterprise, png
from tests.support.waiting import wait_until
from tools.isolated import Components
from tools.private_store import PrivateFerretDB

CLIENTS = 16
# Events a crashed command left in each aggregate's outbox, for the relay to race with new saves.
ORPHANS = 30


def race(workers):
    """Run every callable in its own thread, released together; their results in order."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def clients(settings):
    """Separate connections, as separate service processes would have."""
    opened = [connect(settings) for _ in range(CLIENTS)]
    yield opened
    for client in opened:
        client.close()


@pytest.fixture
def scratch(settings, mongo):
    name = settings.database("concurrency")
    yield name
    mongo.drop_database(name)


def new_event(subject, now):
    return make_event(
        service="storetest",
        entity="aggregate",
        verb="changed",
        subject=subject,
        region_code="620722",
        now=now,
        data={"subject": subject},
    )


def relayed_everything(publisher, store):
    """One relay pass; True once no pointer is left, i.e. every outbox is published."""
    publisher.relay(store)
    return store.pending.count_documents({}) == 0


def relayed(publisher, store, tap, message):
    """The ids of what the relay publishes until no pointer is left, as `tap` saw them."""
    wait_until(lambda: relayed_everything(publisher, store), timeout=30, message=message)
    return [seen["id"] for seen in tap.drain(quiet_seconds=1)]


def guarded_save(store, collection, document_id, event=None):
    """Read, change and save one aggregate as a command does; False when it lost the race."""
    before = collection.find_one({"_id": document_id})
    after = {**before, "saves": before.get("saves", 0) + 1}
    try:
        store.save(collection, before, after, [event] if event else [])
    except Conflict:
        return False
    return True


# (a) ---------------------------------------------------------------------------------------


def test_concurrent_increments_are_all_kept(clients, scratch):
    clients[0][scratch].counters.insert_one({"_id": "shared", "n": 0})

    def increments(client):
        def work():
            for _ in range(25):
                client[scratch].counters.update_one({"_id": "shared"}, {"$inc": {"n": 1}})

        return work

    race([increments(client) for client in clients])
    assert clients[0][scratch].counters.find_one({"_id": "shared"})["n"] == 400


# (b) ---------------------------------------------------------------------------------------


def test_racing_guarded_saves_have_exactly_one_winner_whose_write_is_stored(
    clients, scratch, settings
):
    stores = [BaseStore(client[scratch], settings) for client in clients]
    for trial in range(20):
        collection = stores[0].db.aggregates
        collection.insert_one({"_id": trial, "version": 0, "written_by": None})
        before = collection.find_one({"_id": trial})

        def save(racer, before=before):
            def work():
                store = stores[racer % CLIENTS]
                try:
                    store.save(store.db.aggregates, before, {**before, "written_by": racer}, [])
                except Conflict:
                    return False
                return True

            return work

        won = race([save(racer) for racer in range(20)])
        stored = collection.find_one({"_id": trial})
        assert won.count(True) == 1, f"trial {trial}: {won.count(True)} winners"
        assert stored["written_by"] == won.index(True)
        assert stored["version"] == 1


# (c) ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_relay_and_racing_saves_publish_every_event_exactly_once(
    clients, scratch, settings, broker
):
    clock = settings.clock()
    stores = [BaseStore(client[scratch], settings) for client in clients]
    publishers = [OutboxPublisher("storetest", settings, clock) for _ in clients]
    relay_publisher = OutboxPublisher("storetest", settings, clock)
    collection = stores[0].db.aggregates
    tap = EventTap(broker.amqp_uri, "storetest.events")
    aggregates = [f"aggregate-{number}" for number in range(8)]
    appended = []
    try:
        # Events a crashed command left behind, old enough for the relay to take.
        for name in aggregates:
            collection.insert_one({"_id": name, "version": 0})
            for _ in range(ORPHANS):
                event = new_event(name, clock.now() - timedelta(minutes=1))
                assert guarded_save(stores[0], collection, name, event)
                appended.append(event["id"])
        saved = Counter({name: ORPHANS for name in aggregates})
        relaying = threading.Event()
        relaying.set()

        def relay():
            while relaying.is_set():
                relay_publisher.relay(stores[0])

        relay_thread = threading.Thread(target=relay)
        relay_thread.start()
        lock = threading.Lock()

        def commands(racer):
            def work():
                store, publisher = stores[racer], publishers[racer]
                for step in range(200 // CLIENTS + 1):
                    name = aggregates[(racer + step) % len(aggregates)]
                    event = new_event(name, clock.now())
                    while not guarded_save(store, store.db.aggregates, name, event):
                        pass
                    with lock:
                        appended.append(event["id"])
                        saved[name] += 1
                    publisher.flush(store.db.aggregates, name, [event])

            return work

        try:
            race([commands(racer) for racer in range(CLIENTS)])
        finally:
            relaying.clear()
            relay_thread.join()
        wait_until(
            lambda: relayed_everything(relay_publisher, stores[0]),
            timeout=30,
            message="the relay to settle every pointer",
        )
        published = Counter(event["id"] for event in tap.drain(quiet_seconds=1.5))
    finally:
        tap.close()
    assert sorted(published) == sorted(appended), "events lost or invented"
    assert [event_id for event_id, times in published.items() if times > 1] == []
    for name in aggregates:
        stored = collection.find_one({"_id": name})
        assert stored["saves"] == saved[name] == stored["version"]
        assert stored.get("outbox") == []


# (d) ---------------------------------------------------------------------------------------


@pytest.fixture
def second_inspection(settings, platform):
    """Another copy of the inspection service on the same queues, as an ops team scales it."""
    copy = Components(settings)
    copy.start("inspection")
    yield copy
    copy.stop_all()


def open_general_hazards(inspector, uscc, count):
    visit = inspector.post(
        "/api/v1/inspections",
        json={
            "uscc": uscc,
            "mode": "routine",
            "place": "生产车间",
            "content": "日常检查",
            "inspectors": [SECOND_OFFICER],
        },
    )
    assert visit.status_code == 201, visit.text
    deadline = (Clock().today() + timedelta(days=10)).isoformat()
    for number in range(count):
        reply = inspector.post(
            f"/api/v1/inspections/{visit.json()['id']}/findings",
            json={"description": f"安全警示标志缺失{number}", "deadline": deadline},
        )
        assert reply.status_code == 201, reply.text
    done = inspector.post(
        f"/api/v1/inspections/{visit.json()['id']}/complete",
        json={"handling": "责令限期整改", "signature": "王伟"},
    )
    assert done.status_code == 200, done.text
    return [
        h["id"] for h in inspector.get("/api/v1/hazards", params={"uscc": uscc}).json()["items"]
    ]


@pytest.fixture
def known_enterprise(sign_in, users):
    body, _ = register(sign_in, users)
    return body


def submit_rectification(company, hazard_id):
    upload = company.post(
        "/api/v1/evidence",
        data={"hazard_id": hazard_id},
        files={"file": ("fix.png", io.BytesIO(png(hash(hazard_id))), "image/png")},
    )
    assert upload.status_code == 201, upload.text
    return lambda: company.post(
        f"/api/v1/hazards/{hazard_id}/rectification",
        json={"evidence": [upload.json()["id"]], "note": "已整改"},
    )


def history(hazard):
    return [(step["from"], step["to"]) for step in hazard["transitions"]]


def test_two_inspection_copies_racing_on_hazards_end_as_a_sequential_replay(
    sign_in, known_enterprise, second_inspection, broker
):
    uscc = known_enterprise["uscc"]
    inspector, company = sign_in("inspector-minle"), sign_in(uscc, "company-pass-1")
    tap = EventTap(broker.amqp_uri, "anjian.events", "cn.anjian.inspection.hazard.#")
    try:
        control, *raced = open_general_hazards(inspector, uscc, 7)
        # The same closed loop, once by one client, once with every step sent by five at once.
        assert submit_rectification(company, control)().status_code == 200
        assert (
            inspector.post(
                f"/api/v1/hazards/{control}/verification", json={"decision": "verify"}
            ).status_code
            == 200
        )
        submissions = [submit_rectification(company, hazard_id) for hazard_id in raced]
        submitted = race([submission for submission in submissions for _ in range(5)])
        verified = race(
            [
                lambda hazard_id=hazard_id: inspector.post(
                    f"/api/v1/hazards/{hazard_id}/verification", json={"decision": "verify"}
                )
                for hazard_id in raced
                for _ in range(5)
            ]
        )
        for replies in (submitted, verified):
            codes = sorted(reply.status_code for reply in replies)
            assert codes == [200] * len(raced) + [409] * (4 * len(raced)), codes
        expected = inspector.get(f"/api/v1/hazards/{control}").json()
        for hazard_id in raced:
            hazard = inspector.get(f"/api/v1/hazards/{hazard_id}").json()
            assert (hazard["state"], history(hazard)) == (expected["state"], history(expected))
        closed = wait_until(
            lambda: (
                (
                    found := [
                        e["subject"]
                        for e in tap.drain(quiet_seconds=1)
                        if e["type"].endswith(".hazard.closed.v1")
                    ]
                )
                and len(found) >= len(raced) + 1
                and found
            ),
            timeout=30,
            message="the closed events",
        )
    finally:
        tap.close()
    assert sorted(closed) == sorted([control, *raced])


# (e) ---------------------------------------------------------------------------------------


def test_identical_verifications_of_one_hazard_close_it_once(sign_in, known_enterprise, broker):
    uscc = known_enterprise["uscc"]
    inspector, company = sign_in("inspector-minle"), sign_in(uscc, "company-pass-1")
    # Several hazards raced at once, twenty verifications each, so the races overlap.
    hazard_ids = open_general_hazards(inspector, uscc, 4)
    for hazard_id in hazard_ids:
        assert submit_rectification(company, hazard_id)().status_code == 200
    tap = EventTap(broker.amqp_uri, "anjian.events", "cn.anjian.inspection.hazard.closed.v1")
    try:
        replies = race(
            [
                lambda hazard_id=hazard_id: inspector.post(
                    f"/api/v1/hazards/{hazard_id}/verification", json={"decision": "verify"}
                )
                for _ in range(20)
                for hazard_id in hazard_ids
            ]
        )
        closed = Counter(event["subject"] for event in tap.drain(quiet_seconds=3))
    finally:
        tap.close()
    for index, hazard_id in enumerate(hazard_ids):
        codes = sorted(reply.status_code for reply in replies[index :: len(hazard_ids)])
        assert codes == [200] + [409] * 19, (hazard_id, codes)
        assert closed[hazard_id] == 1
    refused = next(reply for reply in replies if reply.status_code == 409)
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "conflict"


def test_concurrent_patches_of_one_enterprise_are_each_stored_and_audited_or_refused(
    sign_in, broker
):
    minle = sign_in("minle")
    body = enterprise()
    assert minle.post("/api/v1/enterprises", json=body).status_code == 201
    uscc = body["uscc"]
    tap = EventTap(broker.amqp_uri, "anjian.events", "cn.anjian.registry.enterprise.updated.v1")
    try:
        # None of them the address it was registered with: a PATCH that changes nothing is a
        # 200 with nothing to store or audit.
        addresses = [f"民乐县新区{number}号" for number in range(50)]
        replies = race(
            [
                lambda address=address: minle.patch(
                    f"/api/v1/enterprises/{uscc}", json={"address": address}
                )
                for address in addresses
            ]
        )
        updated = [event for event in tap.drain(quiet_seconds=3) if event["subject"] == uscc]
    finally:
        tap.close()
    won = [
        address
        for address, reply in zip(addresses, replies, strict=True)
        if reply.status_code == 200
    ]
    refused = [reply for reply in replies if reply.status_code != 200]
    assert won, "nobody won"
    assert {reply.status_code for reply in refused} <= {409}
    assert all(reply.json()["code"] == "conflict" for reply in refused)
    audited = [
        entry["changes"]["address"]["to"]
        for entry in minle.get(f"/api/v1/enterprises/{uscc}/history").json()
        if entry["action"] == "updated"
    ]
    assert sorted(audited) == sorted(won)
    assert sorted(event["data"]["address"] for event in updated) == sorted(won)
    assert minle.get(f"/api/v1/enterprises/{uscc}").json()["address"] in won


# A crash in the middle of a burst ----------------------------------------------------------


@pytest.mark.slow
def test_a_server_killed_during_a_burst_of_saves_keeps_exactly_the_acknowledged_ones(
    settings, broker
):
    clock = settings.clock()
    with tempfile.TemporaryDirectory(prefix="anjian-crash-") as folder:
        server = PrivateFerretDB(folder).start()
        try:
            # No driver-side retry: a write is acknowledged, refused, or unknown, never replayed.
            client = server.client(retryWrites=False)
            store = BaseStore(client.crash, settings)
            collection = store.db.aggregates
            names = [f"aggregate-{number}" for number in range(4)]
            collection.insert_many([{"_id": name, "version": 0, "log": []} for name in names])
            acknowledged, refused, unknown = set(), set(), set()
            killed = threading.Event()

            def burst(racer):
                for step in range(400):
                    name = names[(racer + step) % len(names)]
                    event = new_event(name, clock.now())
                    try:
                        before = collection.find_one({"_id": name})
                        after = {**before, "log": [*before["log"], event["id"]]}
                        store.save(collection, before, after, [event])
                    except Conflict:
                        refused.add(event["id"])
                        continue
                    except PyMongoError:
                        unknown.add(event["id"])
                        return
                    acknowledged.add(event["id"])
                    if len(acknowledged) == 150:
                        killed.set()

            threads = [threading.Thread(target=burst, args=(racer,)) for racer in range(6)]
            for thread in threads:
                thread.start()
            assert killed.wait(60), "the burst never reached 150 saves"
            server.kill()
            for thread in threads:
                thread.join()
            client.close()
            server.start()
            client = server.client()
            stored = client.crash.aggregates.find()
            logged = set()
            outboxes = set()
            for document in stored:
                assert document["version"] == len(document["log"])
                logged.update(document["log"])
                outboxes.update(event["id"] for event in document["outbox"])
            assert acknowledged <= logged, "acknowledged saves were lost"
            assert not logged & refused, "refused saves were stored"
            assert logged <= acknowledged | unknown
            assert outboxes == logged, "a stored change lost its event, or an event its change"

            # After the restart the relay publishes every stored event.
            tap = EventTap(broker.amqp_uri, "storetest.events")
            try:
                # A minute later, when the relay takes over what no command flushed.
                later = dataclasses.replace(settings, clock_offset_seconds=60)
                publisher = OutboxPublisher("storetest", later, later.clock())
                store = BaseStore(client.crash, later)
                wait_until(
                    lambda: relayed_everything(publisher, store),
                    timeout=60,
                    message="the relay to publish every stored event",
                )
                published = Counter(event["id"] for event in tap.drain(quiet_seconds=1.5))
            finally:
                tap.close()
            assert set(published) == logged
            client.close()
        finally:
            server.stop()


def test_a_pointer_whose_events_are_not_written_yet_is_kept_until_they_are(
    scratch, settings, mongo, broker
):
    """A command points the relay at its document first and writes the event after; a relay
    pass in between must not settle the pointer, or that event would never be published."""
    clock = settings.clock()
    store = BaseStore(mongo[scratch], settings)
    publisher = OutboxPublisher("storetest", settings, clock)
    collection = store.db.late
    collection.insert_one({"_id": "late", "version": 0})
    tap = EventTap(broker.amqp_uri, "storetest.events")
    try:
        store.announce(collection, ["late"])
        publisher.relay(store)
        event = new_event("late", clock.now())
        collection.update_one({"_id": "late"}, {"$push": {"outbox": event}})
        published = relayed(
            publisher, store, tap, "the relay to publish the late event and settle its pointer"
        )
    finally:
        tap.close()
    assert published == [event["id"]]


def one_row_there_before(database, settings):
    """A store whose collection `imported` holds a row "there-before"; an event for it and one
    for a "new" row."""
    now = settings.clock().now()
    store = BaseStore(database, settings)
    store.db.imported.insert_one({"_id": "there-before", "version": 0})
    return store, store.db.imported, new_event("new", now), new_event("there-before", now)


@pytest.mark.parametrize("finished", [True, False], ids=["written", "crashed halfway"])
def test_a_bulk_insert_announces_only_the_documents_it_wrote(
    scratch, settings, mongo, broker, finished
):
    """A bulk insert's events wait in one batch pointer; the relay publishes those of documents
    the insert wrote, not of rows that were there already, whether or not the insert finished."""
    store, collection, new, old = one_row_there_before(mongo[scratch], settings)
    tap = EventTap(broker.amqp_uri, "storetest.events")
    try:
        batch = store.announce_batch(
            collection, [("new", new), ("there-before", old)], written=False
        )
        collection.insert_one({"_id": "new", "version": 0, BATCH: batch})
        if finished:
            store.batch_written(batch)
        # An unfinished batch waits out the grace period: a minute later it is relayed too.
        later = dataclasses.replace(settings, clock_offset_seconds=0 if finished else 60)
        publisher = OutboxPublisher("storetest", later, later.clock())
        published = relayed(publisher, store, tap, "the relay to publish the batch and settle it")
    finally:
        tap.close()
    assert published == [new["id"]]


def test_a_finished_bulk_insert_names_what_it_skipped_and_the_relay_reads_no_document(
    scratch, settings, mongo, broker
):
    """`insert_new` knows which rows were there already: their events leave the batch at once,
    and the relay publishes the rest without reading the inserted documents back."""
    clock = settings.clock()
    store, collection, new, old = one_row_there_before(mongo[scratch], settings)
    tap = EventTap(broker.amqp_uri, "storetest.events")
    try:
        skipped = store.insert_new(
            collection, [({"_id": "new", "version": 0}, [new]), ({"_id": "there-before"}, [old])]
        )
        assert skipped == {"there-before"}
        [pointer] = list(store.pending.find())
        assert pointer["written"] is True and pointer["skipped"] == ["there-before"]
        # The documents are gone: a relay that read them back would publish nothing.
        collection.delete_many({})
        publisher = OutboxPublisher("storetest", settings, clock)
        published = relayed(publisher, store, tap, "the relay to publish the batch and settle it")
    finally:
        tap.close()
    assert published == [new["id"]]
