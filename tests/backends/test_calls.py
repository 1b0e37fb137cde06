"""The one retry and error-mapping layer both live backends send their requests through: its retry
loop (which logs every request it sends and tells a watcher about every pause), its guard, and the table of each error reason Google documents for the Tag Manager API and the
Admin API, with its own retry decision and advice (a quota answered as 403 is waited out and ends with
the quota message, a missing quota project is not retried and says how to set one)."""

from __future__ import annotations

import logging

import pytest

from goalkeeper.backends.calls import (
    ADMIN_API_ERRORS,
    TAG_MANAGER_ERRORS,
    AmbiguousWriteError,
    Calls,
    Failure,
    advice_for,
    failure_for,
    guard,
)
from goalkeeper.backends.ratelimit import SlidingWindowLimiter
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.testing import FakeClock


class Refused(Exception):
    """An error the test's classifier calls by the name in its text."""


def failing(*failures: str, result: str = "done"):
    """A request that raises one error per failure given, then succeeds."""
    left = list(failures)

    def request() -> str:
        if left:
            raise Refused(left.pop(0))
        return result

    return request


def calls(attempts: int = 4) -> Calls:
    return Calls(lambda error: Failure(str(error)), FakeClock(), [2.0, 4.0, 8.0][: attempts - 1])


@pytest.mark.parametrize("failure", ["rate", "server", "connection"])
def test_what_may_have_done_nothing_is_retried_after_a_backoff(failure):
    sender = calls()
    start = sender.clock.now()
    assert sender.send(failing(failure, failure), idempotent=True) == "done"
    assert sender.requests == 3
    assert sender.clock.now() - start == pytest.approx(6.0)  # 2 s, then 4 s


def test_a_rate_refusal_is_retried_even_for_a_write():
    assert calls().send(failing("rate"), idempotent=False) == "done"


@pytest.mark.parametrize("failure", ["server", "connection"])
def test_a_write_whose_fate_is_unknown_is_never_replayed_blindly(failure):
    sender = calls()
    with pytest.raises(AmbiguousWriteError):
        sender.send(failing(failure), idempotent=False)
    assert sender.requests == 1


def test_a_final_error_is_raised_at_once():
    sender = calls()
    with pytest.raises(Refused):
        sender.send(failing("final"))
    assert sender.requests == 1


def test_retries_end_with_the_last_error():
    sender = calls(attempts=3)
    with pytest.raises(Refused, match="rate"):
        sender.send(failing("rate", "rate", "rate", "rate"))
    assert sender.requests == 3


def test_a_request_may_bring_its_own_classifier():
    assert calls().send(failing("odd"), classify=lambda error: Failure.RATE) == "done"


def explain(error: Exception) -> GoalkeeperError | None:
    return GoalkeeperError(f"explained: {error}") if isinstance(error, Refused) else None


def run_guarded(error: BaseException):
    def action():
        raise error

    return guard(action, system="GTM", where="workspace", connection_errors=(TimeoutError,), explain=explain)


@pytest.mark.parametrize("error", [AmbiguousWriteError("x"), TimeoutError("secret body")], ids=["ambiguous", "timeout"])
def test_an_unreliable_connection_says_run_again_without_quoting_the_error(error):
    with pytest.raises(GoalkeeperError) as raised:
        run_guarded(error)
    message = str(raised.value)
    assert "GTM could not be reached reliably" in message and "re-reads the workspace" in message
    assert "secret body" not in message


def test_api_errors_are_explained_by_the_backend():
    with pytest.raises(GoalkeeperError, match="explained: nope"):
        run_guarded(Refused("nope"))


def test_errors_the_backend_does_not_know_propagate():
    with pytest.raises(KeyError):
        run_guarded(KeyError("bug"))


# --- the reasons Google documents ------------------------------------------------------------

QUOTA_PROJECT = (
    "Your application is authenticating by using local Application Default Credentials. The "
    "tagmanager.googleapis.com API requires a quota project, which is not set by default."
)


@pytest.mark.parametrize("table", [TAG_MANAGER_ERRORS, ADMIN_API_ERRORS], ids=["tag-manager", "admin"])
@pytest.mark.parametrize(
    ("status", "reasons", "message", "failure"),
    [
        (429, [], "Quota exceeded for quota metric 'Queries'", Failure.RATE),
        (403, ["rateLimitExceeded"], "Rate limit exceeded", Failure.RATE),
        (403, ["userRateLimitExceeded"], "User rate limit exceeded", Failure.RATE),
        (403, ["quotaExceeded"], "Quota exceeded", Failure.RATE),
        (403, [], "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'", Failure.RATE),
        (403, ["SERVICE_DISABLED", "PERMISSION_DENIED"], QUOTA_PROJECT, Failure.FINAL),
        (403, ["forbidden"], QUOTA_PROJECT, Failure.FINAL),
        (403, ["accessNotConfigured"], "Tag Manager API has not been used in project 1 before", Failure.FINAL),
        (403, ["USER_PROJECT_DENIED"], "Caller does not have required permission to use project p", Failure.FINAL),
        (403, ["forbidden"], "The caller does not have permission", Failure.FINAL),
        (401, [], "Request had invalid authentication credentials", Failure.FINAL),
        (400, ["invalid"], "Found entity with duplicate name.", Failure.FINAL),
        (500, ["backendError"], "Backend Error", Failure.SERVER),
        (503, [], "The service is currently unavailable", Failure.SERVER),
    ],
)
def test_each_documented_reason_has_its_retry_decision(table, status, reasons, message, failure):
    assert failure_for(table, status, reasons, message) is failure


def test_a_daily_quota_is_not_waited_out_for_minutes_it_comes_back_at_midnight_pacific():
    message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per day'"
    assert failure_for(TAG_MANAGER_ERRORS, 429, ["rateLimitExceeded"], message) is Failure.FINAL
    assert "midnight Pacific time" in advice_for(TAG_MANAGER_ERRORS, 429, [], message)


@pytest.mark.parametrize(
    ("table", "api"),
    [(TAG_MANAGER_ERRORS, "tagmanager.googleapis.com"), (ADMIN_API_ERRORS, "analyticsadmin.googleapis.com")],
)
def test_a_missing_quota_project_says_how_to_set_one(table, api):
    advice = advice_for(table, 403, ["SERVICE_DISABLED"], QUOTA_PROJECT)
    assert "gcloud auth application-default set-quota-project PROJECT_ID" in advice
    assert f"gcloud services enable {api}" in advice


@pytest.mark.parametrize("table", [TAG_MANAGER_ERRORS, ADMIN_API_ERRORS])
def test_every_reason_cites_its_source(table):
    assert all(row.source for row in table.values())


# --- what it logs and tells --------------------------------------------------------------------


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
