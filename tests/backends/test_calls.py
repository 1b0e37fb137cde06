"""The one retry layer logs every request it sends: method, path, status, duration and retries,
and tells a watcher about every pause, so that progress displays can count it down."""

from __future__ import annotations

import logging

import pytest

from goalkeeper.backends.calls import AmbiguousWriteError, Calls, Failure
from goalkeeper.backends.ratelimit import SlidingWindowLimiter
from goalkeeper.testing import FakeClock


class ApiError(Exception):
    def __init__(self, status_code: int):
        super().__init__(f"HTTP {status_code}: response body with ya29.secret-token")
        self.status_code = status_code


def classify(error: BaseException) -> Failure:
    if isinstance(error, ApiError):
        return {429: Failure.RATE, 503: Failure.SERVER}.get(error.status_code, Failure.FINAL)
    return Failure.CONNECTION if isinstance(error, ConnectionError) else Failure.FINAL


def answers(*outcomes):
    """A request that raises or returns each outcome in turn."""
    queue = list(outcomes)

    def request():
        outcome = queue.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return request


@pytest.fixture
def api_log():
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("goalkeeper.api")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


def sent(records):
    return [(r.method, r.path, r.status, r.retries, getattr(r, "failure", "")) for r in records if r.msg == "request"]


def test_a_request_is_logged_once_with_its_retries(api_log):
    calls = Calls(classify, FakeClock())
    result = calls.send(answers(ApiError(429), ApiError(503), {"tag": []}), method="GET", path="/tagmanager/v2/x")
    assert result == {"tag": []}
    assert sent(api_log) == [("GET", "/tagmanager/v2/x", 200, 2, "")]
    assert [r.status for r in api_log if r.msg == "retry"] == [429, 503]
    assert all(isinstance(r.duration_ms, int) for r in api_log if r.msg == "request")


def test_the_status_the_client_saw_is_logged(api_log):
    Calls(classify, FakeClock()).send(answers({}), method="DELETE", path="/p", status=lambda: 204)
    assert sent(api_log) == [("DELETE", "/p", 204, 0, "")]


@pytest.mark.parametrize(
    ("outcomes", "idempotent", "raised", "logged"),
    [
        ([ApiError(404)], True, ApiError, (404, 0, "ApiError")),
        ([ConnectionError()], False, AmbiguousWriteError, ("ConnectionError", 0, "ambiguous write")),
        ([ApiError(503), ApiError(503), ApiError(503)], True, ApiError, (503, 2, "retries exhausted")),
    ],
    ids=["final", "ambiguous-write", "retries-exhausted"],
)
def test_a_failed_request_is_logged_by_status_and_error_type_alone(api_log, outcomes, idempotent, raised, logged):
    calls = Calls(classify, FakeClock(), delays=[1.0, 2.0])
    with pytest.raises(raised):
        calls.send(answers(*outcomes), idempotent=idempotent, method="POST", path="/p")
    assert sent(api_log) == [("POST", "/p", *logged)]
    assert not any("ya29" in str(vars(r)) for r in api_log)  # the error's text may quote a response


def test_every_pause_is_told_to_the_watcher_before_it_is_slept():
    clock, told = FakeClock(), []
    limiter = SlidingWindowLimiter(limit=1, window=100.0, clock=clock)
    calls = Calls(classify, clock, delays=[8.0], limiter=limiter)
    limiter.on_wait = calls.on_wait = lambda seconds, why: told.append((clock.now(), seconds, why))
    start = clock.now()
    calls.send(answers({}))
    calls.send(answers(ApiError(429), {}))
    assert [(at - start, seconds) for at, seconds, _ in told] == [(0.0, 100.0), (100.0, 8.0), (108.0, 92.0)]
    assert [why for *_, why in told] == [
        "the API quota (1 requests per 100 seconds)",
        "retrying after the API quota",
        "the API quota (1 requests per 100 seconds)",
    ]
