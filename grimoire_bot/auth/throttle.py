"""How long an account stays locked after repeated failed logins."""

from __future__ import annotations

from datetime import timedelta

FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)
# Failures older than this are forgiven.
FAILURE_WINDOW = timedelta(minutes=15)


def lock_duration(failures: int) -> timedelta | None:
    """None while failures are under the free allowance, then 30 s doubling to 15 min."""
    if failures < FREE_FAILURES:
        return None
    doubled = FIRST_LOCK * 2 ** min(failures - FREE_FAILURES, 10)
    return min(doubled, MAX_LOCK)
