"""No published default secret: a gateway given none, or one anyone could know, does not start,
so nobody can sign their own admin token with it."""

import dataclasses
import subprocess
import sys

import pytest

from tools.isolated import ROOT, environment, free_port


@pytest.mark.parametrize("secret", ["", "change-me", "change-me-in-production-anjian-demo-secret"])
def test_the_gateway_refuses_to_start_without_a_strong_secret(settings, secret):
    weak = dataclasses.replace(settings, jwt_secret=secret, gateway_port=free_port())
    started = subprocess.run(
        [sys.executable, "-m", "tools.cli", "serve", "gateway"],
        cwd=ROOT,
        env=environment(weak),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "ANJIAN_JWT_SECRET" in started.stdout + started.stderr
