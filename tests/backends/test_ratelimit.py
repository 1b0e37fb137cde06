"""The sliding-window limiter and backoff, on a simulated clock."""

from __future__ import annotations

import logging

import pytest

from goalkeeper.backends.ratelimit import (
    BUDGET_VARIABLE,
    SlidingWindowLimiter,
    backoff_delays,
    gtm_requests_per_100s,
)
from goalkeeper.core.errors import GoalkeeperError
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


def test_each_wait_is_reported_as_it_begins(caplog):
    clock = FakeClock()
    waits = []
    limiter = SlidingWindowLimiter(
        limit=10, window=100.0, clock=clock, on_wait=lambda seconds, why: waits.append(seconds)
    )
    with caplog.at_level(logging.INFO, logger="goalkeeper"):
        for _ in range(30):
            limiter.acquire()
    assert waits == [100, 100]
    lines = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert lines == ["GTM: waiting 100 s for the request quota (10 requests per 100 s)"] * 2


@pytest.mark.parametrize(
    "environment,spec,budget",
    [
        (None, {}, 25),  # Google's documented default
        (None, {"requests_per_100s": 90}, 90),  # a project whose quota Google raised
        ("10", {"requests_per_100s": 90}, 10),  # the environment wins: tools sharing one project in CI
    ],
)
def test_the_gtm_budget_comes_from_the_environment_the_goal_file_or_google(monkeypatch, environment, spec, budget):
    if environment is None:
        monkeypatch.delenv(BUDGET_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(BUDGET_VARIABLE, environment)
    assert gtm_requests_per_100s(spec) == budget


@pytest.mark.parametrize("environment", ["0", "many", "-5", "2.5"])
def test_a_budget_that_is_no_positive_number_is_refused(monkeypatch, environment):
    monkeypatch.setenv(BUDGET_VARIABLE, environment)
    with pytest.raises(GoalkeeperError, match=f"{BUDGET_VARIABLE}=.*whole number of at least 1"):
        gtm_requests_per_100s({})
