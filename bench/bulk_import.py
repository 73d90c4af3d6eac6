"""import_10k_vs_insert_many: a spreadsheet import through the gateway versus one raw insert_many.

The import is timed from upload until the per-row report comes back. The raw side inserts the very
documents the import stores (built by the registry's own domain rules) into a fresh collection
with the registry's indexes, so the ratio is what parsing, validation and RPC add to storage.
"""

import io
import time

import requests

from bench.figures import Figure
from services.registry import spreadsheet
from services.registry.store import RegistryStore
from tools.volume import create_payloads, stored_documents

NAME = "import_10k_vs_insert_many"
TARGET = 2
ROWS = 10_000
IMPORT_TIMEOUT_SECONDS = 1800
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Its own database: the registry's stays untouched until the import fills it.
RAW_DATABASE = "raw_insert"


def import_workbook(payloads):
    """The payloads as an exported .xlsx, exactly what a regulator would re-import."""
    buffer = io.BytesIO()
    spreadsheet.write_xlsx(({**payload, "status": "operating"} for payload in payloads), buffer)
    return buffer.getvalue()


def _time_insert_many(platform, documents):
    database = platform.database(RAW_DATABASE)
    RegistryStore(database, platform.settings).ensure_indexes()
    started = time.perf_counter()
    database.enterprises.insert_many(documents, ordered=False)
    return time.perf_counter() - started


def _time_import(platform, workbook):
    # Start from an empty registry, like the raw side: an earlier figure may have registered some.
    platform.database("registry").enterprises.delete_many({})
    return timed_import(platform, workbook)


def timed_import(platform, workbook):
    """Seconds until the reply, and the reply: the per-row report, or why there is none."""
    headers = {"Authorization": f"Bearer {platform.sign_in()}"}
    started = time.perf_counter()
    reply = requests.post(
        platform.url + "/api/v1/enterprises/import",
        headers=headers,
        files={"file": ("enterprises.xlsx", workbook, XLSX_TYPE)},
        timeout=IMPORT_TIMEOUT_SECONDS,
    )
    return time.perf_counter() - started, reply


def import_10k_vs_insert_many(platform):
    payloads = create_payloads(ROWS)
    workbook = import_workbook(payloads)
    # The raw insert goes first: after the import the registry's outbox relay keeps the database
    # busy publishing ten thousand events, which would slow the raw side down.
    insert_seconds = _time_insert_many(platform, stored_documents(payloads, platform.regulator))
    import_seconds, reply = _time_import(platform, workbook)
    timings = f"insert_many: {insert_seconds:.2f} s"
    setup = (
        f"{ROWS} rows, {len(workbook) // 1024} KiB .xlsx; insert_many into a fresh "
        f"collection with the registry's indexes"
    )
    # A failed import is a result worth reporting, not a reason to stop the bench.
    if reply.status_code != 200:
        return Figure(
            NAME,
            "failed",
            f"<= {TARGET}",
            [
                f"import: HTTP {reply.status_code} after {import_seconds:.2f} s, {timings}",
                f"gateway said: {reply.text.strip()[:300]}",
                setup,
            ],
        )
    report = reply.json()
    counts = (
        f"{report['created']} created, {report['existing']} existing, {report['invalid']} invalid"
    )
    if report["created"] != ROWS:
        return Figure(
            NAME,
            "failed",
            f"<= {TARGET}",
            [
                f"import: {import_seconds:.2f} s, {timings}",
                f"the import report says {counts}, not {ROWS} created",
                setup,
            ],
        )
    return Figure(
        NAME,
        f"{import_seconds / insert_seconds:.1f}x",
        f"<= {TARGET}",
        [f"import: {import_seconds:.2f} s, {timings}", f"{setup}; import report: {counts}"],
    )
