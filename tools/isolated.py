"""A private platform beside any other: its own RabbitMQ virtual host, its own processes.

Tests and benchmarks run the real services and gateway as processes (`tools.cli serve ...`)
on resources nobody else uses, so they never disturb the demo platform or each other. The
command line's `run` and `up` share the readiness wait.
"""

import dataclasses
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import requests

from services.kit.broker import USER_PREFIX
from services.kit.evidence import EvidenceStore
from services.kit.pure.clock import Clock

ROOT = Path(__file__).resolve().parents[1]
LOG_TAIL_CHARS = 3000
STOP_SECONDS = 20


class PlatformError(Exception):
    """The private platform could not be set up or did not come up."""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_port_block(count):
    """The first of `count` consecutive ports free now (for metrics ports, one per process)."""
    while True:
        first = free_port()
        if first + count > 65535:
            continue
        probes = []
        try:
            for port in range(first, first + count):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()


def drop_databases(client, prefix):
    """Drop every database a private platform made (all named with its prefix)."""
    for name in client.list_database_names():
        if name.startswith(prefix):
            client.drop_database(name)


def remove_bucket(settings):
    """Remove a private platform's evidence bucket, with every object and unfinished upload."""
    store = EvidenceStore(settings, Clock())
    if not store.client.bucket_exists(store.bucket):
        return
    for item in store.client.list_objects(store.bucket, recursive=True):
        store.client.remove_object(store.bucket, item.object_name)
    for upload in store.client._list_multipart_uploads(store.bucket).uploads:
        store.discard(upload.object_name, upload.upload_id)
    store.client.remove_bucket(store.bucket)


def environment(settings):
    """This process's environment with every setting as the ANJIAN_* variable that sets it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANJIAN_")}
    for name, value in dataclasses.asdict(settings).items():
        env["ANJIAN_" + name.upper()] = str(value)
    env["PYTHONPATH"] = str(ROOT)
    return env


def log_tail(logs, component):
    return (Path(logs) / f"{component}.log").read_text(errors="replace")[-LOG_TAIL_CHARS:]


def readiness(url, check):
    """(ready, why not) from the gateway's /readyz; `check()` raises PlatformError when a
    component is gone for good."""
    check()
    try:
        reply = requests.get(url + "/readyz", timeout=10)
    except requests.RequestException as error:
        return False, str(error)
    return reply.status_code == 200, reply.text


def wait_until_ready(url, check, seconds):
    deadline = time.monotonic() + seconds
    while True:
        ready, why_not = readiness(url, check)
        if ready:
            return
        if time.monotonic() > deadline:
            raise PlatformError(f"the platform was not ready after {seconds}s: {why_not}")
        time.sleep(0.5)


class VirtualHost:
    """A RabbitMQ virtual host of one's own, administered through the management API."""

    def __init__(self, amqp_uri, management_url, prefix):
        parts = urlsplit(amqp_uri)
        self.vhost = f"{prefix}-{secrets.token_hex(4)}"
        self.amqp_uri = parts._replace(path="/" + quote(self.vhost, safe="")).geturl()
        self.auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
        self.api = management_url.rstrip("/") + "/api"

    def url(self, path):
        return f"{self.api}/{path}"

    def create(self):
        try:
            requests.put(
                self.url(f"vhosts/{self.vhost}"), auth=self.auth, timeout=10
            ).raise_for_status()
            self.allow_writes()
        except requests.RequestException as error:
            raise PlatformError(
                f"cannot create a RabbitMQ virtual host through {self.api} "
                f"({error}); is the infrastructure up (make infra)?"
            ) from None

    def allow_writes(self, write=".*"):
        """Grant writes to exchanges matching `write` (a regex); new connections obey it."""
        requests.put(
            self.url(f"permissions/{self.vhost}/{self.auth[0]}"),
            auth=self.auth,
            timeout=10,
            json={"configure": ".*", "write": write, "read": ".*"},
        ).raise_for_status()

    def delete(self):
        """Delete the virtual host and the broker users that existed for it alone: the devices
        registered in it (their users are named device-<id>, see services/kit/broker.py)."""
        found = requests.get(
            self.url(f"vhosts/{quote(self.vhost, safe='')}/permissions"), auth=self.auth, timeout=10
        )
        for permission in found.json() if found.ok else []:
            if permission["user"].startswith(USER_PREFIX):
                requests.delete(
                    self.url(f"users/{quote(permission['user'], safe='')}"),
                    auth=self.auth,
                    timeout=10,
                )
        requests.delete(self.url(f"vhosts/{self.vhost}"), auth=self.auth, timeout=10)


class Components:
    """The services and the gateway as processes, each startable and stoppable on its own."""

    def __init__(self, settings, ready_seconds=90):
        self.settings = settings
        self.url = f"http://{settings.gateway_host}:{settings.gateway_port}"
        self.logs = Path(settings.data_dir)
        self.ready_seconds = ready_seconds
        self.processes = {}

    def start(self, component, copy=None, **overrides):
        """Start one component; `overrides` change its settings (e.g. a clock set ahead). A
        further copy of a service is named `<component>-<copy>` (and serves no metrics: the
        first copy has the component's port)."""
        name = component if copy is None else f"{component}-{copy}"
        if copy is not None:
            overrides = {"metrics_port": 0, **overrides}
        with open(self.logs / f"{name}.log", "ab") as log:
            # A session of its own: Ctrl-C reaches the caller, which then stops everything.
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "tools.cli", "serve", component],
                cwd=ROOT,
                env=environment(dataclasses.replace(self.settings, **overrides)),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self, component, kill=False):
        process = self.processes.pop(component)
        if process.poll() is None:
            process.kill() if kill else process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            # The whole group, so gunicorn's workers go with their master.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self):
        for component in list(self.processes):
            self.stop(component)

    def restart(self, component, **overrides):
        self.stop(component)
        self.start(component, **overrides)
        self.wait_ready()

    def check(self):
        """Raise PlatformError, with its log, if a component has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise PlatformError(
                    f"{name} exited with code {process.returncode}:\n{log_tail(self.logs, name)}"
                )

    def wait_ready(self):
        wait_until_ready(self.url, self.check, self.ready_seconds)

    def ready(self):
        """True when /readyz answers 200; raises if a component has exited."""
        return readiness(self.url, self.check)[0]

    def log(self, component):
        return (self.logs / f"{component}.log").read_text(errors="replace")
