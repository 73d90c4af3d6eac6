"""Liveness and readiness: is the process alive, and can it reach everything it needs?"""
from flask import Blueprint, jsonify
from kombu import Connection

from gateway.platform import platform
from services.kit.actor import Actor
from services.kit.regions import NATIONWIDE

blp = Blueprint("health", __name__)

SERVICES = ("registry", "inspection")
HEALTH_PROBE = Actor(user_id="readiness-probe", role="auditor", region_scope=NATIONWIDE)


@blp.get("/healthz")
def healthz():
    return jsonify({"status": "alive"})


def _broker(settings):
    with Connection(settings.amqp_uri, connect_timeout=2) as connection:
        connection.ensure_connection(max_retries=1)


def _database(anjian):
    anjian.mongo.admin.command("ping")


def _service(anjian, name):
    if not anjian.rpc.serving(name):
        raise RuntimeError(f"no {name} instance is running")
    answer = anjian.call(name, "health", actor=HEALTH_PROBE)
    if answer.get("database") != "up":
        raise RuntimeError(f"{name} reports its database down")


@blp.get("/readyz")
def readyz():
    anjian = platform()
    checks = {"broker": lambda: _broker(anjian.settings), "database": lambda: _database(anjian),
              "object_store": anjian.evidence.ping}
    for name in SERVICES:
        checks[name] = lambda name=name: _service(anjian, name)
    report = {}
    for name, probe in checks.items():
        try:
            probe()
            report[name] = {"status": "up"}
        except Exception as error:  # any failure means "not ready", with the reason shown
            report[name] = {"status": "down", "reason": str(error) or type(error).__name__}
    ready = all(entry["status"] == "up" for entry in report.values())
    response = jsonify({"status": "ready" if ready else "not_ready", "checks": report})
    response.status_code = 200 if ready else 503
    return response
