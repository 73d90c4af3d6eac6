"""Starting on a deployment that already holds data takes no work proportional to the data.

A private platform (its own vhost and databases) with a registry full of enterprises the inspection
service has never heard of, as when inspection is deployed later or its database was emptied.
The RPC timeout is five seconds, which announcing thousands of enterprises in one synchronous call
could not keep (about 12 ms each): the work has to happen in the background, while the registry
goes on answering.
"""

import dataclasses
import secrets
import subprocess
import sys

import pytest
import requests

from services import COMPONENTS
from services.kit.mongo import connect
from services.kit.pure.actor import Actor
from tests.support.api import PASSWORD
from tests.support.waiting import wait_until
from tools.cli import add_account
from tools.isolated import ROOT, Components, VirtualHost, drop_databases, environment, free_port
from tools.volume import create_payloads, stored_documents

pytestmark = pytest.mark.slow  # a private platform started on thousands of records

ENTERPRISES = 3000
ADMIN = Actor(user_id="startup-admin", role="admin", region_scope="000000")


@pytest.fixture(scope="module")
def full_registry(infrastructure, settings, tmp_path_factory):
    """A registry of ENTERPRISES enterprises, and a platform started on it afterwards."""
    vhost = VirtualHost(
        infrastructure["amqp_uri"], infrastructure["management_url"], "anjian-startup"
    )
    vhost.create()
    private = dataclasses.replace(
        settings,
        amqp_uri=vhost.amqp_uri,
        database_prefix=f"startup_{secrets.token_hex(4)}_",
        rpc_timeout_seconds=5,
        gateway_port=free_port(),
        data_dir=str(tmp_path_factory.mktemp("startup")),
    )
    mongo = connect(private)
    documents = stored_documents(create_payloads(ENTERPRISES, 50_000), ADMIN)
    mongo[private.database("registry")].enterprises.insert_many(
        [{**document, "outbox": []} for document in documents]
    )
    platform = Components(private)
    try:
        for component in COMPONENTS:
            platform.start(component)
        platform.wait_ready()
        add_account(private, ADMIN.user_id, PASSWORD, "admin", "000000")
        yield platform, mongo, private, [d["_id"] for d in documents]
    finally:
        platform.stop_all()
        drop_databases(mongo, private.database_prefix)
        mongo.close()
        vhost.delete()


def test_every_empty_copy_of_the_registry_is_rebuilt_in_the_background(full_registry):
    """Inspection and training were deployed after the registry: each asks for a copy."""
    platform, mongo, private, usccs = full_registry
    copies = [
        mongo[private.database(service)].enterprises for service in ("inspection", "training")
    ]
    token = requests.post(
        platform.url + "/api/v1/auth/token",
        timeout=30,
        json={"username": ADMIN.user_id, "password": PASSWORD},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def rebuilt():
        page = requests.get(
            platform.url + "/api/v1/enterprises",
            headers=headers,
            timeout=30,
            params={"page": 40, "page_size": 20},
        )
        read = requests.get(
            platform.url + f"/api/v1/enterprises/{usccs[-1]}", headers=headers, timeout=30
        )
        assert page.status_code == 200 and read.status_code == 200, (page.text, read.text)
        return all(copy.count_documents({}) == ENTERPRISES for copy in copies)

    wait_until(
        rebuilt,
        timeout=120,
        interval=0.5,
        message=f"inspection and training to learn all {ENTERPRISES} enterprises",
    )


def test_resync_of_everything_returns_at_once_and_runs_in_the_background(full_registry):
    platform = full_registry[0]
    done = subprocess.run(
        [sys.executable, "-m", "tools.cli", "resync"],
        cwd=ROOT,
        env=environment(platform.settings),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "in the background" in done.stdout
