"""Retry timing for deliveries that failed for a temporary reason."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grimoire_bot.webhooks.dispatch import RETRY_MAX_SECONDS, retry_delay


@given(attempt=st.integers(1, 50), hint=st.none() | st.floats(0, 4 * 3600))
def test_a_retry_never_comes_sooner_than_github_asked(attempt, hint):
    """A primary rate limit resetting 45 minutes away was retried every 15 minutes."""
    delay = retry_delay(attempt, hint)
    assert delay >= (hint or 0.0)
    assert delay <= max(RETRY_MAX_SECONDS * 1.5, hint or 0.0)


def test_back_off_grows_with_the_attempts():
    first = [retry_delay(1, None) for _ in range(50)]
    fifth = [retry_delay(5, None) for _ in range(50)]
    assert max(first) < min(fifth)
