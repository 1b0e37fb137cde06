"""The sliding-window limiter and backoff, on a simulated clock."""

from __future__ import annotations

from goalkeeper.backends.ratelimit import SlidingWindowLimiter, backoff_delays
from goalkeeper.testing.fake_google import FakeClock


def test_never_more_than_the_limit_in_any_window():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=25, window=100.0, clock=clock)
    times = []
    for _ in range(100):
        limiter.acquire()
        times.append(clock.now())
    assert max(sum(1 for t in times if s <= t < s + 100) for s in times) == 25
    assert times[24] == times[0] and times[25] == times[0] + 100  # a burst, then a wait for the window
    assert limiter.waited == times[-1] - times[0] == 300


def test_spaced_calls_never_wait():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(clock=clock)
    for _ in range(60):
        limiter.acquire()
        clock.advance(4)
    assert limiter.waited == 0


def test_the_time_estimate_counts_the_quota_windows_to_wait():
    limiter = SlidingWindowLimiter(clock=FakeClock())
    assert limiter.seconds_for(25) == 0
    assert limiter.seconds_for(125) == 400


def test_backoff_outlasts_a_full_window():
    delays = backoff_delays()
    assert delays[:3] == [2, 4, 8] and max(delays) == 64
    assert sum(delays) > 100  # a window's quota used up by another tool comes back before giving up
