"""The targets page: its fan-out against the slowest call it makes, and its cost as data grows.

targets_fanout_vs_slowest: the median of `GET /api/v1/targets` for the city (every indicator of
every deployed service, for the city, last year and each county, one call per indicator method,
the calls in parallel) against the median of the slowest of those calls made straight over RPC.

targets_10x_data: the median of the same page with ten times the enterprises and hazards against
the median before, in the same run: the page reads counters, so it must not grow with the data.
"""

import statistics
import time
from datetime import date

import requests
from nameko.exceptions import MethodNotFound, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

import services.kit.runtime  # noqa: F401  (domain errors cross RPC as themselves)
from bench.figures import Figure
from bench.platform import REGULATOR_SCOPE, BenchError
from gateway import targets
from services.kit.pure.clock import Clock
from services.kit.pure.errors import NotFound
from services.kit.rules import load_rules
from tools.volume import create_payloads, general_hazards, stored_documents

FANOUT = "targets_fanout_vs_slowest"
FANOUT_TARGET = 1.5
GROWTH = "targets_10x_data"
GROWTH_TARGET = 1.2
SAMPLES = 21
SMALL, LARGE = 1_000, 10_000
# Serials of their own, so these enterprises never collide with another figure's.
FIRST_SERIAL = 500_000


def _median_ms(call):
    call()  # warm: connections, caches
    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _page(platform):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {platform.sign_in()}"
    url = platform.url + "/api/v1/targets"
    params = {"region": REGULATOR_SCOPE, "year": date.today().year}

    def get():
        reply = session.get(url, params=params, timeout=60)
        if reply.status_code != 200:
            raise BenchError(
                f"GET /api/v1/targets answered {reply.status_code}: {reply.text[:300]}"
            )

    return get


def _defined():
    return targets.in_force(load_rules("gateway", package="gateway"), date.today())


def _insert(platform, count, first_serial):
    """`count` enterprises with a hazard each, stored directly: what is measured is the page,
    not how records got there. Returns what to delete afterwards."""
    documents = stored_documents(create_payloads(count, first_serial), platform.regulator)
    clock = Clock()
    hazards = general_hazards(documents, clock.now(), clock.today().isoformat())
    platform.database("registry").enterprises.insert_many(documents, ordered=False)
    platform.database("inspection").hazards.insert_many(hazards, ordered=False)
    return [d["_id"] for d in documents], [h["_id"] for h in hazards]


def _remove(platform, inserted):
    for enterprises, hazards in inserted:
        platform.database("registry").enterprises.delete_many({"_id": {"$in": enterprises}})
        platform.database("inspection").hazards.delete_many({"_id": {"$in": hazards}})


def targets_fanout_vs_slowest(platform):
    """Each call is timed as the page makes it: one `indicators_together` per indicator method,
    for the city, its year before and its counties."""
    defined = _defined()
    year = date.today().year
    grouped = {}
    for call in targets.calls(defined, REGULATOR_SCOPE, year):
        grouped.setdefault((call.service, call.method), []).append(
            {"region": call.region, "year": call.year}
        )
    medians = {}
    with ClusterRpcProxy(
        platform.rpc_config(),
        timeout=platform.settings.rpc_timeout_seconds,
        context_data=platform.regulator.to_context(),
    ) as rpc:
        for (service, method), queries in grouped.items():
            together = getattr(rpc, service).indicators_together
            try:
                together(method, queries)
            except (UnknownService, MethodNotFound, NotFound):
                continue  # not deployed here: the page does not wait for it either
            medians[f"{service}.{method} x{len(queries)}"] = _median_ms(
                lambda together=together, method=method, queries=queries: together(method, queries)
            )
    if not medians:
        raise BenchError("no indicator service answered")
    slowest = max(medians.values())
    page = _median_ms(_page(platform))
    details = [
        f"{name}: {ms:.1f} ms (median of {SAMPLES}, raw RPC)" for name, ms in medians.items()
    ]
    details.append(f"GET /api/v1/targets for {REGULATOR_SCOPE}: {page:.1f} ms")
    return Figure(FANOUT, f"{page / slowest:.2f}", f"<= {FANOUT_TARGET}", details)


def targets_10x_data(platform):
    page = _page(platform)
    inserted = [_insert(platform, SMALL, FIRST_SERIAL)]
    try:
        small = _median_ms(page)
        inserted.append(_insert(platform, LARGE - SMALL, FIRST_SERIAL + SMALL))
        large = _median_ms(page)
    finally:
        _remove(platform, inserted)
    details = [
        f"with {SMALL} enterprises and hazards: {small:.1f} ms (median of {SAMPLES})",
        f"with {LARGE}: {large:.1f} ms",
    ]
    return Figure(GROWTH, f"{large / small:.2f}", f"<= {GROWTH_TARGET}", details)
