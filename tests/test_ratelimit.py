"""Rate-limit arithmetic: windows count from the answer, 429 pauses and slows, chats apart."""

from __future__ import annotations

import math

import pytest

from bot.domain.ratelimit import Limits, RateLimiter, SlidingWindow, backoff


def test_window_counts_each_send_from_its_answer() -> None:
    window = SlidingWindow(limit=2, window=1.0)
    a = window.record()
    assert window.next_allowed(0.0) == 0.0  # one slot left
    b = window.record()
    assert window.next_allowed(0.0) == math.inf  # full, and both still in flight
    a.at = 0.01
    assert window.next_allowed(0.02) == pytest.approx(1.01)
    b.at = 0.03
    assert window.next_allowed(1.02) == 1.02  # a left the window
    window.record()
    # full again: the oldest of the two (b, answered at 0.03) must leave first
    assert window.next_allowed(1.02) == pytest.approx(1.03)


@pytest.mark.parametrize(
    ("group", "expected_gap"),
    [(False, 1.0 + 0.005), (True, None)],
)
def test_private_chat_one_a_second_group_twenty_a_minute(
    group: bool, expected_gap: float | None
) -> None:
    limiter = RateLimiter(Limits(global_rate=1000))
    now = 0.0
    times = []
    for _ in range(21 if group else 3):
        now = limiter.ready_at(7, group, now)
        times.append(now)
        limiter.record(7, group, now).settle(now)
    if group:
        assert times[19] == 0.0  # twenty at once
        assert times[20] == pytest.approx(60.005)
    else:
        assert times[1] - times[0] == pytest.approx(expected_gap)
        assert times[2] - times[1] == pytest.approx(expected_gap)


def test_global_rate_never_exceeded_in_any_window() -> None:
    limiter = RateLimiter(Limits(global_rate=30))
    now = 0.0
    sent = []
    for chat in range(200):
        now = limiter.ready_at(chat, False, now)
        sent.append(now)
        limiter.record(chat, False, now).settle(now + 0.002)  # a 2 ms round trip
    for i in range(len(sent) - 30):
        assert sent[i + 30] - sent[i] > 1.0
    achieved = (len(sent) - 1) / (sent[-1] - sent[0])
    assert achieved > 0.95 * 30


def test_retry_after_pauses_everything_and_slows_then_recovers() -> None:
    limiter = RateLimiter(Limits(global_rate=30))
    limiter.on_retry_after(3, now=10.0)
    assert limiter.ready_at(1, False, 10.0) >= 13.0
    assert limiter.factor == 0.75
    limiter.on_retry_after(1, now=11.0)
    limiter.on_retry_after(1, now=11.5)
    limiter.on_retry_after(1, now=12.0)
    assert limiter.factor == 0.5  # never below half
    limiter.global_ready_at(23.0)
    assert limiter.factor == pytest.approx(0.6)
    for t in range(33, 200, 10):
        limiter.global_ready_at(float(t))
    assert limiter.factor == 1.0


@pytest.mark.parametrize(("attempt", "seconds"), [(1, 2.0), (2, 4.0), (3, 8.0), (20, 300.0)])
def test_backoff_is_exponential_and_capped(attempt: int, seconds: float) -> None:
    assert backoff(attempt) == seconds
