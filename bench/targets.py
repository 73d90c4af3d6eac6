"""The targets page: its fan-out against the slowest call it makes, and its cost as data grows.

targets_fanout_vs_slowest: the median of `GET /api/v1/targets` for the city (every indicator of
every deployed service, for the city, last year and each county, one call per indicator method,
the calls in parallel) against the median of the slowest of those calls made straight over RPC.

targets_10x_data: the median of the same page with ten times the enterprises and hazards against
the median before, in the same run: the page reads counters, so it must not grow with the data.
"""

from datetime import date

import requests
from nameko.exceptions import MethodNotFound, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

import services.kit.runtime  # noqa: F401  (domain errors cross RPC as themselves)
from bench.figures import Figure, median_ms
from bench.list_pages import getter, load_records
from bench.platform import REGULATOR_SCOPE, BenchError
from gateway import targets
from services.kit.pure.errors import NotFound
from services.kit.rules import load_rules

FANOUT = "targets_fanout_vs_slowest"
FANOUT_TARGET = 1.5
GROWTH = "targets_10x_data"
GROWTH_TARGET = 1.2
SAMPLES = 21
SMALL, LARGE = 1_000, 10_000
# Serials of their own, so these enterprises never collide with another figure's.
FIRST_SERIAL = 500_000


def _page(platform):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {platform.sign_in()}"
    return getter(
        session,
        platform.url + "/api/v1/targets",
        {"region": REGULATOR_SCOPE, "year": date.today().year},
    )


def _defined():
    return targets.in_force(load_rules("gateway", package="gateway"), date.today())


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
            medians[f"{service}.{method} x{len(queries)}"] = median_ms(
                lambda together=together, method=method, queries=queries: together(method, queries),
                SAMPLES,
                warm=True,
            )
    if not medians:
        raise BenchError("no indicator service answered")
    slowest = max(medians.values())
    page = median_ms(_page(platform), SAMPLES, warm=True)
    details = [
        f"{name}: {ms:.1f} ms (median of {SAMPLES}, raw RPC)" for name, ms in medians.items()
    ]
    details.append(f"GET /api/v1/targets for {REGULATOR_SCOPE}: {page:.1f} ms")
    return Figure(FANOUT, f"{page / slowest:.2f}", f"<= {FANOUT_TARGET}", details)


def targets_10x_data(platform):
    page = _page(platform)
    inserted = [load_records(platform, SMALL, FIRST_SERIAL)]
    try:
        small = median_ms(page, SAMPLES, warm=True)
        inserted.append(load_records(platform, LARGE - SMALL, FIRST_SERIAL + SMALL))
        large = median_ms(page, SAMPLES, warm=True)
    finally:
        _remove(platform, inserted)
    details = [
        f"with {SMALL} enterprises and hazards: {small:.1f} ms (median of {SAMPLES})",
        f"with {LARGE}: {large:.1f} ms",
    ]
    return Figure(GROWTH, f"{large / small:.2f}", f"<= {GROWTH_TARGET}", details)
