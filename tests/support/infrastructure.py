"""The real infrastructure for integration tests, as a pytest plugin.

Nothing here is faked: the `infrastructure` fixture hands out the endpoints of a real
RabbitMQ (with its management API), a real MongoDB-protocol server and a real MinIO,
because the services' behaviour over AMQP, the Mongo wire protocol and S3 is what the
integration tests exist to check.

Where they come from (ANJIAN_INFRA=native|docker overrides the automatic choice):
- docker: when `docker info` succeeds, pytest-docker starts rabbitmq, mongodb and minio
  from the repository's docker-compose.yml and removes them after the session;
- native: otherwise, `infra/local/up.sh` (idempotent, about a second when everything
  is already up) starts RabbitMQ, FerretDB and MinIO as local processes and leaves
  them running; endpoints come from the ANJIAN_* variables or the defaults below.
"""

import os
import socket
import subprocess
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
DOCKER_SERVICES = ["rabbitmq", "mongodb", "minio"]


def _mode():
    mode = os.environ.get("ANJIAN_INFRA", "auto")
    if mode in ("native", "docker"):
        return mode
    try:
        docker = subprocess.run(["docker", "info"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "native"
    return "docker" if docker.returncode == 0 else "native"


def _credentials():
    return {
        "minio_access_key": os.environ.get("ANJIAN_MINIO_ACCESS_KEY", "anjian"),
        "minio_secret_key": os.environ.get("ANJIAN_MINIO_SECRET_KEY", "anjian-secret"),
    }


def _native():
    result = subprocess.run(
        ["bash", str(ROOT / "infra" / "local" / "up.sh")], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.fail(
            f"infra/local/up.sh failed (exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return {
        "amqp_uri": os.environ.get("ANJIAN_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
        "mongo_uri": os.environ.get("ANJIAN_MONGO_URI", "mongodb://127.0.0.1:27017/"),
        "minio_endpoint": os.environ.get("ANJIAN_MINIO_ENDPOINT", "127.0.0.1:9000"),
        **_credentials(),
        "management_url": "http://127.0.0.1:15672",
        "mode": "native",
        # Where up.sh keeps data, logs and PID files, by the same rule as up.sh.
        "data_dir": os.environ.get("ANJIAN_DATA_DIR", str(ROOT / ".data")),
    }


def _tcp_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _http_ok(url, **kwargs):
    try:
        return requests.get(url, timeout=2, **kwargs).status_code == 200
    except requests.RequestException:
        return False


def _docker(docker_services):
    amqp = docker_services.port_for("rabbitmq", 5672)
    management = f"http://127.0.0.1:{docker_services.port_for('rabbitmq', 15672)}"
    mongo = docker_services.port_for("mongodb", 27017)
    minio = docker_services.port_for("minio", 9000)
    checks = {
        "rabbitmq": lambda: (
            _tcp_open(amqp) and _http_ok(f"{management}/api/overview", auth=("guest", "guest"))
        ),
        "mongodb": lambda: _tcp_open(mongo),
        "minio": lambda: _http_ok(f"http://127.0.0.1:{minio}/minio/health/live"),
    }
    for check in checks.values():
        docker_services.wait_until_responsive(check=check, timeout=120.0, pause=0.5)
    return {
        "amqp_uri": f"amqp://guest:guest@127.0.0.1:{amqp}/",
        "mongo_uri": f"mongodb://127.0.0.1:{mongo}/",
        "minio_endpoint": f"127.0.0.1:{minio}",
        **_credentials(),
        "management_url": management,
        "mode": "docker",
    }


@pytest.fixture(scope="session")
def docker_compose_file():
    """pytest-docker: the repository's own compose file."""
    return str(ROOT / "docker-compose.yml")


@pytest.fixture(scope="session")
def docker_setup():
    """pytest-docker: start only the infrastructure, not the project's services (compose still
    reads the gateway's required token secret, which the infrastructure never uses)."""
    os.environ.setdefault("ANJIAN_JWT_SECRET", "infrastructure-only")
    return [f"up -d --wait {' '.join(DOCKER_SERVICES)}"]


@pytest.fixture(scope="session")
def infrastructure(request):
    """Endpoints of the running RabbitMQ, MongoDB-protocol server and MinIO."""
    if _mode() == "docker":
        return _docker(request.getfixturevalue("docker_services"))
    return _native()
