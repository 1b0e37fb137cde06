"""Credentials and API clients for the live backends.

Credentials, first match wins:
1. ``GOALKEEPER_CREDENTIALS`` or ``target.credentials``: a service-account key file;
2. the OAuth token that ``goalkeeper login`` cached in the user's config directory;
3. Application Default Credentials (``gcloud auth application-default login``, a workload
   identity federation config in CI, ``GOOGLE_APPLICATION_CREDENTIALS``, the metadata server).
Any of them can act as another service account through ``GOALKEEPER_IMPERSONATE`` (or
``target.impersonate``): the caller needs roles/iam.serviceAccountTokenCreator on it.

``GOALKEEPER_API_ENDPOINT`` points both clients at another server with anonymous credentials:
goalkeeper's tests run the real clients against a local fake of the Google APIs this way.
Credentials are never printed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from goalkeeper.core.errors import GoalkeeperError

GTM_SCOPES = [
    "https://www.googleapis.com/auth/tagmanager.edit.containers",
    "https://www.googleapis.com/auth/tagmanager.edit.containerversions",
    "https://www.googleapis.com/auth/tagmanager.publish",
    "https://www.googleapis.com/auth/tagmanager.readonly",
]
GA4_SCOPES = ["https://www.googleapis.com/auth/analytics.edit", "https://www.googleapis.com/auth/analytics.readonly"]
SCOPES = GTM_SCOPES + GA4_SCOPES
# gcloud refuses to create Application Default Credentials without it (gcloud auth application-default login).
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
ENDPOINT_VARIABLE = "GOALKEEPER_API_ENDPOINT"


def token_path() -> Path:
    return Path(typer.get_app_dir("goalkeeper")) / "token.json"


def test_endpoint() -> str | None:
    return os.environ.get(ENDPOINT_VARIABLE) or None


def credentials(settings: Mapping[str, Any] | None = None):
    """The credentials goalkeeper acts with (see the module docstring for the order)."""
    settings = settings or {}
    if test_endpoint():
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    key_file = os.environ.get("GOALKEEPER_CREDENTIALS") or settings.get("credentials")
    try:
        if key_file:
            from google.oauth2 import service_account

            creds = service_account.Credentials.from_service_account_file(key_file, scopes=SCOPES)
        elif token_path().exists():
            from google.oauth2.credentials import Credentials

            creds = Credentials.from_authorized_user_file(str(token_path()), SCOPES)
        else:
            import google.auth

            creds, _ = google.auth.default(scopes=SCOPES)
    except (OSError, ValueError) as error:
        raise GoalkeeperError(
            f"cannot load credentials from {key_file or token_path()}: {type(error).__name__}"
        ) from None
    except Exception as error:  # google.auth.exceptions.DefaultCredentialsError and kin
        raise GoalkeeperError(
            "no Google credentials found. Run `goalkeeper login --client-secrets FILE` with an OAuth client "
            "(Desktop app) of your own, or set GOALKEEPER_CREDENTIALS to a service-account key file, or create "
            "Application Default Credentials with the same client: `gcloud auth application-default login "
            "--client-id-file=FILE --scopes=" + ",".join([CLOUD_PLATFORM, *SCOPES]) + "` (docs/troubleshooting.md, "
            f'"Application Default Credentials for Tag Manager") ({type(error).__name__})'
        ) from None
    target = os.environ.get("GOALKEEPER_IMPERSONATE") or settings.get("impersonate")
    if target:
        from google.auth import impersonated_credentials

        creds = impersonated_credentials.Credentials(
            source_credentials=creds, target_principal=target, target_scopes=SCOPES, lifetime=3600
        )
    return creds


def tagmanager_service(creds=None):
    from googleapiclient.discovery import build

    options = {"api_endpoint": test_endpoint()} if test_endpoint() else None
    return build(
        "tagmanager",
        "v2",
        static_discovery=True,
        cache_discovery=False,
        credentials=creds or credentials(),
        client_options=options,
    )


def admin_clients(creds=None):
    """The v1beta and v1alpha Admin API clients, over REST."""
    from google.analytics import admin_v1alpha, admin_v1beta

    options = {"api_endpoint": test_endpoint()} if test_endpoint() else None
    creds = creds or credentials()
    return (
        admin_v1beta.AnalyticsAdminServiceClient(transport="rest", credentials=creds, client_options=options),
        admin_v1alpha.AnalyticsAdminServiceClient(transport="rest", credentials=creds, client_options=options),
    )


def login(client_secrets: Path) -> Path:
    """Sign in as a Google user in the browser and cache the token for later runs."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), SCOPES)
    except ValueError:  # json.JSONDecodeError too: not the JSON of an OAuth client
        raise GoalkeeperError(
            f"{client_secrets}: not an OAuth client file. In the Google Cloud console, APIs & Services > "
            "Credentials, create an OAuth client ID of type Desktop app and download its JSON"
        ) from None
    creds = flow.run_local_server(port=0)
    path = token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(creds.to_json(), encoding="utf-8")
    return path
