"""store_update_patched_vs_unpatched: racing updates per second, patched FerretDB versus upstream.

The embedded store is built with a patch that makes each update's read and write atomic (see
infra/local/ferretdb-write-lock.patch). This measures what that costs: the same racing workload
(clients in threads, each with its own connection, $inc on a few shared documents) against a
private patched server and a private upstream server, started side by side in the same run with
the same options. Only the patched one keeps every increment; the figure reports that too.
"""

import tempfile
import threading
import time

from bench.figures import Figure
from tools.private_store import PrivateFerretDB

NAME = "store_update_patched_vs_unpatched"
TARGET = 0.7
CLIENTS = 16
UPDATES_PER_CLIENT = 150
DOCUMENTS = 4


def _race(server):
    """(updates per second, increments kept) for one server."""
    clients = [server.client() for _ in range(CLIENTS)]
    try:
        counters = clients[0].bench_store.counters
        counters.drop()
        counters.insert_many([{"_id": number, "n": 0, "version": 0} for number in range(DOCUMENTS)])

        def racer(client, offset):
            collection = client.bench_store.counters
            for step in range(UPDATES_PER_CLIENT):
                number = (offset + step) % DOCUMENTS
                collection.update_one({"_id": number}, {"$inc": {"n": 1}})

        threads = [
            threading.Thread(target=racer, args=(client, offset))
            for offset, client in enumerate(clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        kept = sum(document["n"] for document in counters.find())
        return CLIENTS * UPDATES_PER_CLIENT / seconds, kept
    finally:
        for client in clients:
            client.close()


def store_update_patched_vs_unpatched():
    with (
        tempfile.TemporaryDirectory(prefix="anjian-bench-store-") as folder,
        PrivateFerretDB(f"{folder}/patched") as patched,
        PrivateFerretDB(f"{folder}/upstream", upstream=True) as upstream,
    ):
        # Alternate, so that neither build always runs on a warmer machine.
        runs = {"patched": [], "upstream": []}
        for _ in range(2):
            for name, server in (("patched", patched), ("upstream", upstream)):
                runs[name].append(_race(server))
    total = CLIENTS * UPDATES_PER_CLIENT
    rate = {name: sum(r for r, _ in results) / len(results) for name, results in runs.items()}
    kept = {name: min(k for _, k in results) for name, results in runs.items()}
    details = [
        f"{name}: {rate[name]:.0f} updates/s, {kept[name]} of {total} increments kept "
        f"({CLIENTS} clients racing on {DOCUMENTS} documents)"
        for name in runs
    ]
    if kept["patched"] != total:
        return Figure(
            NAME, "failed", f">= {TARGET}", details + ["the patched build lost increments"]
        )
    return Figure(NAME, f"{rate['patched'] / rate['upstream']:.2f}", f">= {TARGET}", details)
