"""When the network fails: every request times out, retries are reported and budgeted, and each
kind of failure on the way to Google is one clear error that quotes nothing Google answered.

No test leaves this machine: a server that never answers is a socket on 127.0.0.1 that nobody
accepts from, a failing DNS is a patched ``getaddrinfo``, a refused connection is a closed local
port, TLS is spoken to the plain-HTTP fake.
"""

from __future__ import annotations

import socket

import google.auth.credentials
import pytest
from google.auth import exceptions as auth_exceptions

from goalkeeper.backends import google_clients
from goalkeeper.backends.calls import Calls, Failure
from goalkeeper.backends.ga4_live import GA4LiveBackend
from goalkeeper.backends.gtm_live import GTMLiveBackend
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.testing.fake_google import FakeClock
from tests.cli_helpers import run
from tests.conftest import ACCOUNT, EXAMPLES, PROPERTY

from .conftest import write_goals

SECRET = "ya29.SECRET-TOKEN-MATERIAL"


@pytest.fixture
def silent_server():
    """An address that accepts connections (the kernel does) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


@pytest.fixture
def closed_port():
    """An address where nothing listens: connections are refused."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"


def gtm_backend(endpoint: str, monkeypatch, clock: FakeClock, creds=None) -> GTMLiveBackend:
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", endpoint)
    monkeypatch.setenv("GOALKEEPER_TIMEOUT", "0.3")
    return GTMLiveBackend(google_clients.tagmanager_service(creds), ACCOUNT, "1001", clock=clock)


def ga4_backend(endpoint: str, monkeypatch, clock: FakeClock, creds=None) -> GA4LiveBackend:
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", endpoint)
    monkeypatch.setenv("GOALKEEPER_TIMEOUT", "0.3")
    beta, alpha = google_clients.admin_clients(creds)
    return GA4LiveBackend(beta, alpha, PROPERTY, clock=clock)


BACKENDS = {"gtm": gtm_backend, "ga4": ga4_backend}


@pytest.mark.parametrize("system", sorted(BACKENDS))
def test_a_server_that_never_answers_is_given_up_on_with_the_timeout_named(
    system, silent_server, monkeypatch, fake_clock, capsys
):
    backend = BACKENDS[system](silent_server, monkeypatch, fake_clock)
    with pytest.raises(
        GoalkeeperError, match=r"could not be reached reliably \(no answer within 0.3 s, GOALKEEPER_TIMEOUT\)"
    ):
        backend.read()
    retries = [line for line in capsys.readouterr().err.splitlines() if "retrying in" in line]
    assert retries and all(line.startswith(f"{system.upper()}: ") for line in retries)


def test_each_retry_is_one_line_saying_what_why_and_when(fake_google, monkeypatch, fake_clock, capsys):
    fake_google.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")
    fake_google.faults.add(kind="status", status=503, api="ga4", times=2)
    backend = ga4_backend(fake_google.url, monkeypatch, fake_clock)
    backend.read()
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "GA4: list_custom_dimensions failed (HTTP 503); retrying in 2 s (298 s of retry budget left)",
        "GA4: list_custom_dimensions failed (HTTP 503); retrying in 4 s (294 s of retry budget left)",
    ]


def test_retries_stop_when_the_budget_is_spent(fake_google, monkeypatch, fake_clock, capsys):
    monkeypatch.setenv("GOALKEEPER_RETRY_BUDGET", "10")
    fake_google.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")
    fake_google.faults.add(kind="status", status=503, api="ga4", times=None)
    backend = ga4_backend(fake_google.url, monkeypatch, fake_clock)
    start = fake_clock.now()
    with pytest.raises(GoalkeeperError, match="GA4"):
        backend.read()
    assert fake_clock.now() - start == 2 + 4  # the next wait (8 s) would pass the 10 s budget
    assert "not retrying: the retry budget of 10 s (GOALKEEPER_RETRY_BUDGET) is spent" in capsys.readouterr().err


def test_a_budget_that_is_not_a_number_of_seconds_names_the_variable(monkeypatch):
    monkeypatch.setenv("GOALKEEPER_RETRY_BUDGET", "five minutes")
    with pytest.raises(GoalkeeperError, match="GOALKEEPER_RETRY_BUDGET='five minutes' is not a number of seconds"):
        Calls(lambda error: Failure.FINAL)


@pytest.mark.parametrize("system", sorted(BACKENDS))
def test_a_refused_connection_is_one_clear_error_without_retries(system, closed_port, monkeypatch, fake_clock, capsys):
    backend = BACKENDS[system](closed_port, monkeypatch, fake_clock)
    with pytest.raises(GoalkeeperError, match="connection to Google was refused"):
        backend.read()
    assert "retrying" not in capsys.readouterr().err


@pytest.mark.parametrize("system", sorted(BACKENDS))
def test_an_offline_machine_is_one_clear_error(system, monkeypatch, fake_clock, capsys):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    backend = BACKENDS[system]("http://tagmanager.example", monkeypatch, fake_clock)
    with pytest.raises(GoalkeeperError, match="cannot look up Google's servers: this machine seems offline"):
        backend.read()
    assert "retrying" not in capsys.readouterr().err


@pytest.mark.parametrize("system", sorted(BACKENDS))
def test_a_failed_tls_handshake_is_one_clear_error(system, fake_google, monkeypatch, fake_clock):
    https = fake_google.url.replace("http://", "https://")  # the fake speaks plain HTTP
    backend = BACKENDS[system](https, monkeypatch, fake_clock)
    with pytest.raises(GoalkeeperError, match="secure connection to Google failed.*REQUESTS_CA_BUNDLE"):
        backend.read()


class RefusedCredentials(google.auth.credentials.Credentials):
    """Credentials whose token refresh fails as ``error`` (the sign-in service's answer in it)."""

    def __init__(self, error: Exception):
        super().__init__()
        self.error = error

    def refresh(self, request):
        raise self.error


SIGN_IN_FAILURES = {
    "expired login": (
        auth_exceptions.RefreshError(
            "invalid_grant: Token has been expired or revoked.", {"error": "invalid_grant", "token": SECRET}
        ),
        r"refused to issue an access token \(invalid_grant\).*goalkeeper login",
    ),
    "impersonation refused": (
        auth_exceptions.RefreshError("Unable to acquire impersonated credentials", f'{{"error": "{SECRET}"}}'),
        "GOALKEEPER_IMPERSONATE.*roles/iam.serviceAccountTokenCreator",
    ),
    "sign-in service unreachable": (
        auth_exceptions.TransportError(f"HTTPSConnectionPool: Max retries exceeded {SECRET}"),
        "cannot reach Google's sign-in service",
    ),
}


@pytest.mark.parametrize("failure", sorted(SIGN_IN_FAILURES))
@pytest.mark.parametrize("system", sorted(BACKENDS))
def test_sign_in_failures_are_one_clear_error_quoting_nothing(system, failure, fake_google, monkeypatch, fake_clock):
    error, message = SIGN_IN_FAILURES[failure]
    backend = BACKENDS[system](fake_google.url, monkeypatch, fake_clock, RefusedCredentials(error))
    with pytest.raises(GoalkeeperError, match=message) as raised:
        backend.read()
    assert SECRET not in str(raised.value) and "expired or revoked." not in str(raised.value)


def test_the_command_reports_a_silent_server_without_a_traceback(silent_server, tmp_path, monkeypatch):
    goals = write_goals(tmp_path / "goals.yaml", [{"name": "a", "kind": "link_click", "url_contains": "/a"}], "1")
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", silent_server)
    monkeypatch.setenv("GOALKEEPER_TIMEOUT", "0.2")
    monkeypatch.setenv("GOALKEEPER_RETRY_BUDGET", "0")
    result = run("plan", goals)
    assert result.exit_code == 1
    assert "could not be reached reliably (no answer within 0.2 s" in result.output
    assert "not retrying: the retry budget of 0 s" in result.output
    assert "Traceback" not in result.output
