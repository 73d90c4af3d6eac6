"""Test policy. Unit tests (tests/unit) use none of the fixtures below and need no server.

Integration and end-to-end tests: everything real.

Real RabbitMQ, the real MongoDB-protocol server (FerretDB natively, MongoDB under compose) and real
MinIO, started by `infra/local/up.sh` (or compose) through the `infrastructure` fixture. The
services and the gateway run as real processes, started exactly as in production
(`anjian serve ...`). Each test session gets its own RabbitMQ virtual host and its own database
prefix, so it never touches the demo platform or another run. Nothing of ours is replaced.
End-to-end tests drive Debian's Chromium, headless, against the same gateway.
"""
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from services.kit.config import Settings
from services.kit.mongo import connect

pytest_plugins = ["tests.integration.infrastructure"]

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "test-password-1"


def wait_until(condition, timeout=20.0, interval=0.1, message="condition"):
    """Poll `condition` until it returns something truthy; fail with `message` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """The session's own virtual host, administered through the management API."""

    def __init__(self, infrastructure):
        self.api = infrastructure["management_url"] + "/api"
        self.auth = ("guest", "guest")
        self.vhost = "anjian-test-" + secrets.token_hex(4)
        base = infrastructure["amqp_uri"].rstrip("/")
        self.amqp_uri = f"{base}/{quote(self.vhost, safe='')}"

    def _url(self, path):
        return f"{self.api}/{path}"

    def create(self):
        requests.put(self._url(f"vhosts/{self.vhost}"), auth=self.auth, timeout=10
                     ).raise_for_status()
        self.allow_writes()

    def allow_writes(self, write=".*"):
        requests.put(self._url(f"permissions/{self.vhost}/guest"), auth=self.auth, timeout=10,
                     json={"configure": ".*", "write": write, "read": ".*"}).raise_for_status()

    def cut_connections(self):
        """Close every client connection of the vhost, as a broker restart would."""
        listed = requests.get(self._url(f"vhosts/{quote(self.vhost, safe='')}/connections"),
                              auth=self.auth, timeout=10).json()
        for connection in listed:
            requests.delete(self._url(f"connections/{quote(connection['name'], safe='')}"),
                            auth=self.auth, timeout=10)

    def delete(self):
        requests.delete(self._url(f"vhosts/{self.vhost}"), auth=self.auth, timeout=10)


@pytest.fixture(scope="session")
def broker(infrastructure):
    vhost = Broker(infrastructure)
    vhost.create()
    yield vhost
    vhost.delete()


@pytest.fixture(scope="session")
def settings(infrastructure, broker, tmp_path_factory):
    return Settings(amqp_uri=broker.amqp_uri, mongo_uri=infrastructure["mongo_uri"],
                    database_prefix=f"test_{secrets.token_hex(4)}_",
                    minio_endpoint=infrastructure["minio_endpoint"],
                    minio_access_key=infrastructure["minio_access_key"],
                    minio_secret_key=infrastructure["minio_secret_key"],
                    gateway_port=free_port(), gateway_workers=1,
                    data_dir=str(tmp_path_factory.mktemp("anjian-data")),
                    jwt_secret=secrets.token_hex(32))


def environment(settings):
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANJIAN_")}
    for name, value in vars(settings).items():
        env["ANJIAN_" + name.upper()] = str(value)
    env["PYTHONPATH"] = str(ROOT)
    return env


class Platform:
    """The services and the gateway as processes; restartable one by one."""

    def __init__(self, settings):
        self.settings = settings
        self.url = f"http://127.0.0.1:{settings.gateway_port}"
        self.processes = {}
        self.logs = Path(settings.data_dir)

    def start(self, component, **overrides):
        log = open(self.logs / f"{component}.log", "ab")
        self.processes[component] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", component], cwd=ROOT,
            env=environment(replace(self.settings, **overrides)), stdout=log,
            stderr=subprocess.STDOUT)

    def restart(self, component, **overrides):
        """Restart one component, e.g. with its clock set ahead; waits until all is ready."""
        self.stop(component)
        self.start(component, **overrides)
        wait_until(self.ready, timeout=60, interval=0.5, message=f"{component} to restart")

    def stop(self, component, kill=False):
        process = self.processes.pop(component)
        process.kill() if kill else process.terminate()
        process.wait(timeout=30)

    def ready(self):
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise AssertionError(f"{name} exited:\n{tail}")
        try:
            return requests.get(self.url + "/readyz", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    def log(self, component):
        return (self.logs / f"{component}.log").read_text(errors="replace")


@pytest.fixture(scope="session")
def platform(settings):
    running = Platform(settings)
    for component in ("registry", "inspection", "gateway"):
        running.start(component)
    try:
        wait_until(running.ready, timeout=90, interval=0.5, message="the platform to be ready")
        yield running
    finally:
        for component in list(running.processes):
            running.stop(component)


@pytest.fixture(scope="session")
def mongo(settings):
    client = connect(settings)
    yield client
    for name in client.list_database_names():
        if name.startswith(settings.database_prefix):
            client.drop_database(name)
    client.close()


@pytest.fixture(scope="session")
def users(mongo, settings, platform):
    """Sign-in accounts for every role the tests need."""
    from gateway.auth import UserStore
    store = UserStore(mongo[settings.database("gateway")])
    accounts = {"admin": ("admin", "000000"), "province": ("regulator", "620000"),
                "zhangye": ("regulator", "620700"), "minle": ("regulator", "620722"),
                "ganzhou": ("regulator", "620702"), "inspector-minle": ("inspector", "620722"),
                "auditor": ("auditor", "620700"), "agency": ("agency", "620722")}
    for username, (role, scope) in accounts.items():
        store.create(username, PASSWORD, role, scope)
    return store


class Api:
    """A signed-in HTTP client of the gateway."""

    def __init__(self, base, token=None):
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __getattr__(self, verb):
        def call(path, **kwargs):
            kwargs.setdefault("timeout", 30)
            return self.session.request(verb.upper(), self.base + path, **kwargs)
        return call


@pytest.fixture(scope="session")
def sign_in(platform, users):
    tokens = {}

    def as_user(username, password=PASSWORD):
        if username not in tokens:
            reply = requests.post(platform.url + "/api/v1/auth/token", timeout=30,
                                  json={"username": username, "password": password})
            assert reply.status_code == 200, reply.text
            tokens[username] = reply.json()["access_token"]
        return Api(platform.url, tokens[username])

    return as_user


@pytest.fixture(scope="session")
def anonymous(platform):
    return Api(platform.url)
