"""Private servers: FerretDB (MongoDB protocol) or MinIO (S3) on a free port with its own folder.

For tests and benchmarks that must kill or wipe a server, or compare the patched FerretDB build with
the upstream one, without disturbing the servers everybody else uses. FerretDB's binaries come from
`infra/local/build-ferretdb.sh`, which builds what is missing; MinIO's from `infra/local/up.sh`.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import requests
from pymongo import MongoClient

from tools.isolated import ROOT, PlatformError, free_port

BUILD_SCRIPT = ROOT / "infra" / "local" / "build-ferretdb.sh"
START_SECONDS = 30


class PrivateStoreError(PlatformError):
    """The private server could not be built or did not come up."""


def ferretdb_binary(upstream=False):
    """The path of the patched (or upstream) build, building it first if needed."""
    command = ["bash", str(BUILD_SCRIPT)] + (["--upstream"] if upstream else [])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise PrivateStoreError(f"building FerretDB failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


class PrivateServer:
    """A server process of its own: subclasses start it; it is stopped, killed or used in `with`."""

    process = None

    def kill(self):
        """kill -9: no chance to flush or close anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class PrivateFerretDB(PrivateServer):
    """One FerretDB process on SQLite in `folder`: start, kill -9, start again on the same data."""

    def __init__(self, folder, upstream=False):
        self.folder = Path(folder)
        self.binary = ferretdb_binary(upstream)
        self.port = free_port()
        self.process = None

    @property
    def uri(self):
        return f"mongodb://127.0.0.1:{self.port}/"

    def client(self, **options):
        return MongoClient(
            self.uri, **{"serverSelectionTimeoutMS": 5000, "tz_aware": True, **options}
        )

    def start(self):
        (self.folder / "state").mkdir(parents=True, exist_ok=True)
        # The same options as infra/local/up.sh, so what is measured here is what runs there.
        with open(self.folder / "ferretdb.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--handler=sqlite",
                    f"--sqlite-url=file:{self.folder}/?_pragma=synchronous(normal)",
                    f"--listen-addr=127.0.0.1:{self.port}",
                    f"--state-dir={self.folder / 'state'}",
                    "--debug-addr=-",
                    "--telemetry=disable",
                    "--log-level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_SECONDS
        while not self._answers():
            if self.process.poll() is not None:
                raise PrivateStoreError(
                    f"FerretDB exited with {self.process.returncode}: "
                    f"{(self.folder / 'ferretdb.log').read_text()[-2000:]}"
                )
            if time.monotonic() > deadline:
                raise PrivateStoreError(f"FerretDB did not answer within {START_SECONDS}s")
            time.sleep(0.1)
        return self

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
        except OSError:
            return False
        with MongoClient(self.uri, serverSelectionTimeoutMS=1000) as client:
            try:
                client.admin.command("ping")
            except Exception:  # not ready yet, whatever the reason
                return False
        return True


class PrivateMinio(PrivateServer):
    """One MinIO process on `folder`, with the keys given; stopped and started on the same data."""

    def __init__(self, folder, access_key, secret_key):
        self.folder = Path(folder)
        gopath = subprocess.run(
            ["go", "env", "GOPATH"], capture_output=True, text=True, check=True
        ).stdout.strip()
        self.binary = Path(gopath) / "bin" / "minio"
        if not self.binary.exists():
            raise PrivateStoreError(f"no MinIO at {self.binary}: run infra/local/up.sh first")
        self.keys = {"MINIO_ROOT_USER": access_key, "MINIO_ROOT_PASSWORD": secret_key}
        self.port = free_port()
        self.process = None

    @property
    def endpoint(self):
        return f"127.0.0.1:{self.port}"

    def _answers(self):
        try:
            return requests.get(f"http://{self.endpoint}/minio/health/live", timeout=1).ok
        except requests.RequestException:
            return False

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder.parent / f"{self.folder.name}.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "server",
                    str(self.folder),
                    "--address",
                    self.endpoint,
                    "--console-address",
                    f"127.0.0.1:{free_port()}",
                ],
                env={**os.environ, **self.keys, "MINIO_UPDATE": "off"},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_SECONDS
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise PrivateStoreError(f"MinIO on {self.endpoint} did not come up")
            time.sleep(0.2)
        return self
