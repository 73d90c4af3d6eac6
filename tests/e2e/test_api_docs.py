"""The API documentation renders in a real browser, from assets the gateway serves itself."""

import subprocess

from tests.support.browser import CHROMIUM, FLAGS, MISSING


def rendered_dom(url, profile):
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            *FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_swagger_ui_lists_the_registry_operations(platform, tmp_path):
    assert CHROMIUM, MISSING
    dom = rendered_dom(platform.url + "/api/docs", tmp_path / "profile")
    assert 'class="swagger-ui"' in dom, dom[:2000]
    for path in (
        "/api/v1/enterprises",
        "/api/v1/enterprises/{uscc}",
        "/api/v1/enterprises/{uscc}/status",
        "/api/v1/enterprises/import",
        "/api/v1/enterprises/export",
        "/api/v1/auth/token",
    ):
        assert f'data-path="{path}"' in dom, path
