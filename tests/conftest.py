"""Test policy.

Unit tests (tests/unit): no server. Domain rules, schemas and the kit's pure parts are called
directly; entrypoints run in-process through nameko's `worker_factory`, the store replaced by an
in-memory one and the other dependencies by mocks. They never ask for the fixtures of
tests/support/platform.py: a unit test that would is refused at collection.

Integration and end-to-end tests: everything real. Real RabbitMQ, the real MongoDB-protocol
server (FerretDB natively, MongoDB under compose) and real MinIO, started by `infra/local/up.sh`
(or compose) through the `infrastructure` fixture. The services and the gateway run as real
processes, started exactly as in production (`anjian serve ...`). Each test session gets its own
RabbitMQ virtual host and its own database prefix, so it never touches the demo platform or
another run. Nothing of ours is replaced. End-to-end tests drive Debian's Chromium, headless,
against the same gateway. Helpers live in tests/support, never in another test module.
"""

from pathlib import Path

import pytest

from tests.support.api import FUZZING_TALLY

pytest_plugins = ["tests.support.infrastructure", "tests.support.platform"]

UNIT = Path(__file__).parent / "unit"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(UNIT) and "infrastructure" in item.fixturenames:
            raise pytest.UsageError(
                f"{item.nodeid} is a unit test but needs servers "
                "(the `infrastructure` fixture): move it to tests/integration"
            )


def pytest_sessionfinish(session, exitstatus):
    """A run in which no test ran proves nothing (a wrong path, a marker that selects nothing,
    every test skipped): it fails instead of passing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if session.config.option.collectonly or exitstatus != pytest.ExitCode.OK or not reporter:
        return
    if not any(
        reporter.stats.get(outcome) for outcome in ("passed", "failed", "xpassed", "xfailed")
    ):
        reporter.write_line("no test ran: failing the run", red=True)
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED


def pytest_terminal_summary(terminalreporter, config):
    tally = config.stash.get(FUZZING_TALLY, None)
    if tally:
        terminalreporter.write_line(
            f"API fuzzing: {tally['requests']} requests, {tally['server_errors']} server errors"
        )
