"""goalkeeper's test kit: a local fake of the Google Tag Manager API v2 and the GA4 Admin API, for
testing goal files in your own pytest suite (plan and apply against a fake container and property)
without a Google account or network::

    from typer.testing import CliRunner

    from goalkeeper.cli import app
    from goalkeeper.testing import FakeGoogle, endpoint_env

    with FakeGoogle(quota=False) as fake:                      # 127.0.0.1, a free port, a thread
        fake.seed_container_export("tests/container.json")     # GTM: Admin > Export Container
        fake.seed_ga4_snapshot("tests/ga4.json")               # a GA4 snapshot file
        result = CliRunner().invoke(app, ["plan", "goals.yaml"], env=endpoint_env(fake))

docs/testing.md ("Testing your goal files") has a complete example and says what the fake models.

Stable, under the test-kit version ``__version__`` (independent of goalkeeper's own version: a
minor version adds, a major version may change or remove what is listed here):

- the names in ``__all__``;
- ``FakeGoogle``: its keywords ``clock``, ``quota``, ``quota_mode``, ``host``, ``port``; ``start()``,
  ``stop()`` and ``with``; ``url``; ``seed_container_export``, ``seed_synthetic_container``,
  ``seed_ga4_snapshot``; ``gtm_service()``, ``ga4_client()``; the request log ``requests``,
  ``requests_for()``, ``request_count``, ``clear_log()``; ``faults`` (``add``, ``before_request``,
  ``clear``) and ``quota`` (``enabled``, ``reset()``, ``used_today``, ``refused``);
- ``FakeClock`` (``now``, ``advance``, ``sleep``), ``SeededContainer``, ``RequestRecord``, ``Fault``;
- the GA4 snapshot format (``goalkeeper.testing.fake_google.seed``), which goalkeeper's
  ``snapshot_file`` targets read too;
- ``endpoint_env``.

Not stable: everything else, in particular the fake's state (``fake.gtm``, ``fake.ga4`` and the
modules under ``goalkeeper.testing.fake_google``). The fake models Google: where it answers
differently from Google's APIs, it is corrected to answer as Google does, in any version.
"""

from __future__ import annotations

from goalkeeper.backends.google_clients import ENDPOINT_VARIABLE

from .fake_google import FakeClock, FakeGoogle, Fault, Faults, Quota, RequestRecord, SeededContainer

__version__ = "1.1"

__all__ = [
    "FakeClock",
    "FakeGoogle",
    "Fault",
    "Faults",
    "Quota",
    "RequestRecord",
    "SeededContainer",
    "endpoint_env",
]


def endpoint_env(fake: FakeGoogle) -> dict[str, str]:
    """The environment that points goalkeeper's live targets at ``fake``: the Tag Manager and GA4
    Admin clients talk to its URL, with anonymous credentials (no sign-in, no token, no key file).
    Give it to ``CliRunner.invoke(env=...)``, to ``monkeypatch.setenv``, or to a subprocess."""
    return {ENDPOINT_VARIABLE: fake.url}
