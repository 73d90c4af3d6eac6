"""The session's own platform, as a pytest plugin (tests/conftest.py registers it).

Every fixture here is lazy: nothing starts until an integration or end-to-end test asks for it,
and the unit tier never does (tests/conftest.py refuses a unit test that would).
"""

import secrets
from contextlib import contextmanager

import pytest

from services import COMPONENTS
from services.kit.config import Settings
from services.kit.mongo import connect
from tests.support.api import PASSWORD, Api, signing_in
from tools.isolated import Components, VirtualHost, drop_databases, free_port


def platform_settings(infrastructure, amqp_uri, data_dir, **overrides):
    """Settings for a platform of one's own on the shared infrastructure: its own database prefix,
    gateway port, token secret and keys for personal data and QR codes, with `overrides`."""
    overrides = {"pii_key": secrets.token_hex(32), "qr_key": secrets.token_hex(32), **overrides}
    return Settings(
        amqp_uri=amqp_uri,
        mongo_uri=infrastructure["mongo_uri"],
        database_prefix=f"test_{secrets.token_hex(4)}_",
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
    """A MongoDB client for the platform of `settings`, whose databases are dropped after."""
    client = connect(settings)
    try:
        yield client
    finally:
        drop_databases(client, settings.database_prefix)
        client.close()


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


@pytest.fixture(scope="session")
def users(mongo, settings, platform):
    """Sign-in accounts for every role the tests need."""
    from gateway.auth import UserStore

    store = UserStore(mongo[settings.database("gateway")])
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
