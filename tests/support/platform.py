"""The session's own platform, as a pytest plugin (tests/conftest.py registers it).

Every fixture here is lazy: nothing starts until an integration or end-to-end test asks for it,
and the unit tier never does (tests/conftest.py refuses a unit test that would).
"""

import secrets
from contextlib import contextmanager
from pathlib import Path

import pytest

from services import COMPONENTS
from services.kit.config import Settings
from services.kit.mongo import connect
from tests.support.api import PASSWORD, Api, signing_in
from tools.isolated import (
    Components,
    VirtualHost,
    drop_databases,
    free_port,
    free_port_block,
    remove_bucket,
)

# Every test request comes from 127.0.0.1, and the fuzzing alone sends hundreds of wrong
# sign-ins: the session's platform lets one address fail far more often than a deployment would,
# so no test is locked out by another's failures. The per-address back-off is tested through the
# registry with addresses of its own (tests/integration/registry/test_accounts_api.py).
LOOPBACK_SIGN_IN_RULES = """
overrides:
- id: registry.accounts.sign_in_failures
  version: 2
  value:
    account: {failures: 5, first_seconds: 60, max_seconds: 3600}
    address: {failures: 1000000, first_seconds: 60, max_seconds: 3600}
    forget_after_hours: 24
  source: {document: "the test platform, where every client is 127.0.0.1"}
  effective_from: '2019-12-01'
  checked_against: unverified
"""


def loopback_rules_dir(data_dir):
    """A deployment rules directory holding LOOPBACK_SIGN_IN_RULES."""
    folder = Path(data_dir) / "rules"
    (folder / "registry").mkdir(parents=True, exist_ok=True)
    (folder / "registry" / "loopback.yaml").write_text(LOOPBACK_SIGN_IN_RULES, encoding="utf-8")
    return str(folder)


def platform_settings(infrastructure, amqp_uri, data_dir, **overrides):
    """Settings for a platform of one's own on the shared infrastructure: its own database prefix,
    gateway and metrics ports, token secret, keys for personal data and QR codes, and sign-in
    rules, with `overrides`."""
    run = secrets.token_hex(4)
    overrides = {
        "pii_key": secrets.token_hex(32),
        "qr_key": secrets.token_hex(32),
        "evidence_bucket": f"test-{run}-evidence",
        "rules_dir": loopback_rules_dir(data_dir),
        "metrics_port": free_port_block(len(COMPONENTS)),
        **overrides,
    }
    return Settings(
        amqp_uri=amqp_uri,
        mongo_uri=infrastructure["mongo_uri"],
        database_prefix=f"test_{run}_",
        minio_endpoint=infrastructure["minio_endpoint"],
        minio_access_key=infrastructure["minio_access_key"],
        minio_secret_key=infrastructure["minio_secret_key"],
        gateway_port=free_port(),
        gateway_workers=1,
        data_dir=str(data_dir),
        jwt_secret=secrets.token_hex(32),
        **overrides,
    )


@contextmanager
def databases(settings):
    """A MongoDB client for the platform of `settings`, whose databases and evidence bucket are
    dropped after."""
    client = connect(settings)
    try:
        yield client
    finally:
        drop_databases(client, settings.database_prefix)
        client.close()
        remove_bucket(settings)


@pytest.fixture(scope="session")
def broker(infrastructure):
    vhost = VirtualHost(infrastructure["amqp_uri"], infrastructure["management_url"], "anjian-test")
    vhost.create()
    yield vhost
    vhost.delete()


@pytest.fixture(scope="session")
def settings(infrastructure, broker, tmp_path_factory):
    return platform_settings(
        infrastructure, broker.amqp_uri, tmp_path_factory.mktemp("anjian-data")
    )


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
    with databases(settings) as client:
        yield client


class Accounts:
    """Creates sign-in accounts through the registry, as `anjian create-user` does (an
    administrator types the password, so it need not be changed at first sign-in)."""

    def __init__(self, settings):
        self.settings = settings

    def create(self, username, password, role, region_scope=None, uscc=None):
        from tools.cli import add_account

        add_account(self.settings, username, password, role, region_scope, uscc)


@pytest.fixture(scope="session")
def users(settings, platform):
    """Sign-in accounts for every role the tests need."""
    store = Accounts(settings)
    accounts = {
        "admin": ("admin", "000000"),
        "province": ("regulator", "620000"),
        "zhangye": ("regulator", "620700"),
        "minle": ("regulator", "620722"),
        "ganzhou": ("regulator", "620702"),
        "inspector-minle": ("inspector", "620722"),
        "auditor": ("auditor", "620700"),
        "agency": ("agency", "620722"),
    }
    for username, (role, scope) in accounts.items():
        store.create(username, PASSWORD, role, scope)
    return store


@pytest.fixture(scope="session")
def sign_in(platform, users):
    return signing_in(platform.url)


@pytest.fixture(scope="session")
def anonymous(platform):
    return Api(platform.url)
