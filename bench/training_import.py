"""training_import_10k_vs_insert_many: a training ledger import through the gateway versus one
raw insert_many of the same documents.

Ten thousand rows, each a special operator and the certificate they hold, for enterprises the
training service knows. The import is timed from upload until the per-row report comes back. The
raw side inserts the very documents the import stores (people and certificates, built by the
training service's own import rules, ID numbers encrypted with the platform's key) into a fresh
database with the service's indexes, so the ratio is what parsing, checking, encryption and RPC
add to storage.
"""

import io
import random
import time

import requests
from stdnum.cn import ric

from bench.figures import Figure
from services.kit.pii import IdProtector
from services.kit.pure.clock import Clock
from services.kit.pure.schemas import load
from services.kit.rules import load_rules
from services.training.domain import imports, policy
from services.training.schemas import ImportRowSchema
from services.training.spreadsheet import write_xlsx
from services.training.store import TrainingStore
from tools.volume import create_payloads

NAME = "training_import_10k_vs_insert_many"
TARGET = 2
ROWS = 10_000
EMPLOYERS = 20
IMPORT_TIMEOUT_SECONDS = 1800
KNOWN_SECONDS = 120
RAW_DATABASE = "raw_training"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _id_numbers(count, rng):
    numbers = set()
    while len(numbers) < count:
        first = (
            f"620121{rng.randint(1965, 2000)}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        )
        numbers.add(first + ric.calc_check_digit(first + "0"))
    return sorted(numbers)


def ledger_rows(employers, today):
    rng = random.Random(ROWS)
    rows = []
    for index, number in enumerate(_id_numbers(ROWS, rng)):
        issued = today.replace(year=today.year - 1)
        rows.append(
            {
                "id_number": number,
                "name": f"测试{index:05d}",
                "uscc": employers[index % len(employers)]["uscc"],
                "position": "special_operator",
                "categories": ["electrical"],
                "kind": "special_operation",
                "category": "electrical",
                "number": f"B{index:09d}",
                "issuer": "张掖市应急管理局",
                "issued_on": issued.isoformat(),
            }
        )
    return rows


def _headers(platform):
    return {"Authorization": f"Bearer {platform.sign_in()}"}


def _register_employers(platform):
    """Employers the training service knows, registered through the gateway."""
    headers = _headers(platform)
    employers = create_payloads(EMPLOYERS, first_serial=800_000)
    for employer in employers:
        reply = requests.post(
            platform.url + "/api/v1/enterprises", json=employer, headers=headers, timeout=30
        )
        if reply.status_code not in (201, 409):
            raise RuntimeError(f"registering an employer: {reply.status_code} {reply.text}")
    deadline = time.monotonic() + KNOWN_SECONDS
    for employer in employers:
        while (
            requests.get(
                platform.url + "/api/v1/persons",
                params={"uscc": employer["uscc"]},
                headers=headers,
                timeout=30,
            ).status_code
            != 200
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the training service did not learn of the employers")
            time.sleep(0.2)
    return employers


def stored_documents(platform, rows):
    """The people and certificates the import stores for these rows, with their outboxes."""
    clock = Clock()
    rules = load_rules("training", checks=policy.RULE_CHECKS)
    protector = IdProtector(platform.settings.pii_key)
    schema = ImportRowSchema()
    copy = platform.database("training").enterprises
    known = imports.Known({}, set(), {employer["_id"]: employer for employer in copy.find()})
    prepared = imports.prepare(
        [{"row": n, "fields": row} for n, row in enumerate(rows, 2)],
        lambda fields: load(schema, fields),
        protector.lookup_key,
        clock.today(),
    )
    outcome = imports.apply(
        prepared,
        known,
        protector.protect,
        lambda on: policy.policy_on(rules, on),
        platform.regulator,
        clock.now(),
        clock.today(),
    )
    return (
        [{**person, "outbox": events} for person, events in outcome.new_persons],
        [{**certificate, "outbox": events} for certificate, events in outcome.new_certificates],
    )


def _time_insert_many(platform, persons, certificates):
    database = platform.database(RAW_DATABASE)
    TrainingStore(database, platform.settings).ensure_indexes()
    started = time.perf_counter()
    database.persons.insert_many(persons, ordered=False)
    database.certificates.insert_many(certificates, ordered=False)
    return time.perf_counter() - started


def training_import_10k_vs_insert_many(platform):
    employers = _register_employers(platform)
    rows = ledger_rows(employers, Clock().today())
    workbook = io.BytesIO()
    write_xlsx([{"items": rows, "records": []}], workbook)
    persons, certificates = stored_documents(platform, rows)
    insert_seconds = _time_insert_many(platform, persons, certificates)
    headers = _headers(platform)
    started = time.perf_counter()
    reply = requests.post(
        platform.url + "/api/v1/training/import",
        headers=headers,
        files={"file": ("ledger.xlsx", workbook.getvalue(), XLSX_TYPE)},
        timeout=IMPORT_TIMEOUT_SECONDS,
    )
    import_seconds = time.perf_counter() - started
    timings = f"import: {import_seconds:.2f} s, insert_many: {insert_seconds:.2f} s"
    setup = (
        f"{ROWS} rows (a person and a certificate each), "
        f"{len(workbook.getvalue()) // 1024} KiB .xlsx; insert_many of {len(persons)} "
        f"people and {len(certificates)} certificates into a fresh database"
    )
    if reply.status_code != 200:
        return Figure(
            NAME,
            "failed",
            f"<= {TARGET}",
            [timings, f"gateway said: {reply.status_code} {reply.text.strip()[:300]}", setup],
        )
    report = reply.json()
    if report["created"] != ROWS:
        return Figure(
            NAME,
            "failed",
            f"<= {TARGET}",
            [
                timings,
                f"the report says {report['created']} created, {report['invalid']} "
                f"invalid, not {ROWS} created",
                setup,
            ],
        )
    return Figure(NAME, f"{import_seconds / insert_seconds:.1f}x", f"<= {TARGET}", [timings, setup])
