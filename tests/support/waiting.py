"""Waiting on a condition with a deadline, the tests' one way to wait (never a bare sleep)."""

import time


def wait_until(condition, timeout=20.0, interval=0.1, message="condition"):
    """Poll `condition` until it returns something truthy and return that; fail with `message`
    at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)
