"""The session's own platform, as a pytest plugin (tests/conftest.py registers it).

Every fixture here is lazy: nothing starts until an integration or end-to-end test asks for it,
and the unit tier never does (tests/conftest.py refuses a unit test that would).
"""

import secrets

import pytest
import requests

from services import COMPONENTS
from services.kit.config import Settings
from services.kit.mongo import connect
from tests.support.api import PASSWORD, Api
from tools.isolated import Components, VirtualHost, drop_databases, free_port


@pytest.fixture(scope="session")
def broker(infrastructure):
    vhost = VirtualHost(infrastructure["amqp_uri"], infrastructure["management_url"], "anjian-test")
    vhost.create()
    yield vhost
    vhost.delete()


@pytest.fixture(scope="session")
def settings(infrastructure, broker, tmp_path_factory):
    return Settings(
        amqp_uri=broker.amqp_uri,
        mongo_uri=infrastructure["mongo_uri"],
        database_prefix=f"test_{secrets.token_hex(4)}_",
        minio_endpoint=infrastructure["minio_endpoint"],
        minio_access_key=infrastructure["minio_access_key"],
        minio_secret_key=infrastructure["minio_secret_key"],
        gateway_port=free_port(),
        gateway_workers=1,
        data_dir=str(tmp_path_factory.mktemp("anjian-data")),
        jwt_secret=secrets.token_hex(32),
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
    client = connect(settings)
    yield client
    drop_databases(client, settings.database_prefix)
    client.close()


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
    tokens = {}

    def as_user(username, password=PASSWORD):
        if username not in tokens:
            reply = requests.post(
                platform.url + "/api/v1/auth/token",
                timeout=30,
                json={"username": username, "password": password},
            )
            assert reply.status_code == 200, reply.text
            tokens[username] = reply.json()["access_token"]
        return Api(platform.url, tokens[username])

    return as_user


@pytest.fixture(scope="session")
def anonymous(platform):
    return Api(platform.url)
