"""import_10k_vs_insert_many: a spreadsheet import through the gateway versus one raw insert_many.

The import is timed from upload until the per-row report comes back. The raw side inserts the very
documents the import stores (built by the registry's own domain rules) into a fresh collection
with the registry's indexes, so the ratio is what parsing, validation and RPC add to storage.
"""
import io
import time

import requests

from bench.enterprises import create_payloads
from bench.figures import Figure
from bench.platform import BenchError
from services.kit.clock import Clock
from services.kit.schemas import load
from services.registry import domain, spreadsheet
from services.registry.schemas import EnterpriseCreateSchema
from services.registry.store import RegistryStore

NAME = "import_10k_vs_insert_many"
TARGET = 2
ROWS = 10_000
IMPORT_TIMEOUT_SECONDS = 1800
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Its own database: the registry's stays untouched until the import fills it.
RAW_DATABASE = "raw_insert"


def _workbook(payloads):
    """The payloads as an exported .xlsx, exactly what a regulator would re-import."""
    buffer = io.BytesIO()
    spreadsheet.write_xlsx(({**payload, "status": "operating"} for payload in payloads), buffer)
    return buffer.getvalue()


def _documents(payloads, actor):
    """The stored documents, built as the registry's import builds them."""
    clock = Clock()
    rows = [{"row": number, "fields": payload} for number, payload in enumerate(payloads, 2)]
    report, documents = domain.import_batch(rows, actor, clock.now(), clock.today(),
                                            lambda payload: load(EnterpriseCreateSchema(), payload))
    if len(documents) != len(payloads):
        rejected = next(line for line in report if line["result"] != "created")
        raise BenchError(f"a synthetic enterprise is invalid: {rejected}")
    return documents


def _time_insert_many(platform, documents):
    database = platform.database(RAW_DATABASE)
    RegistryStore(database, platform.settings).ensure_indexes()
    started = time.perf_counter()
    database.enterprises.insert_many(documents, ordered=False)
    return time.perf_counter() - started


def _time_import(platform, workbook):
    # Start from an empty registry, like the raw side: an earlier figure may have registered some.
    platform.database("registry").enterprises.delete_many({})
    headers = {"Authorization": f"Bearer {platform.sign_in()}"}
    started = time.perf_counter()
    reply = requests.post(platform.url + "/api/v1/enterprises/import", headers=headers,
                          files={"file": ("enterprises.xlsx", workbook, XLSX_TYPE)},
                          timeout=IMPORT_TIMEOUT_SECONDS)
    elapsed = time.perf_counter() - started
    if reply.status_code != 200:
        raise BenchError(f"the import failed after {elapsed:.1f} s: "
                         f"{reply.status_code} {reply.text[:500]}")
    return elapsed, reply.json()


def import_10k_vs_insert_many(platform):
    payloads = create_payloads(ROWS)
    workbook = _workbook(payloads)
    # The raw insert goes first: after the import the registry's outbox relay keeps the database
    # busy publishing ten thousand events, which would slow the raw side down.
    insert_seconds = _time_insert_many(platform, _documents(payloads, platform.regulator))
    import_seconds, report = _time_import(platform, workbook)
    if report["created"] != ROWS:
        raise BenchError(f"the import created {report['created']} of {ROWS} enterprises "
                         f"({report['existing']} existing, {report['invalid']} invalid)")
    details = [f"import: {import_seconds:.2f} s ({len(workbook) // 1024} KiB .xlsx, "
               f"report: {report['created']} created), insert_many: {insert_seconds:.2f} s"]
    return Figure(NAME, f"{import_seconds / insert_seconds:.1f}x", f"<= {TARGET}", details)
