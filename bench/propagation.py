"""import_10k_propagation_vs_import: how long until a bulk import reaches the other services.

A 10,000-row spreadsheet import through the gateway is timed until its report comes back; then
until the inspection service's copy of the registry (its read model, fed by `registered` events)
holds every imported enterprise. The figure is the second time over the first: what the outbox
relay, the broker and the consumer add to the import itself.
"""

import time

from bench.bulk_import import import_workbook, timed_import
from bench.figures import Figure
from bench.platform import BenchError
from tools.volume import create_payloads

NAME = "import_10k_propagation_vs_import"
TARGET = 3
ROWS = 10_000
# Serials no other figure uses, so these rows are new to the registry.
FIRST_SERIAL = 100_000
PROPAGATION_TIMEOUT_SECONDS = 900
POLL_SECONDS = 0.2
CHUNK = 1000


def import_10k_propagation_vs_import(platform):
    payloads = create_payloads(ROWS, FIRST_SERIAL)
    read_model = platform.database("inspection").enterprises
    waiting = [payload["uscc"] for payload in payloads]
    started = time.perf_counter()
    import_seconds, reply = timed_import(platform, import_workbook(payloads))
    if reply.status_code != 200 or reply.json()["created"] != ROWS:
        raise BenchError(f"the import failed: {reply.status_code} {reply.text[:300]}")
    deadline = started + PROPAGATION_TIMEOUT_SECONDS
    # Looked up by USCC a chunk at a time (by index), so that watching costs the server little.
    while waiting:
        chunk = waiting[:CHUNK]
        known = {
            document["_id"] for document in read_model.find({"_id": {"$in": chunk}}, {"_id": 1})
        }
        waiting = [uscc for uscc in chunk if uscc not in known] + waiting[CHUNK:]
        if waiting and time.perf_counter() > deadline:
            return Figure(
                NAME,
                "failed",
                f"<= {TARGET}",
                [
                    f"import: {import_seconds:.1f} s; after {PROPAGATION_TIMEOUT_SECONDS} s the "
                    f"inspection service knows {ROWS - len(waiting)} of {ROWS}"
                ],
            )
        if waiting and len(known) < len(chunk):
            time.sleep(POLL_SECONDS)
    propagated = time.perf_counter() - started
    return Figure(
        NAME,
        f"{propagated / import_seconds:.1f}",
        f"<= {TARGET}",
        [
            f"import: {import_seconds:.1f} s; every enterprise known to inspection after "
            f"{propagated:.1f} s"
        ],
    )
