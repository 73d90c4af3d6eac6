"""Debian's Chromium, as the browser tests run it."""

import shutil

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MISSING = "Debian's chromium is missing: `bash infra/local/up.sh --with-browser`"
# Flags that keep a headless Chromium from reaching for Google's services on a closed network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
