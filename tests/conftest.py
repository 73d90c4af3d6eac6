"""Test policy. Unit tests (tests/unit) use none of the fixtures below and need no server.

Integration and end-to-end tests: everything real.

Real RabbitMQ, the real MongoDB-protocol server (FerretDB natively, MongoDB under compose) and real
MinIO, started by `infra/local/up.sh` (or compose) through the `infrastructure` fixture. The
services and the gateway run as real processes, started exactly as in production
(`anjian serve ...`). Each test session gets its own RabbitMQ virtual host and its own database
prefix, so it never touches the demo platform or another run. Nothing of ours is replaced.
End-to-end tests drive Debian's Chromium, headless, against the same gateway.
"""
import secrets
import time

import pytest
import requests

from services import COMPONENTS
from tools.isolated import Components, VirtualHost, drop_databases, free_port
from services.kit.config import Settings
from services.kit.mongo import connect

pytest_plugins = ["tests.integration.infrastructure"]

PASSWORD = "test-password-1"
# Requests and server errors of the API fuzzing run, reported at the end of the session.
FUZZING_TALLY = pytest.StashKey[dict]()


def pytest_terminal_summary(terminalreporter, config):
    tally = config.stash.get(FUZZING_TALLY, None)
    if tally:
        terminalreporter.write_line(f"API fuzzing: {tally['requests']} requests, "
                                    f"{tally['server_errors']} server errors")


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


@pytest.fixture(scope="session")
def broker(infrastructure):
    vhost = VirtualHost(infrastructure["amqp_uri"], infrastructure["management_url"],
                        "anjian-test")
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


@pytest.fixture(scope="session")
def platform(settings):
    running = Components(settings)
    try:
        for component in COMPONENTS:
            running.start(component)
        running.wait_ready()
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="session")
def mongo(settings):
    client = connect(settings)
    yield client
    drop_databases(client, settings.database_prefix)
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
