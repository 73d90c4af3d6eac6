"""Liveness and readiness: is the process alive, and can it reach everything it needs?

Readiness probes every dependency at once and waits for them together at most PROBE_SECONDS,
so a dependency that hangs costs that much once, not once per dependency after it.
"""

from concurrent.futures import ThreadPoolExecutor, wait

import pymongo
from flask import Blueprint, jsonify
from kombu import Connection

from gateway.platform import platform
from services.kit.pure.actor import Actor
from services.kit.pure.regions import NATIONWIDE

blp = Blueprint("health", __name__)

HEALTH_PROBE = Actor(user_id="readiness-probe", role="auditor", region_scope=NATIONWIDE)
PROBE_SECONDS = 1.5


@blp.get("/healthz")
def healthz():
    return jsonify({"status": "alive"})


def _broker(settings):
    with Connection(settings.amqp_uri, connect_timeout=PROBE_SECONDS) as connection:
        connection.ensure_connection(max_retries=1)


def _database(anjian):
    with pymongo.timeout(PROBE_SECONDS):
        anjian.mongo.admin.command("ping")


def _service(anjian, name):
    if not anjian.rpc.serving(name):
        raise RuntimeError(f"no {name} instance is running")
    answer = anjian.call(name, "health", actor=HEALTH_PROBE)
    if answer.get("database") != "up":
        raise RuntimeError(f"{name} reports its database down")


def _outcome(future):
    if not future.done():
        return {"status": "down", "reason": f"no answer within {PROBE_SECONDS} s"}
    error = future.exception()
    if error is None:
        return {"status": "up"}
    # Any failure means "not ready", with the reason shown.
    return {"status": "down", "reason": str(error) or type(error).__name__}


@blp.get("/readyz")
def readyz():
    """Every dependency and deployed service, probed at once; and what the deployment runs."""
    anjian = platform()
    checks = {
        "broker": lambda: _broker(anjian.settings),
        "database": lambda: _database(anjian),
        "object_store": anjian.evidence.ping,
    }
    deployment = anjian.deployment
    for name in deployment.services:
        checks[name] = lambda name=name: _service(anjian, name)
    # Not a `with` block: leaving one waits for every probe, the hung ones included.
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readiness")
    futures = {name: pool.submit(probe) for name, probe in checks.items()}
    wait(futures.values(), timeout=PROBE_SECONDS)
    pool.shutdown(wait=False)
    report = {name: _outcome(future) for name, future in futures.items()}
    ready = all(entry["status"] == "up" for entry in report.values())
    # Services this deployment does not run are listed, and do not make it unready.
    response = jsonify(
        {
            "status": "ready" if ready else "not_ready",
            "deployment": deployment.describe(),
            "checks": report,
        }
    )
    response.status_code = 200 if ready else 503
    return response
