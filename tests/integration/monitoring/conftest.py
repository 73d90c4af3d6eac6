"""Monitoring tests: the session's platform with the monitoring service running on short limits.

What is real: RabbitMQ with its MQTT plugin (devices publish through paho-mqtt with their own
credentials, refused by the broker's topic permissions where they stray), the monitoring and
inspection services, FerretDB, the gateway. What is changed: the monitoring service is
restarted with a deployment rules directory that shortens the alarm limits to seconds and with
its timer looking every second, so escalation, hazards and silence happen within a test. That
is how a deployment would change them (rules files), not a test hook. Afterwards the service
runs on its ordinary limits again; the broker users the devices got go with the session's virtual
host (tools/isolated.py).
"""

from pathlib import Path

import pytest

from tests.support.api import register
from tests.support.monitoring import SHORT_LIMITS, registered_device


class ShortLimits:
    """The monitoring service of the platform, stopped and started again on short limits."""

    def __init__(self, platform, rules_dir):
        self.platform = platform
        self.overrides = {"rules_dir": rules_dir, "monitoring_check_seconds": 1}

    def stop(self):
        self.platform.stop("monitoring")

    def start(self):
        self.platform.start("monitoring", **self.overrides)
        self.platform.wait_ready()


@pytest.fixture(scope="package")
def monitoring(platform, tmp_path_factory):
    """The platform's monitoring service on short limits (on its own again after these tests,
    so nothing of theirs escalates while other tests run)."""
    rules = Path(tmp_path_factory.mktemp("monitoring-rules"))
    (rules / "monitoring").mkdir()
    (rules / "monitoring" / "short.yaml").write_text(SHORT_LIMITS, encoding="utf-8")
    service = ShortLimits(platform, str(rules))
    service.stop()
    service.start()
    yield service
    platform.restart("monitoring")


@pytest.fixture
def site(monitoring, sign_in, users):
    """A dust-explosion enterprise of 民乐县 (620722) the monitoring service knows, its user, and
    a device of its own with a dust-removal point: (enterprise, company api, device, point)."""
    body, company = register(sign_in, users, risk_features=["dust_explosion"])
    device, point = registered_device(company)
    return body, company, device, point
