"""Credentials for the live backends: key file, cached login token, impersonation, ADC; no network."""

from __future__ import annotations

import json

import google.auth
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import impersonated_credentials
from google.auth.exceptions import DefaultCredentialsError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from goalkeeper.backends import google_clients
from goalkeeper.core.errors import GoalkeeperError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in (
        "GOALKEEPER_API_ENDPOINT",
        "GOALKEEPER_CREDENTIALS",
        "GOALKEEPER_IMPERSONATE",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(google_clients.typer, "get_app_dir", lambda name: str(tmp_path / "config" / name))


@pytest.fixture
def key_file(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "shop-tracking",
                "private_key_id": "abc123",
                "private_key": pem,
                "client_email": "goalkeeper@shop-tracking.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return path


def test_service_account_key_file(key_file, monkeypatch):
    monkeypatch.setenv("GOALKEEPER_CREDENTIALS", str(key_file))
    creds = google_clients.credentials()
    assert isinstance(creds, service_account.Credentials)
    assert creds.service_account_email == "goalkeeper@shop-tracking.iam.gserviceaccount.com"
    assert set(google_clients.SCOPES) <= set(creds.scopes)


def test_key_file_from_the_goal_file_target(key_file):
    assert isinstance(google_clients.credentials({"credentials": str(key_file)}), service_account.Credentials)


def test_unreadable_key_file_names_the_file_not_its_content(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"type": "service_account", "private_key": "SECRET-MATERIAL"}')
    with pytest.raises(GoalkeeperError) as error:
        google_clients.credentials({"credentials": str(bad)})
    assert "broken.json" in str(error.value) and "SECRET-MATERIAL" not in str(error.value)


def test_cached_login_token(tmp_path):
    path = google_clients.token_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "token": "ya29.cached",
                "refresh_token": "1//refresh",
                "client_id": "cid",
                "client_secret": "secret",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    assert str(tmp_path / "config") in str(path)
    creds = google_clients.credentials()
    assert isinstance(creds, user_credentials.Credentials)
    assert creds.refresh_token == "1//refresh"


def test_application_default_credentials(monkeypatch):
    seen = {}

    def adc(scopes=None, **kw):
        seen["scopes"] = scopes
        return user_credentials.Credentials("ya29.adc"), "project"

    monkeypatch.setattr(google.auth, "default", adc)
    assert google_clients.credentials().token == "ya29.adc"
    assert "https://www.googleapis.com/auth/tagmanager.publish" in seen["scopes"]


def test_impersonation_wraps_the_source(key_file, monkeypatch):
    monkeypatch.setenv("GOALKEEPER_CREDENTIALS", str(key_file))
    monkeypatch.setenv("GOALKEEPER_IMPERSONATE", "deployer@shop-tracking.iam.gserviceaccount.com")
    creds = google_clients.credentials()
    assert isinstance(creds, impersonated_credentials.Credentials)
    assert creds.service_account_email == "deployer@shop-tracking.iam.gserviceaccount.com"
    assert isinstance(creds._source_credentials, service_account.Credentials)


def test_missing_credentials_say_how_to_get_some(monkeypatch):
    def no_adc(**kw):
        raise DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", no_adc)
    with pytest.raises(GoalkeeperError) as error:
        google_clients.credentials()
    message = str(error.value)
    assert (
        "goalkeeper login" in message and "application-default login" in message and "GOALKEEPER_CREDENTIALS" in message
    )


def test_test_endpoint_uses_anonymous_credentials(monkeypatch):
    from google.auth.credentials import AnonymousCredentials

    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", "http://127.0.0.1:1")
    assert isinstance(google_clients.credentials(), AnonymousCredentials)


@pytest.mark.parametrize("before", ["none", "readable by others"])
def test_login_caches_the_token_privately(monkeypatch, tmp_path, before):
    if before == "readable by others":  # an older goalkeeper, or a copy, left it open
        google_clients.token_path().parent.mkdir(parents=True, mode=0o755)
        google_clients.token_path().parent.chmod(0o755)
        google_clients.token_path().write_text("{}")
        google_clients.token_path().chmod(0o644)

    class Flow:
        @classmethod
        def from_client_secrets_file(cls, path, scopes):
            assert set(google_clients.SCOPES) == set(scopes)
            return cls()

        def run_local_server(self, port):
            return user_credentials.Credentials(
                "ya29.new",
                refresh_token="1//r",
                client_id="c",
                client_secret="s",
                token_uri="https://oauth2.googleapis.com/token",
            )

    import google_auth_oauthlib.flow

    monkeypatch.setattr(google_auth_oauthlib.flow, "InstalledAppFlow", Flow)
    path = google_clients.login(tmp_path / "client_secret.json")
    assert path == google_clients.token_path()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert [p.name for p in path.parent.iterdir()] == ["token.json"]  # no temporary file left
    assert isinstance(google_clients.credentials(), user_credentials.Credentials)
