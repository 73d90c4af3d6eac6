"""A RabbitMQ node of one's own, for tests that kill the broker.

The shared broker that `infra/local/up.sh` starts serves every other test and every other
checkout on the machine, so a test that kills a broker starts its own node: its own name, AMQP
port, Erlang distribution port and data folder, from the same scripts up.sh uses. Killing it with
SIGKILL and starting it again on the same folder is what a crash and a restart do to a real
broker: durable queues and persistent messages survive, connections do not.
"""

import os
import secrets
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from kombu import Connection

from tools.isolated import PlatformError, free_port

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")  # the real scripts, not the Debian su wrappers
START_SECONDS = 120
STOP_SECONDS = 30
# Erlang distribution (the node's cluster port) on the loopback interface only.
LOOPBACK_DISTRIBUTION = "-kernel inet_dist_use_interface {127,0,0,1}"


def cut_connections(vhost):
    """Close every client connection of a virtual host (tools.isolated.VirtualHost), as a broker
    restart would."""
    listed = requests.get(
        vhost.url(f"vhosts/{quote(vhost.vhost, safe='')}/connections"), auth=vhost.auth, timeout=10
    ).json()
    for connection in listed:
        requests.delete(
            vhost.url(f"connections/{quote(connection['name'], safe='')}"),
            auth=vhost.auth,
            timeout=10,
        )


class PrivateBroker:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.node = f"anjian-chaos-{secrets.token_hex(4)}@localhost"
        self.amqp_port = free_port()
        self.dist_port = free_port()
        self.amqp_uri = f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"
        self.process = None
        for name in ("mnesia", "log"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}\n"
            # guest may connect from localhost only, which is all this node listens on
            "loopback_users.guest = true\n"
        )
        (self.folder / "enabled_plugins").write_text("[].\n")  # no management: starts faster
        (self.folder / "rabbitmq-env.conf").write_text("")

    def _environment(self):
        env = dict(os.environ)
        env.update(
            {
                "HOME": str(self.folder),  # the Erlang cookie lives here
                "RABBITMQ_NODENAME": self.node,
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
                "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
                "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.folder / "log"),
                "RABBITMQ_PID_FILE": str(self.folder / "rabbitmq.pid"),
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": LOOPBACK_DISTRIBUTION,
                "ERL_EPMD_ADDRESS": "127.0.0.1",
            }
        )
        return env

    def answers(self):
        try:
            with Connection(self.amqp_uri, connect_timeout=1) as connection:
                connection.ensure_connection(max_retries=0)
                return True
        except Exception:  # refused, reset or still booting: not answering yet
            return False

    def start(self):
        """Start the node and return once it accepts AMQP connections."""
        if not (RABBITMQ_BIN / "rabbitmq-server").exists():
            raise PlatformError("RabbitMQ is not installed; run infra/local/up.sh first")
        with open(self.folder / "log" / "server.out", "ab") as out:
            # A session of its own, so kill() can take the whole node (script, VM, helpers).
            self.process = subprocess.Popen(
                [str(RABBITMQ_BIN / "rabbitmq-server")],
                env=self._environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while not self.answers():
            if self.process.poll() is not None:
                raise PlatformError(
                    f"RabbitMQ node {self.node} exited with code "
                    f"{self.process.returncode}; see {self.folder / 'log'}"
                )
            if time.monotonic() > deadline:
                raise PlatformError(
                    f"RabbitMQ node {self.node} did not answer within "
                    f"{START_SECONDS}s; see {self.folder / 'log'}"
                )
            time.sleep(0.2)

    def kill(self):
        """SIGKILL every process of the node at once, as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_SECONDS)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture(scope="module", name="broker")
def private_broker(tmp_path_factory):
    """The module's own broker, in place of the suite's: import it into a test module that kills
    the broker."""
    node = PrivateBroker(tmp_path_factory.mktemp("rabbitmq"))
    node.start()
    yield node
    node.stop()
