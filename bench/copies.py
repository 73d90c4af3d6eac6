"""inspection_2_copies_vs_1: a CPU-bound RPC's throughput with two copies of the inspection service
against one, in the same run.

The call is `hazard_catalogue`: the catalogue in force built from the rules and serialised, work
for the processor only, so a second copy on a second core should serve nearly twice as many. The
calls come from the same threads in both runs, through the gateway's own RPC client; the second
copy is a process of its own consuming the same queue (competing consumers), as
`anjian serve inspection --copies 2` starts it.
"""

from contextlib import nullcontext

from bench.figures import Figure
from bench.throughput import Load
from gateway.rpc import RpcPool

NAME = "inspection_2_copies_vs_1"
TARGET = 1.3
CONCURRENCY = 8
WARMUP_SECONDS = 2.0


def _throughput(platform, seconds):
    pool = RpcPool(platform.settings)
    caller = platform.regulator.to_context()

    def catalogue(client, _):
        client.call(caller, "inspection", "hazard_catalogue")

    try:
        return Load(CONCURRENCY, WARMUP_SECONDS, seconds).run(
            lambda: nullcontext(pool), catalogue, [None]
        )
    finally:
        pool.close()


def inspection_2_copies_vs_1(platform, seconds):
    one = _throughput(platform, seconds)
    platform.start("inspection", copy=2)
    try:
        platform.wait_ready()
        two = _throughput(platform, seconds)
    finally:
        platform.stop("inspection-2")
    details = [
        f"one copy: {one:.0f} calls/s, two copies: {two:.0f} calls/s "
        f"({CONCURRENCY} threads, {seconds:g} s each after {WARMUP_SECONDS:g} s warm-up)"
    ]
    return Figure(NAME, f"{two / one:.2f}", f">= {TARGET}", details)
