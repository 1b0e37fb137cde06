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

Every request has a timeout, ``GOALKEEPER_TIMEOUT`` seconds (60 unless set): the Tag Manager
client's HTTP connection (httplib2) is built with it, and the GA4 backend passes it to each Admin
API call (the REST transport's requests session, token refreshes included). ``network_problem``
turns what goes wrong on the way to Google (no DNS, a refused connection, TLS, a token the sign-in
service refuses, impersonation refused) into one clear error, never quoting a response: the sign-in
service's answers may hold account details.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import typer

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.environment import seconds_setting
from goalkeeper.files import write_atomically

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
TIMEOUT_VARIABLE = "GOALKEEPER_TIMEOUT"
TIMEOUT = 60.0  # seconds: Google answers in well under a second; a minute is a dead connection


def request_timeout() -> float:
    """Seconds to wait for any one answer from Google (``GOALKEEPER_TIMEOUT``, 60 by default)."""
    return seconds_setting(TIMEOUT_VARIABLE, TIMEOUT) or TIMEOUT


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
    import httplib2
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    options = {"api_endpoint": test_endpoint()} if test_endpoint() else None
    # The HTTP connection carries the timeout: googleapiclient has no setting of its own for it.
    http = AuthorizedHttp(creds or credentials(), http=httplib2.Http(timeout=request_timeout()))
    return build("tagmanager", "v2", static_discovery=True, cache_discovery=False, http=http, client_options=options)


def admin_clients(creds=None):
    """The v1beta and v1alpha Admin API clients, over REST."""
    from google.analytics import admin_v1alpha, admin_v1beta

    options = {"api_endpoint": test_endpoint()} if test_endpoint() else None
    creds = creds or credentials()
    return (
        admin_v1beta.AnalyticsAdminServiceClient(transport="rest", credentials=creds, client_options=options),
        admin_v1alpha.AnalyticsAdminServiceClient(transport="rest", credentials=creds, client_options=options),
    )


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and everything it wraps: causes, contexts, and urllib3's ``reason``."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo += [w for w in wrapped if isinstance(w, BaseException)]


# OAuth 2.0 error codes (RFC 6749, section 5.2): safe to name, unlike the rest of the answer.
_OAUTH_CODE = re.compile(
    r"^(invalid_grant|invalid_client|unauthorized_client|invalid_scope|access_denied|invalid_request)\b"
)
NETWORK_HINT = "Check this machine's network connection and proxy settings (HTTPS_PROXY), then run goalkeeper again"


def network_problem(error: BaseException, system: str = "Google") -> GoalkeeperError | None:
    """The GoalkeeperError for a failure on the way to Google that retrying cannot cure, or None:
    a host name that does not resolve (offline, DNS), a refused connection, a TLS failure, an access
    token the sign-in service refuses, impersonation refused, the sign-in service unreachable.
    Only exception types and OAuth error codes are named, never an answer's text."""
    from google.auth import exceptions as auth_exceptions

    causes = list(_causes(error))
    if any(
        isinstance(c, socket.gaierror) or type(c).__name__ in ("ServerNotFoundError", "NameResolutionError")
        for c in causes
    ):
        return GoalkeeperError(
            f"{system}: cannot look up Google's servers: this machine seems offline, or its DNS fails. {NETWORK_HINT}"
        )
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return GoalkeeperError(
            f"{system}: the connection to Google was refused (a firewall or proxy in the way?). {NETWORK_HINT}"
        )
    tls = next((c for c in causes if isinstance(c, ssl.SSLError)), None)
    if tls is not None:
        return GoalkeeperError(
            f"{system}: the secure connection to Google failed ({type(tls).__name__}). A proxy that inspects "
            "HTTPS needs its certificate authority in REQUESTS_CA_BUNDLE and HTTPLIB2_CA_CERTS; otherwise check "
            "the machine's clock and certificates"
        )
    refused = next((c for c in causes if isinstance(c, auth_exceptions.RefreshError)), None)
    if refused is not None:
        return _token_refused(refused, system)
    if any(isinstance(c, auth_exceptions.TransportError) for c in causes):
        return GoalkeeperError(
            f"{system}: cannot reach Google's sign-in service to get an access token. {NETWORK_HINT}"
        )
    return None


def _token_refused(error: BaseException, system: str) -> GoalkeeperError:
    text = str(error.args[0]) if error.args else ""
    if "impersonat" in text.lower():
        return GoalkeeperError(
            f"{system}: Google refused to let goalkeeper act as the service account in GOALKEEPER_IMPERSONATE "
            "(or target.impersonate). The account goalkeeper runs as needs the Service Account Token Creator "
            "role (roles/iam.serviceAccountTokenCreator) on it, and the project needs the IAM Service Account "
            "Credentials API enabled"
        )
    code = _OAUTH_CODE.match(text)
    return GoalkeeperError(
        f"{system}: Google refused to issue an access token{f' ({code.group(1)})' if code else ''}: the sign-in "
        "expired or was revoked, or the key was deleted. Run `goalkeeper login` again, or check the "
        "service-account key (GOALKEEPER_CREDENTIALS or target.credentials)"
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
    # The token opens the user's GTM and GA4: only they may read it, nor list the folder.
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)
    except OSError as error:
        raise GoalkeeperError(f"cannot create {path.parent} for the token: {error.strerror}") from None
    write_atomically(path, creds.to_json(), "token cache", mode=0o600)
    return path
