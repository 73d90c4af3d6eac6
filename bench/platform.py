"""A private anjian platform for one bench run, torn down completely at the end.

The run gets its own RabbitMQ virtual host, its own database prefix and a gateway on a free port,
so it never disturbs the demo platform, a test run or another bench. Every service and the
gateway run as real processes, started exactly as in production (`tools.cli serve ...`). Any
other ANJIAN_* setting in the environment reaches them unchanged.
"""

import dataclasses
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager

import requests

from services import COMPONENTS
from services.kit.broker import ManagementApi
from services.kit.config import Settings
from services.kit.mongo import connect
from services.kit.pure.actor import Actor
from tools.cli import add_account
from tools.isolated import (
    Components,
    PlatformError,
    VirtualHost,
    drop_databases,
    free_port,
    remove_bucket,
)

READY_SECONDS = 90
# The bench signs in as a regulator of Zhangye city, whose counties hold every bench enterprise.
REGULATOR_NAME = "bench-regulator"
REGULATOR_SCOPE = "620700"
# How long a figure waits for the events of the figures before it to be handled, at most.
QUIET_SECONDS = 300
# Queues found empty this long in a row: longer than the outbox relay's tick, so events written
# but not yet relayed are not taken for quiet.
QUIET_FOR_SECONDS = 3


class BenchError(PlatformError):
    """The bench could not run at all, as opposed to a figure missing its target."""


def run_load(threads, errors):
    """Start the load `threads` and wait for them all; a thread that put an exception in `errors`
    fails the bench, so a broken side cannot look fast."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise BenchError(f"a load thread failed: {errors[0]!r}")


class Platform(Components):
    """The running components and what a figure needs to reach them."""

    def __init__(self, settings, mongo, management_url):
        super().__init__(settings, ready_seconds=READY_SECONDS)
        self.mongo = mongo
        self.broker = ManagementApi(settings.amqp_uri, management_url)
        self.regulator = Actor(
            user_id=REGULATOR_NAME, role="regulator", region_scope=REGULATOR_SCOPE
        )
        self.regulator_password = secrets.token_hex(16)

    def database(self, name):
        return self.mongo[self.settings.database(name)]

    def wait_quiet(self):
        """Until every consumed queue has stayed empty for a moment: the events of the figures
        before (ten thousand imported enterprises fan out to five copies) are handled, and the
        next figure measures its own work, not their tail. Gives up after QUIET_SECONDS and
        says so: a figure measured on a busy platform is still worth printing."""
        deadline = time.monotonic() + QUIET_SECONDS
        quiet_since = None
        while time.monotonic() < deadline:
            if self._busy_queues():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_FOR_SECONDS:
                return
            time.sleep(0.5)
        print(f"bench: events still waiting after {QUIET_SECONDS} s", file=sys.stderr)

    def _busy_queues(self):
        """Queues with a consumer and messages in them (one nobody consumes never drains)."""
        return [
            queue
            for queue, ready, unacknowledged, consumers in self.broker.queues()
            if consumers and (ready or unacknowledged)
        ]

    def rpc_config(self):
        return {"AMQP_URI": self.settings.amqp_uri, "SERIALIZER": "json"}

    def sign_in(self):
        """A fresh bearer token for the bench regulator, from the gateway's sign-in route."""
        reply = requests.post(
            self.url + "/api/v1/auth/token",
            timeout=30,
            json={"username": REGULATOR_NAME, "password": self.regulator_password},
        )
        if reply.status_code != 200:
            raise BenchError(f"sign-in failed: {reply.status_code} {reply.text[:500]}")
        return reply.json()["access_token"]


def _best_effort(what, step, *args, **kwargs):
    """A teardown step that fails is reported and the others still run."""

    def run():
        try:
            step(*args, **kwargs)
        except Exception as error:  # e.g. the infrastructure went away during the run
            print(f"bench: could not {what}: {error}", file=sys.stderr)

    return run


def _check_database(mongo, settings):
    try:
        mongo.admin.command("ping")
    except Exception as error:  # any failure to answer means the bench cannot run
        raise BenchError(
            f"the database at {settings.mongo_uri} does not answer ({error}); "
            "is the infrastructure up (make infra)?"
        ) from None


@contextmanager
def isolated_platform(management_url):
    """Start the registry and the gateway on private resources; remove everything on exit."""
    base = Settings.from_env()
    with ExitStack() as teardown:
        broker = VirtualHost(base.amqp_uri, management_url, "anjian-bench")
        broker.create()
        teardown.callback(_best_effort(f"delete the vhost {broker.vhost}", broker.delete))
        logs = tempfile.mkdtemp(prefix="anjian-bench-")
        teardown.callback(shutil.rmtree, logs, ignore_errors=True)
        run = secrets.token_hex(4)
        settings = dataclasses.replace(
            base,
            amqp_uri=broker.amqp_uri,
            database_prefix=f"bench_{run}_",
            evidence_bucket=f"bench-{run}-evidence",
            gateway_host="127.0.0.1",
            gateway_port=free_port(),
            data_dir=logs,
            jwt_secret=secrets.token_hex(32),
            pii_key=base.pii_key or secrets.token_hex(32),
            qr_key=base.qr_key or secrets.token_hex(32),
        )
        mongo = connect(settings)
        teardown.callback(mongo.close)
        _check_database(mongo, settings)
        teardown.callback(
            _best_effort(
                f"drop the databases {settings.database_prefix}*",
                drop_databases,
                mongo,
                settings.database_prefix,
            )
        )
        teardown.callback(
            _best_effort(f"remove the bucket {settings.evidence_bucket}", remove_bucket, settings)
        )
        platform = Platform(settings, mongo, management_url)
        teardown.callback(platform.stop_all)
        for component in COMPONENTS:
            platform.start(component)
        platform.wait_ready()
        add_account(
            settings,
            REGULATOR_NAME,
            platform.regulator_password,
            platform.regulator.role,
            platform.regulator.region_scope,
        )
        yield platform
