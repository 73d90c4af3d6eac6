"""The holding service (tests/support/holding_service.py) as a process a test can hold, free
and watch, and the caller the tests call it as."""

import subprocess
import sys
import uuid

from tests.support.holding_service import SERVICE
from tests.support.waiting import wait_until
from tools.isolated import ROOT, environment

CALLER = {"user_id": "holding-test", "role": "admin", "region_scope": "000000"}


class Service:
    """The holding service as a process, its log, and the gates its workers wait at."""

    def __init__(self, settings, folder):
        self.folder = folder
        self.log_path = folder / "holding.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.holding_service"],
                cwd=ROOT,
                env=environment(settings),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def gate(self):
        path = self.folder / f"gate-{uuid.uuid4().hex}"
        path.mkdir()
        return path

    def log(self):
        return self.log_path.read_text(errors="replace")

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # nameko cannot stop a container still in its setup: leave nothing behind
            self.process.kill()
            self.process.wait()
            raise

    @classmethod
    def serving(cls, settings, folder, rpc):
        """Started, and consuming its RPC queue."""
        running = cls(settings, folder)
        wait_until(
            lambda: rpc.serving(SERVICE),
            timeout=60,
            interval=0.2,
            message="the holding service to consume",
        )
        return running


def released(gate):
    (gate / "released").touch()
    return gate
