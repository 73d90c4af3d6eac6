"""A private anjian platform for one bench run, torn down completely at the end.

The run gets its own RabbitMQ virtual host, its own database prefix and a gateway on a free port,
so it never disturbs the demo platform, a test run or another bench. Every service and the
gateway run as real processes, started exactly as in production (`services.cli serve ...`). Any
other ANJIAN_* setting in the environment reaches them unchanged.
"""
import dataclasses
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import requests

from gateway.auth import UserStore
from services.cli import SERVICES
from services.kit.actor import Actor
from services.kit.config import Settings
from services.kit.mongo import connect

ROOT = Path(__file__).resolve().parents[1]
# Every service the gateway needs to be ready, then the gateway itself.
COMPONENTS = (*SERVICES, "gateway")
GATEWAY_WORKERS = 2
READY_SECONDS = 90
STOP_SECONDS = 20
LOG_TAIL_CHARS = 3000
# The bench signs in as a regulator of Zhangye city, whose counties hold every bench enterprise.
REGULATOR_NAME = "bench-regulator"
REGULATOR_SCOPE = "620700"


class BenchError(Exception):
    """The bench could not run at all, as opposed to a figure missing its target."""


class Broker:
    """The run's own virtual host, administered through the RabbitMQ management API."""

    def __init__(self, amqp_uri, management_url):
        parts = urlsplit(amqp_uri)
        self.vhost = "anjian-bench-" + secrets.token_hex(4)
        self.amqp_uri = parts._replace(path="/" + quote(self.vhost, safe="")).geturl()
        self.auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
        self.api = management_url.rstrip("/") + "/api"

    def create(self):
        try:
            reply = requests.put(f"{self.api}/vhosts/{self.vhost}", auth=self.auth, timeout=10)
            reply.raise_for_status()
            requests.put(f"{self.api}/permissions/{self.vhost}/{self.auth[0]}", auth=self.auth,
                         timeout=10, json={"configure": ".*", "write": ".*", "read": ".*"}
                         ).raise_for_status()
        except requests.RequestException as error:
            raise BenchError(f"cannot create a RabbitMQ virtual host through {self.api} ({error});"
                             " is the infrastructure up (make infra)?") from None

    def delete(self):
        requests.delete(f"{self.api}/vhosts/{self.vhost}", auth=self.auth, timeout=10)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(settings):
    """This process's environment with every setting as the ANJIAN_* variable that sets it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANJIAN_")}
    for name, value in dataclasses.asdict(settings).items():
        env["ANJIAN_" + name.upper()] = str(value)
    return env


class Platform:
    """The running components and what a figure needs to reach them."""

    def __init__(self, settings, mongo):
        self.settings = settings
        self.mongo = mongo
        self.url = f"http://{settings.gateway_host}:{settings.gateway_port}"
        self.regulator = Actor(user_id=REGULATOR_NAME, role="regulator",
                               region_scope=REGULATOR_SCOPE)
        self.regulator_password = secrets.token_hex(16)
        self.logs = Path(settings.data_dir)
        self.processes = {}

    def database(self, name):
        return self.mongo[self.settings.database(name)]

    def rpc_config(self):
        return {"AMQP_URI": self.settings.amqp_uri, "SERIALIZER": "json"}

    def sign_in(self):
        """A fresh bearer token for the bench regulator, from the gateway's sign-in route."""
        reply = requests.post(self.url + "/api/v1/auth/token", timeout=30, json={
            "username": REGULATOR_NAME, "password": self.regulator_password})
        if reply.status_code != 200:
            raise BenchError(f"sign-in failed: {reply.status_code} {reply.text[:500]}")
        return reply.json()["access_token"]

    def start(self, component):
        log = open(self.logs / f"{component}.log", "ab")
        # A session of its own: Ctrl-C reaches only the bench, which then stops everything in order.
        self.processes[component] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", component], cwd=ROOT,
            env=environment(self.settings), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    def stop_all(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                # The whole group, so gunicorn's workers go with their master.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def log_tail(self, component):
        return (self.logs / f"{component}.log").read_text(errors="replace")[-LOG_TAIL_CHARS:]

    def wait_ready(self):
        deadline = time.monotonic() + READY_SECONDS
        last = "no answer yet"
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise BenchError(f"{name} exited with code {process.returncode}:\n"
                                     f"{self.log_tail(name)}")
            try:
                reply = requests.get(self.url + "/readyz", timeout=5)
                if reply.status_code == 200:
                    return
                last = reply.text
            except requests.RequestException as error:
                last = str(error)
            time.sleep(0.5)
        raise BenchError(f"the platform was not ready after {READY_SECONDS}s: {last}")


def _best_effort(what, step, *args, **kwargs):
    """A teardown step that fails is reported and the others still run."""
    def run():
        try:
            step(*args, **kwargs)
        except Exception as error:  # e.g. the infrastructure went away during the run
            print(f"bench: could not {what}: {error}", file=sys.stderr)
    return run


def _drop_databases(mongo, prefix):
    for name in mongo.list_database_names():
        if name.startswith(prefix):
            mongo.drop_database(name)


def _check_database(mongo, settings):
    try:
        mongo.admin.command("ping")
    except Exception as error:  # any failure to answer means the bench cannot run
        raise BenchError(f"the database at {settings.mongo_uri} does not answer ({error}); "
                         "is the infrastructure up (make infra)?") from None


@contextmanager
def isolated_platform(management_url):
    """Start the registry and the gateway on private resources; remove everything on exit."""
    base = Settings.from_env()
    with ExitStack() as teardown:
        broker = Broker(base.amqp_uri, management_url)
        broker.create()
        teardown.callback(_best_effort(f"delete the vhost {broker.vhost}", broker.delete))
        logs = tempfile.mkdtemp(prefix="anjian-bench-")
        teardown.callback(shutil.rmtree, logs, ignore_errors=True)
        settings = dataclasses.replace(
            base, amqp_uri=broker.amqp_uri, database_prefix=f"bench_{secrets.token_hex(4)}_",
            gateway_host="127.0.0.1", gateway_port=free_port(), gateway_workers=GATEWAY_WORKERS,
            data_dir=logs, jwt_secret=secrets.token_hex(32))
        mongo = connect(settings)
        teardown.callback(mongo.close)
        _check_database(mongo, settings)
        teardown.callback(_best_effort(f"drop the databases {settings.database_prefix}*",
                                       _drop_databases, mongo, settings.database_prefix))
        platform = Platform(settings, mongo)
        teardown.callback(platform.stop_all)
        for component in COMPONENTS:
            platform.start(component)
        platform.wait_ready()
        UserStore(platform.database("gateway")).create(
            REGULATOR_NAME, platform.regulator_password, platform.regulator.role,
            platform.regulator.region_scope)
        yield platform
